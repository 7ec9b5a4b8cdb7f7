"""Hybrid retrieval: FAISS dense + BM25 lexical, fused by language-aware weighted RRF."""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import config
from .chunk import Chunk
from .errors import CppccQaError, IndexStateError, InputError
from .index import REQUIRED_FILES, build_index, read_manifest, staleness

log = logging.getLogger("cppcc_qa")


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, best first: where it stands in the source and how it scored."""

    id: str
    article_id: str
    district: str
    title: str
    source: str
    paragraph: int
    start: int
    end: int
    text: str
    score: float
    year: int | None = None
    dense: float | None = None  # cosine similarity with the question
    lexical: float | None = None  # BM25 score

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    """Which retrieval signals to use (the eval harness ablates these)."""

    dense: bool = True
    lexical: bool = True
    crosslingual: bool = True  # pinyin district names + dictionary expansion for English questions
    district_boost: bool = True
    rrf_k: int = 60
    weights_zh: tuple[float, float] = (1.0, 1.0)  # (dense, lexical) for Chinese questions
    weights_en: tuple[float, float] = (1.0, 0.8)  # English: lexical side is the dictionary expansion
    boost: float = 0.02  # added to the fused score of chunks of a district named in the question


HYBRID_PLUS = Settings()
PRESETS = {
    "dense": Settings(lexical=False, crosslingual=False, district_boost=False),
    "bm25": Settings(dense=False, crosslingual=False, district_boost=False),
    "hybrid": Settings(crosslingual=False, district_boost=False),
    "hybrid+": HYBRID_PLUS,
}


def clean_question(question: object) -> str:
    """Validate a question: a non-empty string of readable text, control characters removed."""
    if not isinstance(question, str):
        raise InputError(f"The question must be text, not {type(question).__name__}.", "Pass a string.")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise InputError("The question is empty.", "Type a question, e.g. 哪个区建立了知情明政工作站？")
    if not any(ch.isalnum() for ch in text):
        raise InputError("The question has no words, only punctuation or symbols.", "Ask with words.")
    if len(text) > config.MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is {len(text)} characters long; the limit is {config.MAX_QUESTION_CHARS}.",
            "Ask a shorter question; to find a passage, search for a phrase of it with `cppcc-qa quote`.",
        )
    return text


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise InputError(f"k must be a whole number, not {k!r}.", f"Use a number from 1 to {config.MAX_K}.")
    if not 1 <= int(k) <= config.MAX_K:
        raise InputError(f"k={k} is out of range.", f"Use a number from 1 to {config.MAX_K}.")
    return int(k)


@dataclass
class Retriever:
    """A loaded index and its embedder; load once per process and share (thread-safe reads)."""

    index_dir: Path
    manifest: dict
    chunks: list[Chunk]
    faiss_index: object
    bm25: object
    lexicon: object
    matcher: object
    embedder: object
    articles: list[dict] = field(default_factory=list)
    mtime: int = 0
    _texts: dict[str, str] = field(default_factory=dict, repr=False)
    _locators: dict | None = field(default=None, init=False, repr=False)
    _by_id: dict[str, dict] | None = field(default=None, init=False, repr=False)
    _idf: np.ndarray | None = field(default=None, init=False, repr=False)
    _idf_max: float = field(default=0.0, init=False, repr=False)

    def source_text(self, source: str) -> str:
        """The decoded text of a source file, as indexed (offsets point into it)."""
        if source not in self._texts:
            sidecar = self.manifest.get("sidecars", {}).get(source)
            if sidecar is None:
                raise IndexStateError(f"The index has no text for {source}.", "Rebuild it: cppcc-qa index --force")
            self._texts[source] = (self.index_dir / sidecar).read_text(encoding="utf-8")
        return self._texts[source]

    def location(self, source: str, offset: int) -> str | None:
        """Where ``offset`` of an extracted source is in the original: PDF page or Word paragraph."""
        if self._locators is None:
            path = self.index_dir / "sources" / "locators.json"
            self._locators = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        loc = self._locators.get(source)
        if not loc:
            return None
        from .extract import locate

        number = locate([tuple(m) for m in loc["marks"]], offset)
        if number is None:
            return None
        return f"PDF 第{number}页" if loc["kind"] == "pdf" else (
            f"Word 第{number}段" if loc["kind"] == "docx" else f"HTML 第{number}块")

    def article(self, article_id: str) -> dict:
        if self._by_id is None:
            self._by_id = {a["id"]: a for a in self.articles}
        return self._by_id[article_id]

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None) -> Retriever:
        import bm25s
        import faiss

        from .crosslingual import DistrictMatcher, Lexicon
        from .embed import load_embedder, spec_name

        manifest = read_manifest(index_dir)
        missing = [f for f in REQUIRED_FILES if not (index_dir / f).exists()] + (
            [] if (index_dir / "bm25").is_dir() else ["bm25/"]
        )
        if missing:
            raise IndexStateError(f"The index at {index_dir} is incomplete (missing {', '.join(missing)}).",
                                  "Rebuild it: cppcc-qa index")
        built_with = manifest["embedder"]["name"]
        if model is not None and spec_name(model) != built_with:
            raise IndexStateError(
                f"The index at {index_dir} was built with {built_with!r}, not {spec_name(model)!r}.",
                "Rebuild it with the model you want: cppcc-qa index --model MODEL",
            )
        try:
            chunks = [Chunk.from_dict(json.loads(line)) for line in
                      (index_dir / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
            dense = faiss.read_index(str(index_dir / "dense.faiss"))
            bm25 = bm25s.BM25.load(index_dir / "bm25", load_corpus=False, show_progress=False, verbosity=0)
            lex = json.loads((index_dir / "lexicon.json").read_text(encoding="utf-8"))
            articles = [json.loads(line) for line in
                        (index_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
            raise IndexStateError(
                f"The index at {index_dir} is damaged ({type(err).__name__}: {str(err).splitlines()[0][:160]}).",
                "Rebuild it: cppcc-qa index --force",
            ) from err
        n = manifest["counts"]["chunks"]
        if not (len(chunks) == n == dense.ntotal == bm25.scores["num_docs"]):
            raise IndexStateError(
                f"The index at {index_dir} is inconsistent: {len(chunks)} chunk records, {dense.ntotal} vectors, "
                f"{bm25.scores['num_docs']} BM25 documents, manifest says {n}.",
                "Rebuild it: cppcc-qa index --force",
            )
        embedder = load_embedder(model or built_with)
        if embedder.dim != dense.d:
            raise IndexStateError(f"Embedder dimension {embedder.dim} does not match the index ({dense.d}).",
                                  "Rebuild it: cppcc-qa index --force")
        return cls(
            index_dir=index_dir,
            manifest=manifest,
            chunks=chunks,
            faiss_index=dense,
            bm25=bm25,
            lexicon=Lexicon.from_json(lex),
            matcher=DistrictMatcher.from_districts(lex["districts"]),
            embedder=embedder,
            articles=articles,
            mtime=(index_dir / "manifest.json").stat().st_mtime_ns,
        )

    @property
    def districts(self) -> list[str]:
        return list(self.manifest.get("districts", []))

    @property
    def years(self) -> list[int]:
        return list(self.manifest.get("years", []))

    def _filter(self, district, year) -> np.ndarray | None:
        """Boolean mask over chunks for a district (name, pinyin or list) and/or a year (int or list)."""
        mask = self._district_filter(district)
        if year in (None, "", []):
            return mask
        years = [year] if isinstance(year, int | str) else list(year)
        try:
            wanted = {int(y) for y in years}
        except (TypeError, ValueError):
            raise InputError(f"Year {year!r} is not a year.", "Use a four-digit year such as 2025.") from None
        if not wanted & set(self.years):
            raise InputError(f"No report in the index is from {sorted(wanted)}.",
                             f"Years in the index: {', '.join(map(str, self.years)) or 'none'}.")
        by_year = np.array([c.year in wanted for c in self.chunks], dtype=bool)
        return by_year if mask is None else mask & by_year

    def _district_filter(self, district: str | list[str] | tuple[str, ...] | None) -> np.ndarray | None:
        if district is None or district == "" or district == []:
            return None
        wanted = [district] if isinstance(district, str) else list(district)
        known = set(self.districts)
        resolved = []
        for d in wanted:
            if d in known:
                resolved.append(d)
                continue
            hits = self.matcher.find(str(d))
            if not hits:
                raise InputError(f"Unknown district {d!r}.", f"Choose from: {'、'.join(self.districts)}.")
            resolved.extend(hits)
        return np.array([c.district in resolved for c in self.chunks], dtype=bool)

    def idf(self, token: str) -> float:
        """BM25 inverse document frequency of ``token`` over chunks (unknown tokens get the maximum)."""
        if self._idf is None:
            df = np.diff(np.asarray(self.bm25.scores["indptr"])).astype(np.float64)
            n = float(len(self.chunks))
            self._idf_max = float(np.log(1.0 + (n + 0.5) / 0.5))
            self._idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        tid = self.bm25.vocab_dict.get(token)
        return self._idf_max if tid is None else float(self._idf[tid])

    def dense_scores(self, question: str, mask: np.ndarray | None, n: int) -> tuple[list[int], dict[int, float]]:
        import faiss

        q = self.embedder.embed_queries([question]).astype(np.float32)
        params = None
        if mask is not None:
            ids = np.flatnonzero(mask).astype(np.int64)
            if len(ids) == 0:
                return [], {}
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
            n = min(n, len(ids))
        scores, ids = self.faiss_index.search(q, n, params=params)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return [i for i, _ in pairs], dict(pairs)

    def lexical_scores(self, tokens: list[tuple[str, float]], mask: np.ndarray | None, n: int):
        vocab = self.bm25.vocab_dict
        total = np.zeros(len(self.chunks), dtype=np.float32)
        for tok, weight in tokens:
            if tok in vocab:
                total += weight * self.bm25.get_scores_from_ids([vocab[tok]])
        if mask is not None:
            total = np.where(mask, total, 0.0)
        order = [int(i) for i in np.argsort(-total, kind="stable")[:n] if total[i] > 0]
        return order, {i: float(total[i]) for i in order}

    def query_tokens(self, question: str, settings: Settings) -> list[tuple[str, float]]:
        from .lexical import is_chinese, tokenize

        toks = [(t, 1.0) for t in tokenize(question)]
        if settings.crosslingual and not is_chinese(question):
            mentioned = self.matcher.find(question)
            toks += [(d, 1.0) for d in mentioned]
            skip = self.matcher.pinyin_words()
            toks += self.lexicon.expand(question, skip=skip)
        merged: dict[str, float] = {}
        for t, w in toks:
            merged[t] = merged.get(t, 0.0) + w
        return list(merged.items())

    def search(self, question: str, k: int = 5, district=None, settings: Settings = HYBRID_PLUS,
               reranker: str | None = None, year=None) -> list[Passage]:
        """Passages for ``question``, best first; ``district``/``year`` filter; ``reranker`` (a cross-encoder)
        reorders the top candidates."""
        if reranker:
            from .rerank import load_reranker

            k = check_k(k)
            candidates = self._search(question, max(k, 20), district, settings, year)
            return load_reranker(reranker).rerank(clean_question(question), candidates, k)
        return self._search(question, k, district, settings, year)

    def _search(self, question: str, k: int, district, settings: Settings, year=None) -> list[Passage]:
        from .fusion import rrf
        from .lexical import is_chinese

        question = clean_question(question)
        k = check_k(k)
        mask = self._filter(district, year)
        n = min(len(self.chunks), max(50, 4 * k))
        rankings: dict[str, list[int]] = {}
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        if settings.dense:
            rankings["dense"], dense = self.dense_scores(question, mask, n)
        if settings.lexical:
            rankings["lexical"], lexical = self.lexical_scores(self.query_tokens(question, settings), mask, n)
        wd, wl = settings.weights_zh if is_chinese(question) else settings.weights_en
        fused = rrf(rankings, {"dense": wd, "lexical": wl}, k=settings.rrf_k)
        if settings.district_boost and (named := set(self.matcher.find(question))):
            for i in fused:
                if self.chunks[i].district in named:
                    fused[i] += settings.boost
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        out = []
        for i in order:
            c = self.chunks[i]
            out.append(Passage(c.id, c.article_id, c.district, c.title, c.source, c.paragraph, c.start, c.end, c.text,
                               round(fused[i], 6), c.year, dense.get(i), lexical.get(i)))
        return out


_LOADED: dict[tuple[str, str | None], Retriever] = {}
_LOAD_LOCK = threading.Lock()


def get_retriever(index: str | Path | None = None, corpus: str | Path | None = None, model: str | None = None,
                  auto_build: bool = True) -> Retriever:
    """The process-wide retriever for ``index``; (re)built when missing or stale, reloaded when rebuilt."""
    from .embed import spec_name

    index_dir = config.index_dir(index)
    corpus_dir = config.corpus_dir(corpus)
    spec = config.model_name(model)
    key = (str(index_dir.resolve()), spec)
    with _LOAD_LOCK:
        current = _LOADED.get(key)
        manifest_path = index_dir / "manifest.json"
        if current is not None:
            try:
                if manifest_path.stat().st_mtime_ns == current.mtime:
                    return current
            except OSError:
                pass  # mid-swap or removed: fall through and reload
        if auto_build:
            reasons: list[str] = []
            try:
                reasons = staleness(read_manifest(index_dir), corpus_dir, spec_name(spec))
            except IndexStateError as err:
                reasons = [str(err.problem)]
            if reasons:
                log.warning("index %s needs a rebuild (%s); rebuilding", index_dir, "; ".join(reasons))
                build_index(corpus_dir, index_dir, spec)
        try:
            retriever = Retriever.load(index_dir, spec)
        except CppccQaError:
            if current is not None:
                return current  # keep serving the index already loaded
            raise
        _LOADED[key] = retriever
        return retriever


def retrieve(question: str, k: int = 5, district: str | list[str] | None = None, *, year: int | list[int] | None = None,
             index: str | Path | None = None, corpus: str | Path | None = None, model: str | None = None,
             reranker: str | None = None) -> list[Passage]:
    """Passages for ``question``, best first. ``district`` and ``year`` filter (one value or a list).

    The index comes from ``index`` / $CPPCC_QA_INDEX / ./index and is built from
    ``corpus`` / $CPPCC_QA_CORPUS / ./corpus when missing or stale.
    """
    return get_retriever(index, corpus, model).search(question, k=k, district=district,
                                                      reranker=config.reranker_name(reranker), year=year)
