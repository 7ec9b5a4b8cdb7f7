"""A question, analysed once: cleaned text, language, folded script, places and years named, what kind of answer
it wants, its BM25 tokens (with English expansions) and its term groups. Retrieval, abstention and answering
all take the ``Query``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import InputError
from .lexical import english_words, is_chinese, ordinal_tokens, terms
from .settings import MAX_K, MAX_QUESTION_CHARS
from .textnorm import fold

if TYPE_CHECKING:
    from .store import Index

LAST = -1  # ``Intent.section`` or ``Intent.item`` of "the last part"
_ZH_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九十", 0)}
_EN_ORDINALS = {w: i for i, w in enumerate(
    ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"])}
_EN_NUMBERS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])}
_SECTION_ZH = re.compile(r"第([一二三四五六七八九十]{1,3}|\d{1,2})(?:部分|章|节|大部分|个部分)")
_SECTION_EN = re.compile(r"\b(?:section|part|chapter)\s+(\d{1,2}|[a-z]+)\b()", re.I)
_SECTION_AFTER = re.compile(r"()\b([a-z]+)\s+(?:section|part|chapter)\b", re.I)
# A numbered item of a list inside a part ("（八）", "第八项", "item (8)", "task number six", "the tenth item").
PAREN_NUMBER = r"[（(]([一二三四五六七八九十]{1,3}|\d{1,2})[）)]"  # the marker of a list item: （八）, (3)
_ITEM_ZH = re.compile(rf"{PAREN_NUMBER}|第([一二三四五六七八九十]{{1,3}}|\d{{1,2}})(?:个|大)?(?:项|方面|条|点)")
_ITEM_WORD = r"(?:item|task|priority|priorities|point|measure|area)s?"
_ITEM_EN = (re.compile(rf"\b{_ITEM_WORD}\s+(?:number\s+|no\.?\s*)?\(?(\d{{1,2}}|[a-z]+)\)?", re.I),  # item five
            re.compile(rf"\b([a-z]+)\s+{_ITEM_WORD}\b", re.I),  # the tenth item
            re.compile(rf"\b([a-z]+)\s+of\s+(?:[\w'’-]+\s+){{0,4}}?{_ITEM_WORD}\b", re.I),  # the ninth of its tasks
            re.compile(r"\((\d{1,2})\)"),  # (8)
            # "It lists ten areas of key work. What is the first one?": an ordinal of a list named before
            re.compile(rf"(?=.*\b{_ITEM_WORD}\b).*?\b([a-z]+)\s+(?:one|of\s+(?:them|these|those))\b", re.I | re.S))
_LAST_ITEM = re.compile(r"最后一(?:个|大)?(?:项|方面|条|点)|\b(?:final|last)\s+(?:of\s+(?:[\w'’-]+\s+){0,4}?)?"
                        rf"{_ITEM_WORD}\b|(?=.*\b{_ITEM_WORD}\b).*?\b(?:final|last)\s+(?:one|of\s+(?:them|these|those))\b",
                        re.I | re.S)
# How many items the list asked about has: "十方面重点工作", "its seven main tasks".
_LIST_SIZE_ZH = re.compile(r"(?<![第后\d一二三四五六七八九十])([一二三四五六七八九十]{1,3})(?:个|大)?(?:方面|项)"
                           r"(?:重点|主要)?(?:工作|任务)")
_LIST_SIZE_EN = re.compile(rf"\b(two|three|four|five|six|seven|eight|nine|ten|\d{{1,2}})\s+(?:[a-z]+\s+)?"
                           rf"{_ITEM_WORD}\b", re.I)
_WHICH = re.compile(r"哪些|哪几|哪个|哪家|哪里|哪座|哪份|哪一|哪|\bwhich\b|"
                    r"\bwhat (?:district|city|county|place|province|"
                    r"report)s?\b|\bwhere\b", re.I)
_HOW_MANY_ZH = r"多少|(?<![哪第说举列])几(?!乎|月|号|日|点|时|年|天)"  # 几个, not 几乎, 几月, 第几
_HOW_MANY = re.compile(rf"{_HOW_MANY_ZH}|\bhow (?:many|much|big|large)\b|\bnumber of\b|\bwhat (?:budget|sum)\b|"
                       r"\bwhat (?:(?:is|was|were|are) the )?(?:share|percentage|rate|proportion|target|total|amount|"
                       r"value|size|figure|growth)\b|\bwhat (?:(?!the\b)[\w-]+ ){1,3}(?:rate|percentage|proportion)\b|"
                       r"比例|比率|率是|增长目标|目标是", re.I)
_POST = r"(?:主席|副主席|书记|主任|记者|市长|县长|区长|旗长|省长|总理|部长|局长|秘书长|委员|领导|负责人|作者)"
# Posts a who-question may name (folded): its answer is the name written right after one ("县政协主席吴柏林").
POSTS = ("执行主席", "副主席", "主席", "秘书长", "副书记", "书记", "副市长", "市长", "副县长", "县长", "区长", "旗长",
         "镇长", "省长", "总理", "副主任", "主任", "部长", "局长", "会长", "院长", "校长", "记者", "通讯员", "编辑",
         "主持人", "负责人", "主委")
_POST_ALT = "|".join(sorted(POSTS, key=len, reverse=True))
_POST_ASKED_ZH = re.compile(rf"({_POST_ALT})的?(?:是谁|叫什么|姓名|名字|是哪[一几]?位|都?有哪[一几]?位|都?有哪些|"
                            r"都?有谁|都是谁)|"
                            rf"(?:哪[一几]?位|谁是)[^，,。？?；;]{{0,8}}?({_POST_ALT})")
_POST_ASKED_EN = re.compile(r"\b(?:who (?:is|was|are|were)|name of|which|what) (?:the |its |their |a )?"
                            r"(?:[\w']+[ -]){0,4}?(reporter|journalist|correspondent|photographer|"
                            r"chair(?:man|woman|person)?|mayor|secretary|director|editor|head|leader|governor|"
                            r"premier|president|minister|host)s?\b",
                            re.I)
# "Who chairs / heads / led …": a verb that asks for the holder of a post.
WHO_VERB = re.compile(r"\bwho (chair|head|lead|led)(?:s|ed)?\b", re.I)
_WHO_VERB_POST = {"chair": "chairman", "head": "head", "lead": "leader", "led": "leader"}


def post_for_verb(text: str) -> str:
    """"Who chairs the X CPPCC" read as "who is the chairman of the X CPPCC"."""
    return WHO_VERB.sub(lambda m: f"who is the {_WHO_VERB_POST[m.group(1).lower()]} of", text)


_WHO = re.compile(rf"谁|哪[一几]?位|何人|什么人|(?:{_POST}|记者|通讯员|作者|编辑|责编|摄影)"
                  r".{0,3}(?:叫什么|有哪些|是哪|姓名|名字)|"
                  r"\bwho\b|\bwhom\b|\bwhose\b|"
                  r"\b(?:which|what) (?:[\w']+[ -]){0,4}?(?:reporter|journalist|correspondent|photographer|official|"
                  r"leader|chair(?:man|woman|person)?|mayor|secretary|director|editor|person|people)s?\b|"
                  # "which Tianqiao CPPCC member" (a person), not "which county's members" (a place)
                  r"\bwhich (?!(?:county|counties|district|city|cities|province|place|town|village|"
                  r"township|banner)s?\b)(?:[\w'-]+ ){0,3}?(?:member|deputy|delegate|expert|officer)\b|"
                  r"\bname of\b|\bwhat is (?:his|her|the) name\b", re.I)
# Who wrote, reported or photographed the piece: the answer is its credit line (本报讯（记者…）, 作者:…, …摄).
_CREDIT_ASKED = (
    ("photo", re.compile(r"摄影|拍摄|谁拍|照片|图片|\bphoto\w*|\bpicture|\bimage", re.I)),
    ("edit", re.compile(r"编辑|责编|\beditor|\bedited\b", re.I)),
    ("write", re.compile(r"谁写|作者|记者|通讯员|供稿|撰稿|署名|(?:报道|稿子|文章|消息).{0,4}谁|谁.{0,6}(?:报道|写)|"
                         r"\breporter|\bjournalist|\bcorrespondent|\bauthor|\bwr[io]te\b|\bwritten\b|"
                         r"\breported\b|\bfiled\b|\bbyline", re.I)),
)
_WHEN = re.compile(r"^\W*when\b|\b(?:by|until|since|from|as of) when\b|\b(?:which|what) (?:year|date|day|month)\b|"
                   r"\bon what date\b|什么时候|何时|哪一?年|几月|哪一?天|"
                   r"哪天|几号|哪日|几点", re.I)
_RELATIVE_YEAR = ((-1, re.compile(r"去年|上一?年(?!度)|\b(?:last|past|previous) year\b", re.I)),
                  (0, re.compile(r"今年|本年|\bthis year\b", re.I)))
PUBLISHED = re.compile(r"发布|刊发|刊登|刊载|刊出|发表|见报|登载|推送|上线|\bpublish\w*|\bcarried\b|\bposted\b|"
                        r"\bprinted\b|\bput (?:out|online)\b|\bwent online\b", re.I)
_COMPARE_STRONG = re.compile(r"最多|最少|最高(?!检|法|人民)|最低|最大|最小|排名|排行|排序|比较|对比|相比|各县|各区|"
                             r"各市|各地|"
                             r"各县市区|哪个更|哪个多|"
                             r"多了还是少了|增加了还是|变化|\bmost\b|\bleast\b|\bhighest\b|\blowest\b|\brank|\bcompare|"
                             r"\bcomparison\b|\beach (?:county|district|city|place)\b|\bchange[ds]?\b|\bversus\b|"
                             r"\bvs\.?\b",
                             re.I)
_NUMERIC_NOUN = re.compile(r"\b(?:targets?|numbers?|amounts?|rates?|growth|totals?|figures?|shares?|percentages?|"
                           r"counts?)\b|目标|数量|规模|比例|比重|增长|总额|总量|总数", re.I)
_COMPARE_WEAK = re.compile(r"分别|各自|\brespectively\b|\beach\b|\bboth\b", re.I)
_FOLLOW_UP = re.compile(r"^(?:那么?|那|还有|and|what about|how about)\b|[呢]\s*[？?]?\s*$", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
MAX_TOKENS = 64  # search words kept from one question
MAX_GROUPS = 32


def clean_question(question: object) -> str:
    """Validate a question: a non-empty string of readable text, control characters removed."""
    if not isinstance(question, str):
        raise InputError(f"The question must be text, not {type(question).__name__}.", "Pass a string.")
    if len(question) > 4 * MAX_QUESTION_CHARS:
        raise InputError(f"The question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}.",
                         "Ask a shorter question; to find a passage, search for a phrase of it with `cppcc-qa quote`.")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise InputError("The question is empty.", "Type a question, e.g. 哪个区建立了知情明政工作站？")
    if not any(ch.isalnum() for ch in text):
        raise InputError("The question has no words, only punctuation or symbols.", "Ask with words.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            f"The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}.",
            "Ask a shorter question; to find a passage, search for a phrase of it with `cppcc-qa quote`.",
        )
    return text


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int):
        try:
            import numpy as np

            if isinstance(k, np.integer):
                k = int(k)
        except ImportError:  # pragma: no cover - numpy is a dependency
            pass
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputError(f"k must be a whole number, not {k!r}.", f"Use a number from 1 to {MAX_K}.")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k={k} is out of range.", f"Use a number from 1 to {MAX_K}.")
    return k


@dataclass(frozen=True)
class Intent:
    """What kind of answer the question asks for."""

    which: bool = False  # which place / report: list each place once
    several: bool = False  # "哪些县", "which counties": several places may be the answer, each one is wanted
    how_many: bool = False  # a number
    who: bool = False
    when: bool = False
    compare: bool = False  # figures of several places or years, as a table
    section: int | None = None  # "第五部分讲什么": the number of the top-level section asked for (LAST: the last)
    item: int | None = None  # "（八）讲什么", "item (8)": the number of a list item inside a part (LAST: the last)
    list_size: int | None = None  # "七方面工作里的第七方面": how many items the question says that list has
    credit: str = ""  # who wrote ("write"), photographed ("photo") or edited ("edit") the piece
    published: bool = False  # when the piece was published ("哪天刊发的", "when was it posted")
    ordinal: str = ""  # "第几届第几次": the measure words of the ordinals asked for (届次)
    relative_year: int | None = None  # "去年": -1, "今年": 0, of the year a report was given
    # "哪个县市区…", "which county's CPPCC …": the levels of the documents that cannot be the answer (a national or
    # provincial report is not a county's; a city may be a province-level one: 上海市).
    not_levels: tuple[str, ...] = ()

    @property
    def asks_section(self) -> bool:
        """Whether the question asks what a numbered part or item of a report is about."""
        return self.section is not None or self.item is not None


@dataclass(frozen=True)
class Query:
    question: str  # as asked (cleaned)
    text: str  # as searched: the question, or a follow-up rewritten with the previous turn
    folded: str
    lang: str  # zh | en
    places: tuple[str, ...]  # the index's places named in the question
    years: tuple[int, ...]
    intent: Intent
    tokens: tuple[tuple[str, float], ...]  # BM25 tokens with weights (English: dictionary expansions)
    groups: tuple[tuple[frozenset[str], float], ...]  # interchangeable corpus tokens per term, with an IDF weight
    english: tuple[str, ...] = field(default=())  # English content words
    terms: tuple[tuple[str, str], ...] = field(default=())  # (English phrase, the reports' term it names)
    posts: tuple[str, ...] = field(default=())  # the post a who-question asks the holder of (主席, 记者)
    measure: str = ""  # the measure word a how-many question counts with (多少个 -> 个, "how many members" -> 人)
    # What a Chinese how-many question counts, each word with its forms (有几位女委员: 女, 委员): a figure answers
    # only when its clause says all of them. English questions have none: dictionary translations of the counted
    # noun ("issues", "pieces", "sessions") miss the reports' words too often.
    counted: tuple[frozenset[str], ...] = field(default=())
    # A which- or comparison question's scope: the index's places inside a region it names that the index has no
    # report of ("潍坊有哪些县…": the counties of 潍坊市); none when it names a place of the index.
    within: tuple[str, ...] = field(default=())
    # Divisions named that the index has no report of, nor of a place inside them (天津, "Tianjin"), when the question
    # names no place of the index: what answers must be about.
    elsewhere: tuple[str, ...] = field(default=())


def zh_number(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    if num == "十":
        return 10
    if num.startswith("十"):
        return 10 + _ZH_NUMERALS.get(num[1:], 0)
    if num.endswith("十"):
        return 10 * _ZH_NUMERALS.get(num[0], 1)
    return _ZH_NUMERALS.get(num)


_ASKS_WHAT_ABOUT = re.compile(r"什么|哪些|内容|主题|标题|讲|关于|涉及|\bwhat\b|\babout\b|\bcover|\bdeal|\bfocus|"
                              r"\bconcern|\btitle|\bheading", re.I)


def _item_number(text: str) -> int | None:
    """The number of a list item the question asks about: "（八）讲什么", "第八项", "item (8)", "task six", "the
    ninth of its main tasks" (LAST: "the last of its tasks", "最后一方面")."""
    if _LAST_ITEM.search(text):
        return LAST
    m = _ITEM_ZH.search(text)
    if m:
        return zh_number(m.group(1) or m.group(2))
    for n, pattern in enumerate(_ITEM_EN):
        for m in pattern.finditer(text):
            word = m.group(1).lower()
            if word.isdigit():
                return int(word)
            if word in _EN_ORDINALS:
                return _EN_ORDINALS[word]
            if word in _EN_NUMBERS and n == 0:
                return _EN_NUMBERS[word]
    return None


