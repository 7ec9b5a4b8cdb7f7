"""Answerability: do the reports mention what the question is about, and hold the kind of answer asked for?

Two checks, made before an answer is given (``compose.py`` calls ``check_terms``, ``expected_type`` and
``has_type``):

- **Missing terms.** The question's topic words that the reports never mention. Chinese nouns are looked up
  in the corpus itself. English words go through CC-CEDICT (``Lexicon.present`` / ``Lexicon.absent``, built
  with the index), their lemmas (lemminflect) and, for names, the pinyin of the corpus. A missing name
  (寿光市, GDP, Qingdao) is enough to abstain; otherwise at least half of the topic words must be missing,
  because a paraphrase can miss the dictionary now and then.
- **Answer type.** A question asking who holds a post ("Who is the chairman …?", "政协主席是谁？") needs a
  person's name in the evidence, "when" a date, "which year / 几月份 / 哪一天" the year, month or day.
- **Scope.** A year or a committee session the question names must be one the evidence's articles are of or
  mention (``missing_year``, ``missing_session``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .lexical import EN_STOPWORDS, ORDINALS, american, english_words, jieba_module, stem
from .places import is_pinyin_name, pinyin_syllables
from .query import REPORT_YEAR, post_for_verb
from .settings import TUNING
from .textnorm import CJK, fold

if TYPE_CHECKING:
    from .crosslingual import Lexicon
    from .query import Query
    from .records import Article, Passage
    from .store import Index

_CJK = CJK
_jieba = jieba_module

# Words that name the kind of answer, not the topic ("what is the *name* of …", "多大*比例*").
FRAME_ZH = frozenset([
    "名字", "名称", "比例", "地方", "金额", "数量", "数目", "人数", "次数", "时间", "情况", "内容", "方面", "东西",
    "事情", "原因", "办法",
    "方式", "职务", "职位", "身份",
])
FRAME_EN = frozenset([
    "name", "names", "number", "amount", "total", "share", "percentage", "proportion", "kind", "type",
    "way", "thing", "things",
])
# Closed-class words lemminflect does not cover; they name no topic.
_FUNCTION_WORDS = frozenset([
    "during", "under", "above", "below", "after", "before", "such", "like", "over", "between", "among",
    "within", "without", "through", "across", "against", "along", "around", "behind", "beyond", "near",
    "since", "until", "upon", "toward", "towards", "also", "only", "just", "very", "more", "most", "less",
    "least", "other", "another", "same", "own", "yet", "still", "even", "ever", "never", "please",
])
_NUMBER_WORDS = frozenset([
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "billion", "first", "second",
    "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "dozen", "half",
])

_PLACE_SUFFIX = ("市", "区", "县", "省", "旗")
_LATIN_TERM = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]+s?")
# A when-question that asks for no one part of a date (those are _DATE_PART_ASKED): any date or time answers it.
_WHEN = re.compile(r"^\W*when\b|什么时候|何时|几点", re.I)
# "Who is the chairman …?", "高密市政协主席是谁？": the question names a post and asks who holds it, so the
# answer is a person's name. Other who-questions ("副店长由谁担任？") may be answered by a role or a group.
_ROLE_EN = r"(?:chair(?:man|woman|person)?|secretary|mayor|director|head|leader|president|governor|chief|minister)"
_ROLE_ZH = r"(?:主席|书记|市长|县长|区长|镇长|主任|会长|局长|部长|负责人|院长|校长|省长)"
_WHO_HOLDS = re.compile(
    rf"^\W*who (?:is|was|are|were) (?:the |its |their )?(?:[\w'-]+ ){{0,3}}?{_ROLE_EN}s?\b"
    r"|^\W*who (?:chair|head|lead)(?:s|ed)?\b|^\W*who led\b"  # "who chairs …": the verb names the post
    rf"|\bname of (?:the |its |their )?(?:[\w'-]+ ){{0,3}}?{_ROLE_EN}s?\b|\b{_ROLE_EN}'s name\b"
    rf"|{_ROLE_ZH}\w{{0,2}}是谁|谁是\w{{0,8}}{_ROLE_ZH}|{_ROLE_ZH}(?:的)?(?:名字|姓名)|{_ROLE_ZH}叫什么", re.I)
# The hundred most common Chinese surnames (hand-written: no package here ships a surname list).
SURNAMES = frozenset("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
                      "蔡余杜叶程苏魏吕丁任沈"
                      "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤习")
DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|年初|年底|年末|上半年|"
                   r"下半年"
                   r"|(?:上午|下午|晚上|凌晨|中午)\s*\d{1,2}\s*[时点]|\d{1,2}\s*[时点]\s*\d{1,2}\s*分")


@dataclass(frozen=True)
class TermCheck:
    """The question's topic terms, those the reports never mention, and a missing name if any."""

    terms: tuple[str, ...]
    missing: tuple[str, ...]
    entity: str | None = None

    @property
    def share(self) -> float:
        return len(self.missing) / len(self.terms) if self.terms else 0.0

    @property
    def reason(self) -> tuple[str, ...]:
        """The terms to name when abstaining (the missing name first), or () when they do not justify it."""
        if self.entity:
            return (self.entity,)
        if self.missing and self.share >= TUNING.max_missing_share:
            return self.missing[:3]
        return ()


