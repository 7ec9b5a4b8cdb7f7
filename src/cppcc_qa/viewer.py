"""HTML for the chat UI: the conversation, source cards, the source viewer and quote cards.

Everything here is plain string building (no Gradio), so it is testable on its own. Every piece of corpus or user
text goes through ``esc`` exactly once; nothing from a report ever becomes markup. Our own citation markers are
``<button class="cite">`` badges carrying a reference (``data-open``) the server resolves from its own state; a
bracket number written in a report (``[2]``) stays plain text, visibly unlike a badge.

References (``data-open``) name what to open, never a file: ``a:TURN:MARKER`` (a citation, or a table row, of an
answer), ``p:TURN:N`` (a passage shown when nothing was found), ``q:N`` (a find-quote result).
"""

from __future__ import annotations

import csv
import html
import io
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from .records import Answer, Passage, Quote, TableRow, Where
from .render import message, paragraph_label, prose, render_value, section_text, where_text
from .table import base_value

MAX_DOCUMENT_CHARS = 400_000  # longer sources show the cited article only
CARD_CONTEXT = 160  # characters shown around a citation whose passage is unknown

_MARKER = re.compile(r"\[(\d{1,4})\]")
_REF = re.compile(r"^(?:(a|p):(\d{1,4}):(\d{1,4})|q:(\d{1,5}))$")
THUMB = ("<svg class='thumb' viewBox='0 0 24 24' width='15' height='15' aria-hidden='true'><path fill='currentColor' "
         "d='M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10"
         "a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z'/></svg>")
_KIND = {"report": "报告 · report", "news": "新闻 · news item", "page": "报纸版面 · newspaper page"}


def esc(text: object) -> str:
    """HTML-escape anything shown (quotes too, so it is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def parse_ref(ref: object) -> tuple[str, int, int]:
    """``("a", turn, marker)``, ``("p", turn, n)`` or ``("q", n, 0)``; ValueError for anything else."""
    m = _REF.match(str(ref or ""))
    if not m:
        raise ValueError(f"not a reference: {ref!r}")
    if m.group(4) is not None:
        if int(m.group(4)) < 1:
            raise ValueError(f"not a reference: {ref!r}")
        return "q", int(m.group(4)), 0
    if int(m.group(3)) < 1:
        raise ValueError(f"not a reference: {ref!r}")
    return m.group(1), int(m.group(2)), int(m.group(3))


# -- the conversation ---------------------------------------------------------------------------------------------


def marker_button(turn: int, marker: int) -> str:
    return (f"<button type='button' class='cite' data-open='a:{turn}:{marker}' "
            f"title='打开来源 [{marker}] · open source [{marker}]'>[{marker}]</button>")


def _markers(a: Answer) -> set[int]:
    return {c.marker for c in a.citations} | {r.marker for r in a.table}


def _protected(text: str, a: Answer) -> list[tuple[int, int]]:
    """Where the answer text holds words of a report (quotes, counted phrases): brackets there are the report's."""
    needles = {c.quote for c in a.citations} | {r.quote for r in a.table} | {r.label for r in a.table}
    spans = []
    for needle in needles:
        if len(needle) < 2:
            continue
        at = text.find(needle)
        while at >= 0:
            spans.append((at, at + len(needle)))
            at = text.find(needle, at + 1)
    return spans


def display_text(a: Answer) -> str:
    """The answer text as shown: a comparison table's Markdown rows are left out (the table is drawn as HTML)."""
    return "\n".join(prose(a)).rstrip()


def text_html(a: Answer, turn: int, upto: int | None = None) -> str:
    """The answer text, escaped, our [n] markers as badges; report words (and their own [n]) as plain text.

    ``upto`` shows only a prefix (streaming); markers are decided on the whole text so nothing flickers.
    """
    text = display_text(a)
    upto = len(text) if upto is None else max(0, min(upto, len(text)))
    valid = _markers(a)
    protected = _protected(text, a)
    out: list[str] = []
    pos = 0
    for m in _MARKER.finditer(text):
        if m.end() > upto:
            break
        n = int(m.group(1))
        if n not in valid or any(s <= m.start() and m.end() <= e for s, e in protected):
            continue
        out.append(esc(text[pos : m.start()]))
        out.append(marker_button(turn, n))
        pos = m.end()
    out.append(esc(text[pos:upto]))
    return "".join(out)


