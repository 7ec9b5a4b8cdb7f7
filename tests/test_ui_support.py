"""Helpers for the UI tests (no tests here): a real `cppcc-qa serve` on a free loopback port and Debian's
chromium driven through Playwright, each page checked for off-host requests, JS dialogs and script execution."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from conftest import CORPUS, ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SHOTS = ROOT / "screenshots"
WAIT = 60_000  # ms: an answer on a busy 2-core machine

# A report holding HTML, a script, a Markdown link and a bracket number of its own: all must show as text.
XSS = """德州市：测试<script>window.__xss=1;alert(1)</script>标题

本报讯（通讯员 张三）德州市政协开展<img src=x onerror="window.__xss=2">“委员接待日”活动<b>加粗</b>20场，详见[点击](http://example.com)和附件[2]。
"""


def squeeze(text: str) -> str:
    return "".join(text.split())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    corpus: Path
    index: Path
    data: Path
    extra: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    tmpdir: Path | None = None  # the server's temporary directory (TMPDIR), when a test looks into it
    returncode: int | None = None  # of the last stop

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "cppcc_qa.cli", *args, "--corpus", str(self.corpus), "--index", str(self.index),
                "--data", str(self.data)]

    def start(self) -> Server:
        self.log = self.data.parent / f"server-{self.port}-{int(time.time() * 1000)}.log"
        out = self.log.open("wb")
        env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"}  # the app turns it off itself
        if self.tmpdir is not None:
            env["TMPDIR"] = str(self.tmpdir)
        self.proc = subprocess.Popen([*self.cli("serve", "--port", str(self.port)), *self.extra], stdout=out,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 240
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text(errors="replace"))
            if "Serving on" in self.log.read_text(errors="replace"):
                try:
                    urllib.request.urlopen(self.url, timeout=2)
                    return self
                except OSError:
                    pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("server did not start:\n" + self.log.read_text(errors="replace"))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.returncode = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.returncode = self.proc.wait(timeout=10)
        self.proc = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""


def make_server(tmp: Path, built_index: Path, *extra: str, xss: bool = True) -> Server:
    """A server over a copy of the shipped corpus (plus the XSS report) and of the session's built index, so only
    the added report is embedded at start-up."""
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    if xss:
        (corpus / "xss.txt").write_text(XSS, encoding="utf-8")
    index = tmp / "index"
    shutil.copytree(built_index, index)
    return Server(corpus, index, tmp / "data", tuple(extra))


def launch_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: apt-get install -y chromium fonts-noto-cjk (scripts/test.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@contextmanager
def open_page(browser: Any, url: str, *, width: int = 1360, height: int = 1000, login: tuple[str, str] | None = None,
              mobile: bool = False) -> Iterator[Any]:
    """A fresh browser context on ``url``, its question box ready; afterwards: every request went to the server,
    no dialog opened and no script of a report ran."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True,
                              is_mobile=mobile, has_touch=mobile)
    ctx.set_default_timeout(30_000)
    pg = ctx.new_page()
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url)
    if login:
        pg.wait_for_selector("input[type=password]", timeout=WAIT)
        pg.fill("input[data-testid=textbox]", login[0])
        pg.fill("input[type=password]", login[1])
        pg.locator("button.primary").first.click()  # "Login", or "登录" in a Chinese browser
    pg.wait_for_selector("#question textarea", timeout=WAIT)
    try:
        yield pg
        hosts = {urlparse(u).netloc for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
        assert hosts <= {urlparse(url).netloc}, f"off-host requests: {hosts}"
        assert dialogs == [], dialogs
        assert pg.evaluate("window.__xss") is None
        assert errors == [], errors
    finally:
        ctx.close()


def ask(page: Any, question: str, *, turn: int | None = None, enter: bool = True) -> None:
    """Ask and wait until the answer is complete (its feedback buttons are shown)."""
    before = page.locator("#chat .turn").count()
    page.fill("#question textarea", question)
    if enter:
        page.press("#question textarea", "Enter")
    else:
        page.click("#ask-btn")
    n = before if turn is None else turn
    page.wait_for_selector(f"#chat #turn-{n} .actions", timeout=WAIT)


def shot(page: Any, name: str, full: bool = False) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path), full_page=full)
    return path


def download(page: Any, selector: str, dest: Path) -> Path:
    page.wait_for_selector(selector, state="visible")
    with page.expect_download(timeout=WAIT) as info:
        page.click(selector)
    path = dest / info.value.suggested_filename
    info.value.save_as(str(path))
    return path


def open_marker(page: Any, ref: str, where: str = "#chat") -> str:
    """Click a citation badge (or card button) and return the viewer's highlighted text once shown."""
    page.click(f"{where} [data-open='{ref}']")
    page.wait_for_selector("#viewer mark.cited", state="visible", timeout=WAIT)
    page.wait_for_function("(() => { const m = document.querySelector('#viewer mark.cited');"
                           " const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()",
                           timeout=10_000)
    return str(page.inner_text("#viewer mark.cited"))


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)
