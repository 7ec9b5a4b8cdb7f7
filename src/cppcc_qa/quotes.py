"""Exact-quote search for journalists: every occurrence of a phrase, page breaks and spaces ignored."""

from __future__ import annotations

import difflib
from bisect import bisect_right
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import InputError
from .retrieve import Retriever, get_retriever
from .textspan import Squeezed, clause_spans, repair, squeeze

CONTEXT = 40


@dataclass(frozen=True)
class Quote:
    """One occurrence of the phrase (``exact``) or, failing that, a near sentence (``exact=False``)."""

    exact: bool
    text: str  # the source's words at [start, end), page breaks removed
    district: str
    title: str
    source: str
    paragraph: int
    start: int
    end: int
    before: str
    after: str
    citation: str  # ready to paste
    similarity: float = 1.0
    location: str | None = None  # PDF page / Word paragraph of the original, for extracted sources

    def to_dict(self) -> dict:
        return asdict(self)


def _article_at(r: Retriever, source: str, pos: int) -> dict | None:
    for a in r.articles:
        if a["source"] == source and a["start"] <= pos < a["end"]:
            return a
    return None


def _make(r: Retriever, source: str, start: int, end: int, exact: bool, similarity: float = 1.0) -> Quote | None:
    art = _article_at(r, source, start)
    if art is None:
        return None
    raw = r.source_text(source)
    para = max(1, bisect_right([s for s, _ in art["paragraphs"]], start))
    text = repair(raw[start:end])
    before = repair(raw[max(art["start"], start - CONTEXT) : start])
    after = repair(raw[end : min(art["end"], end + CONTEXT)])
    location = r.location(source, start)
    where = f"，{location}" if location else ""
    citation = f"“{text}”——《{art['title']}》（{art['district']}，第{para}段{where}，{source}）"
    return Quote(exact, text, art["district"], art["title"], source, para, start, end, before, after, citation,
                 round(similarity, 3), location)


def find_quotes(phrase: str, *, fuzzy: int = 3, index: str | Path | None = None, corpus: str | Path | None = None,
                model: str | None = None) -> list[Quote]:
    """Every exact occurrence of ``phrase``; when there is none, the ``fuzzy`` nearest clauses (``exact=False``)."""
    if not isinstance(phrase, str) or not squeeze(phrase):
        raise InputError("The phrase to find is empty.", "Type a few words from the report, e.g. 郑委员超市")
    if len(phrase) > 2000:
        raise InputError(f"The phrase is {len(phrase)} characters long; the limit is 2000.", "Search for a shorter part.")
    r = get_retriever(index, corpus, model)
    found: list[Quote] = []
    for source in r.manifest.get("sidecars", {}):
        sq = Squeezed.of(r.source_text(source))
        for s, e in sq.find_all(phrase):
            q = _make(r, source, s, e, True)
            if q:
                found.append(q)
    if found or fuzzy <= 0:
        return found
    target = squeeze(phrase)
    scored: list[tuple[float, str, int, int]] = []
    for art in r.articles:
        raw = r.source_text(art["source"])
        for ps, pe in art["paragraphs"]:
            for s, e in clause_spans(raw, ps, pe):
                m = difflib.SequenceMatcher(None, target, squeeze(raw[s:e]), autojunk=False)
                blocks = sum(b.size for b in m.get_matching_blocks())
                scored.append((blocks / len(target), art["source"], s, e))
    scored.sort(key=lambda t: -t[0])
    return [q for sim, src, s, e in scored[:fuzzy] if sim > 0 and (q := _make(r, src, s, e, False, sim))]
