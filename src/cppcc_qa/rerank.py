"""Optional cross-encoder reranking (sentence-transformers ``CrossEncoder``, the ``[st]`` extra), off unless set.

Set ``--reranker NAME_OR_PATH`` or $CPPCC_QA_RERANKER (e.g. a local copy of BAAI/bge-reranker-base).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from .errors import CppccQaError
from .records import Passage

_CACHE: dict[str, CrossEncoderReranker] = {}
_LOCK = threading.Lock()


def pair_text(p: Passage) -> str:
    return f"{p.place}｜{p.title}\n{p.text}"


class CrossEncoderReranker:
    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as err:
            from .embed import ST_INSTALL

            raise CppccQaError("A reranker needs sentence-transformers, which is not installed.",
                               f"Run: {ST_INSTALL}") from err
        try:
            self._model: Any = CrossEncoder(model, device="cpu")
        except Exception as err:
            raise CppccQaError(
                f"Could not load the reranker {model!r}: {type(err).__name__}: {str(err)[:200]}",
                "Give a local cross-encoder directory, or unset CPPCC_QA_RERANKER; "
                "this machine cannot download models.",
            ) from err
        self.name = model

    def rerank(self, question: str, passages: list[Passage], k: int) -> list[Passage]:
        """Reorder ``passages`` by the cross-encoder's score of (question, passage); keep the best ``k``."""
        if not passages:
            return []
        scores = self._model.predict([(question, pair_text(p)) for p in passages], show_progress_bar=False)
        order = sorted(range(len(passages)), key=lambda i: (-float(scores[i]), i))[:k]
        return [replace(passages[i], score=round(float(scores[i]), 6)) for i in order]


def load_reranker(model: str) -> CrossEncoderReranker:
    with _LOCK:
        if model not in _CACHE:
            _CACHE[model] = CrossEncoderReranker(model)
        return _CACHE[model]
