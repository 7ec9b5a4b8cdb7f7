"""Comparison questions ("哪个县立案的提案最多？", "2005年和2009年的增长目标分别是多少？") answered as a cited table.

Facts (``facts.py``) in the passages retrieved for the question are scored by how much of the question their
counted phrase and clause hold; the best fact of each place (or, within one place, of each year) becomes a row.
Rows are compared only within one kind of thing: the same measure (场/次, 件, 条/篇, %, 元 …) and the same head
noun of the counted phrase (提案, 活动, 建议 …). When the phrases still differ in their other words (立案办理提案
vs 撰写提案) the table says so in a visible note instead of ranking them silently as one thing.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from .evidence import FRAME, YEAR_WRITTEN, citation_for, relevance, topic_group, year_part
from .facts import answers_measure
from .lexical import terms
from .query import Query
from .records import Answer, Citation, Fact, TableRow
from .render import message, render_value, table_lines
from .settings import TUNING, Tuning
from .store import Index
from .textnorm import CJK, fold

_MEASURES = [{"场", "场次", "次", "批次", "期"}, {"件"}, {"条", "篇", "份"}, {"个", "处", "所", "座", "支", "组"},
             {"家", "家次", "户"}, {"名", "人", "人次", "万人", "万人次"}, {"%", "个百分点", "百分点"},
             {"万亿元", "亿元", "万元", "元"}, {"亿美元", "万美元", "美元"}, {"项"}, {"笔"}, {"部"}, {"批"},
             {"万吨", "亿吨", "吨"}, {"公里", "千米"}, {"平方公里", "平方米"}, {"万亩", "亩", "公顷"},
             {"万千瓦", "千瓦"}, {"万标准箱", "标准箱"}, {"辆"}, {"台", "套"}, {"张", "床"}, {"倍"}, {"周年"}, {"岁"}]
_SCALE = {"万亿元": 1e12, "亿元": 1e8, "万元": 1e4, "亿美元": 1e8, "万美元": 1e4, "万人": 1e4, "万人次": 1e4,
          "万吨": 1e4, "亿吨": 1e8, "千米": 1.0, "平方公里": 1e6, "万亩": 1e4, "公顷": 15.0, "万千瓦": 1e4,
          "万标准箱": 1e4}
_QUESTION_MEASURE = re.compile(r"(?:多少|几)(个百分点|人次|场次|[件条场次个家名人篇项期处所座户笔批份])|"
                               r"(百分比|比例|比率|增长率|增速|率)|(场次|人次|[次场件人篇个条](?=数))")
_LEAST = re.compile(r"最少|最低|最小|\bleast\b|\bfewest\b|\blowest\b|\bsmallest\b", re.I)


def measure_class(unit: str) -> int:
    for i, group in enumerate(_MEASURES):
        if unit in group:
            return i
    return len(_MEASURES)


def head_noun(label: str) -> str:
    """The last word of a counted phrase (its head: 提案, 活动, 建议); quotes and spaces aside."""
    words = [w for w in terms(fold(re.sub(r"[“”\"‘’]", "", label))) if not w.isdigit()]
    return words[-1] if words else fold(label)[-2:]


def same_head(a: str, b: str, loose: bool = False) -> bool:
    """Whether two head nouns name the same thing: equal, or (``loose``: one place's statistic across its reports
    of several years, worded anew each year) ending in the same two-character word (总产量 and 粮食产量: 产量)."""
    return a == b or (loose and len(a) >= 2 and len(b) >= 2 and a[-2:] == b[-2:])


def base_value(f: Fact | TableRow) -> float:
    """A figure in its measure's base unit (亿元 -> 元, 万人 -> 人), so rows of one measure compare."""
    return f.value * _SCALE.get(f.unit, 1.0)


@dataclass(frozen=True)
class _Scored:
    fact: Fact
    relevance: float
    rank: int  # of the passage holding it
    named: float = 0.0  # relevance of its counted phrase alone: tells apart figures of one clause


def fact_years(index: Index, f: Fact) -> set[int]:
    """The years a figure is of: its report's, and one its clause or section heading names (a 2026 report's
    "一、2025年工作回顾" states 2025's figures)."""
    article = index.articles[f.article_id]
    written = " ".join([index.folded(f.source)[f.start : f.end], *article.where(f.start).section_path])
    return {y for y in (f.year,) if y} | {int(y) for y in YEAR_WRITTEN.findall(fold(written))}


_TOTAL_ASKED = re.compile(r"总|累计|一共|\btotal\b|\bin all\b|\baltogether\b|\bcumulative", re.I)
_NEW_ASKED = re.compile(r"新增|增加|新建|\bnew\b|\badded\b|\bincreas", re.I)
_NEW_LABEL = re.compile(r"新增|增加|新建|新开|新发展")
_TOTAL_LABEL = re.compile(r"总|累计")


