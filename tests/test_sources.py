"""Reading the corpus safely, with real OS objects: FIFOs, links out of the corpus and to devices, links inside it,
folder loops, files over the size cap, a zip bomb, text encodings, unreadable files. The CLI runs as a real
subprocess with a timeout, so a hang fails the test instead of stalling the suite."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from cppcc_qa.build import read_articles
from cppcc_qa.sources import Entry, list_corpus, read_corpus, read_entry
from cppcc_qa.store import read_manifest
from cppcc_qa.textnorm import squeeze

from conftest import FIXTURES, ROOT, config_for

REPORT = "standing-committee-report.txt"
PROPOSALS = "proposal-work-report.txt"
PORTAL = "portal-page.txt"
SECRET = "root:x:0:0"


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CPPCC_QA_")}
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), full.get("PYTHONPATH")) if p)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "cppcc_qa.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full, cwd=ROOT, stdin=subprocess.DEVNULL)


def skipped_lines(stderr: str) -> dict[str, str]:
    """``warning: skipped SOURCE: REASON`` lines of ``cppcc-qa index``."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("warning: skipped "):
            source, _, reason = line[len("warning: skipped ") :].partition(": ")
            out[source] = reason
    return out


# -- a corpus full of things that must not be read -------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Two real reports, a FIFO, links to /dev/zero, /etc/passwd, a report inside the corpus, a folder outside
    it and the corpus itself; indexed once by ``cppcc-qa index`` (lexical only, so no embedding time)."""
    base = tmp_path_factory.mktemp("hostile")
    corpus, index = base / "corpus", base / "index"
    (corpus / "reports").mkdir(parents=True)
    shutil.copy(FIXTURES / PORTAL, corpus / "report.txt")
    shutil.copy(FIXTURES / PROPOSALS, corpus / "reports" / "proposals.txt")
    os.mkfifo(corpus / "pipe.txt")
    os.symlink("/dev/zero", corpus / "zero.txt")
    os.symlink("/etc/passwd", corpus / "passwd.txt")
    os.symlink("reports/proposals.txt", corpus / "alias.txt")  # a relative link to a file inside the corpus
    os.symlink(corpus, corpus / "reports" / "loop")  # a folder link back to the corpus
    os.symlink("..", corpus / "reports" / "up")
    (base / "outside").mkdir()
    shutil.copy(FIXTURES / REPORT, base / "outside" / "elsewhere.txt")
    os.symlink(base / "outside", corpus / "linked-folder")
    started = time.monotonic()
    result = cli("index", "--corpus", str(corpus), "--index", str(index), "--model", "bm25")
    return corpus, index, result, time.monotonic() - started


def test_hostile_corpus_indexes_without_hanging(hostile):
    _corpus, index, result, seconds = hostile
    assert result.returncode == 0, result.stderr
    assert "Indexed" in result.stdout
    assert seconds < 240
    sources = set(read_manifest(index).sources)
    assert sources == {"report.txt", "reports/proposals.txt", "alias.txt"}


def test_fifo_is_skipped_with_a_reason(hostile):
    _corpus, index, result, _ = hostile
    reasons = skipped_lines(result.stderr)
    assert "pipe.txt" in reasons and "regular file" in reasons["pipe.txt"]
    assert {s.source for s in read_manifest(index).skipped} >= {"pipe.txt"}


def test_links_to_devices_and_system_files_are_skipped_and_never_served(hostile):
    corpus, index, result, _ = hostile
    with open("/etc/passwd", encoding="utf-8", errors="replace") as fh:
        if SECRET not in fh.read():
            pytest.skip("this machine's /etc/passwd has no root:x:0:0 line to look for")
    reasons = skipped_lines(result.stderr)
    for name in ("zero.txt", "passwd.txt"):
        assert "outside the corpus" in reasons.get(name, ""), (name, result.stderr)
    for path in index.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    quoted = cli("quote", SECRET, "--json", "--corpus", str(corpus), "--index", str(index))
    assert quoted.returncode == 0, quoted.stderr
    found = json.loads(quoted.stdout)
    assert not any(q["exact"] for q in found)
    assert "root:" not in quoted.stdout and "/bin/" not in quoted.stdout
    plain = cli("quote", SECRET, "--corpus", str(corpus), "--index", str(index))
    assert "root:x" not in plain.stdout


def test_link_to_a_file_inside_the_corpus_is_followed(hostile):
    corpus, index, _result, _ = hostile
    manifest = read_manifest(index)
    assert manifest.sources["alias.txt"].sha256 == manifest.sources["reports/proposals.txt"].sha256
    articles, _docs, _skipped, _ = read_articles(config_for(corpus, index))
    alias = [a for a in articles if a.source == "alias.txt"]
    assert len(alias) == 1 and alias[0].place == "乐陵市"


def test_folder_links_are_not_followed(hostile):
    corpus, index, _result, _ = hostile
    listed = [e.source for e in list_corpus(corpus)]
    assert not [s for s in listed if s.startswith(("reports/loop", "reports/up", "linked-folder"))], listed
    assert "elsewhere.txt" not in json.dumps(read_manifest(index).to_json(), ensure_ascii=False)


# -- the size cap ----------------------------------------------------------------------------------------------------


def test_oversized_file_is_skipped_naming_the_variable_and_a_second_run_is_a_no_op(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(FIXTURES / PORTAL, corpus / "report.txt")
    text = (FIXTURES / PROPOSALS).read_text(encoding="utf-8")
    (corpus / "big.txt").write_text(text * (1_600_000 // len(text.encode("utf-8")) + 1), encoding="utf-8")
    assert (corpus / "big.txt").stat().st_size > 1.5 * 2**20
    env = {"CPPCC_QA_MAX_FILE_MB": "1"}

    first = cli("index", "--corpus", str(corpus), "--index", str(index), "--model", "bm25", env=env)
    assert first.returncode == 0, first.stderr
    reasons = skipped_lines(first.stderr)
    assert set(reasons) == {"big.txt"}
    assert "CPPCC_QA_MAX_FILE_MB" in reasons["big.txt"] and "1 MiB" in reasons["big.txt"]
    assert set(read_manifest(index).sources) == {"report.txt"}
    version = read_manifest(index).version

    second = cli("index", "--corpus", str(corpus), "--index", str(index), "--model", "bm25", env=env)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout and "Indexed" not in second.stdout
    assert read_manifest(index).version == version

    docs = cli("docs", "--corpus", str(corpus), "--index", str(index), env=env)
    assert docs.returncode == 0, docs.stderr
    lines = docs.stdout.splitlines()
    at = lines.index("big.txt")
    assert lines[at + 1].strip().startswith("skipped:") and "CPPCC_QA_MAX_FILE_MB" in lines[at + 1]
    rows = json.loads(cli("docs", "--json", "--corpus", str(corpus), "--index", str(index), env=env).stdout)
    assert [r["source"] for r in rows if "skipped" in r] == ["big.txt"]


def test_size_cap_holds_for_a_direct_read(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "big.md").write_bytes("政协".encode() * 400_000)  # 2.4 MB
    docs, skipped = read_corpus(corpus, limit=2**20)
    assert docs == [] and [s.source for s in skipped] == ["big.md"]
    assert "CPPCC_QA_MAX_FILE_MB" in skipped[0].reason
    assert skipped[0].sha256  # still fingerprinted, so an unchanged corpus stays unchanged


# -- a zip bomb ------------------------------------------------------------------------------------------------------


def zip_bomb(unpacked_mb: int = 40) -> bytes:
    """A .docx-shaped zip of a few hundred KB whose document.xml unpacks to tens of MB."""
    paragraph = "<w:p><w:r><w:t>政协委员协商议事</w:t></w:r></w:p>".encode()
    body = paragraph * (unpacked_mb * 2**20 // len(paragraph))
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           + body + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("word/document.xml", xml)
        z.writestr(zipfile.ZipInfo("word/media/image1.png"), os.urandom(250_000), zipfile.ZIP_STORED)
    return out.getvalue()


def test_zip_bomb_docx_is_refused_quickly(tmp_path):
    data = zip_bomb()
    assert 200_000 < len(data) < 1_000_000
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bomb.docx").write_bytes(data)
    (corpus / "report.txt").write_text((FIXTURES / PORTAL).read_text(encoding="utf-8"), encoding="utf-8")
    started = time.monotonic()
    got = read_entry(Entry("bomb.docx", corpus / "bomb.docx"), 8 * 2**20)
    assert time.monotonic() - started < 5
    assert not hasattr(got, "text"), "the zip bomb was extracted"
    assert "zip bomb" in got.reason
    started = time.monotonic()
    docs, skipped = read_corpus(corpus)
    assert time.monotonic() - started < 5
    assert [d.source for d in docs] == ["report.txt"]
    assert [s.source for s in skipped] == ["bomb.docx"] and "zip bomb" in skipped[0].reason
    rows = json.loads(cli("docs", "--json", "--corpus", str(corpus), "--index", str(tmp_path / "index")).stdout)
    assert {r["source"]: r.get("skipped", "") for r in rows}["bomb.docx"] == skipped[0].reason


# -- encodings -------------------------------------------------------------------------------------------------------


def test_gb18030_bom_and_crlf_files_decode_to_the_same_documents(tmp_path):
    plain, crlf = tmp_path / "plain", tmp_path / "other"
    plain.mkdir()
    crlf.mkdir()
    for name in (REPORT, PROPOSALS):
        shutil.copy(FIXTURES / name, plain / name)
    report = (FIXTURES / REPORT).read_text(encoding="utf-8")
    proposals = (FIXTURES / PROPOSALS).read_text(encoding="utf-8")
    (crlf / REPORT).write_bytes(b"\xef\xbb\xbf" + report.replace("\n", "\r\n").encode("utf-8"))
    (crlf / PROPOSALS).write_bytes(proposals.replace("\n", "\r\n").encode("gb18030"))

    docs, skipped = read_corpus(crlf)
    assert skipped == []
    by = {d.source: d for d in docs}
    assert by[PROPOSALS].encoding.lower().replace("_", "") == "gb18030"
    assert not by[REPORT].text.startswith("\ufeff")
    assert by[PROPOSALS].text.replace("\r\n", "\n") == proposals

    want, _, _, _ = read_articles(config_for(plain, tmp_path / "i1"))
    got, got_docs, _, _ = read_articles(config_for(crlf, tmp_path / "i2"))
    raw = {d.source: d.text for d in got_docs}
    for a, b in zip(sorted(want, key=lambda a: a.source), sorted(got, key=lambda a: a.source), strict=True):
        assert a.meta.to_dict() == b.meta.to_dict()
        assert [s.label for s in a.sections] == [s.label for s in b.sections]
        assert [p.text for p in a.paragraphs] == [p.text for p in b.paragraphs]
        for p in b.paragraphs:
            assert "\r" not in p.text
            assert squeeze(raw[b.source][p.start : p.end]) == squeeze(p.text)


def test_unreadable_file_is_skipped(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: root reads a file whatever its mode bits, so chmod 0 cannot make one unreadable")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / PORTAL, corpus / "report.txt")
    locked = corpus / "locked.txt"
    shutil.copy(FIXTURES / PROPOSALS, locked)
    locked.chmod(0)
    try:
        docs, skipped = read_corpus(corpus)
        assert [d.source for d in docs] == ["report.txt"]
        assert [s.source for s in skipped] == ["locked.txt"] and "ermission" in skipped[0].reason
    finally:
        locked.chmod(0o644)


def test_every_entry_is_listed_once_by_its_path_inside_the_corpus(hostile):
    corpus, _index, _result, _ = hostile
    listed = [e.source for e in list_corpus(corpus)]
    assert sorted(listed) == ["alias.txt", "passwd.txt", "pipe.txt", "report.txt", "reports/proposals.txt", "zero.txt"]
    assert all(not Path(s).is_absolute() and ".." not in Path(s).parts for s in listed)
