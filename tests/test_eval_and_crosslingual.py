from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cppcc_qa.crosslingual import DistrictMatcher, Lexicon, romanize
from cppcc_qa.evaluate import Question, score_runs

from conftest import CORPUS, DEV

Q = [Question("a", "zh", "q1", ("青州市",), ("知情明政",)), Question("b", "en", "q2", ("昌乐县",), ("同心援",)),
     Question("c", "zh", "q3", (), (), True)]


def test_metrics_on_a_known_ranking():
    results = {
        "a": [("青州市", "设立8处知情明政工作站"), ("昌乐县", "x")],  # hit at rank 1
        "b": [("青州市", "同心援"), ("昌乐县", "y"), ("昌乐县", "设立“同心援”爱心驿站")],  # wrong district, then rank 3
    }
    m = score_runs(Q, results)
    assert m["n"] == 2
    assert m["hit@1"] == pytest.approx(0.5)
    assert m["hit@5"] == pytest.approx(1.0)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert score_runs(Q, {})["hit@5"] == 0.0


def test_pinyin_district_names_come_from_the_corpus():
    m = DistrictMatcher.from_districts(["潍城区", "青州市", "临朐县", "寒亭区"])
    assert romanize("潍城区") == "weicheng"
    assert m.find("What did Weicheng district do?") == ["潍城区"]
    assert m.find("Wei cheng and Qingzhou's stations") == ["潍城区", "青州市"] or set(
        m.find("Wei cheng and Qingzhou's stations")) == {"潍城区", "青州市"}
    assert m.find("Linqu County") == ["临朐县"]
    assert m.find("青州的知情明政工作站") == ["青州市"]
    assert m.find("Gaomi city") == []  # not in this corpus


def test_dictionary_expansion_maps_english_to_corpus_words():
    lex = Lexicon.build({"接待": 2, "委员": 9, "茶产业": 1, "工作站": 3, "每日": 1})
    got = dict(lex.expand("Which city has members receive visitors every day at a station?"))
    assert "接待" in got and "委员" in got
    assert "工作站" in got  # 站 'station' reaches the corpus compound built on it
    assert all(w in {"接待", "委员", "茶产业", "工作站", "每日"} for w in got)  # never outside the corpus vocabulary
    assert Lexicon.from_json(json.loads(json.dumps(lex.to_json()))).expand("receive") == lex.expand("receive")


def test_eval_cli_compare_prints_all_configurations(built_index):
    out = subprocess.run([sys.executable, "-m", "cppcc_qa.cli", "eval", str(DEV), "--compare", "--index",
                          str(built_index), "--corpus", str(CORPUS)], capture_output=True, text=True,
                         env=dict(os.environ), timeout=600)
    assert out.returncode == 0, out.stderr
    for name in ("dense", "bm25", "hybrid", "hybrid+"):
        assert f"\n{name} " in "\n" + out.stdout
    assert "abstention: refused" in out.stdout
    row = next(line for line in out.stdout.splitlines() if line.startswith("hybrid+    all"))
    assert float(row.split()[4]) >= 0.95  # hit@5
