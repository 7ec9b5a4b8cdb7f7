"""Document layouts, recognised from structure: a newspaper page of county items, a single report, a news item.

Every line of the folded text (``textnorm.fold``) gets a role:

- ``boiler``: web-page furniture (breadcrumbs ``首页 > …``, share and print bars, ``编辑：``, footers,
  ``新闻推荐`` lists and everything after them, image file names) and, before a report's title block,
  an aggregator site's preamble. Kept out of chunks, never out of offsets.
- ``meta``: ``来源：`` / ``发布时间：`` / date lines: kept out of chunks, read for metadata.
- a report's title block: ``title`` lines (possibly letter-spaced), the ``occasion`` line
  (``——在…会议上``, ``（…会议通过）``), the ``speaker`` line, the ``salutation`` (``各位委员：``).
- a page's ``headline`` (``X区：标题``) and photo ``caption`` credits (``通讯员 X 摄``).
- ``body``.

Body lines broken mid-sentence by the page layout are joined into paragraphs (each character's raw offset
kept), and numbered headings (``一、`` ``（一）`` ``1.`` ``一是``, or a short untitled part line in a report)
build a section tree.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .meta import Regions, extract_meta
from .records import Article, DocMeta, Document, Paragraph, Section

_NUM = "一二三四五六七八九十"
_ADMIN = r"[\u4e00-\u9fff]{2,8}?(?:自治县|自治州|自治旗|新区|区|市|县|旗|州|盟)"
_HEADLINE = re.compile(rf"^(?P<place>{_ADMIN})\s*[：:]\s*(?P<title>\S.*)$")
_LEAD = re.compile(r"^\s*(?:本报讯|[\u4e00-\u9fff]{1,8}讯|本报[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电)\s*"
                   r"[（(]\s*(?:记者|通讯员)\s*(?P<names>[^）)]*)[）)]")
_CAPTION = re.compile(r"^[（(]?\s*(?:通讯员|记者|摄影)[\s：:]*(?P<names>[\u4e00-\u9fff·\s]{2,40}?)\s*摄\s*[）)]?$")
_LEADING_PLACE = re.compile(rf"^\s*(?:本报讯\s*[（(][^）)]*[）)]\s*)?(?P<place>{_ADMIN})"
                            r"(?=政协|委员会|人民政府|党委|[：:，,])")
_SENTENCE_END = "。！？…；"
_CLOSERS = "”’」』）)》】\"'"

_BREADCRUMB = re.compile(r"^(?:您?(?:现在)?的?(?:当前)?(?:所在)?位置|当前(?:页面|位置)|首页)\s*[：:>»＞|]|"
                         r"^[^。，；]{0,40}(?:\s*[>»＞]\s*[^。，；>»＞]{1,20}){2,}\s*[>»＞]?\s*$")
_TAIL = re.compile(r"^[-•·*\s]*(?:新闻推荐|相关推荐|相关阅读|推荐阅读|相关新闻|相关文章|延伸阅读|热点推荐|"
                   r"上一篇|下一篇|Next Article|Previous Article)|版权所有|Copyright|©|ICP备|不良信息举报|"
                   r"本网(?:只是)?转载|转载请注明")
_JUNK = re.compile(r"^(?:责任?编辑|责编|编辑|审核|校对|终审|初审|关键词|关键字|标签)\s*[：:]|字体大小|"
                   r"【\s*大\s*中\s*小\s*】|"
                   r"分享到|打印本页|关闭窗口|收藏本页|点击率|阅读量|浏览次数|扫一扫|"
                   r"^\S+\.(?:jpg|jpeg|png|gif|bmp|webp)$|^图[源片]?(?:来源)?\s*[：:]|^(?:Page|P\.)\s*\d+|^\d{1,4}$",
                   re.IGNORECASE)
_META = re.compile(r"^(?:来\s*源|信息来源|文章来源|稿源|发布时间|发布日期|发表时间|时间|日期|作者|发布者)\s*[：:]|"
                   r"(?:发布|发表)(?:时间|日期)|"
                   r"^\S{0,20}\s*(?:19|20)\d\d-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+\S{0,6})?$")
_AGGREGATOR = re.compile(rf"【第?[{_NUM}\d]+篇】|[（(]共\d+篇[)）]|篇[{_NUM}]$|^第[{_NUM}]+篇\s*[：:]|【\d+篇】")
_SALUTATION = re.compile(r"^各位(?:委员|代表|常委|同志|领导)们?(?:[、，,][^：:]{0,20})?\s*[：:！!，,]?$")
_OCCASION = re.compile(r"^[—\-－–]{1,3}\s*\S.*(?:会议|大会|会)上?\s*$|"
                       r"^[（(].{0,60}(?:会议|大会).{0,20}(?:通过|上)\s*[）)]$|"
                       r"^[（(]\s*(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]$")
_SPEAKER = re.compile(r"^[\u4e00-\u9fff]{0,30}?(?:主席|副主席|市长|省长|县长|区长|旗长|总理|书记|主任|秘书长|主委)\s+"
                      r"[\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,3}$")
_ISSUER_START = re.compile(r"^(?:中国人民政治协商会议|政协|关于|(?:19|20)\d\d\s*年)")
_HEADING = (
    (re.compile(rf"^第[{_NUM}]+(?:部分|章|篇)\s*"), 0),
    (re.compile(rf"^[{_NUM}]+\s*、\s*"), 1),
    (re.compile(rf"^[（(]\s*[{_NUM}]+\s*[）)]\s*"), 2),
    (re.compile(r"^\d{1,2}\s*[.、．](?!\d)\s*|^[（(]\s*\d{1,2}\s*[）)]\s*"), 3),
    (re.compile(rf"^[{_NUM}]+是"), 4),
)
_INLINE_ITEM = re.compile(rf"(?<=[。；：])\s*([{_NUM}]+是)")
_REPORT_TITLE = re.compile(r"(?:报告|总结|年鉴)\s*[（(]?\s*(?:(?:19|20)\d\d)?\s*[）)]?\s*$")
_TITLE_END = re.compile(r"[。！？；：]|\s{1,}(?=\S{12,})")


@dataclass
class Line:
    start: int  # raw offsets of the trimmed line
    end: int
    text: str  # folded
    gap: int  # blank lines before it
    role: str = "body"


def lines_of(folded: str) -> list[Line]:
    out: list[Line] = []
    blank = 0
    for m in re.finditer(r"[^\n]*\n|[^\n]+$", folded):
        seg = m.group()
        inner = re.search(r"\S(?:.*\S)?", seg)
        if inner is None:
            blank += 1
            continue
        out.append(Line(m.start() + inner.start(), m.start() + inner.end(), inner.group(), blank))
        blank = 0
    return out


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def unglossed(raw: str, folded: str, start: int, end: int) -> str:
    """``raw[start:end]`` without the pinyin glosses a reader skips (``區(qū)`` -> ``區``)."""
    return "".join(r for r, f in zip(raw[start:end], folded[start:end], strict=True) if not (f == " " and r != " "))


def collapse(text: str) -> str:
    """A line as a title reads: letter-spacing removed (``工 作 报 告`` -> ``工作报告``, ``龚 正`` -> ``龚正``), a space
    between two phrases kept as one space, line breaks removed."""
    parts = text.split()
    if len(parts) > 1 and sum(len(p) == 1 for p in parts) >= len(parts) - 1:
        return "".join(parts)
    return " ".join(parts)


def _mark_boilerplate(lines: list[Line]) -> None:
    seen_body = 0
    for n, line in enumerate(lines):
        t = line.text
        if seen_body >= 1 and _TAIL.search(t):
            for rest in lines[n:]:
                rest.role = "boiler"
            return
        if _META.search(t) and len(t) <= 80:
            line.role = "meta"
        elif _BREADCRUMB.search(t) or _JUNK.search(t) or (_TAIL.search(t) and len(t) < 60):
            line.role = "boiler"
        elif len(t) > 30 or ends_sentence(t):
            seen_body += 1


def _heading(text: str) -> tuple[str, int, int] | None:
    """(marker, level, length of the marker with its spaces) when ``text`` opens with a section marker."""
    for pattern, level in _HEADING:
        m = pattern.match(text)
        if m:
            if level == 3 and len(text) > 80 and not re.match(r"^\d{1,2}\s*[.、．]\s*\S{2,30}[。：]", text):
                return None  # a numbered sentence in running text, not a heading
            return text[: m.end()].strip(), level, m.end()
    return None


def _detect(lines: list[Line]) -> str:
    live = [ln for ln in lines if ln.role == "body"]
    head = live[:15]
    headlines = sum(bool(_HEADLINE.match(ln.text)) and len(ln.text) <= 60 and "。" not in ln.text for ln in live)
    captions = sum(bool(_CAPTION.match(ln.text)) for ln in live)
    if headlines >= 2 or (headlines >= 1 and captions >= 1):
        return "page"
    if any(_SALUTATION.match(ln.text) for ln in head) or any(_OCCASION.match(ln.text) for ln in head[:10]):
        return "report"
    numbered = sum(1 for ln in live if (h := _heading(ln.text)) and h[1] in (1, 2))
    if numbered >= 2 and not any(_LEAD.match(ln.text) for ln in head):
        return "report"
    return "news"


def _title_block(lines: list[Line], live: list[int]) -> tuple[list[int], int]:
    """Indices (into ``lines``) of the report's title block, and of the first line after it."""
    salutation = next((i for i in live[:20] if _SALUTATION.match(lines[i].text)), None)
    if salutation is not None:
        block: list[int] = []
        for i in reversed([j for j in live if j < salutation]):
            t = lines[i].text
            if _AGGREGATOR.search(t) or ends_sentence(t) or len(t) > 60 or len(block) >= 6:
                break
            block.insert(0, i)
        return block, salutation
    block = []
    for i in live:
        t = lines[i].text
        if ends_sentence(t) or len(t) > 60 or _heading(t):
            break
        block.append(i)
        if _OCCASION.match(t):
            nxt = live.index(i) + 1
            return block, live[nxt] if nxt < len(live) else len(lines)
    if len(block) > 6 or not block:
        return [], live[0] if live else len(lines)
    nxt = live.index(block[-1]) + 1
    return block, live[nxt] if nxt < len(live) else len(lines)


