"""Times `cppcc-qa index` building a fresh index of a folder of long reports, progress bar shown.

    python benchmarks/index_long.py [CORPUS] [--index DIR] [--keep] [--no-pty]

CORPUS defaults to ../shared/eval/real-dev/long/corpus (relative to the repository root) when it exists, else the
shipped corpus. The index goes to a fresh scratch directory (removed at the end unless --keep or --index).

The CLI runs as a user runs it: its own process, `cppcc_qa.cli.main(["index", ...])`, under a pseudo-terminal
(`script -q -c`) so that stderr is a terminal and the embedding progress bar is drawn. The only addition is a
wrapper around `build.build_index` that saves the BuildReport (the per-phase seconds the CLI does not print).
Prints the wall time, chunks, texts embedded and reused, and the build phases.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import CORPUS, ROOT, SCRATCH, clean_env, machine

LONG = ROOT.parent / "shared" / "eval" / "real-dev" / "long" / "corpus"

CLI = r"""
import json, sys
import cppcc_qa.build as build
real = build.build_index
def keep_report(*args, **kw):
    report = real(*args, **kw)
    with open(sys.argv[1], "w") as fh:
        json.dump({"chunks": report.chunks, "articles": report.articles, "files": report.files,
                   "embedded": report.embedded, "reused": report.reused, "facts": report.facts,
                   "seconds": report.seconds, "unchanged": report.unchanged, "phases": report.phases,
                   "skipped": [[s.source, s.reason] for s in report.skipped]}, fh)
    return report
build.build_index = keep_report
from cppcc_qa.cli import main
sys.exit(main(sys.argv[2:]))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=LONG if LONG.is_dir() else CORPUS)
    ap.add_argument("--index", type=Path, help="where to build (must not hold an index; default: a scratch dir)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch index")
    ap.add_argument("--no-pty", action="store_true", help="run without a pseudo-terminal (no progress bar)")
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="index-long-", dir=SCRATCH))
    index = (args.index or work / "index").resolve()
    if (index / "manifest.json").exists():
        print(f"{index} already holds an index: give an empty --index for a fresh build", file=sys.stderr)
        return 2
    report_file = work / "report.json"
    cmd = [sys.executable, "-c", CLI, str(report_file), "index", "--corpus", str(corpus), "--index", str(index)]
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    print(f"# {machine()}")
    print(f"corpus {corpus}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1024:.0f} KB; "
          f"index {index}", flush=True)
    use_pty = not args.no_pty and shutil.which("script") is not None
    log = work / "typescript"
    try:
        t = time.perf_counter()
        if use_pty:  # the CLI's stderr is the pseudo-terminal: it draws the progress bar; the bar reaches our stdout
            # A pseudo-terminal made without a terminal around it is 0 columns wide, and tqdm draws nothing.
            cols, rows = shutil.get_terminal_size((100, 30))
            shell = f"stty cols {cols} rows {rows} 2>/dev/null; exec {shlex.join(cmd)}"
            proc = subprocess.run(["script", "-q", "-e", "-c", shell, str(log)], env=clean_env(), timeout=7200)
        else:
            proc = subprocess.run(cmd, env=clean_env(), timeout=7200)
        wall = time.perf_counter() - t
        if proc.returncode != 0 or not report_file.exists():
            print(f"cppcc-qa index failed (exit {proc.returncode})", file=sys.stderr)
            return 1
        rep = json.loads(report_file.read_text())
        size_mb = sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 2**20
    finally:
        if not args.keep and args.index is None:
            shutil.rmtree(work, ignore_errors=True)
    bar = "drawn (pseudo-terminal)" if use_pty else "off (no pseudo-terminal)"
    print(f"\n`cppcc-qa index` fresh: wall {wall:.1f}s (the CLI's own build time {rep['seconds']:.1f}s); "
          f"progress bar {bar}")
    print(f"{rep['files']} files -> {rep['articles']} articles -> {rep['chunks']} chunks, {rep['facts']} figures; "
          f"{rep['embedded']} texts embedded (chunks + glossary terms), {rep['reused']} reused; index {size_mb:.1f} MB")
    for source, reason in rep["skipped"]:
        print(f"skipped {source}: {reason}")
    print("\n| build phase | s | share |\n|---|---|---|")
    total = sum(rep["phases"].values()) or 1.0
    for name, s in sorted(rep["phases"].items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {s:.1f} | {100 * s / total:.0f}% |")
    embed_s = rep["phases"].get("embed", 0.0)
    if rep["embedded"] and embed_s:
        rate = rep["embedded"] / embed_s
        print(f"\nembedding: {rate:.2f} texts/s ({1000 / rate:.0f} ms a text)")
    other = wall - rep["seconds"]
    print(f"outside the build (interpreter, imports, CLI): {other:.1f}s")
    if rep.get("unchanged"):
        print("warning: the build found the index up to date: not a fresh build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
