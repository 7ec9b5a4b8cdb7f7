"""Text out of Word, PDF and HTML reports, with a locator back to the original (page, Word paragraph).

The extracted text is what gets indexed and stored under ``index/sources/``; citation offsets point into it.
Each extractor lays the text out like a plain report: one block per paragraph (PDF: per line, since PDF text
layers break lines everywhere; the page-break repair in ``ingest`` joins the pieces of a sentence back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

EXTRACTED_SUFFIXES = (".docx", ".pdf", ".html", ".htm")


@dataclass
class Extracted:
    text: str
    kind: str  # "pdf" | "docx" | "html"
    # (offset, number): from ``offset`` on, the text is on PDF page / in Word paragraph ``number``
    marks: list[tuple[int, int]] = field(default_factory=list)


def _join(blocks: list[tuple[int, str]], kind: str) -> Extracted:
    parts, marks, pos = [], [], 0
    for number, block in blocks:
        block = block.strip()
        if not block:
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        marks.append((pos, number))
        parts.append(block)
        pos += len(block)
    return Extracted("".join(parts), kind, marks)


def extract_docx(path: Path) -> Extracted:
    import docx

    document = docx.Document(str(path))
    return _join([(n, p.text) for n, p in enumerate(document.paragraphs, 1)], "docx")


def extract_pdf(path: Path) -> Extracted:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise ValueError("the PDF is password-protected")
        except Exception as err:  # pypdf raises several types for unsupported or wrong passwords
            raise ValueError("the PDF is password-protected") from err
    blocks = []
    for n, page in enumerate(reader.pages, 1):
        for line in (page.extract_text() or "").splitlines():
            blocks.append((n, line))
    if not any(line.strip() for _, line in blocks):
        raise ValueError("the PDF has no text layer (scanned pages need OCR, which is not done here)")
    return _join(blocks, "pdf")


_BLOCK_TAGS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "td", "blockquote", "pre", "br"]


def extract_html(path: Path, data: bytes) -> Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe"]):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    text = root.get_text("\n")
    blocks = [(n, line) for n, line in enumerate(re.split(r"\n\s*\n|\n", text), 1) if line.strip()]
    return _join(blocks, "html")


def extract(path: Path, data: bytes) -> Extracted:
    """Extract a report; raises ValueError with a reader-facing reason when that is not possible."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            return extract_docx(path)
        if suffix == ".pdf":
            return extract_pdf(path)
        if suffix in (".html", ".htm"):
            return extract_html(path, data)
    except ValueError:
        raise
    except ImportError as err:
        raise ValueError(f"reading {suffix} files needs {err.name}: pip install python-docx pypdf beautifulsoup4") from err
    except Exception as err:  # corrupt files make these libraries raise many different types
        raise ValueError(f"cannot read this {suffix[1:].upper()} file ({type(err).__name__}: {str(err)[:120]})") from err
    raise ValueError(f"unsupported file type {suffix}")


def locate(marks: list[tuple[int, int]], offset: int) -> int | None:
    """The page / Word paragraph number at ``offset`` of the extracted text."""
    from bisect import bisect_right

    i = bisect_right([m[0] for m in marks], offset) - 1
    return marks[i][1] if i >= 0 else None