def check_terms(query: Query, index: Index, passages: Sequence[Passage] = ()) -> TermCheck:
    """Which of the question's topic words the indexed reports mention (``passages``: the retrieved ones)."""
    found = _chinese_terms(query.folded, index) if query.lang == "zh" \
        else _english_terms(post_for_verb(query.text), index, passages)  # "who chairs": the post, a known word
    if query.intent.credit or query.intent.published:  # "那篇稿子的责编是谁": the piece and its credits name no topic
        found = TermCheck(found.terms, tuple(w for w in found.missing if not PIECE.search(w)), found.entity)
    scope = absent_report_year(query, index) or missing_year(query, index, passages) \
        or missing_session(query, index, passages)
    if scope and not found.entity:
        return TermCheck(found.terms, found.missing, scope)
    return found


PIECE = re.compile(r"^[那这该此本][条篇则份]|稿|报道|文章|新闻|消息|编辑|责编|记者|通讯员|作者|摄影|图片|照片|"
                   r"\b(?:article|story|piece|item|report|news|editor|reporter|byline|photo\w*)s?\b", re.I)


def absent_report_year(query: Query, index: Index) -> str | None:
    """A report of a year the index holds none of ("2007年政府工作报告": no 政府工作报告 of 2007; "the 2007 report";
    "Beijing's 2025 report": none of Beijing's of 2025)."""
    for m in REPORT_YEAR.finditer(query.folded):
        year = int(next(g for g in m.groups() if g))
        kind = re.sub(r"^\d{4}\s*年(?:的|度)?", "", m.group(0)) if m.group(1) else ""
        kind = re.sub(r"^[\u4e00-\u9fff]{2,4}?(?:市|省|区|县)", "", kind)  # 北京市政府工作报告 -> 政府工作报告
        # "Beijing's 2025 government work report": a report of that year from the place named, if any is named.
        places = {fold(p) for p in query.places}
        if not any(a.year == year and (not kind or kind == "报告" or _names_kind(kind, fold(a.title)))
                   and (not places or fold(a.place) in places) for a in index.articles.values()):
            return f"{year}年的{kind or '报告'}" if query.lang == "zh" else f"a {year} report"
    return None


def _names_kind(kind: str, title: str) -> bool:
    """Whether a report title is of the kind asked ("那份国务院政府工作报告" names a 政府工作报告): the kind, or a
    tail of it of six characters or more, is in the title."""
    return kind in title or any(kind[i:] in title for i in range(len(kind) - 5))


def _evidence_articles(query: Query, passages: Sequence[Passage]) -> set[str]:
    """The articles of the first three passages; when the question names places, of those places' passages."""
    asked = {fold(p) for p in query.places}
    own = [p for p in passages if fold(p.place) in asked]  # "Wuhan's 2023 session": Wuhan's reports, not others'
    return {p.article_id for p in (own or passages)[:3]}


