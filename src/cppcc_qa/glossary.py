"""The reports' own named terms, and English phrases matched to them by meaning.

CPPCC reports name their initiatives and platforms in quotation marks (“知情明政工作站”, “郑委员超市”,
“乐商量”). No dictionary translates them, yet English questions ask about them in paraphrase ("knowledge
station", "Zheng member supermarket"). At index time every quoted term is embedded; at question time each
run of English content words is embedded and matched to the closest term, which then joins the question's
search words and term groups. Each term is also a token of its own in the index (``lexical.Terms``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .lexical import EN_STOPWORDS

_QUOTED = re.compile(r"“([\u4e00-\u9fff]{3,12})”")
MIN_SIMILARITY = 0.8  # cosine of the English phrase's query vector and the term's passage vector
MIN_Z = 3.0  # ... and how far above the phrase's similarity to all terms it must stand (standard deviations)
_NOT_TOPIC = frozenset(["most", "least", "which", "what", "how", "many", "much", "did", "does", "do", "is", "are",
                        "was", "were", "the", "a", "an", "of", "in", "on", "for", "to", "by", "and", "or", "with",
                        "set", "up", "built", "build", "builds", "run", "runs", "hold", "held", "called", "named",
                        # the parts of a report and its time frame: "part four", "key work", "last year"
                        "part", "parts", "section", "chapter", "item", "items", "task", "tasks", "number", "key",
                        "main", "last", "year", "years", "report"])


def collect(texts: Iterable[str]) -> list[str]:
    """Quoted terms of the folded texts, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for m in _QUOTED.finditer(text):
            seen.setdefault(m.group(1), None)
    return list(seen)


def english_phrases(question: str, skip: set[str]) -> list[str]:
    """Runs of English content words (a place's pinyin, question and function words break a run)."""
    runs: list[list[str]] = [[]]
    for word in re.findall(r"[A-Za-z][A-Za-z'\-]*", question):
        w = word.lower().removesuffix("'s")
        if w in EN_STOPWORDS or w in _NOT_TOPIC or w in skip:
            runs.append([])
        else:
            runs[-1].append(w)
    return [" ".join(r) for r in runs if r]


@dataclass
class Glossary:
    terms: list[str]
    vectors: np.ndarray  # (len(terms), dim), L2-normalised passage vectors

    def match(self, question: str, embedder: Any, skip: set[str], fits: Callable[[str, str], bool | None],
              limit: int = 3) -> list[tuple[str, str, float]]:
        """(English phrase, term, similarity) for each phrase of two or more words that names a term: the term
        stands well above the phrase's similarity to all terms, and its characters answer to the phrase's words:
        the last word (the head) and at least two thirds of the words that can be judged (knowledge station ->
        知情明政工作站: 知, 站; "member workstations" is not 厂站网, nor "part four" 四助力).

        ``fits(word, term)``: whether a word's translations (or, for pinyin, its sound) share characters with
        the term; None when the word cannot be judged (an abbreviation no dictionary knows).
        """
        if len(self.terms) < 3 or embedder is None:
            return []
        phrases = [p[:80] for p in english_phrases(question, skip) if len(re.split(r"[\s-]+", p)) >= 2][:limit]
        if not phrases:
            return []
        sims = embedder.embed_queries(phrases) @ self.vectors.T
        out = []
        for phrase, row in zip(phrases, sims, strict=True):
            spread = float(row.std()) or 1.0
            for best in np.argsort(-row)[:5]:
                sim = float(row[best])
                if sim < MIN_SIMILARITY or (sim - float(row.mean())) / spread < MIN_Z:
                    break
                if _answers(re.split(r"[\s-]+", phrase), self.terms[best], fits):
                    out.append((phrase, self.terms[best], sim))
                    break
        return out


def _answers(words: list[str], term: str, fits: Callable[[str, str], bool | None]) -> bool:
    """Whether a term's characters answer to a phrase's words: its head and two thirds of those judged."""
    judged = [(w, ok) for w in words if w and (ok := fits(w, term)) is not None]
    if not judged or judged[-1][0] != words[-1] or not judged[-1][1]:
        return False
    return 3 * sum(ok for _, ok in judged) >= 2 * len(judged)
