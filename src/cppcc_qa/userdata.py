"""What users leave behind: feedback on answers and saved conversations, in one SQLite file.

The file is ``DATA/cppcc-qa.sqlite`` (``--data DIR`` / ``$CPPCC_QA_DATA``, by default ``cppcc-qa-data`` next to
the index; never inside the corpus). Conversations belong to a user (the ``--auth`` login, or "" when the server
has no login, where everyone using it shares them).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CppccQaError, InputError
from .records import Answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    rating INTEGER NOT NULL,          -- +1 helpful, -1 wrong
    comment TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,          -- JSON: the citation lines and quotes
    index_version TEXT NOT NULL,
    conversation TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    turns TEXT NOT NULL               -- JSON: [{"question": …, "answer": Answer.to_dict()}]
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated);
"""
MAX_COMMENT = 2000
MAX_TITLE = 80


@dataclass(frozen=True)
class Conversation:
    id: str
    user: str
    title: str
    created: str
    updated: str
    turns: list[dict[str, Any]]


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


class UserData:
    """Feedback and conversations. Every method opens its own connection, so any thread may call it."""

    def __init__(self, data_dir: Path, corpus: Path | None = None) -> None:
        if corpus is not None:
            data, root = data_dir.resolve(), corpus.resolve()
            if data == root or root in data.parents:
                raise CppccQaError(f"The data directory {data_dir} is inside the corpus {corpus}.",
                                   "Choose another place with --data DIR (it holds feedback and conversations).")
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CppccQaError(f"Cannot create the data directory {data_dir} ({err.strerror}).",
                               "Choose another place with --data DIR.") from err
        self.path = data_dir / "cppcc-qa.sqlite"
        self._lock = threading.Lock()
        with self._connect() as con:
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        return con

    # -- feedback ----------------------------------------------------------------------------------------------

    def add_feedback(self, rating: int, answer: Answer, comment: str = "", user: str = "",
                     conversation: str = "") -> int:
        if rating not in (1, -1):
            raise InputError(f"Feedback rating must be 1 or -1, not {rating!r}.", "Use thumbs up (1) or down (-1).")
        citations = [{"marker": c.marker, "source": c.source, "start": c.start, "end": c.end, "quote": c.quote}
                     for c in answer.citations]
        with self._lock, self._connect() as con:
            cur = con.execute(
                "INSERT INTO feedback (at, user, rating, comment, question, answer, citations, index_version, "
                "conversation) VALUES (?,?,?,?,?,?,?,?,?)",
                (_now(), user, rating, (comment or "")[:MAX_COMMENT], answer.question, answer.text,
                 json.dumps(citations, ensure_ascii=False), answer.index_version, conversation))
            return int(cur.lastrowid or 0)

    def feedback(self) -> list[dict[str, Any]]:
        with self._connect() as con:
            return [dict(r) for r in con.execute("SELECT * FROM feedback ORDER BY id")]

    def feedback_csv(self) -> str:
        rows = self.feedback()
        out = io.StringIO()
        fields = ["id", "at", "user", "rating", "comment", "question", "answer", "citations", "index_version",
                  "conversation"]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r[k] for k in fields})
        return out.getvalue()

    # -- conversations -----------------------------------------------------------------------------------------

    def save_turn(self, user: str, conversation: str | None, question: str, answer: Answer) -> str:
        """Append a turn to ``conversation`` (a new one when None); returns its id."""
        turn = {"question": question, "answer": answer.to_dict()}
        with self._lock, self._connect() as con:
            row = con.execute("SELECT turns FROM conversations WHERE id=? AND user=?",
                              (conversation, user)).fetchone() if conversation else None
            if row is None:
                conversation = uuid.uuid4().hex[:16]
                con.execute("INSERT INTO conversations VALUES (?,?,?,?,?,?)",
                            (conversation, user, question[:MAX_TITLE], _now(), _now(),
                             json.dumps([turn], ensure_ascii=False)))
            else:
                turns = [*json.loads(row["turns"]), turn]
                con.execute("UPDATE conversations SET turns=?, updated=? WHERE id=? AND user=?",
                            (json.dumps(turns, ensure_ascii=False), _now(), conversation, user))
        return str(conversation)

    def conversations(self, user: str) -> list[Conversation]:
        with self._connect() as con:
            return [Conversation(r["id"], r["user"], r["title"], r["created"], r["updated"], [])
                    for r in con.execute("SELECT id, user, title, created, updated FROM conversations WHERE user=? "
                                         "ORDER BY updated DESC, id", (user,))]

    def conversation(self, user: str, conversation: str) -> Conversation | None:
        with self._connect() as con:
            r = con.execute("SELECT * FROM conversations WHERE id=? AND user=?", (conversation, user)).fetchone()
        if r is None:
            return None
        return Conversation(r["id"], r["user"], r["title"], r["created"], r["updated"], json.loads(r["turns"]))

    def rename(self, user: str, conversation: str, title: str) -> bool:
        title = " ".join(str(title).split())[:MAX_TITLE]
        if not title:
            raise InputError("The new name is empty.", "Type a name for the conversation.")
        with self._lock, self._connect() as con:
            return con.execute("UPDATE conversations SET title=? WHERE id=? AND user=?",
                               (title, conversation, user)).rowcount > 0

    def delete(self, user: str, conversation: str) -> bool:
        with self._lock, self._connect() as con:
            return con.execute("DELETE FROM conversations WHERE id=? AND user=?", (conversation, user)).rowcount > 0