def _stock_or_flow(query: Query, label: str) -> float:
    """Half weight for a figure of the other kind than asked: "总里程" is not answered by "新增运营里程40公里",
    "新增多少" not by a total."""
    total, new = bool(_TOTAL_ASKED.search(query.text)), bool(_NEW_ASKED.search(query.text))
    if total and not new and _NEW_LABEL.search(label) and not _TOTAL_LABEL.search(label):
        return 0.5
    if new and not total and _TOTAL_LABEL.search(label) and not _NEW_LABEL.search(label):
        return 0.5
    return 1.0


# 几份报告里, 这几个县中: the measure word counts the documents or places looked in, not what is asked (多少 always
# asks: 有多少人次在其中).
_SCOPE = re.compile(r"[^，,。？?；;：:]{1,10}?[里中内](?=[，,：:]|$|各|哪)")


def _wanted_measure(query: Query) -> int | None:
    """The class of measure words a Chinese comparison asks for (多少场, 场次, 比例), if it names one."""
    for m in _QUESTION_MEASURE.finditer(query.folded):
        if not (m.group(0).startswith("几") and _SCOPE.match(query.folded, m.end())):
            return measure_class("%" if m.group(2) else m.group(1) or m.group(3))
    return None


def _candidates(query: Query, index: Index, places: list[str], years: list[int], tuning: Tuning) -> list[_Scored]:
    from .search import search

    passages = search(index, query, 40, places=places, years=years, tuning=tuning)
    by_article: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for rank, p in enumerate(passages):
        by_article[p.article_id].append((p.start, p.end, rank))
    wanted = _wanted_measure(query)
    scored: list[_Scored] = []
    # Places named in the question bound the table only when it names several ("北京和上海…"): one named place
    # is usually the one to compare with the rest ("安丘市立案多少件，哪个县最多？"). A named year always does.
    restrict_places = places or (list(query.places) if len(query.places) >= 2 else [])
    restrict_years = years or list(dict.fromkeys(query.years))
    facts = index.facts.all(places=restrict_places, years=years)
    for f in facts:
        spans = [r for s, e, r in by_article.get(f.article_id, []) if s <= f.start < e or s < f.end <= e]
        if not spans or (restrict_years and not set(restrict_years) & fact_years(index, f)):
            continue
        if wanted is not None and measure_class(f.unit) != wanted:
            continue
        if wanted is None and query.lang == "en" and query.measure and not answers_measure(query.measure, f.unit):
            continue  # "how many people": 人, 人次, 名; not 953个社区
        rel = relevance(index, query, fold(f.label), index.folded(f.source)[f.start : f.end], rows=True)
        rel *= _stock_or_flow(query, fold(f.label))
        if year_part(query, index.articles[f.article_id], f.start) is False:
            rel *= 0.5  # "the previous year's": not a figure of the part on the year of the report
        if rel > 0:
            scored.append(_Scored(f, rel - 0.002 * min(spans), min(spans),
                                  relevance(index, query, fold(f.label), "", rows=True)))
    return scored


def _by_place(group: list[_Scored]) -> bool:
    """Whether the rows of ``group`` stand for places (else for years: all are of one place)."""
    return len({g.fact.place for g in group}) >= 2


def _key(s: _Scored, by_place: bool) -> object:
    return s.fact.place if by_place else (s.fact.year or 0)


def _per_key(query: Query, group: list[_Scored], by_place: bool | None = None) -> list[_Scored]:
    """The most relevant figure of each place (of each year, when all are of one place, unless ``by_place``)."""
    by_place = _by_place(group) if by_place is None else by_place
    chosen: dict[object, _Scored] = {}
    for s in sorted(group, key=lambda s: (-round(s.relevance, 6), -s.named, s.rank, s.fact.id)):
        chosen.setdefault(_key(s, by_place), s)
    return list(chosen.values())


