"""Read report files and split them into articles with exact character spans.

A newspaper page of county reports looks like::

    2025年各县市区政协工作亮点              <- page heading (no article)
    奎文区：创新服务机制助推委员企业高质量发展   <- headline ``DISTRICT：title``
    本报讯（通讯员 王衍丽 刘童）奎文区政协…      <- lead with reporters
    …body paragraphs, some broken mid-sentence by the page layout…
    潍城区政协积极践行履职为民理念…            <- photo caption text (no headline)
    通讯员 王鹏 摄                          <- photo credit closing the caption

All offsets are character offsets into the decoded file text (a UTF-8 BOM is not counted).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CppccQaError

log = logging.getLogger("cppcc_qa")

TEXT_SUFFIXES = (".txt", ".md")
ALL_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", ".html", ".htm")

def max_file_bytes() -> int:
    """Largest report read (one newspaper page is ~25 KB); $CPPCC_QA_MAX_FILE_MB raises it."""
    return int(float(os.environ.get("CPPCC_QA_MAX_FILE_MB", "8")) * 1024 * 1024)


_ADMIN = r"[\u4e00-\u9fff]{2,8}?(?:自治县|自治州|新区|区|市|县|旗|州|盟)"
_HEADLINE = re.compile(rf"^(?P<district>{_ADMIN})\s*[：:]\s*(?P<title>\S.*)$")
_LEAD = re.compile(r"^\s*本报讯\s*[（(]\s*(?:通讯员|记者)\s*(?P<names>[^）)]*)[）)]")
_CAPTION = re.compile(r"^[（(]?\s*(?:通讯员|记者|摄影)[\s：:]*(?P<names>[\u4e00-\u9fff·\s]{2,40}?)\s*摄\s*[）)]?$")
_LEADING_DISTRICT = re.compile(rf"^\s*(?:本报讯\s*[（(][^）)]*[）)]\s*)?(?P<district>{_ADMIN})(?=政协|委员会|人民政府|党委|[：:，,])")
_YEAR = re.compile(r"(?<!\d)(20\d\d|19\d\d)年")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
_SENTENCE_END = "。！？!?…；;"
_CLOSERS = "”’」』）)》】\"'"
_QUOTED = re.compile(r"“([^”]{2,16})”")
_BLOCK = re.compile(r"\S(?:.*\S)?")  # one non-blank line, trimmed


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article after page-break repair."""

    number: int  # 1-based position in the article body
    start: int  # raw offset of the first character
    end: int  # raw offset after the last character
    text: str  # repaired text: fragments joined without the page break
    offsets: tuple[int, ...] = field(repr=False, default=())  # raw offset of each character of text


@dataclass
class Article:
    """One report in a file: who it is about, where it stands, and its paragraphs."""

    id: str
    source: str  # path relative to the corpus dir, with forward slashes
    district: str
    title: str
    title_derived: bool
    reporters: list[str]
    year: int | None
    start: int
    end: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    def clean_text(self) -> tuple[str, list[int]]:
        """Body text with paragraphs joined by newlines, and each character's raw offset.

        The newline joining two paragraphs maps to the raw offset right after the first.
        """
        parts: list[str] = []
        offsets: list[int] = []
        for p in self.paragraphs:
            if parts:
                parts.append("\n")
                offsets.append(offsets[-1] + 1)
            parts.append(p.text)
            offsets.extend(p.offsets)
        return "".join(parts), offsets


@dataclass
class Document:
    """A decoded corpus file."""

    source: str
    path: Path
    text: str
    encoding: str  # the text encoding, or "pdf" / "docx" / "html" for extracted text
    sha256: str = ""
    marks: list[tuple[int, int]] = field(default_factory=list)  # (offset, page or Word paragraph)


@dataclass
class Skipped:
    """A file that was not ingested, and why."""

    source: str
    reason: str


