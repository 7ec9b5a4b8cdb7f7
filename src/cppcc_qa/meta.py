"""Document metadata from the text, each field with where it came from; folder, file name and sidecar override.

Fields: place (the issuing committee or government, or the 来源 of a news item), level, year of the work,
date, session, speaker, kind, genre, title, outlet. Everything is read from patterns of the genre (``政协X委员会``,
``X政协``, ``我代表X人民政府``, ``——在…会议上``, ``来源：``); nothing names a particular place. A field no
rule can fill stays None, its origin "unknown".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .places import NATIONAL, Gazetteer, find_places, level_of, plausible
from .records import DocMeta

_NUM = "一二三四五六七八九十百零〇两"
_HAN = r"[\u4e00-\u9fff]"
_ADMIN_TAIL = re.compile(rf"({_HAN}{{2,6}}(?:自治县|自治旗|自治州)|{_HAN}{{2,4}}(?:新区|市|区|县|旗|州|盟|省))$")
_NOT_IN_NAMES = re.compile(r"[的了和与及在对是为由于关会议届委员党组织工作主席代表同志带领推动召开举行开展人大政府]")
_ISSUERS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(rf"中国人民政治协商会议\s*({_HAN}[{_HAN[1:-1]}\s]{{1,24}}?)\s*(?:第[{_NUM}\d]+届|委员会)"), 10.0),
    (re.compile(rf"政协\s*({_HAN}{{2,20}}?)\s*(?:第[{_NUM}\d]+届|[{_NUM}]+届|委员会)"), 10.0),
    (re.compile(rf"我代表({_HAN}{{2,20}}?)人民政府"), 10.0),
    (re.compile(rf"来源\s*[：:]\s*({_HAN}{{2,20}}?)政协"), 8.0),
    (re.compile(rf"({_HAN}{{2,20}}?)政协(?!副?主席|副?秘书长|常委|委员|党组|办公|机关|领导|主要|各|工作人员)"), 6.0),
)
_NATIONAL_ISSUER = re.compile(r"我代表国务院|国务院总理|国务院政府工作报告|中国人民政治协商会议全国委员会|"
                              r"全国政协(?:常务委员会|第)")
_DATE_ZH = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_DATE_ISO = re.compile(r"((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_SESSION = re.compile(
    rf"(第[{_NUM}\d]+届(?:{_HAN}{{0,4}}委员会)?(?:常务委员会)?第[{_NUM}\d]+次(?:全体)?会议"
    rf"|[{_NUM}]+届[{_NUM}]+次(?:全体)?会议)"
)
_REVIEW_HEADING = re.compile(r"((?:19|20)\d\d)\s*年(?:度)?(?:的)?工作(?:回顾|总结)")
_YEARBOOK = re.compile(r"年鉴\s*[（(]?\s*((?:19|20)\d\d)")
_GENRES = (
    (re.compile(r"政府工作报告"), "政府工作报告"),
    (re.compile(r"提案.{0,12}(?:审查|工作).{0,8}报告|提案报告"), "提案工作报告"),
    (re.compile(r"常务委员会工作报告|常委会工作报告"), "常委会工作报告"),
    (re.compile(r"年鉴"), "年鉴"),
    (re.compile(r"工作总结"), "工作总结"),
    (re.compile(r"工作报告"), "工作报告"),
)


@dataclass
class Regions:
    """Where layout found each part of a document: raw spans of the folded text, by role."""

    kind: str  # page | report | news
    title: str | None = None  # as written, spaces between Chinese characters removed
    title_origin: str = ""
    title_lines: list[tuple[int, int]] = field(default_factory=list)
    occasion: tuple[int, int] | None = None
    speaker: tuple[int, int] | None = None
    headline: tuple[int, int] | None = None
    meta_lines: list[tuple[int, int]] = field(default_factory=list)
    boiler: list[tuple[int, int]] = field(default_factory=list)
    first_body: tuple[int, int] | None = None
    body: list[tuple[int, int]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)  # section titles, folded


def _place_in(group: str) -> str | None:
    """The place an issuer phrase ends with (``张家界市武陵源区`` -> ``武陵源区``; ``召开砀山县`` -> ``砀山县``)."""
    mentions = find_places(group)
    if mentions and mentions[-1].end == len(group):
        return mentions[-1].name
    m = _ADMIN_TAIL.search(group)
    if m:  # a name the division table lacks: the shortest plausible tail
        name = m.group(1)
        for cut in range(len(name) - 3, -1, -1):
            tail = name[cut:]
            if plausible(tail) and not _NOT_IN_NAMES.search(tail):
                return tail
    return None


def _score_places(folded: str, regions: Regions) -> dict[str, float]:
    weighted: list[tuple[tuple[int, int], float]] = []
    if regions.title_lines:  # one span, so that a committee's name broken over two lines is read whole
        weighted.append(((regions.title_lines[0][0], regions.title_lines[-1][1]), 3.0))
    if regions.headline:
        weighted.append((regions.headline, 3.0))
    for span in (regions.occasion, regions.speaker):
        if span:
            weighted.append((span, 2.0))
    weighted += [(s, 1.5) for s in regions.meta_lines]
    for n, span in enumerate(regions.body):
        weighted.append((span, 1.5 if n == 0 else 1.0))
    weighted += [(s, 0.05) for s in regions.boiler]
    scores: dict[str, float] = defaultdict(float)
    plain: dict[str, float] = defaultdict(float)
    for (s, e), mult in weighted:
        text = re.sub(r"\s+", "", folded[s:e])  # glosses and line breaks inside a name
        if _NATIONAL_ISSUER.search(text):
            scores[NATIONAL] += 10.0 * mult
        for pattern, weight in _ISSUERS:
            for m in pattern.finditer(text):
                place = _place_in(m.group(1))
                if place:
                    scores[place] += weight * mult
        for mention in find_places(text):
            plain[mention.name] += 3.0 if mult >= 3 else 0.5 * min(mult, 1.0)
    for place, value in plain.items():
        scores[place] += min(value, 3.0)
    return scores


def choose_place(folded: str, regions: Regions) -> tuple[str | None, str]:
    """The document's place (folded) and where it came from."""
    scores = _score_places(folded, regions)
    if not scores:
        return None, "unknown"
    best = max(scores, key=lambda p: (scores[p], -len(p)))
    gaz = Gazetteer.load()
    changed = True
    while changed:  # a place inside the best one, with real evidence of its own, is the more precise answer
        changed = False
        for other, value in sorted(scores.items(), key=lambda kv: -kv[1]):
            if other != best and value >= 0.4 * scores[best] and gaz.contains(best, other):
                best, changed = other, True
                break
    return best, "text: committee or government named in the title, lead or body"


