"""Lexical side: jieba tokens for BM25 (bm25s), with English words kept and stemmed."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORDISH = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:\.\d+)?")

# Function words and question words that carry no topic (hand-written: no maintained zh list ships in jieba).
ZH_STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "等", "在", "是", "为", "对", "将", "把", "被", "由", "以", "于", "从", "向", "其", "该", "这", "那", "有", "也", "都", "而", "并", "或", "个", "之", "中", "上", "下", "什么", "多少", "哪个", "哪些", "哪里", "哪", "几个", "几", "如何", "怎么", "怎样", "是否", "是不是", "吗", "呢", "吧", "了吗", "请问", "谁", "为什么", "哪家", "一下", "我们", "他们", "进行", "开展", "通过", "一个", "一些", "方面"]
)
EN_STOPWORDS = frozenset(
    ["a", "an", "the", "of", "to", "in", "on", "for", "by", "with", "and", "or", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "what", "which", "who", "whom", "whose", "how", "many", "much", "when", "where", "why", "that", "this", "these", "those", "it", "its", "as", "at", "from", "into", "their", "there", "than", "has", "have", "had", "s", "about", "did", "can", "could", "should", "would", "will", "shall", "any", "some", "all", "each", "per", "up", "out", "via", "cppcc", "committee", "committees", "weifang", "district", "county", "city"]
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def english_words(text: str) -> list[str]:
    """Lower-cased English content words of ``text`` (stop words dropped, possessive 's removed)."""
    words = [w.lower().removesuffix("'s").strip("'-") for w in _LATIN_WORD.findall(text) if not w.isdigit()]
    return [w for w in words if w and w not in EN_STOPWORDS and len(w) > 1]


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba search-mode words (multi-char CJK, numbers), English words stemmed."""
    out: list[str] = []
    for tok in _jieba().cut_for_search(text):
        tok = tok.strip()
        if not tok or not _WORDISH.search(tok) or tok in ZH_STOPWORDS:
            continue
        if _CJK.search(tok):
            if len(tok) > 1:
                out.append(tok)
        elif tok.isdigit() or re.fullmatch(r"\d+(?:\.\d+)?", tok):
            out.append(tok)
        elif tok.isascii():
            w = tok.lower()
            if w not in EN_STOPWORDS and len(w) > 1:
                out.append(stem(w))
    return out


def is_chinese(text: str) -> bool:
    """True when the text is mostly Chinese (a CJK character for every Latin word or more)."""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))
    return cjk > 0 and cjk >= latin


def tokenize_many(texts: list[str], workers: int | None = None) -> list[list[str]]:
    """``tokenize`` over many texts; large inputs are split across CPU cores (jieba is pure Python)."""
    import os

    workers = workers or min(4, os.cpu_count() or 1)
    if workers < 2 or len(texts) < 4000:
        return [tokenize(t) for t in texts]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers, initializer=_jieba) as pool:
        return pool.map(tokenize, texts, chunksize=500)
