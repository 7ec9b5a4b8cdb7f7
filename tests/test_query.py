"""A question analysed once: script folding, places and years named, the kind of answer asked for, sections,
English expansion and the reports' named terms; plus the folding every stage shares."""

from __future__ import annotations

import pytest

from cppcc_qa.errors import InputError
from cppcc_qa.places import PlaceMatcher, level_of
from cppcc_qa.query import analyse, check_k, clean_question, intent_of
from cppcc_qa.textnorm import fold


def test_fold_keeps_length_and_reads_as_a_reader_would():
    cases = {
        "本報訊(記者潘俊強(qiáng))近日,記者從北京市石景山區(qū)政協獲悉:":
            "本报讯（记者潘俊强       ）近日，记者从北京市石景山区    政协获悉：",
        "国内生产总值超过３０万亿元，增长９％；８．４万人": "国内生产总值超过30万亿元，增长9%；8.4万人",
        "12月10日,砀山县 10:48:47 共1,000人": "12月10日，砀山县 10:48:47 共1,000人",
        "Who is (A)?": "Who is (A)?",
    }
    for raw, folded in cases.items():
        assert fold(raw) == folded and len(fold(raw)) == len(raw)


def test_places_are_found_in_either_script_and_in_pinyin():
    m = PlaceMatcher.from_places(["潍城区", "青州市", "临朐县", "石景山區", "全国"])
    assert m.find("What did Weicheng district do?") == ["潍城区"]
    assert set(m.find("Wei cheng and Qingzhou's stations")) == {"潍城区", "青州市"}
    assert m.find("Linqu County") == ["临朐县"]
    assert m.find("石景山区的委员工作站") == ["石景山區"]  # typed simplified, written traditional
    assert m.find("青州的知情明政工作站") == ["青州市"]
    assert m.find("国务院的报告") == ["全国"] and m.find("the State Council's report") == ["全国"]
    assert m.find("Gaomi city") == []
    assert [level_of(p) for p in ("北京市", "景洪市", "石景山區", "乌拉特中旗", "全国", "广东省")] == \
        ["province", "city", "district", "county", "national", "province"]


@pytest.mark.parametrize(("question", "expected"), [
    ("青州市政协设立了几处知情明政工作站？", {"how_many"}),
    ("哪个区建立了知情明政工作站？", {"which"}),
    ("哪几个县修订了考核办法？", {"which"}),
    ("光明区授牌活动上，市政协来的是哪位领导？", {"which", "who"}),
    ("省政协第二十八组是几月几号去通山县调研的？", {"when"}),
    ("By when was the handling to be finished?", {"when"}),
    ("哪个县市区政协组织的协商活动场次最多？", {"which", "compare"}),
    ("区检察院办的案子被最高检评为典型案例，是哪个行业的？", {"which"}),  # 最高检 is a court, not "the most"
    ("2005年和2009年的国内生产总值增长目标分别是多少？", {"how_many", "compare"}),
    ("What urban job targets did Beijing and Shanghai set?", {"compare"}),
])
def test_the_kind_of_answer_asked_for(question, expected):
    places = ("北京市", "上海市") if "Beijing" in question else ()
    years = (2005, 2009) if "2005" in question else ()
    intent = intent_of(question, places, years)
    got = {k for k in ("which", "how_many", "who", "when", "compare") if getattr(intent, k)}
    assert got == expected


@pytest.mark.parametrize(("question", "number"), [
    ("2005年政府工作报告的第五部分讲什么？", 5), ("第十二部分", 12), ("第二十部分", 20),
    ("What does part two of the 2009 report cover?", 2), ("section 4 of the report", 4), ("the third part", 3),
    ("What is the final numbered section of the 2005 report about?", -1), ("报告最后一部分讲什么？", -1),
])
def test_which_section_is_asked_for(question, number):
    assert intent_of(question, (), ()).section == number


@pytest.mark.parametrize(("question", "number"), [
    ("民主监督部分的第（二）项讲什么？", 2), ("重点工作的第八项是什么内容", 8), ("What is item (8) about?", 8),
    ("What does item five of the plan deal with?", 5), ("What is task number six on the list?", 6),
    ("What does the tenth item focus on?", 10), ("What is task (7) among the main tasks?", 7),
    ("十方面重点工作里，第七方面讲什么？", 7), ("第三个方面是什么内容", 3),
    ("What is the ninth of Shanghai's main tasks about?", 9),
    ("What is the last of its seven main tasks for the year?", -1), ("今年工作的最后一项讲什么？", -1),
])
def test_which_list_item_is_asked_for(question, number):
    intent = intent_of(question, (), ())
    assert intent.item == number and intent.section is None and intent.asks_section


