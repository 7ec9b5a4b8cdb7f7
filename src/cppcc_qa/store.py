"""The index on disk: its layout, a typed manifest, and how it is written, swapped, locked, recovered and loaded.

    index/
      manifest.json   format and package version, analysis settings, embedder, sources (sha256, size, mtime,
                      stored text, locator), skipped files with reasons, counts, places, years
      chunks.jsonl    one Chunk per line, in vector order
      articles.jsonl  one Article per line: metadata with origins, paragraphs, section tree
      vectors.npy     float32 embeddings (also the embedding cache of the next build); absent with --model bm25
      hashes.json     content hash of each embedded text, in vector order
      dense.faiss     FAISS inner-product index over vectors.npy
      bm25/           bm25s arrays and parameters
      lexicon.json    English -> Chinese corpus words (CC-CEDICT), presence tables
      facts.sqlite    every quantity in the reports (see facts.py)
      sources/        the decoded text of every source file, so that offsets and quotes stay exact

A build writes into ``index.tmp-*`` beside the index and swaps it in with two renames; ``recover`` finishes a
swap cut between them. ``index.lock`` keeps two builds apart.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import CppccQaError, IndexStateError
from .records import Article, Chunk, DocMeta, Document, Paragraph, Section, Skipped
from .settings import ANALYSIS, LEXICAL_ONLY, Analysis

FIX = "Rebuild it: cppcc-qa index --force"
KEEP_FILES = ("README.md", ".gitignore", ".gitkeep")  # files a user or the repo put in the index dir


@dataclass(frozen=True)
class Layout:
    """Where each part of an index lives."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def chunks(self) -> Path:
        return self.root / "chunks.jsonl"

    @property
    def articles(self) -> Path:
        return self.root / "articles.jsonl"

    @property
    def vectors(self) -> Path:
        return self.root / "vectors.npy"

    @property
    def hashes(self) -> Path:
        return self.root / "hashes.json"

    @property
    def dense(self) -> Path:
        return self.root / "dense.faiss"

    @property
    def bm25(self) -> Path:
        return self.root / "bm25"

    @property
    def lexicon(self) -> Path:
        return self.root / "lexicon.json"

    @property
    def facts(self) -> Path:
        return self.root / "facts.sqlite"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def glossary(self) -> Path:
        return self.root / "glossary.json"

    @property
    def glossary_vectors(self) -> Path:
        return self.root / "glossary.npy"

    @property
    def lock(self) -> Path:
        return self.root.with_name(self.root.name + ".lock")

    @property
    def backup(self) -> Path:
        return self.root.with_name(self.root.name + ".old")

    def required(self, dense: bool) -> list[Path]:
        parts = [self.manifest, self.chunks, self.articles, self.lexicon, self.facts, self.bm25, self.sources,
                 self.glossary]
        return parts + ([self.vectors, self.hashes, self.dense, self.glossary_vectors] if dense else [])

    def stored_text(self, name: str) -> Path:
        """The path of a stored source text, refused unless it lies inside ``sources/``."""
        path = (self.root / name).resolve()
        if not name or Path(name).is_absolute() or self.sources.resolve() not in path.parents:
            raise IndexStateError(f"The index at {self.root} names a source text outside it ({name!r}).", FIX)
        return path