# A session of a committee: 六届四次会议, 第十四届委员会第三次会议, 五次会以来, "the third session of Wuhan's 14th
# CPPCC" (a meeting must follow: 第五届读书节三次走进社区 is none).
_ZH_ORD = r"[一二三四五六七八九十零〇\d]{1,3}"
_SESSION_ZH = re.compile(rf"第?({_ZH_ORD})届[^，。；：:,;\d]{{0,8}}?第?({_ZH_ORD})次"
                         r"(?:全体|全委|常委)?(?:会议|全会|会)")
_EN_ORD = rf"(\d{{1,2}}(?:st|nd|rd|th)|{'|'.join(sorted(ORDINALS, key=len, reverse=True))})"
_SESSION_EN = re.compile(rf"\b{_EN_ORD} (?:plenary |annual |full )?session of (?:the )?(?:[\w'.-]+ ){{0,4}}?"
                         rf"{_EN_ORD}\b", re.I)


def sessions_named(text: str, zh: bool) -> list[tuple[int, int]]:
    """The committee sessions a text names, as (term, session) numbers: 十四届三次 -> (14, 3)."""
    from .facts import parse_number
    from .lexical import ordinal_value

    out = []
    for m in (_SESSION_ZH if zh else _SESSION_EN).finditer(text):
        term, session = (parse_number(m.group(1)), parse_number(m.group(2))) if zh \
            else (ordinal_value(m.group(2)), ordinal_value(m.group(1)))
        if term and session:
            out.append((int(term), int(session)))
    return out


def missing_session(query: Query, index: Index, passages: Sequence[Passage]) -> str | None:
    """A committee session the question names that the evidence's articles never mention, in their text, title or
    metadata ("六届四次会议" when the report is of the 六届三次)."""
    named = sessions_named(query.folded if query.lang == "zh" else query.text, query.lang == "zh")
    if not named or not passages:
        return None
    articles = [index.articles[a] for a in _evidence_articles(query, passages)]
    held = {pair for a in articles
            for text in (_article_text(index, a), fold(a.title), fold(a.meta.session or ""))
            for pair in sessions_named(text, True)}
    missing = next((pair for pair in named if pair not in held), None)
    if missing is None:
        return None
    term, session = missing
    if query.lang == "zh":
        from .lexical import zh_numeral

        return f"{zh_numeral(term)}届{zh_numeral(session)}次会议"
    return f"the {_en_ordinal(session)} session of the {_en_ordinal(term)} committee"


def _article_text(index: Index, article: Article) -> str:
    """The folded text of an article."""
    return index.folded(article.source)[article.start : article.end]