@pytest.mark.parametrize(("question", "size"), [
    ("十方面重点工作里，第七方面讲什么？", 10), ("What is the last of its seven main tasks?", 7),
    ("今年工作的最后一项讲什么？", None), ("What is item (8) about?", None),
])
def test_how_many_items_the_question_says_the_list_has(question, size):
    assert intent_of(question, (), ()).list_size == size


def test_last_year_is_not_the_last_item():
    assert intent_of("What did the task force report last year about flooding?", (), ()).item is None


@pytest.mark.parametrize("question", [
    "How many proposals were filed (2011)?", "（2009年报告）新增贷款多少？",
    "Which item of the budget grew most, 5 or 6?",
])
def test_a_number_in_brackets_is_not_an_item(question):
    assert intent_of(question, (), ()).item is None


def test_question_words_do_not_become_topic_terms(index):
    from cppcc_qa.query import unasked

    folded = "沂水县2024年政协常委会工作报告是哪天作的？"
    assert unasked(folded) == "沂水县2024年政协常委会工作报告是，，作的？" and len(unasked(folded)) == len(folded)
    groups = analyse("上海市2026年政府工作报告是哪天作的？", index).groups
    assert not any("天作" in g for g, _ in groups)


def test_a_question_is_analysed_against_the_index(index):
    q = analyse("which district built a knowledge station", index)
    assert q.lang == "en" and q.places == ()
    assert ("knowledge station", "知情明政工作站") in q.terms  # the reports' own term, matched by meaning
    assert any(t == "知情明政工作站" for t, _ in q.tokens)
    zh = analyse("青州市2025年收集了多少条社情民意信息？", index)
    assert zh.lang == "zh" and zh.places == ("青州市",) and zh.years == (2025,)
    assert any("社情民意" in g for g, _ in zh.groups)


def test_follow_up_is_rewritten_with_the_previous_question(index):
    q = analyse("那昌乐县呢？", index, history=["青州市设立了几处知情明政工作站？"])
    assert q.text.startswith("昌乐县") and "知情明政工作站" in q.text and "青州" not in q.text
    standalone = analyse("昌乐县有什么特色？", index, history=["青州市设立了几处知情明政工作站？"])
    assert standalone.text == "昌乐县有什么特色？"


@pytest.mark.parametrize("bad", ["", "   ", "？？！！", "🙂🙂", "\x00\x01", "问" * 2001, "问" * 20000, 42, None])
def test_bad_questions_get_one_clear_error(bad):
    with pytest.raises(InputError) as err:
        clean_question(bad)
    assert str(err.value) and "\n" not in str(err.value)


def test_control_characters_are_removed():
    assert clean_question("Qingzhou\x00 的 知情明政\t工作站") == "Qingzhou 的 知情明政 工作站"


@pytest.mark.parametrize("k", [0, -1, 10**6, 2.5, True, "5"])
def test_bad_k(k):
    with pytest.raises(InputError, match="k"):
        check_k(k)


def test_english_stemming_is_safe_across_server_threads():
    """A server answers in several threads; one shared snowball stemmer corrupted words under load (IndexError)."""
    import random
    import string
    import sys
    from concurrent.futures import ThreadPoolExecutor

    import snowballstemmer

    from cppcc_qa.lexical import stem

    rng = random.Random(7)
    endings = ["ing", "ations", "ies", "ly"]
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 14))) + rng.choice(endings)
             for _ in range(30_000)]
    reference = snowballstemmer.stemmer("english")
    expected = {w: reference.stemWord(w) for w in words}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, as a loaded server does
    try:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(stem, words, chunksize=50))
    finally:
        sys.setswitchinterval(interval)
    assert got == [expected[w] for w in words]


