"""Whitespace-insensitive text spans: the bridge between repaired text and raw file offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WS = re.compile(r"\s+")


def squeeze(text: str) -> str:
    """``text`` without any whitespace (how quotes are compared: page breaks and spaces aside)."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class Squeezed:
    """A raw text with its whitespace removed and a map back to raw character offsets."""

    raw: str
    text: str
    to_raw: tuple[int, ...]

    @classmethod
    def of(cls, raw: str) -> Squeezed:
        keep = [i for i, ch in enumerate(raw) if not ch.isspace()]
        return cls(raw, "".join(raw[i] for i in keep), tuple(keep))

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


def same_text(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are equal up to whitespace."""
    return squeeze(a) == squeeze(b)


_BREAK = re.compile(r"\s+")


def repair(raw: str) -> str:
    """Raw text as a reader quotes it: line and page breaks removed, one space kept between Latin words."""
    def keep(m: re.Match[str]) -> str:
        a = raw[m.start() - 1] if m.start() > 0 else ""
        b = raw[m.end()] if m.end() < len(raw) else ""
        return " " if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() else ""

    return _BREAK.sub(keep, raw.strip())


_UNIT_END = re.compile(r"[。！？!?；;…]+[”’」』）)]*")


def clause_spans(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the clauses (ending in 。！？；) of ``raw[start:end]``, whitespace trimmed."""
    spans, pos = [], start
    for m in _UNIT_END.finditer(raw, start, end):
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out = []
    for s, e in spans:
        while s < e and raw[s].isspace():
            s += 1
        while e > s and raw[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