@dataclass
class _Unit:
    """A paragraph in the making: lines joined, with their raw offsets."""

    lines: list[Line] = field(default_factory=list)
    keep_alone: bool = False


def _join(raw: str, lines: list[Line]) -> tuple[str, tuple[int, ...]]:
    """Lines joined without a separator, or with one space between two Latin letters or digits."""
    parts: list[str] = []
    offsets: list[int] = []
    for ln in lines:
        if offsets and raw[offsets[-1]].isascii() and raw[offsets[-1]].isalnum() \
                and raw[ln.start].isascii() and raw[ln.start].isalnum():
            parts.append(" ")
            offsets.append(offsets[-1] + 1)
        parts.append(raw[ln.start : ln.end])
        offsets.extend(range(ln.start, ln.end))
    return "".join(parts), tuple(offsets)


def _paragraphs(raw: str, units: list[_Unit], source: str) -> list[Paragraph]:
    out = []
    for n, u in enumerate(units, 1):
        text, offsets = _join(raw, u.lines)
        out.append(Paragraph(source=source, start=u.lines[0].start, end=u.lines[-1].end, number=n, text=text,
                             offsets=offsets, role=u.lines[0].role if u.keep_alone else "body"))
    return out


def _units(lines: list[Line], report: bool) -> list[_Unit]:
    """Join lines broken mid-sentence. A title-block line, a part title or a heading that is only a title stands
    alone; a heading line that goes on into running text (``1.围绕…开展协商议事，``) takes its next lines."""
    units: list[_Unit] = []
    for ln in lines:
        heading = _heading(ln.text) is not None
        block = ln.role in ("title", "occasion", "speaker", "salutation", "headline")
        part_title = report and ln.role == "body" and _is_part_title(ln.text)
        titled = heading and ln.text[-1] not in "，、；：,;:" and len(ln.text) <= 30
        prev = units[-1] if units else None
        if prev and not prev.keep_alone and not (heading or block or part_title) \
                and not ends_sentence(prev.lines[-1].text):
            prev.lines.append(ln)
        else:
            units.append(_Unit([ln], block or part_title or titled))
    return units


