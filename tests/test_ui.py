"""The chat UI for real: `cppcc-qa serve` on a free loopback port, driven by Debian's chromium via Playwright.

One server for the module (no login): asking, the source viewer, comparison tables and charts, exports, feedback,
saved conversations, a phone-width page, inert report HTML, the find-quote tab, bad input and the API.
"""

from __future__ import annotations

import csv
import io
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from test_ui_support import (
    WAIT,
    Server,
    ask,
    docx_text,
    download,
    launch_browser,
    make_server,
    open_marker,
    open_page,
    shot,
    squeeze,
)

pytestmark = pytest.mark.browser

QUESTION = "哪个区建立了知情明政工作站？"
COMPARE = "哪个县市区政协组织的社区议事、协商对话等活动场次最多？"
XSS_QUESTION = "德州市政协开展了多少场委员接待日活动？"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, built_index: Any) -> Iterator[Server]:
    srv = make_server(tmp_path_factory.mktemp("ui"), built_index).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.fixture(scope="module")
def client(server: Server) -> Any:
    from gradio_client import Client

    return Client(server.url, verbose=False)


def test_serve_prints_one_line_and_no_gradio_banner(server: Server) -> None:
    out = server.output()
    assert f"Serving on http://127.0.0.1:{server.port} (Ctrl+C to stop)" in out
    assert "Opening the index" in out
    assert "share=True" not in out and "Running on local URL" not in out


def test_ask_cites_and_viewer_opens_the_cited_span(browser: Any, server: Server, client: Any) -> None:
    expected = client.predict(QUESTION, [], [], api_name="/ask")
    first = next(c for c in expected["citations"] if c["marker"] == 1)
    with open_page(browser, server.url) as page:
        ask(page, QUESTION)
        badge = page.locator("#chat button.cite[data-open='a:0:1']")
        assert badge.count() == 1 and badge.inner_text() == "[1]"
        card = page.locator("#sources .source-card").first
        meta = card.locator(".meta").inner_text()
        assert first["place"] in meta and f"{first['source']}:{first['start']}-{first['end']}" in meta
        assert f"第{first['paragraph']}段" in meta
        assert squeeze(card.locator("mark").inner_text()) == squeeze(first["quote"])
        shot(page, "ask.png", full=True)
        cited = open_marker(page, "a:0:1")
        assert squeeze(cited) == squeeze(first["quote"])
        viewer = page.inner_text("#viewer")
        assert first["place"] in viewer and "第" in viewer and f"{first['start']}-{first['end']}" in viewer
        assert len(squeeze(viewer)) > 5 * len(squeeze(cited))  # the whole document, not the passage
        shot(page, "viewer.png")
        page.keyboard.press("Escape")
        page.wait_for_selector("#viewer-panel", state="hidden")
        # The source card's button opens the same place.
        assert squeeze(open_marker(page, "a:0:1", "#sources")) == squeeze(first["quote"])


def test_follow_up_keeps_history_and_typing_is_not_wiped(browser: Any, server: Server) -> None:
    with open_page(browser, server.url) as page:
        ask(page, QUESTION)
        page.fill("#question textarea", "那昌乐县呢？")
        page.press("#question textarea", "Enter")
        page.wait_for_function("document.querySelector('#question textarea').value === ''")
        page.type("#question textarea", "草稿 draft")  # typed while the answer is being looked up and streamed
        page.wait_for_selector("#chat #turn-1 .actions", timeout=WAIT)
        assert page.input_value("#question textarea") == "草稿 draft"
        assert page.locator("#chat .turn").count() == 2
        assert "昌乐县" in page.inner_text("#chat #turn-1 .msg.bot")


def test_comparison_shows_table_chart_and_csv(browser: Any, server: Server, tmp_path: Any) -> None:
    with open_page(browser, server.url) as page:
        ask(page, COMPARE)
        table = page.locator("#chat #turn-0 .cmp-table")
        table.wait_for()
        head = table.locator("th").all_inner_texts()
        assert any("地区" in h for h in head) and any("统计对象" in h for h in head)
        rows = table.locator("tbody tr")
        assert rows.count() >= 2
        assert rows.nth(0).locator("button.cite").count() == 1
        page.wait_for_selector("#chart canvas, #chart svg", state="visible", timeout=WAIT)
        time.sleep(0.8)  # the chart animates in
        page.locator("#chart").scroll_into_view_if_needed()
        shot(page, "comparison.png")
        csv_path = download(page, "#dl-csv", tmp_path)
        data = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
        assert len(data) == rows.count()
        first = rows.nth(0).locator("td").all_inner_texts()
        assert data[0]["place"] == first[1] and data[0]["label"] == first[5]
        assert all(r["source"] and r["quote"] for r in data)
        # A row's [n] opens the viewer on its figure.
        cited = open_marker(page, "a:0:1")
        assert squeeze(data[0]["value_text"]) in squeeze(cited)