@pytest.mark.parametrize(("question", "posts"), [
    ("高密市政协主席叫什么？", ("主席",)),
    ("这条消息是哪位记者写的？", ("记者",)),
    ("揭牌时有哪几位区政协副主席到场？", ("副主席",)),
    ("到场的区政协副主席有哪几位？", ("副主席",)), ("参加会议的秘书长都有谁？", ("秘书长",)),
    ("和区政协主席一起揭牌的是谁？", ()),  # the chairman is mentioned, not asked for
    ("Who is the chairman of the Gaomi CPPCC?", ("主席",)),
    ("Which Gaomi city CPPCC vice-chair joined the visit?", ("副主席",)),
    ("哪个区建立了知情明政工作站？", ()),
])
def test_the_post_a_who_question_asks_about(index, question, posts):
    from cppcc_qa.query import analyse

    assert analyse(question, index).posts == posts


def test_a_name_right_after_the_post_asked_about():
    from cppcc_qa.evidence import names_post

    assert names_post("咸宁市政协副主席黄文,县政协主席吴柏林等参加活动。", ("主席",))
    assert names_post("本报讯（记者陈雪）", ("记者",))
    assert not names_post("召开主席会议14次", ("主席",))
    assert not names_post("县政协主席吴柏林等参加活动。", ("记者",))


@pytest.mark.parametrize(("name", "base"), [
    ("青州市", "青州"), ("木里藏族自治县", "木里"), ("长阳土家族自治县", "长阳"), ("广西壮族自治区", "广西"),
    ("双江拉祜族佤族布朗族傣族自治县", "双江"), ("民族区", "民族"), ("西双版纳傣族自治州", "西双版纳"),
    ("克孜勒苏柯尔克孜自治州", "克孜勒苏"), ("新疆维吾尔自治区", "新疆"), ("内蒙古自治区", "内蒙古"),
    ("龙胜各族自治县", "龙胜"), ("东乡族自治县", "东乡"), ("鄂温克族自治旗", "鄂温克"),
])
def test_an_autonomous_division_is_known_by_its_name_without_its_peoples(name, base):
    from cppcc_qa.places import PlaceMatcher, base_name, romanize

    assert base_name(name) == base
    matcher = PlaceMatcher.from_places([name])
    assert matcher.find(f"What did the {romanize(base).capitalize()} county CPPCC publish?") == [name]


def test_a_phrase_names_a_quoted_term_only_when_the_term_answers_to_its_words():
    from cppcc_qa.glossary import _answers, english_phrases

    translations = {"knowledge": "知识", "station": "站", "member": "委员", "workstations": "工作站",
                    "four": "四", "consulting": "咨询", "service": "服务", "teams": "团队"}

    def fits(word: str, term: str) -> bool | None:
        return bool(set(translations[word]) & set(term)) if word in translations else None

    assert _answers(["knowledge", "station"], "知情明政工作站", fits)
    assert _answers(["consulting", "service", "teams"], "委员企业咨询服务团", fits)
    assert not _answers(["member", "workstations"], "厂站网", fits)  # the head fits, "member" does not
    assert not _answers(["consulting", "teams"], "咨询台", fits)  # the head does not fit
    assert not _answers(["sme"], "委员企业", fits)  # nothing can be judged
    # The words for a report's parts and time frame never start or join a phrase: "part four", "last year".
    assert english_phrases("What is part four of the report about, last year?", set()) == ["four"]


def test_a_name_in_pinyin_finds_the_corpus_word_that_sounds_so():
    from cppcc_qa.crosslingual import Lexicon

    lex = Lexicon.build({"汶川": 2, "地震": 5, "救灾款": 1})
    assert dict(lex.entries(["wenchuan", "earthquake"])) == {"wenchuan": [("汶川", 1.0)],
                                                               "earthquake": [("地震", 1.0)]}
    assert lex.entries(["xyzzy"]) == [("xyzzy", [])]  # neither a dictionary word nor the sound of a corpus word
    assert "知" in lex.characters("knowledge")  # 知识, although the corpus has no such word
    again = Lexicon.from_json(lex.to_json())
    assert again.pinyin == lex.pinyin and again.chars == lex.chars


def test_a_division_is_named_by_its_short_name_only_when_the_reports_say_it_more_than_once(index):
    from cppcc_qa.abstain import division_named

    # The shipped page has 重庆 once, inside a correspondent's name (马重庆): Chongqing is still not named.
    assert "重庆" in index.text("2025-weifang-cppcc-highlights.txt") and not division_named("Chongqing", index)
    assert division_named("Qingzhou", index) and division_named("Xyzzy", index) is None