def _title_len(rest: str) -> int:
    """Length of a heading's title at the start of ``rest``: up to the first 。！？；： or a gap before more text."""
    m = _TITLE_END.search(rest)
    return min(m.start() if m else len(rest), 60)


def _is_part_title(text: str) -> bool:
    return len(text) <= 24 and not re.search(r"[。！？；，、：]", text)


def _text_at(p: Paragraph, folded: str, i: int, j: int) -> str:
    """A paragraph's text ``[i, j)`` as written, pinyin glosses left out."""
    return "".join(ch for ch, o in zip(p.text[i:j], p.offsets[i:j], strict=True)
                   if not (folded[o] == " " and ch != " ")).strip()


def _sections(paras: list[Paragraph], folded: str, report: bool, end: int,
              block_starts: set[int]) -> tuple[list[Section], list[Paragraph]]:
    """The section tree of an article's paragraphs, and the paragraphs with their innermost section set.

    ``block_starts``: starts of the title-block paragraphs, which are never section titles.
    """
    marks: list[tuple[int, str, str, int, int, int]] = []  # (start, marker, title, level, heading_end, limit)
    for p in paras:
        ftext = "".join(folded[o] for o in p.offsets)
        h = _heading(ftext)
        if h:
            marker, level, skip = h
            n = _title_len(ftext[skip:])
            title = _text_at(p, folded, skip, skip + n)
            marks.append((p.start, marker, title, level, p.offsets[min(len(p.offsets), skip + max(n, 1)) - 1] + 1,
                          p.end if level == 4 else end))
        elif report and p.start not in block_starts and _is_part_title(ftext):
            marks.append((p.start, "", collapse(p.text), 0, p.end, end))
        for m in _INLINE_ITEM.finditer(ftext):
            s, skip = m.start(1), m.end(1)
            n = _title_len(ftext[skip:])
            marks.append((p.offsets[s], p.text[s:skip], _text_at(p, folded, skip, skip + n), 4,
                          p.offsets[min(len(p.offsets), skip + max(n, 1)) - 1] + 1, p.end))  # ends with its paragraph
    marks.sort()
    built: list[dict[str, object]] = []
    stack: list[int] = []
    for start, marker, title, level, heading_end, limit in marks:
        while stack and (int(built[stack[-1]]["level"]) >= level  # type: ignore[call-overload]
                         or int(built[stack[-1]]["end"]) <= start):  # type: ignore[call-overload]
            top = built[stack.pop()]
            top["end"] = min(int(top["end"]), start)  # type: ignore[call-overload]
        built.append({"start": start, "end": limit, "number": marker, "title": title, "level": level,
                      "heading_end": heading_end, "parent": stack[-1] if stack else None})
        stack.append(len(built) - 1)
    sections = [Section(source=paras[0].source, **b) for b in built]  # type: ignore[arg-type]
    out = []
    for p in paras:
        inner = None
        for i, sec in enumerate(sections):
            if sec.start <= p.start < sec.end and (inner is None or sec.level >= sections[inner].level):
                inner = i
        is_heading = any(sec.start == p.start and sec.level < 4 for sec in sections)
        out.append(Paragraph(source=p.source, start=p.start, end=p.end, number=p.number, text=p.text,
                             offsets=p.offsets, section=inner, heading=is_heading, role=p.role))
    return sections, out


