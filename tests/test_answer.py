from __future__ import annotations

import pytest

from cppcc_qa.answer import answer
from cppcc_qa.evaluate import load_questions
from cppcc_qa.quotes import find_quotes
from cppcc_qa.textspan import squeeze

from conftest import CALIB_SET, CORPUS, DEV, EXTRA_SET, HOLDOUT_SET, SHORT_SET

RAW = (CORPUS / "2025-weifang-cppcc-highlights.txt").read_text(encoding="utf-8")
EXTRA = [
    "哪个区建立了知情明政工作站？", "which district built a knowledge station", "郑委员超市有什么功能？",
    "高密市的两大行动是什么？", "昌邑市推出了哪些地域文化著作？", "What did Zhucheng do for the tea industry?",
    "哪些地方设立了社情民意信息工作室？", "临朐县约谈了多少名委员？",
]


@pytest.fixture(scope="module")
def kw(built_index):
    return {"index": built_index, "corpus": CORPUS}


def test_every_quote_is_exact_at_its_offsets(kw):
    questions = [q.q for q in load_questions(DEV)] + EXTRA
    checked = 0
    for q in questions:
        a = answer(q, **kw)
        for c in a.citations:
            assert squeeze(RAW[c.start : c.end]) == squeeze(c.quote), (q, c)
            assert c.quote in a.text and f"[{c.marker}]" in a.text
            assert c.passage.start <= c.end and c.start <= c.passage.end
            checked += 1
        assert [c.marker for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert checked >= len(questions)


def test_abstains_on_unanswerable_and_answers_the_answerable(kw):
    qs = [q for path in (DEV, EXTRA_SET, CALIB_SET, HOLDOUT_SET) for q in load_questions(path)]
    found = {q.id: answer(q.q, **kw).found for q in qs}
    assert [q.id for q in qs if not q.unanswerable and not found[q.id]] == []  # 108 answerable, none refused
    dev_unanswerable = [q.id for q in load_questions(DEV) if q.unanswerable]
    assert dev_unanswerable and not any(found[i] for i in dev_unanswerable)  # du1 (zh) and du2 (en)
    for lang in ("zh", "en"):
        unanswerable = [q.id for q in qs if q.unanswerable and q.lang == lang]
        refused = sum(not found[i] for i in unanswerable)
        assert refused >= 0.6 * len(unanswerable), (lang, refused, len(unanswerable))  # measured: zh 15/15, en 25/39
    # Short, loosely worded English questions are where a paraphrase the dictionary misses weighs most.
    short = load_questions(SHORT_SET)
    refused_short = [q.id for q in short if not answer(q.q, **kw).found]
    assert len(refused_short) <= 4, refused_short  # measured: 3 of 40 (s03 private, s24 punish lazy, s31 haircuts)


def test_not_covered_place_says_so_in_the_question_language(kw):
    a = answer("寿光市政协2025年开展了哪些工作？", **kw)
    assert not a.found and "寿光市" in a.text and a.citations == [] and a.passages
    en = answer("How much did Weifang spend on flood control?", **kw)
    assert en.lang == "en" and not en.found and en.passages and en.citations == []
    assert en.text.startswith('The reports do not mention "flood control".')
    assert "possibly" in en.text.lower() or "may be related" in en.text


def test_who_holds_a_post_needs_a_name_in_the_evidence(kw):
    # The Gaomi article names its post holders only by title (主席会议成员), and its byline names a reporter.
    for q in ("高密市政协主席是谁？", "Who is the chairman of the Gaomi CPPCC?"):
        a = answer(q, **kw)
        assert not a.found, q
    assert "是谁" in answer("高密市政协主席是谁？", **kw).text
    # Asking who fills a role is answered by the role itself.
    a = answer("青州市“郑委员超市”的副店长由谁担任？", **kw)
    assert a.found and any("驻社区书记担任副店长" in c.quote for c in a.citations)


def test_which_question_lists_each_district_once(kw):
    a = answer("哪个区建立了知情明政工作站？", **kw)
    assert a.found
    districts = [c.district for c in a.citations]
    assert {"青州市", "昌乐县"} <= set(districts)
    assert len(districts) == len(set(districts))


def test_english_question_gets_english_frame_and_chinese_quotes(kw):
    a = answer("How many companies in Fangzi completed technology transfer loan filings?", **kw)
    assert a.found and a.lang == "en" and a.text.startswith("From the reports")
    assert any("13家企业完成科技成果转化贷备案19笔" in c.quote for c in a.citations)


def test_follow_up_asks_the_same_about_another_district(kw):
    first = "青州市设立了几处知情明政工作站？"
    a = answer("那昌乐县呢？", history=[first], **kw)
    assert "昌乐县" in a.asked and "知情明政工作站" in a.asked
    assert a.found and a.citations[0].district == "昌乐县"
    assert "知情明政工作站" in a.citations[0].quote


def test_find_quotes_exact_and_fuzzy(kw):
    exact = find_quotes("郑委员超市", **kw)
    assert len(exact) == RAW.count("郑委员超市") and all(q.exact for q in exact)
    for q in exact:
        assert RAW[q.start : q.end] == "郑委员超市" and q.district == "青州市"
        assert "郑委员超市" in q.citation and "发挥委员主体作用" in q.citation
    across_break = find_quotes("推动一批民生热点、治理难点问题得到有效解决", **kw)
    assert len(across_break) == 1 and "\n" in RAW[across_break[0].start : across_break[0].end]
    near = find_quotes("郑委员的爱心超市每日轮值", **kw)
    assert near and not any(q.exact for q in near)
    assert "每日轮值" in near[0].text
