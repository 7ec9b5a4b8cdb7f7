"""Optional cross-encoder reranking (sentence-transformers ``CrossEncoder``), off unless configured.

Set ``--reranker NAME_OR_PATH`` or $CPPCC_QA_RERANKER (e.g. a local copy of BAAI/bge-reranker-base).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from .chunk import context_text
from .errors import CppccQaError

_CACHE: dict[str, CrossEncoderReranker] = {}
_LOCK = threading.Lock()


class CrossEncoderReranker:
    def __init__(self, model: str) -> None:
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(model, device="cpu")
        except Exception as err:
            raise CppccQaError(
                f"Could not load the reranker {model!r}: {type(err).__name__}: {str(err)[:200]}",
                "Give a local cross-encoder directory, or unset CPPCC_QA_RERANKER; this machine cannot download models.",
            ) from err
        self.name = model

    def rerank(self, question: str, passages: list, k: int) -> list:
        """Reorder ``passages`` by the cross-encoder's score of (question, passage); keep the best ``k``."""
        if not passages:
            return []
        pairs = [(question, context_text(p)) for p in passages]
        scores = self._model.predict(pairs, show_progress_bar=False)
        order = sorted(range(len(passages)), key=lambda i: (-float(scores[i]), i))[:k]
        return [replace(passages[i], score=round(float(scores[i]), 6)) for i in order]


def load_reranker(model: str) -> CrossEncoderReranker:
    with _LOCK:
        if model not in _CACHE:
            _CACHE[model] = CrossEncoderReranker(model)
        return _CACHE[model]