def _names(raw: str) -> tuple[str, ...]:
    return tuple(n for n in re.split(r"[\s、，,]+", raw.strip()) if n and n not in ("记者", "通讯员", "摄影", "实习生"))


def _derived_span(text: str) -> tuple[int, int]:
    """Where, in folded ``text``, a title for an item with no headline lies: its first clause after the lead
    and date."""
    start = 0
    for pattern in (_LEAD, re.compile(r"[\u4e00-\u9fff]{0,8}讯\s*"),
                    re.compile(r"\s*(?:(?:19|20)\d\d年)?\d{1,2}月\d{1,2}日(?:上午|下午|晚上?)?[，,]?")):
        m = pattern.match(text, start)
        if m:
            start = m.end()
    m = re.compile(r"[，。；！？]").search(text, start)
    end = min(m.start() if m else len(text), start + 30)
    return start, end


def _derived_title(raw: str, folded: str, lines: list[Line]) -> str:
    for ln in lines:
        if len(ln.text) >= 12:
            s, e = _derived_span(ln.text)
            return collapse(unglossed(raw, folded, ln.start + s, ln.start + e))
    return ""


def _quoted_title(text: str) -> str:
    quoted = Counter(re.findall(r"“([^”]{2,16})”", text))
    if quoted:
        phrase = max(quoted, key=lambda q: (quoted[q], -text.index(q)))
        return f"“{phrase}”（图片新闻）"
    s, e = _derived_span(text)
    return f"{text[s:e]}（图片新闻）"


