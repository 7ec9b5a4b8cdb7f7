"""Evaluation: retrieval (hit@1, hit@5, MRR@10, nDCG@10 via ranx), answers (abstention, the answer in the first
cited clause, citations that hold no evidence, places listed), comparison tables, and document places.

Question files are JSONL in any of three schemas: ``districts`` + ``evidence`` (eval/*.jsonl), ``file`` +
``place`` + ``evidence`` (real-dev), or ``corpus`` + ``file`` + ``place``/``places`` + ``evidence``
(eval/qa). Comparison files have ``top``, ``must`` and ``min_rows``.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import Answer, Passage, TableRow
from .textnorm import fold, squeeze


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    q: str
    places: tuple[str, ...]  # right places (any of them), folded
    files: tuple[str, ...]  # right files (base names), any of them
    evidence: tuple[str, ...]
    unanswerable: bool = False
    kind: str = ""
    all_places: tuple[str, ...] = ()  # a which-question's places that must all be listed, folded


@dataclass(frozen=True)
class CompareQuestion:
    id: str
    lang: str
    q: str
    top: str | None
    must: dict[str, str]
    min_rows: int


def _rows(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"Cannot read eval file {path}: {err.strerror}.", "Give a JSONL file path.") from err
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or "q" not in row or "id" not in row:
                raise ValueError("needs id and q")
        except ValueError as err:
            raise InputError(f"{path}:{n} is not a valid eval row ({err}).",
                             "Each line needs JSON with id, q and evidence (or top/must for comparisons).") from err
        out.append(row)
    if not out:
        raise InputError(f"{path} holds no questions.", "Add JSONL rows with id, q and evidence.")
    return out


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v)


def load_questions(path: Path) -> list[Question]:
    out = []
    for d in _rows(path):
        if "must" in d:
            continue
        places = _names(d.get("districts")) + _names(d.get("place")) + _names(d.get("places"))
        files = tuple(Path(f).name for f in _names(d.get("file")) + _names(d.get("files")))
        out.append(Question(str(d["id"]), str(d.get("lang", "zh")), str(d["q"]), tuple(fold(p) for p in places), files,
                            _names(d.get("evidence")), bool(d.get("unanswerable", False)), str(d.get("kind", "")),
                            tuple(fold(p) for p in _names(d.get("places")))))
    return out


def load_compare(path: Path) -> list[CompareQuestion]:
    return [CompareQuestion(str(d["id"]), str(d.get("lang", "zh")), str(d["q"]), d.get("top"),
                            {str(k): str(v) for k, v in dict(d.get("must") or {}).items()}, int(d.get("min_rows", 2)))
            for d in _rows(path) if "must" in d]


def holds(evidence: Sequence[str], text: str) -> bool:
    body = squeeze(fold(text))
    return any(squeeze(fold(e)) in body for e in evidence)


def is_hit(q: Question, place: str, source: str, text: str) -> bool:
    """A passage answers ``q`` when it is from a right file (and place) and holds an evidence string."""
    if q.files and Path(source).name not in q.files:
        return False
    if q.places and not q.files and fold(place) not in q.places:
        return False
    return holds(q.evidence, text)


def score_runs(questions: list[Question], results: dict[str, list[tuple[str, str, str]]]) -> dict[str, float]:
    """Metrics over answerable questions; ``results[qid]`` is a ranked list of (place, source, text)."""
    from ranx import Qrels, Run, evaluate

    answerable = [q for q in questions if not q.unanswerable]
    if not answerable:
        return {}
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for q in answerable:
        ranked = results.get(q.id, [])[:10]
        run[q.id] = {"__none__": 0.0} | {str(rank): 1.0 / rank for rank in range(1, len(ranked) + 1)}
        hits = {str(rank): 1 for rank, (place, source, text) in enumerate(ranked, 1) if is_hit(q, place, source, text)}
        qrels[q.id] = hits or {"__unfound__": 1}
    with warnings.catch_warnings():  # ranx's numba kernels warn about an int cast that does not matter here
        warnings.simplefilter("ignore")
        m = evaluate(Qrels(qrels), Run(run), ["hit_rate@1", "hit_rate@5", "mrr@10", "ndcg@10"], make_comparable=True)
    return {"hit@1": m["hit_rate@1"], "hit@5": m["hit_rate@5"], "mrr@10": m["mrr@10"], "ndcg@10": m["ndcg@10"],
            "n": len(answerable)}


@dataclass
class EvalResult:
    name: str
    overall: dict[str, float]
    by_lang: dict[str, dict[str, float]]
    answers: dict[str, float] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


def _progress(items: Sequence[Any], desc: str, show: bool) -> Any:
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr, leave=False)


def run_retrieval(questions: list[Question], search: Callable[[str, int], list[Passage]], name: str,
                  k: int = 10, progress: bool = False) -> EvalResult:
    results: dict[str, list[tuple[str, str, str]]] = {}
    latencies = []
    for q in _progress(questions, name, progress):
        t = time.perf_counter()
        passages = search(q.q, k)
        latencies.append((time.perf_counter() - t) * 1000)
        results[q.id] = [(p.place, p.source, p.text) for p in passages]
    by_lang = {lang: score_runs([q for q in questions if q.lang == lang], results)
               for lang in sorted({q.lang for q in questions})}
    lat = sorted(latencies)
    latency = {"p50": statistics.median(lat), "p95": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]} \
        if lat else {}
    misses = [q.id for q in questions if not q.unanswerable
              and not any(is_hit(q, *r) for r in results.get(q.id, [])[:5])]
    return EvalResult(name, score_runs(questions, results), by_lang, latency_ms=latency, misses=misses)


def answer_metrics(questions: list[Question], answers: dict[str, Answer]) -> dict[str, float]:
    """Abstention counts, and over answered answerable questions: the first cited clause holds the answer,
    citations holding no evidence, and (which-questions with several places) every place listed."""
    una = [q for q in questions if q.unanswerable]
    ans = [q for q in questions if not q.unanswerable]
    answered = [q for q in ans if answers[q.id].found and answers[q.id].citations]
    first = sum(holds(q.evidence, answers[q.id].citations[0].quote) for q in answered)
    cited = sum(len(answers[q.id].citations) for q in answered)
    idle = sum(not holds(q.evidence, c.quote) for q in answered for c in answers[q.id].citations)
    multi = [q for q in answered if q.all_places]
    complete = sum(set(q.all_places) <= {fold(c.place) for c in answers[q.id].citations} for q in multi)
    return {"answerable": len(ans), "refused_answerable": sum(not answers[q.id].found for q in ans),
            "unanswerable": len(una), "refused_unanswerable": sum(not answers[q.id].found for q in una),
            "answered": len(answered), "first_clause": first, "citations": cited, "idle_citations": idle,
            "multi_place": len(multi), "all_places_listed": complete}


def compare_metrics(questions: list[CompareQuestion], answers: dict[str, Answer],
                    text_of: Callable[[str], str]) -> dict[str, float]:
    """Top row right, every ``must`` row present with its number, enough rows, and quotes equal to the source."""
    top_ok = must_ok = rows_ok = exact = total_rows = 0
    with_top = [q for q in questions if q.top]
    for q in questions:
        table = answers[q.id].table
        if q.top and table and (fold(table[0].place) == fold(q.top) or str(table[0].year) == q.top):
            top_ok += 1
        by_key: dict[str, TableRow] = {}
        for r in table:
            by_key.setdefault(fold(r.place), r)
            by_key.setdefault(str(r.year), r)
        must_ok += all(_row_holds(by_key.get(fold(k)) or by_key.get(k), v) for k, v in q.must.items())
        rows_ok += len(table) >= q.min_rows
        for r in table:
            total_rows += 1
            exact += squeeze(text_of(r.source)[r.start : r.end]) == squeeze(r.quote)
    return {"n": len(questions), "top_right": top_ok, "with_top": len(with_top), "must_present": must_ok,
            "enough_rows": rows_ok, "rows": total_rows, "rows_exact": exact}


def _row_holds(row: TableRow | None, number: str) -> bool:
    """Whether a table row states ``number`` (as written, script folded) in its figure or its quote."""
    want = squeeze(fold(number))
    return row is not None and (want in squeeze(fold(row.value_text + row.unit)) or want in squeeze(fold(row.quote)))


def place_accuracy(tsv: Path, docs: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """How many documents of a ``file``/``place`` TSV got the right place (script folded); and the wrong ones."""
    got = {Path(d["source"]).name: d["place"] for d in docs}
    right, total, wrong = 0, 0, []
    with tsv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            total += 1
            mine = got.get(row["file"])
            if mine is not None and fold(mine) == fold(row["place"]):
                right += 1
            else:
                wrong.append(f"{row['file']}: {mine} (expected {row['place']})")
    return right, total, wrong


def format_table(results: list[EvalResult]) -> str:
    head = f"{'config':<10} {'lang':<4} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7} {'nDCG@10':>8} {'p50 ms':>7}"
    rows = [head, "-" * len(head)]
    for r in results:
        for lang, m in [("all", r.overall), *r.by_lang.items()]:
            if not m:
                continue
            rows.append(f"{r.name:<10} {lang:<4} {int(m['n']):>3} {m['hit@1']:>6.3f} {m['hit@5']:>6.3f} "
                        f"{m['mrr@10']:>7.3f} {m['ndcg@10']:>8.3f} {r.latency_ms.get('p50', 0):>7.1f}")
        a = r.answers
        if a:
            rows.append(f"{'':<10} answers: refused {a['refused_unanswerable']}/{a['unanswerable']} unanswerable, "
                        f"{a['refused_answerable']}/{a['answerable']} answerable; answer in the first cited clause "
                        f"{a['first_clause']}/{a['answered']}; citations without evidence {a['idle_citations']}/"
                        f"{a['citations']}" + (f"; all places listed {a['all_places_listed']}/{a['multi_place']}"
                                               if a["multi_place"] else ""))
        if r.misses:
            rows.append(f"{'':<10} missed at 5: {', '.join(r.misses)}")
    return "\n".join(rows)
