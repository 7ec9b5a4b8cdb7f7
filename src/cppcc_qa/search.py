"""Retrieval: FAISS dense + BM25 lexical, fused by language-aware weighted RRF, with boosts for the places, years
and sections a question names, and an optional cross-encoder. ``retrieve()`` is the public entry point.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError
from .fusion import rrf
from .query import LAST, PAREN_NUMBER, Query, analyse, check_k, zh_number
from .records import Article, Passage, Section
from .settings import TUNING, Config, Tuning
from .store import Index
from .textnorm import fold


@dataclass(frozen=True)
class Signals:
    """Which retrieval signals are on (the eval harness ablates these)."""

    dense: bool = True
    lexical: bool = True
    crosslingual: bool = True  # pinyin place names + dictionary expansion for English questions
    boosts: bool = True  # places, years and sections named in the question


ALL = Signals()
PRESETS = {
    "dense": Signals(lexical=False, crosslingual=False, boosts=False),
    "bm25": Signals(dense=False, crosslingual=False, boosts=False),
    "hybrid": Signals(crosslingual=False, boosts=False),
    "hybrid+": ALL,
}


def _as_list(value: object) -> list[Any]:
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str | int):
        return [value]
    if isinstance(value, Iterable):
        return [v for v in value if v not in (None, "")]
    return [value]


def resolve_places(index: Index, wanted: object) -> list[str]:
    """The index's places for names given in Chinese (either script), without suffix, or in pinyin."""
    out: list[str] = []
    known = index.place_names
    for name in _as_list(wanted):
        name = str(name).strip()
        if name in known:
            out.append(name)
            continue
        hits = [p for p in known if fold(p) == fold(name)] or index.places.find(name)
        if not hits:
            raise InputError(f"Unknown place {name!r}.", f"Choose from: {'、'.join(known)}.")
        out.extend(hits)
    return list(dict.fromkeys(out))


def resolve_years(index: Index, wanted: object) -> list[int]:
    values = _as_list(wanted)
    if not values:
        return []
    try:
        years = sorted({int(str(y)) for y in values})
    except ValueError:
        raise InputError(f"Year {wanted!r} is not a year.", "Use a four-digit year such as 2025.") from None
    if not set(years) & set(index.years):
        raise InputError(f"No report in the index is from {', '.join(map(str, years))}.",
                         f"Years in the index: {', '.join(map(str, index.years)) or 'none'}.")
    return years


def filter_mask(index: Index, places: list[str], years: list[int]) -> np.ndarray | None:
    mask = None
    if places:
        mask = np.isin(index.chunk_places, np.array(places, dtype=object))
    if years:
        by_year = np.isin(index.chunk_years, np.array(years, dtype=np.int32))
        mask = by_year if mask is None else mask & by_year
    return mask


MAX_EMBEDDED_CHARS = 256  # of a question: beyond this an embedding adds nothing but time (quadratic in length)
_VECTORS: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
_VECTORS_LOCK = threading.Lock()


def query_vector(index: Index, text: str) -> np.ndarray:
    """The question's embedding (its first 256 characters), cached for the comparison and answer passes."""
    key = (index.version, index.manifest.embedder, text[:MAX_EMBEDDED_CHARS])
    with _VECTORS_LOCK:
        if key in _VECTORS:
            _VECTORS.move_to_end(key)
            return _VECTORS[key]
    vector = index.embedder.embed_queries([key[2]]).astype(np.float32)
    with _VECTORS_LOCK:
        _VECTORS[key] = vector
        while len(_VECTORS) > 256:
            _VECTORS.popitem(last=False)
    return vector


def dense_scores(index: Index, query: Query, mask: np.ndarray | None, n: int) -> tuple[list[int], dict[int, float]]:
    if index.dense is None or index.embedder is None:
        return [], {}
    import faiss

    q = query_vector(index, query.text)
    params = None
    if mask is not None:
        ids = np.flatnonzero(mask).astype(np.int64)
        if len(ids) == 0:
            return [], {}
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))  # type: ignore[call-arg]
        n = min(n, len(ids))
    scores, ids = index.dense.search(q, n, params=params)
    pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
    return [i for i, _ in pairs], dict(pairs)


