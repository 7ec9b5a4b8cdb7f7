"""Quantities stated in the reports, extracted at index time and kept in SQLite (``index/facts.sqlite``).

A fact is a number with its measure word or unit (件 条 场 次 个 家 名 人 人次 篇 项 期 处 亿元 万元 % …),
its approximation (余 多 近 约 以上 左右), what it counts as written (``审查立案提案``, ``社情民意信息``), the
place and year of its article, and the raw offsets of its clause. Chinese numerals are read with ``cn2an``.

The database is a plain SQLite file a user can open (``sqlite3 index/facts.sqlite 'select * from facts'``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .places import find_places
from .records import SECTION_SEP, Article, Fact
from .textnorm import clause_spans

UNITS = ("个百分点", "百分点", "人次", "万人次", "批次", "场次", "家次", "万亿元", "亿元", "万元", "元", "亿美元",
         "万美元", "美元", "万人", "万吨", "亿吨", "吨", "公里", "千米", "平方公里", "平方米", "万亩", "亩", "公顷",
         "万千瓦", "千瓦", "万标准箱", "标准箱", "辆", "台", "套", "张", "床", "件", "条", "场", "次", "个", "家", "名",
         "人", "篇", "项", "期", "周年", "岁",
         "处", "所", "座", "户", "笔", "份", "部", "支", "批", "组", "倍", "%")
_ZH_NUM = "零一二三四五六七八九十百千万两〇"
_AGES = ("周年", "岁")

# Which units can answer a question that counts with a given measure word (多少个 / 几名 / 多少件 …); a measure word
# not listed here accepts any unit. Hand-written from Chinese usage: no package maps classifiers to each other.
_PEOPLE = frozenset("人名位") | {"人次"}
_THINGS = frozenset("个处家座所项支部台套张种批组户")
_WRITINGS = frozenset("件条篇份期项")
_EVENTS = frozenset("场次期") | {"场次", "批次", "家次"}
_MONEY = frozenset({"元", "美元"})
MEASURES: dict[str, frozenset[str]] = {
    **dict.fromkeys(_PEOPLE, _PEOPLE),
    "个": _THINGS | frozenset("件条场次"),
    **dict.fromkeys("家处所座户", _THINGS),
    **dict.fromkeys("件条项", _WRITINGS | {"个"}),
    **dict.fromkeys("篇份期", _WRITINGS),
    **dict.fromkeys(("场", "次", "场次"), _EVENTS | {"个"}),
    **dict.fromkeys(_MONEY | {"万元", "亿元"}, _MONEY),
    "美元": frozenset({"美元"}),  # 多少美元: a sum in dollars, not one in yuan
    # Units of length, area, weight and vehicles answer only in themselves: 多少公里 is not answered by 6项.
    **dict.fromkeys(("公里", "千米"), frozenset({"公里", "千米"})),
    **{unit: frozenset({unit}) for unit in ("平方公里", "平方米", "吨", "亩", "公顷", "辆")},
    "%": frozenset({"%", "个百分点", "百分点"}),
}


def answers_measure(asked: str, unit: str) -> bool:
    """Whether a figure in ``unit`` can answer a question counting with the measure word ``asked``: 多少个工作室 is
    not answered by 200份, 多少名委员 not by 60件. Magnitudes are ignored (万人 counts people, 亿元 money)."""
    if unit in _AGES or asked in _AGES:
        return unit == asked  # 950周年, 83.9岁 answer "多少周年", "how old", nothing else
    allowed = MEASURES.get(asked)
    if allowed is None or not unit:
        return True
    base = unit[1:] if len(unit) > 1 and unit[0] in "万亿千百" else unit
    return base in allowed or unit in allowed or unit.startswith(asked)  # 多少个百分点: 个百分点


_QUANTITY = re.compile(
    rf"(?P<pre>近|约|超过|逾|达|达到|不少于|不低于|不超过|低于|高于)?"
    rf"(?P<num>\d+(?:\.\d+)?(?:万(?=亿)|亿(?!元))?|[{_ZH_NUM}]{{1,8}})"
    rf"\s?(?P<approx>余|多)?\s?(?P<unit>{'|'.join(sorted(UNITS, key=len, reverse=True))})(?P<post>以上|左右|多)?"
)
_SUBJECT = re.compile(r"^(?:政协|委员会|常委会)")
_TIME = re.compile(r"^(?:(?:19|20)\d\d年(?:度)?|今年|去年|全年|年内|一年来|近年来|[一二三四五]年来|当年|此外|"
                   r"同时|其中)")
_ADVERB = re.compile(r"^(?:共计|共|累计|先后|合计|总计|已经|已|还|又|再|均|分别|全市|全县|全区|我们|我市|我县|我区)")
_ACTION = re.compile(r"(?:开展|组织|举办|召开|提出|收集|形成|撰写|报送|编发|走访|接待|征集|立案|审查|办理|解决|"
                     r"推动|帮助|服务|"
                     r"建立|设立|建成|成立|发表|采用)(?!.*(?:开展|组织|举办|召开|提出|收集|形成|撰写|报送|编发|立案))")
_MODIFIER = re.compile(r"(?:不予|不|未|合并|联名|重点)$")
_DELIM = re.compile(r"[，；：,;:《》“”\"]")
_NOUN_FLAGS = ("n", "vn", "nz", "j", "l", "ng", "an", "nt", "ns")


def parse_number(text: str) -> float | None:
    """``265`` -> 265; ``1.1万`` -> 11000; ``一百余`` -> 100; ``十二`` -> 12 (cn2an for Chinese numerals)."""
    mult = 1.0
    if text.endswith("亿"):
        text, mult = text[:-1], 1e8
    elif text.endswith("万") and re.match(r"^\d", text):
        text, mult = text[:-1], 1e4
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            return float(text) * mult
        import cn2an

        return float(cn2an.cn2an(text, "smart")) * mult
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _label_before(folded: str, start: int, clause_start: int) -> tuple[int, int] | None:
    """The phrase right before a number (``收集意见建议``96条): from the last delimiter, subject, time and
    adverbs taken off; a book title right before the number is the label (《政协信息》24期)."""
    s = clause_start
    for m in _DELIM.finditer(folded, clause_start, start):
        s = m.end()
    closing = folded[max(clause_start, start - 1) : start]
    if s == start and closing in ("”", '"') and (closing == "”" or folded.count('"', clause_start, start) % 2 == 0):
        # 组建“共富工坊”18个: the quoted term is what is counted (a straight quote must close a pair)
        opening = folded.rfind("“" if closing == "”" else '"', clause_start, start - 1)
        return (opening + 1, start - 1) if opening >= 0 and 3 < start - opening <= 20 else None
    phrase = folded[s:start]
    if folded[max(clause_start, s - 1) : s] == "”" and 2 <= len(phrase) <= 3 and _CJK_ONLY.fullmatch(phrase):
        # 开展“委员履职进社区”活动6次: a short head after a quoted term counts with it (“委员履职进社区”活动)
        opening = folded.rfind("“", clause_start, s - 1)
        if opening >= 0 and s - opening <= 20:
            return opening, start  # the quoted term whole: no subject, action or length cut inside it
    segment = s  # where the phrase's segment of the clause begins
    if not phrase.strip() and closing == "》":
        opening = folded.rfind("《", clause_start, start)
        return (opening + 1, start - 1) if opening >= 0 and 2 < start - opening <= 20 else None
    lead = len(phrase) - len(phrase.lstrip("、，, "))
    if folded[max(clause_start, s - 1) : s] in ("》", "”", '"') and phrase[lead:].startswith("等"):
        lead += 1  # 形成《关于…的建议》等提案27件: the list's 等 is not part of what is counted
    s, phrase = s + lead, phrase[lead:]
    mentions = find_places(phrase)
    if mentions and mentions[0].start == 0 and mentions[0].end < len(phrase):  # the subject: 诸城市政协…
        s += mentions[0].end
        phrase = phrase[mentions[0].end :]
    for pattern in (_SUBJECT, _TIME, _ADVERB, _TIME, _ADVERB):
        lead_in = pattern.match(phrase)
        if lead_in and lead_in.end() < len(phrase):
            s += lead_in.end()
            phrase = phrase[lead_in.end() :]
    verb = _ACTION.search(phrase)
    if verb and verb.start() > 0:  # 围绕生物医药、文旅融合等开展各类协商: what is counted starts at the action
        cut = verb.start()
        modifier = _MODIFIER.search(phrase, 0, cut)  # 合并立案, 不予立案: the modifier changes what is counted
        cut = modifier.start() if modifier else cut
        s += cut
        phrase = phrase[cut:]
    phrase = phrase.rstrip("共计达约近")
    link = _LINK.search(phrase)  # 粮食总产量达到46947万吨: what is counted is 粮食总产量
    if link and link.start() >= 2:
        phrase = phrase[: link.start()]
    elif ((link and link.start() == 0) or _TIME.fullmatch(phrase)) and segment > clause_start:
        return _leading_noun(folded, clause_start, segment - 1)  # 粮食产量屡创新高，去年达到54641万吨: the subject
    if len(phrase) < 2 or not re.search(r"[\u4e00-\u9fff]", phrase):
        return None
    end = s + len(phrase)
    if len(phrase) > 16:  # a long run: its last 16 characters, from a boundary (读书学习、视察调研 -> 视察调研)
        whole = s
        s = end - 16
        boundary = re.search(r"[、，]", folded[s : s + 6])
        s += boundary.end() if boundary else _word_start(phrase, len(phrase) - 16)
        unopened = _UNOPENED.search(folded[s:end])
        if unopened:  # 属经济科技发展方面(含工业、农业、三产、财贸)提案: the whole phrase, not half a bracket
            s = whole if end - whole <= 30 else s + unopened.end()
    return s, end


_UNOPENED = re.compile(r"^[^(（]*[)）]")  # a closing bracket before any opening one
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")


def _word_start(phrase: str, cut: int) -> int:
    """How far past ``cut`` the next word of ``phrase`` begins (jieba), so a label does not open mid-word."""
    from .lexical import jieba_module

    at = 0
    for word in jieba_module().cut(phrase, HMM=False):
        if at >= cut:
            return at - cut
        at += len(word)
    return 0


_LINK = re.compile(r"(?:达到|增至|增加到|提高到|超过|突破)$")  # a verb between what is counted and the figure


def _leading_noun(folded: str, clause_start: int, end: int) -> tuple[int, int] | None:
    """The noun phrase opening the segment of the clause that ends at ``end`` (a delimiter): its subject, 粮食产量
    of 粮食产量屡创历史新高，."""
    s = clause_start
    for m in _DELIM.finditer(folded, clause_start, end):
        s = m.end()
    import jieba.posseg as pseg

    from .lexical import jieba_module

    jieba_module()
    length = 0
    for t in pseg.cut(folded[s:end], HMM=False):
        if not t.flag.startswith(_NOUN_FLAGS):
            break
        length += len(t.word)
    return (s, s + length) if length >= 2 else None


def _label_after(folded: str, end: int, clause_end: int) -> tuple[int, int] | None:
    """The noun phrase right after a measure word (8处``知情明政工作站``), up to a verb or punctuation; spaces a
    pinyin gloss leaves (個(gè)街道) are skipped."""
    positions = [i for i in range(end, min(clause_end, end + 24)) if not folded[i].isspace()][:16]
    window = "".join(folded[i] for i in positions)
    if not window or not re.match(r"[\u4e00-\u9fff“]", window):
        return None
    import jieba.posseg as pseg

    from .lexical import jieba_module

    jieba_module()
    tokens = [(t.word, t.flag) for t in pseg.cut(window, HMM=False)]
    length = 0
    for i, (word, flag) in enumerate(tokens):
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else "x"
        if word in "“”\"":
            length += len(word)
            continue
        # a modifier (省级, 重点) or a name counts only inside the phrase, before a noun: 省级媒体, not 委员定期坐班
        inner = flag in ("b", "a", "nr", "vn") and nxt.startswith(_NOUN_FLAGS)
        noun = (flag.startswith(_NOUN_FLAGS) and (flag != "vn" or not length)) or (length and inner)
        # a word tagged as a verb that ends the phrase is its head noun: 委员提案被…, 重点提案由…
        if not noun and not (length and flag.startswith("v") and nxt[:1] in ("p", "u", "c", "x", "d", "r")):
            break
        length += len(word)
    while length and window[length - 1] in "“":
        length -= 1
    return (positions[0], positions[length - 1] + 1) if length >= 2 else None


def _not_a_count(folded: str, m: re.Match[str]) -> bool:
    """An ordinal (第3次), the low end of a range (3个至5个), a session (九届二次会议), or an idiom (一批)."""
    before = folded[m.start() - 1 : m.start()]
    after = folded[m.end() : m.end() + 4]
    if before == "第" or after[:1] in ("至", "到", "~", "-"):
        return True
    if m.group("unit") == "次" and (before == "届" or re.match(r"(?:全体)?(?:会议|全会|常委会|主席会)", after)):
        return True
    return m.group("num") in ("一", "两", "半")


def states_measure(folded: str, asked: str, skip: frozenset[int] = frozenset()) -> bool:
    """Whether a clause states a count in a unit that answers the measure word ``asked`` (labelled or not), other
    than the numbers starting at the offsets ``skip``."""
    return any(answers_measure(asked, m.group("unit")) and not _not_a_count(folded, m) and m.start("num") not in skip
               for m in _QUANTITY.finditer(folded))


def extract_facts(article: Article, raw: str, folded: str, start_id: int = 1) -> list[Fact]:
    """Every quantity in ``article``; ``raw`` and ``folded``: the document's text and its folded form."""
    facts: list[Fact] = []
    for para in article.paragraphs:
        for cs, ce in clause_spans(folded, para.start, para.end):
            last_end = cs
            for m in _QUANTITY.finditer(folded, cs, ce):
                prev_end, last_end = last_end, m.end()
                value = None if _not_a_count(folded, m) else parse_number(m.group("num"))
                if value is None:
                    continue
                label = _label_after(folded, m.end(), ce) or _label_before(folded, m.start(), prev_end)
                if label is None:
                    continue
                qualifier = "".join(q for q in (m.group("pre"), m.group("approx"), m.group("post")) if q)
                written_end = m.end("approx") if m.group("approx") else m.end("num")
                facts.append(Fact(
                    source=article.source, start=cs, end=ce, id=start_id + len(facts), article_id=article.id,
                    place=article.place, year=article.year, value=value, unit=m.group("unit"), qualifier=qualifier,
                    label=re.sub(r"\s+", "", raw[label[0] : label[1]]),
                    value_text=re.sub(r"\s+", "", raw[m.start("num") : written_end]),
                    value_start=m.start("num"), value_end=written_end,
                    section_path=article.section_path(article.section_at(m.start()))))
    return facts