def _list_size(text: str) -> int | None:
    """How many items the question says the list has ("以下七方面工作", "its seven main tasks")."""
    m = _LIST_SIZE_ZH.search(text) or _LIST_SIZE_EN.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _EN_NUMBERS.get(word) or zh_number(word)


_LAST_SECTION = re.compile(r"最后一(?:个)?(?:部分|章|节)|\b(?:final|last)\s+(?:numbered\s+|main\s+|top-level\s+)?"
                           r"(?:section|part|chapter)\b", re.I)


def _section_number(text: str) -> int | None:
    if _LAST_SECTION.search(text):
        return LAST
    m = _SECTION_ZH.search(text)
    if m:
        return zh_number(m.group(1))
    matches = sorted(_SECTION_EN.finditer(text), key=lambda m: m.group(1) is None)  # "part two" before "does part"
    matches += [m for m in _SECTION_AFTER.finditer(text)]
    for m in matches:
        word = (m.group(1) or m.group(2) or "").lower()
        if word.isdigit():
            return int(word)
        if word in _EN_ORDINALS:
            return _EN_ORDINALS[word]
        if word in _EN_NUMBERS and m.group(1):
            return _EN_NUMBERS[word]
    return None


# The year a question names a report by: "2005年政府工作报告", "2011年的报告里", "per the 2009 State Council report".
REPORT_YEAR = re.compile(r"((?:19|20)\d\d)\s*年(?:的|度)?[^，。？?\d]{0,10}?报告|"
                         r"\b((?:19|20)\d\d)\s+(?:[A-Za-z]+\s+){0,3}?report\b|"
                         r"\breport (?:of|for) ((?:19|20)\d\d)\b", re.I)
