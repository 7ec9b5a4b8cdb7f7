"""The persisted index: a directory of plain files, checked on load, written atomically.

    index/
      manifest.json      format and package version, embedder, chunking, source hashes, counts
      chunks.jsonl       one Chunk per line, in vector order
      vectors.npy        float32 embeddings (also the embedding cache for incremental builds)
      hashes.json        content hash of each embedded text, in vector order
      dense.faiss        FAISS inner-product index over vectors.npy
      bm25/              bm25s arrays and params (npy + json)
      lexicon.json       English -> Chinese corpus words (from CC-CEDICT), words the corpus mentions, districts
      articles.jsonl     one article per line: district, title, reporters, span, paragraph spans
      sources/           the decoded text of every source file, so citations and quotes are exact
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .chunk import chunk_articles, context_text
from .config import CHUNK_OVERLAP, CHUNK_SIZE
from .errors import CppccQaError, IndexStateError
from .ingest import ALL_SUFFIXES, Skipped, iter_corpus_files, load_articles

log = logging.getLogger("cppcc_qa")

FORMAT_VERSION = 2  # 2: lexicon.json also holds the presence tables used for abstention
HNSW_THRESHOLD = 50_000  # exact flat search below this many chunks, HNSW above
KEEP_FILES = ("README.md", ".gitignore", ".gitkeep")  # non-index files in the index dir that a swap keeps
REQUIRED_FILES = (
    "manifest.json", "chunks.jsonl", "vectors.npy", "hashes.json", "dense.faiss", "lexicon.json", "articles.jsonl",
)


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
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent per build stage


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_hashes(corpus: Path) -> dict[str, str]:
    """sha256 of every report file under ``corpus`` (unreadable files are left out)."""
    out = {}
    for path in iter_corpus_files(corpus):
        try:
            out[path.relative_to(corpus).as_posix()] = file_hash(path)
        except OSError:
            continue
    return out


def lock_path(index: Path) -> Path:
    return index.with_name(index.name + ".lock")


def _recover(index: Path) -> None:
    """Finish a swap interrupted between its two renames."""
    backup = index.with_name(index.name + ".old")
    if not index.exists() and backup.exists():
        os.replace(backup, index)
    elif backup.exists():
        shutil.rmtree(backup, ignore_errors=True)


def read_manifest(index: Path) -> dict:
    _recover(index)
    path = index / "manifest.json"
    if not path.exists():
        raise IndexStateError(f"No index at {index} (manifest.json missing).", "Run: cppcc-qa index")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexStateError(f"The index manifest {path} is unreadable ({err}).", "Rebuild it: cppcc-qa index") from err
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise IndexStateError(f"{path} is not a cppcc-qa manifest.", "Rebuild it: cppcc-qa index")
    if manifest["format_version"] > FORMAT_VERSION:
        raise IndexStateError(
            f"The index at {index} has format version {manifest['format_version']}, newer than this cppcc-qa "
            f"({__version__}) reads ({FORMAT_VERSION}).",
            "Upgrade cppcc-qa, or rebuild the index with this version: cppcc-qa index",
        )
    return manifest


def staleness(manifest: dict, corpus: Path | None, embedder_name: str) -> list[str]:
    """Reasons the index does not match the corpus or embedder (empty when it is current)."""
    reasons = []
    if manifest.get("format_version") != FORMAT_VERSION:
        reasons.append(f"format version {manifest.get('format_version')} (this cppcc-qa writes {FORMAT_VERSION})")
    built_with = manifest.get("embedder", {}).get("name")
    if built_with != embedder_name:
        reasons.append(f"built with embedder {built_with!r}, asked for {embedder_name!r}")
    if manifest.get("chunking") != {"size": CHUNK_SIZE, "overlap": CHUNK_OVERLAP}:
        reasons.append("chunking settings changed")
    if corpus is not None and corpus.is_dir():
        now, then = source_hashes(corpus), manifest.get("sources", {})
        added = sorted(set(now) - set(then))
        removed = sorted(set(then) - set(now))
        changed = sorted(k for k in set(now) & set(then) if now[k] != then[k])
        for label, names in (("added", added), ("removed", removed), ("changed", changed)):
            if names:
                shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                reasons.append(f"corpus files {label}: {shown}")
    return reasons


def _faiss_index(vectors: np.ndarray):
    import faiss

    dim = vectors.shape[1]
    if len(vectors) >= HNSW_THRESHOLD:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 256  # recall@10 vs exact search 1.00 at 130k chunks (benchmarks/scale.py)
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _previous_vectors(index: Path, embedder_name: str) -> dict[str, np.ndarray]:
    """Embedding cache from the current index: content hash -> vector (same embedder only)."""
    try:
        manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("embedder", {}).get("name") != embedder_name:
            return {}
        hashes = json.loads((index / "hashes.json").read_text(encoding="utf-8"))
        vectors = np.load(index / "vectors.npy", mmap_mode="r")
        if len(hashes) != len(vectors):
            return {}
        return {h: np.array(vectors[i]) for i, h in enumerate(hashes)}
    except (OSError, ValueError, KeyError):
        return {}


def embed_key(embedder_name: str, text: str) -> str:
    return hashlib.sha1(f"{embedder_name}\x00{text}".encode()).hexdigest()


def build_index(
    corpus: Path,
    index: Path,
    embedder_spec: str,
    *,
    progress: bool = False,
    force: bool = False,
    _fail_after_write: bool = False,
) -> BuildReport:
    """Build (or refresh) ``index`` from ``corpus``; unchanged chunks reuse their cached embeddings."""
    from filelock import FileLock, Timeout

    t0 = time.perf_counter()
    index.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(index), timeout=0)
    try:
        lock.acquire()
    except Timeout as err:
        raise CppccQaError(
            f"Another cppcc-qa index run holds {lock_path(index)}.", "Wait for it to finish, then run again."
        ) from err
    try:
        _recover(index)
        for stale in index.parent.glob(index.name + ".tmp-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        return _build_locked(corpus, index, embedder_spec, progress, force, t0, _fail_after_write)
    finally:
        lock.release()


def _build_locked(corpus, index, embedder_spec, progress, force, t0, fail_after_write) -> BuildReport:
    from .crosslingual import Lexicon
    from .embed import load_embedder, spec_name

    # Fast path: nothing changed since the last build.
    if not force and (index / "manifest.json").exists():
        try:
            manifest = read_manifest(index)
            if not staleness(manifest, corpus, spec_name(embedder_spec)) and all(
                (index / f).exists() for f in REQUIRED_FILES
            ):
                c = manifest["counts"]
                skipped = [Skipped(**s) for s in manifest.get("skipped", [])]
                return BuildReport(index, c["chunks"], c["articles"], c["files"], 0, c["chunks"], skipped,
                                   time.perf_counter() - t0, unchanged=True)
        except CppccQaError:
            pass

    phases: dict[str, float] = {}
    tick = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - tick
        tick = now

    articles, docs, skipped = load_articles(corpus)
    if not articles:
        raise CppccQaError(
            f"No report text found under {corpus} ({len(skipped)} file(s) skipped).",
            "Put UTF-8 or GB18030 .txt/.md reports there, then run: cppcc-qa index",
        )
    lap("read+split")
    chunks = chunk_articles(articles)
    lap("chunk")
    embedder = load_embedder(embedder_spec)
    lap("load model")
    texts = [context_text(c) for c in chunks]
    keys = [embed_key(embedder.name, t) for t in texts]
    cache = _previous_vectors(index, embedder.name)
    todo = [i for i, k in enumerate(keys) if k not in cache]
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for i, k in enumerate(keys):
        if k in cache:
            vectors[i] = cache[k]
    lap("embedding cache")
    if todo:
        new = embedder.embed_passages([texts[i] for i in todo], progress=progress)
        vectors[todo] = new
    lap("embed")

    import bm25s
    import faiss

    from .lexical import tokenize_many

    tokens = tokenize_many(texts)
    lap("tokenize")
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build step at DEBUG
    vocab = Counter(t for toks in tokens for t in set(toks))
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(tokens, show_progress=False)
    lap("bm25")
    chars: set[str] = set()
    for t in texts:
        chars.update(t)
    lexicon = Lexicon.build(vocab, chars=chars)
    lap("lexicon")

    tmp = Path(tempfile.mkdtemp(prefix=index.name + ".tmp-", dir=index.parent))
    try:
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / "vectors.npy", vectors)
        (tmp / "hashes.json").write_text(json.dumps(keys), encoding="utf-8")
        lap("write")
        faiss.write_index(_faiss_index(vectors), str(tmp / "dense.faiss"))
        lap("faiss")
        bm25.save(tmp / "bm25", show_progress=False)
        districts = sorted({a.district for a in articles})
        (tmp / "lexicon.json").write_text(
            json.dumps(lexicon.to_json() | {"districts": districts}, ensure_ascii=False), encoding="utf-8"
        )
        (tmp / "sources").mkdir()
        sidecars, locators = {}, {}
        for n, d in enumerate(docs):
            sidecars[d.source] = f"sources/{n:05d}.txt"
            (tmp / sidecars[d.source]).write_text(d.text, encoding="utf-8")
            if d.marks:
                locators[d.source] = {"kind": d.encoding, "marks": d.marks}
        (tmp / "sources" / "locators.json").write_text(json.dumps(locators, ensure_ascii=False), encoding="utf-8")
        with (tmp / "articles.jsonl").open("w", encoding="utf-8") as fh:
            for a in articles:
                row = {k: getattr(a, k) for k in ("id", "source", "district", "title", "title_derived", "reporters",
                                                    "year", "start", "end")}
                row["paragraphs"] = [[p.start, p.end] for p in a.paragraphs]
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        if fail_after_write:
            raise RuntimeError("simulated failure before the swap")
        manifest = {
            "format_version": FORMAT_VERSION,
            "package_version": __version__,
            "embedder": {"name": embedder.name, "dim": embedder.dim},
            "chunking": {"size": CHUNK_SIZE, "overlap": CHUNK_OVERLAP},
            "faiss": "HNSWFlat" if len(chunks) >= HNSW_THRESHOLD else "FlatIP",
            "sources": {d.source: d.sha256 for d in docs},
            "sidecars": sidecars,
            "counts": {"files": len(docs), "articles": len(articles), "chunks": len(chunks)},
            "districts": districts,
            "years": sorted({a.year for a in articles if a.year}),
            "skipped": [{"source": s.source, "reason": s.reason} for s in skipped],
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        # The manifest is written last: a directory without one is never taken for an index.
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _swap(tmp, index)
        lap("write")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildReport(index, len(chunks), len(articles), len(docs), len(todo), len(chunks) - len(todo), skipped,
                       time.perf_counter() - t0, phases=phases)


def add_files(files: list[Path], corpus: Path) -> list[Path]:
    """Copy reports into the corpus dir (safe file names, never overwriting); returns the new paths."""
    kinds = ", ".join(ALL_SUFFIXES)
    corpus.mkdir(parents=True, exist_ok=True)
    added = []
    for f in files:
        if not f.is_file():
            raise CppccQaError(f"{f} is not a file.", f"Give paths of reports ({kinds}).")
        if f.suffix.lower() not in ALL_SUFFIXES:
            raise CppccQaError(f"{f.name} is not a report type cppcc-qa reads.", f"Use one of: {kinds}.")
        name = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", f.name).lstrip(".") or f"report{f.suffix.lower()}"
        data = f.read_bytes()
        dest = corpus / name
        n = 1
        while dest.exists():
            if dest.read_bytes() == data:
                break
            dest = corpus / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1
        if not dest.exists():
            shutil.copyfile(f, dest)
        added.append(dest)
    return added


def _swap(new: Path, index: Path) -> None:
    """Replace ``index`` by ``new``: two renames, recoverable by ``_recover`` if cut between them."""
    backup = index.with_name(index.name + ".old")
    if backup.exists():
        shutil.rmtree(backup)
    for keep in KEEP_FILES:  # files a user or the repo put there (the shipped index/README.md)
        if (index / keep).is_file() and not (new / keep).exists():
            shutil.copy2(index / keep, new / keep)
    if index.exists():
        os.replace(index, backup)
    os.replace(new, index)
    shutil.rmtree(backup, ignore_errors=True)