# -- a newspaper page ----------------------------------------------------------------------------------------


@dataclass
class _Segment:
    head: Line | None
    place: str | None
    title_at: int | None  # where the headline's title starts in the headline
    body: list[Line] = field(default_factory=list)
    caption: Line | None = None


def _leading_place(text: str) -> str | None:
    m = _LEADING_PLACE.match(text)
    return m.group("place") if m else None


def _page_segments(lines: list[Line]) -> list[_Segment]:
    """Group lines into items: a headline starts one; a photo credit closes a caption item."""
    segments: list[_Segment] = []
    current: _Segment | None = None
    for b in lines:
        head = _HEADLINE.match(b.text) if len(b.text) <= 60 and "。" not in b.text else None
        if head:
            current = _Segment(b, head.group("place"), head.start("title"))
            segments.append(current)
        elif _CAPTION.match(b.text):
            if current is None or not current.body:
                continue  # a credit with nothing to caption
            if current.head is not None:
                # Right after a headed item, the last paragraph is a caption if it speaks of another place;
                # otherwise the credit belongs to that item's photo.
                last = current.body[-1]
                other = _leading_place(last.text)
                if other and other != current.place and len(current.body) > 1:
                    current.body.pop()
                    current = _Segment(None, None, None, [last])
                    segments.append(current)
            current.caption = b
            current = None
        else:
            new_topic = (
                current is not None
                and b.gap >= 2
                and ends_sentence(current.body[-1].text if current.body else "。")
                and _leading_place(b.text) not in (None, current.place)
            )
            if current is None or new_topic:
                if not segments and len(b.text) <= 40 and not ends_sentence(b.text):
                    continue  # page heading before the first item
                current = _Segment(None, None, None)
                segments.append(current)
            current.body.append(b)
    return segments