# Years joined to the one before 报告: "2005年和2009年政府工作报告", "2005年、2009年、2011年的报告".
_JOINED_YEARS = re.compile(r"(?:(?:19|20)\d\d\s*年?\s*(?:和|与|及|、|,|，|and|&)\s*)+$", re.I)


def compared_years(text: str, years: tuple[int, ...]) -> bool:
    """Whether a question names two or more years to compare: "2024年和2025年比", "2005年和2009年政府工作报告 …
    分别"; not "2005年政府工作报告说2004年全国粮食总产量是多少" (one report, the year of its figure)."""
    named: set[int] = set()
    for m in REPORT_YEAR.finditer(text):
        joined = _JOINED_YEARS.search(text, 0, m.start())
        named |= {int(y) for y in _YEAR.findall(joined.group(0) if joined else "")}
        named.add(int(next(g for g in m.groups() if g)))
    return len(named) >= 2 or len(set(years) - named) >= 2


def distinct_places(places: tuple[str, ...]) -> tuple[str, ...]:
    """The places named, less those that hold another one named ("北京石景山区": 石景山区 alone)."""
    from .places import Gazetteer

    gazetteer = Gazetteer.load()
    return tuple(p for p in places if not any(q != p and gazetteer.contains(fold(p), fold(q)) for q in places))


