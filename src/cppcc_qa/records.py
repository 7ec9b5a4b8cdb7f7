"""The records the pipeline passes on, each defined once, from a document to a citation.

Every record that points into a source file is a ``Span``: the source's path relative to the corpus and raw
character offsets into its decoded text (the extracted text for Word, PDF and HTML files). Paragraph numbers
and section paths are computed in one place, ``Article.where``.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

UNKNOWN = "未知"
SECTION_SEP = " › "


@dataclass(frozen=True, kw_only=True)
class Span:
    """Where a piece of text stands: ``source`` (path relative to the corpus) and raw offsets ``[start, end)``."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A decoded corpus file: its text (extracted text for Word, PDF, HTML) and how to find places in the original."""

    source: str
    text: str
    encoding: str  # the text encoding, or "pdf" / "docx" / "html" for extracted text
    sha256: str
    marks: tuple[tuple[int, int], ...] = ()  # (offset, page or Word paragraph or HTML block) from that offset on

    def locator(self, offset: int) -> str | None:
        """Where ``offset`` is in the original file: PDF page, Word paragraph or HTML block."""
        if not self.marks:
            return None
        i = bisect_right([m[0] for m in self.marks], offset) - 1
        if i < 0:
            return None
        number = self.marks[i][1]
        return {"pdf": f"PDF 第{number}页", "docx": f"Word 第{number}段"}.get(self.encoding, f"HTML 第{number}块")


