from __future__ import annotations

from pathlib import Path

from cppcc_qa.ingest import Document, load_articles, read_corpus, split_articles
from cppcc_qa.textspan import squeeze

from conftest import CORPUS, SECOND_CITY

DISTRICTS = ["奎文区", "潍城区", "坊子区", "青州市", "寒亭区", "诸城市", "安丘市", "高密市", "昌邑市", "临朐县", "昌乐县"]


def test_shipped_report_splits_into_eleven_articles():
    articles, docs, skipped = load_articles(CORPUS)
    assert [a.district for a in articles] == DISTRICTS
    assert skipped == []
    raw = docs[0].text
    qingzhou = articles[3]
    assert qingzhou.title == "发挥委员主体作用 赋能基层社会治理"
    assert qingzhou.reporters == ["张崧", "王新"]
    assert raw[qingzhou.start : qingzhou.end].startswith("青州市：发挥委员主体作用")
    assert all(a.year == 2025 for a in articles)
    assert all(a.source == "2025-weifang-cppcc-highlights.txt" for a in articles)


def test_photo_caption_article_gets_district_title_and_photographer():
    articles, _, _ = load_articles(CORPUS)
    weicheng = articles[1]
    assert weicheng.district == "潍城区"
    assert weicheng.title_derived and "委员履职进社区" in weicheng.title
    assert weicheng.reporters == ["王鹏"]
    assert len(weicheng.paragraphs) == 1
    # The Kuiwen article must not swallow the caption text.
    assert "潍城区" not in "".join(p.text for p in articles[0].paragraphs)


def test_page_breaks_mid_sentence_are_repaired():
    articles, docs, _ = load_articles(CORPUS)
    text = "\n".join(p.text for a in articles for p in a.paragraphs)
    assert "奎文区政协办公室成立“服务企业小分队”" in text
    assert "推动一批民生热点、治理难点问题" in text
    assert "治\n" not in text
    # Every repaired paragraph still maps character by character onto the raw file.
    raw = docs[0].text
    for a in articles:
        clean, offsets = a.clean_text()
        assert len(clean) == len(offsets)
        assert all(raw[o] == ch for ch, o in zip(clean, offsets, strict=True) if ch != "\n")
        for p in a.paragraphs:
            assert squeeze(raw[p.start : p.end]) == squeeze(p.text)


def test_second_city_with_same_conventions(tmp_path):
    doc = Document("2024/report.txt", tmp_path / "x.txt", SECOND_CITY, "utf-8")
    articles = split_articles(doc)
    assert [a.district for a in articles] == ["寿光市", "临淄区", "张店区"]
    assert articles[0].title == "建设“菜乡议事厅” 助力乡村振兴"
    assert "蔬菜产业发展开展协商议事30场" in articles[0].paragraphs[0].text
    assert articles[1].reporters == ["赵强", "孙丽"]
    assert articles[2].title_derived and articles[2].reporters == ["周涛"]
    assert articles[0].year == 2024


def test_gbk_bom_crlf_binary_and_empty_files(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "gbk.txt").write_bytes(SECOND_CITY.encode("gb18030"))
    (corpus / "bom.md").write_bytes(b"\xef\xbb\xbf" + SECOND_CITY.replace("\n", "\r\n").encode("utf-8"))
    (corpus / "photo.txt").write_bytes(bytes(range(256)) * 20)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")  # a truncated PDF
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # not a report type: not listed at all
    docs, skipped = read_corpus(corpus)
    by_name = {d.source: d for d in docs}
    assert set(by_name) == {"gbk.txt", "bom.md"}
    assert "寿光市" in by_name["gbk.txt"].text and by_name["gbk.txt"].encoding.lower().startswith("gb")
    assert not by_name["bom.md"].text.startswith("\ufeff")
    reasons = {s.source: s.reason for s in skipped}
    assert set(reasons) == {"photo.txt", "empty.txt", "notes.pdf"}
    assert "cannot read this PDF" in reasons["notes.pdf"]
    assert "binary" in reasons["photo.txt"] and "empty" in reasons["empty.txt"]
    articles, _, _ = load_articles(corpus)
    assert [a.district for a in articles if a.source == "bom.md"] == ["寿光市", "临淄区", "张店区"]
    assert [a.district for a in articles if a.source == "gbk.txt"] == ["寿光市", "临淄区", "张店区"]


def test_missing_corpus_dir_is_a_clear_error(tmp_path):
    import pytest

    from cppcc_qa.errors import CppccQaError

    with pytest.raises(CppccQaError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_shipped_corpus_is_byte_identical_to_the_published_report():
    shared = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "2025-weifang-cppcc-highlights.txt"
    if shared.exists():
        assert (CORPUS / shared.name).read_bytes() == shared.read_bytes()
    import hashlib

    digest = hashlib.sha256((CORPUS / "2025-weifang-cppcc-highlights.txt").read_bytes()).hexdigest()
    assert digest == EXPECTED_SHA256


EXPECTED_SHA256 = "3e6be518c7927a7361c5a28beb9a538980677da4e8d16adfd9ce98703022bc3e"