def intent_of(text: str, places: tuple[str, ...], years: tuple[int, ...]) -> Intent:
    several = len(distinct_places(places)) >= 2 or compared_years(text, years)
    compare = bool(_COMPARE_STRONG.search(text)) or (several and (bool(_COMPARE_WEAK.search(text))
                                                                    or bool(_HOW_MANY.search(text))
                                                                    or bool(_NUMERIC_NOUN.search(text))))
    who, when = bool(_WHO.search(text)), bool(_WHEN.search(text))
    return Intent(which=bool(_WHICH.search(text)), several=bool(_SEVERAL.search(text)),
                  how_many=bool(_HOW_MANY.search(text)), who=who,
                  when=when, compare=compare, section=_section_number(text),
                  item=_item_number(text) if _ASKS_WHAT_ABOUT.search(text) else None, list_size=_list_size(text),
                  credit=_credit_asked(text) if who else "",
                  relative_year=next((n for n, p in _RELATIVE_YEAR if p.search(text)), None),
                  ordinal="".join(re.findall(r"第几\s*([\u4e00-\u9fff])", text)), not_levels=_not_levels(text),
                  published=(when or bool(re.search(r"日期|\bdate\b", text, re.I))) and bool(PUBLISHED.search(text)))


# A which-question whose answer may be several places: 哪些县市区, 哪几个地方的政协 (not 哪些方面, 哪几年),
# "which counties", "which places' CPPCCs", "which Weifang CPPCCs" (not "which county's", "which issues").
_PLACES_ZH = r"(?:县市区|县区|区县|县|区|市(?![民场值])|地方|地区|城市|乡镇|镇|街道|村|社区|省)"
_SEVERAL = re.compile(rf"哪(?:些|几个?){_PLACES_ZH}|\bwhich\s+(?:of\s+the\s+)?(?:[\w-]+\s+){{0,3}}?"
                      r"(?:counties|districts|cities|places|localities|towns|villages|areas|cppccs|committees)\b", re.I)


_PLACE_KIND_ZH = re.compile(r"哪(?:一|几)?(?:个|些)?(县市区|县区|区县|县|区|市)")
_PLACE_KIND_EN = re.compile(r"\b(?:which|what)\s+(?:(?!(?:did|does|do|is|was|were|are|has|have|had|the)\b)[\w'-]+\s+)"
                            r"{0,2}?(count(?:y|ies)|districts?|cit(?:y|ies))\b", re.I)


def _not_levels(text: str) -> tuple[str, ...]:
    """The document levels that cannot answer a question asking which county, district or city (哪个区; not
    哪个市场主体 or 哪些市民, where jieba reads the character as part of another word)."""
    from .lexical import jieba_module

    kind = ""
    for m in _PLACE_KIND_ZH.finditer(text):
        if jieba_module().lcut(text[m.start(1) : m.start(1) + 6], HMM=False)[0] == m.group(1):
            kind = m.group(1)
            break
    if not kind and (en := _PLACE_KIND_EN.search(text)):
        kind = en.group(1).lower()
    if not kind:
        return ()
    return ("national",) if kind in ("市", "city", "cities") else ("national", "province")


def _credit_asked(text: str) -> str:
    """Which credit a who-question asks for: "谁写的" -> write, "who took the photo" -> photo, else ""."""
    return next((kind for kind, pattern in _CREDIT_ASKED if pattern.search(text)), "")