def table_html(a: Answer, turn: int) -> str:
    if not a.table:
        return ""
    head = ("<tr><th>#</th><th>地区 Place</th><th>年份 Year</th><th>数值 Value</th><th>单位 Unit</th>"
            "<th>统计对象 Counted</th><th>来源 Source</th></tr>")
    rows = []
    for n, r in enumerate(a.table, 1):
        rows.append(f"<tr><td>{n}</td><td>{esc(r.place)}</td><td>{esc(r.year or '')}</td>"
                    f"<td class='num'>{esc(value_text(r))}</td><td>{esc(r.unit)}</td><td>{esc(r.label)}</td>"
                    f"<td>{marker_button(turn, r.marker)}</td></tr>")
    return (f"<div class='table-wrap'><table class='cmp-table'><thead>{head}</thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def value_text(r: TableRow) -> str:
    """A table value as the report writes it, qualifiers included, unit apart: 近80, 80余, 17左右."""
    return render_value(r, unit=False)


def answer_html(a: Answer, turn: int, upto: int | None = None, done: bool = True) -> str:
    cls = "answer found" if a.found else "answer not-found"
    parts = [f"<div class='{cls}'>{text_html(a, turn, upto)}{'' if done else '<span class=caret>▍</span>'}</div>"]
    if done:
        parts.append(table_html(a, turn))
        if a.note:
            parts.append(f"<div class='note'>（{esc(a.note)}）</div>")
        if a.asked and a.asked != a.question:
            parts.append(f"<div class='note'>按“{esc(a.asked)}”检索 · searched as “{esc(a.asked)}”</div>")
        if not a.found and a.passages:
            parts.append("<div class='note'>右侧“来源”列出可能相关的段落（并非答案）· Possibly related passages "
                         "(not an answer) are listed under Sources.</div>")
        parts.append(
            "<div class='actions'>"
            f"<button type='button' class='fb up' data-fb='{turn}:1'>{THUMB}有帮助 · Helpful</button>"
            f"<button type='button' class='fb down' data-fb='{turn}:-1'>{THUMB}有错误 · Wrong</button>"
            "</div>")
    return "".join(parts)


def conversation_html(turns: Sequence[tuple[str, Answer]], *, pending: str | None = None,
                      streaming: tuple[str, Answer, int] | None = None, warning: str | None = None,
                      shared: bool = False) -> str:
    """The whole conversation; ``pending`` is a question being answered, ``streaming`` one being shown."""
    out = ["<div class='conv'>"]
    if not turns and pending is None and streaming is None:
        note = ("<br><span class='shared'>本服务器未设登录：对话为所有使用者共享。"
                "No login on this server: saved conversations are shared by everyone using it.</span>"
                if shared else "")
        out.append("<div class='empty'>输入问题开始对话；答案均摘自报告原文并标注来源。"
                   f"Ask a question; answers quote the reports and cite each source.{note}</div>")
    for turn, (question, a) in enumerate(turns):
        out.append(_turn_html(turn, question, answer_html(a, turn)))
    if streaming is not None:
        question, a, upto = streaming
        out.append(_turn_html(len(turns), question, answer_html(a, len(turns), upto, done=False)))
    elif pending is not None:
        out.append(_turn_html(len(turns), pending,
                              "<div class='answer pending'>正在查找… · Searching the reports…</div>"))
    if warning:
        out.append(f"<div class='warn' role='alert'>⚠️ {esc(warning)}</div>")
    out.append("</div>")
    return "".join(out)


def _turn_html(turn: int, question: str, answer: str) -> str:
    return (f"<div class='turn' id='turn-{turn}'>"
            f"<div class='msg user'><div class='who'>问 · Question</div><div class='q'>{esc(question)}</div></div>"
            f"<div class='msg bot'><div class='who'>答 · Answer</div>{answer}</div></div>")


# -- stored text as read: line breaks inside a paragraph (page layout) removed, paragraph breaks kept ----------------

_WS_RUN = re.compile(r"\s+")
_REFLOW: dict[tuple[str, str, int], list[tuple[int, int, str]]] = {}
_REFLOW_LOCK = threading.Lock()


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def reflow(index: Any, source: str, raw: str) -> list[tuple[int, int, str]]:
    """Replacements ``(start, end, text)`` for the whitespace runs of ``raw`` that hold a line break inside an
    article: a paragraph break becomes a blank line, any other break (a page or column break inside a sentence)
    disappears (a space between Latin words). Text outside articles keeps its layout. Offsets are unchanged:
    only what is drawn between them differs."""
    key = (str(getattr(index, "version", "")), source, len(raw))
    with _REFLOW_LOCK:
        cached = _REFLOW.get(key)
    if cached is not None:
        return cached
    try:
        articles = sorted(index.articles_of(source), key=lambda a: a.start)
    except Exception:
        articles = []
    starts = {p.start for a in articles for p in a.paragraphs} | {a.start for a in articles}
    firsts = [a.start for a in articles]
    out = []
    for m in _WS_RUN.finditer(raw):
        s, e = m.span()
        if "\n" not in m.group():
            continue
        i = bisect_right(firsts, s) - 1
        if i < 0 or e > articles[i].end:
            continue  # outside any article: keep the layout
        if e in starts:
            text = "\n\n"
        else:
            text = " " if s > 0 and e < len(raw) and _latin(raw[s - 1]) and _latin(raw[e]) else ""
        out.append((s, e, text))
    with _REFLOW_LOCK:
        if len(_REFLOW) > 64:
            _REFLOW.clear()
        _REFLOW[key] = out
    return out


def _flowed(raw: str, lo: int, hi: int, repl: Sequence[tuple[int, int, str]]) -> str:
    """``raw[lo:hi]`` escaped, with the replacements applied (each drawn once, where its run starts)."""
    out, pos = [], lo
    for s, e, text in repl:
        if e <= lo or s >= hi:
            continue
        s2, e2 = max(s, lo), min(e, hi)
        out.append(esc(raw[pos:s2]))
        if s2 == s:
            out.append(esc(text))
        pos = e2
    out.append(esc(raw[pos:hi]))
    return "".join(out)


def _pieces(raw: str, cuts: Sequence[tuple[int, str]], lo: int, hi: int,
            repl: Sequence[tuple[int, int, str]]) -> str:
    """``raw[lo:hi]`` reflowed and escaped, with our own markup inserted at the given offsets (in order)."""
    out, pos = [], lo
    for at, markup in cuts:
        at = max(pos, min(at, hi))
        out.append(_flowed(raw, pos, at, repl))
        out.append(markup)
        pos = at
    out.append(_flowed(raw, pos, hi, repl))
    return "".join(out)


# -- source cards ---------------------------------------------------------------------------------------------------


def _highlight(raw: str, lo: int, hi: int, start: int, end: int, repl: Sequence[tuple[int, int, str]]) -> str:
    """``raw[lo:hi]`` reflowed and escaped, with ``[start, end)`` marked."""
    start, end = max(lo, min(start, hi)), max(lo, min(end, hi))
    return _pieces(raw, [(start, "<mark>"), (end, "</mark>")], lo, hi, repl)


def source_card(index: Any, ref: str, marker_html: str, where: Where, source: str, start: int, end: int,
                passage: Passage | None, extra: str = "") -> str:
    """One cited passage: marker, where it stands (place · title · section · 第N段 · page · file:offsets),
    and the passage with the cited words highlighted. A button opens the whole document."""
    try:
        raw = index.text(source)
    except Exception:  # the source left the index since this answer was given
        raw = ""
    if passage is not None and passage.source == source:
        lo, hi = min(passage.start, start), max(passage.end, end)
    else:
        lo, hi = max(0, start - CARD_CONTEXT), end + CARD_CONTEXT
    hi = min(hi, len(raw))
    repl = [r for r in reflow(index, source, raw) if r[1] > lo and r[0] < hi] if raw else []
    gone = "<em>（原文已不在索引中 · no longer in the index）</em>"
    body = _highlight(raw, lo, hi, start, end, repl) if raw else gone
    return (f"<div class='source-card'><div class='meta'>{marker_html} {esc(where_text(where, source, start, end))}"
            f"{extra}</div><div class='passage'>{'…' if lo > 0 else ''}{body}{'…' if hi < len(raw) else ''}</div>"
            f"<button type='button' class='open-doc' data-open='{esc(ref)}'>查看全文 · Open document</button></div>")


def sources_html(index: Any, a: Answer | None, turn: int) -> str:
    """The sources panel for one answer: its citations, or, when nothing was found, the nearest passages."""
    if a is None:
        return "<div class='notice'>来源会显示在这里 · Sources appear here</div>"
    cards = []
    if a.citations:
        for c in a.citations:
            cards.append(source_card(index, f"a:{turn}:{c.marker}", marker_button(turn, c.marker), c.where,
                                     c.source, c.start, c.end, c.passage))
        return "".join(cards)
    if a.table:  # a table row without a citation (its passage could not be found): still show where it stands
        for r in a.table:
            cards.append(source_card(index, f"a:{turn}:{r.marker}", marker_button(turn, r.marker),
                                     Where(r.place, "", r.year, (), 1), r.source, r.start, r.end, None))
        return "".join(cards)
    if not a.passages:
        return "<div class='notice'>没有相关段落 · No related passages</div>"
    cards.append(f"<div class='notice'>{esc(message('related', 'zh'))}</div>")
    for n, p in enumerate(a.passages[:3], 1):
        w = Where(p.place, p.title, p.year, p.section_path, p.paragraph)
        cards.append(source_card(index, f"p:{turn}:{n}", f"<span class='rank'>({n})</span>", w, p.source, p.start,
                                 p.end, None, f" · score {p.score:.3f}"))
    return "".join(cards)


# -- the source viewer ----------------------------------------------------------------------------------------------


def _find_span(raw: str, start: int, end: int, quote: str) -> tuple[int, int, bool]:
    """The span to highlight: the stored offsets, or where the quote now stands when the text changed."""
    def squeeze(s: str) -> str:
        return "".join(s.split())

    if 0 <= start < end <= len(raw) and (not quote or squeeze(raw[start:end]) == squeeze(quote)):
        return start, end, True
    if quote:
        at = raw.find(quote)
        if at >= 0:
            return at, at + len(quote), False
    return max(0, min(start, len(raw))), max(0, min(end, len(raw))), False


def document_html(index: Any, source: str, start: int, end: int, quote: str = "", label: str = "") -> str:
    """The whole stored text of ``source`` (or its article when very long) with ``[start, end)`` highlighted,
    and the document's metadata: place, year, kind, section path, paragraph, PDF page / Word paragraph."""
    try:
        raw = index.text(source)
    except Exception:
        return (f"<div class='warn'>⚠️ 索引中已没有这份文件 · {esc(source)} is no longer in the index "
                "(the corpus changed since this answer).</div>")
    start, end, same = _find_span(raw, start, end, quote)
    article = index.article_at(source, start)
    rows: list[tuple[str, str]] = []
    title = ""
    if article is not None:
        meta = article.meta
        where = article.where(start, index.locator(source, start))
        title = article.title
        rows.append(("地区 Place", article.place))
        rows.append(("年份 Year", str(article.year) if article.year else "—"))
        kind = _KIND.get(meta.kind or "", meta.kind or "—")
        rows.append(("类型 Kind", f"{kind}{' · ' + meta.genre if meta.genre else ''}"))
        for name, value in (("日期 Date", meta.date), ("会议 Session", meta.session), ("报告人 Speaker", meta.speaker),
                            ("来源 Outlet", meta.outlet)):
            if value:
                rows.append((name, str(value)))
        rows.append(("章节 Section", section_text(where.section_path) or "—"))
        rows.append(("段落 Paragraph", paragraph_label(where.paragraph)))
        if where.locator:
            rows.append(("原文位置 Page", where.locator))
    else:
        locator = index.locator(source, start)
        if locator:
            rows.append(("原文位置 Page", locator))
    rows.append(("文件 File", f"{source}:{start}-{end}"))
    lo, hi, cut = 0, len(raw), False
    if len(raw) > MAX_DOCUMENT_CHARS:
        lo, hi = (article.start, article.end) if article is not None else (max(0, start - 20_000), end + 20_000)
        hi, cut = min(hi, len(raw)), True
    a_lo, a_hi = (max(lo, article.start), min(hi, article.end)) if article is not None else (start, end)
    cuts = [(a_lo, "<div class='doc-article'>"), (start, "<mark class='cited' id='cited'>"), (end, "</mark>"),
            (a_hi, "</div>")]
    body = _pieces(raw, cuts, lo, hi, reflow(index, source, raw))
    heading = f"{esc(label)} 《{esc(title)}》" if title else esc(label or source)
    meta_html = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in rows)
    notes = []
    if not same:
        notes.append("<div class='warn'>⚠️ 文件在此回答之后有改动，标出的位置可能不准 · The document changed since this "
                     "answer; the highlight may be off.</div>")
    if cut:
        notes.append("<div class='notice'>文件很长，只显示本篇 · Long document: showing the cited article only.</div>")
    return (f"<div class='doc'><div class='doc-head'><div class='doc-title'>{heading}</div>"
            f"<dl class='doc-meta'>{meta_html}</dl>{''.join(notes)}</div>"
            f"<div class='doc-text' tabindex='0' aria-label='原文 · document text'>{body}</div></div>")


