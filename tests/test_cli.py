from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import CORPUS


def run(*args, env_extra=None, timeout=300):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "cppcc_qa.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_help_is_fast_and_imports_no_heavy_library():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "cppcc_qa.cli", "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "ask" in out.stdout and "index" in out.stdout
    imported = out.stderr
    for heavy in ("torch", "faiss", "jieba", "gradio", "sentence_transformers", "bm25s"):
        assert f" {heavy}\n" not in imported and f" {heavy}." not in imported, heavy


def test_ask_json_prints_answer_and_passages(built_index):
    out = run("ask", "which district built a knowledge station", "--json", "--index", str(built_index),
              "--corpus", str(CORPUS))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["lang"] == "en" and len(data["passages"]) == 5
    assert any("知情明政工作站" in p["text"] for p in data["passages"])
    out = run("ask", "哪个区建立了知情明政工作站？", "--passages", "--json", "--index", str(built_index),
              "--corpus", str(CORPUS))
    passages = json.loads(out.stdout)
    assert {"district", "title", "start", "end", "score", "text"} <= set(passages[0])


def test_ask_human_output_and_quote(built_index):
    out = run("ask", "青州市政协设立了几处知情明政工作站？", "--index", str(built_index), "--corpus", str(CORPUS))
    assert out.returncode == 0
    assert out.stdout.startswith("根据报告原文：\n青州市：青州市政协设立8处知情明政工作站")
    assert "[1] 青州市 · 发挥委员主体作用 赋能基层社会治理 · 第2段" in out.stdout
    out = run("quote", "郑委员超市", "--json", "--index", str(built_index), "--corpus", str(CORPUS))
    quotes = json.loads(out.stdout)
    raw = (CORPUS / "2025-weifang-cppcc-highlights.txt").read_text(encoding="utf-8")
    assert len(quotes) == raw.count("郑委员超市") == 4
    assert all(q["text"] == "郑委员超市" and q["exact"] for q in quotes)


def test_errors_are_one_line_without_traceback(tmp_path, built_index):
    cases = [
        ("ask", "   ", "--index", str(built_index), "--corpus", str(CORPUS)),
        ("ask", "知情明政", "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "idx")),
        ("ask", "知情明政", "--district", "寿光市", "--index", str(built_index), "--corpus", str(CORPUS)),
    ]
    for args in cases:
        out = run(*args)
        assert out.returncode == 2, out
        assert "Traceback" not in out.stderr
        lines = [x for x in out.stderr.splitlines() if x.startswith("error:")]
        assert len(lines) == 1, out.stderr


def test_index_command_then_noop(tmp_path, corpus_copy):
    idx = tmp_path / "idx"
    out = run("index", "--corpus", str(corpus_copy), "--index", str(idx))
    assert out.returncode == 0 and "Indexed 11 articles from 1 file(s)" in out.stdout
    out = run("index", "--corpus", str(corpus_copy), "--index", str(idx))
    assert "is up to date" in out.stdout
    (corpus_copy / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    out = run("index", "--corpus", str(corpus_copy), "--index", str(idx))
    assert out.returncode == 0 and "warning: skipped junk.txt: binary" in out.stderr


def test_stale_index_is_rebuilt_by_ask_and_said(tmp_path, corpus_copy):
    idx = tmp_path / "idx"
    assert run("index", "--corpus", str(corpus_copy), "--index", str(idx)).returncode == 0
    (corpus_copy / "more.txt").write_text("寿光市：建设菜乡议事厅\n\n本报讯（通讯员 李明）寿光市政协设立12个菜乡议事厅。\n",
                                         encoding="utf-8")
    out = run("ask", "寿光市设立了多少个菜乡议事厅？", "--corpus", str(corpus_copy), "--index", str(idx))
    assert out.returncode == 0
    assert "needs a rebuild" in out.stderr and "added: more.txt" in out.stderr
    assert "寿光市" in out.stdout and "12个菜乡议事厅" in out.stdout
