"""Rank fusion: small pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def rrf(rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float] | None = None,
        k: int = 60) -> dict[int, float]:
    """Weighted reciprocal rank fusion: ``sum_w w / (k + rank)`` over each ranking (rank from 1)."""
    fused: dict[int, float] = {}
    for name, ranking in rankings.items():
        w = 1.0 if weights is None else weights.get(name, 0.0)
        if w == 0:
            continue
        for rank, doc in enumerate(ranking, 1):
            fused[doc] = fused.get(doc, 0.0) + w / (k + rank)
    return fused