# -- find quote ---------------------------------------------------------------------------------------------------


def quotes_html(quotes: Sequence[Quote]) -> str:
    if not quotes:
        return "<div class='notice'>没有找到 · Not found</div>"
    out = []
    if not quotes[0].exact:
        out.append("<div class='not-exact'>没有完全一致的原文，以下为最接近的句子（并非原文引用）· "
                   "No exact match: nearest sentences, NOT exact quotes</div>")
    else:
        out.append(f"<div class='notice'>共 {len(quotes)} 处原文 · {len(quotes)} exact occurrence(s)</div>")
    for n, q in enumerate(quotes, 1):
        sim = "" if q.exact else f" · 相似度 similarity {q.similarity:.2f}"
        out.append(f"<div class='source-card'><div class='meta'><span class='rank'>[{n}]</span> "
                   f"{esc(where_text(q.where, q.source, q.start, q.end))}{esc(sim)}</div>"
                   f"<div class='passage'>…{esc(q.before)}<mark>{esc(q.text)}</mark>{esc(q.after)}…</div>"
                   f"<button type='button' class='open-doc' data-open='q:{n}'>查看全文 · Open document</button></div>")
    return "".join(out)


# -- comparison tables as data ----------------------------------------------------------------------------------

# The unit ``table.base_value`` brings each unit it scales to (named in the value axis title); the others stay.
_BASE_UNIT = {"万亿元": "元", "亿元": "元", "万元": "元", "亿美元": "美元", "万美元": "美元", "万人": "人",
              "万人次": "人次", "万吨": "吨", "亿吨": "吨", "平方公里": "平方米", "万亩": "亩", "公顷": "亩",
              "万千瓦": "千瓦", "万标准箱": "标准箱"}


