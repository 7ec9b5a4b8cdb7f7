"""Exact-quote search for journalists: every occurrence of a phrase, line breaks and spaces ignored, traditional
and simplified characters matched alike; the words are shown as the source writes them."""

from __future__ import annotations

import difflib
import os
import threading

from .errors import InputError
from .records import Quote
from .render import quote_citation
from .settings import MAX_QUESTION_CHARS, Config
from .store import Index
from .textnorm import Squeezed, clause_spans, fold, repair, squeeze

CONTEXT = 40
_SQUEEZED: dict[tuple[str, str], Squeezed] = {}
_LOCK = threading.Lock()


def _squeezed(index: Index, source: str) -> Squeezed:
    key = (index.version, source)
    with _LOCK:
        found = _SQUEEZED.get(key)
    if found is None:
        found = Squeezed.of(index.folded(source))
        with _LOCK:
            if len(_SQUEEZED) > 4096:
                _SQUEEZED.clear()
            _SQUEEZED[key] = found
    return found


def make_quote(index: Index, source: str, start: int, end: int, exact: bool, similarity: float = 1.0) -> Quote | None:
    article = index.article_at(source, start)
    if article is None:
        return None
    raw = index.text(source)
    where = article.where(start, index.locator(source, start))
    text = repair(raw[start:end])
    before = repair(raw[max(article.start, start - CONTEXT) : start])
    after = repair(raw[end : min(article.end, end + CONTEXT)])
    return Quote(source=source, start=start, end=end, exact=exact, text=text, where=where, before=before, after=after,
                 citation=quote_citation(text, where, source, start, end), similarity=round(similarity, 3))


def find_quotes(phrase: str, *, fuzzy: int = 3, index: Index | str | os.PathLike[str] | None = None,
                config: Config | None = None) -> list[Quote]:
    """Every exact occurrence of ``phrase``; when there is none, the ``fuzzy`` nearest clauses (``exact=False``)."""
    from .service import resolve_index

    if not isinstance(phrase, str) or not squeeze(phrase):
        raise InputError("The phrase to find is empty.", "Type a few words from the report, e.g. 郑委员超市")
    if len(phrase) > MAX_QUESTION_CHARS:
        raise InputError(f"The phrase is {len(phrase)} characters long; the limit is {MAX_QUESTION_CHARS}.",
                         "Search for a shorter part.")
    opened = resolve_index(index, config)
    target = squeeze(fold(phrase))
    found: list[Quote] = []
    for source in opened.manifest.sources:
        for s, e in _squeezed(opened, source).find_all(target):
            q = make_quote(opened, source, s, e, True)
            if q:
                found.append(q)
    if found or fuzzy <= 0:
        return found
    scored: list[tuple[float, str, int, int]] = []
    for article in opened.articles.values():
        folded = opened.folded(article.source)
        for p in article.paragraphs:
            for s, e in clause_spans(folded, p.start, p.end):
                m = difflib.SequenceMatcher(None, target, squeeze(folded[s:e]), autojunk=False)
                blocks = sum(b.size for b in m.get_matching_blocks())
                scored.append((blocks / len(target), article.source, s, e))
    scored.sort(key=lambda t: -t[0])
    return [q for sim, src, s, e in scored[:fuzzy] if sim > 0 and (q := make_quote(opened, src, s, e, False, sim))]
