"""All user-facing wording, in Chinese and English, and the citation-line formats the CLI, UI and exports share."""

from __future__ import annotations

from collections.abc import Sequence

from .records import SECTION_SEP, Answer, Passage, Quote, TableRow, Where

MESSAGES: dict[str, dict[str, str]] = {
    "head": {"zh": "根据报告原文：", "en": "From the reports (quoted in the original Chinese):"},
    "sources": {"zh": "来源 Sources:", "en": "Sources:"},
    "related": {"zh": "可能相关（并非答案） Possibly related, not an answer:",
                "en": "Possibly related (not an answer):"},
    "not_covered": {"zh": "现有报告中没有找到能回答这个问题的内容。", "en": "The reports do not answer this question."},
    "missing_terms": {"zh": "报告中没有关于{terms}的内容。", "en": "The reports do not mention {terms}."},
    "no_person": {"zh": "报告中没有写明是谁。", "en": "The reports do not name the person asked about."},
    "no_date": {"zh": "报告中没有写明时间。", "en": "The reports do not name a date for this."},
    "no_locality": {"zh": "报告中没有写明是哪里。", "en": "The reports do not name the place asked about."},
    "no_figure": {"zh": "报告中没有给出这个数字。", "en": "The reports do not give this figure."},
    "other_place": {"zh": "现有报告中没有{terms}的报告，检索到的段落也没有回答{terms}的这个问题。",
                    "en": "None of the reports is from {terms}, and no passage found answers this about it."},
    "refusal_tail": {"zh": "以下段落可能相关，仅供参考。",
                     "en": "The passages below may be related; they are not an answer."},
    "table_lead_max": {"zh": "{place}最多：{label}{value}[{marker}]。",
                       "en": "{place} has the most: {label} {value} [{marker}]."},
    "table_lead_min": {"zh": "{place}最少：{label}{value}[{marker}]。", "en":
                       "{place} has the fewest: {label} {value} [{marker}]."},
    "table_lead_tie_max": {"zh": "{place}并列最多：{label}{value}{markers}。",
                           "en": "{place} share the most: {label}{value} {markers}."},
    "table_lead_tie_min": {"zh": "{place}并列最少：{label}{value}{markers}。",
                           "en": "{place} share the fewest: {label}{value} {markers}."},
    "table_rows": {"zh": "共 {n} 处可比数字（按数值排序）：", "en": "{n} comparable figures, sorted by value:"},
    "table_mixed": {"zh": "注意：这些数字统计的对象不完全相同（{labels}），排序仅供参考。",
                    "en": "Note: these figures count different things ({labels}); the ranking is only indicative."},
    "table_too_few": {"zh": "报告中可比较的数字不足两处，无法排序。以下是最接近的数字：",
                      "en": "The reports hold fewer than two comparable figures, so nothing can be ranked. "
                            "The closest figures:"},
    "quote_not_found": {"zh": "没有找到 / Not found.", "en": "Not found."},
    "quote_not_exact": {"zh": "没有完全一致的原文；以下为最接近的句子（并非原文引用）/ "
                              "No exact match; nearest sentences "
                              "(NOT exact):", "en": "No exact match; nearest sentences (NOT exact quotes):"},
}


def message(key: str, lang: str, **values: object) -> str:
    table = MESSAGES[key]
    return table.get(lang, table["en"]).format(**values)


def quoted_terms(terms: Sequence[str], lang: str) -> str:
    """Terms quoted in the question's language (ASCII quotes in English: a CJK font draws “ ” full width)."""
    return "、".join(f"“{t}”" for t in terms) if lang == "zh" else ", ".join(f'"{t}"' for t in terms)


def section_text(path: Sequence[str]) -> str:
    return SECTION_SEP.join(path)


def where_text(w: Where, source: str, start: int, end: int) -> str:
    """``青州市 · 发挥委员主体作用… · 二、… › （三）… · 第4段 · PDF 第3页 · report.txt:2027-2100``."""
    return " · ".join(p for p in [w.place, w.title, *_position(w, source, start, end)] if p)