def _tokens(text: str, folded: str, zh: bool, places: tuple[str, ...], index: Index,
            named: list[tuple[str, str]]) -> list[tuple[str, float]]:
    toks = [(t, 1.0) for t in index.tokenize(folded)]
    toks += [(term, 2.0) for _, term in named]
    if zh:
        toks += [(sense, 1.0) for t, _ in toks[:] for sense in latin_senses(t, index)]
    else:
        from .places import base_name

        toks += [(fold(base_name(p)), 1.0) for p in places]
        toks += [(fold(p), 1.0) for p in places]
        toks += index.lexicon.expand(text, skip=_place_words(index))
        toks += [(fold(n), 1.0) for names in index.places.regions_in_pinyin(text) for n in names]
        toks += [(t, 1.0) for t in ordinal_tokens(text)]
    merged: dict[str, float] = {}
    for t, w in toks:
        merged[t] = merged.get(t, 0.0) + w
    return list(merged.items())


_ASK_ZH = re.compile(r"几|多少|哪|谁|什么|何时|何人|是否|怎么|如何|吗")
# Question words with the character they bind to, so that a tokenizer does not read "哪天作的" as 天作.
# 哪些县市区, 哪个区: the kind of place asked for names no topic (哪个社区, 哪个村: the clause may say it).
_ASK_PHRASE = re.compile(r"哪[一几]?个?些?(?:县市区|县区|区县|县|区(?!域)|市(?![民场值])|地方|地区|城市|省(?!份))|"
                         r"哪[一几]?[天年月日个位家些种里]|几[月日号点时天年个位名件家次场]|什么时候|何时|多少|是谁|谁")


def unasked(folded: str) -> str:
    """``folded`` with its question words blanked (same length, so offsets still hold): the words left name the
    topic."""
    return _ASK_PHRASE.sub(lambda m: "，" * len(m.group(0)), folded)
_ASK_EN = re.compile(r"\b(?:how (?:many|much)|which|what|who|whom|whose|when|where)\b", re.I)
# English words that frame a question about figures rather than name its topic.
EN_FRAME = frozenset(["most", "least", "highest", "lowest", "largest", "smallest", "compare", "comparison", "rank",
                      "ranking", "others", "other", "each", "respectively", "both", "total", "number", "figure",
                      "figures", "give", "gave", "given", "many", "much", "more", "fewer", "less"])
# The words that ask for a size or a share, not what it is of: "how large a deficit", "what share of the proposals".
_SIZE_ASKED = re.compile(r"(?<=\bhow )(?:big|large)\b|\b(?:share|percentage|proportion)(?= of\b)", re.I)
FOCUS = 2.0  # weight of the terms in the part of the question that asks (the rest restates what is known)


def focus_span(folded: str) -> tuple[int, int]:
    """The span of a Chinese question that asks: its comma-separated part holding the question word, or, in a
    one-part question, the ten characters before the question word."""
    parts = [(m.start(), m.end()) for m in re.finditer(r"[^，,；;。？?！!：:]+", folded)]
    asking = [(s, e) for s, e in parts if _ASK_ZH.search(folded, s, e)]
    if not asking:
        return 0, 0
    if len(parts) >= 2:
        return asking[-1]
    m = _ASK_ZH.search(folded)
    assert m is not None
    return max(0, m.start() - 10), m.end() + 6


_LATIN_TERM = re.compile(r"[a-z][a-z0-9.]*[a-z0-9]")


def latin_senses(token: str, index: Index) -> list[str]:
    """A Latin term of a Chinese question that the reports never write, as the corpus words of its main dictionary
    senses (GDP: 生产总值); none for a term they write (PM2.5), nor for one without such a sense."""
    word = token.lower()
    if not _LATIN_TERM.fullmatch(word) or index.in_vocabulary(word):
        return []
    return index.lexicon.senses(word)[:6]


def _place_words(index: Index) -> set[str]:
    """English words that name a place of the index or a region holding some (Kuiwen, Weifang): a place, never a
    topic to translate (the dictionary built from the reports maps weifang to six of its districts). A region
    stands for its Chinese names instead (Weifang: 潍坊市, 潍坊), unless the question looks inside it."""
    return index.places.pinyin_words() | {w for w in index.places.region_words() if w.isascii()}