@dataclass(frozen=True)
class DocMeta:
    """What a document (or one item of a newspaper page) is, each field with where its value came from.

    ``origins`` maps a field name to a short description of its origin ("title block", "来源 line",
    "file name", "meta.json" …). A field nobody could determine is None and its origin is "unknown".
    """

    place: str | None = None  # as written in the text (traditional characters stay traditional)
    level: str | None = None  # national | province | city | district | county
    year: int | None = None  # the year of the work described
    date: str | None = None  # when the report was given or the item published (YYYY-MM-DD, YYYY-MM or YYYY)
    session: str | None = None  # 第十一届委员会第五次会议 / 四届五次会议
    speaker: str | None = None
    kind: str | None = None  # report | news | page
    genre: str | None = None  # 常委会工作报告 | 提案工作报告 | 政府工作报告 | … as recognised
    title: str | None = None
    outlet: str | None = None  # the 来源 of a news item (newspaper, site)
    origins: Mapping[str, str] = field(default_factory=dict)

    FIELDS = ("place", "level", "year", "date", "session", "speaker", "kind", "genre", "title", "outlet")

    def origin(self, name: str) -> str:
        return self.origins.get(name, "unknown")

    def to_dict(self) -> dict[str, Any]:
        return {**{f: getattr(self, f) for f in self.FIELDS}, "origins": dict(self.origins)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocMeta:
        return cls(**{f: data.get(f) for f in cls.FIELDS}, origins=dict(data.get("origins") or {}))


@dataclass(frozen=True, kw_only=True)
class Section(Span):
    """A numbered (or titled) part of a report: ``一、…`` level 1, ``（一）…`` 2, ``1.`` 3, ``一是…`` 4.

    ``start``/``end`` cover the heading and everything up to the next heading of the same or a higher level;
    ``heading_end`` is where the heading text ends.
    """

    number: str  # the marker as written: "二、", "（三）", "1.", "一是", "" for an unnumbered part title
    title: str  # the heading text without its marker
    level: int
    heading_end: int
    parent: int | None = None  # index of the enclosing section in ``Article.sections``

    @property
    def label(self) -> str:
        return f"{self.number}{self.title}"


@dataclass(frozen=True, kw_only=True)
class Paragraph(Span):
    """One paragraph of an article: its lines joined (page-break repair), each character's raw offset kept."""

    number: int  # 1-based position in the article
    text: str
    offsets: tuple[int, ...] = field(default=(), repr=False, compare=False)
    section: int | None = None  # index of the innermost section holding it
    heading: bool = False  # the paragraph is (or opens with) a section heading
    role: str = "body"  # body | title | occasion | speaker | salutation | headline (the title block's parts)


@dataclass(frozen=True)
class Where:
    """How a citation names a place in the reports: place, title, section path and paragraph."""

    place: str
    title: str
    year: int | None
    section_path: tuple[str, ...]
    paragraph: int  # 1-based, within the innermost section when there is one, else within the article; 0: title block
    locator: str | None = None  # PDF page / Word paragraph / HTML block of the original file

    def flat(self) -> dict[str, Any]:
        """The fields a citation or quote shows at its top level in JSON."""
        return {"place": self.place, "title": self.title, "section_path": list(self.section_path),
                "paragraph": self.paragraph}


@dataclass(frozen=True, kw_only=True)
class Article(Span):
    """One retrievable unit: a whole report or news item, or one county item of a newspaper page."""

    id: str
    title: str
    title_derived: bool
    layout: str  # page | report | news
    meta: DocMeta
    reporters: tuple[str, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    sections: tuple[Section, ...] = ()

    @property
    def place(self) -> str:
        return self.meta.place or UNKNOWN

    @property
    def year(self) -> int | None:
        return self.meta.year

    def section_path(self, index: int | None) -> tuple[str, ...]:
        path: list[str] = []
        while index is not None:
            path.append(self.sections[index].label)
            index = self.sections[index].parent
        return tuple(reversed(path))

    def section_at(self, offset: int) -> int | None:
        """Index of the innermost section holding ``offset``."""
        best: int | None = None
        for i, s in enumerate(self.sections):
            if s.start <= offset < s.end and (best is None or s.level >= self.sections[best].level):
                best = i
        return best

    def paragraph_at(self, offset: int) -> Paragraph | None:
        if not self.paragraphs:
            return None
        i = bisect_right([p.start for p in self.paragraphs], offset) - 1
        return self.paragraphs[max(0, i)]

    def where(self, offset: int, locator: str | None = None) -> Where:
        """Place, title, section path and paragraph number of raw ``offset`` (the one place these are computed).

        In a report with sections, paragraphs are counted within the innermost section, its heading not counted;
        elsewhere within the article.
        """
        para = self.paragraph_at(offset)
        section = self.section_at(offset)
        if para is None or para.role != "body":
            return Where(self.place, self.title, self.year, (), 0, locator)  # the title block
        body = [p for p in self.paragraphs if p.role == "body"]
        if section is not None:
            sec = self.sections[section]
            body = [p for p in body if p.end > sec.start and p.start < sec.end
                    and not (p.heading and p.end <= sec.heading_end)]
        number = next((n for n, p in enumerate(body, 1) if p.number == para.number), 0) or 1
        return Where(self.place, self.title, self.year, self.section_path(section), number, locator)


@dataclass(frozen=True, kw_only=True)
class Chunk(Span):
    """A retrievable passage of an article: its text (as written) and where it stands."""

    id: str
    article_id: str
    text: str
    section: int | None = None
    paragraph: int = 1  # paragraph of the article where the chunk starts


@dataclass(frozen=True, kw_only=True)
class Passage(Span):
    """A retrieved chunk, best first: where it stands and how it scored."""

    id: str
    article_id: str
    place: str
    title: str
    year: int | None
    section_path: tuple[str, ...]
    paragraph: int
    text: str  # as written in the source (traditional characters stay traditional)
    score: float
    dense: float | None = None  # cosine similarity with the question
    lexical: float | None = None  # BM25 score

    @property
    def district(self) -> str:  # the 0.1 name of ``place``
        return self.place

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Located:
    """Where a citation or quote stands, read from its ``where``."""

    where: Where

    @property
    def place(self) -> str:
        return self.where.place

    @property
    def district(self) -> str:  # the 0.1 name of ``place``
        return self.where.place

    @property
    def paragraph(self) -> int:
        return self.where.paragraph

    @property
    def location(self) -> str | None:
        return self.where.locator


@dataclass(frozen=True, kw_only=True)
class Citation(Span, Located):
    """One numbered source of an answer: the quoted words and exactly where they stand."""

    marker: int
    quote: str  # the source's words at [start, end), line breaks removed
    where: Where
    passage: Passage | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), **self.where.flat()}