def _position(w: Where, source: str, start: int, end: int) -> list[str]:
    """Section path (if any), paragraph, the original file's locator (if any) and offsets, in citation order."""
    parts = [section_text(w.section_path)] if w.section_path else []
    parts.append(paragraph_label(w.paragraph))
    if w.locator:
        parts.append(w.locator)
    return [*parts, f"{source}:{start}-{end}"]


def paragraph_label(number: int) -> str:
    return f"第{number}段" if number > 0 else "题头"


def citation_line(marker: int, w: Where, source: str, start: int, end: int) -> str:
    return f"[{marker}] {where_text(w, source, start, end)}"


def quote_citation(text: str, w: Where, source: str, start: int, end: int) -> str:
    """A line to paste into a story: the exact words, then the document, place, section, paragraph and offsets."""
    inner = [w.place, *([f"{w.year}年"] if w.year else []), *_position(w, source, start, end)]
    return f"“{text}”——《{w.title}》（{'，'.join(inner)}）"


def passage_line(rank: int, p: Passage) -> str:
    w = Where(p.place, p.title, p.year, p.section_path, p.paragraph)
    return f"[{rank}] {where_text(w, p.source, p.start, p.end)} · score {p.score:.4f}"


def format_number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


QUALIFIERS_BEFORE = ("不少于", "不低于", "不超过", "超过", "达到", "低于", "高于", "近", "约", "逾", "达")


def render_value(r: TableRow, unit: bool = True) -> str:
    """The figure as the report writes it: 80余篇, 近3000人, 17%左右, 不少于28万人 (without the unit: 80余, 17左右)."""
    text = r.value_text or format_number(r.value)
    before = next((b for b in QUALIFIERS_BEFORE if r.qualifier.startswith(b) and not text.startswith(b)), "")
    inner = "".join(x for x in ("余", "多") if x in r.qualifier and not text.endswith(x))  # usually in value_text
    outer = "".join(x for x in ("以上", "左右") if r.qualifier.endswith(x))
    return f"{before}{text}{inner}{r.unit if unit else ''}{outer}"


def prose(a: Answer) -> list[str]:
    """The lines of an answer's text, without a comparison table's Markdown rows (drawn from ``a.table``)."""
    return [line for line in a.text.split("\n") if not (a.table and line.lstrip().startswith("|"))]


def table_lines(rows: Sequence[TableRow], lang: str) -> list[str]:
    head = "| # | 地区 Place | 年份 Year | 数字 Figure | 统计对象 Counted | 来源 |" if lang == "zh" else \
        "| # | Place | Year | Figure | Counted | Source |"
    out = [head, "|---|---|---|---|---|---|"]
    for n, r in enumerate(rows, 1):
        out.append(f"| {n} | {r.place} | {r.year or ''} | {render_value(r)} | {r.label} | [{r.marker}] |")
    return out


def answer_text(a: Answer) -> str:
    """The whole answer as the CLI prints it: text, note, then sources (or the passages it is not sure of)."""
    lines = [a.text]
    if a.note:
        lines.append(f"({a.note})")
    if a.citations:
        lines.append("")
        lines.append(message("sources", a.lang))
        lines += [citation_line(c.marker, c.where, c.source, c.start, c.end) for c in a.citations]
    elif a.passages:
        lines.append("")
        lines.append(message("related", a.lang))
        for rank, p in enumerate(a.passages[:3], 1):
            lines.append(passage_line(rank, p))
            lines.append(f"    {p.text}")
    return "\n".join(lines)


def quote_lines(quotes: Sequence[Quote]) -> list[str]:
    if not quotes:
        return [message("quote_not_found", "zh")]
    out = [] if quotes[0].exact else [message("quote_not_exact", "zh")]
    for n, q in enumerate(quotes, 1):
        sim = "" if q.exact else f" · similarity {q.similarity:.2f}"
        out.append(f"[{n}] {where_text(q.where, q.source, q.start, q.end)}{sim}")
        out.append(f"    …{q.before}【{q.text}】{q.after}…")
        out.append(f"    {q.citation}")
    return out
