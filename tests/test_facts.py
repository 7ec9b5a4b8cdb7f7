"""Quantities stated in the reports: numbers (Arabic, Chinese, full-width) with their unit, approximation and
label as written, exact clause and number offsets; the SQLite file a real build writes; ``cppcc-qa facts --csv``."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cppcc_qa.build import read_articles
from cppcc_qa.facts import extract_facts
from cppcc_qa.layout import split_document
from cppcc_qa.records import SECTION_SEP, Article, Document, Fact
from cppcc_qa.textnorm import fold, repair, squeeze

from conftest import FIXTURES, ROOT, config_for

REPORT = "standing-committee-report.txt"
PROPOSALS = "proposal-work-report.txt"
TRADITIONAL = "traditional-news.txt"
PORTAL = "portal-page.txt"
CSV_HEADER = "place,year,value,value_text,unit,qualifier,label,quote,section,source,start,end"
_PUNCT = "，、；：。！？,;:.!?“”《》（）() "


def facts_of(text: str) -> tuple[list[Fact], str]:
    """The facts of a small document written inline."""
    doc = Document("inline.txt", text, "utf-8", "0" * 64)
    articles = split_document(doc, fold(text))
    assert articles, text
    return [f for a in articles for f in extract_facts(a, text, fold(text))], text


def only(facts: list[Fact], value: float, unit: str) -> Fact:
    found = [f for f in facts if f.value == value and f.unit == unit]
    assert len(found) == 1, f"{value}{unit}: {[(f.value, f.unit, f.label) for f in facts]}"
    return found[0]


def check_fact_offsets(f: Fact, raw: str, article: Article | None = None) -> None:
    clause = raw[f.start : f.end]
    assert clause.strip() == clause and clause, f
    assert not re.search(r"[。！？；]", fold(clause)[:-1]), f"clause {clause!r} holds more than one clause"
    assert f.start <= f.value_start < f.value_end <= f.end
    assert raw[f.value_start : f.value_end] == f.value_text, (f.value_text, raw[f.value_start : f.value_end])
    assert squeeze(f.label) and squeeze(f.label) in squeeze(raw[max(0, f.start - 1) : f.end]), f.label
    quoted = f.label[0] == "“" and "”" in f.label  # “三农”的投入: a quoted term and its head, as written
    assert f.label.count("“") == f.label.count("”"), f"label {f.label!r} holds half a quotation"
    assert (f.label[0] not in _PUNCT or quoted) and f.label[-1] not in _PUNCT, \
        f"label {f.label!r} starts or ends with punctuation"
    if article is not None:
        assert article.start <= f.start < f.end <= article.end
        assert f.section_path == article.section_path(article.section_at(f.value_start))


@pytest.fixture(scope="module")
def fx(tmp_path_factory):  # type: ignore[no-untyped-def]
    articles, docs, skipped, folded = read_articles(config_for(FIXTURES, tmp_path_factory.mktemp("facts") / "index"))
    assert skipped == []
    raw = {d.source: d.text for d in docs}
    facts = {a.source: extract_facts(a, raw[a.source], folded[a.source]) for a in articles}
    return {a.source: a for a in articles}, raw, facts


# -- numbers, units, approximations on small inline documents ----------------------------------------------------------

UNITS = {
    # id: (text, value, unit, label as written)
    "jian": ("全年共收到提案208件。", 208, "件", "收到提案"),
    "tiao": ("收集意见建议96条。", 96, "条", "收集意见建议"),
    "chang-chinese": ("开展专题协商十二场。", 12, "场", "开展专题协商"),
    "ci": ("组织委员视察15次。", 15, "次", "组织委员视察"),
    "chu-label-after": ("设立8处知情明政工作站。", 8, "处", "知情明政工作站"),
    "jia": ("走访委员企业163家。", 163, "家", "走访委员企业"),
    "ming": ("培训新任委员45名。", 45, "名", "培训新任委员"),
    "ren": ("培训委员210人。", 210, "人", "培训委员"),
    "renci": ("服务群众1300人次。", 1300, "人次", "服务群众"),
    "pian": ("撰写调研报告15篇。", 15, "篇", "撰写调研报告"),
    "xiang": ("确定重点协商课题6项。", 6, "项", "确定重点协商课题"),
    "qi": ("编印工作简报24期。", 24, "期", "编印工作简报"),
    "ge": ("建立委员工作室12个，联系群众。", 12, "个", "建立委员工作室"),
    "yiyuan": ("争取上级资金1.2亿元。", 1.2, "亿元", "争取上级资金"),
    "wanyuan": ("筹集助学资金320万元。", 320, "万元", "筹集助学资金"),
    "percent": ("提案办复率100%。", 100, "%", "提案办复率"),
    "chinese-thousands": ("接待群众两千三百人次。", 2300, "人次", "接待群众"),
    "traditional-label": ("收到意見建議64條。", 64, "条", "收到意見建議"),
    "anniversary": ("举办建县1200周年纪念活动。", 1200, "周年", "纪念活动"),
    "age": ("人均预期寿命提高到81.5岁。", 81.5, "岁", "人均预期寿命"),  # the linking verb is not counted
}


@pytest.mark.parametrize(("text", "value", "unit", "label"), list(UNITS.values()), ids=list(UNITS))
def test_number_unit_and_label(text, value, unit, label):
    facts, raw = facts_of(text)
    f = only(facts, value, unit)
    assert f.label == label
    assert f.qualifier == ""
    check_fact_offsets(f, raw)
    assert raw[f.start : f.end] == text  # one clause: 。！？； end clauses, commas do not


APPROX = {
    "yu": ("收集社情民意信息220余条。", 220, "条", "余"),
    "duo": ("开展调研30多次。", 30, "次", "多"),
    "jin": ("资助困难学生近600名。", 600, "名", "近"),
    "yishang": ("服务群众4800人次以上。", 4800, "人次", "以上"),
    "zuoyou": ("开展协商议事10期左右。", 10, "期", "左右"),
    "yue": ("筹集资金约320万元。", 320, "万元", "约"),
    "chinese-yu": ("组织委员一百余人参加视察。", 100, "人", "余"),
}


@pytest.mark.parametrize(("text", "value", "unit", "qualifier"), list(APPROX.values()), ids=list(APPROX))
def test_approximations(text, value, unit, qualifier):
    facts, raw = facts_of(text)
    f = only(facts, value, unit)
    assert f.qualifier == qualifier
    check_fact_offsets(f, raw)


@pytest.mark.parametrize(("text", "value", "unit", "written"), [
    ("组织委员一百余人参加视察。", 100, "人", "一百余"),
    ("走访居民600餘戶。", 600, "户", "600餘"),
    ("帮助企业解决实际问题20余个。", 20, "个", "20余"),
], ids=["chinese", "traditional", "arabic"])
def test_value_text_is_the_number_as_written_with_its_approximation(text, value, unit, written):
    """``Fact.value_text`` is "the number as written: 一百余, 265, ８．４万" (records.Fact): the 余 is part of it."""
    facts, raw = facts_of(text)
    f = only(facts, value, unit)
    assert f.value_text == written
    assert raw[f.value_start : f.value_end] == written


@pytest.mark.parametrize(("text", "value", "unit", "written", "label"), [
    ("累计服务群众２００９人次。", 2009, "人次", "２００９", "服务群众"),
    ("筹集资金８．４万元。", 8.4, "万元", "８．４", "筹集资金"),
], ids=["integer", "decimal"])
def test_full_width_digits_are_read_and_kept_as_written(text, value, unit, written, label):
    facts, raw = facts_of(text)
    f = only(facts, value, unit)
    assert f.label == label
    assert raw[f.value_start : f.value_end] == written
    assert f.value_text == written  # "the number as written" (records.Fact), not its folded form


def test_number_inside_book_title_marks_still_has_a_label():
    facts, raw = facts_of("全年编发《政协信息》24期，被采用9篇。")
    f = only(facts, 24, "期")
    assert "政协信息" in f.label
    check_fact_offsets(f, raw)


def test_a_quoted_term_right_before_the_number_is_what_it_counts():
    facts, _ = facts_of('围绕"双联"建成"12个帮扶车间"。')  # an opening straight quote before the number labels nothing
    assert all(f.label != "双联" for f in facts)
    facts, raw = facts_of("开展议事活动30余场，解决群众身边“烦心小事”210余项；推动企业建成“帮扶车间”12个。")
    assert only(facts, 210, "项").label == "烦心小事"
    assert only(facts, 12, "个").label == "帮扶车间"
    assert only(facts, 30, "场").label == "开展议事活动"
    for f in facts:
        check_fact_offsets(f, raw)


def test_a_short_head_after_a_quoted_term_counts_with_it():
    facts, raw = facts_of("开展“委员进社区”活动6次，全年用于“三农”的投入120亿元；召开常委会议4次。"
                          "组织“政协委员走访企业”活动8次，建成“委员之家”活动室12个。")
    assert only(facts, 6, "次").label == "“委员进社区”活动"  # not 活动 alone
    assert only(facts, 120, "亿元").label == "“三农”的投入"
    assert only(facts, 4, "次").label == "召开常委会议"
    assert only(facts, 8, "次").label == "“政协委员走访企业”活动"  # no action cut inside the quote (走访企业”活动)
    assert only(facts, 12, "个").label == "“委员之家”活动室"
    for f in facts:
        check_fact_offsets(f, raw)


def test_a_long_label_holds_no_half_of_a_bracket():
    facts, raw = facts_of("在已立案的提案中，属经济科技发展方面(含工业、农业、三产、财贸)提案16件。")
    f = only(facts, 16, "件")
    assert f.label.count("(") == f.label.count(")") and f.label.endswith("提案") and "经济" in f.label
    check_fact_offsets(f, raw)


def test_a_long_label_starts_at_a_word_and_ends_before_a_linking_word():
    facts, raw = facts_of("全年举办委员读书学习视察调研座谈交流研讨等活动共计十五期。")
    f = only(facts, 15, "期")
    assert f.label == "学习视察调研座谈交流研讨等活动"  # not 书学习…, nor …活动共计: the cut falls between words
    check_fact_offsets(f, raw)


@pytest.mark.parametrize("text", [
    "政协九届二次会议以来，共收到提案246件。",
    "十一届三次会议期间，共收到提案246件。",
], ids=["with-jie", "bare"])
def test_a_session_number_is_not_a_count(text):
    facts, _ = facts_of(text)
    assert [(f.value, f.unit) for f in facts] == [(246, "件")]


def test_ordinals_and_the_low_end_of_a_range_are_not_counts():
    facts, _ = facts_of("召开第3次主席会议，每个工作站联系4至5个部门。")
    assert 3 not in [f.value for f in facts] and 4 not in [f.value for f in facts]


def test_two_counts_in_one_clause_have_their_own_labels():
    facts, raw = facts_of("全年召开常委会议6次、主席会议14次。")
    assert only(facts, 6, "次").label == "召开常委会议"
    assert only(facts, 14, "次").label == "主席会议"
    for f in facts:
        check_fact_offsets(f, raw)
        assert raw[f.start : f.end] == "全年召开常委会议6次、主席会议14次。"


def test_clause_offsets_across_a_line_break():
    text = "本报讯（通讯员 刘青）区政协今年组织委员开展专题调研，撰写调研\n报告15篇，其中8篇获区领导批示。\n"
    facts, raw = facts_of(text)
    f = only(facts, 15, "篇")
    assert raw[f.start : f.end] == text.strip()
    assert f.label == "撰写调研报告"  # as written, the line break removed
    assert raw[f.value_start : f.value_end] == "15"
    check_fact_offsets(f, raw)


# -- the fixtures --------------------------------------------------------------------------------------------------


def test_every_fact_of_the_fixtures_points_at_its_words(fx):
    articles, raw, facts = fx
    assert sum(len(v) for v in facts.values()) > 40
    for source, found in facts.items():
        for f in found:
            check_fact_offsets(f, raw[source], articles[source])
            assert f.place == articles[source].place and f.year == articles[source].year


def test_work_report_figures(fx):
    _, _, facts = fx
    got = facts[REPORT]
    assert only(got, 12, "场").value_text == "十二" and only(got, 12, "场").label == "开展专题协商"
    assert only(got, 100, "人").qualifier == "余"
    assert only(got, 86, "条").label == "收集意见建议"
    assert only(got, 320, "万元").qualifier == "约"
    assert only(got, 600, "名").qualifier == "近"
    assert only(got, 4800, "人次").qualifier == "以上"
    assert only(got, 1.2, "亿元").label.endswith("融资需求")  # the label runs across a page break
    received = only(got, 208, "件")
    assert received.section_path == ("2023年工作回顾", "二、坚持民主监督，助推重点工作落实", "（一）创新提案办理监督")
    assert only(got, 183, "件").section_path == received.section_path
    assert only(got, 100, "%").section_path == received.section_path


def test_proposal_counts_received_accepted_merged_and_rejected(fx):
    _, _, facts = fx
    got = facts[PROPOSALS]
    assert "提交提案" in only(got, 246, "件").label
    accepted, merged, rejected = only(got, 218, "件"), only(got, 14, "件"), only(got, 28, "件")
    assert "立案" in accepted.label
    assert "合并立案" in merged.label  # otherwise the merged count reads as the accepted one
    assert "不予立案" in rejected.label  # 不予立案 is the opposite of 立案
    assert len({accepted.label, merged.label, rejected.label}) == 3
    assert only(got, 88.6, "%").label == "立案率"
    assert not [f for f in got if f.unit == "次"], "九届二次会议 is a session, not a count"
    assert {f.section_path[0] for f in got if f.value in (246, 218, 14, 28)} == {"一、提案提交和立案情况"}


def test_traditional_facts_keep_the_labels_as_written(fx):
    _, _, facts = fx
    got = facts[TRADITIONAL]
    assert only(got, 64, "条").label == "收到意見建議"
    households = only(got, 600, "户")
    assert households.qualifier == "余"
    members = only(got, 5, "名")  # 3至5名政協(xié)委員: the label is read across the pinyin gloss
    assert squeeze(fold(members.label)) == "政协委员"


def test_no_fact_from_portal_boilerplate(fx):
    articles, _, facts = fx
    portal = articles[PORTAL]
    assert all(portal.start <= f.start and f.end <= portal.end for f in facts[PORTAL])
    assert {(f.value, f.unit) for f in facts[PORTAL]} >= {(23, "个"), (1500, "份"), (8, "场"), (26, "条")}
    assert 20 not in [f.value for f in facts[PORTAL]]  # 十一届二十次主席会议 is a recommended headline


# -- the SQLite file of a real build, and the CLI ---------------------------------------------------------------------


def test_facts_sqlite_of_a_real_build(fixture_index):
    path = fixture_index.layout.facts
    assert path.name == "facts.sqlite" and path.is_file()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(facts)")]
        assert {"place", "year", "value", "unit", "qualifier", "label", "value_text", "clause_start", "clause_end",
                "value_start", "value_end", "section", "quote", "source"} <= set(columns)
        rows = con.execute("SELECT value, unit, qualifier, label, quote, section, clause_start, clause_end, source "
                           "FROM facts WHERE place = ? AND unit = ? ORDER BY id", ("沂水县", "场")).fetchall()
        assert (12.0, "场") in [(r[0], r[1]) for r in rows]
        twelve = next(r for r in rows if r[0] == 12.0)
        raw = fixture_index.text(twelve[8])
        assert twelve[4] == repair(raw[twelve[6] : twelve[7]])
        assert twelve[5] == SECTION_SEP.join(("2023年工作回顾", "一、坚持协商于决策之前，议政建言更加务实",
                                              "（一）精心组织专题协商"))
        places = {r[0] for r in con.execute("SELECT DISTINCT place FROM facts")}
        assert {"沂水县", "乐陵市", "海滄區", "永嘉县", "青州市"} <= places
        total = con.execute("SELECT count(*) FROM facts").fetchone()[0]
        assert total == fixture_index.facts.count() == fixture_index.manifest.counts["facts"]
    finally:
        con.close()
    if shutil.which("sqlite3"):  # the sqlite3 program, when the machine has it
        out = subprocess.run(["sqlite3", str(path), "SELECT count(*) FROM facts WHERE place = '乐陵市'"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and int(out.stdout.strip()) > 5


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPPCC_QA_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "cppcc_qa.cli", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=ROOT)


def test_facts_csv_through_the_real_cli(fixture_index):
    index: Path = fixture_index.path
    corpus = index.parent / "corpus"
    result = cli("facts", "提案", "--csv", "--corpus", str(corpus), "--index", str(index))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) >= 5
    for r in rows:
        assert "提案" in r["label"] + r["quote"], r
        raw = fixture_index.text(r["source"])
        start, end = int(r["start"]), int(r["end"])
        assert r["quote"] == repair(raw[start:end])
        assert float(r["value"]) > 0 and r["unit"]
    assert ("乐陵市", "246.0", "件") in {(r["place"], r["value"], r["unit"]) for r in rows}
    assert ("沂水县", "208.0", "件") in {(r["place"], r["value"], r["unit"]) for r in rows}


def test_a_figure_answers_a_question_only_in_a_matching_measure():
    from cppcc_qa.facts import answers_measure, states_measure

    assert answers_measure("个", "处") and answers_measure("名", "万人次") and answers_measure("元", "亿元")
    assert answers_measure("件", "条") and answers_measure("个", "个百分点")
    assert not answers_measure("个", "份")  # 多少个工作室 is not answered by 200份
    assert not answers_measure("名", "件") and not answers_measure("元", "家")
    assert answers_measure("", "份") and answers_measure("座", "份") is False
    assert answers_measure("种", "份")  # a measure word without a rule accepts any figure
    # Units of length, area, weight and vehicles answer only in themselves (万吨 in 吨, 千米 in 公里).
    assert answers_measure("公里", "千米") and answers_measure("吨", "万吨") and answers_measure("亩", "万亩")
    assert not answers_measure("公里", "项") and not answers_measure("公里", "平方公里")
    assert not answers_measure("平方公里", "公里") and not answers_measure("辆", "个")
    # An anniversary or an age answers only a question asking for one: "80周年纪念活动" counts no leaders.
    assert answers_measure("周年", "周年") and answers_measure("岁", "岁")
    assert not answers_measure("", "周年") and not answers_measure("人", "岁") and not answers_measure("周年", "个")
    assert states_measure("对48名履职成绩靠后的委员进行约谈", "人")
    assert not states_measure("发放的200份现场调查问卷", "个")


@pytest.mark.parametrize(("question", "measure"), [
    ("天桥区一共建成了多少个政协委员商量工作室？", "个"),
    ("临朐县约谈了多少名委员？", "名"),
    ("How many CPPCC members attended the session?", "人"),
    ("How much did the new park cost?", "元"),
    ("How much did grain output rise?", ""),
    ("哪个区建立了知情明政工作站？", ""),
    ("纪念活动是建县多少周年？", "周年"),
    ("人均预期寿命提高到了多少岁？", "岁"), ("How many leaders attended the 80th anniversary event?", "人"),
    ("How many kilometres of new metro lines opened?", "公里"),
    ("How many square kilometres were afforested?", "平方公里"),
    ("How many tonnes of grain were harvested?", "吨"),
    ("What is the total investment in the new park?", "元"), ("What satisfaction rate did members give?", "%"),
    ("What is the number of proposals on raising the literacy rate?", ""), ("What caused the rate to fall?", ""),
])
def test_the_measure_a_how_many_question_counts_with(index, question, measure):
    from cppcc_qa.query import analyse

    assert analyse(question, index).measure == measure


def test_a_total_is_not_answered_by_an_increase(index):
    from cppcc_qa.query import analyse
    from cppcc_qa.table import _stock_or_flow

    total = analyse("各县的委员工作室总数分别是多少？", index)
    assert _stock_or_flow(total, "新增委员工作室") == 0.5 and _stock_or_flow(total, "委员工作室总数") == 1.0
    new = analyse("Which county added the most new member studios?", index)
    assert _stock_or_flow(new, "委员工作室总数") == 0.5 and _stock_or_flow(new, "新建委员工作室") == 1.0
    neither = analyse("各县建成了多少个委员工作室？", index)
    assert _stock_or_flow(neither, "新增委员工作室") == 1.0


def test_a_long_word_is_a_topic_even_when_one_of_its_parts_is_a_frame_word():
    from cppcc_qa.evidence import topic_group

    assert topic_group(frozenset({"政协提案", "政协", "提案"}))  # 政协 is only a part of the word asked
    assert not topic_group(frozenset({"政协"})) and not topic_group(frozenset({"多少"}))
    assert not topic_group(frozenset({"提案", "提升", "提出"}))  # an English word one of whose translations frames


def test_a_figure_after_a_time_word_counts_the_clause_subject():
    facts, raw = facts_of("棉花产量屡创新高，去年达到590万吨，连续增产；")
    f = only(facts, 590, "万吨")
    assert f.label == "棉花产量" and f.qualifier == "达到"
    check_fact_offsets(f, raw)