def test_exports_hold_citation_lines_and_quotes(browser: Any, server: Server, client: Any, tmp_path: Any) -> None:
    import docx  # noqa: F401 - python-docx must be installed to read the export

    expected = client.predict(QUESTION, [], [], api_name="/ask")
    with open_page(browser, server.url) as page:
        ask(page, QUESTION)
        answer_docx = docx_text(download(page, "#dl-answer-docx", tmp_path))
        answer_md = download(page, "#dl-answer-md", tmp_path).read_text(encoding="utf-8")
        for c in expected["citations"]:
            line = f"[{c['marker']}] "
            assert line in answer_docx and f"{c['source']}:{c['start']}-{c['end']}" in answer_docx
            assert c["quote"] in answer_docx and c["quote"] in answer_md
            assert f"{c['source']}:{c['start']}-{c['end']}" in answer_md
        ask(page, "which district built a knowledge station")
        conv_docx = docx_text(download(page, "#dl-conv-docx", tmp_path))
        conv_md = download(page, "#dl-conv-md", tmp_path).read_text(encoding="utf-8")
        for text in (conv_docx, conv_md):
            assert QUESTION in text and "which district built a knowledge station" in text
        last_md = download(page, "#dl-answer-md", tmp_path).read_text(encoding="utf-8")
        assert QUESTION not in last_md and "which district built a knowledge station" in last_md


def test_thumbs_down_with_comment_reaches_the_feedback_cli(browser: Any, server: Server) -> None:
    comment = f"引用不对 wrong citation {time.time_ns()}"
    with open_page(browser, server.url) as page:
        ask(page, QUESTION)
        page.click("#chat #turn-0 .fb.down")
        page.wait_for_selector("#fb-comment textarea", state="visible")
        page.fill("#fb-comment textarea", comment)
        page.click("#fb-send")
        page.wait_for_function("document.querySelector('#status').innerText.includes('Feedback recorded')")
    out = subprocess.run(server.cli("feedback", "--csv"), capture_output=True, text=True, timeout=120, check=True)
    rows = [r for r in csv.DictReader(io.StringIO(out.stdout)) if r["comment"] == comment]
    assert len(rows) == 1
    row = rows[0]
    assert row["rating"] == "-1" and row["question"] == QUESTION and row["index_version"]
    assert "[1]" in row["answer"] and '"quote"' in row["citations"] and row["at"]


def test_conversations_are_listed_renamed_reopened_and_deleted(browser: Any, server: Server) -> None:
    title = f"工作站对话 {time.time_ns() % 100000}"
    with open_page(browser, server.url) as page:
        page.wait_for_selector("#conv-who :text('shared by everyone')")
        ask(page, QUESTION)
        page.wait_for_function("document.querySelector('#conv-title input, #conv-title textarea').value.length > 0")
        page.fill("#conv-title input, #conv-title textarea", title)
        page.click("#conv-rename")
        page.wait_for_selector(f"#conv-list label:has-text('{title}')")
    with open_page(browser, server.url) as page:  # a new session: the list comes from the store
        page.click(f"#conv-list label:has-text('{title}')")
        page.wait_for_selector("#chat #turn-0 button.cite")
        assert QUESTION in page.inner_text("#chat")
        open_marker(page, "a:0:1")
        page.click("#viewer-close")
        page.click("#conv-delete")
        page.click("#conv-delete-confirm")
        page.wait_for_function("document.querySelector('#conv-msg').innerText.includes('Deleted')")
        assert page.locator(f"#conv-list label:has-text('{title}')").count() == 0
        assert page.locator("#chat .turn").count() == 0


def test_phone_width(browser: Any, server: Server) -> None:
    with open_page(browser, server.url, width=390, height=844, mobile=True) as page:
        page.wait_for_function("!document.querySelector('#sidebar').classList.contains('open')")
        ask(page, QUESTION)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "phone-390.png")
        shot(page, "phone-390-full.png", full=True)
        cited = open_marker(page, "a:0:1")
        assert cited
        box = page.locator("#viewer-panel").bounding_box()
        assert box is not None and box["width"] <= 390
        shot(page, "phone-390-viewer.png")


def test_report_html_script_links_and_brackets_stay_text(browser: Any, server: Server) -> None:
    with open_page(browser, server.url) as page:
        ask(page, XSS_QUESTION)
        bot = page.locator("#chat #turn-0 .msg.bot")
        text = bot.inner_text()
        assert "<img src=x" in text and "<b>加粗</b>" in text and "[点击](http://example.com)" in text
        assert "附件[2]" in text
        for where in ("#chat", "#sources"):
            assert page.locator(f"{where} img, {where} b, {where} a[href], {where} script").count() == 0
        # Our marker is a badge; the report's own [2] is plain text.
        assert bot.locator("button.cite").all_inner_texts() == ["[1]"]
        shot(page, "xss-chat.png")
        cited = open_marker(page, "a:0:1")
        assert "onerror" in cited
        viewer = page.inner_text("#viewer")
        assert "<script>window.__xss=1;alert(1)</script>" in viewer
        assert page.locator("#viewer img, #viewer script, #viewer b, #viewer a[href]").count() == 0
        shot(page, "xss-viewer.png")