def as_written(raw: str, folded: str, name: str, spans: Iterable[tuple[int, int]]) -> str:
    """``name`` (folded) as the source writes it (石景山区 -> 石景山區 in a traditional document)."""
    for s, e in spans:
        i = folded.find(name, s, e)
        if i != -1:
            return raw[i : i + len(name)]
    i = folded.find(name)
    return raw[i : i + len(name)] if i != -1 else name


def iso_date(text: str) -> str | None:
    m = _DATE_ZH.search(text) or _DATE_ISO.search(text)
    if not m:
        return None
    y, mo, d = m.group(1), int(m.group(2)), m.group(3)
    if not 1 <= mo <= 12:
        return None
    return f"{y}-{mo:02d}-{int(d):02d}" if d and 1 <= int(d) <= 31 else f"{y}-{mo:02d}"


def genre_of(title: str | None, kind: str) -> str | None:
    if not title:
        return None
    for pattern, name in _GENRES:
        if pattern.search(title):
            return name
    return None


def _year(regions: Regions, folded: str, genre: str | None, date: str | None) -> tuple[int | None, str]:
    if regions.title and (m := _YEAR.search(regions.title)) and "年鉴" not in regions.title:
        return int(m.group(1)), "title"
    for s, e in [*regions.title_lines, *regions.boiler[:4]]:
        if m := _YEARBOOK.search(folded[s:e]):
            return int(m.group(1)) - 1, "yearbook edition year minus one"
    for heading in regions.headings:
        if m := _REVIEW_HEADING.search(heading):
            return int(m.group(1)), "section heading (工作回顾)"
    if date:
        year, month = int(date[:4]), int(date[5:7]) if len(date) >= 7 else 0
        if regions.kind == "report" and genre in ("常委会工作报告", "工作报告", "工作总结") and 1 <= month <= 4:
            return year - 1, "report given early in the year: the year before"
        return year, "date"
    return None, "unknown"


