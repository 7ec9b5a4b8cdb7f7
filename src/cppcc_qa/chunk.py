"""Chinese-aware chunking of articles, keeping exact raw offsets for every chunk."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import asdict, dataclass

from .config import CHUNK_OVERLAP, CHUNK_SIZE
from .ingest import Article

# Paragraph breaks first, then sentence ends, then clause marks, then anything.
SEPARATORS = ["\n", "。", "！", "？", "；", "!", "?", ";", "，", "、", ",", ""]


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: its text and exactly where it stands in the source file."""

    id: str
    article_id: str
    source: str
    district: str
    title: str
    year: int | None
    paragraph: int  # 1-based paragraph of the article where the chunk starts
    start: int  # raw character offset into the source file
    end: int
    text: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def context_text(chunk: Chunk) -> str:
    """What is embedded and indexed: the district and headline give every chunk its context."""
    return f"{chunk.district}｜{chunk.title}\n{chunk.text}"


def make_splitter(chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        add_start_index=True,
        strip_whitespace=True,
    )


def chunk_article(article: Article, splitter=None) -> list[Chunk]:
    """Split one article (never across its boundary) into overlapping chunks with raw offsets."""
    splitter = splitter or make_splitter()
    text, offsets = article.clean_text()
    para_starts = []
    pos = 0
    for p in article.paragraphs:
        para_starts.append(pos)
        pos += len(p.text) + 1
    chunks = []
    for doc in splitter.create_documents([text]):
        s = doc.metadata["start_index"]
        body = doc.page_content
        if s < 0 or not body:
            continue
        e = s + len(body)
        start, end = offsets[s], offsets[e - 1] + 1
        chunks.append(
            Chunk(
                id=f"{article.source}:{start}-{end}",
                article_id=article.id,
                source=article.source,
                district=article.district,
                title=article.title,
                year=article.year,
                paragraph=bisect_right(para_starts, s),
                start=start,
                end=end,
                text=body,
            )
        )
    return chunks


def chunk_articles(articles: list[Article], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    splitter = make_splitter(chunk_size, chunk_overlap)
    return [c for a in articles for c in chunk_article(a, splitter)]