def _page_articles(doc: Document, folded: str, lines: list[Line], page_meta: DocMeta) -> list[Article]:
    live = [ln for ln in lines if ln.role == "body"]
    articles: list[Article] = []
    for seg in _page_segments(live):
        if not seg.body:
            continue
        paras = _paragraphs(doc.text, _units(seg.body, report=False), doc.source)
        text = "".join(p.text for p in paras)
        reporters: tuple[str, ...] = ()
        if lead := _LEAD.match(folded[seg.body[0].start : seg.body[0].end]):
            reporters = _names(lead.group("names"))
        if seg.caption is not None and (cap := _CAPTION.match(seg.caption.text)):
            reporters += tuple(n for n in _names(cap.group("names")) if n not in reporters)
        if seg.place is not None and seg.head is not None and seg.title_at is not None:
            title = collapse(unglossed(doc.text, folded, seg.head.start + seg.title_at, seg.head.end))
            place_f, derived = seg.place, False
            place_origin = "headline"
        else:
            place_f = _leading_place(seg.body[0].text) or ""
            title, derived = _quoted_title("".join(p.text for p in paras)), True
            place_origin = "first words of the item"
        start = (seg.head or seg.body[0]).start
        end = (seg.caption or seg.body[-1]).end
        origins = {**page_meta.origins, "title": "headline" if not derived else "derived from the text"}
        year, date = page_meta.year, page_meta.date
        if year is None and (m := re.search(r"(?<!\d)((?:19|20)\d\d)年", text)):
            year = int(m.group(1))
            origins["year"] = "first year in the item"
        place = None
        if place_f:
            i = folded.find(place_f, start, end)
            place = doc.text[i : i + len(place_f)] if i != -1 else place_f
            origins["place"] = place_origin
            origins["level"] = "place name"
        from .places import level_of

        meta = DocMeta(place=place, level=level_of(place) if place else None, year=year, date=date,
                       session=page_meta.session, speaker=None, kind="page", genre=page_meta.genre,
                       title=title, outlet=page_meta.outlet,
                       origins={k: v for k, v in origins.items() if k != "place" or place})
        articles.append(Article(source=doc.source, start=start, end=end, id=f"{doc.source}#{len(articles) + 1}",
                                title=title, title_derived=derived, layout="page", meta=meta, reporters=reporters,
                                paragraphs=tuple(paras)))
    return articles


# -- one report or news item ---------------------------------------------------------------------------------


def _report_title_block(raw: str, folded: str, lines: list[Line], live: list[int], regions: Regions) -> int:
    """Mark a report's title block (title lines, occasion, speaker, salutation) and the preamble before it;
    fill the title, occasion and speaker regions; return the index of the first content line."""
    block, _after = _title_block(lines, live)
    for i in block:
        t = lines[i].text
        lines[i].role = "occasion" if _OCCASION.match(t) else "speaker" if _SPEAKER.match(t) else "title"
    sal = next((i for i in live[:20] if _SALUTATION.match(lines[i].text)), None)
    if sal is not None:
        lines[sal].role = "salutation"
    first = block[0] if block else (sal if sal is not None else live[0])
    for i in live:
        if i < first:
            lines[i].role = "boiler"  # an aggregator's preamble before the title block
    titles = [i for i in block if lines[i].role == "title"]
    starts = sorted((i for i in titles if _ISSUER_START.match(lines[i].text)),
                    key=lambda i: (not lines[i].text.startswith(("中国人民政治协商会议", "政协")), i))
    if len(titles) > 2 and starts:
        titles = [i for i in titles if i >= starts[0]]
    texts: list[str] = []
    for i in titles:
        t = collapse(unglossed(raw, folded, lines[i].start, lines[i].end))
        if not any(t in prev for prev in texts):
            texts.append(t)
    if texts:
        regions.title, regions.title_origin = "".join(texts), "title block"
    elif before := [i for i in range(first) if "报告" in lines[i].text or "总结" in lines[i].text]:
        b = lines[before[-1]]
        regions.title = collapse(_AGGREGATOR.sub("", unglossed(raw, folded, b.start, b.end))).strip("【】 ")
        regions.title_origin = "heading before the salutation"
    regions.title_lines = [(lines[i].start, lines[i].end) for i in titles]
    occ = [i for i in block if lines[i].role == "occasion"]
    spk = [i for i in block if lines[i].role == "speaker"]
    regions.occasion = (lines[occ[0]].start, lines[occ[0]].end) if occ else None
    regions.speaker = (lines[spk[0]].start, lines[spk[0]].end) if spk else None
    return first