def _rows(query: Query, index: Index, scored: list[_Scored]) -> tuple[list[_Scored], bool]:
    """The rows to compare, and whether their counted phrases name different things.

    Rows count the same thing as the most relevant figure: the same measure and the same head noun (建议 in
    意见建议 and 提出协商建议). Only when fewer than two places (or years) have such a figure are figures of the
    same measure with other head nouns compared, and the table then says they count different things.
    """
    if not scored:
        return [], False
    # On a tie (two figures of one clause: 建议877件，办理市政协提案1309件) the one whose own phrase fits better leads.
    best = max(scored, key=lambda s: (round(s.relevance, 6), s.named, -s.rank))
    measure, head = measure_class(best.fact.unit), head_noun(best.fact.label)
    named = set(query.places) if len(query.places) >= 2 else set()
    same_source = [s for s in scored if s.fact.source == best.fact.source]
    if not named and len({s.fact.place for s in same_source}) >= 2:
        scored = same_source  # "哪个县…最多" over a page of county items: compare within it, not across reports
    same_measure = [s for s in scored if measure_class(s.fact.unit) == measure
                    and (s.relevance >= 0.25 * best.relevance or s.fact.place in named)]
    narrowing = category_words(query)
    if narrowing:  # 经济方面的提案: the figures of that category, whatever their phrase's head (经济建设类)
        same_measure = _of_the_category(index, narrowing, same_measure)
    by_place = True if named else None  # places named: one row each, even when one has figures of several years
    loose = not (named or _by_place(same_measure))  # rows are years
    same_thing = _per_key(query, [s for s in same_measure
                                  if narrowing or same_head(head_noun(s.fact.label), head, loose)], by_place)
    if len(same_thing) >= 2:
        # A place whose own figure fits the question far better under another head noun ("城市建设管理类29件"
        # beside "大会共收到提案110件", asked about 城市建设管理) shows that figure; the table then says so.
        same_thing = [_better_fit(row, same_measure, same_thing) for row in same_thing]
        same_thing += _named_missing(query, same_measure, same_thing, named)
        labels = {fold(re.sub(r"\s+", "", s.fact.label)) for s in same_thing}
        return same_thing, len(labels) > 1 and not _similar(labels)
    rows = _per_key(query, [s for s in same_measure if s.relevance >= 0.5 * best.relevance or s.fact.place in named],
                    by_place)
    heads = [head_noun(s.fact.label) for s in rows]
    return rows, any(not same_head(a, b, loose) for a, b in itertools.combinations(heads, 2))


_CATEGORY = frozenset(["方面", "类", "一类", "类别", "领域"])
_JOINS = frozenset("、和与及")
_WORD = re.compile(f"{CJK.pattern}+")
# Words before 方面 / 领域 that name no category: 多个领域, 重点领域, 相关方面.
_NOT_CATEGORY = frozenset(["属于", "关于", "涉及", "有关", "分别", "各自", "多个", "各个", "几个", "重点", "相关",
                           "其他", "其它", "不同", "主要", "各类", "所有", "全部"])


def _in_category(token: str) -> bool:
    return token not in _NOT_CATEGORY and (token in _JOINS or (len(token) >= 2 and bool(_WORD.fullmatch(token))))


def category_words(query: Query) -> list[frozenset[str]]:
    """The topic groups of a category the question asks about: 经济 of "提案里经济方面的分别有多少件", 生态 and 环保
    of "生态环保类"; the words right before 方面 / 类 / 领域, joined by 、和与及."""
    if query.lang != "zh":
        return []
    from .lexical import jieba_module

    tokens = list(jieba_module().cut(query.folded, HMM=False))
    words: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok not in _CATEGORY:
            continue
        j = i - 1
        while j >= 0 and tokens[j] in ("这", "这一", "此", "一", "等", "等等"):  # 城市建设管理这一类, 教育、医疗等领域
            j -= 1
        while j >= 0 and _in_category(tokens[j]):
            words.add(tokens[j])
            j -= 1
    return [g for g, _ in query.groups if topic_group(g) and g & words]


def _of_the_category(index: Index, narrowing: list[frozenset[str]], candidates: list[_Scored]) -> list[_Scored]:
    """The candidates whose phrase or clause names the category asked about: the total of all proposals is not
    the number of economic ones."""
    def says(s: _Scored) -> bool:
        clause = index.folded(s.fact.source)[s.fact.start : s.fact.end]
        words = set(index.tokenize(fold(s.fact.label))) | set(index.tokenize(clause))
        return any(g & words for g in narrowing)

    return [s for s in candidates if says(s)]


def _named_missing(query: Query, candidates: list[_Scored], rows: list[_Scored], named: set[str]) -> list[_Scored]:
    """A place the question names (坊子、寒亭、安丘三地…) keeps a row when its figure of the measure counts under
    another head noun (联合调研 beside 调研座谈活动); the table then says the rows count different things. So does
    a year it names when the rows are one place's years (2005、2009、2011年的增长目标: 目标为8% beside 增长８%)."""
    if named:
        have = {s.fact.place for s in rows}
        return _per_key(query, [s for s in candidates if s.fact.place in named and s.fact.place not in have], True)
    years = set(query.years) if len(set(query.years)) >= 2 and not _by_place(rows) else set()
    have_years = {s.fact.year for s in rows}
    place = rows[0].fact.place if rows else ""
    return _per_key(query, [s for s in candidates if s.fact.year in years and s.fact.year not in have_years
                            and s.fact.place == place], False)


def _better_fit(row: _Scored, candidates: list[_Scored], rows: list[_Scored]) -> _Scored:
    """The figure of the row's place (and year) that fits the question at least twice as well, if any."""
    by_place = _by_place(rows)
    mine = [s for s in candidates if s.fact.place == row.fact.place and _key(s, by_place) == _key(row, by_place)]
    best = max(mine, key=lambda s: (round(s.relevance, 6), s.named, -s.rank), default=row)
    return best if best.relevance >= 2 * row.relevance else row


