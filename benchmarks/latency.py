"""Warm query latency on the shipped corpus: retrieve() and answer() against the floor (query embedding alone).

Run: python benchmarks/latency.py [--n 50]. Prints medians and p95 in ms, and ratios measured in this one run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

QUESTIONS = [
    "哪个区建立了知情明政工作站？", "which district built a knowledge station", "郑委员超市有什么功能？",
    "How many companies in Fangzi completed technology transfer loan filings?", "高密市的两大行动是什么？",
    "昌邑市推出了哪些地域文化著作？", "What did Zhucheng do for the tea industry?", "临朐县约谈了多少名委员？",
]


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        q = QUESTIONS[i % len(QUESTIONS)]
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--index", default="index")
    ap.add_argument("--corpus", default="corpus")
    args = ap.parse_args()
    from cppcc_qa.answer import answer
    from cppcc_qa.retrieve import get_retriever

    r = get_retriever(Path(args.index), Path(args.corpus))
    for q in QUESTIONS:  # warm up
        answer(q, index=args.index, corpus=args.corpus)
    rows = {
        "embed query (floor)": timed(lambda q: r.embedder.embed_queries([q]), args.n),
        "retrieve k=5": timed(lambda q: r.search(q, k=5), args.n),
        "answer k=5": timed(lambda q: answer(q, index=args.index, corpus=args.corpus), args.n),
    }
    floor = statistics.median(rows["embed query (floor)"])
    print(f"{'step':<22} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8}   ({r.manifest['counts']['chunks']} chunks, n={args.n})")
    for name, xs in rows.items():
        xs = sorted(xs)
        p50, p95 = statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]
        print(f"{name:<22} {p50:>8.1f} {p95:>8.1f} {p50 / floor:>8.2f}")


if __name__ == "__main__":
    main()
