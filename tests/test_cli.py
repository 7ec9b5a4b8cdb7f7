"""The command line through its real entry point (``python -m cppcc_qa.cli``), as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS, RAW


def run(*args: str, env_extra: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPPCC_QA_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "cppcc_qa.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def where(index: Path, corpus: Path = CORPUS) -> tuple[str, ...]:
    return ("--index", str(index), "--corpus", str(corpus))


def test_help_is_fast_and_imports_no_heavy_library():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "cppcc_qa.cli", "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "ask" in out.stdout and "docs" in out.stdout and "facts" in out.stdout
    for heavy in ("torch", "faiss", "jieba", "gradio", "sentence_transformers", "bm25s", "numpy", "opencc"):
        assert f" {heavy}\n" not in out.stderr and f" {heavy}." not in out.stderr, heavy


def test_the_default_path_never_imports_torch(built_index):
    code = ("import sys; from cppcc_qa import answer, open_index; "
            f"a = answer('哪个区建立了知情明政工作站？', index=open_index({str(built_index)!r}, {str(CORPUS)!r})); "
            "assert a.found; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_ask_json_prints_answer_passages_and_table(built_index):
    out = run("ask", "which district built a knowledge station", "--json", *where(built_index))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["lang"] == "en" and len(data["passages"]) == 5 and data["table"] == []
    assert sorted(c["place"] for c in data["citations"]) == ["昌乐县", "青州市"]
    out = run("ask", "哪个县市区政协组织的社区议事、协商对话等活动场次最多？", "--json", *where(built_index))
    table = json.loads(out.stdout)["table"]
    assert table and {"place", "year", "value", "unit", "label", "quote", "source", "start", "end"} <= set(table[0])
    assert table[0]["place"] == "高密市"
    out = run("ask", "哪个区建立了知情明政工作站？", "--passages", "--json", *where(built_index))
    assert {"place", "title", "start", "end", "score", "text", "section_path"} <= set(json.loads(out.stdout)[0])


def test_ask_human_output_and_quote(built_index):
    out = run("ask", "青州市政协设立了几处知情明政工作站？", *where(built_index))
    assert out.returncode == 0
    assert out.stdout.startswith("根据报告原文：\n青州市：青州市政协设立8处知情明政工作站")
    assert "[1] 青州市 · 发挥委员主体作用 赋能基层社会治理 · 第2段 · 2025-weifang-cppcc-highlights.txt:" in out.stdout
    out = run("quote", "郑委员超市", "--json", *where(built_index))
    quotes = json.loads(out.stdout)
    assert len(quotes) == RAW.count("郑委员超市") == 4
    assert all(q["text"] == "郑委员超市" and q["exact"] for q in quotes)
    assert len({q["citation"] for q in quotes}) == 4  # two hits in one paragraph are told apart


def test_ask_exports_markdown_and_word(built_index, tmp_path):
    md, docx_path = tmp_path / "a.md", tmp_path / "a.docx"
    question = "青州市政协设立了几处知情明政工作站？"
    assert run("ask", question, "--format", "md", "-o", str(md), *where(built_index)).returncode == 0
    text = md.read_text(encoding="utf-8")
    assert question in text and "[1] 青州市" in text and "> 青州市政协设立8处知情明政工作站" in text
    compare = "哪个县市区政协组织的社区议事、协商对话等活动场次最多？"
    assert run("ask", compare, "--format", "docx", "-o", str(docx_path), *where(built_index)).returncode == 0
    import docx

    document = docx.Document(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "高密市" in body and "2025-weifang-cppcc-highlights.txt:" in body
    assert document.tables and any("80余场" in c.text for row in document.tables[0].rows for c in row.cells)


def test_docs_lists_documents_with_origins(tmp_path, corpus_copy):
    (corpus_copy / "bad.txt").write_bytes(b"\x00\x01" * 50)
    out = run("docs", "--json", "--corpus", str(corpus_copy), "--index", str(tmp_path / "idx"))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    items = [r for r in rows if "skipped" not in r]
    assert len(items) == 11 and {"source", "place", "level", "year", "kind", "title", "origins"} <= set(items[0])
    assert items[0]["place"] == "奎文区" and items[0]["origins"]["place"] == "headline"
    skipped = [r for r in rows if "skipped" in r]
    assert skipped == [{"source": "bad.txt", "skipped": "binary data (NUL bytes), not a text file"}]
    assert not (tmp_path / "idx").exists()  # docs reads the corpus; it builds nothing


def test_facts_csv(built_index):
    out = run("facts", "提案", "--csv", *where(built_index))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and {"place", "year", "value", "unit", "label", "quote", "source", "start", "end"} <= set(rows[0])
    zhucheng = [r for r in rows if r["place"] == "诸城市" and r["value_text"] == "265"]
    assert zhucheng and zhucheng[0]["label"] == "立案办理提案"
    assert RAW[int(zhucheng[0]["start"]) : int(zhucheng[0]["end"])].startswith("诸城市政协2025年立案办理提案265件")


def test_errors_are_one_line_without_traceback(tmp_path, built_index):
    cases = [
        ("ask", "   ", *where(built_index)),
        ("ask", "知情明政", "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "idx")),
        ("ask", "知情明政", "--place", "寿光市", *where(built_index)),
        ("ask", "知情明政", "--year", "1999", *where(built_index)),
        ("ask", "知情明政", "--format", "docx", *where(built_index)),
        ("serve", "--auth", "nopassword", *where(built_index)),
        ("eval", str(tmp_path / "missing.jsonl"), *where(built_index)),
    ]
    for args in cases:
        out = run(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        lines = [x for x in out.stderr.splitlines() if x.startswith("error:")]
        assert len(lines) == 1, out.stderr


def test_index_command_then_noop_and_skipped_files(tmp_path, corpus_copy):
    idx = tmp_path / "idx"
    out = run("index", *where(idx, corpus_copy))
    assert out.returncode == 0 and "Indexed 11 articles from 1 file(s)" in out.stdout
    assert "is up to date" in run("index", *where(idx, corpus_copy)).stdout
    (corpus_copy / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    out = run("index", *where(idx, corpus_copy))
    assert out.returncode == 0 and "warning: skipped junk.txt: binary" in out.stderr
    again = run("index", *where(idx, corpus_copy))
    assert "is up to date" in again.stdout  # a skipped file does not make the index stale for ever


def test_first_run_and_stale_index_messages(tmp_path, corpus_copy):
    idx = tmp_path / "idx"
    out = run("ask", "知情明政工作站", *where(idx, corpus_copy))
    assert out.returncode == 0
    assert f"Building the index of the reports in {corpus_copy}/ into {idx}/ (first run)…" in out.stderr
    assert "WARNING" not in out.stderr and "needs a rebuild" not in out.stderr
    more = "寿光市：建设菜乡议事厅\n\n本报讯（通讯员 李明）寿光市政协设立12个菜乡议事厅。\n"
    (corpus_copy / "more.txt").write_text(more, encoding="utf-8")
    out = run("ask", "寿光市设立了多少个菜乡议事厅？", *where(idx, corpus_copy))
    assert out.returncode == 0
    assert "is out of date (corpus files added: more.txt); rebuilding it" in out.stderr
    assert "寿光市" in out.stdout and "12个菜乡议事厅" in out.stdout


def test_a_changed_stopword_list_rebuilds_the_index(tmp_path, corpus_copy):
    """The index built by an older analysis (another stop-word list) is reported stale and rebuilt by ask."""
    idx = tmp_path / "idx"
    assert run("index", *where(idx, corpus_copy)).returncode == 0
    manifest = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    manifest["analysis"]["zh_stopwords"] = manifest["analysis"]["zh_stopwords"][:-1]
    (idx / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    out = run("ask", "青州市政协设立了几处知情明政工作站？", *where(idx, corpus_copy))
    assert out.returncode == 0, out.stderr
    assert "analysis settings changed: zh_stopwords" in out.stderr and "rebuilding" in out.stderr
    from cppcc_qa.settings import ANALYSIS

    rebuilt = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    assert rebuilt["analysis"]["zh_stopwords"] == list(ANALYSIS.zh_stopwords)


def test_place_filter_accepts_chinese_pinyin_and_the_old_flag(built_index):
    for flag, value in (("--place", "昌乐县"), ("--place", "Changle"), ("--district", "昌乐")):
        out = run("ask", "知情明政工作站", "--passages", "--json", flag, value, *where(built_index))
        assert out.returncode == 0, out.stderr
        assert {p["place"] for p in json.loads(out.stdout)} == {"昌乐县"}


def test_feedback_lists_nothing_then_csv(tmp_path):
    out = run("feedback", "--data", str(tmp_path / "data"), "--corpus", str(CORPUS))
    assert out.returncode == 0 and "No feedback yet" in out.stdout
    out = run("feedback", "--csv", "--data", str(tmp_path / "data"), "--corpus", str(CORPUS))
    assert out.stdout.splitlines()[0].startswith("id,at,user,rating,comment,question")


def test_index_add_never_writes_through_a_link_or_loses_a_file(tmp_path, corpus_copy):
    import os

    outside = tmp_path / "outside.txt"
    os.symlink(outside, corpus_copy / "report.txt")  # a dangling link named like the file being added
    src = tmp_path / "in"
    src.mkdir()
    (src / "report.txt").write_text("寿光市：建设菜乡议事厅\n\n本报讯（通讯员 李明）寿光市政协设立12个菜乡议事厅。\n",
                                    encoding="utf-8")
    (src / "..txt").write_text("临淄区：齐都协商\n\n本报讯（通讯员 赵强）临淄区政协组织协商活动18次。\n",
                               encoding="utf-8")
    out = run("index", "--add", str(src / "report.txt"), str(src / "..txt"), *where(tmp_path / "idx", corpus_copy))
    assert out.returncode == 0, out.stderr
    assert not outside.exists()  # nothing was written through the link
    added = sorted(p.name for p in corpus_copy.iterdir() if p.suffix == ".txt" and not p.is_symlink())
    assert "report-1.txt" in added and "report.txt" not in added
    places = json.loads(run("docs", "--json", *where(tmp_path / "idx", corpus_copy)).stdout)
    assert {"寿光市", "临淄区"} <= {r.get("place") for r in places}  # both reports are indexed
