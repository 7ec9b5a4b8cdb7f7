"""Extractive answers: the source's own sentences, each cited with exact offsets; abstains on weak evidence."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import config
from .abstain import check_terms, expected_type, has_type
from .lexical import is_chinese, tokenize
from .retrieve import Passage, Retriever, clean_question, get_retriever
from .textspan import clause_spans, repair

# Calibrated on eval/dev.jsonl (see README "Abstention"). Coverage is the IDF-weighted share of the
# question's terms found in the article of the best clause; English terms count through their
# dictionary translations, a weaker signal, so English also needs a low dense similarity to abstain.
MIN_COVERAGE_ZH = 0.45
MIN_COVERAGE_EN = 0.3
MIN_DENSE_EN = 0.7

_WHICH = re.compile(r"哪些|哪几|哪个|哪家|哪里|哪|\bwhich\b|\bwhat (?:district|city|county|place)s?\b|\bwhere\b", re.I)
_HOW_MANY = re.compile(r"多少|几|\bhow (?:many|much)\b|\bnumber of\b", re.I)
_FOLLOW_UP = re.compile(r"^(?:那么?|那|还有|and|what about|how about)\b|[呢]\s*[？?]?\s*$", re.I)


@dataclass(frozen=True)
class Citation:
    """One numbered source: the quoted clause(s) and exactly where they stand."""

    marker: int
    district: str
    title: str
    source: str
    paragraph: int
    start: int  # raw offsets of the quote in the source file (whitespace aside, equal to ``quote``)
    end: int
    quote: str
    passage: Passage
    location: str | None = None  # PDF page / Word paragraph of the original, for extracted sources


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    found: bool
    lang: str
    passages: list[Passage] = field(default_factory=list)
    mode: str = "extractive"
    note: str = ""
    asked: str = ""  # the question as searched (after resolving a follow-up)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Unit:
    passage: Passage
    start: int
    end: int
    score: float
    coverage: float
    lex: float = 0.0  # share of the question's terms in this clause


def resolve_follow_up(question: str, history: list | None, matcher) -> tuple[str, list[str]]:
    """Rewrite an elliptical follow-up ("那昌乐县呢？") into a full question using the previous turn."""
    named = matcher.find(question)
    if not history:
        return question, named
    prev = [h if isinstance(h, str) else h[0] for h in history if h]
    prev = [p for p in prev if p and p.strip()]
    if not prev:
        return question, named
    last = prev[-1]
    content = [t for t in tokenize(question) if not matcher.find(t)]
    elliptical = bool(_FOLLOW_UP.search(question.strip())) or not content
    if not elliptical or not named:
        return question, named
    rewritten = last
    for d in matcher.find(last):
        for form in sorted({d, d[:-1] if len(d) > 2 else d}, key=len, reverse=True):
            rewritten = rewritten.replace(form, "")
    rewritten = _WHICH.sub("", rewritten)
    return f"{'、'.join(named)}{rewritten}", named


def term_groups(question: str, r: Retriever) -> list[tuple[frozenset[str], float]]:
    """The question's terms, each a set of interchangeable corpus tokens with an IDF weight.

    Chinese: one token per group. English: each content word becomes the group of its dictionary
    translations; a district named in pinyin becomes that district.
    """
    if is_chinese(question):
        groups = [frozenset([t]) for t in dict.fromkeys(tokenize(question))]
    else:
        from .lexical import english_words

        groups = [frozenset([d]) for d in r.matcher.find(question)]
        pinyin = r.matcher.pinyin_words()
        for w in dict.fromkeys(english_words(question)):
            if w in pinyin:
                continue
            alts = {zh for zh, _ in r.lexicon.expand(w, per_word=3)}
            groups.append(frozenset(alts or {w}))
        groups += [frozenset([n]) for n in re.findall(r"\d+", question)]
    return [(g, max(r.idf(t) for t in g)) for g in groups]


def _covered(groups, tokens: set[str]) -> float:
    total = sum(w for _, w in groups) or 1.0
    return sum(w for g, w in groups if g & tokens) / total


def _score_units(question: str, passages: list[Passage], r: Retriever) -> list[_Unit]:
    groups = term_groups(question, r)
    top = passages[0].score if passages else 1.0
    wants_number = bool(_HOW_MANY.search(question))
    units: list[_Unit] = []
    article_cover: dict[str, float] = {}  # passages often share an article: tokenize it once
    for p in passages:
        art = r.article(p.article_id)
        raw = r.source_text(p.source)
        if p.article_id not in article_cover:
            art_tokens = {*tokenize(raw[art["start"] : art["end"]]), art["district"]}
            article_cover[p.article_id] = _covered(groups, art_tokens)
        for ps, pe in art["paragraphs"]:
            if pe <= p.start or ps >= p.end:
                continue
            for s, e in clause_spans(raw, ps, pe):
                if e <= p.start or s >= p.end or len(raw[s:e].strip()) < 6:
                    continue
                toks = set(tokenize(raw[s:e])) | {art["district"]}
                lex = _covered(groups, toks)
                score = 0.55 * lex + 0.45 * (p.score / top)
                if wants_number and re.search(r"\d", raw[s:e]):
                    score += 0.05
                units.append(_Unit(p, s, e, score, article_cover[p.article_id], lex))
    return sorted(units, key=lambda u: -u.score)


def _citation(marker: int, u: _Unit, r: Retriever) -> Citation:
    art = r.article(u.passage.article_id)
    starts = [s for s, _ in art["paragraphs"]]
    raw = r.source_text(u.passage.source)
    return Citation(marker, u.passage.district, u.passage.title, u.passage.source,
                    max(1, bisect_right(starts, u.start)), u.start, u.end, repair(raw[u.start : u.end]), u.passage,
                    r.location(u.passage.source, u.start))


def answer(question: str, k: int = 5, district: str | list[str] | None = None, *, history: list | None = None,
           year: int | list[int] | None = None,
           index: str | Path | None = None, corpus: str | Path | None = None, model: str | None = None,
           llm: bool | None = None) -> Answer:
    """Answer from the reports: quoted clauses with [n] markers, or ``found=False`` when they do not say.

    ``history`` is the list of earlier questions (or (question, answer) pairs) of the conversation.
    ``llm`` uses the configured OpenAI-compatible endpoint (default: when $CPPCC_QA_LLM_URL is set).
    """
    r = get_retriever(index, corpus, model)
    question = clean_question(question)
    asked, named = resolve_follow_up(question, history, r.matcher)
    zh = is_chinese(question)
    lang = "zh" if zh else "en"
    filt = district or (named if asked != question else None)
    passages = r.search(asked, k=k, district=filt, reranker=config.reranker_name(), year=year)
    result = _extractive(question, asked, passages, r, lang)
    if llm is None:
        from .llm import configured

        llm = configured()
    if llm and result.found:
        from .llm import generate

        result = generate(result, r)
    return result


def _extractive(question: str, asked: str, passages: list[Passage], r: Retriever, lang: str) -> Answer:
    zh = lang == "zh"
    units = _score_units(asked, passages, r) if passages else []
    best = units[0] if units else None
    top_dense = max((p.dense or 0.0) for p in passages) if passages else 0.0
    if best is None:
        weak = True
    elif zh:
        weak = best.coverage < MIN_COVERAGE_ZH
    else:
        weak = best.coverage < MIN_COVERAGE_EN and top_dense < MIN_DENSE_EN
    unknown = check_terms(asked, r, passages).reason if passages else ()
    kind = None if weak or unknown else expected_type(asked)
    if kind and not any(has_type(kind, r.source_text(u.passage.source)[u.start : u.end],
                                 r.article(u.passage.article_id).get("reporters", ())) for u in units[:3]):
        weak = True  # who holds a post, with no person named in the evidence; "when", with no date
    if unknown or weak:
        if zh:
            if unknown:
                why = "报告中没有关于" + "、".join(f"“{t}”" for t in unknown) + "的内容。"
            elif kind:
                why = "报告中没有写明" + ("是谁" if kind == "person" else "时间") + "。"
            else:
                why = "现有报告中没有找到能回答这个问题的内容。"
            text = f"{why}以下段落可能相关，仅供参考。"
        else:
            if unknown:  # ASCII quotes: a CJK font draws “ ” full-width, like a stray space in English text
                why = "The reports do not mention " + ", ".join(f'"{t}"' for t in unknown) + "."
            elif kind:
                why = "The reports do not name " + ("the person asked about." if kind == "person" else "a date for this.")
            else:
                why = "The reports do not answer this question."
            text = f"{why} The passages below may be related; they are not an answer."
        return Answer(question, text, [], False, lang, passages, asked=asked)

    grouped = bool(_WHICH.search(asked))
    chosen: list[_Unit] = []
    seen_districts: set[str] = set()
    for u in units:
        if u.score < best.score * (0.75 if grouped else 0.85) or len(chosen) >= (4 if grouped else 2):
            break
        if grouped and (u.passage.district in seen_districts or u.lex < 0.85 * best.lex):
            continue  # another district is listed only with evidence as complete as the best one's
        if any(u.start < c.end and c.start < u.end for c in chosen):
            continue
        chosen.append(u)
        seen_districts.add(u.passage.district)
    citations = [_citation(i, u, r) for i, u in enumerate(chosen, 1)]
    lines = [f"{c.district}：{c.quote}[{c.marker}]" for c in citations]
    head = "根据报告原文：" if zh else "From the reports (quoted in the original Chinese):"
    return Answer(question, head + "\n" + "\n".join(lines), citations, True, lang, passages, asked=asked)
