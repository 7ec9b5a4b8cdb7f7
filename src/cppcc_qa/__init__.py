"""cppcc-qa: cited question answering over CPPCC work reports."""

from __future__ import annotations

__version__ = "0.1.0"

from .retrieve import Passage, retrieve

__all__ = ["Passage", "__version__", "retrieve"]