@dataclass(frozen=True, kw_only=True)
class Fact(Span):
    """A quantity stated in a report: a number with its unit, what it counts, and the clause it stands in.

    ``start``/``end`` are the clause's raw offsets; ``value_start``/``value_end`` the number's.
    """

    id: int
    article_id: str
    place: str
    year: int | None
    value: float
    unit: str
    qualifier: str  # 余 / 多 / 近 / 以上 / 左右 / 约 … or ""
    label: str  # the phrase counted, as written: 审查立案提案, 社情民意信息
    value_text: str  # the number as written, with 余/多: 一百余, 265, ８．４万, 600餘
    value_start: int
    value_end: int
    section_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableRow:
    """One row of a comparison table: a place's (or a year's) figure, cited."""

    place: str
    year: int | None
    value: float
    unit: str
    label: str
    quote: str
    source: str
    start: int
    end: int
    marker: int
    value_text: str
    qualifier: str = ""
    group: int = 0  # rows of different groups count different things

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What ``answer()`` returns: text with [n] markers, its citations, the passages searched, maybe a table."""

    question: str
    text: str
    citations: list[Citation]
    found: bool
    lang: str
    passages: list[Passage] = field(default_factory=list)
    mode: str = "extractive"  # extractive | table | llm | extractive-fallback
    note: str = ""
    asked: str = ""  # the question as searched (after resolving a follow-up)
    table: list[TableRow] = field(default_factory=list)
    index_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "asked": self.asked,
            "lang": self.lang,
            "found": self.found,
            "text": self.text,
            "mode": self.mode,
            "note": self.note,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "table": [r.to_dict() for r in self.table],
            "index_version": self.index_version,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Answer:
        """The inverse of ``to_dict`` (saved conversations), tolerant of fields added or missing."""
        citations = [Citation(source=str(c["source"]), start=int(c["start"]), end=int(c["end"]),
                              marker=int(c["marker"]), quote=str(c.get("quote") or ""),
                              where=_where(c.get("where") or c), passage=_passage(c.get("passage")))
                     for c in d.get("citations") or []]
        passages = [p for p in (_passage(x) for x in d.get("passages") or []) if p is not None]
        table = []
        for r in d.get("table") or []:
            try:
                table.append(TableRow(**_fields_of(TableRow, r)))
            except TypeError:
                continue
        return cls(question=str(d.get("question") or ""), text=str(d.get("text") or ""), citations=citations,
                   found=bool(d.get("found")), lang=str(d.get("lang") or "zh"), passages=passages,
                   mode=str(d.get("mode") or "extractive"), note=str(d.get("note") or ""),
                   asked=str(d.get("asked") or ""), table=table, index_version=str(d.get("index_version") or ""))


def _fields_of(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _where(d: Mapping[str, Any]) -> Where:
    paragraph = d.get("paragraph")
    return Where(place=str(d.get("place") or ""), title=str(d.get("title") or ""), year=d.get("year"),
                 section_path=tuple(d.get("section_path") or ()), paragraph=1 if paragraph is None else int(paragraph),
                 locator=d.get("locator"))


def _passage(d: Mapping[str, Any] | None) -> Passage | None:
    if not d:
        return None
    kw = _fields_of(Passage, d)
    kw["section_path"] = tuple(kw.get("section_path") or ())
    try:
        return Passage(**kw)
    except TypeError:
        return None


@dataclass(frozen=True, kw_only=True)
class Quote(Span, Located):
    """One occurrence of a phrase (``exact``) or, failing that, a near clause (``exact=False``)."""

    exact: bool
    text: str  # the source's words at [start, end), line breaks removed, as written
    where: Where
    before: str
    after: str
    citation: str  # ready to paste
    similarity: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), **self.where.flat(), "location": self.where.locator}


@dataclass(frozen=True)
class Skipped:
    """A corpus file that was not indexed, why, and its content hash (so an unchanged corpus stays a no-op)."""

    source: str
    reason: str
    sha256: str = ""
