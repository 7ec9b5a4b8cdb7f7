"""Load test: N concurrent gradio_client users x M questions against a real `cppcc-qa serve` on 127.0.0.1.

Bounded in count and time, loopback only. Prints errors, latency percentiles, throughput and the server's RSS
over the run (growth after warm-up shows a leak). Every answer's citations (and comparison-table rows) are
checked against the source text as indexed: the quote must be the source's words at [start, end).

    python benchmarks/load_test.py [--clients 20] [--questions 25] [--deadline 600] [--index DIR] [--corpus DIR]

Questions come from eval/dev.jsonl and eval/extra.jsonl. The index defaults to a scratch index of the shipped
corpus (built on first use, never the repository's index/); the server runs with the CPPCC_QA_* variables unset.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any

from bench_common import (
    CORPUS,
    INDEX,
    ROOT,
    SCRATCH,
    clean_env,
    config,
    ensure_index,
    free_port,
    machine,
    p50,
    pct,
    rss_mb,
)


def source_texts(index: Any) -> dict[str, str]:
    """Every source's text as the index stores it (the text citation offsets point into)."""
    return {s: index.text(s) for s in index.manifest.sources}


def bad_spans(result: dict[str, Any], raw: dict[str, str]) -> list[str]:
    """Citations and table rows whose quote is not the source's words at their offsets (whitespace aside)."""
    from cppcc_qa.textnorm import squeeze

    out = []
    for c in list(result.get("citations") or []) + list(result.get("table") or []):
        text = raw.get(c.get("source", ""))
        if text is None or squeeze(text[c["start"] : c["end"]]) != squeeze(c["quote"]):
            out.append(f"{c.get('source')}:{c.get('start')}-{c.get('end')} {c.get('quote', '')[:40]!r}")
    return out


def wait_until_serving(server: subprocess.Popen[str], url: str, limit: float) -> bool:
    t0 = time.time()
    while time.time() - t0 < limit:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def stop(server: subprocess.Popen[str]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # the server's own clean stop (Ctrl+C)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--questions", type=int, default=25, help="questions per client")
    ap.add_argument("--deadline", type=float, default=600, help="seconds of load before the run stops itself")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--index", default=str(INDEX))
    args = ap.parse_args()

    from gradio_client import Client

    questions = [json.loads(x)["q"] for f in ("dev.jsonl", "extra.jsonl")
                 for x in (ROOT / "eval" / f).read_text(encoding="utf-8").splitlines() if x.strip()]
    cfg = config(args.corpus, args.index)
    raw = source_texts(ensure_index(cfg))  # built here, so the server's start is not a first build
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    server_log = SCRATCH / f"load-test-server-{port}.log"  # the server's stderr: tracebacks of failed requests
    with server_log.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "cppcc_qa.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--corpus", str(cfg.corpus), "--index", str(cfg.index), "--data", str(cfg.data)],
            stdout=subprocess.DEVNULL, stderr=log, env=clean_env(), text=True)
    try:
        t0 = time.perf_counter()
        if not wait_until_serving(server, url, 300):
            print("server did not start")
            return 1
        print(f"# {machine()}")
        print(f"server up in {time.perf_counter() - t0:.1f}s ({len(raw)} source file(s), {len(questions)} questions)")
        lat: list[float] = []
        errors: list[str] = []
        bad: list[str] = []
        found = 0
        rss: list[tuple[float, float]] = []
        done = threading.Event()
        deadline = time.time() + args.deadline
        lock = threading.Lock()

        def sample() -> None:
            while not done.is_set():
                rss.append((time.time(), rss_mb(server.pid)))
                done.wait(1.0)

        def user(n: int) -> None:
            nonlocal found
            try:
                client = Client(url, verbose=False)
            except Exception as err:  # a client that cannot connect is an error of the run
                with lock:
                    errors.append(f"connect: {type(err).__name__}: {err}")
                return
            for i in range(args.questions):
                if time.time() > deadline:
                    return
                q = questions[(n * args.questions + i) % len(questions)]
                t = time.perf_counter()
                try:
                    r = client.predict(q, [], [], api_name="/ask")
                except Exception as err:  # the figure we report: any failure counts
                    with lock:
                        errors.append(f"{q!r}: {type(err).__name__}: {str(err)[:160]}")
                    continue
                dt = (time.perf_counter() - t) * 1000
                wrong = bad_spans(r, raw)
                with lock:
                    lat.append(dt)
                    if "error" in r:
                        errors.append(f"{q!r}: answer error: {r['error']}")
                    found += bool(r.get("found"))
                    if wrong or (r.get("found") and not r.get("citations") and not r.get("table")):
                        bad.append(f"{q}: {wrong or 'found, but no citation'}")

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.time()
        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, deadline + 120 - time.time()))
        wall = time.time() - start
        done.set()
        sampler.join()
        stuck = sum(t.is_alive() for t in threads)
        n = len(lat)
        warm = [m for t, m in rss if t - start > wall * 0.1] or [m for _, m in rss]
        print(f"clients {args.clients} x questions {args.questions}: {n} answered ({found} found), "
              f"{len(errors)} errors, {len(bad)} answers with a citation not matching the source"
              + (f", {stuck} clients still waiting at the deadline" if stuck else "")
              + (" (stopped at the deadline)" if time.time() > deadline else ""))
        if n:
            print(f"latency ms: p50 {p50(lat):.0f}  p95 {pct(lat, 0.95):.0f}  max {max(lat):.0f}"
                  f"  | throughput {n / wall:.2f} answers/s over {wall:.0f} s")
        if rss:
            print(f"server RSS MB: start {rss[0][1]:.0f}  after warm-up {warm[0]:.0f}  end {warm[-1]:.0f}  "
                  f"max {max(m for _, m in rss):.0f}  growth after warm-up {warm[-1] - warm[0]:+.0f}")
        for e in errors[:5]:
            print("error:", e)
        for b in bad[:5]:
            print("bad citation:", b)
        if errors:
            lines = [x for x in server_log.read_text(errors="replace").splitlines() if x.strip()]
            # the exception line ends a traceback: the first line after "Traceback" that is not indented
            ends = [i for i, x in enumerate(lines) if i and not x.startswith((" ", "Traceback"))
                    and any(y.startswith("Traceback") for y in lines[:i])]
            print(f"server stderr ({server_log}), end of the first traceback:")
            print("\n".join("    " + x for x in lines[max(0, ends[0] - 7) : ends[0] + 1]) if ends else "    (none)")
        return 0 if not errors and not bad and not stuck else 1
    finally:
        stop(server)


if __name__ == "__main__":
    sys.exit(main())
