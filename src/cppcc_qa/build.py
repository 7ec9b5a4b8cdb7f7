"""Building the index from the corpus: read, lay out, chunk, embed (cached), index, extract facts, swap in.

Unchanged chunks reuse their cached embeddings, so adding one report embeds only its chunks. A build that
finds nothing changed (same files, same analysis settings, same embedder) returns at once.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import CppccQaError, IndexStateError
from .records import Article, Document, Skipped
from .settings import LEXICAL_ONLY, Config
from .store import (
    Layout,
    Manifest,
    SourceRecord,
    article_to_json,
    check_writable,
    chunk_to_json,
    open_permissions,
    read_manifest,
    recover,
    staleness,
    swap,
    write_jsonl,
)

log = logging.getLogger("cppcc_qa")


@dataclass
class BuildReport:
    """What a build did."""

    index: Path
    chunks: int
    articles: int
    files: int
    embedded: int  # chunks whose embedding was computed (the rest came from the cache)
    reused: int
    skipped: list[Skipped]
    seconds: float
    unchanged: bool = False
    facts: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent per build stage


def current_fingerprint(config: Config, manifest: Manifest | None) -> dict[str, str]:
    from .sources import fingerprint

    known = {k: (v.size, v.mtime_ns, v.sha256) for k, v in manifest.sources.items()} if manifest else None
    return fingerprint(config.corpus, config.max_file_bytes, known) | _sidecar_fingerprint(config.corpus)


def _sidecar_fingerprint(corpus: Path) -> dict[str, str]:
    """Metadata sidecars count as corpus files: editing one changes the index."""
    from .sources import META_CSV, SIDECAR_SUFFIX

    out: dict[str, str] = {}
    for dirpath, dirs, files in os.walk(corpus, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(dirpath) / name
            wanted = name == META_CSV or name.lower().endswith(SIDECAR_SUFFIX)
            if wanted and not name.startswith(".") and path.is_file() and not path.is_symlink():
                try:
                    out[path.relative_to(corpus).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    continue
    return out


def stale_reasons(config: Config, embedder_name: str) -> list[str]:
    """Why the index at ``config.index`` must be (re)built; empty when it is current."""
    try:
        manifest = read_manifest(config.index)
    except IndexStateError as err:
        return [err.problem]
    return staleness(manifest, current_fingerprint(config, manifest), embedder_name, config.analysis)


def build_index(config: Config, *, progress: bool = False, force: bool = False, wait: float = 0.0) -> BuildReport:
    """Build (or refresh) the index at ``config.index`` from ``config.corpus``.

    ``wait``: seconds to wait for another build's lock before giving up (0: give up at once).
    """
    from filelock import FileLock, Timeout

    from .embed import spec_name
    from .sources import check_corpus

    t0 = time.perf_counter()
    check_corpus(config.corpus)
    layout = Layout(config.index)
    check_writable(layout.root.parent)
    lock = FileLock(layout.lock, timeout=wait)
    try:
        lock.acquire()
    except Timeout as err:
        raise CppccQaError(f"Another cppcc-qa index run holds {layout.lock}.",
                           "Wait for it to finish, then run again.") from err
    try:
        recover(layout)
        for stale in layout.root.parent.glob(layout.root.name + ".tmp-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        previous = None
        with contextlib.suppress(IndexStateError):
            previous = read_manifest(layout.root)
        stored = previous.embedder if previous else None
        spec = config.embedder_spec(stored)
        if previous and not force and not staleness(previous, current_fingerprint(config, previous), spec_name(spec),
                                                    config.analysis):
            c = previous.counts
            return BuildReport(layout.root, c["chunks"], c["articles"], c["files"], 0, c["chunks"],
                               list(previous.skipped), time.perf_counter() - t0, unchanged=True,
                               facts=c.get("facts", 0))
        return _build(config, layout, spec, progress, t0)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise CppccQaError(f"The disk is full while building {layout.root}; the previous index is kept.",
                               "Free some space, then run: cppcc-qa index") from err
        raise CppccQaError(f"Cannot write the index at {layout.root} ({err.strerror or err}); the previous "
                           "index is kept.", "Check the directory's permissions and free space.") from err
    finally:
        lock.release()


class _Clock:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._tick = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self._tick
        self._tick = now


def read_articles(config: Config) -> tuple[list[Article], list[Document], list[Skipped], dict[str, str]]:
    """Every document of the corpus split into articles with their metadata; returns also the folded texts."""
    from .layout import split_document
    from .meta import apply_overrides, path_hints
    from .sources import read_corpus, read_sidecar
    from .textnorm import fold

    docs, skipped = read_corpus(config.corpus, config.max_file_bytes)
    articles: list[Article] = []
    folded: dict[str, str] = {}
    kept: list[Document] = []
    for doc in docs:
        folded[doc.source] = fold(doc.text)
        found = split_document(doc, folded[doc.source])
        if not found:
            log.warning("skipped %s: no article text found", doc.source)
            skipped.append(Skipped(doc.source, "no article text found", doc.sha256))
            continue
        hints = path_hints(doc.source)
        sidecar = read_sidecar(config.corpus, doc.source)
        for a in found:
            meta = a.meta
            if hints:  # the folder or file name: fills what the text lacks, and overrides the text's place
                meta = apply_overrides(meta, {k: v for k, v in hints.items()
                                              if getattr(meta, k) is None or a.layout != "page"},
                                       "folder or file name")
            if sidecar:
                meta = apply_overrides(meta, sidecar, "meta.json / meta.csv")
            articles.append(Article(source=a.source, start=a.start, end=a.end, id=a.id, title=meta.title or a.title,
                                    title_derived=a.title_derived, layout=a.layout, meta=meta, reporters=a.reporters,
                                    paragraphs=a.paragraphs, sections=a.sections))
        kept.append(doc)
    return articles, kept, skipped, folded


def _embed(layout: Layout, spec: str, texts: list[str], progress: bool) -> tuple[Any, np.ndarray, list[str], int]:
    """Embeddings of ``texts`` (cached ones reused); returns the embedder, vectors, keys, number computed."""
    from .embed import load_embedder

    embedder = load_embedder(spec)
    if embedder is None:
        return None, np.zeros((len(texts), 0), np.float32), [], 0
    keys = [hashlib.sha1(f"{embedder.name}\x00{t}".encode()).hexdigest() for t in texts]
    cache = _previous_vectors(layout, embedder.name)
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo = []
    for i, k in enumerate(keys):
        if k in cache:
            vectors[i] = cache[k]
        else:
            todo.append(i)
    if todo:
        vectors[todo] = embedder.embed_passages([texts[i] for i in todo], progress=progress)
    return embedder, vectors, keys, len(todo)


def _previous_vectors(layout: Layout, embedder_name: str) -> dict[str, np.ndarray]:
    """Embedding cache from the current index: content hash -> vector (same embedder only)."""
    try:
        manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
        if manifest.get("embedder", {}).get("name") != embedder_name:
            return {}
        hashes = json.loads(layout.hashes.read_text(encoding="utf-8"))
        vectors = np.load(layout.vectors, mmap_mode="r")
        if len(hashes) != len(vectors):
            return {}
        return {h: np.array(vectors[i]) for i, h in enumerate(hashes)}
    except (OSError, ValueError, KeyError, AttributeError):
        return {}


def _faiss_index(vectors: np.ndarray, threshold: int) -> Any:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) >= threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 256  # recall@10 vs exact search 1.00 at 130k chunks (benchmarks/scale.py)
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


@dataclass
class _Built:
    """Everything a build computes before it writes: the parts of the new index, in memory."""

    articles: list[Article]
    docs: list[Document]
    skipped: list[Skipped]
    chunks: list[Any]
    terms: list[str]
    embedder: Any
    vectors: np.ndarray
    term_vectors: np.ndarray
    keys: list[str]
    embedded: int
    bm25: Any = None
    lexicon: Any = None
    facts: list[Any] = field(default_factory=list)
    quotes: dict[int, str] = field(default_factory=dict)


def _compute(config: Config, layout: Layout, spec: str, progress: bool, clock: _Clock) -> _Built:
    """Read, lay out, chunk and embed (the embedding cache of the current index reused)."""
    from .chunk import chunk_articles
    from .glossary import collect

    articles, docs, skipped, folded = read_articles(config)
    if not articles:
        raise CppccQaError(
            f"No report text found under {config.corpus} ({len(skipped)} file(s) skipped).",
            "Put .txt, .md, .docx, .pdf or .html reports there, then run: cppcc-qa index",
        )
    terms = collect(folded[a.source][a.start : a.end] for a in articles)
    clock.lap("read+layout")
    indexed = chunk_articles(articles, folded, config.analysis)
    texts = [x.text for x in indexed]
    clock.lap("chunk")
    if progress:
        print(f"Embedding {len(texts)} chunks and {len(terms)} named terms from {len(docs)} file(s)…", file=sys.stderr)
    embedder, vectors, keys, embedded = _embed(layout, spec, texts + terms, progress)
    clock.lap("embed")
    built = _Built(articles, docs, skipped, [x.chunk for x in indexed], terms, embedder, vectors[: len(texts)],
                   vectors[len(texts) :], keys, embedded)  # keys keep the terms' too: the next build's cache
    _lexical(config, built, texts, folded, clock)
    return built


def _lexical(config: Config, built: _Built, texts: list[str], folded: dict[str, str], clock: _Clock) -> None:
    """BM25 over the chunks, the English lexicon of their words, and the figures the reports state."""
    import bm25s

    from .crosslingual import Lexicon
    from .facts import extract_facts
    from .lexical import Terms, tokenize_many
    from .textnorm import repair

    tokens = tokenize_many(texts, Terms(built.terms))
    clock.lap("tokenize")
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build step at DEBUG
    built.bm25 = bm25s.BM25(k1=config.analysis.bm25_k1, b=config.analysis.bm25_b)
    built.bm25.index(tokens, show_progress=False)
    chars = {ch for t in texts for ch in t}
    built.lexicon = Lexicon.build(Counter(t for toks in tokens for t in set(toks)), chars=chars)
    clock.lap("bm25+lexicon")
    raw = {d.source: d.text for d in built.docs}
    for a in built.articles:
        for f in extract_facts(a, raw[a.source], folded[a.source], start_id=len(built.facts) + 1):
            built.facts.append(f)
            built.quotes[f.id] = repair(raw[a.source][f.start : f.end])
    clock.lap("facts")


def _write(config: Config, built: _Built, tmp: Path) -> Manifest:
    """Every part of the index into ``tmp``, the manifest last (a directory without one is never an index)."""
    from .facts import write_facts
    from .sources import file_stats

    new = Layout(tmp)
    write_jsonl(new.chunks, [chunk_to_json(c) for c in built.chunks])
    write_jsonl(new.articles, [article_to_json(a) for a in built.articles])
    new.glossary.write_text(json.dumps(built.terms, ensure_ascii=False), encoding="utf-8")
    if built.embedder is not None:
        np.save(new.vectors, np.vstack([built.vectors, built.term_vectors]))
        np.save(new.glossary_vectors, built.term_vectors)
        new.hashes.write_text(json.dumps(built.keys), encoding="utf-8")
        import faiss

        faiss.write_index(_faiss_index(built.vectors, config.analysis.hnsw_threshold), str(new.dense))
    built.bm25.save(new.bm25, show_progress=False)
    new.lexicon.write_text(json.dumps(built.lexicon.to_json(), ensure_ascii=False), encoding="utf-8")
    n_facts = write_facts(new.facts, built.facts, built.quotes, config.analysis.facts)
    new.sources.mkdir()
    sources: dict[str, SourceRecord] = {}
    stats = file_stats(config.corpus, {d.source: d.sha256 for d in built.docs})
    for n, d in enumerate(built.docs):
        name = f"sources/{n:05d}.txt"
        (tmp / name).write_text(d.text, encoding="utf-8")
        size, mtime, _ = stats.get(d.source, (0, 0, ""))
        sources[d.source] = SourceRecord(d.sha256, size, mtime, name, d.encoding, d.marks)
    dense = built.embedder is not None
    manifest = Manifest(
        format_version=config.analysis.format_version, package_version=__version__,
        analysis=config.analysis.to_dict(), embedder=built.embedder.name if dense else LEXICAL_ONLY,
        dim=built.embedder.dim if dense else 0,
        faiss=(None if not dense else "HNSWFlat" if len(built.chunks) >= config.analysis.hnsw_threshold else "FlatIP"),
        sources=sources, skipped=tuple(built.skipped),
        counts={"files": len(built.docs), "articles": len(built.articles), "chunks": len(built.chunks),
                "facts": n_facts, "terms": len(built.terms)},
        places=tuple(sorted({a.place for a in built.articles})),
        years=tuple(sorted({a.year for a in built.articles if a.year})),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), version=uuid.uuid4().hex[:12],
        sidecars=_sidecar_fingerprint(config.corpus),
    )
    new.manifest.write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    open_permissions(tmp)
    return manifest


def _build(config: Config, layout: Layout, spec: str, progress: bool, t0: float) -> BuildReport:
    clock = _Clock()
    built = _compute(config, layout, spec, progress, clock)
    tmp = Path(tempfile.mkdtemp(prefix=layout.root.name + ".tmp-", dir=layout.root.parent))
    try:
        manifest = _write(config, built, tmp)
        clock.lap("write")
        swap(tmp, layout)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    texts = len(built.chunks) + len(built.terms)
    return BuildReport(layout.root, len(built.chunks), len(built.articles), len(built.docs), built.embedded,
                       texts - built.embedded, built.skipped, time.perf_counter() - t0,
                       facts=manifest.counts["facts"], phases=clock.phases)


def add_files(files: list[Path], corpus: Path) -> list[Path]:
    """Copy reports into the corpus (safe file names, never overwriting, never through a link)."""
    import os
    import re

    from .sources import REPORT_SUFFIXES

    kinds = ", ".join(REPORT_SUFFIXES)
    corpus.mkdir(parents=True, exist_ok=True)
    added = []
    for f in files:
        if not f.is_file():
            raise CppccQaError(f"{f} is not a file.", f"Give paths of reports ({kinds}).")
        suffix = f.suffix.lower()
        if suffix not in REPORT_SUFFIXES or f.name.lower().endswith(".meta.json"):
            raise CppccQaError(f"{f.name} is not a report type cppcc-qa reads.", f"Use one of: {kinds}.")
        stem = re.sub(r"[^\w\-\u4e00-\u9fff]+", "_", f.name[: -len(suffix)]).strip("._") or "report"
        name = f"{stem}{suffix}"
        data = f.read_bytes()
        dest = corpus / name
        n = 1
        while dest.exists() or dest.is_symlink():
            if not dest.is_symlink() and dest.is_file() and dest.read_bytes() == data:
                break
            dest = corpus / f"{stem}-{n}{suffix}"
            n += 1
        if not dest.exists():
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
            fd = os.open(dest, flags, 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        added.append(dest)
    return added


def catalog(config: Config) -> list[dict[str, Any]]:
    """Every document and article of the corpus with its metadata and where each field came from, then the
    files that cannot be indexed and why (what ``cppcc-qa docs`` prints). Reads the corpus; embeds nothing."""
    articles, _docs, skipped, _ = read_articles(config)
    rows: list[dict[str, Any]] = []
    for a in articles:
        meta = a.meta.to_dict()
        rows.append({"source": a.source, "article": a.id, "layout": a.layout, **meta, "title": a.title,
                     "sections": len(a.sections), "paragraphs": len(a.paragraphs), "start": a.start, "end": a.end})
    rows += [{"source": s.source, "skipped": s.reason} for s in skipped]
    return rows
