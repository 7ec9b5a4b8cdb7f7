"""Load test: N concurrent gradio_client users x M questions against a real `cppcc-qa serve` on 127.0.0.1.

Bounded in count and time, loopback only. Prints errors, latency percentiles, throughput and the server's RSS
over the run (growth after warm-up shows a leak). Every answer's citations are checked against the source text.

    python benchmarks/load_test.py [--clients 20] [--questions 25] [--deadline 900]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--questions", type=int, default=25)
    ap.add_argument("--deadline", type=float, default=900, help="seconds before the run stops itself")
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--index", default=str(ROOT / "index"))
    args = ap.parse_args()

    from gradio_client import Client

    from cppcc_qa.textspan import squeeze

    questions = [json.loads(x)["q"] for f in ("dev.jsonl", "extra.jsonl")
                 for x in (ROOT / "eval" / f).read_text(encoding="utf-8").splitlines() if x.strip()]
    raw = {p.name: p.read_text(encoding="utf-8") for p in Path(args.corpus).glob("*.txt")}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cppcc_qa.cli", "serve", "--port", str(port), "--corpus", args.corpus,
                               "--index", args.index], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        t0 = time.time()
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.time() - t0 > 300 or server.poll() is not None:
                    print("server did not start")
                    return 1
                time.sleep(0.5)
        lat: list[float] = []
        errors: list[str] = []
        bad_citations = 0
        rss: list[tuple[float, float]] = []
        stop = threading.Event()
        deadline = time.time() + args.deadline
        lock = threading.Lock()

        def sample() -> None:
            while not stop.is_set():
                rss.append((time.time(), rss_mb(server.pid)))
                stop.wait(1.0)

        def user(n: int) -> None:
            nonlocal bad_citations
            client = Client(url, verbose=False)
            for i in range(args.questions):
                if time.time() > deadline:
                    return
                q = questions[(n * args.questions + i) % len(questions)]
                t = time.perf_counter()
                try:
                    r = client.predict(q, [], api_name="/ask")
                except Exception as err:  # the figure we report: any failure counts
                    with lock:
                        errors.append(f"{type(err).__name__}: {err}")
                    continue
                dt = (time.perf_counter() - t) * 1000
                ok = "error" not in r and all(
                    squeeze(raw[c["source"]][c["start"] : c["end"]]) == squeeze(c["quote"]) for c in r["citations"])
                with lock:
                    lat.append(dt)
                    if not ok or (r["found"] and not r["citations"]):
                        bad_citations += 1

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.time()
        threads = [threading.Thread(target=user, args=(n,)) for n in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - start
        stop.set()
        sampler.join()
        lat.sort()
        n = len(lat)
        warm = [m for t, m in rss if t - start > wall * 0.1] or [m for _, m in rss]
        print(f"clients {args.clients} x questions {args.questions}: {n} answered, {len(errors)} errors, "
              f"{bad_citations} answers with a citation not matching the source")
        if n:
            print(f"latency ms: p50 {statistics.median(lat):.0f}  p95 {lat[int(0.95 * (n - 1))]:.0f}  max {lat[-1]:.0f}"
                  f"  | throughput {n / wall:.1f} answers/s over {wall:.0f} s")
        print(f"server RSS MB: start {rss[0][1]:.0f}  after warm-up {warm[0]:.0f}  end {warm[-1]:.0f}  "
              f"max {max(m for _, m in rss):.0f}  growth after warm-up {warm[-1] - warm[0]:+.0f}")
        for e in errors[:5]:
            print("error:", e)
        return 0 if not errors and not bad_citations else 1
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