@pytest.mark.parametrize(("question", "credit", "published", "ordinal", "how_many"), [
    ("砀山县那条新闻的责编是谁？", "edit", False, "", False),
    ("昌邑市那篇稿子的通讯员叫什么？", "write", False, "", False),
    ("那篇文章的发布日期是哪天？", "", True, "", False),
    ("When was the Bazhou item published?", "", True, "", False),
    ("这篇报告是哪天作的？", "", False, "", False),  # given, not published: the occasion line answers
    ("刚闭幕的全会是第几届第几次？", "", False, "届次", False),  # an ordinal, not a count
    ("开了几次全会？", "", False, "", True),
])
def test_credits_publication_dates_and_ordinals(question, credit, published, ordinal, how_many):
    intent = intent_of(question, (), ())
    assert (intent.credit, intent.published, intent.ordinal, intent.how_many) == (credit, published, ordinal,
                                                                                   how_many)


@pytest.mark.parametrize(("question", "rel"), [
    ("上海去年新建了多少座公园？", -1), ("How many parks did Shanghai add last year?", -1),
    ("今年计划新增多少公园？", 0), ("2025年新增多少公园？", None), ("上年度预算执行情况如何？", None),
])
def test_a_year_named_relative_to_the_report(question, rel):
    assert intent_of(question, (), ()).relative_year == rel


@pytest.mark.parametrize(("question", "counted"), [
    ("武汉市政协的提案中有多少件被定为重点提案？", ["重点"]),  # after the question word; 提案 is tagged a verb
    ("山塘镇政协委员工作室有几位女委员？", ["女", "委员"]),
    ("乐平市政协委员对提案办理的满意率是多少？", ["满意率"]),  # the subject of 是多少
    ("教育类提案有多少件？", ["教育", "提案"]),
    ("立案的提案中，社会建设方面有多少件？", ["社会", "建设"]),
    ("昌乐县一共建成了多少个“乐商量”活动室？", ["乐商量", "活动室"]),  # a quoted name whole
    ("安丘市审查立案了多少件提案？", []),  # 立案了: a verb phrase before 多少 says nothing counted
    ("中央财政拿出多少钱支持再就业？", []),  # money is asked for by its measure
    ("纪念的是苏轼在密州多少周年？", []),
    ("德州市政协开展了多少场委员接待日活动？", ["委员", "活动"]),  # over the set phrase 接待日
    ("高密市有多少名律师界委员担任社区法律顾问？", ["律师界", "委员"]),  # a verb ends the run
    ("昌乐县有多少条意见建议被职能部门采纳落实了？", ["意见建议"]),  # so does a preposition
    ("报告提出的进出口总额增长预期目标是多少？", ["预期"]),  # the frame word 目标 is not what is counted
    ("“乐商量”活动室里，“乐商量”有多少个？", ["乐商量"]),  # a quoted subject whole
    ("引进了多少投资项目？", ["投资", "项目"]),  # 投资项目 counts projects, not money
])
def test_what_a_how_many_question_counts(index, question, counted):
    assert [next(iter(g)) for g in analyse(question, index).counted] == counted


def test_money_is_counted_in_yuan(index):
    assert analyse("青州古城红花榜的捐助者一共捐了多少钱？", index).measure == "元"
    assert analyse("巴州区总共投入了多少资金？", index).measure == "元"
    assert analyse("全国人均国内生产总值是多少美元？", index).measure == "美元"
    assert analyse("外汇储备有多少亿美元？", index).measure == "美元"
    assert analyse("引进了多少投资项目？", index).measure == ""


def test_a_sum_in_dollars_is_not_one_in_yuan():
    from cppcc_qa.facts import answers_measure

    assert answers_measure("美元", "亿美元") and not answers_measure("美元", "万亿元")
    assert answers_measure("元", "亿元")


@pytest.mark.parametrize(("question", "levels"), [
    ("哪个县市区政协立案的提案最多？", ("national", "province")),
    ("哪个市的政协开展了专项民主监督？", ("national",)),  # a city may be a province-level one (上海市)
    ("Which county-level CPPCCs in Weifang held reading sessions?", ("national", "province")),
    ("Which city's 2026 government work report mentions a new park?", ("national",)),
    ("哪个县长出席了会议？", ()),
    ("Which places' CPPCC members gave free health checks?", ()),
    ("哪个市场主体得到了支持？", ()),  # 市场, not 市
    ("哪些市民参加了活动？", ()),
    ("What did the district CPPCC do?", ()),
    ("哪个区建立了知情明政工作站？", ("national", "province")),
])
def test_which_county_rules_out_national_and_provincial_reports(question, levels):
    assert intent_of(question, (), ()).not_levels == levels


