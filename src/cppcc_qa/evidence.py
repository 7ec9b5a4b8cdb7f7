"""Evidence in retrieved passages: their clauses scored against the question, the figures they state, and citations.

A clause scores by the share of the question's (IDF-weighted) terms it holds, its passage's rank, and whether it
holds the kind of answer asked for: a figure about what the question counts (how many), a date (when), a
person's name (who). Section headings and titles score low unless the question asks what a section is about.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .abstain import DATE, SURNAMES, has_type, tagged_words
from .facts import answers_measure, states_measure
from .places import base_name
from .query import POSTS, Query
from .records import Article, Citation, Fact, Paragraph, Passage
from .settings import TUNING, Tuning
from .store import Index
from .textnorm import CJK, clause_spans, fold, repair, squeeze

ABOUT_REPORT = re.compile(r"报告|\breports?\b", re.I)  # "when was the report given", "which year's report"
_ANAPHOR = re.compile(r"^\W*(?:该|此|这|其|上述|以上|前述)")
_ASKING = re.compile(r"^(?:几|哪|多少|多大|什么|怎么|如何)")
# Words that frame a question rather than name what it is about (they never count towards a figure's relevance).
FRAME = frozenset(["最多", "最少", "最高", "最低", "比较", "对比", "排名", "分别", "多少", "县市区", "各县",
                   "各区", "各市", "各地", "哪个", "政协", "开展", "组织", "次数", "数量", "情况", "变化", "增加",
                   "减少", "一下", "其他",
                   "提出", "活动", "一共", "总共", "共有", "有没有", "场次", "件数", "人数", "人次", "篇数", "个数",
                   "比例", "比率", "比重", "占比", "百分比"])


@dataclass(frozen=True)
class Unit:
    """A clause of a retrieved passage, scored against the question."""

    passage: Passage
    rank: int  # of its passage, from 0
    start: int  # raw offsets of the clause
    end: int
    score: float
    lex: float  # share of the question's (IDF-weighted) terms in the clause and its article's place
    coverage: float  # share of the question's terms in the whole article
    covered: frozenset[int]  # indices of the question's term groups the clause holds
    figure: float = 0.0  # relevance of the best figure the clause states (how-many questions)
    heading: bool = False


def covered(groups: tuple[tuple[frozenset[str], float], ...], tokens: set[str]) -> tuple[float, frozenset[int]]:
    total = sum(w for _, w in groups) or 1.0
    hit = frozenset(i for i, (g, _) in enumerate(groups) if g & tokens)
    return sum(groups[i][1] for i in hit) / total, hit


def topic_group(group: frozenset[str]) -> bool:
    """Whether a term group names what the question is about: none of its words is a frame word, counting only
    whole words, not the parts a long word also matches through (政协提案 with its part 政协 is a topic; 政协 alone,
    多少, and an English word one of whose translations is 提出 are not)."""
    whole = [t for t in group if not any(t != u and t in u for u in group)]
    return not any(t in FRAME or _ASKING.match(t) for t in whole)


def relevance(index: Index, query: Query, label: str, clause: str, place: str = "", rows: bool = False) -> float:
    """How much of the question's topic a figure holds: its counted phrase counts twice, the rest of its clause
    (and its article's place) once; both folded. A figure of another place than the one asked about scores 0, and
    so does one that shares nothing with the question but its place and year (昌乐县 2025年 … 67场 for "how many
    schools did Changle build in 2025"); with ``rows`` (a comparison, where the places are the table's rows) the
    places named do not count at all."""
    named = {fold(p) for p in query.places} | {fold(base_name(p)) for p in query.places}
    if place and query.places and not rows and fold(place) not in named:
        return 0.0
    years = {str(y) for y in query.years}
    groups = [(g, w) for g, w in query.groups if topic_group(g) and not (rows and g & named)]
    total = sum(w for _, w in groups) or 1.0
    label_tokens = set(index.tokenize(label))
    clause_tokens = set(index.tokenize(clause)) | ({fold(place), fold(base_name(place))} if place else set())
    score, topical = 0.0, rows
    for g, w in groups:
        if g & label_tokens:
            score += 2 * w
        elif g & clause_tokens:
            score += w
        else:
            continue
        topical = topical or not (g & named or g <= years)
    return score / (2 * total) if topical else 0.0


# Credit lines, folded: （记者陈雪）, 本报讯(记者张文敬通讯员李涛), 作者:马学友, 来源:南方+(记者余嘉敏),
# 全媒体记者曾庆芳 (a line of its own), 通讯员王鹏摄, (朱必平供稿), (张盛江) 近日… at the start of a line.
_NAME = r"[\u4e00-\u9fff]{2,4}"
_BY = r"(?:记者|通讯员|作者|撰稿|撰文)"
CREDITS = {
    "write": re.compile(rf"[（(][^（()）]{{0,12}}?{_BY}[^（()）]{{2,30}}[）)]|(?:{_BY}|来源|文)\s*[:：]\s*\S{{2}}|"
                        rf"{_BY}\s*{_NAME}\s*$|{_NAME}\s*(?:供稿|撰稿)|"
                        rf"^\s*[（(]\s*{_NAME}(?:\s+{_NAME})*\s*[）)]\s*\S"),  # (张盛江) 近日,… : a bare byline
    "photo": re.compile(rf"(?:摄影|摄|图)\s*[:：]\s*{_NAME}|{_NAME}\s*摄\s*(?:$|[）)\s])"),
    "edit": re.compile(rf"(?:编辑|责编)\s*[:：]\s*{_NAME}"),  # 责任编辑:…, 编辑:…, 责编:…
}


_BRACKETED = re.compile(r"[（(][^（()）]*[）)]")


def credit_only(folded: str) -> bool:
    """Whether a clause is nothing but a credit: (咸宁市政协朱必平供稿), 南阳报业传媒集团全媒体记者曾庆芳."""
    rest = folded
    for pattern in CREDITS.values():
        rest = pattern.sub("", rest)
    if rest != folded and len(CJK.findall(_BRACKETED.sub("", rest))) < 4:
        return True  # a credit, and little else: (咸宁市政协朱必平供稿); not a short date line
    return bool(re.search(rf"{_BY}\s*{_NAME}\s*$", folded)) and len(folded) < 30 \
        and not re.search(r"[，,。；;]", folded)


def credit_span(index: Index, article_id: str, kind: str) -> tuple[int, int] | None:
    """Where the article credits someone as ``kind`` asks ("write", "photo", "edit"): the clause of its first
    credit line (本报讯（通讯员王晓萌）…, 作者:马学友, 通讯员王鹏摄), read from every line of the article, also those
    kept out of passages (bylines, captions, 作者: and 来源: lines, the whole file for a single item); for "write",
    a report's speaker line when it has no credit."""
    article = index.articles[article_id]
    folded = index.folded(article.source)
    for start, line in _item_lines(index, article_id):
        m = CREDITS[kind].search(line)
        if m:
            s, e = next(((s, e) for s, e in clause_spans(folded, start, start + len(line))
                         if s <= start + m.start() < e), (start, start + len(line)))
            if _LABEL.match(m.group(0)):  # a field of a metadata line (来源:… 2025-12-19 责编:曹昱): that field on
                s = start + m.start()
            elif m.group(0)[:1] in "（(" and m.group(0)[-1:] in "）)":  # 本报讯（通讯员孙建树）昌邑市政协…: to the ）
                e = min(e, start + m.end())
            return s, e
    if kind == "write":  # …会员交流的平台”。(庄伊欣胡祖原): names in brackets closing the body
        for start, line in reversed(_item_lines(index, article_id)):
            m = _TRAILING_NAMES.search(line)
            if m and all(flag == "nr" for _, flag in tagged_words(m.group(1))):
                return start + m.start() + 1, start + m.end()
    speaker = next((p for p in article.paragraphs if p.role == "speaker"), None)
    return (speaker.start, speaker.end) if kind == "write" and speaker else None


def _item_lines(index: Index, article_id: str) -> list[tuple[int, str]]:
    """Every folded line of an article with its offset, also those kept out of passages (bylines, captions,
    来源 and 发布时间 lines); the whole file for a single item, whose 来源 line may follow the body."""
    article = index.articles[article_id]
    folded = index.folded(article.source)
    alone = len(index.articles_of(article.source)) == 1
    lo, hi = (0, len(folded)) if alone else (article.start, article.end)
    out, at = [], lo
    for line in folded[lo:hi].split("\n"):
        out.append((at, line))
        at += len(line) + 1
    return out


# 发布时间:2011-08-23 …; a short line that opens with a date: 四川政协报 2020-01-09 09:25
_DATELINE = (re.compile(r"(?:发布|更新|刊发|发表)?(?:时间|日期)\s*[:：]\s*\d{4}\s*[-/.年]"),
             re.compile(r"^\W{0,3}[^\d\n]{0,16}?\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"))
_NEXT_FIELD = re.compile(r"\s*(?:[\u4e00-\u9fff]{2,4}\s*[:：]|点击|浏览|阅读|字号|大字|中字|小字|打印|分享)")


def dateline_span(index: Index, article_id: str) -> tuple[int, int] | None:
    """Where the article says when it was published: a 发布时间:… field, or a short line that opens with a full
    date (2024-02-03 08:15, 四川政协报2020-01-09), from its label or date to the line's end."""
    for start, line in _item_lines(index, article_id):
        m = _DATELINE[0].search(line) or _DATELINE[1].search(line)
        if m and (m.start() > 0 or len(line.strip()) <= 40):
            first = m.start() if m.start() > 0 else len(line) - len(line.lstrip())
            nxt = _NEXT_FIELD.search(line, m.end())  # 发布时间:2011-08-23 09:48:05 点击率:22: up to the next field
            return start + first, start + (nxt.start() if nxt else len(line.rstrip()))
    return None


def speaker_span(index: Index, article_id: str) -> tuple[int, int] | None:
    """The line of a report that names who gave it (北京市市长殷勇), if its layout found one."""
    for para in index.articles[article_id].paragraphs:
        if para.role == "speaker":
            return para.start, para.end
    return None


def names_post(text: str, posts: tuple[str, ...]) -> bool:
    """Whether ``text`` (folded, squeezed) writes a person's name right after one of ``posts``: 县政协主席吴柏林,
    （记者陈雪）, 副主席金玲珊、王翌炜, 政协主席辛耀雄, 执行主席是:辛耀雄. A deputy (副主席) or another post named
    with it (执行主席) does not hold the post asked about (主席).

    A name is a common surname and one more character, or a word jieba tags as a name (rarer surnames)."""
    def deputy(at: int, post: str) -> bool:  # 副主席 or 执行主席 where 主席 is asked
        return any(text[:at].endswith(other[: -len(post)]) for other in POSTS if other != post and other.endswith(post))

    for post in posts:
        for m in re.finditer(re.escape(post), text):
            after = re.sub(r"^(?:是?[：:]|[（(])", "", text[m.end() : m.end() + 5])  # 执行主席是:辛耀雄
            if len(after) >= 2 and after[0] in SURNAMES and CJK.fullmatch(after[1]) and not deputy(m.start(), post):
                return True
    if not any(post in text for post in posts):
        return False
    at, words = 0, []
    for w, f in tagged_words(text):  # jieba's words cover the text in order: their offsets add up
        if w not in ("：", ":", "（", "(", "是", "为"):
            words.append((w, f, at))
        at += len(w)
    for (word, _, start), (name, flag, _) in itertools.pairwise(words):
        held = next((p for p in posts if word.endswith(p)), None)
        if held and flag.startswith("nr") and 2 <= len(name) <= 4 and not deputy(start + len(word) - len(held), held):
            return True
    return False


def citation_for(marker: int, index: Index, passage: Passage, start: int, end: int) -> Citation:
    article = index.articles[passage.article_id]
    where = article.where(start, index.locator(passage.source, start))
    return Citation(source=passage.source, start=start, end=end, marker=marker,
                    quote=repair(index.text(passage.source)[start:end]), where=where, passage=passage)


def _heading_spans(index: Index, article_id: str) -> list[tuple[int, int]]:
    """Section headings and title lines: they name a topic, they rarely answer a question about it."""
    a = index.articles[article_id]
    spans = [(s.start, s.heading_end) for s in a.sections if s.level < 4]
    return spans + [(p.start, p.end) for p in a.paragraphs if p.role in ("title", "headline", "salutation")]


def _run_in_heading(folded: str, start: int, end: int, para: Paragraph | None) -> bool:
    """A short first sentence that titles its paragraph ("丰富功能作用。“乐商量”活动室集…"): it names the topic,
    the sentences after it say what was done."""
    if para is None or start > para.start + 1 or para.end - end < 20:
        return False
    text = squeeze(folded[start:end])
    return len(text) <= 14 and text.endswith("。") and not re.search(r"\d", text)


def _role_at(index: Index, article_id: str, offset: int) -> str:
    p = index.articles[article_id].paragraph_at(offset)
    return p.role if p else "body"


_TRAILING_NAMES = re.compile(r"[。！？!?”」]\s*[（(]\s*([\u4e00-\u9fff]{2,12})\s*[）)]\s*$")
_LABEL = re.compile(r"(?:编辑|责编|作者|摄影|摄|图|撰稿|撰文)\s*[:：]")


def year_part(query: Query, article: Article, offset: int) -> bool | None:
    """Whether the section at ``offset`` is about the year a question names relative to its report's date
    ("去年" in a report given in 2026: the part headed 2025年工作回顾, not 2026年工作安排); None when the question
    names no such year or the section heading names none."""
    rel, date = query.intent.relative_year, article.meta.date
    if rel is None or not date or not date[:4].isdigit():
        return None
    heading, year = fold("".join(article.where(offset).section_path)), int(date[:4])
    named = {int(y) for y in YEAR_WRITTEN.findall(heading)} | ({year - 1} if _LAST_YEAR.search(heading) else set())
    return year + rel in named if named else None


YEAR_WRITTEN = re.compile(r"((?:19|20)\d\d)\s*年")  # a year named in a clause or heading (2025年, ２００８年 folded)
_LAST_YEAR = re.compile(r"过去一年|去年|上一年")  # 一、过去一年工作回顾


def _figures(index: Index, passages: list[Passage]) -> dict[tuple[str, int], list[Fact]]:
    """Facts of the passages' articles by (source, clause start)."""
    out: dict[tuple[str, int], list[Fact]] = {}
    for f in index.facts.in_articles(p.article_id for p in passages):
        out.setdefault((f.source, f.start), []).append(f)
    return out


def score_units(query: Query, passages: list[Passage], index: Index, tuning: Tuning = TUNING) -> list[Unit]:
    """Every clause of the passages, scored and sorted best first."""
    top = passages[0].score if passages else 1.0
    article_cover: dict[str, float] = {}
    figures = _figures(index, passages) if query.intent.how_many else {}
    units: list[Unit] = []
    seen: set[tuple[str, int]] = set()
    for rank, p in enumerate(passages):
        article = index.articles[p.article_id]
        folded = index.folded(p.source)
        extra = {fold(article.place), fold(base_name(article.place))}
        if p.article_id not in article_cover:
            art_tokens = set(index.tokenize(folded[article.start : article.end])) | extra
            art_tokens |= set(index.tokenize(fold(article.title)))
            article_cover[p.article_id] = covered(query.groups, art_tokens)[0]
        headings = _heading_spans(index, p.article_id)
        spans = [(*span, para) for para in article.paragraphs if para.end > p.start and para.start < p.end
                 for span in clause_spans(folded, max(para.start, p.start), min(para.end, p.end))]
        prev_tokens: set[str] = set()
        prev_text = ""
        context = f"{fold(article.title)} {fold(article.place)}"  # what is counted may be named there (政协)
        for s, e, para in spans:
            text = folded[s:e]
            tokens = set(index.tokenize(text))
            inherited, prev_tokens = (prev_tokens if _ANAPHOR.match(text) else set()), tokens
            inherited_text, prev_text = (prev_text if _ANAPHOR.match(text) else ""), text
            if (p.source, s) in seen or len(text.strip()) < 4:
                continue
            seen.add((p.source, s))
            # A clause that refers back ("该项工作…持续至12月") is about what the clause before it names.
            lex, hit = covered(query.groups, tokens | extra | inherited)
            score = tuning.clause_lex * lex + tuning.clause_passage * (p.score / top if top else 0.0)
            heading = any(hs <= s and e <= he + 1 for hs, he in headings) or _run_in_heading(folded, s, e, para)
            credit = not query.intent.credit and credit_only(text)
            if (heading and not query.intent.asks_section) or credit:
                score -= tuning.heading_penalty  # a heading, or a credit line ((朱必平供稿)) in a non-credit question
            figure = 0.0
            if query.intent.how_many and says_counted(query.counted, text, inherited_text, context):
                figure = _figure(query, index, figures.get((p.source, s), ()), folded, s, e, article.place)
                score += tuning.figure_bonus * figure
            if query.intent.ordinal and all(re.search(rf"[零一二三四五六七八九十百\d]\s*{re.escape(c)}", text)
                                            for c in query.intent.ordinal):
                score += tuning.type_bonus  # "第几届第几次": 十四届三次
            if year_part(query, article, s) is True:
                score += tuning.type_bonus / 2  # "去年新建了多少座公园": the part on the year before the report
            role = _role_at(index, p.article_id, s)
            if query.intent.when and (DATE.search(text) or role == "occasion"):
                score += tuning.type_bonus
            if query.intent.when and role == "occasion" and ABOUT_REPORT.search(query.text):
                score += tuning.type_bonus  # "when was the report given": its occasion line (——2012年2月20日在…上)
            if query.intent.who and not query.intent.how_many and not credit and (
                    role == "speaker" or has_type("person", squeeze(text), article.reporters, [article.place])):
                score += tuning.type_bonus
            if query.intent.who and query.posts and names_post(squeeze(text), query.posts):
                score += tuning.type_bonus  # the name of the very post asked about
            units.append(Unit(p, rank, s, e, score, lex, article_cover[p.article_id], hit, figure, heading))
    return _break_ties(query, sorted(units, key=lambda u: (-u.score, u.rank, u.start)), index)


def _figure(query: Query, index: Index, facts: Sequence[Fact], folded: str, s: int, e: int, place: str) -> float:
    """How well the best figure of the clause ``folded[s:e]`` answers a how-many question (``relevance``): one in
    the measure asked for that counts the head of what is asked; a number whose counted phrase was not found counts
    with its clause."""
    text = folded[s:e]
    stated = [f for f in facts if answers_measure(query.measure, f.unit)]
    fitting = [f for f in stated if counts_head(query.counted, f, folded)]
    if fitting:
        return max(relevance(index, query, fold(f.label), text, place) for f in fitting)
    known = frozenset(f.value_start - s for f in stated)  # numbers whose counted phrase is known
    if query.measure and states_measure(text, query.measure, known):
        return relevance(index, query, "", text, place)
    return 0.0


def says_counted(counted: tuple[frozenset[str], ...], clause: str, *context: str) -> bool:
    """Whether a clause (or the clause it refers back to, or its article's title and place) says every word of
    what a how-many question counts, each in one of its forms; a word may be split by a few characters
    (评议组 in 评议工作组)."""
    if not counted:
        return True
    texts = [squeeze(t) for t in (clause, *context)]  # a line may break inside a word (读书交流活\n\n动)
    return all(any(_says(form, t) for form in group for t in texts) for group in counted)


def counts_head(counted: tuple[frozenset[str], ...], fact: Fact, folded: str) -> bool:
    """Whether a figure counts the head of what is asked (活动室 of “乐商量”活动室): the head is in the phrase it
    counts, just before or after the number (12名区政协委员), or among the examples before 等 (读书会等活动15期);
    确保活动室… 6项核心制度 counts 制度, not 活动室."""
    if not counted:
        return True
    before = folded[fact.start : fact.value_start]
    near = f"{fold(fact.label)} {before[-10:]} {folded[fact.value_end : min(fact.value_end + 8, fact.end)]}"
    if _EXAMPLES.search(before):  # 举办委员大讲堂、读书会等学习培训活动15期: the examples before 等 are counted too
        near += before
    return any(_says(form, squeeze(near)) for form in counted[-1])


# Examples, 等, then the phrase counted (大讲堂、读书会等学习培训活动; “委员大讲堂”“读书会”等…); not 平等, 等级.
_EXAMPLES = re.compile(r"(?<![平同对相均])等(?![级等待候同于])[^，。；;、等]{0,12}$")


def _says(form: str, text: str) -> bool:
    return form in text or (len(form) >= 2 and re.search(".{0,2}".join(map(re.escape, form)), text) is not None)


TIE = 0.005  # clauses this close to the best score are told apart by meaning


def _break_ties(query: Query, units: list[Unit], index: Index) -> list[Unit]:
    """When the best clauses score alike, order them by the longest run of a Chinese question's words they repeat
    as written (代表常委会作工作报告, not 代表常委会作提案工作报告), then by the similarity of their embedding to the
    question's (a question word the dictionary cannot translate: "survey"); only those few clauses are embedded."""
    tied = [u for u in units[:4] if u.score >= units[0].score - TIE] if units else []
    if len(tied) < 2:
        return units
    asked = _PARTICLES.sub("", squeeze(query.folded)) if query.lang == "zh" else ""  # 作的工作报告: 作工作报告
    for name in sorted({f for p in query.places for f in (fold(p), fold(base_name(p)))}, key=len, reverse=True):
        asked = asked.replace(name, "|")  # the place asked about is in every clause of its report
    runs = [_longest_run(asked, _PARTICLES.sub("", squeeze(index.folded(u.passage.source)[u.start : u.end])))
            for u in tied]
    runs = [r if r >= _PHRASE else 0 for r in runs]  # a word or two in common (座公园) says little
    sims = [0.0] * len(tied)
    if index.embedder is not None:
        from .search import query_vector

        texts = [squeeze(index.text(u.passage.source)[u.start : u.end])[:160] for u in tied]
        sims = [float(s) for s in index.embedder.embed_passages(texts) @ query_vector(index, query.text)[0]]
    order = sorted(range(len(tied)), key=lambda i: (-runs[i], -sims[i]))
    return [tied[i] for i in order] + units[len(tied) :]


_PARTICLES = re.compile("[的了]")
_PHRASE = 5  # characters: a run this long repeats a phrase of the question, not a word


def _longest_run(a: str, b: str) -> int:
    """The length of the longest text ``a`` and ``b`` share (0 when ``a`` is empty)."""
    if not a or not b:
        return 0
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size
