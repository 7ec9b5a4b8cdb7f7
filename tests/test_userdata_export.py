"""Feedback and saved conversations in SQLite, and exports to Markdown and Word, with the real library."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from cppcc_qa.compose import answer
from cppcc_qa.errors import CppccQaError, InputError
from cppcc_qa.export import conversation_docx, conversation_markdown, quotes_docx, quotes_markdown
from cppcc_qa.quotes import find_quotes
from cppcc_qa.records import Answer
from cppcc_qa.userdata import UserData

from conftest import CORPUS


@pytest.fixture(scope="module")
def answers(index, config):
    return {q: answer(q, index=index, config=config) for q in (
        "青州市政协设立了几处知情明政工作站？", "哪个县市区政协组织的社区议事、协商对话等活动场次最多？")}


def test_answer_survives_a_round_trip_through_json(answers):
    import json

    for a in answers.values():
        again = Answer.from_dict(json.loads(json.dumps(a.to_dict(), ensure_ascii=False)))
        assert again == a


def test_feedback_is_stored_with_everything_needed_to_review_it(tmp_path, answers):
    data = UserData(tmp_path / "data", CORPUS)
    a = next(iter(answers.values()))
    n = data.add_feedback(-1, a, "第二条来源不对", user="staff", conversation="c1")
    rows = data.feedback()
    assert [r["id"] for r in rows] == [n] and rows[0]["rating"] == -1 and rows[0]["comment"] == "第二条来源不对"
    assert rows[0]["index_version"] == a.index_version and "2025-weifang-cppcc-highlights.txt" in rows[0]["citations"]
    assert "第二条来源不对" in data.feedback_csv()
    with sqlite3.connect(data.path) as con:  # a real database the team can open
        assert con.execute("select count(*) from feedback").fetchone()[0] == 1
    with pytest.raises(InputError):
        data.add_feedback(5, a)


def test_conversations_belong_to_their_user(tmp_path, answers):
    data = UserData(tmp_path / "data", CORPUS)
    (q1, a1), (q2, a2) = answers.items()
    cid = data.save_turn("alice", None, q1, a1)
    assert data.save_turn("alice", cid, q2, a2) == cid
    other = data.save_turn("bob", None, q2, a2)
    assert [c.id for c in data.conversations("alice")] == [cid]
    assert [c.id for c in data.conversations("bob")] == [other]
    assert data.conversation("bob", cid) is None  # one user never reads another's
    assert not data.rename("bob", cid, "x") and not data.delete("bob", cid)
    opened = data.conversation("alice", cid)
    assert opened is not None and [t["question"] for t in opened.turns] == [q1, q2]
    assert Answer.from_dict(opened.turns[1]["answer"]) == a2
    assert data.rename("alice", cid, "  知情明政 ") and data.conversations("alice")[0].title == "知情明政"
    assert data.delete("alice", cid) and data.conversations("alice") == []
    # Still there for a new process (a restarted server).
    assert [c.id for c in UserData(tmp_path / "data").conversations("bob")] == [other]


def test_concurrent_writes_are_all_kept(tmp_path, answers):
    data = UserData(tmp_path / "data")
    a = next(iter(answers.values()))
    threads = [threading.Thread(target=lambda: [data.add_feedback(1, a) for _ in range(10)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(data.feedback()) == 40


def test_data_dir_inside_the_corpus_is_refused(tmp_path):
    (tmp_path / "corpus").mkdir()
    with pytest.raises(CppccQaError, match="inside the corpus"):
        UserData(tmp_path / "corpus" / "data", tmp_path / "corpus")


def test_exports_hold_questions_markers_citation_lines_and_quotes(tmp_path, answers, index):
    turns = list(answers.items())
    md = conversation_markdown(turns)
    for q, a in turns:
        assert "## " in md and q in md
        for c in a.citations:
            assert c.quote in md and f"{c.source}:{c.start}-{c.end}" in md
    path = conversation_docx(turns, tmp_path / "c.docx")
    import docx

    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "青州市政协设立8处知情明政工作站" in text and "[1] 青州市" in text
    assert "|" not in text  # the comparison is a Word table, not Markdown rows
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "高密市" in cells and any("80余场" in c for c in cells)
    quotes = find_quotes("郑委员超市", index=index)
    assert all(q.citation in quotes_markdown(quotes, "郑委员超市") for q in quotes)
    qdoc = docx.Document(str(quotes_docx(quotes, tmp_path / "q.docx", "郑委员超市")))
    assert [p.text for p in qdoc.paragraphs[1:]] == [q.citation for q in quotes]