SCHEMA = """
CREATE TABLE facts (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    source TEXT NOT NULL,
    place TEXT NOT NULL,
    year INTEGER,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    label TEXT NOT NULL,        -- the phrase counted, as written
    value_text TEXT NOT NULL,   -- the number as written
    clause_start INTEGER NOT NULL,
    clause_end INTEGER NOT NULL,
    value_start INTEGER NOT NULL,
    value_end INTEGER NOT NULL,
    section TEXT NOT NULL,
    quote TEXT NOT NULL         -- the clause as written
);
CREATE INDEX facts_place ON facts(place);
CREATE INDEX facts_year ON facts(year);
CREATE INDEX facts_unit ON facts(unit);
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT);
"""


def write_facts(path: Path, facts: Iterable[Fact], quotes: dict[int, str], version: int) -> int:
    """Write ``facts`` (with each clause ``quotes[id]`` as written) to a new SQLite file; returns the count."""
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        rows = [(f.id, f.article_id, f.source, f.place, f.year, f.value, f.unit, f.qualifier, f.label, f.value_text,
                 f.start, f.end, f.value_start, f.value_end, SECTION_SEP.join(f.section_path), quotes[f.id])
                for f in facts]
        con.executemany("INSERT INTO facts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.execute("INSERT INTO info VALUES ('version', ?)", (str(version),))
        con.commit()
        return len(rows)
    finally:
        con.close()


def _row_fact(row: sqlite3.Row) -> Fact:
    section = tuple(row["section"].split(SECTION_SEP)) if row["section"] else ()
    return Fact(source=row["source"], start=row["clause_start"], end=row["clause_end"], id=row["id"],
                article_id=row["article_id"], place=row["place"], year=row["year"], value=row["value"],
                unit=row["unit"], qualifier=row["qualifier"], label=row["label"], value_text=row["value_text"],
                value_start=row["value_start"], value_end=row["value_end"], section_path=section)


class FactStore:
    """Read access to ``facts.sqlite``: a fresh read-only connection per call, so any thread may use it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        con.row_factory = sqlite3.Row
        return con

    def all(self, places: Iterable[str] = (), years: Iterable[int] = ()) -> list[Fact]:
        places, years = list(places), list(years)
        where: list[str] = []
        args: list[str | int] = []
        if places:
            where.append(f"place IN ({','.join('?' * len(places))})")
            args += places
        if years:
            where.append(f"year IN ({','.join('?' * len(years))})")
            args += years
        sql = "SELECT * FROM facts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        con = self._connect()
        try:
            return [_row_fact(r) for r in con.execute(sql, args)]
        finally:
            con.close()

    def in_articles(self, article_ids: Iterable[str]) -> list[Fact]:
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return []
        con = self._connect()
        try:
            sql = f"SELECT * FROM facts WHERE article_id IN ({','.join('?' * len(ids))}) ORDER BY id"
            return [_row_fact(r) for r in con.execute(sql, ids)]
        finally:
            con.close()

    def count(self) -> int:
        con = self._connect()
        try:
            return int(con.execute("SELECT count(*) FROM facts").fetchone()[0])
        finally:
            con.close()
