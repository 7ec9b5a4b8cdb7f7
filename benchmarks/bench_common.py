"""Helpers shared by the benchmark scripts (not a benchmark itself).

Benchmarks never touch the repository's ``index/``: by default they use a scratch index of the shipped corpus
under ``/tmp/cppcc-qa-bench``, built on first use, and they resolve every setting with ``env={}`` (in-process)
or without the ``CPPCC_QA_*`` variables (subprocesses), so the caller's environment does not change a figure.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SCRATCH = Path(os.environ.get("TMPDIR", "/tmp")) / "cppcc-qa-bench"
INDEX = SCRATCH / "index"  # the shipped corpus's index, for benchmarks only


def config(corpus: Path | str = CORPUS, index: Path | str = INDEX, data: Path | str | None = None,
           model: str | None = None) -> Any:
    """The library's configuration for these paths, ignoring the environment."""
    from cppcc_qa.settings import Config

    return Config.resolve(corpus=str(corpus), index=str(index), data=str(data or Path(index).parent / "data"),
                          model=model, env={})


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the ``CPPCC_QA_*`` settings (and with ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPPCC_QA_")}
    env.update(extra)
    return env


def console_script() -> str:
    """The installed ``cppcc-qa`` entry point next to this interpreter (not a version manager's shim)."""
    path = Path(sys.executable).parent / "cppcc-qa"
    return str(path) if path.exists() else "cppcc-qa"


def ensure_index(cfg: Any) -> Any:
    """Open (building first when missing or stale) the index of ``cfg``; prints when it had to build."""
    from cppcc_qa.build import build_index

    t = time.perf_counter()
    report = build_index(cfg)
    if not report.unchanged:
        print(f"(built the benchmark index {cfg.index}: {report.chunks} chunks, {report.embedded} embedded, "
              f"{time.perf_counter() - t:.1f}s)", file=sys.stderr)
    from cppcc_qa.service import open_index

    return open_index(config=cfg)


def forget_query_vectors() -> bool:
    """Empty the library's per-process cache of question embeddings (``search._VECTORS``, when there is one), so
    that a timed call costs what a question never asked before costs. Returns whether there was such a cache."""
    from cppcc_qa import search

    cache = getattr(search, "_VECTORS", None)
    if cache is None:
        return False
    lock = getattr(search, "_VECTORS_LOCK", None)
    if lock is None:
        cache.clear()
    else:
        with lock:
            cache.clear()
    return True


def pct(xs: Sequence[float], p: float) -> float:
    """The ``p`` quantile (nearest rank) of ``xs``."""
    s = sorted(xs)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def p50(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def timed_ms(fn: Callable[[str], object], questions: Sequence[str], n: int) -> list[float]:
    """Milliseconds of ``n`` calls of ``fn`` cycling over ``questions``."""
    out = []
    for i in range(n):
        q = questions[i % len(questions)]
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def machine() -> str:
    """One line on where the figures were measured (the load average says how busy the machine was)."""
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return f"{os.cpu_count()} CPUs, load average {load}, Python {sys.version.split()[0]}"