def term_groups(text: str, folded: str, zh: bool, places: tuple[str, ...], index: Index,
                named: list[tuple[str, str]] = ()) -> list[tuple[frozenset[str], float]]:  # type: ignore[assignment]
    """The question's terms, each a set of interchangeable corpus tokens with an IDF weight, doubled for the
    terms of the part of the question that asks ("…开幕时，代表常委会作工作报告的是谁？": 代表, 常委会, 工作报告).

    Chinese: one token per group. English: each content word becomes the group of its dictionary translations
    (the three words after "how many", "which", "what" … are the asking part); a place in pinyin becomes the place.
    """
    weighted: list[tuple[frozenset[str], float]] = []
    if zh:
        fs, fe = focus_span(folded)
        pos, lowered = 0, re.sub(r"[A-Z]+", lambda m: m.group(0).lower(), folded)  # terms lower-case GDP: gdp
        for t in terms(unasked(folded)):
            at = lowered.find(t, pos)
            pos = at + len(t) if at >= 0 else pos
            # A long word also matches through its parts: 开展调研 in 开展联合调研.
            parts = {p for p in index.tokenize(t) if p != t} if len(t) >= 4 else set()
            senses = latin_senses(t, index)  # 国务院报告定的GDP增长目标: 生产总值
            weighted.append((frozenset(senses or {t, *parts}), FOCUS if at >= 0 and fs <= at < fe else 1.0))
    else:
        from .places import base_name

        weighted = [(frozenset({fold(p), fold(base_name(p))}), 1.0) for p in places]
        weighted += [(frozenset([term]), FOCUS) for _, term in named]  # "knowledge station" -> 知情明政工作站
        weighted += [(frozenset(fold(n) for n in names), 1.0) for names in index.places.regions_in_pinyin(text)]
        named_words = {w for phrase, _ in named for w in phrase.split()}
        pinyin = _place_words(index)
        words = [w for w in english_words(_SIZE_ASKED.sub(" ", text))
                 if w not in pinyin and w not in EN_FRAME and w not in named_words]
        for term, entries in index.lexicon.entries(words):
            alts = {zh_word for zh_word, _ in entries[:6]}
            weighted.append((frozenset(alts or {term}), 1.0))
        weighted += [(frozenset([n]), 1.0) for n in re.findall(r"\d+", text)]
    merged: dict[frozenset[str], float] = {}
    for g, f in weighted:
        merged[g] = max(merged.get(g, 0.0), f)
    return [(g, f * max(index.idf(t) for t in g)) for g, f in merged.items()]


def resolve_follow_up(question: str, history: list[object] | None, index: Index) -> str:
    """Rewrite an elliptical follow-up ("那昌乐县呢？") into a full question using the previous turn."""
    if not history:
        return question
    prev = [h if isinstance(h, str) else (h[0] if isinstance(h, list | tuple) and h else "") for h in history if h]
    prev = [p for p in prev if isinstance(p, str) and p.strip()]
    named = index.places.find(question)
    if not prev or not named:
        return question
    last = prev[-1]
    content = [t for t in index.tokenize(fold(question)) if not index.places.find(t)]
    if not (_FOLLOW_UP.search(question.strip()) or not content):
        return question
    rewritten = fold(last)
    from .places import base_name

    for p in index.places.find(last):
        for form in sorted({fold(p), fold(base_name(p))}, key=len, reverse=True):
            rewritten = rewritten.replace(form, "")
    rewritten = _WHICH.sub("", rewritten)
    return f"{'、'.join(named)}{rewritten}"


def analyse(question: str, index: Index, history: list[object] | None = None) -> Query:
    """Analyse ``question`` once, against the index's vocabulary, places and dictionary."""
    cleaned = clean_question(question)
    text = resolve_follow_up(cleaned, history, index)
    folded = fold(text)
    zh = is_chinese(text)
    places = tuple(index.places.find(text))
    years = tuple(int(y) for y in _YEAR.findall(folded))
    named: list[tuple[str, str]] = []
    if not zh and index.glossary is not None:
        from .places import pinyin_count, romanize

        def fits(word: str, term: str) -> bool | None:
            chars = {ch for _, entries in index.lexicon.entries([word]) for zh_word, _ in entries for ch in zh_word}
            chars |= index.lexicon.characters(word)
            if chars:
                return bool(chars & set(term))
            return word in romanize(term) if pinyin_count(word) else None  # shangliang: 商量

        named = [(phrase, term) for phrase, term, _ in
                 index.glossary.match(text, index.embedder, skip=index.places.pinyin_words(), fits=fits)]
    tokens = _tokens(text, folded, zh, places, index, named)
    groups = term_groups(text, folded, zh, places, index, named)
    if len(tokens) > MAX_TOKENS:  # a long question: its rarest words decide, and the work per question stays bounded
        tokens = sorted(tokens, key=lambda tw: -tw[1] * index.idf(tw[0]))[:MAX_TOKENS]
        groups = sorted(groups, key=lambda g: -g[1])[:MAX_GROUPS]
    intent = intent_of(text, places, years)
    within = index.places.within(text) if not places and (intent.which or intent.several or intent.compare) else ()
    if within:  # the region is the scope searched within, not a topic word the clauses must hold
        region = index.places.region_words()
        tokens = [(t, w) for t, w in tokens if t not in region]
        groups = [(g, w) for g, w in groups if not g <= region]
    return Query(
        question=cleaned, text=text, folded=folded, lang="zh" if zh else "en", places=places, years=years,
        intent=intent, tokens=tuple(tokens), groups=tuple(groups),
        english=() if zh else tuple(english_words(text)), terms=tuple(named),
        posts=posts_asked(text, folded, zh, index) if intent.who else (),
        measure=_measure(text, folded, zh) if intent.how_many else "",
        counted=(_counted_zh(folded, index) if zh else _counted_en(text)) if intent.how_many else (),
        within=within,
        elsewhere=() if places or within else index.places.elsewhere(text),
    )


# Money is asked for by its measure, 元 (多少钱, 多少资金); 投资 too, but only alone (投资项目 counts projects).
_MONEY_WORDS = ("钱", "资金", "经费", "金额", "款项")
_MONEY_NEXT = re.compile("|".join(_MONEY_WORDS) + r"|投资(?![\u4e00-\u9fff])")
_MEASURE_ASKED = re.compile(r"(?:多少|几)[万亿千百]?(人次|场次|万元|亿元|美元|资金|经费|金额|投资(?![\u4e00-\u9fff])|"
                            r"[个名人位件场次篇份期条家处座所项户元钱])")
