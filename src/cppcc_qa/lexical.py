"""Lexical side: jieba search-mode tokens for BM25 (bm25s) over folded text, English words kept and stemmed."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from .settings import ANALYSIS
from .textnorm import CJK

_WORDISH = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:\.\d+)?")
_ACRONYMS = re.compile(r"^([A-Z]{2,})s$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

ZH_STOPWORDS = frozenset(ANALYSIS.zh_stopwords)
EN_STOPWORDS = frozenset(ANALYSIS.en_stopwords)


@lru_cache(maxsize=1)
def jieba_module():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


class Terms:
    """The reports' named terms (知情明政工作站), found whole in a text: a token of their own beside jieba's words.

    jieba itself is left unchanged, so that tokens never depend on which indexes a process opened before.
    """

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms = tuple(dict.fromkeys(t for t in terms if t))
        alternatives = "|".join(re.escape(t) for t in sorted(self.terms, key=len, reverse=True))
        self._pattern = re.compile(alternatives) if alternatives else None

    def find(self, text: str) -> list[str]:
        return self._pattern.findall(text) if self._pattern is not None else []


NO_TERMS = Terms()


_LOCAL = threading.local()


def _stemmer():  # type: ignore[no-untyped-def]
    """One snowball stemmer per thread: a stemmer object keeps its word in itself, so a server's threads sharing
    one corrupt each other's words (IndexError under load)."""
    if not hasattr(_LOCAL, "stemmer"):
        import snowballstemmer

        _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return _LOCAL.stemmer


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word.lower()))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of an English word (lemminflect): reports -> report, but reporter stays reporter
    (a stemmer makes both "report"), held -> hold."""
    import lemminflect

    forms = lemminflect.getAllLemmas(word.lower())
    for pos in ("NOUN", "VERB", "ADJ", "ADV", "PROPN"):
        if forms.get(pos):
            return str(forms[pos][0]).lower()
    return word.lower()


# British endings and their American forms, for words breame's list lacks (modernisation, honour).
_UK_US = ((r"isation(s?)$", r"ization\1"), (r"our$", "or"), (r"tre$", "ter"), (r"ise$", "ize"), (r"yse$", "yze"),
          (r"ogue$", "og"), (r"ence$", "ense"))


@lru_cache(maxsize=65536)
def american(word: str) -> str:
    """The American spelling of a British one (breame's list: centres -> centers, recognised -> recognized,
    kilometres -> kilometers), for a dictionary written mostly in American English; a word the list lacks gets its
    British ending changed (modernisation -> modernization, honour -> honor). Other words come back lower-cased.
    Callers try the word as written first: an ending rule also changes words that are not British (rise)."""
    from breame.spelling import get_american_spelling

    word = word.lower()
    us = str(get_american_spelling(word))
    for pattern, replacement in _UK_US if us == word else ():
        us = re.sub(pattern, replacement, us)
    return us


def english_words(text: str) -> list[str]:
    """Lower-cased English content words of ``text`` (stop words dropped, possessive 's removed, an acronym's
    plural made singular: CPPCCs -> cppcc, hyphenated words split: public-opinion -> public, opinion)."""
    words = [part for w in _LATIN_WORD.findall(text) if not w.isdigit()
             for part in _ACRONYMS.sub(r"\1", w).lower().removesuffix("'s").split("-")]
    words = [w.strip("'") for w in words]
    return [w for w in words if w and w not in EN_STOPWORDS and len(w) > 1]


_ZH_DIGITS = "零一二三四五六七八九"
ORDINALS = {w: n for n, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
     "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
     "twentieth"], 1)}


def ordinal_value(word: str) -> int | None:
    """An English ordinal's number: "third" -> 3, "14th" -> 14; None for any other word."""
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", word.lower())
    return int(m.group(1)) if m else ORDINALS.get(word.lower())


def zh_numeral(n: int) -> str:
    """1-99 in Chinese numerals: 8 -> 八, 14 -> 十四, 20 -> 二十."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones else "") if n else "零"


def ordinal_tokens(text: str) -> list[str]:
    """Chinese ordinals for the English ones of ``text`` ("eighth", "14th" -> 第八, 第十四), as BM25 tokens."""
    out = []
    for m in re.finditer(r"\b\d{1,2}(?:st|nd|rd|th)\b|\b[a-z]+\b", text.lower()):
        n = ordinal_value(m.group(0))
        if n and 1 <= n <= 99:
            out.append(f"第{zh_numeral(n)}")
    return out


_ASKING = re.compile(r"^(?:几|哪|多少|什么|怎么|如何|是否|是不是)")


def terms(text: str) -> list[str]:
    """The words of a folded question as a reader would split it (jieba's precise mode), question words and stop
    words dropped: ``坊子区政协一共立案了多少件提案`` -> 坊子区, 政协, 立案, 提案."""
    return [t for t in _filter(jieba_module().cut(text)) if not _ASKING.match(t)]


def tokenize(text: str, terms: Terms = NO_TERMS) -> list[str]:
    """BM25 tokens of folded ``text``: jieba search-mode words (multi-character CJK, numbers), English stems, and
    the named ``terms`` it holds."""
    return _filter(jieba_module().cut_for_search(text)) + terms.find(text)


def _filter(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tok in tokens:
        tok = tok.strip()
        if not tok or not _WORDISH.search(tok) or tok in ZH_STOPWORDS:
            continue
        if CJK.search(tok):
            if len(tok) > 1:
                out.append(tok)
        elif _NUMBER.fullmatch(tok):
            out.append(tok)
        elif tok.isascii():
            w = tok.lower()
            if w not in EN_STOPWORDS and len(w) > 1:
                out.append(stem(w))
    return out


def is_chinese(text: str) -> bool:
    """True when the text is mostly Chinese (a CJK character for every Latin word or more)."""
    cjk = len(CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))
    return cjk > 0 and cjk >= latin


def tokenize_many(texts: list[str], terms: Terms = NO_TERMS, workers: int | None = None) -> list[list[str]]:
    """``tokenize`` over many texts; large inputs are split across CPU cores (jieba is pure Python)."""
    import functools
    import os

    workers = workers or min(4, os.cpu_count() or 1)
    if workers < 2 or len(texts) < 4000 or not hasattr(os, "fork"):
        return [tokenize(t, terms) for t in texts]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers, initializer=jieba_module) as pool:
        return pool.map(functools.partial(tokenize, terms=terms), texts, chunksize=500)
