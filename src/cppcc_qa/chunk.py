"""Chinese-aware chunking of articles: never across an article or a section, exact raw offsets kept.

A run of paragraphs inside one section (a heading of level 1-3 starts a new run) is split by langchain's
``RecursiveCharacterTextSplitter`` on paragraph, then sentence (。！？；), then clause (，、) boundaries, on
the folded text (so that ``,`` between Chinese words splits like ``，``). Each chunk keeps the text as written
and, for indexing, the folded text with the article's context (place, title, section path) in front.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from .records import SECTION_SEP, Article, Chunk, Paragraph
from .settings import ANALYSIS, Analysis

SEPARATORS = ["\n", "。", "！", "？", "；", "，", "、", ""]
_INNER_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class Indexed:
    """A chunk and the text that represents it in the dense and lexical indexes."""

    chunk: Chunk
    text: str


def make_splitter(analysis: Analysis = ANALYSIS) -> Any:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=analysis.chunk_size,
        chunk_overlap=analysis.chunk_overlap,
        add_start_index=True,
        strip_whitespace=True,
    )


def context_of(article: Article, section_path: tuple[str, ...], analysis: Analysis = ANALYSIS) -> str:
    """What goes in front of every chunk: place, title and section path (capped, so chunks stay chunks)."""
    path = SECTION_SEP.join(section_path[-2:])
    section = f"｜{path[:80]}" if path else ""
    return analysis.context.format(place=article.place, title=article.title[:60], section=section)


def index_text(context: str, folded: str) -> str:
    """The text embedded and tokenized: context and folded chunk, spaces between Chinese characters removed."""
    return _INNER_SPACE.sub("", f"{context}\n{folded}")


def _runs(article: Article, raw: str) -> list[list[Paragraph]]:
    """Consecutive paragraphs of one section of level 1-3 (a new heading starts a new run); a line kept out of
    the index between two paragraphs (a 来源 line, a share bar) also ends a run, so that a chunk's raw span
    holds nothing but its own text."""
    runs: list[list[Paragraph]] = []
    for p in article.paragraphs:
        gap = bool(runs) and bool(raw[runs[-1][-1].end : p.start].strip())
        if not runs or gap or (p.heading and p.section is not None and article.sections[p.section].level <= 3):
            runs.append([])
        runs[-1].append(p)
    return runs


def chunk_article(article: Article, folded: str, splitter: Any, analysis: Analysis = ANALYSIS) -> list[Indexed]:
    """Chunks of one article with the text that represents each in the index (``folded``: its document's folded
    text, which is blank exactly where the raw text is)."""
    out: list[Indexed] = []
    for run in _runs(article, folded):
        raw_parts: list[str] = []
        fold_parts: list[str] = []
        offsets: list[int] = []
        para_starts: list[int] = []
        for p in run:
            if raw_parts:
                raw_parts.append("\n")
                fold_parts.append("\n")
                offsets.append(offsets[-1] + 1)
            para_starts.append(len(offsets))
            raw_parts.append(p.text)
            fold_parts.append("".join(" " if folded[o].isspace() else folded[o] for o in p.offsets))
            offsets.extend(p.offsets)
        raw_text, fold_text = "".join(raw_parts), "".join(fold_parts)
        for doc in splitter.create_documents([fold_text]):
            s = doc.metadata["start_index"]
            body = doc.page_content
            if s < 0 or not body.strip():
                continue
            e = s + len(body)
            start, end = offsets[s], offsets[e - 1] + 1
            para = run[max(0, bisect_right(para_starts, s) - 1)]
            section = article.section_at(start)
            chunk = Chunk(source=article.source, start=start, end=end, id=f"{article.source}:{start}-{end}",
                          article_id=article.id, text=raw_text[s:e], section=section, paragraph=para.number)
            out.append(Indexed(chunk, index_text(context_of(article, article.section_path(section), analysis), body)))
    return out


def chunk_articles(articles: list[Article], folded: dict[str, str], analysis: Analysis = ANALYSIS) -> list[Indexed]:
    splitter = make_splitter(analysis)
    return [c for a in articles for c in chunk_article(a, folded[a.source], splitter, analysis)]
