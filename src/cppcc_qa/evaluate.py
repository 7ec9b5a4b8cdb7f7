"""Evaluation harness: hit@1, hit@5, MRR@10, nDCG@10 (via ranx), abstention and latency, per language."""

from __future__ import annotations

import json
import statistics
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .textspan import squeeze


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    q: str
    districts: tuple[str, ...]
    evidence: tuple[str, ...]
    unanswerable: bool = False


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL eval file (fields: id, lang, q, districts, evidence, optional unanswerable)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"Cannot read eval file {path}: {err.strerror}.", "Give a JSONL file path.") from err
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Question(str(d["id"]), str(d.get("lang", "zh")), str(d["q"]), tuple(d.get("districts", [])),
                                tuple(d.get("evidence", [])), bool(d.get("unanswerable", False))))
        except (ValueError, KeyError, TypeError) as err:
            raise InputError(f"{path}:{n} is not a valid eval row ({err}).",
                             "Each line needs JSON with id, q, districts, evidence.") from err
    if not out:
        raise InputError(f"{path} holds no questions.", "Add JSONL rows with id, q, districts, evidence.")
    return out


def is_hit(q: Question, district: str, text: str) -> bool:
    """A passage answers ``q`` when it is from one of its districts and contains an evidence string."""
    body = squeeze(text)
    return district in q.districts and any(squeeze(e) in body for e in q.evidence)


def score_runs(questions: list[Question], results: dict[str, list[tuple[str, str]]]) -> dict[str, float]:
    """Metrics over answerable questions; ``results[qid]`` is a ranked list of (district, text)."""
    from ranx import Qrels, Run, evaluate

    answerable = [q for q in questions if not q.unanswerable]
    if not answerable:
        return {}
    # Each returned passage is a document "<rank>"; the hits among them are the relevant ones. A question
    # with no hit gets a relevant placeholder that was never returned, so it scores 0.
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for q in answerable:
        ranked = results.get(q.id, [])[:10]
        run[q.id] = {"__none__": 0.0} | {str(rank): 1.0 / rank for rank in range(1, len(ranked) + 1)}
        hits = {str(rank): 1 for rank, (district, text) in enumerate(ranked, 1) if is_hit(q, district, text)}
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
    abstention: dict[str, float]
    latency_ms: dict[str, float]


def run_eval(questions: list[Question], search, answer_fn=None, name: str = "hybrid+", k: int = 10) -> EvalResult:
    """Run ``search(q, k) -> passages`` on every question; ``answer_fn(q) -> found`` for abstention."""
    results: dict[str, list[tuple[str, str]]] = {}
    latencies = []
    for q in questions:
        t = time.perf_counter()
        passages = search(q.q, k)
        latencies.append((time.perf_counter() - t) * 1000)
        results[q.id] = [(p.district, p.text) for p in passages]
    overall = score_runs(questions, results)
    by_lang = {lang: score_runs([q for q in questions if q.lang == lang], results)
               for lang in sorted({q.lang for q in questions})}
    abstention: dict[str, float] = {}
    if answer_fn is not None:
        una = [q for q in questions if q.unanswerable]
        ans = [q for q in questions if not q.unanswerable]
        refused_una = sum(not answer_fn(q.q) for q in una)
        refused_ans = sum(not answer_fn(q.q) for q in ans)
        abstention = {"unanswerable": len(una), "refused_unanswerable": refused_una,
                      "answerable": len(ans), "refused_answerable": refused_ans}
    lat = sorted(latencies)
    latency = {"mean": statistics.fmean(lat), "p50": statistics.median(lat),
               "p95": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]}
    return EvalResult(name, overall, by_lang, abstention, latency)


def format_table(results: list[EvalResult]) -> str:
    """A plain-text table: one row per configuration and language."""
    head = f"{'config':<10} {'lang':<4} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7} {'nDCG@10':>8} {'p50 ms':>7} {'p95 ms':>7}"
    rows = [head, "-" * len(head)]
    for r in results:
        for lang, m in [("all", r.overall), *r.by_lang.items()]:
            if not m:
                continue
            rows.append(f"{r.name:<10} {lang:<4} {int(m['n']):>3} {m['hit@1']:>6.3f} {m['hit@5']:>6.3f} "
                        f"{m['mrr@10']:>7.3f} {m['ndcg@10']:>8.3f} {r.latency_ms['p50']:>7.1f} {r.latency_ms['p95']:>7.1f}")
        if r.abstention:
            a = r.abstention
            rows.append(f"{'':<10} abstention: refused {a['refused_unanswerable']}/{a['unanswerable']} unanswerable, "
                        f"{a['refused_answerable']}/{a['answerable']} answerable")
    return "\n".join(rows)
