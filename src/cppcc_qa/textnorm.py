"""Text as a reader sees it, with every character's raw offset kept.

``fold`` maps a decoded source text to a string of the same length in which
- traditional characters are simplified (OpenCC ``t2s``),
- full-width digits, letters and signs are ASCII (``２００９`` -> ``2009``, ``８．４`` -> ``8.4``),
- half-width punctuation between Chinese words is Chinese punctuation (``,`` -> ``，``, ``(…)`` -> ``（…）``),
- pinyin glosses inserted after characters (``協(xié)``) become spaces, which every stage ignores.

Because the length is kept, an offset into the folded text is an offset into the original: indexing, matching,
quotes and abstention work on the folded text, and what users see is cut from the original at the same offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_WS = re.compile(r"\s+")
_CJK_CHAR = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{_CJK_CHAR}]")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GLOSS = re.compile(rf"(?<=[{_CJK_CHAR}])\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")
_PAREN = re.compile(r"\(([^()\n]{0,120})\)")
_KEEP_FULLWIDTH = set("，：；？！（）")
_ZH_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_ZH_CONTEXT = re.compile(f"[{_CJK_CHAR}“”‘’、。，：；？！（）《》]")


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def _simplify(text: str) -> str:
    """OpenCC t2s line by line; a line whose length would change is converted character by character."""
    cc = _converter()
    out: list[str] = []
    for line in text.split("\n"):
        if not CJK.search(line):
            out.append(line)
            continue
        conv = cc.convert(line)
        if len(conv) != len(line):
            conv = "".join(c if len(c := cc.convert(ch)) == 1 else ch for ch in line)
        out.append(conv)
    return "\n".join(out)


def _is_zh_context(chars: list[str], i: int) -> bool:
    """Whether the nearest non-space characters around ``i`` are Chinese (so ``,`` there is a Chinese comma)."""
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(chars) and chars[j] in " \t":
            j += step
        if 0 <= j < len(chars) and _ZH_CONTEXT.match(chars[j]):
            return True
    return False


def fold(text: str) -> str:
    """The reader's view of ``text``, same length (see the module doc)."""
    if not text:
        return text
    chars = list(_simplify(text))
    for m in _GLOSS.finditer("".join(chars)):
        for i in range(m.start(), m.end()):
            chars[i] = " "
    for i, ch in enumerate(chars):
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E and ch not in _KEEP_FULLWIDTH:
            chars[i] = chr(code - 0xFEE0)
        elif ch == "\u3000":
            chars[i] = " "
    for i, ch in enumerate(chars):
        if ch in _ZH_PUNCT:
            between_digits = 0 < i < len(chars) - 1 and chars[i - 1].isdigit() and chars[i + 1].isdigit()
            if not between_digits and _is_zh_context(chars, i):
                chars[i] = _ZH_PUNCT[ch]
    joined = "".join(chars)
    for m in _PAREN.finditer(joined):
        if CJK.search(m.group(1)) or _is_zh_context(chars, m.start()):
            chars[m.start()] = "（"
            chars[m.end() - 1] = "）"
    return "".join(chars)


def squeeze(text: str) -> str:
    """``text`` without any whitespace (how quotes are compared: page breaks and spaces aside)."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class Squeezed:
    """A text with its whitespace removed and a map back to the offsets of the text it came from."""

    text: str
    to_raw: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Squeezed:
        keep = [i for i, ch in enumerate(text) if not ch.isspace()]
        return cls("".join(text[i] for i in keep), tuple(keep))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``[start, end)`` covering squeezed ``[start, end)`` (``end > start``)."""
        return self.to_raw[start], self.to_raw[end - 1] + 1

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        """Raw spans of every occurrence of ``needle`` (whitespace ignored on both sides)."""
        pat = squeeze(needle)
        if not pat:
            return []
        spans, pos = [], self.text.find(pat)
        while pos != -1:
            spans.append(self.raw_span(pos, pos + len(pat)))
            pos = self.text.find(pat, pos + 1)
        return spans


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def repair(raw: str) -> str:
    """Raw text as a reader quotes it: line breaks and spaces removed, one space kept between Latin words."""
    def keep(m: re.Match[str]) -> str:
        a = raw[m.start() - 1] if m.start() > 0 else ""
        b = raw[m.end()] if m.end() < len(raw) else ""
        return " " if _latin(a) and _latin(b) else ""

    return _WS.sub(keep, raw.strip())


_UNIT_END = re.compile(r"[。！？；…]+[”’」』）)]*")


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the clauses (ending in 。！？；) of folded ``text[start:end]``, whitespace trimmed."""
    spans, pos = [], start
    for m in _UNIT_END.finditer(text, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