@dataclass(frozen=True)
class SourceRecord:
    """A corpus file as the build read it."""

    sha256: str
    size: int = 0
    mtime_ns: int = 0
    text: str = ""  # stored text under sources/ ("" for a skipped file)
    encoding: str = ""
    marks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Manifest:
    format_version: int
    package_version: str
    analysis: dict[str, Any]
    embedder: str  # the embedder's name, or "bm25" when there is no dense index
    dim: int
    faiss: str | None
    sources: dict[str, SourceRecord]
    skipped: tuple[Skipped, ...]
    counts: dict[str, int]
    places: tuple[str, ...]
    years: tuple[int, ...]
    built_at: str
    version: str = ""  # changes with every build: answers and feedback record it
    sidecars: dict[str, str] = field(default_factory=dict)  # metadata sidecar files and their sha256

    @property
    def dense(self) -> bool:
        return self.embedder != LEXICAL_ONLY

    def fingerprint(self) -> dict[str, str]:
        """sha256 of every corpus file the build saw, indexed or skipped."""
        out = {k: v.sha256 for k, v in self.sources.items()}
        out.update({s.source: s.sha256 for s in self.skipped})
        out.update(self.sidecars)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "analysis": self.analysis,
            "embedder": {"name": self.embedder, "dim": self.dim},
            "faiss": self.faiss,
            "sources": {k: {"sha256": v.sha256, "size": v.size, "mtime_ns": v.mtime_ns, "text": v.text,
                            "encoding": v.encoding, "marks": [list(m) for m in v.marks]}
                        for k, v in self.sources.items()},
            "skipped": [{"source": s.source, "reason": s.reason, "sha256": s.sha256} for s in self.skipped],
            "counts": self.counts,
            "places": list(self.places),
            "years": list(self.years),
            "built_at": self.built_at,
            "version": self.version,
            "sidecars": self.sidecars,
        }

    @classmethod
    def from_json(cls, data: Any, where: Path) -> Manifest:
        """Parse a manifest; anything of the wrong shape is reported as damage, naming the fix."""
        if not isinstance(data, dict) or "format_version" not in data:
            raise IndexStateError(f"{where} is not a cppcc-qa manifest.", FIX)
        version = data["format_version"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise IndexStateError(f"The index manifest {where} is damaged (format_version {version!r}).", FIX)
        if version > ANALYSIS.format_version:
            raise IndexStateError(
                f"The index at {where.parent} has format version {version}, newer than this cppcc-qa "
                f"({__version__}) reads ({ANALYSIS.format_version}).",
                "Upgrade cppcc-qa, or rebuild the index with this version: cppcc-qa index --force",
            )
        try:
            embedder = data.get("embedder") or {}
            sources = {
                str(k): SourceRecord(str(v["sha256"]), int(v.get("size", 0)), int(v.get("mtime_ns", 0)),
                                     str(v.get("text", "")), str(v.get("encoding", "")),
                                     tuple((int(a), int(b)) for a, b in v.get("marks", [])))
                for k, v in dict(data.get("sources", {})).items()
            }
            counts = {str(k): int(v) for k, v in dict(data["counts"]).items()}
            for key in ("files", "articles", "chunks"):
                if key not in counts:
                    raise KeyError(f"counts.{key}")
            return cls(
                format_version=version,
                package_version=str(data.get("package_version", "")),
                analysis=dict(data.get("analysis", {})),
                embedder=str(embedder.get("name", "")),
                dim=int(embedder.get("dim", 0)),
                faiss=data.get("faiss"),
                sources=sources,
                skipped=tuple(Skipped(str(s["source"]), str(s["reason"]), str(s.get("sha256", "")))
                              for s in data.get("skipped", [])),
                counts=counts,
                places=tuple(str(p) for p in data.get("places", [])),
                years=tuple(int(y) for y in data.get("years", [])),
                built_at=str(data.get("built_at", "")),
                version=str(data.get("version", "")),
                sidecars={str(k): str(v) for k, v in dict(data.get("sidecars", {})).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise IndexStateError(f"The index manifest {where} is damaged ({type(err).__name__}: {err}).", FIX) from err


def recover(layout: Layout) -> None:
    """Finish a swap interrupted between its two renames."""
    if not layout.root.exists() and layout.backup.exists():
        os.replace(layout.backup, layout.root)
    elif layout.backup.exists():
        shutil.rmtree(layout.backup, ignore_errors=True)


def read_manifest(root: Path) -> Manifest:
    layout = Layout(root)
    with contextlib.suppress(OSError):  # a read-only place: nothing to finish, read what is there
        recover(layout)
    if not layout.manifest.exists():
        raise IndexStateError(f"There is no index at {root} yet.", "Build it: cppcc-qa index")
    try:
        data = json.loads(layout.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexStateError(f"The index manifest {layout.manifest} is unreadable ({err}).", FIX) from err
    return Manifest.from_json(data, layout.manifest)


def staleness(manifest: Manifest, fingerprint: dict[str, str] | None, embedder: str,
              analysis: Analysis = ANALYSIS) -> list[str]:
    """Why the index no longer matches the corpus, the embedder or the running code (empty when it does)."""
    reasons = []
    if manifest.format_version != analysis.format_version:
        reasons.append(f"index format {manifest.format_version}, this cppcc-qa writes {analysis.format_version}")
    changed = analysis.differences(manifest.analysis)
    if changed and manifest.format_version == analysis.format_version:
        reasons.append("analysis settings changed: " + ", ".join(changed))
    if manifest.embedder != embedder:
        reasons.append(f"built with embedder {manifest.embedder!r}, asked for {embedder!r}")
    if fingerprint is not None:
        then = manifest.fingerprint()
        added = sorted(set(fingerprint) - set(then))
        removed = sorted(set(then) - set(fingerprint))
        edited = sorted(k for k in set(fingerprint) & set(then) if fingerprint[k] != then[k])
        for label, names in (("added", added), ("removed", removed), ("changed", edited)):
            if names:
                shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                reasons.append(f"corpus files {label}: {shown}")
    return reasons


# -- writing -------------------------------------------------------------------------------------------------


def article_to_json(a: Article) -> dict[str, Any]:
    return {
        "id": a.id, "source": a.source, "start": a.start, "end": a.end, "title": a.title,
        "title_derived": a.title_derived, "layout": a.layout, "meta": a.meta.to_dict(),
        "reporters": list(a.reporters),
        "paragraphs": [[p.start, p.end, p.number, p.section, p.heading, p.role] for p in a.paragraphs],
        "sections": [[s.start, s.end, s.number, s.title, s.level, s.heading_end, s.parent] for s in a.sections],
    }


def article_from_json(d: dict[str, Any]) -> Article:
    source = d["source"]
    return Article(
        source=source, start=int(d["start"]), end=int(d["end"]), id=d["id"], title=d["title"],
        title_derived=bool(d["title_derived"]), layout=d["layout"], meta=DocMeta.from_dict(d["meta"]),
        reporters=tuple(d["reporters"]),
        paragraphs=tuple(Paragraph(source=source, start=s, end=e, number=n, text="", section=sec, heading=h, role=r)
                         for s, e, n, sec, h, r in d["paragraphs"]),
        sections=tuple(Section(source=source, start=s, end=e, number=num, title=t, level=lv, heading_end=he,
                               parent=par) for s, e, num, t, lv, he, par in d["sections"]),
    )


def chunk_to_json(c: Chunk) -> dict[str, Any]:
    return {"id": c.id, "article_id": c.article_id, "source": c.source, "start": c.start, "end": c.end,
            "section": c.section, "paragraph": c.paragraph, "text": c.text}


def chunk_from_json(d: dict[str, Any]) -> Chunk:
    return Chunk(source=d["source"], start=int(d["start"]), end=int(d["end"]), id=d["id"], article_id=d["article_id"],
                 text=d["text"], section=d["section"], paragraph=int(d["paragraph"]))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def swap(new: Path, layout: Layout) -> None:
    """Replace the index by ``new``: two renames, recoverable by ``recover`` if cut between them."""
    if layout.backup.exists():
        shutil.rmtree(layout.backup)
    for keep in KEEP_FILES:  # files a user or the repo put there (the shipped index/README.md)
        if (layout.root / keep).is_file() and not (new / keep).exists():
            shutil.copy2(layout.root / keep, new / keep)
    if layout.root.exists():
        os.replace(layout.root, layout.backup)
    os.replace(new, layout.root)
    shutil.rmtree(layout.backup, ignore_errors=True)


def open_permissions(path: Path) -> None:
    """``mkdtemp`` makes a 0700 directory: give the index the mode any new directory gets here."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o777 & ~umask)


# -- loading -------------------------------------------------------------------------------------------------


@dataclass
class Index:
    """An opened index: records, search structures and the stored source texts. Reads are thread-safe."""

    layout: Layout
    manifest: Manifest
    chunks: list[Chunk]
    articles: dict[str, Article]
    dense: Any
    bm25: Any
    lexicon: Any
    places: Any  # places.PlaceMatcher
    embedder: Any  # embed.Embedder, or None for a lexical-only index
    facts: Any  # facts.FactStore
    glossary: Any = None  # glossary.Glossary
    terms: Any = None  # lexical.Terms: the glossary's terms as tokens
    chunk_places: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=object))
    chunk_years: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=np.int32))
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    _folded: dict[str, str] = field(default_factory=dict, repr=False)
    _by_source: dict[str, list[Article]] = field(default_factory=dict, repr=False)
    _idf: np.ndarray | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def path(self) -> Path:
        return self.layout.root

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def place_names(self) -> list[str]:
        return list(self.manifest.places)

    @property
    def years(self) -> list[int]:
        return list(self.manifest.years)

    def text(self, source: str) -> str:
        """The decoded text of a source file, as indexed (offsets point into it)."""
        with self._lock:
            if source not in self._texts:
                record = self.manifest.sources.get(source)
                if record is None:
                    raise IndexStateError(f"The index has no text for {source}.", FIX)
                path = self.layout.stored_text(record.text)
                try:
                    self._texts[source] = path.read_text(encoding="utf-8")
                except OSError as err:
                    raise IndexStateError(f"The stored text of {source} is unreadable ({err.strerror}).", FIX) from err
            return self._texts[source]

    def folded(self, source: str) -> str:
        """The folded text of a source (``textnorm.fold``): same offsets, simplified characters."""
        text = self.text(source)
        with self._lock:
            if source not in self._folded:
                from .textnorm import fold

                self._folded[source] = fold(text)
            return self._folded[source]

    def document(self, source: str) -> Document:
        record = self.manifest.sources[source]
        return Document(source, self.text(source), record.encoding, record.sha256, record.marks)

    def locator(self, source: str, offset: int) -> str | None:
        record = self.manifest.sources.get(source)
        if record is None or not record.marks:
            return None
        return Document(source, "", record.encoding, record.sha256, record.marks).locator(offset)

    def articles_of(self, source: str) -> list[Article]:
        with self._lock:
            if not self._by_source:
                for a in self.articles.values():
                    self._by_source.setdefault(a.source, []).append(a)
            return list(self._by_source.get(source, []))

    def article_at(self, source: str, offset: int) -> Article | None:
        for a in self.articles_of(source):
            if a.start <= offset < a.end:
                return a
        return None

    def idf(self, token: str) -> float:
        """BM25 inverse document frequency of ``token`` over chunks (unknown tokens get the maximum)."""
        with self._lock:
            if self._idf is None:
                df = np.diff(np.asarray(self.bm25.scores["indptr"])).astype(np.float64)
                n = float(len(self.chunks))
                self._idf = np.append(np.log(1.0 + (n - df + 0.5) / (df + 0.5)), np.log(1.0 + (n + 0.5) / 0.5))
            idf = self._idf
        tid = self.bm25.vocab_dict.get(token)
        return float(idf[-1] if tid is None else idf[tid])

    def tokenize(self, text: str) -> list[str]:
        """BM25 tokens of folded ``text`` as this index made them (its named terms kept whole)."""
        from .lexical import NO_TERMS, tokenize

        return tokenize(text, self.terms or NO_TERMS)

    def in_vocabulary(self, token: str) -> bool:
        return token in self.bm25.vocab_dict

    def token_id(self, token: str) -> int | None:
        tid = self.bm25.vocab_dict.get(token)
        return None if tid is None else int(tid)


def _damaged(root: Path, err: Exception) -> IndexStateError:
    first = str(err).splitlines()[0][:160] if str(err) else ""
    return IndexStateError(f"The index at {root} is damaged ({type(err).__name__}: {first}).", FIX)


def load(root: Path, embedder_spec: str | None = None) -> Index:
    """Open the index at ``root``, checking that its parts agree with each other and with the manifest."""
    import bm25s

    from .crosslingual import Lexicon
    from .embed import load_embedder, spec_name
    from .facts import FactStore
    from .glossary import Glossary
    from .lexical import Terms
    from .places import PlaceMatcher

    layout = Layout(root)
    manifest = read_manifest(root)
    missing = [p.name for p in layout.required(manifest.dense) if not p.exists()]
    if missing:
        raise IndexStateError(f"The index at {root} is incomplete (missing {', '.join(missing)}).", FIX)
    if embedder_spec is not None and spec_name(embedder_spec) != manifest.embedder:
        raise IndexStateError(
            f"The index at {root} was built with {manifest.embedder!r}, not {spec_name(embedder_spec)!r}.",
            "Rebuild it with the model you want: cppcc-qa index --model MODEL",
        )
    try:
        chunks = [chunk_from_json(d) for d in read_jsonl(layout.chunks)]
        articles = {a.id: a for a in (article_from_json(d) for d in read_jsonl(layout.articles))}
        bm25 = bm25s.BM25.load(layout.bm25, load_corpus=False, show_progress=False, verbosity=0)
        lexicon = Lexicon.from_json(json.loads(layout.lexicon.read_text(encoding="utf-8")))
        terms = [str(t) for t in json.loads(layout.glossary.read_text(encoding="utf-8"))]
        term_vectors = np.load(layout.glossary_vectors) if manifest.dense else np.zeros((0, 0), np.float32)
        if manifest.dense and len(term_vectors) != len(terms):
            raise ValueError("glossary terms and vectors differ in number")
        dense = None
        if manifest.dense:
            import faiss

            dense = faiss.read_index(str(layout.dense))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError, IndexError) as err:
        raise _damaged(root, err) from err
    n = manifest.counts["chunks"]
    counts = [len(chunks), int(bm25.scores["num_docs"])] + ([int(dense.ntotal)] if dense is not None else [])
    if any(c != n for c in counts):
        raise IndexStateError(
            f"The index at {root} is inconsistent: {len(chunks)} chunk records, "
            f"{int(bm25.scores['num_docs'])} BM25 documents"
            + (f", {int(dense.ntotal)} vectors" if dense is not None else "") + f", manifest says {n}.", FIX)
    index = Index(layout, manifest, chunks, articles, dense, bm25, lexicon,
                  PlaceMatcher.from_places(list(manifest.places)), None, FactStore(layout.facts),
                  Glossary(terms, term_vectors), Terms(terms))
    _check_offsets(index)
    index.chunk_places = np.array([articles[c.article_id].place for c in chunks], dtype=object)
    index.chunk_years = np.array([articles[c.article_id].year or 0 for c in chunks], dtype=np.int32)
    if dense is not None:
        index.embedder = load_embedder(embedder_spec or manifest.embedder)
        if index.embedder is not None and index.embedder.dim != dense.d:
            raise IndexStateError(f"Embedder dimension {index.embedder.dim} does not match the index ({dense.d}).",
                                  FIX)
    return index


def _check_offsets(index: Index) -> None:
    """Every chunk belongs to a known article and every offset points into its stored text."""
    root = index.path
    if any(c.article_id not in index.articles or c.source not in index.manifest.sources for c in index.chunks):
        raise IndexStateError(f"The index at {root} is damaged (chunks of unknown articles).", FIX)
    for source in index.manifest.sources:
        text_len = len(index.text(source))
        ends = [a.end for a in index.articles_of(source)] + [c.end for c in index.chunks if c.source == source]
        if any(e > text_len for e in ends):
            raise IndexStateError(f"The index at {root} is damaged (offsets beyond the text of {source}).", FIX)


def check_writable(parent: Path) -> None:
    """A clear error before a build when the index cannot be written where asked."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CppccQaError(f"Cannot create {parent} for the index ({err.strerror}).",
                           "Choose another place with --index DIR.") from err
    if not os.access(parent, os.W_OK):
        raise CppccQaError(f"{parent} is not writable, so the index cannot be built there.",
                           "Choose another place with --index DIR, or fix its permissions.")