def _news_headline(raw: str, folded: str, first: Line, regions: Regions) -> None:
    """A news item's first line is its headline when it reads like one (short, no sentence end, not the lead)."""
    if 8 <= len(first.text) <= 60 and not ends_sentence(first.text) and not _LEAD.match(first.text) \
            and not _heading(first.text):
        first.role = "headline"
        regions.headline = (first.start, first.end)
        regions.title = collapse(unglossed(raw, folded, first.start, first.end))
        regions.title_origin = "headline"
        if _REPORT_TITLE.search(first.text):
            regions.kind = "report"


def _regions_for_single(raw: str, folded: str, lines: list[Line], kind: str) -> tuple[Regions, list[Line]]:
    """Roles of a report's or news item's lines; returns the regions and the lines that are content."""
    live = [i for i, ln in enumerate(lines) if ln.role == "body"]
    regions = Regions(kind=kind)
    content_from = live[0] if live else len(lines)
    if kind == "report" and live:
        content_from = _report_title_block(raw, folded, lines, live, regions)
    elif live:
        _news_headline(raw, folded, lines[live[0]], regions)
    content = [ln for ln in lines[content_from:] if ln.role not in ("boiler", "meta")]
    regions.meta_lines = [(ln.start, ln.end) for ln in lines if ln.role == "meta"]
    regions.boiler = [(ln.start, ln.end) for ln in lines if ln.role == "boiler"]
    body = [ln for ln in content if ln.role == "body"]
    regions.body = [(ln.start, ln.end) for ln in body]
    regions.first_body = regions.body[0] if regions.body else None
    regions.headings = [ln.text for ln in body if _heading(ln.text) or _is_part_title(ln.text)]
    if regions.title is None and body:
        regions.title = _derived_title(raw, folded, body) or None
        regions.title_origin = "derived from the first sentence"
    return regions, content


def _single_article(doc: Document, folded: str, lines: list[Line], kind: str) -> Article | None:
    regions, content = _regions_for_single(doc.text, folded, lines, kind)
    if not content:
        return None
    meta = extract_meta(doc.text, folded, regions)
    kind = regions.kind
    units = _units(content, report=kind == "report")
    paras = _paragraphs(doc.text, units, doc.source)
    end = content[-1].end
    block_starts = {p.start for p in paras if p.role != "body"}
    sections, paras = _sections(paras, folded, kind == "report", end, block_starts)
    reporters: tuple[str, ...] = ()
    for ln in content[:3]:
        if lead := _LEAD.match(ln.text):
            reporters = _names(lead.group("names"))
            break
    title = meta.title or (regions.title or "")
    return Article(source=doc.source, start=content[0].start, end=end, id=f"{doc.source}#1", title=title,
                   title_derived=regions.title_origin.startswith("derived"), layout=kind, meta=meta,
                   reporters=reporters, paragraphs=tuple(paras), sections=tuple(sections))


def split_document(doc: Document, folded: str) -> list[Article]:
    """The articles of one decoded document, in order (metadata overrides are applied by the caller)."""
    lines = lines_of(folded)
    _mark_boilerplate(lines)
    kind = _detect(lines)
    if kind == "page":
        page_regions = Regions(kind="page")
        live = [ln for ln in lines if ln.role == "body"]
        if live and len(live[0].text) <= 40 and not ends_sentence(live[0].text):
            page_regions.title = collapse(unglossed(doc.text, folded, live[0].start, live[0].end))
            page_regions.title_lines = [(live[0].start, live[0].end)]
        page_regions.meta_lines = [(ln.start, ln.end) for ln in lines if ln.role == "meta"]
        page_meta = extract_meta(doc.text, folded, page_regions)
        return _page_articles(doc, folded, lines, page_meta)
    article = _single_article(doc, folded, lines, kind)
    return [article] if article else []
