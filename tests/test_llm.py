"""The optional LLM path against a real OpenAI-compatible HTTP server on 127.0.0.1 (started here, canned replies):
what the verifier keeps and drops, the total deadline, the size cap, and replies of the wrong shape."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cppcc_qa.compose import answer
from cppcc_qa.llm import verify
from cppcc_qa.records import Passage
from cppcc_qa.settings import LLMConfig

REPLY: dict[str, object] = {"mode": "text", "text": ""}
Q = "青州市政协设立了几处知情明政工作站？"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.path.endswith("/chat/completions") and body["messages"][-1]["role"] == "user"
        mode = REPLY["mode"]
        content: object = REPLY["text"]
        if mode == "parts":
            content = [{"type": "text", "text": REPLY["text"]}]
        elif mode == "number":
            content = 12345
        payload = {"choices": [{"message": {"role": "assistant", "content": content}}]}
        data = json.dumps(payload, ensure_ascii=False).encode()
        if mode == "huge":
            data = json.dumps({"choices": [{"message": {"content": "青" * 2_000_000}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            if mode == "drip":  # one byte every 0.3 s: each read is quick, the whole reply is not
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.3)
            else:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def llm_config(config):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield config.with_(llm=LLMConfig(f"http://127.0.0.1:{srv.server_address[1]}/v1", "qwen-test", timeout=2.0,
                                     max_bytes=200_000))
    srv.shutdown()


def ask(llm_config, index, mode: str, text: str = ""):
    REPLY.update(mode=mode, text=text)
    return answer(Q, index=index, config=llm_config)


def test_valid_citations_kept_fabricated_dropped(llm_config, index):
    a = ask(llm_config, index, "text", "青州市政协设立了“8处知情明政工作站”[1]。青州市还建了“100座知情明政大厦”[1]。"
                                      "另外潍坊市GDP增长了10%[9]。")
    assert a.mode == "llm" and a.found
    assert "8处知情明政工作站" in a.text and "大厦" not in a.text and "GDP" not in a.text
    assert "2 unverifiable" in a.note
    assert [c.marker for c in a.citations] == [1] and "知情明政工作站" in a.citations[0].quote
    assert a.citations[0].where.place == "青州市"


def test_parts_content_is_read_and_other_shapes_fall_back(llm_config, index):
    a = ask(llm_config, index, "parts", "青州市政协设立了“8处知情明政工作站”[1]。")
    assert a.mode == "llm" and "8处知情明政工作站" in a.text
    b = ask(llm_config, index, "number")
    assert b.mode == "extractive-fallback" and "not text" in b.note and b.citations


def test_a_dripping_server_meets_a_total_deadline(llm_config, index):
    t = time.perf_counter()
    a = ask(llm_config, index, "drip", "青州市政协设立了“8处知情明政工作站”[1]。")
    assert time.perf_counter() - t < 6  # 2 s deadline (plus the retrieval), not 0.3 s x hundreds of bytes
    assert a.mode == "extractive-fallback" and "timed out" in a.note
    assert a.found and "8处知情明政工作站" in a.citations[0].quote


def test_an_oversized_reply_is_refused(llm_config, index):
    a = ask(llm_config, index, "huge")
    assert a.mode == "extractive-fallback" and "bytes" in a.note


def _passages() -> list[Passage]:
    base = dict(source="x.txt", article_id="x.txt#1", place="青州市", title="t", year=2025, section_path=(),
                paragraph=1, score=1.0)
    return [Passage(start=0, end=40, id="a", text="青州市政协设立8处知情明政工作站，常态化开展政情通报。", **base),
            Passage(start=50, end=90, id="b", text="昌乐县设置知情明政工作站，开展协商对话活动67场。", **base)]


@pytest.mark.parametrize("sentence", [
    "青州市政协设立了‘12处知情明政工作站’[1]。",  # a quote in ‘…’ that is not in the passage
    "青州市“设立8处知情明政工作站，开展协商对话活动67场”[1][2]。",  # a quote stitched across two passages
    "青州市政协设立了20处工作站[1]。",  # an unquoted number the passage does not hold
    "青州市政协组织了大规模的植树造林和防汛抗旱工作[1]。",  # an unquoted claim: its words are not in the passage
    "青州市政协设立8处知情明政工作站。",  # no marker at all
])
def test_the_verifier_drops_ungrounded_sentences(sentence):
    kept, dropped = verify(sentence, _passages())
    assert kept == [] and dropped == 1


def test_the_verifier_keeps_grounded_sentences():
    kept, dropped = verify("青州市政协设立了“8处知情明政工作站”[1]。昌乐县开展协商对话活动67场[2]。", _passages())
    assert len(kept) == 2 and dropped == 0


def test_off_by_default(index, config):
    assert config.llm is None
    assert answer(Q, index=index, config=config).mode == "extractive"