# English count nouns and the measure word a Chinese report counts them with (hand-written: a dictionary gives
# translations, not classifiers).
_EN_MEASURES = {
    "人": "people persons members participants residents villagers visitors attendees students volunteers staff "
          "workers experts deputies delegates representatives officials entrepreneurs farmers households leaders",
    "家": "companies enterprises firms businesses",
    "件": "proposals motions suggestions",
    "元": "money investment funding funds budget cost costs yuan",
    "期": "issues",  # of a bulletin or a journal
    "公里": "kilometres kilometers kilometre kilometer km",  # "square kilometres": 平方公里 (_measure)
    "吨": "tons tonnes",
    "亩": "mu",
    "公顷": "hectares",
    "辆": "vehicles cars buses",
}  # events ("sessions", "activities") and writings ("reports") are left out: reports count them in many ways
_EN_MEASURE = {word: zh for zh, words in _EN_MEASURES.items() for word in words.split()}
# The nouns a report counts English count nouns with: "how many members" is not answered by 1300人次 of 群众 served.
# Hand-written like _EN_MEASURES (dictionary translations are too loose to require); general nouns (people,
# participants) are left out, since a report may count them under any name.
_EN_COUNTED = {
    "members": "委员 会员 成员 党员", "residents": "居民 群众 市民 村民", "villagers": "村民 群众",
    "visitors": "游客 观众 访客 参观", "students": "学生 学员", "volunteers": "志愿者 志愿服务",
    "experts": "专家", "deputies": "代表", "delegates": "代表", "representatives": "代表",
    "entrepreneurs": "企业家", "farmers": "农民", "companies": "企业 公司", "enterprises": "企业",
    "firms": "企业 公司", "businesses": "企业 公司 商户", "proposals": "提案", "motions": "提案 议案",
}
_HOW_MANY_EN = re.compile(r"\bhow (many|much|big|large)\b((?:\s+[\w'-]+){1,4})", re.I)
_MONEY_EN = re.compile(r"\b(?:cost|invest\w*|spen[dt]|spending|budget|fund\w*|yuan|money|deficit)\b", re.I)
_MONEY_WHAT_EN = re.compile(r"\bwhat (?:is|was|were|are) the (?:total |overall )?(?:value|investment|budget|cost|"
                            r"funding|sum)\b|\bwhat (?:budget|sum)\b", re.I)
# The rate asked for, not one the question mentions ("what is the number of proposals on the literacy rate").
_RATE_EN = re.compile(r"^\W*what (?:(?:is|was|were|are) the )?(?:(?!the\b)[\w-]+ ){0,3}"
                      r"(?:rate|percentage|proportion|share)\b", re.I)


# A percentage asked for: 多大比例, 占比多少, 百分之几, 满意率是多少; not one the question only mentions
# (按1:1比例配套的资金是多少), nor 多少个百分点 (a measure word).
_RATE_ZH = re.compile(r"(?:比例|比率|比重|占比|百分比)[是为有达约]*(?:多少|几|多大)|多大的?(?:比例|比率|比重|占比)|"
                      r"百分之(?:几|多少)|率(?:是|为|有|达到?)?(?:多少|几)")
_COUNT_ASKED_ZH = re.compile(rf"(?:{_HOW_MANY_ZH}|多大(?:比例|比重|占比)?)"
                             r"(?:人次|场次|万元|亿元|[个名人位件场次篇份期条家处座所项户元种类批笔])?")
_CLAUSE_END = re.compile(r"[，。？?！!,；;：:]")
_NOUN_TAGS = ("n", "vn", "b")  # nouns, verbal nouns, attributes (女委员: 女)
_NOT_COUNTED = frozenset(["多少", "数量", "数目", "总数", "人数", "件数", "次数", "个数", "结果", "目标", "情况",
                          "规模", "水平", "时期", "期间", "时候", "当年", "今年", "去年", "全年", "一共", "总共",
                          "累计", "比例", "比率", "比重", "占比", "百分比", *_MONEY_WORDS])


def _counted_en(text: str) -> tuple[frozenset[str], ...]:
    """What an English how-many question counts, in the words a report counts it with ("how many CPPCC members":
    委员, 会员, 成员 or 党员), when its count noun is one of ``_EN_COUNTED``."""
    m = _HOW_MANY_EN.search(text)
    if not m or m.group(1).lower() != "many":
        return ()
    words = [w.lower() for w in m.group(2).split()]
    for i, word in enumerate(words):
        if word in _EN_MEASURE:
            of = i + 1 < len(words) and words[i + 1] == "of"  # "members of the public": not 委员
            return (frozenset(_EN_COUNTED[word].split()),) if word in _EN_COUNTED and not of else ()
    return ()


