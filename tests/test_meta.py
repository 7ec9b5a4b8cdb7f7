"""Document metadata read from the text (place as written, level, year and where it came from, date, session,
speaker, genre, title, outlet), overridden by a folder name or a sidecar; ``catalog()`` and ``cppcc-qa docs --json``;
retrieval and cited answers on the fixture index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from cppcc_qa.build import catalog, read_articles
from cppcc_qa.records import DocMeta
from cppcc_qa.sources import read_sidecar

from conftest import FIXTURES, FOLDER, PORTAL, PROPOSALS, REPORT, ROOT, SIDECAR, TRADITIONAL, config_for

# source -> every metadata field, and a word that the origin of the year must hold
EXPECTED: dict[str, dict[str, object]] = {
    REPORT: {
        "place": "沂水县", "level": "county", "year": 2023, "date": "2024-01-16", "session": "第十一届委员会第三次会议",
        "speaker": "县政协主席 秦望舒", "kind": "report", "genre": "常委会工作报告",
        "title": "中国人民政治协商会议沂水县第十一届委员会常务委员会工作报告", "outlet": None,
        "year_origin": "工作回顾",  # no year in the title: the part heading 2023年工作回顾 names it
    },
    PROPOSALS: {
        "place": "乐陵市", "level": "city", "year": 2023, "date": "2024-02-27", "session": "第九届委员会第三次会议",
        "speaker": "市政协副主席 韩砚秋", "kind": "report", "genre": "提案工作报告",
        "title": "政协乐陵市第九届委员会常务委员会关于2023年度提案工作情况的报告", "outlet": None,
        "year_origin": "title",
    },
    TRADITIONAL: {
        "place": "海滄區", "level": "district", "year": 2024, "date": "2024-06-12", "session": None, "speaker": None,
        # a pinyin gloss (區(qū)) is a reading aid of the web page, not part of the headline; the script is kept
        "kind": "news", "genre": None, "title": "海滄區政協“鄰里議事廳”開進社區", "outlet": None,
        "year_origin": "date",
    },
    PORTAL: {
        "place": "永嘉县", "level": "county", "year": 2024, "date": "2024-05-20", "session": None, "speaker": None,
        "kind": "news", "genre": None, "title": "永嘉县政协开展“楠溪议事”民生专题协商", "outlet": "永嘉县政协",
        "year_origin": "date",
    },
    FOLDER: {
        "place": "阳朔县", "level": "county", "year": 2024, "date": "2024-09-05", "session": None, "speaker": None,
        "kind": "news", "genre": None, "title": "县政协组织委员开展民宿业发展专题调研", "outlet": None,
        "year_origin": "date",
    },
    SIDECAR: {
        "place": "兰溪市", "level": "city", "year": 2023, "date": "2023-11-08", "session": None, "speaker": None,
        "kind": "news", "genre": None, "title": "金华市政协调研组来我市调研委员履职平台建设",
        "outlet": "兰溪市政协办公室", "year_origin": "meta.json",
    },
}
IDS = {REPORT: "report", PROPOSALS: "proposals", TRADITIONAL: "traditional", PORTAL: "portal", FOLDER: "folder",
       SIDECAR: "sidecar"}


@pytest.fixture(scope="module")
def metas(tmp_path_factory) -> dict[str, DocMeta]:
    articles, _docs, skipped, _ = read_articles(config_for(FIXTURES, tmp_path_factory.mktemp("meta") / "index"))
    assert skipped == []
    return {a.source: a.meta for a in articles}


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CPPCC_QA_")}
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), full.get("PYTHONPATH")) if p)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "cppcc_qa.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full, cwd=ROOT)


# -- fields, one fixture at a time -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", [*DocMeta.FIELDS])
@pytest.mark.parametrize("source", sorted(EXPECTED), ids=[IDS[s] for s in sorted(EXPECTED)])
def test_metadata_field(metas, source, field):
    assert metas[source].to_dict()[field] == EXPECTED[source][field]


@pytest.mark.parametrize("source", sorted(EXPECTED), ids=[IDS[s] for s in sorted(EXPECTED)])
def test_every_known_field_says_where_it_came_from(metas, source):
    meta = metas[source]
    for name in DocMeta.FIELDS:
        if getattr(meta, name) is None:
            assert meta.origin(name) == "unknown", name
        else:
            assert meta.origin(name) not in ("", "unknown"), name
    assert EXPECTED[source]["year_origin"] in meta.origin("year")


def test_place_comes_from_the_text_not_the_file_name(metas):
    for source in (REPORT, PROPOSALS, TRADITIONAL, PORTAL):
        assert metas[source].origin("place").startswith("text"), source
        assert "file name" not in metas[source].origin("level"), source


def test_traditional_place_stays_traditional(metas):
    meta = metas[TRADITIONAL]
    assert meta.place == "海滄區"  # the district, not the city 廈門市 that the item also names
    assert "海沧区" not in json.dumps(meta.to_dict(), ensure_ascii=False)


def test_folder_named_after_a_place_supplies_it(metas, tmp_path):
    meta = metas[FOLDER]
    assert meta.place == "阳朔县" and "folder" in meta.origin("place") and "folder" in meta.origin("level")
    # the same text outside that folder names no place
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / FOLDER, corpus / "notice.txt")
    articles, *_ = read_articles(config_for(corpus, tmp_path / "index"))
    assert [a.meta.place for a in articles] == [None]
    assert articles[0].place == "未知" and articles[0].meta.origin("place") == "unknown"


def test_sidecar_overrides_what_the_text_says(metas, tmp_path):
    assert read_sidecar(FIXTURES, SIDECAR)["place"] == "兰溪市"
    meta = metas[SIDECAR]
    for name in ("place", "level", "year", "outlet"):
        assert "meta.json" in meta.origin(name), name
    assert meta.origin("date") != "unknown" and "meta.json" not in meta.origin("date")  # not in the sidecar: the text's
    # without the sidecar the text's own place is kept, and the sidecar's key "note" is nowhere
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / SIDECAR, corpus / SIDECAR)
    articles, *_ = read_articles(config_for(corpus, tmp_path / "index"))
    assert articles[0].meta.place != "兰溪市" and "meta.json" not in articles[0].meta.origin("place")
    assert "note" not in metas[SIDECAR].to_dict()


def test_meta_csv_row_and_a_broken_sidecar(tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / PORTAL, corpus / "a.txt")
    shutil.copy(FIXTURES / PROPOSALS, corpus / "b.txt")
    (corpus / "meta.csv").write_text("file,place,year\na.txt,瑞安市,2022\n", encoding="utf-8")
    (corpus / "b.txt.meta.json").write_text("{not json", encoding="utf-8")
    articles, _docs, skipped, _ = read_articles(config_for(corpus, tmp_path / "index"))
    assert skipped == []
    by = {a.source: a.meta for a in articles}
    assert (by["a.txt"].place, by["a.txt"].level, by["a.txt"].year) == ("瑞安市", "city", 2022)
    assert "meta.csv" in by["a.txt"].origin("place")
    assert by["b.txt"].place == "乐陵市" and by["b.txt"].origin("place").startswith("text")
    assert any("b.txt.meta.json" in r.getMessage() for r in caplog.records)


# -- catalog and the docs command ------------------------------------------------------------------------------------

REQUIRED = ("source", "place", "level", "year", "kind", "title", "origins")


def test_catalog_lists_every_article_with_its_metadata(tmp_path, metas):
    rows = catalog(config_for(FIXTURES, tmp_path / "index"))
    assert all("skipped" not in r for r in rows)
    by = {r["source"]: r for r in rows}
    assert set(by) == set(EXPECTED)
    for source, want in EXPECTED.items():
        row = by[source]
        assert all(k in row for k in REQUIRED), source
        for key in ("place", "level", "year", "kind", "date", "session", "speaker", "genre", "outlet"):
            assert row[key] == want[key], (source, key)
        assert row["title"] == metas[source].title  # what the title should be: test_metadata_field
        assert isinstance(row["origins"], dict) and want["year_origin"] in row["origins"]["year"]


def test_docs_json_through_the_real_cli(tmp_path, metas):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES, corpus)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    result = cli("docs", "--json", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    docs = [r for r in rows if "skipped" not in r]
    assert {r["source"] for r in docs} == set(EXPECTED)
    for r in docs:
        assert all(k in r for k in REQUIRED), r
        want = EXPECTED[r["source"]]
        assert (r["place"], r["level"], r["year"], r["kind"], r["title"]) == \
               (want["place"], want["level"], want["year"], want["kind"], metas[r["source"]].title)
        assert want["year_origin"] in r["origins"]["year"]
    assert [r for r in rows if "skipped" in r] == [{"source": "empty.txt", "skipped": "the file is empty"}]
    assert not (tmp_path / "index").exists()  # listing documents builds nothing


# -- retrieval and answers on the fixture index ----------------------------------------------------------------------


def test_simplified_question_retrieves_the_traditional_item_first(fixture_index):
    from cppcc_qa.search import retrieve

    passages = retrieve("海沧区政协的邻里议事厅首批在多少个社区设立了议事点？", k=5, index=fixture_index)
    assert passages and passages[0].source == TRADITIONAL
    assert passages[0].place == "海滄區"
    assert "議事" in passages[0].text  # shown as written


def test_question_about_a_report_section_returns_its_section_path(fixture_index):
    from cppcc_qa.search import retrieve

    passages = retrieve("沂水县政协组织委员开展了多少次专题视察？撰写了多少篇调研报告？", k=5, index=fixture_index)
    assert passages[0].source == REPORT
    assert passages[0].section_path == ("2023年工作回顾", "一、坚持协商于决策之前，议政建言更加务实",
                                        "（二）扎实开展视察调研")
    assert "专题视察9次" in passages[0].text


def test_answer_about_the_report_cites_the_section_path(fixture_index):
    from cppcc_qa.compose import answer

    result = answer("沂水县政协2023年共收到多少件提案？立案多少件？", index=fixture_index)
    assert result.found, result.text
    first = result.citations[0]
    assert first.source == REPORT and first.where.place == "沂水县"
    assert first.where.section_path == ("2023年工作回顾", "二、坚持民主监督，助推重点工作落实",
                                        "（一）创新提案办理监督")
    assert "208" in first.quote
    raw = fixture_index.text(REPORT)
    assert first.quote == "".join(raw[first.start : first.end].split())
    assert first.to_dict()["section_path"] == list(first.where.section_path)


@pytest.mark.parametrize("place", ["永嘉县", "乐陵市", "海沧区"])
def test_place_filter_reaches_each_fixture(fixture_index, place):
    from cppcc_qa.search import retrieve

    passages = retrieve("政协委员协商议事", k=3, place=place, index=fixture_index)
    assert passages
    assert {p.place for p in passages} == {"海滄區" if place == "海沧区" else place}
