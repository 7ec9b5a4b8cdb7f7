"""Text out of Word, PDF and HTML reports, with a locator back to the original (page, Word paragraph, HTML block).

The extracted text is what gets indexed and stored under ``index/sources/``; citation offsets point into it.
Each extractor lays the text out like a plain report: one block per paragraph (PDF: per line, since PDF text
layers break lines everywhere; the page-break repair in ``layout`` joins the pieces of a sentence back).

Limits, checked before parsing: a Word file whose parts unpack to more than ``MAX_UNPACKED`` bytes, or
unpack more than ``MAX_RATIO`` times their packed size, is refused (a zip bomb); no extractor returns more
than ``MAX_CHARS`` characters.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MAX_UNPACKED = 64 * 1024 * 1024
MAX_RATIO = 100
MAX_CHARS = 2_000_000


@dataclass(frozen=True)
class Extracted:
    text: str
    kind: str  # "pdf" | "docx" | "html"
    marks: tuple[tuple[int, int], ...] = ()  # (offset, number): from offset on, page / Word paragraph number


def _join(blocks: list[tuple[int, str]], kind: str) -> Extracted:
    parts: list[str] = []
    marks: list[tuple[int, int]] = []
    pos = 0
    for number, block in blocks:
        block = block.strip()
        if not block:
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        if pos + len(block) > MAX_CHARS:
            raise ValueError(f"the extracted text is over {MAX_CHARS:,} characters; split the file")
        marks.append((pos, number))
        parts.append(block)
        pos += len(block)
    return Extracted("".join(parts), kind, tuple(marks))


def check_zip(data: bytes) -> None:
    """Refuse an Office file whose parts would unpack to too much (checked from the zip directory alone)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile as err:
        raise ValueError("not a valid Word file (the zip container is damaged)") from err
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(len(data), 1):
        raise ValueError(f"its parts unpack to {unpacked / 2**20:.0f} MiB from {len(data) / 2**10:.0f} KiB "
                         f"(limit {MAX_UNPACKED // 2**20} MiB, {MAX_RATIO}x); it looks like a zip bomb")


def extract_docx(data: bytes) -> Extracted:
    import docx

    check_zip(data)
    document = docx.Document(io.BytesIO(data))
    return _join([(n, p.text) for n, p in enumerate(document.paragraphs, 1)], "docx")


def extract_pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise ValueError("the PDF is password-protected")
        except Exception as err:  # pypdf raises several types for unsupported or wrong passwords
            raise ValueError("the PDF is password-protected") from err
    blocks: list[tuple[int, str]] = []
    total = 0
    for n, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        total += len(text)
        if total > MAX_CHARS:
            raise ValueError(f"the extracted text is over {MAX_CHARS:,} characters; split the file")
        blocks.extend((n, line) for line in text.splitlines())
    if not any(line.strip() for _, line in blocks):
        raise ValueError("the PDF has no text layer (scanned pages need OCR, which is not done here)")
    return _join(blocks, "pdf")


def extract_html(data: bytes) -> Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    text = root.get_text("\n")
    blocks = [(n, line) for n, line in enumerate(re.split(r"\n", text), 1) if line.strip()]
    return _join(blocks, "html")


EXTRACTORS = {".docx": extract_docx, ".pdf": extract_pdf, ".html": extract_html, ".htm": extract_html}


def extract(suffix: str, data: bytes) -> Extracted:
    """Extract a report; raises ValueError with a reader-facing reason when that is not possible."""
    suffix = suffix.lower()
    extractor = EXTRACTORS.get(suffix)
    if extractor is None:
        raise ValueError(f"unsupported file type {suffix}")
    try:
        return extractor(data)
    except ValueError:
        raise
    except ImportError as err:
        raise ValueError(f"reading {suffix} files needs {err.name}: "
                         "pip install python-docx pypdf beautifulsoup4") from err
    except Exception as err:  # corrupt files make these libraries raise many different types
        kind = suffix[1:].upper()
        raise ValueError(f"cannot read this {kind} file ({type(err).__name__}: {str(err)[:120]})") from err
