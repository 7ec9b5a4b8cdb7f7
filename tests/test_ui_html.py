"""The UI's HTML, without a browser: every piece of report text escaped, our markers told apart from a report's
own bracket numbers, saved answers read back whole, the viewer's highlight on the cited offsets."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cppcc_qa.errors import InputError
from cppcc_qa.records import Answer, Citation, TableRow, Where
from cppcc_qa.viewer import (
    chart_rows,
    conversation_html,
    document_html,
    parse_ref,
    quotes_html,
    sources_html,
    table_csv,
    text_html,
)

EVIL = '德州市开展<img src=x onerror="alert(1)">活动<script>alert(2)</script>，详见[点击](http://example.com)和附件[2]。'


def _answer(quote: str = EVIL) -> Answer:
    where = Where("德州市", "标题<b>", 2025, ("一、<i>工作</i>",), 2, "PDF 第3页")
    cite = Citation(source="x.txt", start=10, end=10 + len(quote), marker=1, quote=quote, where=where)
    return Answer("问题<script>", f"根据报告原文：\n德州市：{quote}[1]", [cite], True, "zh")


def test_report_text_is_escaped_and_its_brackets_are_not_markers() -> None:
    html = text_html(_answer(), 0)
    assert "<img" not in html and "<script" not in html and "<a " not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "[点击](http://example.com)" in html and "附件[2]" in html
    assert re.findall(r"<button[^>]*class='cite'[^>]*>\[(\d+)\]</button>", html) == ["1"]


def test_a_marker_outside_the_quoted_words_is_a_badge_only_when_it_is_ours() -> None:
    a = _answer("普通的句子。")
    a.text = "见[1]和[7]。"
    html = text_html(a, 3)
    assert "data-open='a:3:1'" in html and "[7]" in html and "a:3:7" not in html


def test_streamed_prefix_never_shows_half_a_marker() -> None:
    a = _answer("普通的句子。")
    full = a.text
    for upto in range(len(full) + 1):
        html = text_html(a, 0, upto)
        assert html.count("<button") == (1 if upto >= len(full) else 0)


def test_conversation_escapes_questions_and_warns_once() -> None:
    html = conversation_html([("<img src=x>?", _answer())], warning="<b>bad</b>")
    assert "<img src=x>" not in html and "&lt;img src=x&gt;?" in html
    assert html.count("⚠️") == 1 and "&lt;b&gt;bad&lt;/b&gt;" in html
    assert "data-fb='0:-1'" in html and "data-fb='0:1'" in html
    assert "shared by everyone" in conversation_html([], shared=True)


def test_comparison_rows_become_a_table_chart_and_csv() -> None:
    rows = [TableRow("甲县", 2025, 80, "场", "活动<x>", "开展活动80余场", "a.txt", 0, 9, 1, "80", "余"),
            TableRow("乙区", 2025, 1.5, "万元", "=资金", "资金1.5万元", "a.txt", 20, 28, 2, "1.5")]
    a = Answer("q", "甲县最多[1]\n| # | x |\n|---|---|\n| 1 | 甲县 |", [], True, "zh", mode="table", table=rows)
    html = conversation_html([("q", a)])
    assert "| # |" not in html and "cmp-table" in html and "80余" in html and "活动&lt;x&gt;" in html
    bars, title = chart_rows(rows)
    assert [b["label"] for b in bars] == ["[1] 甲县 · 活动<x>", "[2] 乙区 · =资金"]
    assert bars[1]["value"] == 15000 and "元" in title  # mixed units: brought to the base unit
    text = table_csv(rows)
    assert text.splitlines()[0].startswith("marker,place,year,value") and "开展活动80余场" in text
    assert ",'=资金," in text  # no spreadsheet formula from a report


def test_mixed_units_are_charted_in_the_base_unit_of_table_base_value() -> None:
    from cppcc_qa import table, viewer

    # Every unit table.base_value scales has the base unit the axis title names, and no other.
    assert set(viewer._BASE_UNIT) == {u for u, f in table._SCALE.items() if f != 1.0}
    rows = [TableRow("甲县", 2025, 2, "万人次", "培训", "培训2万人次", "a.txt", 0, 9, 1, "2"),
            TableRow("乙区", 2025, 300, "人次", "培训", "培训300人次", "a.txt", 20, 28, 2, "300")]
    bars, title = chart_rows(rows)
    assert [b["value"] for b in bars] == [20000, 300] and title == "数值 Value (人次)"
    assert [b["as_written"] for b in bars] == ["2", "300"]


def test_the_app_sends_no_analytics(config: Any, tmp_path: Any) -> None:
    """No telemetry or version check from Gradio, and no environment variable written to get there."""
    import dataclasses
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"}
    check = ("import os, cppcc_qa.ui; assert 'GRADIO_ANALYTICS_ENABLED' not in os.environ, "
             "'importing the UI wrote os.environ'")
    subprocess.run([sys.executable, "-c", check], env=env, check=True, timeout=300)
    from cppcc_qa.ui import build_app

    app = build_app(dataclasses.replace(config, data=tmp_path / "data"))
    assert app.analytics_enabled is False


@pytest.mark.parametrize("ref", ["a:0:1", "p:2:3", "q:4"])
def test_refs(ref: str) -> None:
    assert parse_ref(ref)[0] == ref[0]


@pytest.mark.parametrize("ref", ["", "a:0:0", "q:0", "q:-1", "a:x:1", "../etc/passwd", "a:0:1:2", None])
def test_bad_refs(ref: Any) -> None:
    with pytest.raises(ValueError):
        parse_ref(ref)


def test_saved_answers_read_back_whole(index: Any, config: Any) -> None:
    from cppcc_qa.compose import answer

    for q in ("哪个区建立了知情明政工作站？", "哪个县市区政协组织的社区议事、协商对话等活动场次最多？",
              "寿光市政协2025年开展了哪些工作？"):
        a = answer(q, index=index, config=config)
        back = Answer.from_dict(json.loads(json.dumps(a.to_dict(), ensure_ascii=False)))
        assert back == a


def test_viewer_highlights_the_cited_offsets_in_the_whole_document(index: Any, config: Any) -> None:
    from cppcc_qa.compose import answer

    a = answer("哪个区建立了知情明政工作站？", index=index, config=config)
    c = a.citations[0]
    html = document_html(index, c.source, c.start, c.end, c.quote, "[1]")
    marked = re.search(r"<mark class='cited' id='cited'>(.*?)</mark>", html, re.S)
    assert marked and "".join(marked.group(1).split()) == "".join(c.quote.split())
    raw = index.text(c.source)
    assert len(re.sub(r"<[^>]+>|\s", "", html)) > 0.9 * len("".join(raw.split()))  # the whole document
    for part in (c.where.place, f"第{c.where.paragraph}段", f"{c.source}:{c.start}-{c.end}"):
        assert part in html
    cards = sources_html(index, a, 0)
    assert cards.count("class='source-card'") == len(a.citations) and "<mark>" in cards
    # A changed document: the quote is looked for, and the reader is told.
    moved = document_html(index, c.source, c.start + 3, c.end + 3, c.quote)
    assert "changed" in moved and "".join(c.quote.split()) in "".join(moved.split())
    assert "no longer in the index" in document_html(index, "missing.txt", 0, 1)


def test_quote_cards_escape_and_open_by_number(index: Any, config: Any) -> None:
    from cppcc_qa.quotes import find_quotes

    quotes = find_quotes("郑委员超市", index=index, config=config)
    html = quotes_html(quotes)
    assert html.count("<mark>") == len(quotes) and f"data-open='q:{len(quotes)}'" in html


def test_auth_values() -> None:
    from cppcc_qa.ui import parse_auth

    assert parse_auth(None) is None
    assert parse_auth(["a:p:q", "b:x"]) == [("a", "p:q"), ("b", "x")]
    for bad in (["nocolon"], ["a:"], [":pw1"], ["a:pw1", "a:pw2"]):
        with pytest.raises(InputError) as err:
            parse_auth(bad)
        assert "\n" not in str(err.value) and "pw1" not in str(err.value) and "pw2" not in str(err.value)