@dataclass
class Block:
    """A run of non-blank lines in the raw text."""

    start: int
    end: int
    text: str
    gap: int  # blank lines before it
    offsets: list[int]


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode report bytes: UTF-8 (BOM or not), else the encoding charset-normalizer detects.

    Raises ValueError when the bytes are not text.
    """
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary data (NUL bytes), not a text file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16", "utf_32"]).best() or from_bytes(data).best()
    if best is None:
        raise ValueError("not valid UTF-8 and no other text encoding fits")
    text = str(best)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if not text or printable / len(text) < 0.97:
        raise ValueError(f"decodes as {best.encoding} only to unreadable characters")
    return text.lstrip("\ufeff"), best.encoding


def iter_corpus_files(corpus: Path) -> list[Path]:
    """Report files under ``corpus`` (txt, md, docx, pdf, html); hidden entries skipped, symlinked dirs not followed."""
    found: list[Path] = []
    for root, dirs, files in os.walk(corpus, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(ALL_SUFFIXES):
                found.append(Path(root) / name)
    return found


def read_corpus(corpus: Path) -> tuple[list[Document], list[Skipped]]:
    """Decode every report under ``corpus``; files that are not text are skipped with a reason."""
    if not corpus.exists():
        raise CppccQaError(f"Corpus directory {corpus} does not exist.", "Pass --corpus DIR or set CPPCC_QA_CORPUS.")
    if not corpus.is_dir():
        raise CppccQaError(f"Corpus path {corpus} is not a directory.", "Pass the folder that holds the reports.")
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in iter_corpus_files(corpus):
        source = path.relative_to(corpus).as_posix()
        try:
            size = path.stat().st_size
            if size > max_file_bytes():
                raise ValueError(f"{size / 2**20:.0f} MiB is over the {max_file_bytes() / 2**20:g} MiB limit for one report; "
                                 "split it, or raise CPPCC_QA_MAX_FILE_MB")
            data = path.read_bytes()
            marks: list[tuple[int, int]] = []
            if path.suffix.lower() in TEXT_SUFFIXES:
                text, encoding = decode_bytes(data)
            else:
                from .extract import extract

                got = extract(path, data)
                text, encoding, marks = got.text, got.kind, got.marks
        except (OSError, ValueError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            log.warning("skipped %s: %s", source, reason)
            skipped.append(Skipped(source, reason))
            continue
        if not text.strip():
            log.warning("skipped %s: the file is empty", source)
            skipped.append(Skipped(source, "the file is empty"))
            continue
        docs.append(Document(source, path, text, encoding, hashlib.sha256(data).hexdigest(), marks))
    return docs, skipped


def _blocks(text: str) -> list[Block]:
    """Split raw text into paragraphs separated by blank lines, with each character's raw offset.

    Lines inside one paragraph are joined without a separator (Chinese), or with a space
    between two Latin letters or digits (mapped to the line break's offset).
    """
    blocks: list[Block] = []
    lines: list[tuple[int, int]] = []
    blank = gap = 0

    def flush() -> None:
        parts: list[str] = []
        offsets: list[int] = []
        for s, e in lines:
            if parts and text[offsets[-1]].isascii() and text[offsets[-1]].isalnum() and text[s].isascii() and text[s].isalnum():
                parts.append(" ")
                offsets.append(offsets[-1] + 1)
            parts.append(text[s:e])
            offsets.extend(range(s, e))
        blocks.append(Block(lines[0][0], lines[-1][1], "".join(parts), gap, offsets))

    for m in re.finditer(r"[^\n]*\n|[^\n]+$", text):
        inner = _BLOCK.search(m.group())
        if inner is None:
            if lines:
                flush()
                lines = []
            blank += 1
            continue
        if not lines:
            gap, blank = blank, 0
        lines.append((m.start() + inner.start(), m.start() + inner.end()))
    if lines:
        flush()
    return blocks


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _names(raw: str) -> list[str]:
    return [n for n in re.split(r"[\s、，,]+", raw.strip()) if n]


def _leading_district(text: str) -> str | None:
    m = _LEADING_DISTRICT.match(text)
    return m.group("district") if m else None


def _derive_title(text: str) -> str:
    """A title for an article with no headline: its most repeated quoted phrase, else its first clause."""
    quoted = Counter(_QUOTED.findall(text))
    if quoted:
        phrase = max(quoted, key=lambda q: (quoted[q], -text.index(q)))
        return f"“{phrase}”（图片新闻）"
    clause = re.split(r"[，。；,]", text, maxsplit=1)[0]
    return f"{clause[:24]}（图片新闻）"


def _district_from_path(source: str) -> str | None:
    for part in reversed(Path(source).parts):
        m = re.search(_ADMIN, part)
        if m and re.fullmatch(rf"{_ADMIN}", m.group()):
            return m.group()
    return None


def _paragraphs(body: list[Block]) -> list[Paragraph]:
    """Join blocks broken mid-sentence by the page layout into whole paragraphs."""
    merged: list[list[Block]] = []
    for b in body:
        if merged and not _ends_sentence(merged[-1][-1].text):
            merged[-1].append(b)
        else:
            merged.append([b])
    return [
        Paragraph(n, g[0].start, g[-1].end, "".join(b.text for b in g), tuple(i for b in g for i in b.offsets))
        for n, g in enumerate(merged, 1)
    ]


@dataclass
class _Segment:
    head: Block | None
    district: str | None
    title: str | None
    body: list[Block] = field(default_factory=list)
    caption: Block | None = None


def _segments(blocks: list[Block]) -> list[_Segment]:
    """Group blocks into articles: a headline starts one; a photo credit closes a caption article."""
    segments: list[_Segment] = []
    current: _Segment | None = None
    for b in blocks:
        head = _HEADLINE.match(b.text) if len(b.text) <= 60 and "。" not in b.text else None
        if head:
            current = _Segment(b, head.group("district"), head.group("title").strip())
            segments.append(current)
        elif _CAPTION.match(b.text):
            if current is None or not current.body:
                continue  # a credit with nothing to caption
            if current.head is not None:
                # Right after a headed article, the last paragraph is a caption if it speaks of
                # another district; otherwise the credit belongs to that article's photo.
                last = current.body[-1]
                other = _leading_district(last.text)
                if other and other != current.district and len(current.body) > 1:
                    current.body.pop()
                    current = _Segment(None, None, None, [last])
                    segments.append(current)
            current.caption = b
            current = None
        else:
            new_topic = (
                current is not None
                and b.gap >= 2
                and _ends_sentence(current.body[-1].text if current.body else "。")
                and _leading_district(b.text) not in (None, current.district)
            )
            if current is None or new_topic:
                if not segments and len(b.text) <= 40 and not _ends_sentence(b.text):
                    continue  # page heading before the first article
                current = _Segment(None, None, None)
                segments.append(current)
            current.body.append(b)
    return segments


def split_articles(doc: Document) -> list[Article]:
    """Split one decoded file into articles (generic newspaper conventions, see module doc)."""
    blocks = _blocks(doc.text)
    file_year = None
    if blocks and (m := _YEAR.search(blocks[0].text)) and not _ends_sentence(blocks[0].text):
        file_year = int(m.group(1))
    if file_year is None and (m := _YEAR_IN_NAME.search(Path(doc.source).name)):
        file_year = int(m.group(1))
    path_district = _district_from_path(doc.source)

    articles: list[Article] = []
    for seg in _segments(blocks):
        if not seg.body:
            continue
        paragraphs = _paragraphs(seg.body)
        text = "".join(p.text for p in paragraphs)
        reporters: list[str] = []
        if lead := _LEAD.match(seg.body[0].text):
            reporters = _names(lead.group("names"))
        if seg.caption is not None and (cap := _CAPTION.match(seg.caption.text)):
            reporters += [n for n in _names(cap.group("names")) if n not in reporters]
        if seg.district is not None and seg.title is not None:
            district, title, derived = seg.district, seg.title, False
        else:
            district = _leading_district(seg.body[0].text) or path_district or "未知"
            title, derived = _derive_title(text), True
        year_m = _YEAR.search(text)
        articles.append(
            Article(
                id=f"{doc.source}#{len(articles) + 1}",
                source=doc.source,
                district=district,
                title=title,
                title_derived=derived,
                reporters=reporters,
                year=int(year_m.group(1)) if year_m else file_year,
                start=(seg.head or seg.body[0]).start,
                end=(seg.caption or seg.body[-1]).end,
                paragraphs=paragraphs,
            )
        )
    return articles


def load_articles(corpus: Path) -> tuple[list[Article], list[Document], list[Skipped]]:
    """Read the corpus and split every file into articles."""
    docs, skipped = read_corpus(corpus)
    articles: list[Article] = []
    for doc in docs:
        found = split_articles(doc)
        if not found:
            log.warning("skipped %s: no article text found", doc.source)
            skipped.append(Skipped(doc.source, "no article text found"))
        articles.extend(found)
    return articles, docs, skipped