def _similar(labels: set[str]) -> bool:
    """Whether counted phrases name the same thing: all but their shared head are near-identical words."""
    bigrams = [set(itertools.pairwise(lab)) for lab in labels]
    first = bigrams[0]
    return all(len(first & b) / max(1, len(first | b)) >= 0.5 for b in bigrams[1:])


def compare(query: Query, index: Index, *, places: list[str], years: list[int],
            tuning: Tuning = TUNING) -> Answer | None:
    """A table answer, or None when the question is better answered with quoted clauses (no facts at all)."""
    scored = _candidates(query, index, places, years, tuning)
    if not scored:
        return None
    rows, mixed = _rows(query, index, scored)
    least = bool(_LEAST.search(query.text))
    if len(rows) < 2:
        closest = sorted(scored, key=lambda s: -s.relevance)[:3]
        return _answer(query, index, closest, mixed=False, least=least, too_few=True)
    rows.sort(key=lambda s: (base_value(s.fact), -s.fact.id) if least else (-base_value(s.fact), s.fact.id))
    return _answer(query, index, rows, mixed=mixed, least=least, too_few=False)


def _answer(query: Query, index: Index, rows: list[_Scored], *, mixed: bool, least: bool, too_few: bool) -> Answer:
    from .search import passage_of

    lang = query.lang
    citations: list[Citation] = []
    table: list[TableRow] = []
    for marker, s in enumerate(rows, 1):
        f = s.fact
        chunk_i = next((i for i, c in enumerate(index.chunks) if c.article_id == f.article_id
                        and c.start <= f.start < c.end), None)
        passage = passage_of(index, chunk_i, 0.0) if chunk_i is not None else None
        cite = citation_for(marker, index, passage, f.start, f.end) if passage else None
        quote = cite.quote if cite else index.text(f.source)[f.start : f.end]
        if cite:
            citations.append(cite)
        table.append(TableRow(place=f.place, year=f.year, value=f.value, unit=f.unit, label=f.label, quote=quote,
                              source=f.source, start=f.start, end=f.end, marker=marker, value_text=f.value_text,
                              qualifier=f.qualifier))
    if too_few:
        head = message("table_too_few", lang)
    else:
        head = _lead(table, lang, least)
        if mixed:
            head += "\n" + message("table_mixed", lang, labels="、".join(dict.fromkeys(r.label for r in table)))
    text = "\n".join([head, *table_lines(table, lang)])
    return Answer(query.question, text, citations, True, lang, [], mode="table", asked=query.text, table=table,
                  note="" if not too_few else "fewer than two comparable figures")


def _lead(table: list[TableRow], lang: str, least: bool) -> str:
    """The sentence above a table: the place (or year) on top, or all of those level with it (2005、2009、2011年
    all set 8%左右: none of them is "the most")."""
    top = table[0]
    by_year = len({r.place for r in table}) == 1

    def who(r: TableRow) -> str:
        return (f"{r.year}年" if lang == "zh" else str(r.year)) if by_year and r.year else r.place

    level = [r for r in table if base_value(r) == base_value(top) and measure_class(r.unit) == measure_class(top.unit)]
    if len(level) >= 2:  # their own labels stand in the table when they differ
        shared = len({r.label for r in level}) == 1
        label = (top.label if lang == "zh" else f"{top.label} ") if shared else ""
        return message("table_lead_tie_min" if least else "table_lead_tie_max", lang,
                       place=("、" if lang == "zh" else ", ").join(who(r) for r in level), label=label,
                       value=render_value(top), markers="".join(f"[{r.marker}]" for r in level))
    return message("table_lead_min" if least else "table_lead_max", lang, place=who(top), label=top.label,
                   value=render_value(top), marker=top.marker)


def find_facts(index: Index, text: str, *, places: list[str] | None = None, years: list[int] | None = None,
               limit: int = 200) -> list[Fact]:
    """Facts whose counted phrase or clause holds the words of ``text`` (all facts for "" or "*"), best first."""
    facts = index.facts.all(places=places or [], years=years or [])
    wanted = set(index.tokenize(fold(text))) - FRAME if text.strip() not in ("", "*") else set()
    if not wanted:
        return facts[:limit]
    scored = []
    for f in facts:
        label = set(index.tokenize(fold(f.label)))
        clause = set(index.tokenize(index.folded(f.source)[f.start : f.end]))
        score = 2 * len(wanted & label) + len(wanted & clause)
        if score:
            scored.append((score, f))
    scored.sort(key=lambda t: (-t[0], t[1].place, t[1].id))
    return [f for _, f in scored[:limit]]