def lexical_scores(index: Index, tokens: Iterable[tuple[str, float]], mask: np.ndarray | None,
                   n: int) -> tuple[list[int], dict[int, float]]:
    total = np.zeros(len(index.chunks), dtype=np.float32)
    for tok, weight in tokens:
        tid = index.token_id(tok)
        if tid is not None:
            total += weight * index.bm25.get_scores_from_ids([tid])
    if mask is not None:
        total = np.where(mask, total, 0.0)
    order = [int(i) for i in np.argsort(-total, kind="stable")[:n] if total[i] > 0]
    return order, {i: float(total[i]) for i in order}


_ITEM_MARK = re.compile(f"^{PAREN_NUMBER}")


def asked_sections(index: Index, query: Query) -> list[tuple[Article, Section]]:
    """The sections a question asks about: the Nth top-level part ("2005年报告的第五部分"), or the Nth item of a
    list inside a part ("（八）", "item (8)") in the part whose heading the question's words fit best
    ("Beijing's key work for 2026": 二、2026年重点工作, not 一、2025年工作回顾)."""
    part, number = query.intent.section, query.intent.item
    if part is None and number is None:
        return []
    wanted: list[tuple[float, Article, Section]] = []
    for a in index.articles.values():
        if not a.sections or (query.years and a.year not in query.years) \
                or (query.places and a.place not in query.places):
            continue
        within: Section | None = None  # "第三部分里的第二项": the part the item is asked in
        if part is not None:
            levels = sorted({s.level for s in a.sections if s.level in (0, 1) and s.number})
            top = [s for s in a.sections if levels and s.level == levels[-1] and s.number]
            within = top[-1] if top and part == LAST else top[part - 1] if 1 <= part <= len(top) else None
            if number is None:
                if within is not None:
                    wanted.append((1.0, a, within))
                continue
            if within is None:
                continue
        lists: dict[int | None, list[tuple[int, Section]]] = {}  # the numbered items under each parent
        for sec in a.sections:
            m = _ITEM_MARK.match(sec.number)
            n = zh_number(m.group(1)) if m else None
            if n is not None:
                lists.setdefault(sec.parent, []).append((n, sec))
        for items in lists.values():
            found = max(items, key=lambda it: it[0])[1] if number == LAST \
                else next((s for n, s in items if n == number), None)
            if found is None or (within is not None and not within.start <= found.start < within.end):
                continue
            sec = found
            parents = []
            at = sec.parent
            while at is not None:
                parents.append(a.sections[at].title)
                at = a.sections[at].parent
            text = fold(" ".join([a.title, *parents, sec.title]))
            fit = sum(w for g, w in query.groups if g & set(index.tokenize(text)))
            fit += sum(1.0 for y in query.years if str(y) in fold(" ".join(parents)))  # 三、2011年的工作
            fit += 1.0 if query.intent.list_size == max(n for n, _ in items) else 0.0  # "its seven main tasks"
            wanted.append((fit, a, sec))
    if not wanted:
        return []
    best = max(fit for fit, _, _ in wanted)
    # On a tie, the later list first: a report's plans for the year follow its review of the last one.
    return [(a, sec) for fit, a, sec in sorted(wanted, key=lambda w: -w[2].start) if fit >= best][:3]


def _section_starts(index: Index, query: Query) -> set[int]:
    """Chunks that open the section a question asks for."""
    wanted = {(a.source, sec.start) for a, sec in asked_sections(index, query)}
    return {i for i, c in enumerate(index.chunks) if (c.source, c.start) in wanted} if wanted else set()


def _query_tokens(index: Index, query: Query, signals: Signals) -> list[tuple[str, float]]:
    if signals.crosslingual or query.lang == "zh":
        return list(query.tokens)
    return [(t, 1.0) for t in index.tokenize(query.folded)]