def extract_meta(raw: str, folded: str, regions: Regions) -> DocMeta:
    """Metadata read from the text alone (overrides are applied by ``apply_overrides``)."""
    origins: dict[str, str] = {"kind": "layout"}
    place, origin = choose_place(folded, regions)
    written = None
    if place:
        spans = [*regions.title_lines, *( [regions.headline] if regions.headline else []), *regions.body]
        written = as_written(raw, folded, place, spans)
        origins["place"] = origin
        origins["level"] = "place name"
    date = None
    for span, label in ((regions.occasion, "occasion line"), *((s, "来源/时间 line") for s in regions.meta_lines)):
        if span and (date := iso_date(folded[span[0] : span[1]])):
            origins["date"] = label
            break
    if date is None and regions.kind == "news":
        for s, e in regions.body[:2]:
            m = _DATE_ZH.search(folded, s, min(e, s + 80))
            if m and m.group(3):
                date = iso_date(m.group(0))
                origins["date"] = "first dated sentence"
                break
    genre = genre_of(regions.title, regions.kind)
    year, year_origin = _year(regions, folded, genre, date)
    if year is not None:
        origins["year"] = year_origin
    session = None
    for span in [regions.occasion, *regions.title_lines, regions.headline, regions.first_body]:
        if span and (m := _SESSION.search(folded, span[0], span[1])):
            session = raw[m.start() : m.end()]
            origins["session"] = "title block" if span != regions.first_body else "lead"
            break
    speaker = None
    if regions.speaker:
        speaker = re.sub(r"\s+", " ", raw[regions.speaker[0] : regions.speaker[1]]).strip()
        origins["speaker"] = "speaker line"
    outlet = None
    for s, e in regions.meta_lines:
        if m := re.search(r"来源\s*[：:]\s*([^\s：:]{2,30})", folded[s:e]):
            outlet = raw[s + m.start(1) : s + m.end(1)]
            origins["outlet"] = "来源 line"
            break
    if regions.title:
        origins["title"] = regions.title_origin or "title"
    if genre:
        origins["genre"] = "title"
    return DocMeta(place=written, level=level_of(place) if place else None, year=year, date=date,
                   session=session, speaker=speaker, kind=regions.kind, genre=genre, title=regions.title,
                   outlet=outlet, origins=origins)


def path_hints(source: str) -> dict[str, object]:
    """Place and year named by the folder or file name (``青州市/2024-年度报告.docx``)."""
    from .textnorm import fold

    out: dict[str, object] = {}
    parts = Path(source).parts
    for part in reversed(parts):
        stem = Path(part).stem if part == parts[-1] else part
        folded = fold(stem)
        mentions = find_places(folded)
        if mentions:
            out.setdefault("place", stem[mentions[-1].start : mentions[-1].end])
        elif (m := _ADMIN_TAIL.search(re.sub(r"[^\u4e00-\u9fff]", "", folded))) and plausible(m.group(1)):
            out.setdefault("place", m.group(1))
        if (m := _YEAR.search(stem)) and "year" not in out:
            out["year"] = int(m.group(1))
    return out


def apply_overrides(meta: DocMeta, overrides: Mapping[str, object], origin: str) -> DocMeta:
    """``meta`` with the fields ``overrides`` sets, their origin recorded; ``level`` follows a new place."""
    values = meta.to_dict()
    origins = dict(meta.origins)
    for key, value in overrides.items():
        if key not in DocMeta.FIELDS or value in (None, ""):
            continue
        if key == "year":
            try:
                value = int(str(value))
            except ValueError:
                continue
        values[key] = value
        origins[key] = origin
        if key == "place" and "level" not in overrides:
            values["level"] = level_of(str(value))
            origins["level"] = origin
    values["origins"] = origins
    return DocMeta.from_dict(values)
