"""Reading the corpus safely: which files count, what is followed, what is capped.

- Reports are ``.txt``, ``.md``, ``.docx``, ``.pdf``, ``.html`` and ``.htm`` files under the corpus directory;
  hidden files and folders, and ``*.meta.json`` sidecars, are not reports.
- Only regular files are read. A FIFO, socket or device is skipped without being opened for a blocking read.
- Symbolic links to folders are never followed. A symbolic link to a file is followed only when its target,
  after ``realpath``, is a regular file inside the corpus directory; any other link is skipped and said.
- A file over the size limit (8 MiB, ``$CPPCC_QA_MAX_FILE_MB``) is skipped; at most limit + 1 bytes are read
  whatever ``stat`` said, so a file that grows while it is read cannot exhaust memory.
- Every skipped file is recorded with its reason and, when it could be read, its sha256: an unchanged corpus
  is recognised as unchanged even when it holds files that cannot be indexed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import CppccQaError
from .records import Document, Skipped

log = logging.getLogger("cppcc_qa")

TEXT_SUFFIXES = (".txt", ".md")
REPORT_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", ".html", ".htm")
SIDECAR_SUFFIX = ".meta.json"
META_CSV = "meta.csv"


@dataclass(frozen=True)
class Entry:
    """A report file found under the corpus: its source name and the path to open (a link already resolved)."""

    source: str
    path: Path
    problem: str = ""  # set when the entry is skipped before it is opened


def check_corpus(corpus: Path) -> None:
    if not corpus.exists():
        raise CppccQaError(f"Corpus directory {corpus} does not exist.", "Pass --corpus DIR or set CPPCC_QA_CORPUS.")
    if not corpus.is_dir():
        raise CppccQaError(f"Corpus path {corpus} is not a directory.", "Pass the folder that holds the reports.")


def is_report_name(name: str) -> bool:
    low = name.lower()
    return not name.startswith(".") and low.endswith(REPORT_SUFFIXES) and not low.endswith(SIDECAR_SUFFIX)


def _classify(path: Path, root: str) -> tuple[Path, str]:
    """The path to read and, when the entry must be skipped, why."""
    try:
        st = os.lstat(path)
    except OSError as err:
        return path, err.strerror or str(err)
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        if os.path.commonpath([target, root]) != root:
            return path, "a symbolic link to a file outside the corpus (not followed)"
        try:
            st = os.stat(target)
        except OSError:
            return path, "a symbolic link whose target does not exist"
        path = Path(target)
    if not stat.S_ISREG(st.st_mode):
        return path, "not a regular file (a FIFO, socket or device is never read)"
    return path, ""


def list_corpus(corpus: Path) -> list[Entry]:
    """Report files under ``corpus``, sorted; hidden entries skipped, folder links not followed."""
    check_corpus(corpus)
    root = os.path.realpath(corpus)
    found: list[Entry] = []
    for dirpath, dirs, files in os.walk(corpus, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not is_report_name(name):
                continue
            path = Path(dirpath) / name
            target, problem = _classify(path, root)
            found.append(Entry(path.relative_to(corpus).as_posix(), target, problem))
    return found


def read_capped(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; raises ValueError when it is larger or not a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file (a FIFO, socket or device is never read)")
        if st.st_size > limit:
            raise ValueError(_too_big(st.st_size, limit))
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError(_too_big(len(data), limit))
    return data


def _too_big(size: int, limit: int) -> str:
    return (f"{size / 2**20:.1f} MiB is over the {limit / 2**20:g} MiB limit for one report; "
            "split it, or raise CPPCC_QA_MAX_FILE_MB")


def sha256_of(path: Path, limit: int) -> str:
    """sha256 of the first ``limit`` + 1 bytes of a regular file ("" when it cannot be read)."""
    h = hashlib.sha256()
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return ""
            remaining = limit + 1
            while remaining > 0:
                block = os.read(fd, min(1 << 20, remaining))
                if not block:
                    break
                h.update(block)
                remaining -= len(block)
        finally:
            os.close(fd)
    except OSError:
        return ""
    return h.hexdigest()


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode report bytes: UTF-8 (BOM or not), else the encoding charset-normalizer detects.

    Raises ValueError when the bytes are not text.
    """
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary data (NUL bytes), not a text file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16", "utf_32"]).best() or from_bytes(data).best()
    if best is None:
        raise ValueError("not valid UTF-8 and no other text encoding fits")
    text = str(best)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if not text or printable / len(text) < 0.97:
        raise ValueError(f"decodes as {best.encoding} only to unreadable characters")
    return text.lstrip("\ufeff"), best.encoding