@pytest.mark.parametrize(("question", "several"), [
    ("哪些县市区设立了知情明政工作站？", True),
    ("哪几个地方的政协开发了小程序？", True),
    ("Which counties organize reading activities for CPPCC members?", True),
    ("Which places' CPPCC members gave free health checks?", True),
    ("Which of the county and district CPPCCs were praised by the province?", True),
    ("潍坊有哪些县市区的政协组织过视察？", True),
    ("景洪市政协围绕哪些重大事项开展了协商？", False),  # matters, not places
    ("会议的执行主席有哪些？", False),
    ("哪些市民参加了活动？", False),
    ("Which issues did the Nanyang oversight cover?", False),
    ("哪个区建立了知情明政工作站？", False),
    ("哪几年的报告提到了这项工作？", False),  # years, not places
    ("Which county's CPPCC set up a knowledge station?", False),
    ("which district built a knowledge station", False),
])
def test_which_places_asks_for_several(question, several):
    assert intent_of(question, (), ()).several is several


@pytest.mark.parametrize(("question", "compare"), [
    ("2005年政府工作报告说2004年全国粮食总产量是多少？", False),  # the report's year, then its figure's year
    ("2011年的报告里，2010年全国粮食产量达到了多少？", False),
    ("How many small coal mines were shut down in 2008, according to the 2009 State Council report?", False),
    ("How much foreign direct investment did China use in 2004, per the 2005 report?", False),
    ("2005年和2009年政府工作报告提出的国内生产总值增长目标分别是多少？", True),  # two reports
    ("2005年、2009年、2011年的报告拟安排的中央财政赤字分别是多少？", True),
    ("2024年和2025年比，社情民意信息多了还是少了？", True),
    ("What deficits did the 2009 and 2011 reports plan, respectively?", True),
])
def test_the_year_of_a_report_is_not_a_year_compared(question, compare):
    from cppcc_qa.query import _YEAR

    years = tuple(int(y) for y in _YEAR.findall(question))
    assert intent_of(question, (), years).compare is compare


def test_a_place_and_the_place_it_holds_are_one_place():
    from cppcc_qa.query import distinct_places

    assert distinct_places(("北京市", "石景山區")) == ("石景山區",)  # 北京石景山区: a district of Beijing
    assert distinct_places(("北京市", "上海市")) == ("北京市", "上海市")
    assert not intent_of("北京石景山区一共在几个街道开设了政协委员工作站?", ("北京市", "石景山區"), ()).compare
    assert intent_of("北京和上海的轨道交通运营总里程分别是多少？", ("北京市", "上海市"), ()).compare


@pytest.mark.parametrize(("question", "left"), [
    ("哪些县市区设立了知情明政工作站？", "设立了知情明政工作站"),
    ("哪个区建立了工作站？", "建立了工作站"),
    ("哪几个地方的政协开发了小程序？", "的政协开发了小程序"),
    ("哪个社区设立了工作室？", "社区设立了工作室"),  # a community is what the clause names: kept
    ("考察团是从哪些省份来的？", "考察团是从，，省份来的"),  # so are the provinces
])
def test_the_kind_of_place_asked_for_is_no_topic_word(question, left):
    from cppcc_qa.query import unasked

    assert unasked(question).strip("，？") == left


def test_a_division_is_held_by_its_prefecture_and_province():
    from cppcc_qa.places import Gazetteer

    g = Gazetteer.load()
    assert g.holding("潍城区") == ["潍坊市", "山东省"]
    assert g.holding("武汉市") == ["湖北省"]  # a prefecture is held by its province only
    assert g.holding("山东省") == [] and g.holding("不存在县") == []


def test_british_spellings_find_the_dictionary_words(index):
    """CC-CEDICT is written in American English: "centres", "organised", "urbanisation" find its entries too."""
    from cppcc_qa.lexical import american

    assert american("centres") == "centers" and american("Recognised") == "recognized"
    assert american("modernisation") == "modernization"  # by the rule, where the list has no entry
    for british, us in (("organised", "organized"), ("centres", "centers"), ("neighbourhood", "neighborhood")):
        words = index.lexicon.entries([british])[0][1]
        assert words and words == index.lexicon.entries([us])[0][1]