def _en_ordinal(n: int) -> str:
    """14 -> "14th", 3 -> "3rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def missing_year(query: Query, index: Index, passages: Sequence[Passage]) -> str | None:
    """A year the question asks about that the evidence's articles neither are of nor mention (2012 when the
    report says 2011); when the question names places, the articles of those places."""
    if not query.years or not passages:
        return None
    articles = [index.articles[a] for a in _evidence_articles(query, passages)]
    for year in query.years:
        if any(a.year == year or str(year) in _article_text(index, a) for a in articles):
            continue
        return f"{year}年" if query.lang == "zh" else str(year)
    return None


def division_named(word: str, index: Index) -> bool | None:
    """For an English word that spells a division's name (Chongqing -> 重庆市, Xinle -> 新乐市): whether the
    reports come from it, from a place inside it, or name it: in full, or without its suffix more than once
    (汶川特大地震 … 汶川灾后重建; one 重庆 may be part of a person's name). None when the word names no division."""
    from .places import Gazetteer, base_name, pinyin_names
    from .textnorm import fold

    names = pinyin_names().get(word.lower().replace("'", ""))
    if not names:
        return None
    gaz = Gazetteer.load()
    ours = [fold(p) for p in index.place_names]
    return any(name in ours or any(gaz.contains(name, p) for p in ours) or _in_sources(name, index)
               or (base_name(name) != name and _in_sources(base_name(name), index, times=2)) for name in names)


def expected_type(question: str) -> str | None:
    """"person" when the question asks who holds a post; "year", "month" or "day" for a question asking that
    part of a date ("是哪一年的事", "几月份", "哪一天"), "date" for other when-questions; "locality" for "设在哪个街道";
    else None."""
    if _WHO_HOLDS.search(question):
        return "person"
    for kind, asked in _DATE_PART_ASKED:
        if asked.search(question):
            return kind
    if _WHEN.search(question):
        return "date"
    if _LOCALITY_ASKED.search(question):
        return "locality"
    return None


# "是哪一年的事" asks for a year (2019年, 去年, 二〇一九年), "几月份" for a month, "哪一天" for a day: a date that
# leaves out the part asked for (4月19日; 2025年) does not answer.
_DATE_PART_ASKED = (  # the finest part first: 几月几日 asks for a day, 哪年哪月 for a month
    ("day", re.compile(r"哪一?天|哪一?日|(?<!第)几号|几月几[日号]|\b(?:which|what) (?:day|date)\b|\bon what day\b",
                       re.I)),
    ("month", re.compile(r"几月|哪个月|哪一?月|\b(?:which|what) month\b", re.I)),
    ("year", re.compile(r"哪一?年|\b(?:which|what) year\b", re.I)),
)
_DATE_PART_SAID = {
    # a year written as one (2019年, 2019-04-19), not a count (2036件) or a sum (2023.5亿元)
    "year": re.compile(r"(?<!\d)(?:19|20)\d\d(?:\s*年|[-/.]\d{1,2}[-/.]\d{1,2})|[今去前当]年|"
                       r"[〇零一二三四五六七八九]{4}\s*年"),
    "month": re.compile(r"(?<![\d.])\d{1,2}\s*月|[一二三四五六七八九十]{1,2}月|"
                        r"(?<!\d)(?:19|20)\d\d[-/.]\d{1,2}(?!\d*\s*[亿万元%])"),
    # 号 only after a month: 朱雀三号 is a rocket, 1号文件 a document
    "day": re.compile(r"\d{1,2}\s*日|\d{1,2}\s*月\s*\d{1,2}\s*号|"
                      r"[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}[日号]|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|今天|昨天|当天|当日"),
}
# "设在哪个街道", "which village": the answer names one place below the county, with its suffix (a list of them,
# 哪些乡镇, often drops the suffixes: 瓦厂、唐央等乡镇).
_LOCALITY_ASKED = re.compile(r"哪一?个(?:街道|乡镇|镇|乡|村|社区)|\b(?:which|what) (?:street|subdistrict|town|township|"
                             r"village|community)\b", re.I)
# A named place below the county; not the common words 城乡, 农村, 乡村, 村民, 社区治理 ….
_LOCALITY = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:街道|乡镇|(?<![城农])镇|(?<![城])乡(?![村镇])|"
                       r"(?<![农乡])村(?![民庄级委])|社区(?!治理|服务|工作|建设))")


def has_type(kind: str, text: str, reporters: Sequence[str] = (), places: Sequence[str] = ()) -> bool:
    """Whether ``text`` holds an answer of ``kind``: a date (or its year, month or day), a place below the county,
    or a person's name other than the article's ``reporters`` (a byline names who wrote the piece, not who it is
    about).

    A name is a jieba ``nr`` word of 2-3 characters starting with a common surname: jieba alone also tags
    words such as 智慧 as names.
    """
    if kind == "date":
        return bool(DATE.search(text))
    if kind in _DATE_PART_SAID:  # 4月19日 does not say which year, 2025年 not which day
        return bool(_DATE_PART_SAID[kind].search(text))
    if kind == "locality":
        return bool(_LOCALITY.search(text))
    import jieba.posseg as pseg

    _jieba()
    words = list(pseg.cut(text))
    for i, p in enumerate(words):
        if not p.flag.startswith("nr") or p.word[0] not in SURNAMES:
            continue
        name = p.word
        if len(name) == 1 and i + 1 < len(words) and 1 <= len(words[i + 1].word) <= 2 \
                and _CJK.fullmatch(words[i + 1].word[0]):
            name += words[i + 1].word  # jieba often cuts a surname off its given name: 夏 / 浩然
        if 2 <= len(name) <= 3 and name not in reporters and not any(name in p for p in places) \
                and not _part_of_place(name, text):
            return True
    return False


def tagged_words(text: str) -> list[tuple[str, str]]:
    """``text`` cut into words with their part-of-speech tags (jieba)."""
    import jieba.posseg as pseg

    _jieba()
    return [(p.word, p.flag) for p in pseg.cut(text)]


