"""Faults with real processes: SIGKILL mid-build, two builds at once, questions while another process rebuilds,
a server that outlives a rebuild."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from cppcc_qa.search import retrieve
from cppcc_qa.store import load, read_manifest
from test_ui_support import make_server

from conftest import CORPUS

TOPICS = ["菜乡议事厅", "蔬菜大棚", "种业创新", "物流园区", "农村电商", "冷链仓储", "乡村振兴", "设施农业"]


def big_report(n: int = 60) -> str:
    """Many small distinct items, so that embedding them takes a while."""
    parts = ["2024年寿光市政协工作汇编\n"]
    for i in range(n):
        t = TOPICS[i % len(TOPICS)]
        parts.append(f"寿光市：第{i}期“{t}”协商纪实\n\n本报讯（通讯员 李明）"
                     f"寿光市政协围绕{t}第{i}次组织委员开展协商议事，"
                     f"走访企业{i + 3}家，收集意见建议{i * 7 + 5}条，推动解决问题{i + 1}个。"
                     f"委员们深入田间地头和车间厂房，围绕{t}提出对策建议{i + 11}条。\n")
    return "\n".join(parts)


def cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cppcc_qa.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture()
def indexed(tmp_path, built_index):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    shutil.copytree(built_index, index)
    return corpus, index


def ids(index) -> list[str]:
    return [p.id for p in retrieve("知情明政工作站", k=3, index=load(index))]


def test_sigkill_during_build_keeps_previous_index(indexed):
    corpus, index = indexed
    before = ids(index)
    (corpus / "shouguang.txt").write_text(big_report(), encoding="utf-8")
    rng = random.Random(7)
    for delay in sorted(rng.uniform(0.3, 6.0) for _ in range(4)):
        proc = cli("index", "--corpus", str(corpus), "--index", str(index))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert ids(index) == before  # still the previous, complete index
        assert "寿光市" not in read_manifest(index).places
    done = cli("index", "--corpus", str(corpus), "--index", str(index))
    _out, err = done.communicate(timeout=900)
    assert done.returncode == 0, err
    assert not list(index.parent.glob("index.tmp-*")) and not index.with_name("index.old").exists()
    assert retrieve("菜乡议事厅", k=1, index=load(index))[0].place == "寿光市"
    assert ids(index) == before


def test_two_builds_at_once_and_a_question_meanwhile(indexed):
    corpus, index = indexed
    (corpus / "shouguang.txt").write_text(big_report(), encoding="utf-8")
    first = cli("index", "--corpus", str(corpus), "--index", str(index))
    time.sleep(2.5)  # the first run has taken the lock and is embedding
    second = cli("index", "--corpus", str(corpus), "--index", str(index))
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2 and "Another cppcc-qa index run" in err and "Traceback" not in err
    # A question asked now finds the index stale and the lock taken: it answers from the current index.
    ask = cli("ask", "哪个区建立了知情明政工作站？", "--corpus", str(corpus), "--index", str(index))
    out, err = ask.communicate(timeout=300)
    assert ask.returncode == 0, err
    assert "answering from the current index" in err and "青州市" in out
    _out, err = first.communicate(timeout=900)
    assert first.returncode == 0, err
    assert "寿光市" in read_manifest(index).places


def test_server_keeps_answering_during_rebuild_then_uses_new_index(tmp_path, built_index):
    from gradio_client import Client

    server = make_server(tmp_path, built_index, xss=False).start()
    try:
        c = Client(server.url, verbose=False)
        before = c.predict("菜乡议事厅", [], [], api_name="/ask")
        assert not any(p["place"] == "寿光市" for p in before["passages"])
        (server.corpus / "shouguang.txt").write_text(big_report(), encoding="utf-8")
        build = cli("index", "--corpus", str(server.corpus), "--index", str(server.index))
        answered = 0
        while build.poll() is None:
            r = c.predict("哪个区建立了知情明政工作站？", [], [], api_name="/ask")
            assert r["found"] and r["citations"]
            answered += 1
        assert build.returncode == 0 and answered >= 1
        after = c.predict("寿光市围绕菜乡议事厅组织了什么协商？", [], [], api_name="/ask")
        assert after["passages"][0]["place"] == "寿光市"
    finally:
        server.stop()