def passage_of(index: Index, i: int, score: float, dense: float | None = None, lexical: float | None = None) -> Passage:
    c = index.chunks[i]
    a: Article = index.articles[c.article_id]
    where = a.where(c.start)
    return Passage(source=c.source, start=c.start, end=c.end, id=c.id, article_id=c.article_id, place=a.place,
                   title=a.title, year=a.year, section_path=where.section_path, paragraph=where.paragraph,
                   text=c.text, score=round(score, 6), dense=dense, lexical=lexical)


def search(index: Index, query: Query, k: int = 5, *, places: list[str] | None = None, years: list[int] | None = None,
           signals: Signals = ALL, tuning: Tuning = TUNING, reranker: str | None = None,
           depth: int | None = None) -> list[Passage]:
    """Passages for an analysed question, best first, within the given places and years; with ``depth``, that many
    (the first ``k`` as without it, then the next ones of the fused ranking)."""
    k = check_k(k)
    pool = max(k, tuning.rerank_pool) if reranker else k
    mask = filter_mask(index, places or [], years or [])
    n = min(len(index.chunks), max(tuning.candidates, 4 * pool))
    rankings: dict[str, list[int]] = {}
    dense: dict[int, float] = {}
    lexical: dict[int, float] = {}
    if signals.dense and index.dense is not None:
        rankings["dense"], dense = dense_scores(index, query, mask, n)
    if signals.lexical or index.dense is None:
        rankings["lexical"], lexical = lexical_scores(index, _query_tokens(index, query, signals), mask, n)
    wd, wl = tuning.weights_zh if query.lang == "zh" else tuning.weights_en
    fused = rrf(rankings, {"dense": wd, "lexical": wl}, k=tuning.rrf_k)
    if signals.boosts:
        for i in _section_starts(index, query):
            if mask is None or mask[i]:
                fused[i] = fused.get(i, 0.0) + 1.0
        if query.places:
            for i in fused:
                if index.chunk_places[i] in query.places:
                    fused[i] += tuning.place_boost
        if query.years:
            for i in fused:
                if int(index.chunk_years[i]) in query.years:
                    fused[i] += tuning.year_boost
        if query.intent.not_levels:  # "which county …": a national or provincial report is not the answer
            for i in fused:
                if index.articles[index.chunks[i].article_id].meta.level in query.intent.not_levels:
                    fused[i] -= tuning.place_boost
    ranked = sorted(fused, key=lambda i: (-fused[i], i))
    out = [passage_of(index, i, fused[i], dense.get(i), lexical.get(i)) for i in ranked[: max(pool, depth or 0)]]
    if reranker:
        from .rerank import load_reranker

        top = load_reranker(reranker).rerank(query.text, out[:pool], k)
        kept = {p.id for p in top}
        return top + [p for p in out if p.id not in kept][: max(0, (depth or k) - k)]
    return out[: max(k, depth or k)]


def retrieve(question: str, k: int = 5, place: str | list[str] | None = None, *, year: int | list[int] | None = None,
             index: Index | str | os.PathLike[str] | None = None, district: str | list[str] | None = None,
             config: Config | None = None, signals: Signals = ALL) -> list[Passage]:
    """Passages for ``question``, best first. ``place`` (or its old name ``district``) and ``year`` filter.

    ``index``: an opened index (``open_index()``), a directory, or None for ``$CPPCC_QA_INDEX`` / ``./index``,
    built from ``$CPPCC_QA_CORPUS`` / ``./corpus`` when missing or stale.
    """
    from .service import resolve_index

    k = check_k(k)
    opened = resolve_index(index, config)
    query = analyse(question, opened)
    places = resolve_places(opened, place if place is not None else district)
    years = resolve_years(opened, year)
    reranker = config.reranker if config else Config.resolve().reranker
    return search(opened, query, k, places=places, years=years, signals=signals,
                  tuning=config.tuning if config else TUNING, reranker=reranker)