def _part_of_place(name: str, text: str) -> bool:
    """Whether ``name`` is part of a place name in ``text`` (吴起 of 吴起县 reads like a person)."""
    from .places import find_places

    return any(name in m.name for m in find_places(text))


def warm_up() -> None:
    """Load the tagger, lemmatizer and pinyin table now, so that a server's first question is not slower."""
    has_type("person", "本报讯")
    _form_stems("held")
    pinyin_syllables()


# -- Chinese -------------------------------------------------------------------------------------------------


def _in_sources(term: str, index: Index, times: int = 1) -> bool:
    """Whether ``term`` occurs (at least ``times`` times) in the indexed source texts, folded (letter case
    ignored; a blanked pinyin gloss between its characters does not count: 人民日(rì)报)."""
    pattern = re.compile(r"\s*".join(map(re.escape, term)), re.IGNORECASE)
    if times == 1:
        return any(pattern.search(index.folded(s)) for s in index.manifest.sources)
    return sum(len(pattern.findall(index.folded(s))) for s in index.manifest.sources) >= times


def _mentioned_zh(word: str, index: Index) -> bool:
    if index.in_vocabulary(word):
        return True
    parts = [t for t in _jieba().cut(word, HMM=False) if t != word]
    if len(parts) >= 2 and all(index.in_vocabulary(t) or len(t) == 1 for t in parts) and "".join(parts) == word:
        return True  # a compound of mentioned words (社区服务 = 社区 + 服务)
    return _in_sources(word, index)


def absent_entity(folded: str, index: Index) -> str | None:
    """A name in a Chinese question that the reports never mention: a place (寿光市) or a Latin term (GDP)."""
    from .places import plausible
    from .query import latin_senses

    for tok in _jieba().cut(folded):
        place = len(tok) >= 3 and tok.endswith(_PLACE_SUFFIX) and tok[0] not in "哪什多各本该全每这那其" \
            and plausible(tok)
        latin = bool(_LATIN_TERM.fullmatch(tok)) and tok.lower() not in EN_STOPWORDS
        if not (place or latin) or index.places.find(tok) or index.in_vocabulary(tok) \
                or index.in_vocabulary(stem(tok)) or (latin and latin_senses(tok, index)):
            continue
        if not _in_sources(tok, index):
            return tok
    return None


def _chinese_terms(folded: str, index: Index) -> TermCheck:
    import jieba.posseg as pseg

    _jieba()
    terms: list[str] = []
    from .query import unasked

    for p in pseg.cut(unasked(folded), HMM=False):
        w = p.word
        if (p.flag.startswith("n") or p.flag == "vn") and len(w) >= 2 and _CJK.search(w) and w not in FRAME_ZH \
                and not index.places.find(w) and w not in terms:
            terms.append(w)
    missing = tuple(w for w in terms if not _mentioned_zh(w, index))
    return TermCheck(tuple(terms), missing, absent_entity(folded, index))


# -- English -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _form_stems(word: str) -> tuple[str, ...]:
    """Stems of ``word``'s lemmas (lemminflect) and American spellings: held -> hold, honours -> honor."""
    import lemminflect

    out = [word]
    for lemmas in lemminflect.getAllLemmas(word).values():
        out += [x.lower() for x in lemmas]
    out += [american(form) for form in out]  # kilometres -> kilometers, honour -> honor
    return tuple(dict.fromkeys(stem(f) for f in out))


def _is_english(word: str) -> bool:
    import lemminflect

    return bool(lemminflect.getAllLemmas(word))


def _related_present(stems: tuple[str, ...], present: frozenset[str]) -> bool:
    """A derived form of a mentioned word counts: for stems of six letters or more, one the prefix of the
    other (provincial ~ province, diagnostics ~ diagnose)."""
    for s in stems:
        if len(s) >= 6 and any(p.startswith(s) or (len(p) >= 6 and s.startswith(p)) for p in present if " " not in p):
            return True
    return False


def _syllables(text: str) -> tuple[str, set[int]]:
    """The toneless pinyin of ``text``'s Chinese characters, joined, with the offsets of syllable bounds."""
    from pypinyin import lazy_pinyin

    joined, bounds = "", {0}
    for syl in lazy_pinyin("".join(_CJK.findall(text))):
        joined += syl.lower()
        bounds.add(len(joined))
    return joined, bounds


