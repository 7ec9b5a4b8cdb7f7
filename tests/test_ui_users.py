"""Logins and saved conversations across users and restarts: `cppcc-qa serve --auth a:pa --auth b:pb`.

One user never sees another's conversations, in the page or through the API; anonymous API calls are refused;
a conversation survives a server restart and reopens with its citations.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from test_ui_support import Server, ask, free_port, launch_browser, make_server, open_marker, open_page, shot

pytestmark = pytest.mark.browser

A, B = ("a", "pa"), ("b", "pb")
QA = "哪个区建立了知情明政工作站？"
QB = "How many companies in Fangzi completed technology transfer loan filings?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, built_index: Any) -> Iterator[Server]:
    srv = make_server(tmp_path_factory.mktemp("users"), built_index, "--auth", "a:pa", "--auth", "b:pb",
                      xss=False).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def _titles(page: Any) -> list[str]:
    page.wait_for_selector("#conv-who :text('Signed in as')")
    return [t.strip() for t in page.locator("#conv-list label").all_inner_texts()]


def test_each_user_sees_only_their_conversations(browser: Any, server: Server) -> None:
    from gradio_client import Client

    with open_page(browser, server.url, login=A) as page:
        page.wait_for_selector("#conv-who :text('only you')")
        ask(page, QA)
        page.wait_for_selector("#conv-list label")
        assert any(QA in t for t in _titles(page))
        shot(page, "login-a.png")
    with open_page(browser, server.url, login=B) as page:
        assert not any(QA in t for t in _titles(page))
        ask(page, QB)
        page.wait_for_selector("#conv-list label")
        titles = _titles(page)
        assert any(QB[:30] in t for t in titles) and not any(QA in t for t in titles)
    with open_page(browser, server.url, login=A) as page:
        page.wait_for_selector("#conv-list label")  # A's list fills in after the sign-in line
        titles = _titles(page)
        assert any(QA in t for t in titles) and not any(QB[:30] in t for t in titles)

    a = Client(server.url, auth=A, verbose=False)
    b = Client(server.url, auth=B, verbose=False)
    mine_a = a.predict(api_name="/conversations")
    mine_b = b.predict(api_name="/conversations")
    assert mine_a and mine_b and {c["id"] for c in mine_a}.isdisjoint({c["id"] for c in mine_b})
    assert all(QA in c["title"] for c in mine_a) and all(QB[:30] in c["title"] for c in mine_b)
    assert a.predict(mine_a[0]["id"], api_name="/conversation")["turns"][0]["question"] == QA
    assert "error" in a.predict(mine_b[0]["id"], api_name="/conversation")  # B's id, asked by A
    assert "error" in b.predict(mine_a[0]["id"], api_name="/conversation")
    assert a.predict(QA, [], [], api_name="/ask")["found"]


def test_anonymous_api_calls_are_refused(server: Server) -> None:
    from gradio_client import Client

    for api_name, args in (("/ask", (QA, [], [])), ("/find_quote", ("郑委员超市",)), ("/conversations", ())):
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises different types per version
            Client(server.url, verbose=False).predict(*args, api_name=api_name)
    with pytest.raises(Exception):  # noqa: B017
        Client(server.url, auth=("a", "wrong"), verbose=False)


def test_bad_auth_values_give_one_clear_error(server: Server) -> None:
    # (each wrong form is checked in test_ui_html.py::test_auth_values; here the whole command, once)
    out = subprocess.run([*server.cli("serve", "--port", "1"), "--auth", "ok:pw", "--auth", "user:"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().count("\n") == 0 and "--auth value #2" in out.stderr and "user:password" in out.stderr
    assert "Traceback" not in out.stderr and "pw" not in out.stderr


def test_conversation_survives_a_restart(browser: Any, tmp_path: Any, built_index: Any) -> None:
    """Also: a server stopped by SIGTERM (`kill`, a service manager) exits cleanly and removes its export folder; one
    killed outright leaves its folder, which the next server removes once nobody has touched it for six hours."""
    srv = make_server(tmp_path, built_index, xss=False)
    srv.tmpdir = tmp_path / "tmp"
    orphan = srv.tmpdir / "cppcc-qa-exports-killed"
    (orphan / "old").mkdir(parents=True)
    recent = srv.tmpdir / "cppcc-qa-exports-busy"
    recent.mkdir()
    stale = time.time() - 7 * 3600
    for d in (orphan / "old", orphan):
        os.utime(d, (stale, stale))
    srv.start()
    assert not orphan.exists() and recent.exists()
    assert len(list(srv.tmpdir.glob("cppcc-qa-exports-*"))) == 2  # the busy one and the new server's
    try:
        with open_page(browser, srv.url) as page:
            ask(page, QA)
            ask(page, "那昌乐县呢？")
            page.wait_for_selector("#conv-list label")
        srv.stop()
        assert srv.returncode == 0 and "Stopping" in srv.output() and "Traceback" not in srv.output()
        assert [d.name for d in srv.tmpdir.glob("cppcc-qa-exports-*")] == ["cppcc-qa-exports-busy"]
        srv.port = free_port()
        srv.start()
        with open_page(browser, srv.url) as page:
            label = page.locator(f"#conv-list label:has-text('{QA}')")
            label.wait_for()
            label.click()
            page.wait_for_selector("#chat #turn-1 .actions")
            chat = page.inner_text("#chat")
            assert QA in chat and "那昌乐县呢？" in chat
            assert page.locator("#sources .source-card").count() >= 1
            assert open_marker(page, "a:0:1")
            shot(page, "restart-reopened.png")
            # The follow-up after a restart still sees the earlier questions.
            ask(page, "有多少个？")
            assert page.locator("#chat .turn").count() == 3
    finally:
        srv.stop()
