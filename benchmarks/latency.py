"""Warm query latency on the shipped corpus: retrieve() and answer() against the floor (query embedding alone).

Run: python benchmarks/latency.py [--n 48] [--index DIR] [--corpus DIR]. Prints medians and p95 in ms, and
ratios to the floor measured in this one run. The index defaults to a scratch index of the shipped corpus
(built on first use, never the repository's index/).

"Warm" is a warm process: the library caches each question's embedding, so the main rows empty that cache before
every call (what a question never asked before costs); the "repeated" rows keep it (the same question again, or
the answer pass after a comparison pass).
"""

from __future__ import annotations

import argparse
import sys

from bench_common import CORPUS, INDEX, config, ensure_index, forget_query_vectors, machine, p50, pct, timed_ms

QUESTIONS = [
    "哪个区建立了知情明政工作站？", "which district built a knowledge station", "郑委员超市有什么功能？",
    "How many companies in Fangzi completed technology transfer loan filings?", "高密市的两大行动是什么？",
    "昌邑市推出了哪些地域文化著作？", "What did Zhucheng do for the tea industry?", "临朐县约谈了多少名委员？",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=48, help="timed calls per step")
    ap.add_argument("--index", default=str(INDEX))
    ap.add_argument("--corpus", default=str(CORPUS))
    args = ap.parse_args()
    from cppcc_qa.compose import answer
    from cppcc_qa.search import retrieve

    cfg = config(args.corpus, args.index)
    index = ensure_index(cfg)
    if index.embedder is None:
        print("the index has no embedder (built with --model bm25): no floor to compare with", file=sys.stderr)
        return 1
    for q in QUESTIONS:  # warm up: lazy imports, tokenizer dictionaries, caches
        answer(q, index=index, config=cfg)
    cached = forget_query_vectors()

    def fresh(fn):  # type: ignore[no-untyped-def]
        def run(q: str) -> object:
            forget_query_vectors()
            return fn(q)

        return run

    rows = {
        "embed query (floor)": timed_ms(lambda q: index.embedder.embed_queries([q]), QUESTIONS, args.n),
        "retrieve k=5": timed_ms(fresh(lambda q: retrieve(q, k=5, index=index, config=cfg)), QUESTIONS, args.n),
        "answer k=5": timed_ms(fresh(lambda q: answer(q, index=index, config=cfg)), QUESTIONS, args.n),
    }
    if cached:  # the question's embedding cached by the library
        rows["retrieve k=5 repeated"] = timed_ms(lambda q: retrieve(q, k=5, index=index, config=cfg), QUESTIONS, args.n)
        rows["answer k=5 repeated"] = timed_ms(lambda q: answer(q, index=index, config=cfg), QUESTIONS, args.n)
    floor = p50(rows["embed query (floor)"])
    print(f"# {machine()}")
    print(f"{'step':<22} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8}   "
          f"({len(index.chunks)} chunks, {index.manifest.embedder}, n={args.n})")
    for name, xs in rows.items():
        print(f"{name:<22} {p50(xs):>8.1f} {pct(xs, 0.95):>8.1f} {p50(xs) / floor:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
