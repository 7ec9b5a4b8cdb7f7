"""The chat UI for real: `cppcc-qa serve` on a free loopback port, driven by Debian's chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import CORPUS, ROOT

XSS = """德州市：测试<script>window.__xss=1;alert(1)</script>标题

本报讯（通讯员 张三）德州市政协开展<img src=x onerror="window.__xss=2">“委员接待日”活动<b>加粗</b>20场。
"""
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = ROOT / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(corpus: Path, index: Path, *extra: str):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cppcc_qa.cli", "serve", "--port", str(port), "--corpus", str(corpus),
                             "--index", str(index), *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start")


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_index):
    corpus = tmp_path_factory.mktemp("ui") / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "xss.txt").write_text(XSS, encoding="utf-8")
    index = corpus.parent / "index"
    shutil.copytree(built_index, index)  # reuses cached embeddings: only the fixture is embedded
    proc, url = _start(corpus, index)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: apt-get install -y chromium fonts-noto-cjk (scripts/test.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.requests = []  # type: ignore[attr-defined]
    pg.on("request", lambda r: pg.requests.append(r.url))  # type: ignore[attr-defined]
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.goto(server)
    pg.wait_for_selector("#question textarea", timeout=60_000)
    yield pg
    hosts = {urlparse(u).netloc for u in pg.requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= {urlparse(server).netloc}, f"off-host requests: {hosts}"
    assert pg.dialogs == [] and pg.evaluate("window.__xss") is None
    ctx.close()


def _ask(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask-btn")


def test_example_question_shows_cited_source(page):
    _ask(page, "哪个区建立了知情明政工作站？")
    page.wait_for_selector("#sources .source-card mark", timeout=60_000)
    sources = page.inner_text("#sources")
    assert "知情明政工作站" in sources and ("青州市" in sources or "昌乐县" in sources)
    page.wait_for_function("document.querySelector('#chat').innerText.includes('[1]')", timeout=30_000)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "ask.png"), full_page=True)


def test_district_filter(page):
    page.click("#district-filter input")
    page.keyboard.type("昌乐县")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _ask(page, "知情明政工作站")
    page.wait_for_selector("#sources .source-card", timeout=60_000)
    metas = page.locator("#sources .source-card .meta").all_inner_texts()
    assert metas and all("昌乐县" in m for m in metas)


def test_not_covered_question_says_not_found(page):
    _ask(page, "寿光市政协2025年开展了哪些工作？")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('寿光市')", timeout=60_000)
    page.wait_for_function("document.querySelector('#chat').innerText.includes('没有')", timeout=30_000)
    assert "可能相关" in page.inner_text("#sources")


def test_find_quote_and_inert_html(page):
    page.get_by_role("tab", name="找原文 · Find quote").click()
    page.fill("#phrase textarea", "郑委员超市")
    page.click("#find-btn")
    page.wait_for_selector("#quotes mark", timeout=60_000)
    marks = page.locator("#quotes mark").all_inner_texts()
    raw = (CORPUS / "2025-weifang-cppcc-highlights.txt").read_text(encoding="utf-8")
    assert marks == ["郑委员超市"] * raw.count("郑委员超市")
    assert "发挥委员主体作用" in page.input_value("#citations textarea")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "quote.png"), full_page=True)
    # A report containing HTML and script shows them as text.
    page.fill("#phrase textarea", "委员接待日")
    page.click("#find-btn")
    page.wait_for_function("document.querySelector('#quotes').innerText.includes('onerror')", timeout=60_000)
    assert page.locator("#quotes img").count() == 0 and page.locator("#quotes b").count() == 0
    assert "<img src=x" in page.inner_text("#quotes")


def test_gradio_client_named_endpoints(server):
    from gradio_client import Client

    c = Client(server, verbose=False)
    r = c.predict("哪个区建立了知情明政工作站？", [], api_name="/ask")
    assert r["found"] and {x["district"] for x in r["citations"]} & {"青州市", "昌乐县"}
    q = c.predict("郑委员超市", api_name="/find_quote")
    assert q and all(x["exact"] and x["text"] == "郑委员超市" for x in q)
    bad = c.predict("   ", [], api_name="/ask")
    assert "empty" in bad["error"]


def test_auth_refuses_anonymous_api_calls(built_index, tmp_path):
    from gradio_client import Client

    proc, url = _start(CORPUS, built_index, "--auth", "staff:s3cret")
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises different types per version
            Client(url, verbose=False).predict("知情明政", [], api_name="/ask")
        ok = Client(url, auth=("staff", "s3cret"), verbose=False).predict("知情明政", [], api_name="/ask")
        assert ok["found"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_bad_questions_get_a_clear_message_in_the_chat(page):
    _ask(page, "   ")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('The question is empty')", timeout=30_000)
    _ask(page, "问" * 20_000)
    page.wait_for_function("document.querySelector('#chat').innerText.includes('the limit is')", timeout=30_000)
    assert "Traceback" not in page.inner_text("#chat")
