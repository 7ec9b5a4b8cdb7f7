"""Answerability checks on the real index: what the reports never mention, and the kind of answer asked for."""

from __future__ import annotations

import json

import pytest

from cppcc_qa.abstain import check_terms, expected_type, has_type, is_pinyin_name
from cppcc_qa.answer import answer
from cppcc_qa.crosslingual import Lexicon
from cppcc_qa.lexical import stem

from conftest import CORPUS


@pytest.fixture(scope="module")
def r(retriever):
    return retriever


def _check(r, question):
    return check_terms(question, r, r.search(question, k=5))


def test_presence_tables_follow_the_corpus_vocabulary():
    lex = Lexicon.build({"防洪": 1, "工作站": 3, "广泛": 4, "委员": 9})
    assert "flood control" in lex.present  # a two-word sense is a phrase of its own (keys are stems)
    assert stem("stations") in lex.present  # 站 in 工作站
    assert stem("population") in lex.absent and stem("tea") in lex.absent
    assert "weiyuan" in lex.pinyin and "weicheng" not in lex.pinyin
    back = Lexicon.from_json(json.loads(json.dumps(lex.to_json())))
    assert (back.present, back.absent, back.pinyin) == (lex.present, lex.absent, lex.pinyin)
    # Without the phrase in the corpus, flood control is unknown to the reports; 泛 in 广泛 is "general",
    # and "flood" only a later sense of it.
    other = Lexicon.build({"控制": 1, "广泛": 4})
    assert "flood control" in other.absent and "flood" in other.absent
    # jieba leaves one-character words out of the vocabulary: the corpus's characters are passed on their own.
    assert "tea" in Lexicon.build({"服务": 1, "产业": 2}, chars=set("服务茶产业发展")).present


def test_english_topic_words_the_reports_never_mention(r):
    t = _check(r, "How many tourists visited Qingzhou in 2025?")
    assert t.missing == ("tourists",) and t.reason == ("tourists",)
    t = _check(r, "How much did Weifang spend on flood control in 2025?")
    assert t.missing == ("flood control",) and t.share == 0.5
    # Answerable questions keep their terms even where the dictionary misses a paraphrase.
    t = _check(r, "Which district held free haircuts and health clinics in communities?")
    assert "haircuts" in t.missing and t.reason == ()
    assert _check(r, "How many honours did Changyi committee members win in 2025?").missing == ("win",)
    assert _check(r, "What is Kuiwen doing for its companies?").missing == ()  # "doing" is a form of "do"


def test_names_are_checked_against_the_pinyin_of_the_reports(r):
    assert _check(r, "How many consultation activities did the Shouguang CPPCC organize?").entity == "Shouguang"
    assert _check(r, "When will the Qingdao-Weifang high-speed railway open?").entity == "Qingdao"
    for q in ("Which city held an anniversary event for Su Shi's time in Mizhou?",
              "Which county's reading rooms are called Xue'er Study?",
              "How many consultations did Zhucheng hold through its Zhushi Hao Shangliang platform?"):
        t = _check(r, q)
        assert t.entity is None and t.reason == (), (q, t)
    assert _check(r, "How many SMEs are there in Kuiwen?").entity is None  # an acronym is not a name


def test_chinese_nouns_the_reports_never_mention(r):
    assert _check(r, "诸城市的人口有多少？").reason == ("人口",)
    assert _check(r, "寿光市政协2025年组织了多少次协商活动？").entity == "寿光市"
    t = _check(r, "潍城区委员进社区服务了多少人次群众？")
    assert t.missing == ()  # 社区服务 is 社区 + 服务, both in the report
    assert _check(r, "坊子区的聚智协商平台叫什么名字？").missing == ()  # 名字 names the answer, not the topic


def test_pinyin_names():
    assert is_pinyin_name("Shouguang") and is_pinyin_name("Xue'er") and is_pinyin_name("linzi")
    assert not is_pinyin_name("Hao") and not is_pinyin_name("Japan") and not is_pinyin_name("hydrodynamics")


def test_expected_answer_types():
    assert expected_type("Who is the party secretary of Linqu County?") == "person"
    assert expected_type("What is the name of the chairman of the Changyi CPPCC?") == "person"
    assert expected_type("谁是昌邑市政协主席？") == "person"
    assert expected_type("青州市“郑委员超市”的副店长由谁担任？") is None
    assert expected_type("Who won the marathon?") is None
    assert expected_type("When was the Beidou park founded?") == "date"
    assert expected_type("In which year did it open?") == "date"
    assert expected_type("哪个区建立了知情明政工作站？") is None


def test_person_names_exclude_bylines_and_false_jieba_names():
    assert has_type("person", "本报讯（通讯员 夏浩然）高密市政协着力实施两大行动")
    assert not has_type("person", "本报讯（通讯员 夏浩然）高密市政协着力实施两大行动", ["夏浩然"])
    assert not has_type("person", "为助推高质量发展贡献了政协智慧和力量")  # jieba tags 智慧 nr
    assert has_type("date", "2025年开展专场对话会1场") and not has_type("date", "开展专场对话会1场")


def test_abstention_messages_name_what_is_missing(built_index):
    kw = {"index": built_index, "corpus": CORPUS}
    a = answer("诸城市的人口有多少？", **kw)
    assert not a.found and a.text.startswith("报告中没有关于“人口”的内容。") and a.passages
    a = answer("How many hospitals are there in Anqiu?", **kw)
    assert not a.found and a.text.startswith('The reports do not mention "hospitals".')
    a = answer("In which year was the Beidou science and technology park in Fangzi founded?", **kw)
    assert not a.found and a.text.startswith("The reports do not name a date for this.")