def read_entry(entry: Entry, limit: int) -> Document | Skipped:
    """Decode one report, or say why it is skipped."""
    if entry.problem:
        return Skipped(entry.source, entry.problem, sha256_of(entry.path, limit))
    try:
        data = read_capped(entry.path, limit)
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        return Skipped(entry.source, reason, sha256_of(entry.path, limit))
    digest = hashlib.sha256(data).hexdigest()
    try:
        if entry.source.lower().endswith(TEXT_SUFFIXES):
            text, encoding = decode_bytes(data)
            marks: tuple[tuple[int, int], ...] = ()
        else:
            from .extract import extract

            got = extract(Path(entry.source).suffix, data)
            text, encoding, marks = got.text, got.kind, got.marks
    except ValueError as err:
        return Skipped(entry.source, str(err), digest)
    if not text.strip():
        return Skipped(entry.source, "the file is empty", digest)
    return Document(entry.source, text, encoding, digest, marks)


def read_corpus(corpus: Path, limit: int = 8 * 1024 * 1024) -> tuple[list[Document], list[Skipped]]:
    """Decode every report under ``corpus``; files that cannot be indexed are skipped with a reason."""
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for entry in list_corpus(corpus):
        got = read_entry(entry, limit)
        if isinstance(got, Skipped):
            log.warning("skipped %s: %s", got.source, got.reason)
            skipped.append(got)
        else:
            docs.append(got)
    return docs, skipped


def fingerprint(corpus: Path, limit: int, known: dict[str, tuple[int, int, str]] | None = None) -> dict[str, str]:
    """sha256 of every report file (a skipped one too, "" when unreadable), by source name.

    ``known`` maps a source to the (size, mtime_ns, sha256) recorded at the last build: a file whose size and
    modification time are unchanged is not read again, so checking a large unchanged corpus costs one stat a file.
    """
    out: dict[str, str] = {}
    for entry in list_corpus(corpus):
        try:
            st = os.stat(entry.path)
            prev = (known or {}).get(entry.source)
            if prev and stat.S_ISREG(st.st_mode) and (prev[0], prev[1]) == (st.st_size, st.st_mtime_ns):
                out[entry.source] = prev[2]
                continue
        except OSError:
            pass
        out[entry.source] = "" if entry.problem and "outside" in entry.problem else sha256_of(entry.path, limit)
    return out


def file_stats(corpus: Path, sources: dict[str, str]) -> dict[str, tuple[int, int, str]]:
    """(size, mtime_ns, sha256) of each source, for ``fingerprint``'s fast path."""
    root = os.path.realpath(corpus)
    out: dict[str, tuple[int, int, str]] = {}
    for source, digest in sources.items():
        path, problem = _classify(corpus / source, root)
        if problem or not digest:
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        out[source] = (st.st_size, st.st_mtime_ns, digest)
    return out


def read_sidecar(corpus: Path, source: str) -> dict[str, object]:
    """Metadata overrides for ``source``: ``FILE.meta.json`` next to it, then its row of ``corpus/meta.csv``.

    ``{"place": "青州市", "year": 2024, "level": "city", ...}``; unknown keys are ignored; a broken sidecar
    is reported as a warning and ignored.
    """
    import csv
    import json

    out: dict[str, object] = {}
    table = corpus / META_CSV
    if table.is_file():
        try:
            with table.open(encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    if (row.get("file") or row.get("source") or "").strip() == source:
                        out.update({k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()})
        except (OSError, csv.Error, UnicodeDecodeError) as err:
            log.warning("ignored %s: %s", table, err)
    side = corpus / (source + ".meta.json")
    if not side.is_file():
        side = (corpus / source).with_suffix(SIDECAR_SUFFIX)
    if side.is_file() and not side.is_symlink():
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            out.update(data)
        except (OSError, ValueError) as err:
            log.warning("ignored %s: %s", side, err)
    out.pop("file", None)
    out.pop("source", None)
    return out
