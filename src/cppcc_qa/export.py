"""Taking answers out: a conversation (or one answer) as Markdown or Word, quotes with their citation lines.

Every export holds the question, the answer with its [n] markers, a comparison table when there is one, and a
numbered source list: each source's full citation line (document, place, section, paragraph, offsets) and its
exact words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .records import Answer, Quote
from .render import citation_line, message, prose, table_lines


def _turn_lines(n: int, question: str, a: Answer) -> list[str]:
    out = [f"## {n}. {question}", "", a.text.replace("\n", "  \n"), ""]
    if a.note:
        out += [f"_({a.note})_", ""]
    if a.citations:
        out.append(f"**{message('sources', a.lang)}**")
        out.append("")
        for c in a.citations:
            out.append(f"{citation_line(c.marker, c.where, c.source, c.start, c.end)}  ")
            out.append(f"> {c.quote}")
            out.append("")
    return out


TITLE = "政协工作报告问答 · CPPCC report Q&A"


def conversation_markdown(turns: Sequence[tuple[str, Answer]], title: str = TITLE) -> str:
    lines = [f"# {title}", ""]
    for n, (question, a) in enumerate(turns, 1):
        lines += _turn_lines(n, question, a)
    return "\n".join(lines).rstrip() + "\n"


def conversation_docx(turns: Sequence[tuple[str, Answer]], path: Path, title: str = TITLE) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    for n, (question, a) in enumerate(turns, 1):
        document.add_heading(f"{n}. {question}", level=1)
        for line in prose(a):  # the table itself is drawn from a.table below
            document.add_paragraph(line)
        if a.table:
            rows = table_lines(a.table, a.lang)
            header = [c.strip() for c in rows[0].strip("|").split("|")]
            grid = document.add_table(rows=1, cols=len(header))
            grid.style = "Table Grid"
            for cell, text in zip(grid.rows[0].cells, header, strict=True):
                cell.text = text
            for row in rows[2:]:
                cells = grid.add_row().cells
                for cell, text in zip(cells, [c.strip() for c in row.strip("|").split("|")], strict=True):
                    cell.text = text
        if a.note:
            document.add_paragraph(f"({a.note})")
        if a.citations:
            document.add_heading(message("sources", a.lang), level=2)
            for c in a.citations:
                document.add_paragraph(citation_line(c.marker, c.where, c.source, c.start, c.end))
                document.add_paragraph(c.quote, style="Quote")
    document.save(str(path))
    return path


def quotes_markdown(quotes: Sequence[Quote], phrase: str = "") -> str:
    lines = [f"# 原文引用 · Quotes{f'：{phrase}' if phrase else ''}", ""]
    for n, q in enumerate(quotes, 1):
        lines += [f"{n}. {q.citation}", ""]
    return "\n".join(lines).rstrip() + "\n"


def quotes_docx(quotes: Sequence[Quote], path: Path, phrase: str = "") -> Path:
    import docx

    document = docx.Document()
    document.add_heading(f"原文引用 · Quotes{f'：{phrase}' if phrase else ''}", level=0)
    for q in quotes:
        document.add_paragraph(q.citation, style="List Number")
    document.save(str(path))
    return path