def test_find_quote_exports_and_opens_the_viewer(browser: Any, server: Server, tmp_path: Any) -> None:
    raw = (server.corpus / "2025-weifang-cppcc-highlights.txt").read_text(encoding="utf-8")
    with open_page(browser, server.url) as page:
        page.get_by_role("tab", name="找原文 · Find quote").click()
        page.fill("#phrase textarea", "郑委员超市")
        page.press("#phrase textarea", "Enter")
        page.wait_for_selector("#quotes mark")
        marks = page.locator("#quotes mark").all_inner_texts()
        assert marks == ["郑委员超市"] * raw.count("郑委员超市")
        lines = page.input_value("#citations textarea").split("\n")
        assert len(lines) == len(marks) and all("郑委员超市" in line and "第" in line for line in lines)
        shot(page, "quote.png", full=True)
        every = docx_text(download(page, "#dl-quotes-docx", tmp_path))
        assert all(line in every for line in lines)
        page.locator("#quote-pick label").nth(1).click()  # export only the second one
        page.wait_for_function("document.querySelector('#dl-quotes-md').innerText.includes('1 ')")
        picked = download(page, "#dl-quotes-md", tmp_path).read_text(encoding="utf-8")
        assert lines[1] in picked and lines[0] not in picked
        picked_docx = docx_text(download(page, "#dl-quotes-docx", tmp_path))
        assert lines[1] in picked_docx and lines[0] not in picked_docx
        assert open_marker(page, "q:2", "#quotes") == "郑委员超市"
        page.keyboard.press("Escape")
        # A report's HTML shows as text in the quote tab and in the viewer opened from it.
        page.fill("#phrase textarea", "委员接待日")
        page.click("#find-btn")
        page.wait_for_function("document.querySelector('#quotes').innerText.includes('onerror')")
        assert page.locator("#quotes img, #quotes b, #quotes a[href]").count() == 0
        cards = page.locator("#quotes .source-card")
        n = next(i for i in range(cards.count()) if "xss.txt" in cards.nth(i).inner_text()) + 1
        open_marker(page, f"q:{n}", "#quotes")
        assert "<img src=x" in page.inner_text("#viewer")
        assert page.locator("#viewer img").count() == 0


def test_bad_questions_get_one_clear_message_at_once(browser: Any, server: Server) -> None:
    with open_page(browser, server.url) as page:
        page.fill("#question textarea", "   ")
        page.press("#question textarea", "Enter")
        page.wait_for_function("document.querySelector('#status').innerText.includes('The question is empty')",
                               timeout=5_000)
        long = "问" * 20_000
        page.fill("#question textarea", long)
        started = time.monotonic()
        page.click("#ask-btn")
        page.wait_for_function("document.querySelector('#status').innerText.includes('the limit is')",
                               timeout=5_000)
        assert time.monotonic() - started < 5
        status = page.inner_text("#status")
        assert status.count("⚠") == 1 and "Traceback" not in status
        assert page.locator("#chat .turn").count() == 0
        assert page.input_value("#question textarea") == long  # kept, to be shortened
        assert "Traceback" not in page.inner_text("body")


def test_api_endpoints(client: Any) -> None:
    r = client.predict(QUESTION, [], [], api_name="/ask")
    assert r["found"] and r["citations"] and r["citations"][0]["quote"]
    q = client.predict("郑委员超市", api_name="/find_quote")
    assert q and all(x["exact"] and x["text"] == "郑委员超市" for x in q)
    assert "empty" in client.predict("   ", [], [], api_name="/ask")["error"]
    assert "limit" in client.predict("问" * 20_000, [], [], api_name="/ask")["error"]
    assert "error" in client.predict("", api_name="/find_quote")
    assert "error" in client.predict(QUESTION, ["不存在的地方"], [], api_name="/ask")


def test_report_answer_cites_its_section_path(browser: Any, built_index: Any, tmp_path: Any) -> None:
    """A work report (our fixture, in the layout of a real one): the citation and the viewer show the section path."""
    import shutil

    from conftest import FIXTURES

    srv = make_server(tmp_path, built_index, xss=False)
    shutil.copy(FIXTURES / "standing-committee-report.txt", srv.corpus)
    srv.start()
    try:
        with open_page(browser, srv.url) as page:
            ask(page, "沂水县政协经审查立案了多少件提案？")
            bot = squeeze(page.inner_text("#chat #turn-0 .msg.bot"))
            assert "183件" in bot
            meta = page.locator("#sources .source-card").first.locator(".meta").inner_text()
            assert "二、坚持民主监督，助推重点工作落实 › （一）创新提案办理监督" in meta and "第1段" in meta
            assert "standing-committee-report.txt" in meta
            shot(page, "report-section.png")
            cited = open_marker(page, "a:0:1")
            assert "183件" in cited
            viewer = page.inner_text("#viewer")
            assert "（一）创新提案办理监督" in viewer and "工作报告" in viewer
            shot(page, "report-section-viewer.png")
    finally:
        srv.stop()