def test_an_acronym_finds_the_words_of_its_sense():
    """CC-CEDICT writes "gross domestic product (GDP)": the question's GDP finds 国内生产总值 and 生产总值, and
    counts as a word the reports mention."""
    from cppcc_qa.crosslingual import Lexicon
    from cppcc_qa.lexical import stem

    lex = Lexicon.build({"国内生产总值": 3, "生产总值": 4, "增长": 9})
    found = {zh for zh, _ in lex.entries(["gdp"])[0][1]}
    assert {"国内生产总值", "生产总值"} <= found
    assert stem("gdp") in lex.present
    assert lex.entries(["wto"])[0][1] == []  # in the dictionary, not in these reports


def test_a_compound_the_dictionary_lacks_is_read_as_its_two_words():
    from cppcc_qa.crosslingual import Lexicon

    lex = Lexicon.build({"宝石": 2, "西瓜": 3, "产业": 9})
    assert lex.entries(["gemstones"])[0][1][0][0] == "宝石"  # gem + stones
    assert lex.entries(["watermelon"])[0][1] == [("西瓜", 1.0)]  # a dictionary word stays whole
    assert lex.entries(["qzxwvk"])[0][1] == []


@pytest.mark.parametrize(("question", "elsewhere"), [
    ("天津2025年地区生产总值是多少？", ("天津",)),
    ("寿光市政协2025年办理了多少件提案？", ("寿光市",)),
    ("What was Tianjin's GDP in 2025?", ("Tianjin",)),
    ("如何实现长治久安？", ()),  # 长治 inside an idiom is no city
    ("孙中山故居在哪里？", ()),  # nor 中山 inside a name
    ("青州市政协设立了几处工作站？", ()),  # a place of the index
    ("潍坊有哪些县市区设立了知情明政工作站？", ()),  # a region holding places of the index
])
def test_a_place_with_no_report_is_told_from_a_word_that_holds_its_name(index, question, elsewhere):
    assert index.places.elsewhere(question) == elsewhere


@pytest.mark.parametrize(("question", "measure", "counted"), [
    ("天桥区的调查里，多大比例的居民支持建文化墙？", "%", (frozenset({"居民"}),)),  # 比例 asks, 居民 is counted
    ("What share of the proposals was accepted?", "%", ()),
    ("What average annual growth rate did the 2011 report set?", "%", ()),
    ("How large a central government deficit did the 2005 report plan?", "元", ()),
    ("How big was the two-year investment package?", "元", ()),
    ("What budget did the district set aside for the stations?", "元", ()),
    ("How much money did the members pledge to the village?", "元", ()),
    ("How many CPPCC members took part in the drive?", "人", (frozenset({"委员", "会员", "成员", "党员"}),)),
    ("How many people took part in the drive?", "人", ()),  # a general noun: counted under any name
    ("How many members of the public took part in the drive?", "人", ()),  # not 委员
    ("How many proposals did the members submit?", "件", (frozenset({"提案"}),)),
])
def test_what_a_how_many_question_asks_for(index, question, measure, counted):
    """The measure asked for (a percentage, a sum of money, people) and, in both languages, the nouns a figure must
    count: an English count noun through the words reports count it with."""
    q = analyse(question, index)
    assert q.intent.how_many and q.measure == measure and q.counted == counted


def test_a_rate_the_question_only_mentions_is_not_asked_for(index):
    assert analyse("按1:1比例配套的资金是多少？", index).measure != "%"


def test_a_region_named_in_english_is_a_place_not_a_topic(index):
    """"Weifang" names the region the question looks in; the dictionary built from the reports must not make it
    a topic word that only some of its districts hold. An acronym's plural is the acronym (CPPCCs: CPPCC)."""
    from cppcc_qa.lexical import english_words

    q = analyse("Which of the Weifang CPPCCs ran reading sessions for their members?", index)
    assert q.within and not any(g & set(index.places.by_name) for g, _ in q.groups), q.groups
    q = analyse("What did the Weifang CPPCC do for reading?", index)  # not looked inside: the region's own names
    assert not q.within and frozenset({"潍坊市", "潍坊"}) in {g for g, _ in q.groups}, q.groups
    assert english_words("Which CPPCCs and SMEs?") == ["sme"]  # cppcc is a stop word; SMEs is sme
