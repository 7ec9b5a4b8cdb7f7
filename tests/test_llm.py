"""The optional LLM path against a real OpenAI-compatible HTTP server on 127.0.0.1 (started here, canned replies)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cppcc_qa.answer import answer

from conftest import CORPUS

REPLY = {"text": ""}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.path.endswith("/chat/completions") and body["messages"][-1]["role"] == "user"
        if REPLY["text"] == "SLOW":
            time.sleep(3)
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": REPLY["text"]}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def llm_env(built_index):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{srv.server_address[1]}/v1", "kw": {"index": built_index, "corpus": CORPUS}}
    srv.shutdown()


@pytest.fixture()
def configured(llm_env, monkeypatch):
    monkeypatch.setenv("CPPCC_QA_LLM_URL", llm_env["url"])
    monkeypatch.setenv("CPPCC_QA_LLM_MODEL", "qwen-test")
    monkeypatch.setenv("CPPCC_QA_LLM_TIMEOUT", "1")
    return llm_env["kw"]


Q = "青州市政协设立了几处知情明政工作站？"


def test_valid_citations_kept_fabricated_dropped(configured):
    REPLY["text"] = ("青州市政协设立了“8处知情明政工作站”[1]。"
                     "青州市还建了“100座知情明政大厦”[1]。"
                     "另外潍坊市GDP增长了10%[9]。")
    a = answer(Q, **configured)
    assert a.mode == "llm" and a.found
    assert "8处知情明政工作站" in a.text and "大厦" not in a.text and "GDP" not in a.text
    assert "2 unverifiable" in a.note
    assert [c.marker for c in a.citations] == [1] and "知情明政工作站" in a.citations[0].quote


def test_timeout_falls_back_to_extractive(configured):
    REPLY["text"] = "SLOW"
    a = answer(Q, **configured)
    assert a.mode == "extractive-fallback" and "timed out" in a.note
    assert a.found and a.citations and "8处知情明政工作站" in a.citations[0].quote


def test_no_verifiable_claim_falls_back(configured):
    REPLY["text"] = "青州市有很多工作站。"
    a = answer(Q, **configured)
    assert a.mode == "extractive-fallback" and a.citations


def test_off_by_default(llm_env, monkeypatch):
    monkeypatch.delenv("CPPCC_QA_LLM_URL", raising=False)
    a = answer(Q, **llm_env["kw"])
    assert a.mode == "extractive"