def _in_pinyin(romanized: str, joined: str, bounds: set[int]) -> bool:
    i = joined.find(romanized)
    while i != -1:
        if i in bounds and i + len(romanized) in bounds:
            return True
        i = joined.find(romanized, i + 1)
    return False


def _english_terms(question: str, index: Index, passages: Sequence[Passage]) -> TermCheck:
    lex = index.lexicon
    vocab = index.bm25.vocab_dict
    district_words = index.places.pinyin_words()
    raw_words = re.findall(r"(?<![0-9A-Za-z])[A-Za-z][A-Za-z'\-]*[A-Za-z0-9]*", question)  # not "th" of 15th
    words: list[tuple[str, str, bool]] = []  # (lower-cased, as written, written as a name)
    for i, token in enumerate(raw_words):
        for part in token.split("-"):
            part = part.removesuffix("'s").strip("'")
            w = part.lower()
            if len(w) > 1 and w not in EN_STOPWORDS and english_words(w):
                words.append((w, part, (i > 0 and part[:1].isupper()) or (part.isupper() and len(part) > 1)))
    passage_pinyin = None
    entity = None
    status: list[tuple[str, bool]] = []  # (word, mentioned) for the words that count, in question order
    seen: set[str] = set()
    for n, (w, written, name_like) in enumerate(words):
        if w in seen or w in FRAME_EN or w in _NUMBER_WORDS or w in _FUNCTION_WORDS or w in district_words \
                or index.places.find(w):
            continue
        seen.add(w)
        nxt = words[n + 1][0] if n + 1 < len(words) else ""
        romanized, key = w.replace("'", ""), stem(w)
        named = division_named(w, index) if name_like else None
        if named is not None:  # a city or county: a place, not a topic word; Chongqing: no report names it
            if not named:
                entity = entity or written
            continue
        if key in lex.present or key in vocab or romanized in lex.pinyin \
                or (nxt and romanized + nxt in lex.pinyin):
            status.append((w, True))
            continue
        stems = _form_stems(w)  # lemmas settle what the stem alone does not: held, won, honours
        if any(f in EN_STOPWORDS for f in stems):
            continue  # "doing", "has": a form of a stop word
        if any(f in lex.present for f in stems):
            status.append((w, True))
            continue
        known = any(f in lex.absent for f in stems)
        if known and _related_present(stems, lex.present):
            status.append((w, True))
            continue
        if not known and not name_like and _is_english(w):
            continue  # a word the dictionary cannot judge: it does not count either way
        if name_like or not known:  # a name or a word of pinyin: is it the sound of something the passages say?
            if passage_pinyin is None:
                passage_pinyin = _syllables(" ".join(p.text for p in passages))
            if _in_pinyin(romanized, *passage_pinyin) or (nxt and _in_pinyin(romanized + nxt, *passage_pinyin)):
                status.append((w, True))
                continue
            if is_pinyin_name(w):
                entity = entity or written  # a Chinese name the reports never spell (Shouguang)
            elif not known:
                continue  # an acronym (SMEs, GDP), a name not in pinyin (Urad), a word no dictionary judges
        status.append((w, False))
    terms = _phrases(status, lex)
    return TermCheck(tuple(t for t, _ in terms), tuple(t for t, yes in terms if not yes), entity)


def _phrases(status: list[tuple[str, bool]], lex: Lexicon) -> list[tuple[str, bool]]:
    """Two counted words in a row that make a dictionary phrase are one term: "flood control" (防汛) is missing
    even though "control" is not; an absent phrase of two mentioned words ("reading room") is not."""
    terms: list[tuple[str, bool]] = []
    i = 0
    while i < len(status):
        if i + 1 < len(status):
            (a, ya), (b, yb) = status[i], status[i + 1]
            phrase = f"{stem(a)} {stem(b)}"
            if phrase in lex.present or (phrase in lex.absent and not (ya and yb)):
                terms.append((f"{a} {b}", phrase in lex.present))
                i += 2
                continue
        terms.append(status[i])
        i += 1
    return terms