def _counted_zh(folded: str, index: Index) -> tuple[frozenset[str], ...]:
    """The nouns a Chinese how-many question counts: those after its question word (多少件被定为重点提案: 重点), or,
    when none follows, the run of nouns just before it (满意率是多少: 满意率). Quoted names count whole."""
    import jieba.posseg as pseg

    from .lexical import jieba_module

    m = _COUNT_ASKED_ZH.search(folded)
    if not m or any(pattern.search(folded) for _, pattern in _AGE_ASKED) or _MONEY_NEXT.match(folded, m.end()):
        return ()  # 多少周年, 多少岁, 多少钱(帮…): the measure says what is counted
    jieba_module()

    def nouns(part: str, subject: bool = False) -> list[list[str]]:
        """Runs of nouns in ``part``; with ``subject``, its last word is one whatever its tag (提案有多少件).
        After the question word a run goes on over a set phrase or an adjective (委员接待日活动: 委员, 活动) and ends
        at a verb, a particle or a preposition (律师界委员担任社区…: 律师界, 委员; 意见建议被职能部门…: 意见建议)."""
        runs: list[list[str]] = [[]]
        pieces = re.split(r"([“\"「『][^”\"」』]{1,12}[”\"」』])", part)
        for n, piece in enumerate(pieces):
            if re.fullmatch(r"[“\"「『].*[”\"」』]", piece):
                runs[-1].append(piece[1:-1])
                continue
            cut = list(pseg.cut(piece, HMM=False))
            for i, w in enumerate(cut):
                if w.word in _JOINERS:
                    continue  # 教育类提案, 社会建设方面: one run
                last = subject and n == len(pieces) - 1 and i == len(cut) - 1 and len(w.word) >= 2 \
                    and w.flag.startswith(("n", "v"))
                latin = w.flag == "eng" and bool(latin_senses(w.word, index))  # GDP: 生产总值
                noun = w.flag.startswith(_NOUN_TAGS) or (w.flag == "l" and len(w.word) >= 4) or latin  # 意见建议
                keep = (last or noun) and not w.flag.startswith("nr") \
                    and w.word not in _NOT_COUNTED and (len(w.word) >= 2 or w.flag == "b") \
                    and not index.places.find(w.word) \
                    and (_CJK_RUN.fullmatch(w.word) or latin)  # 转成: not 成; 女委员: 女
                if keep:
                    runs[-1].append(w.word)
                elif runs[-1] and (subject or not w.flag.startswith(_RUN_GOES_ON) or not _CJK_RUN.fullmatch(w.word)):
                    runs.append([])
        return [r for r in runs if r]

    after = nouns(_CLAUSE_END.split(folded[m.end():], 1)[0])
    head = _CLAUSE_END.split(folded[: m.start()])[-1]
    # 满意率是多少, 信息多少条: the nouns just before are what is counted; 立案了多少件提案: they are not.
    copula = _COPULA.search(head)
    subject = head[: copula.start()] if copula and copula.group(0) else ""
    # 社会事业类有多少件, 进出口总额增长预期目标是多少: the run ends before the joiner or the frame word
    end = re.sub(rf"(?:{'|'.join(_JOINERS | _NOT_COUNTED)})?(?:的)?$", "", subject)
    before = [r for r in nouns(end, True) if end.rstrip("”\"」』").endswith(r[-1])]
    run = after[0] if after else (before[-1] if before else [])
    return tuple(frozenset(latin_senses(w, index) or [w]) for w in dict.fromkeys(run))


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_RUN_GOES_ON = ("l", "a", "q", "z")  # set phrases, adjectives, measure words: not verbs (担任 ends the run)
_JOINERS = frozenset(["类", "方面", "型", "级"])
_COPULA = re.compile(r"(?:的)?(?:是|有|为|达到?|共|一共|总共|累计|约|大约|大概|分别|各自|各|都)+$")
_AGE_ASKED = (("周年", re.compile(r"(?:多少|几)周年|\b(?:which|what)\s+(?:[\w-]+\s+)?anniversary\b", re.I)),
              ("岁", re.compile(r"(?:多少|几)岁|\bhow old\b|\bwhat age\b|预期寿命|life expectancy", re.I)))


def _measure(text: str, folded: str, zh: bool) -> str:
    """The measure word a how-many question counts with: 多少个 -> 个; "how many members" -> 人."""
    for unit, pattern in _AGE_ASKED:
        if pattern.search(folded if zh else text):
            return unit
    if zh:
        m = _MEASURE_ASKED.search(folded)
        if not m:  # 多大比例的居民…, 满意率是多少: a percentage
            return "%" if _RATE_ZH.search(folded) else ""
        return "元" if m.group(1) in (*_MONEY_WORDS, "投资") else m.group(1)
    m = _HOW_MANY_EN.search(text)
    if not m:  # "what is the total investment …" asks for a sum of money, "what growth rate …" for a percentage
        return "元" if _MONEY_WHAT_EN.search(text) else "%" if _RATE_EN.search(text) else ""
    if m.group(1).lower() != "many":  # how much / how big / how large: money, if the question is about money
        return "元" if _MONEY_EN.search(text) else ""
    words = [w.lower() for w in m.group(2).split()]
    for i, w in enumerate(words):
        square = i > 0 and words[i - 1] == "square"
        if w in _EN_MEASURE:
            return "平方公里" if square and _EN_MEASURE[w] == "公里" else _EN_MEASURE[w]
        if square and w in ("metres", "meters", "metre", "meter"):
            return "平方米"
    return ""


def posts_asked(text: str, folded: str, zh: bool, index: Index) -> tuple[str, ...]:
    """The post whose holder a who-question asks for ("县政协主席叫什么", "哪位记者", "which reporter"), not a post
    it only mentions ("和主席一起揭牌的是谁"); in English through the dictionary (reporter -> 记者)."""
    if zh:
        found = {m.group(1) or m.group(2) for m in _POST_ASKED_ZH.finditer(folded)}
    else:
        text = post_for_verb(text)
        matches = list(_POST_ASKED_EN.finditer(text))
        words = ["chairman" if m.group(1).lower().startswith("chair") else m.group(1) for m in matches]  # chair: 椅子
        found = {post for zh_word, _ in index.lexicon.expand(" ".join(words)) for post in POSTS
                 if zh_word.endswith(post)} if words else set()
        if any(re.search(r"\b(?:vice|deputy)[\s-]*$", text[m.start() : m.start(1)], re.I) for m in matches):
            found = {f"副{p}" for p in found if f"副{p}" in POSTS}  # a vice-chair: 副主席
    return tuple(sorted(found, key=len, reverse=True))