def chart_rows(rows: Iterable[TableRow]) -> tuple[list[dict[str, Any]], str]:
    """Bars for a comparison table: one per row, labelled ``[n] place · counted phrase``, and the value axis title.

    Values in one unit are plotted as written; mixed 万元/元-style units are brought to their base unit first.
    """
    rows = list(rows)
    units = {r.unit for r in rows}
    scale = len(units) > 1
    bars = []
    for r in rows:
        value = base_value(r) if scale else float(r.value)
        bars.append({"label": f"[{r.marker}] {r.place} · {r.label}", "value": value, "place": r.place,
                     "counted": r.label, "year": r.year or "", "unit": r.unit, "as_written": value_text(r)})
    unit = units.pop() if not scale and units else "/".join(sorted({_BASE_UNIT.get(u, u) for u in units}))
    return bars, f"数值 Value{f' ({unit})' if unit else ''}"


CSV_FIELDS = ["marker", "place", "year", "value", "value_text", "qualifier", "unit", "label", "quote", "source",
              "start", "end"]


def _cell(text: object) -> str:
    """A CSV text cell a spreadsheet will not run as a formula."""
    s = "" if text is None else str(text)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def table_csv(rows: Iterable[TableRow]) -> str:
    """The rows of a comparison table as CSV: place, year, value as written, unit, counted phrase, quote, offsets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for r in rows:
        writer.writerow({"marker": r.marker, "place": _cell(r.place), "year": r.year or "", "value": r.value,
                         "value_text": _cell(r.value_text), "qualifier": _cell(r.qualifier), "unit": _cell(r.unit),
                         "label": _cell(r.label), "quote": _cell(r.quote), "source": _cell(r.source),
                         "start": r.start, "end": r.end})
    return out.getvalue()
