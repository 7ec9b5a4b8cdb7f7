"""Answers: the source's own clauses, each cited with exact offsets, the answer first; a table for comparisons;
a refusal, naming what is missing, when the reports do not say. ``answer()`` is the public entry point.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from .abstain import PIECE, check_terms, expected_type, has_type
from .evidence import (
    ABOUT_REPORT,
    FRAME,
    Unit,
    citation_for,
    credit_only,
    credit_span,
    dateline_span,
    names_post,
    score_units,
    speaker_span,
)
from .query import PUBLISHED, Query, analyse, check_k
from .records import Answer, Citation, Passage
from .render import message, quoted_terms
from .search import asked_sections, resolve_places, resolve_years, search
from .settings import TUNING, Config, Tuning
from .store import Index
from .textnorm import fold, squeeze

_MULTI_ASK = re.compile(r"多少|几[个件条场次家名人篇项期处所座户笔批位]|哪[些几个]|谁|什么|何时|哪天|哪一?年|"
                        r"\bhow (?:many|much)\b|\bwhich\b|\bwho\b|\bwhat\b|\bwhen\b|\bwhere\b", re.I)
_JOINED_ASK = re.compile(r"分别|各(?:有|是|为)|其中|\brespectively\b|\band (?:how|what|which|who|when)\b", re.I)


def multi_part(query: Query) -> bool:
    """Whether the question asks two things ("有多少件？其中解决了多少件？"), so two clauses may both be needed."""
    return len(_MULTI_ASK.findall(query.text)) >= 2 or bool(_JOINED_ASK.search(query.text))


# Why a refusal refuses, by the kind of answer that was not found.
_NOT_FOUND = {"person": "no_person", "date": "no_date", "year": "no_date", "month": "no_date", "day": "no_date",
              "locality": "no_locality", "figure": "no_figure"}


def _refusal(query: Query, passages: list[Passage], unknown: tuple[str, ...], kind: str | None) -> Answer:
    lang = query.lang
    if kind == "elsewhere":
        why = message("other_place", lang, terms=quoted_terms(unknown, lang))
    elif unknown:
        why = message("missing_terms", lang, terms=quoted_terms(unknown, lang))
    else:
        why = message(_NOT_FOUND.get(kind or "", "not_covered"), lang)
    sep = "" if lang == "zh" else " "
    return Answer(query.question, f"{why}{sep}{message('refusal_tail', lang)}", [], False, lang, passages,
                  asked=query.text)


def _weak(query: Query, units: list[Unit], passages: list[Passage], tuning: Tuning) -> bool:
    if not units:
        return True
    if query.intent.asks_section and any(u.heading for u in units):
        return False  # "what is part 3 about": the heading is the answer, whatever words the question uses
    best = units[0]
    if query.lang == "zh":
        return best.coverage < tuning.min_coverage_zh
    top_dense = max((p.dense or 0.0) for p in passages)
    return best.coverage < tuning.min_coverage_en and top_dense < tuning.min_dense_en


def _of_places_asked(query: Query, place: str) -> bool:
    """Whether ``place`` is one the question names (any place when it names none)."""
    return not query.places or fold(place) in {fold(p) for p in query.places}


def _about_elsewhere(query: Query, units: list[Unit], index: Index) -> list[Unit]:
    """The clauses that may answer about a place the index has no report of: those whose paragraph names it (汶川特大
    地震 … 中央财政安排384亿元救灾款) and that hold something else the question asks about (天津滨海…科技园 gives no
    GDP)."""
    named = {i for i, (g, _) in enumerate(query.groups) if any(_speaks_of(query.elsewhere, t) for t in g)}
    kept = []
    for u in units:
        para = index.articles[u.passage.article_id].paragraph_at(u.start)
        start, end = (para.start, para.end) if para else (u.start, u.end)
        if u.covered - named and _speaks_of(query.elsewhere, index.folded(u.passage.source)[start:end]):
            kept.append(u)
    return kept


def _speaks_of(named: tuple[str, ...], folded: str) -> bool:
    """Whether a text (a paragraph, a term) names one of the divisions (天津, 寿光市; "Tianjin" by its Chinese
    names), in full or short."""
    from .places import base_name, pinyin_names

    forms = {f for n in named for name in (n, *pinyin_names().get(n.lower(), ())) for f in (name, base_name(name))}
    return any(f in folded for f in forms if len(f) >= 2 and not f.isascii())


def _holds(kind: str, query: Query, u: Unit, index: Index) -> bool:
    """Whether a clause holds the kind of answer asked for; "which year's report…" is answered by the report's
    own year, "who is the chairman" by a name written after that post. The clause must be of the place asked about,
    and a credit line answers no such question."""
    article = index.articles[u.passage.article_id]
    if kind in ("date", "year") and article.year and ABOUT_REPORT.search(query.text):  # "哪一年的报告"
        return True
    if not _of_places_asked(query, article.place):
        return False  # a date or a name, but of another place than the one asked about
    if credit_only(index.folded(u.passage.source)[u.start : u.end]):
        return False  # a byline names who wrote the piece
    if kind == "person" and query.posts:  # the holder of the very post asked about
        return names_post(squeeze(index.folded(u.passage.source)[u.start : u.end]), query.posts)
    text = index.text(u.passage.source)[u.start : u.end]
    if kind == "year" and article.year and has_type("date", text):
        return True  # 4月19日 in a piece of a known year
    return has_type(kind, text, article.reporters)


def choose(query: Query, units: list[Unit], tuning: Tuning = TUNING, shown: int | None = None) -> list[Unit]:
    """The clauses to cite, best first: the best one, then only clauses that bear on the question as much.

    A "which" question lists each place once, another place only with evidence as complete as the best one's; from a
    passage after the first ``shown`` (searched deeper for "哪些县…"), only with as large a share of the question's
    weighted terms as the best one holds (``Unit.lex``).
    Otherwise a further clause is cited only when the question asks two things and the clause holds a term of
    the question the chosen ones lack.
    """
    best = units[0]
    grouped = query.intent.which
    ratio = tuning.keep_ratio_which if grouped else tuning.keep_ratio
    limit = tuning.max_citations_which if grouped else (tuning.max_citations if multi_part(query) else 1)
    chosen = [best]
    places = {best.passage.place}
    seen = set(best.covered)
    for u in units[1:]:
        if len(chosen) >= limit or u.score < best.score * ratio:
            break
        if any(u.start < c.end and c.start < u.end and u.passage.source == c.passage.source for c in chosen):
            continue
        if u.heading or (u.lex < (tuning.keep_lex_which if grouped else 0.85) * best.lex
                         and not (query.intent.several and query.lang == "zh" and _shares_key(best, u, tuning))):
            continue
        if grouped:
            if u.passage.place in places or (shown is not None and u.rank >= shown and u.lex < best.lex):
                continue
        elif not (u.covered - seen) or (query.intent.how_many and u.figure < 0.5 * best.figure):
            continue  # says nothing the chosen clauses do not, or not the figure asked for
        chosen.append(u)
        places.add(u.passage.place)
        seen |= u.covered
    return chosen


def _shares_key(best: Unit, u: Unit, tuning: Tuning) -> bool:
    """Whether a clause holds all but one of the terms the best clause holds, and enough of the question ("哪些县市区
    设立了知情明政工作站": 设置“知情明政工作站” lacks 设立 but names the station): another place that did the same.
    Chinese questions only: an English term is a set of dictionary translations, and sharing those says less (on the
    read which-questions it added 7 wrong places and no right one)."""
    return len(best.covered - u.covered) <= 1 < len(best.covered) and u.lex >= tuning.keep_lex_several * best.lex


def section_units(query: Query, units: list[Unit], index: Index) -> list[Unit]:
    """For "what is section N about" ("item (8)"): that section's heading, then the headings of its parts."""
    for article, sec in asked_sections(index, query):
        for u in units:
            if u.heading and u.passage.article_id == article.id and u.start == sec.start:
                parts = [x for x in units if x.heading and x.passage.article_id == article.id
                         and sec.start < x.start < sec.end]
                return [u, *sorted(parts, key=lambda x: x.start)[:5]]
    return []


def _credited(query: Query, passages: list[Passage], index: Index) -> Answer:
    """Who wrote or photographed the piece: the credit line of the best article of the place asked about."""
    for p in passages:
        if not _of_places_asked(query, p.place):
            continue
        span = credit_span(index, p.article_id, query.intent.credit)
        if span:
            return _quoted(query, [citation_for(1, index, p, *span)], passages)
        break  # the best article names nobody: another article's credit would not answer
    return _refusal(query, passages, (), "person")


def _about_the_piece(query: Query) -> bool:
    """Whether the question's words name nothing but the piece, its credits and its publication (那条新闻的责编)."""
    return not any(not PIECE.search(t) and not (query.intent.published and PUBLISHED.search(t))
                   for g, _ in query.groups for t in g if t not in FRAME)


def _own_line(query: Query, passages: list[Passage], index: Index,
              span_of: Callable[[Index, str], tuple[int, int] | None]) -> Answer | None:
    """A line of the best article of the place asked about, found by ``span_of``: its date line (when the piece
    was published), its speaker line (who gave the report); None when that article has none."""
    for p in passages:
        if _of_places_asked(query, p.place):
            span = span_of(index, p.article_id)
            return _quoted(query, [citation_for(1, index, p, *span)], passages) if span else None
    return None


# "Who delivered the 2026 report", "谁作的政府工作报告", "报告是谁作的": the person who gave a report, not one it names
# ("who made the proposal that the report mentions", "谁作出的批示被写入了工作报告"); 作 of 工作 is no verb.
_GAVE = r"(?:deliver(?:ed|s)?|present(?:ed|s)?|gave|give[ns]?|read(?: out)?|made|make[s]?)"
_MADE = r"(?<![工合协创制])[作做](?![好出风为用业])"
GIVES_REPORT = re.compile(rf"\b{_GAVE}\s+(?:(?!that\b|which\b|who\b|in\b|of\b)[\w'-]+\s+){{0,6}}report\b|"
                          r"\breport\b[^?.]{0,40}\b(?:delivered|presented|given)\b|"
                          rf"谁[^，。？?]{{0,8}}{_MADE}了?的?[^，。？?]{{0,12}}报告|报告[^，。？?]{{0,12}}(?:是|由)谁{_MADE}|"
                          rf"{_MADE}[^，。？?]{{0,8}}报告的?是谁|报告人", re.I)


def extractive(query: Query, passages: list[Passage], index: Index, tuning: Tuning = TUNING,
               shown: int | None = None) -> Answer:
    """The answer from ``passages``: cited clauses, or a refusal; ``shown``: how many of the passages the user is
    shown (a which-question about several places is searched deeper for them)."""
    units = score_units(query, passages, index, tuning) if passages else []
    visible = passages[:shown] if shown else passages  # what the refusal checks weigh: the passages shown
    unknown = check_terms(query, index, visible).reason if passages else ()
    if query.elsewhere and units and not unknown:  # "天津2025年地区生产总值": only a clause about 天津 answers
        units = _about_elsewhere(query, units, index)
        if not units:
            return _refusal(query, passages, query.elsewhere, "elsewhere")
    weak = _weak(query, units, visible, tuning)
    if not weak and not unknown and query.intent.how_many and not query.intent.which \
            and max((u.figure for u in units), default=0.0) < (tuning.min_figure_zh if query.lang == "zh"
                                                                else tuning.min_figure_en):
        return _refusal(query, passages, (), "figure")  # no figure in the evidence is about what is asked
    # "昌邑市那篇稿子的通讯员", "那条新闻的责编": the item of the place named, or the best one when the question names
    # nothing but the piece and its credits.
    if (query.intent.credit or query.intent.published) and not unknown \
            and (not weak or query.places or _about_the_piece(query)):
        if query.intent.credit:
            return _credited(query, passages, index)
        dated = _own_line(query, passages, index, dateline_span)
        if dated is not None:
            return dated
    if query.intent.who and not unknown and (not weak or query.places) and GIVES_REPORT.search(query.text):
        spoken = _own_line(query, passages, index, speaker_span)
        if spoken is not None:
            return spoken
    kind = None if weak or unknown else expected_type(query.text)
    if kind:  # who holds a post, when, which street: the best of the first three clauses with a name, date or place
        holding = next((u for u in units[:3] if _holds(kind, query, u, index)), None)
        weak = holding is None
        units = [holding, *(u for u in units if u is not holding)] if holding else units
    if unknown or weak:
        return _refusal(query, passages, unknown, kind)
    picked = (section_units(query, units, index) if query.intent.asks_section else []) \
        or choose(query, units, tuning, shown)
    return _quoted(query, [citation_for(i, index, u.passage, u.start, u.end) for i, u in enumerate(picked, 1)],
                   passages)


def _quoted(query: Query, citations: list[Citation], passages: list[Passage]) -> Answer:
    """An answer made of the cited clauses, each on its own line after its place."""
    lines = [f"{c.where.place}：{c.quote}[{c.marker}]" for c in citations]
    return Answer(query.question, message("head", query.lang) + "\n" + "\n".join(lines), citations, True, query.lang,
                  passages, asked=query.text)


def answer(question: str, k: int = 5, place: str | list[str] | None = None, *, year: int | list[int] | None = None,
           history: list[object] | None = None, index: Index | str | os.PathLike[str] | None = None,
           district: str | list[str] | None = None, config: Config | None = None, llm: bool | None = None) -> Answer:
    """Answer from the reports: quoted clauses with [n] markers, a cited table for comparisons, or
    ``found=False`` when the reports do not say.

    ``history``: earlier questions of the conversation (strings or (question, answer) pairs), for follow-ups.
    ``llm``: use the configured OpenAI-compatible endpoint (default: when $CPPCC_QA_LLM_URL is set).
    """
    from .service import resolve_index

    k = check_k(k)
    config = config or Config.resolve()
    opened = resolve_index(index, config if index is None else None)
    query = analyse(question, opened, history)
    places = resolve_places(opened, place if place is not None else district)
    years = resolve_years(opened, year)
    if not places and query.text != query.question:
        places = list(query.places)  # a follow-up about another place: stay within it
    if not places:
        places = list(query.within)  # "潍坊哪些县…", "which Weifang counties…": the places inside the region named
    if query.intent.compare and not check_terms(query, opened).entity:  # not about a place the reports lack
        from .table import compare

        table = compare(query, opened, places=places, years=years, tuning=config.tuning)
        if table is not None:
            table.index_version = opened.version
            return table
    # "哪些县市区…": the places that did it may be spread over more passages than are shown.
    depth = config.tuning.which_depth if query.intent.which and query.intent.several else None
    passages = search(opened, query, k, places=places, years=years, tuning=config.tuning, reranker=config.reranker,
                      depth=depth)
    result = extractive(query, passages, opened, config.tuning, shown=k)
    result.passages = passages[:k] + [p for p in passages[k:]  # a place cited from a deeper passage shows it too
                                      if any(c.source == p.source and p.start <= c.start < p.end
                                             for c in result.citations)]
    result.index_version = opened.version
    use_llm = config.llm is not None if llm is None else llm
    if use_llm and result.found and config.llm is not None:
        from .llm import generate

        result = generate(result, opened, config.llm)
    return result
