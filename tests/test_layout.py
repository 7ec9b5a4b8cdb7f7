"""Layout of real-looking documents: which layout each is, what is boilerplate, the title block, paragraphs joined
across page breaks, the section tree and section paths, and offsets that map back exactly to the raw text.

The documents are our own (tests/fixtures/corpus, described in tests/fixtures/README.md), written in the layouts of
published CPPCC reports, news items and portal pages; the shipped newspaper page is checked as before.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cppcc_qa.build import read_articles
from cppcc_qa.chunk import chunk_articles
from cppcc_qa.layout import split_document
from cppcc_qa.meta import path_hints
from cppcc_qa.records import Article, Document
from cppcc_qa.sources import read_corpus
from cppcc_qa.textnorm import Squeezed, fold, squeeze

from conftest import (
    CORPUS,
    FIXTURES,
    FOLDER,
    PORTAL,
    PROPOSALS,
    REPORT,
    SECOND_CITY,
    SIDECAR,
    TRADITIONAL,
    config_for,
)

SHIPPED = "2025-weifang-cppcc-highlights.txt"

LAYOUTS = {REPORT: "report", PROPOSALS: "report", TRADITIONAL: "news", PORTAL: "news", FOLDER: "news",
           SIDECAR: "news"}
PAGE_PLACES = ["奎文区", "潍城区", "坊子区", "青州市", "寒亭区", "诸城市", "安丘市", "高密市", "昌邑市",
               "临朐县", "昌乐县"]


# -- helpers -------------------------------------------------------------------------------------------------------


class Corpus:
    """Articles, raw and folded texts of one corpus directory, read the way the index reads them."""

    def __init__(self, corpus: Path, index: Path) -> None:
        self.articles, docs, self.skipped, self.folded = read_articles(config_for(corpus, index))
        self.raw = {d.source: d.text for d in docs}
        self.docs = {d.source: d for d in docs}

    def one(self, source: str) -> Article:
        found = [a for a in self.articles if a.source == source]
        assert len(found) == 1, f"{source}: expected one article, got {len(found)}"
        return found[0]

    def span(self, source: str, phrase: str) -> tuple[int, int]:
        """Raw offsets of the only occurrence of ``phrase`` (typed in either script, whitespace ignored)."""
        spans = Squeezed.of(self.folded[source]).find_all(fold(phrase))
        assert len(spans) == 1, f"{phrase!r} occurs {len(spans)} times in {source}"
        return spans[0]


@pytest.fixture(scope="module")
def fx(tmp_path_factory) -> Corpus:
    return Corpus(FIXTURES, tmp_path_factory.mktemp("layout") / "index")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Corpus:
    return Corpus(CORPUS, tmp_path_factory.mktemp("shipped") / "index")


def paragraph_with(article: Article, phrase: str):  # type: ignore[no-untyped-def]
    found = [p for p in article.paragraphs if phrase in p.text]
    assert len(found) == 1, f"{phrase!r} is in {len(found)} paragraphs of {article.source}: " \
                            f"{[p.text[:30] for p in article.paragraphs]}"
    return found[0]


def check_offsets(raw: str, articles: list[Article], chunks: list) -> None:  # type: ignore[type-arg]
    for a in articles:
        assert 0 <= a.start < a.end <= len(raw)
        numbers = [p.number for p in a.paragraphs]
        assert numbers == list(range(1, len(a.paragraphs) + 1)), f"{a.id}: paragraph numbers {numbers}"
        previous_end = a.start
        for p in a.paragraphs:
            assert previous_end <= p.start < p.end <= a.end, f"{a.id} paragraph {p.number} out of order or outside"
            previous_end = p.end
            assert squeeze(raw[p.start : p.end]) == squeeze(p.text), f"{a.id} paragraph {p.number}"
            assert len(p.offsets) == len(p.text) and p.offsets[0] == p.start and p.offsets[-1] + 1 == p.end
            for ch, o in zip(p.text, p.offsets, strict=True):
                assert ch == raw[o] or (ch == " " and raw[o].isspace()), \
                    f"{a.id} paragraph {p.number}: {ch!r} is not raw[{o}] {raw[o]!r}"
        for i, s in enumerate(a.sections):
            assert a.start <= s.start < s.heading_end <= s.end <= a.end, f"{a.id} section {s.label}"
            assert squeeze(raw[s.start : s.heading_end]) == squeeze(s.label), \
                f"{a.id}: heading {s.label!r} is not raw {raw[s.start : s.heading_end]!r}"
            if s.parent is not None:
                parent = a.sections[s.parent]
                assert parent.start <= s.start and s.end <= parent.end and parent.level < s.level, \
                    f"{a.id}: {s.label!r} is not inside its parent {parent.label!r}"
            for later in a.sections[i + 1 :]:
                if later.level <= s.level:  # a sibling or an uncle starts where this one ends at the latest
                    assert later.start >= s.end, f"{a.id}: {s.label!r} overlaps {later.label!r}"
                    break
    for c in chunks:
        assert squeeze(raw[c.start : c.end]) == squeeze(c.text), \
            f"chunk {c.id}: raw {raw[c.start : c.end]!r} is not the chunk {c.text!r}"


# -- which layout, which files -------------------------------------------------------------------------------------


def test_every_fixture_is_read_and_none_is_skipped(fx):
    assert fx.skipped == []
    assert sorted(a.source for a in fx.articles) == sorted(LAYOUTS)


@pytest.mark.parametrize(("source", "layout"), sorted(LAYOUTS.items()))
def test_layout_of_each_fixture(fx, source, layout):
    article = fx.one(source)
    assert article.layout == layout
    assert article.meta.kind == layout


def test_fixture_file_names_carry_no_place():
    """Place detection is what the fixtures test: no file name names a place, one folder does on purpose."""
    for path in FIXTURES.rglob("*.txt"):
        rel = path.relative_to(FIXTURES).as_posix()
        assert "place" not in path_hints(path.name), rel
        if rel != FOLDER:
            assert "place" not in path_hints(rel), rel
    assert path_hints(FOLDER)["place"] == "阳朔县"


def test_shipped_page_splits_into_its_eleven_county_items(shipped):
    assert shipped.skipped == []
    articles = shipped.articles
    assert [a.place for a in articles] == PAGE_PLACES
    assert all(a.layout == "page" and a.source == SHIPPED and a.year == 2025 for a in articles)
    assert [a.meta.level for a in articles] == ["district"] * 3 + ["city", "district"] + ["city"] * 4 + ["county"] * 2
    raw = shipped.raw[SHIPPED]
    qingzhou = articles[3]
    assert qingzhou.title == "发挥委员主体作用 赋能基层社会治理" and not qingzhou.title_derived
    assert qingzhou.reporters == ("张崧", "王新")
    assert raw[qingzhou.start : qingzhou.end].startswith("青州市：发挥委员主体作用")
    weicheng = articles[1]  # a photo item: no headline, closed by the photographer's credit
    assert weicheng.title_derived and "委员履职进社区" in weicheng.title
    assert weicheng.reporters == ("王鹏",)
    assert len(weicheng.paragraphs) == 1
    assert "潍城区" not in "".join(p.text for p in articles[0].paragraphs)  # Kuiwen does not swallow the caption


def test_shipped_page_breaks_are_repaired_and_offsets_exact(shipped):
    articles = shipped.articles
    text = "\n".join(p.text for a in articles for p in a.paragraphs)
    assert "奎文区政协办公室成立“服务企业小分队”" in text
    assert "推动一批民生热点、治理难点问题" in text
    chunks = [x.chunk for x in chunk_articles(articles, shipped.folded)]
    check_offsets(shipped.raw[SHIPPED], articles, chunks)


def test_second_city_page_with_the_same_conventions():
    doc = Document("2024/report.txt", SECOND_CITY, "utf-8", "0" * 64)
    articles = split_document(doc, fold(SECOND_CITY))
    assert [a.place for a in articles] == ["寿光市", "临淄区", "张店区"]
    assert [a.layout for a in articles] == ["page"] * 3
    assert articles[0].title == "建设“菜乡议事厅” 助力乡村振兴"
    assert "蔬菜产业发展开展协商议事30场" in articles[0].paragraphs[0].text
    assert articles[1].reporters == ("赵强", "孙丽")
    assert articles[2].title_derived and articles[2].reporters == ("周涛",)
    assert all(a.year == 2024 for a in articles)


# -- offsets -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(LAYOUTS))
def test_paragraph_section_and_chunk_offsets_map_back_exactly(fx, source):
    articles = [a for a in fx.articles if a.source == source]
    chunks = [x.chunk for x in chunk_articles(articles, fx.folded) if x.chunk.source == source]
    assert chunks
    check_offsets(fx.raw[source], articles, chunks)


def test_offsets_across_pinyin_glosses_and_half_width_punctuation(fx):
    raw = fx.raw[TRADITIONAL]
    article = fx.one(TRADITIONAL)
    s, e = fx.span(TRADITIONAL, "由区政协牵头，联合街道、社区共同建设")
    assert raw[s:e] == "由區(qū)政協(xié)牽頭,聯合街道、社區共同建設"
    p = article.paragraph_at(s)
    assert p is not None and p.start <= s < e <= p.end
    assert raw[s:e] in p.text
    folded = fx.folded[TRADITIONAL]
    assert len(folded) == len(raw)
    assert folded[s:e].replace(" ", "") == "由区政协牵头，联合街道、社区共同建设"


# -- boilerplate ---------------------------------------------------------------------------------------------------


BOILERPLATE = {
    PORTAL: ["当前位置", "首页", "正文", "分享到", "打印本页", "关闭窗口", "大 中 小", "责任编辑", "郑可欣",
             "新闻推荐", "上一篇", "下一篇", "县政协召开十一届二十次主席会议", "委员企业助力山区共同富裕",
             "永嘉县政协调研农村文化礼堂建设", "楠溪江畔话振兴", "县政协机关开展主题党日活动",
             "瓯北街道委员工作室正式揭牌", "版权所有", "技术支持",
             "W020240520583016.jpg", "来源：", "发布时间", "2024-05-20", "10:30"],
    TRADITIONAL: ["首頁", "地方政協", "基層動態", "正文", ">"],
    REPORT: ["范文精选", "共3篇", "第一篇", "2024-02-03", "08:15"],
}


@pytest.mark.parametrize("source", sorted(BOILERPLATE))
def test_boilerplate_is_in_no_paragraph_and_no_chunk(fx, source):
    article = fx.one(source)
    indexed = [x for x in chunk_articles([article], fx.folded)]
    texts = [p.text for p in article.paragraphs] + [x.chunk.text for x in indexed] + [x.text for x in indexed]
    for junk in BOILERPLATE[source]:
        squeezed = squeeze(fold(junk))
        leaked = [t for t in texts if squeezed in squeeze(fold(t))]
        assert not leaked, f"{junk!r} of {source} leaked into {leaked[0][:60]!r}"


def test_portal_page_keeps_body_and_reads_source_and_time_as_metadata(fx):
    article = fx.one(PORTAL)
    raw = fx.raw[PORTAL]
    body = "".join(p.text for p in article.paragraphs)
    assert "5月17日，永嘉县政协组织部分委员和群众代表" in body
    assert body.endswith("推动更多协商成果转化为惠民实效。")
    assert article.meta.outlet == "永嘉县政协"
    assert article.meta.date == "2024-05-20"
    assert raw[article.end - len("惠民实效。") : article.end] == "惠民实效。"  # the article stops before 责任编辑


def test_aggregator_preamble_is_not_part_of_the_report(fx):
    article = fx.one(REPORT)
    raw = fx.raw[REPORT]
    assert raw[article.start :].startswith("中国人民政治协商会议")
    assert "范文精选" not in raw[article.start : article.end]


# -- the title block and paragraphs ---------------------------------------------------------------------------------


def test_report_title_block_roles(fx):
    article = fx.one(REPORT)
    head = [(p.role, p.text) for p in article.paragraphs[:6]]
    assert head == [
        ("title", "中国人民政治协商会议"),
        ("title", "沂水县第十一届委员会常务委员会"),
        ("title", "工 作 报 告"),
        ("occasion", "——2024年1月16日在政协沂水县第十一届委员会第三次会议上"),
        ("speaker", "县政协主席\u3000秦望舒"),
        ("salutation", "各位委员："),
    ]
    assert all(p.role == "body" for p in article.paragraphs[6:])
    assert article.title == "中国人民政治协商会议沂水县第十一届委员会常务委员会工作报告"


def test_proposal_report_title_block_roles(fx):
    article = fx.one(PROPOSALS)
    assert [p.role for p in article.paragraphs[:5]] == ["title", "title", "occasion", "speaker", "salutation"]
    assert article.paragraphs[2].text == "（2024年2月27日在政协乐陵市第九届委员会第三次会议上）"


def test_news_headline_is_its_own_paragraph(fx):
    for source in (TRADITIONAL, PORTAL, FOLDER, SIDECAR):
        first = fx.one(source).paragraphs[0]
        assert first.role == "headline", source
        assert not any(p.role == "headline" for p in fx.one(source).paragraphs[1:])


JOINED = {
    "report-line-break": (REPORT, "团结动员广大委员和各界人士凝心聚力"),  # a line break inside a sentence
    "report-line-break-2": (REPORT, "其中23条被县委、县政府采纳吸收"),
    "report-numbered-item-broken": (REPORT, "组织委员一百余人深入村居开展协商议事，推动解决农村道路养护"),
    "report-numbered-item-page-break": (REPORT, "帮助企业协调融资需求1.2亿元"),  # ... broken by a blank line
    "proposals-line-break": (PROPOSALS, "经提案委员会审查，立案218件，立案率88.6%"),
    # an 一是 paragraph broken mid-sentence
    "proposals-yishi-item-broken": (PROPOSALS, "修订提案工作规则及配套制度3项"),
    "proposals-inline-items": (PROPOSALS, "市政府召开提案交办会"),
    "traditional-line-break": (TRADITIONAL, "提出錯時共享車位、增設臨時泊位等建議18條"),
    "portal-line-break": (PORTAL, "县住建、财政、市场监管等部门负责人到会"),
    "portal-line-breaks": (PORTAL, "走访老旧小区23个，发放问卷1500余份，召开座谈会8场，形成了较为翔实的调研报告"),
}


@pytest.mark.parametrize(("source", "joined"), list(JOINED.values()), ids=list(JOINED))
def test_lines_broken_mid_sentence_are_one_paragraph(fx, source, joined):
    article = fx.one(source)
    p = paragraph_with(article, joined)
    assert p.role == "body"


def test_paragraphs_are_not_merged_across_sentence_ends(fx):
    article = fx.one(REPORT)
    heading = paragraph_with(article, "（一）精心组织专题协商")
    assert heading.text == "（一）精心组织专题协商" and heading.heading
    closing = paragraph_with(article, "各位委员，新的征程已经开启")
    assert "一是加强思想政治引领" not in closing.text
    portal = fx.one(PORTAL)
    assert len([p for p in portal.paragraphs if p.role == "body"]) == 5


# -- sections ------------------------------------------------------------------------------------------------------


def tree(article: Article) -> list[tuple[str, int, str | None]]:
    return [(s.label, s.level, None if s.parent is None else article.sections[s.parent].label)
            for s in article.sections]


def test_report_section_tree(fx):
    one, two = "一、坚持协商于决策之前，议政建言更加务实", "二、坚持民主监督，助推重点工作落实"
    three = "三、坚持履职为民，凝聚共识成效明显"
    review, plan = "2023年工作回顾", "2024年工作安排"
    assert tree(fx.one(REPORT)) == [
        (review, 0, None),
        (one, 1, review),
        ("（一）精心组织专题协商", 2, one),
        ("1.打造“沂河议事”协商品牌", 3, "（一）精心组织专题协商"),
        ("2.深化界别协商", 3, "（一）精心组织专题协商"),
        ("（二）扎实开展视察调研", 2, one),
        (two, 1, review),
        ("（一）创新提案办理监督", 2, two),
        ("（二）做好社情民意信息工作", 2, two),
        (three, 1, review),
        (plan, 0, None),
        ("一是加强思想政治引领，巩固共同思想基础", 4, plan),
        ("二是聚焦高质量发展协商议政，每季度至少开展一次专题协商", 4, plan),
        ("三是更好服务民生，办好委员联系群众的实事", 4, plan),
    ]
    numbers = [s.number for s in fx.one(REPORT).sections]
    assert numbers == ["", "一、", "（一）", "1.", "2.", "（二）", "二、", "（一）", "（二）", "三、", "",
                       "一是", "二是", "三是"]


def test_proposal_report_section_tree_with_inline_enumerations(fx):
    handling, ways, issues = "二、提案办理情况", "三、主要做法和体会", "四、存在的问题和下一步打算"
    assert tree(fx.one(PROPOSALS)) == [
        ("一、提案提交和立案情况", 1, None),
        (handling, 1, None),
        ("一是压实办理责任", 4, handling),
        ("二是突出重点督办", 4, handling),
        ("三是强化协商沟通", 4, handling),
        (ways, 1, None),
        ("一是坚持质量导向", 4, ways),
        ("二是健全工作机制", 4, ways),
        ("三是注重成果转化", 4, ways),
        (issues, 1, None),
        ("一是少数提案调研不够深入，建议针对性不强", 4, issues),
        ("二是个别承办单位重答复、轻落实", 4, issues),
    ]


def test_news_items_have_no_sections(fx):
    for source in (TRADITIONAL, PORTAL, FOLDER, SIDECAR):
        assert fx.one(source).sections == ()


def test_an_inline_enumeration_ends_with_its_paragraph(fx):
    """``一是…二是…三是…`` inside a paragraph: the last item does not swallow the paragraphs after it."""
    for source in (REPORT, PROPOSALS):
        article = fx.one(source)
        for s in article.sections:
            p = article.paragraph_at(s.start)
            assert p is not None
            if s.level == 4 and s.start > p.start:  # an item inside a running paragraph
                assert s.end <= p.end, f"{source}: {s.label!r} runs past its paragraph into " \
                                       f"{fx.raw[source][p.end : s.end].strip()[:30]!r}"


_REPORT_ONE = ("2023年工作回顾", "一、坚持协商于决策之前，议政建言更加务实")
WHERE = {
    # id: (source, phrase, section path, paragraph number within the innermost section)
    "report-part-title": (REPORT, "过去一年，县政协常务委员会", ("2023年工作回顾",), 1),
    "report-level-2": (REPORT, "全年开展专题协商十二场", (*_REPORT_ONE, "（一）精心组织专题协商"), 1),
    "report-level-3": (REPORT, "在全县18个乡镇（街道）设立议事室",
                       (*_REPORT_ONE, "（一）精心组织专题协商", "1.打造“沂河议事”协商品牌"), 1),
    "report-level-3-after-line-break": (REPORT, "推动解决农村道路养护、饮水安全等问题47个",
                                        (*_REPORT_ONE, "（一）精心组织专题协商", "1.打造“沂河议事”协商品牌"), 1),
    "report-second-part": (REPORT, "本年度共收到提案208件",
                           ("2023年工作回顾", "二、坚持民主监督，助推重点工作落实", "（一）创新提案办理监督"), 1),
    "report-level-1-body": (REPORT, "筹集助学资金约320万元",
                            ("2023年工作回顾", "三、坚持履职为民，凝聚共识成效明显"), 1),
    "report-inline-item": (REPORT, "每季度至少开展一次专题协商",
                           ("2024年工作安排", "二是聚焦高质量发展协商议政，每季度至少开展一次专题协商"), 1),
    "report-after-inline-items": (REPORT, "各位委员，新的征程已经开启", ("2024年工作安排",), 2),
    "proposals-level-1": (PROPOSALS, "共提交提案246件", ("一、提案提交和立案情况",), 1),
    "proposals-level-1-second": (PROPOSALS, "委员个人和联名提案171件", ("一、提案提交和立案情况",), 2),
    "proposals-inline-item": (PROPOSALS, "将218件提案分解交由46个承办单位办理",
                              ("二、提案办理情况", "一是压实办理责任"), 1),
    "proposals-inline-item-3": (PROPOSALS, "面商率达到93%以上", ("二、提案办理情况", "三是强化协商沟通"), 1),
    "proposals-after-inline-items": (PROPOSALS, "218件提案已全部办复", ("二、提案办理情况",), 2),
    "proposals-yishi-paragraph": (PROPOSALS, "培训委员210人", ("三、主要做法和体会", "一是坚持质量导向"), 1),
    "proposals-after-inline-items-2": (PROPOSALS, "着力提高提案质量和办理实效", ("四、存在的问题和下一步打算",), 2),
}


@pytest.mark.parametrize(("source", "phrase", "path", "paragraph"), list(WHERE.values()), ids=list(WHERE))
def test_where_gives_section_path_and_paragraph(fx, source, phrase, path, paragraph):
    article = fx.one(source)
    start, _ = fx.span(source, phrase)
    where = article.where(start)
    assert where.section_path == path
    assert where.paragraph == paragraph
    assert where.place == article.place and where.title == article.title


def test_title_block_and_headline_are_not_counted_as_paragraphs(fx):
    """The first paragraph of the text is 第1段 in every layout, as on the newspaper page (whose headlines are
    not paragraphs): a report's title lines, occasion, speaker and salutation, and a news item's headline, are
    not counted."""
    cases = [(REPORT, "受政协沂水县第十一届委员会常务委员会委托"), (PROPOSALS, "现在，我受政协乐陵市"),
             (TRADITIONAL, "本報訊"), (PORTAL, "5月17日，永嘉县政协组织"), (FOLDER, "本报讯（记者 唐小禾）")]
    for source, phrase in cases:
        start, _ = fx.span(source, phrase)
        assert fx.one(source).where(start).paragraph == 1, source


def test_news_paragraphs_are_numbered_in_order(fx):
    article = fx.one(PORTAL)
    starts = [fx.span(PORTAL, phrase)[0] for phrase in ("5月17日，永嘉县政协", "协商前，县政协社会法制委员会",
                                                          "协商会上，委员们踊跃发言", "有关部门负责人表示",
                                                          "县政协主要负责人表示")]
    numbers = [article.where(s).paragraph for s in starts]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5
    assert all(article.where(s).section_path == () for s in starts)


# -- a Word file ---------------------------------------------------------------------------------------------------


def test_word_report_has_the_same_layout_and_word_paragraph_locators(tmp_path):
    docx = pytest.importorskip("docx")
    text = (FIXTURES / PROPOSALS).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    document = docx.Document()
    for ln in lines:
        document.add_paragraph(ln)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    document.save(str(corpus / "report.docx"))
    shutil.copy(FIXTURES / PROPOSALS, corpus / PROPOSALS)

    docs, skipped = read_corpus(corpus)
    assert skipped == []
    word = next(d for d in docs if d.source == "report.docx")
    assert word.encoding == "docx"
    got = Corpus(corpus, tmp_path / "index")
    a, plain = got.one("report.docx"), got.one(PROPOSALS)
    assert a.layout == "report"
    for field in ("place", "level", "year", "date", "session", "speaker", "genre", "title"):
        assert getattr(a.meta, field) == getattr(plain.meta, field), field
    assert tree(a) == tree(plain)
    raw = got.raw["report.docx"]
    chunks = [x.chunk for x in chunk_articles([a], got.folded)]
    check_offsets(raw, [a], chunks)
    for n, heading in ((lines.index("二、提案办理情况") + 1, "二、提案办理情况"),
                       (lines.index("四、存在的问题和下一步打算") + 1, "四、存在的问题和下一步打算")):
        start, _ = got.span("report.docx", heading)
        assert word.locator(start) == f"Word 第{n}段"
    # a paragraph that the text file breaks over two lines is two Word paragraphs here, joined all the same
    assert paragraph_with(a, "经提案委员会审查，立案218件，立案率88.6%")


# -- exact quotes on a real index ----------------------------------------------------------------------------------


def test_quote_typed_in_simplified_finds_the_traditional_original(fixture_index):
    from cppcc_qa.quotes import find_quotes

    quotes = find_quotes("由区政协牵头，联合街道、社区共同建设", index=fixture_index)
    assert [(q.source, q.exact) for q in quotes] == [(TRADITIONAL, True)]
    q = quotes[0]
    raw = fixture_index.text(TRADITIONAL)
    assert raw[q.start : q.end] == "由區(qū)政協(xié)牽頭,聯合街道、社區共同建設"  # as written, gloss and comma kept
    assert q.text == raw[q.start : q.end]
    assert q.place == "海滄區"
    assert q.where.section_path == () and q.where.title.startswith("海滄區")


def test_quote_spanning_a_line_break(fixture_index):
    from cppcc_qa.quotes import find_quotes

    quotes = find_quotes("团结动员广大委员和各界人士凝心聚力", index=fixture_index)
    assert [(q.source, q.exact) for q in quotes] == [(REPORT, True)]
    q = quotes[0]
    raw = fixture_index.text(REPORT)
    assert "\n" in raw[q.start : q.end]
    assert squeeze(raw[q.start : q.end]) == "团结动员广大委员和各界人士凝心聚力" == q.text
    assert q.where.section_path == ("2023年工作回顾",) and q.where.place == "沂水县"

    quotes = find_quotes("提出错时共享车位、增设临时泊位", index=fixture_index)  # simplified, across a line break
    assert [(q.source, q.exact) for q in quotes] == [(TRADITIONAL, True)]
    q = quotes[0]
    traditional = fixture_index.text(TRADITIONAL)
    assert squeeze(traditional[q.start : q.end]) == "提出錯時共享車位、增設臨時泊位" == q.text


def test_quote_offsets_are_exact_for_every_occurrence(fixture_index):
    from cppcc_qa.quotes import find_quotes

    quotes = find_quotes("政协委员", index=fixture_index)
    assert {q.source for q in quotes} >= {TRADITIONAL, SHIPPED}
    for q in quotes:
        assert q.exact
        raw = fixture_index.text(q.source)
        assert squeeze(fold(raw[q.start : q.end])) == "政协委员", (q.source, raw[q.start : q.end])
        assert q.text == squeeze(raw[q.start : q.end])
        article = fixture_index.article_at(q.source, q.start)
        assert article is not None and article.start <= q.start < q.end <= article.end


def test_portal_recommendations_are_never_quoted(fixture_index):
    from cppcc_qa.quotes import find_quotes

    for junk in ("瓯北街道委员工作室正式揭牌", "永嘉县政协调研农村文化礼堂建设", "责任编辑：郑可欣"):
        assert find_quotes(junk, fuzzy=0, index=fixture_index) == [], junk
