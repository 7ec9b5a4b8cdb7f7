from __future__ import annotations

import pytest

from cppcc_qa.errors import InputError
from cppcc_qa.evaluate import is_hit, load_questions, run_eval
from cppcc_qa.retrieve import PRESETS

from conftest import CORPUS, DEV, EXTRA_SET


@pytest.mark.parametrize("question", ["哪个区建立了知情明政工作站？", "which district built a knowledge station"])
def test_example_question_finds_the_knowledge_stations(retriever, question):
    top = retriever.search(question, k=5)
    assert len(top) == 5
    assert any("知情明政工作站" in p.text and p.district in ("青州市", "昌乐县") for p in top)
    assert [p.score for p in top] == sorted((p.score for p in top), reverse=True)


def test_district_filter_accepts_chinese_and_pinyin(retriever):
    for d in ("昌乐县", "Changle", ["昌乐县"]):
        top = retriever.search("知情明政工作站", k=3, district=d)
        assert top and all(p.district == "昌乐县" for p in top)
    with pytest.raises(InputError, match="Unknown district"):
        retriever.search("知情明政工作站", district="寿光市")


@pytest.mark.parametrize("bad", ["", "   ", "？？！！", "🙂🙂", "\x00\x01", "问" * 5000])
def test_bad_questions_get_one_clear_error(retriever, bad):
    with pytest.raises(InputError):
        retriever.search(bad)


@pytest.mark.parametrize("k", [0, -1, 10**6, 2.5, True])
def test_bad_k(retriever, k):
    with pytest.raises(InputError, match="k"):
        retriever.search("知情明政工作站", k=k)


def test_control_characters_and_mixed_scripts_still_work(retriever):
    top = retriever.search("Qingzhou\x00 的 知情明政\t工作站 station", k=3)
    assert top[0].district == "青州市"


def test_hybrid_beats_both_single_signals_on_dev(retriever):
    qs = load_questions(DEV)
    res = {n: run_eval(qs, lambda q, k, s=s: retriever.search(q, k, settings=s), name=n) for n, s in PRESETS.items()}
    plus = res["hybrid+"].overall
    assert plus["hit@5"] >= max(res["dense"].overall["hit@5"], res["bm25"].overall["hit@5"])
    assert plus["hit@5"] >= 0.95 and plus["mrr@10"] >= 0.85
    assert res["hybrid+"].by_lang["en"]["hit@5"] >= 0.85
    assert res["hybrid+"].by_lang["zh"]["hit@5"] >= res["dense"].by_lang["zh"]["hit@5"]


def test_held_out_questions_english_at_chinese_level(retriever):
    qs = load_questions(EXTRA_SET)
    res = {n: run_eval(qs, lambda q, k, s=s: retriever.search(q, k, settings=s), name=n) for n, s in PRESETS.items()}
    en, zh = res["hybrid+"].by_lang["en"], res["hybrid+"].by_lang["zh"]
    assert en["hit@5"] >= 0.9 and zh["hit@5"] >= 0.95
    assert en["hit@5"] > res["dense"].by_lang["en"]["hit@5"] + 0.1  # the cross-lingual signals earn their keep


def test_public_retrieve_uses_env_dirs(built_index, monkeypatch):
    from cppcc_qa import retrieve

    monkeypatch.setenv("CPPCC_QA_INDEX", str(built_index))
    monkeypatch.setenv("CPPCC_QA_CORPUS", str(CORPUS))
    q = load_questions(DEV)[0]
    top = retrieve(q.q, k=5)
    assert any(is_hit(q, p.district, p.text) for p in top)
