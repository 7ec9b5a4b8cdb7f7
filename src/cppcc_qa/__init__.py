"""cppcc-qa: cited question answering over CPPCC reports. ``from cppcc_qa import answer, retrieve, find_quotes``."""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .errors import CppccQaError, IndexStateError, InputError
from .records import Answer, Article, Citation, DocMeta, Fact, Passage, Quote, TableRow
from .settings import Config

__all__ = [
    "Answer", "Article", "Citation", "Config", "CppccQaError", "DocMeta", "Fact", "IndexStateError", "InputError",
    "Passage", "Quote", "TableRow", "__version__", "answer", "find_quotes", "open_index", "retrieve",
]

_LAZY = {"answer": "compose", "retrieve": "search", "find_quotes": "quotes", "open_index": "service"}


def __getattr__(name: str) -> Any:
    """The four entry points load on first use, so that ``import cppcc_qa`` and ``cppcc-qa --help`` stay light."""
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
