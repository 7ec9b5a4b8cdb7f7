#!/usr/bin/env python3
"""Check the QA evaluation sets in this folder against the documents.

Files checked: tune.jsonl, heldout.jsonl, heldout2.jsonl, heldout3.jsonl,
heldout4.jsonl, heldout5.jsonl, heldout6.jsonl, heldout7.jsonl,
heldout8.jsonl, heldout9.jsonl, heldout10.jsonl, heldout11.jsonl,
heldout12.jsonl, heldout13.jsonl, heldout14.jsonl (single questions) and
compare-tune.jsonl, compare-heldout.jsonl, compare-heldout2.jsonl,
compare-heldout3.jsonl, compare-heldout4.jsonl, compare-heldout5.jsonl,
compare-heldout6.jsonl, compare-heldout7.jsonl, compare-heldout8.jsonl,
compare-heldout9.jsonl, compare-heldout10.jsonl, compare-heldout11.jsonl,
compare-heldout12.jsonl (comparison questions).
heldout2.jsonl to heldout14.jsonl and compare-heldout2.jsonl to
compare-heldout12.jsonl are further held-out sets written blind; they get
every per-question check but are not counted in the coverage and split totals
of tune + heldout. heldout5.jsonl, heldout6.jsonl, heldout7.jsonl,
heldout8.jsonl, heldout9.jsonl, heldout10.jsonl, heldout11.jsonl,
heldout12.jsonl, heldout13.jsonl and heldout14.jsonl have their own minimums
(BLIND_MIN).

Documents:
  --real-dev DIR  (or env QA_REAL_DEV): folder holding corpus/, sources.tsv,
                  long/corpus/ and long/sources.tsv.
                  Default: <repo root>/../shared/eval/real-dev
  --shipped DIR   (or env QA_SHIPPED_CORPUS): folder with the shipped page.
                  Default: <repo root>/corpus
The repo root is two levels above this file.

Checks: schema fields and values; every evidence string is 4-20 characters,
has no whitespace and none of 。！？； (nor ASCII ;!?), occurs (whitespace
removed on both sides) in its file within one line, and in no other file of
the three corpora; the place matches sources.tsv (real), long/sources.tsv
(long) or the shipped item that holds the evidence; for which-questions with
several places, evidence i lies in the item of places[i]; ids are unique
across all files; no question text is repeated across the single-question
files; no question text contains 12 or more consecutive characters of any
document; comparison "must" numbers occur in the text of
their place or year; coverage and split constraints. Standard library only.
Exit status 0 only when every check passes.
"""
import argparse
import collections
import csv
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WS = re.compile(r"\s+")
CJK = re.compile(r"[\u4e00-\u9fff]")
STOP = set("。！？；;!?")
RUN = 12
SHIPPED_PLACES = ["奎文区", "潍城区", "坊子区", "青州市", "寒亭区", "诸城市",
                  "安丘市", "高密市", "昌邑市", "临朐县", "昌乐县"]
# Minimums for a blind file: answerable questions per real excerpt and per long
# report, and which-questions with several places on the shipped page.
BLIND_MIN = {"heldout5.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout6.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout7.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout8.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout9.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout10.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout11.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout12.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout13.jsonl": {"real": 1, "long": 4, "which_places": 6},
             "heldout14.jsonl": {"real": 1, "long": 4, "which_places": 11}}
KINDS = {"fact", "number", "which", "who", "when", "section", "unanswerable"}
CORPORA = ("shipped", "real", "long")
SINGLE_KEYS = ("id", "lang", "q", "corpus", "file", "place", "evidence", "kind", "unanswerable")
COMPARE_KEYS = ("id", "lang", "q", "corpus", "top", "must", "min_rows", "note")
# Common traditional-only characters; Chinese questions must be simplified.
TRAD = set("區縣會議報記員際經濟與為時們個來對發開過還這國學門書長號協關聯盧陽陳")

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def squash(s):
    return WS.sub("", s)


def read_tsv(path):
    with open(path, encoding="utf-8") as fh:
        return {r["file"]: r for r in csv.DictReader(fh, delimiter="\t")}


def load_dir(path):
    out = {}
    for f in sorted(os.listdir(path)):
        if f.endswith(".txt"):
            with open(os.path.join(path, f), encoding="utf-8") as fh:
                out[f] = fh.read()
    return out


def shipped_items(raw):
    """Split the shipped page into {place: squashed item text}."""
    items = collections.OrderedDict()
    cur = None
    for line in raw.splitlines():
        s = line.strip()
        for p in SHIPPED_PLACES:
            if p != cur and (s.startswith(p + "：") or s.startswith(p + "政协")):
                cur = p
                items[p] = []
                break
        if cur:
            items[cur].append(squash(line))
    return {p: "\n".join(ls) for p, ls in items.items()}


def load_jsonl(path):
    rows = []
    if not os.path.exists(path):
        err(os.path.basename(path), "file missing")
        return rows
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{os.path.basename(path)}:{n}", f"bad JSON: {e}")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real-dev", default=os.environ.get(
        "QA_REAL_DEV", os.path.join(REPO, "..", "shared", "eval", "real-dev")))
    ap.add_argument("--shipped", default=os.environ.get(
        "QA_SHIPPED_CORPUS", os.path.join(REPO, "corpus")))
    ap.add_argument("--qa", default=HERE, help="folder with the jsonl files")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    rd = os.path.normpath(a.real_dev)
    raw = {}
    corpus_of = {}
    for name, path in (("shipped", a.shipped), ("real", os.path.join(rd, "corpus")),
                       ("long", os.path.join(rd, "long", "corpus"))):
        if not os.path.isdir(path):
            print(f"FAIL documents folder not found: {path}")
            return 2
        for f, t in load_dir(path).items():
            if f in raw:
                err(f, "file name occurs in two corpora")
            raw[f] = t
            corpus_of[f] = name
    flat = {f: squash(t) for f, t in raw.items()}
    lines = {f: [squash(x) for x in t.splitlines()] for f, t in raw.items()}
    real_src = read_tsv(os.path.join(rd, "sources.tsv"))
    long_src = read_tsv(os.path.join(rd, "long", "sources.tsv"))
    shipped_files = [f for f, c in corpus_of.items() if c == "shipped"]
    items = {}
    for f in shipped_files:
        items[f] = shipped_items(raw[f])
        missing = [p for p in SHIPPED_PLACES if p not in items[f]]
        if missing:
            err(f, f"shipped items not found: {missing}")

    # every run of RUN characters in any document, for the copy check
    grams = set()
    for t in list(flat.values()) + [t for t in raw.values()]:
        for i in range(len(t) - RUN + 1):
            grams.add(t[i:i + RUN])

    def copied(q):
        hits = []
        for s in {q, squash(q)}:
            for i in range(len(s) - RUN + 1):
                if s[i:i + RUN] in grams:
                    hits.append(s[i:i + RUN])
        return hits

    def expected_place(f):
        if corpus_of.get(f) == "real":
            return real_src.get(f, {}).get("place")
        if corpus_of.get(f) == "long":
            return long_src.get(f, {}).get("place")
        return None

    def check_text(qid, d):
        q = d.get("q")
        if not isinstance(q, str) or not q.strip():
            err(qid, "empty question")
            return
        if d.get("lang") not in ("zh", "en"):
            err(qid, f"bad lang {d.get('lang')!r}")
        elif d["lang"] == "zh" and not CJK.search(q):
            err(qid, "lang zh but no Chinese characters")
        elif d["lang"] == "en" and CJK.search(q):
            err(qid, "lang en but contains Chinese characters")
        if d.get("lang") == "zh":
            trad = sorted({c for c in q if c in TRAD})
            if trad:
                err(qid, f"traditional characters in a Chinese question: {''.join(trad)}")
        for g in copied(q)[:1]:
            err(qid, f"question copies {RUN}+ characters of a document: {g!r}")

    ids = collections.Counter()

    # ---------- single questions ----------
    single = {}
    seen_q = {}
    for name in ("tune.jsonl", "heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl",
                 "heldout4.jsonl", "heldout5.jsonl", "heldout6.jsonl", "heldout7.jsonl",
                 "heldout8.jsonl", "heldout9.jsonl", "heldout10.jsonl", "heldout11.jsonl",
                 "heldout12.jsonl", "heldout13.jsonl", "heldout14.jsonl"):
        rows = load_jsonl(os.path.join(a.qa, name))
        single[name] = rows
        for n, d in enumerate(rows, 1):
            qid = d.get("id", f"{name}:{n}")
            ids[qid] += 1
            for k in SINGLE_KEYS:
                if k not in d:
                    err(qid, f"missing field {k}")
            extra = set(d) - set(SINGLE_KEYS) - {"places"}
            if extra:
                err(qid, f"unknown fields {sorted(extra)}")
            if any(k not in d for k in SINGLE_KEYS):
                continue
            qkey = squash(str(d["q"])).lower()
            if qkey in seen_q:
                err(qid, f"same question text as {seen_q[qkey]}")
            else:
                seen_q[qkey] = qid
            check_text(qid, d)
            kind, corpus, f, ev = d["kind"], d["corpus"], d["file"], d["evidence"]
            if kind not in KINDS:
                err(qid, f"bad kind {kind!r}")
            if corpus not in CORPORA:
                err(qid, f"bad corpus {corpus!r}")
            if not isinstance(d["unanswerable"], bool):
                err(qid, "unanswerable must be true/false")
            if not isinstance(ev, list):
                err(qid, "evidence must be a list")
                continue
            if d["unanswerable"] or kind == "unanswerable":
                if not (d["unanswerable"] is True and kind == "unanswerable"):
                    err(qid, "kind unanswerable <=> unanswerable true")
                if f is not None or d["place"] is not None or ev or "places" in d:
                    err(qid, "unanswerable needs file null, place null, evidence [], no places")
                continue
            if f not in corpus_of:
                err(qid, f"unknown file {f!r}")
                continue
            if corpus_of[f] != corpus:
                err(qid, f"file {f} is in corpus {corpus_of[f]}, not {corpus}")
            if not ev:
                err(qid, "no evidence")
            if kind == "section" and corpus != "long":
                err(qid, "section questions are for the long reports")
            for e in ev:
                if not isinstance(e, str):
                    err(qid, f"evidence not a string: {e!r}")
                    continue
                if WS.search(e):
                    err(qid, f"evidence has whitespace: {e!r}")
                se = squash(e)
                if not 4 <= len(se) <= 20:
                    err(qid, f"evidence length {len(se)} (4-20): {e!r}")
                if STOP & set(se):
                    err(qid, f"evidence crosses a clause boundary: {e!r}")
                if se not in flat[f]:
                    err(qid, f"evidence not in {f}: {e!r}")
                elif not any(se in ln for ln in lines[f]):
                    err(qid, f"evidence crosses a line break in {f}: {e!r}")
                others = [o for o, t in flat.items() if o != f and se in t]
                if others:
                    err(qid, f"evidence {e!r} also in {others}")
            places = d.get("places")
            if places is not None:
                if kind != "which":
                    err(qid, "places only for which-questions")
                if not (isinstance(places, list) and len(places) >= 2 and len(set(places)) == len(places)):
                    err(qid, "places must list at least two distinct places")
                    continue
                if len(places) != len(ev):
                    err(qid, "evidence must have one string per place, same order")
                if d["place"] is not None:
                    err(qid, "place must be null when places is given")
            if corpus_of[f] == "shipped":
                its = items.get(f, {})
                if places is not None:
                    for p, e in zip(places, ev, strict=False):
                        if p not in its:
                            err(qid, f"unknown shipped place {p!r}")
                        elif squash(e) not in its[p]:
                            err(qid, f"evidence {e!r} is not in the {p} item")
                else:
                    if d["place"] not in its:
                        err(qid, f"place {d['place']!r} is not a shipped item")
                    else:
                        for e in ev:
                            if squash(e) not in its[d["place"]]:
                                err(qid, f"evidence {e!r} is not in the {d['place']} item")
            else:
                if places is not None:
                    err(qid, "places only for the shipped page")
                if d["place"] != expected_place(f):
                    err(qid, f"place {d['place']!r} != sources {expected_place(f)!r}")

    # ---------- comparison questions ----------
    def texts_for(corpus, key):
        if corpus == "shipped":
            return [it[key] for it in items.values() if key in it]
        if corpus == "real":
            return [flat[f] for f, r in real_src.items() if r["place"] == key and f in flat]
        out = []
        for f, r in long_src.items():
            if f in flat and (r["year"] == key or (r["place"] == key and r["place"] != "全国")):
                out.append(flat[f])
        return out

    compare = {}
    for name in ("compare-tune.jsonl", "compare-heldout.jsonl", "compare-heldout2.jsonl",
                 "compare-heldout3.jsonl", "compare-heldout4.jsonl", "compare-heldout5.jsonl",
                 "compare-heldout6.jsonl", "compare-heldout7.jsonl", "compare-heldout8.jsonl",
                 "compare-heldout9.jsonl", "compare-heldout10.jsonl", "compare-heldout11.jsonl",
                 "compare-heldout12.jsonl"):
        rows = load_jsonl(os.path.join(a.qa, name))
        compare[name] = rows
        for n, d in enumerate(rows, 1):
            qid = d.get("id", f"{name}:{n}")
            ids[qid] += 1
            missing = [k for k in COMPARE_KEYS if k not in d]
            if missing:
                err(qid, f"missing fields {missing}")
                continue
            extra = set(d) - set(COMPARE_KEYS)
            if extra:
                err(qid, f"unknown fields {sorted(extra)}")
            check_text(qid, d)
            if d["corpus"] not in CORPORA:
                err(qid, f"bad corpus {d['corpus']!r}")
                continue
            must = d["must"]
            if not isinstance(must, dict) or not must:
                err(qid, "must must be a non-empty object")
                continue
            if not isinstance(d["min_rows"], int) or d["min_rows"] < max(2, len(must)):
                err(qid, "min_rows must be an int >= 2 and >= len(must)")
            if d["top"] is not None and d["top"] not in must:
                err(qid, f"top {d['top']!r} not among must keys")
            if not isinstance(d["note"], str) or not d["note"].strip():
                err(qid, "empty note")
            for key, val in must.items():
                ts = texts_for(d["corpus"], key)
                if not ts:
                    err(qid, f"must key {key!r} is no place/year of corpus {d['corpus']}")
                elif not any(squash(str(val)) in t for t in ts):
                    err(qid, f"must value {val!r} not in the text of {key}")

    for qid, c in ids.items():
        if c > 1:
            err(qid, f"id used {c} times across the files")

    # ---------- coverage and split ----------
    allq = single.get("tune.jsonl", []) + single.get("heldout.jsonl", [])
    ans = [d for d in allq if not d.get("unanswerable")]
    per_corpus = collections.Counter(d.get("corpus") for d in ans)
    per_file = collections.Counter(d.get("file") for d in ans)
    if len(allq) < 150:
        err("coverage", f"only {len(allq)} single questions (>=150)")
    for c, lo in (("shipped", 50), ("real", 60), ("long", 35)):
        if per_corpus[c] < lo:
            err("coverage", f"{per_corpus[c]} answerable {c} questions (>={lo})")
    for f, c in corpus_of.items():
        lo = {"real": 3, "long": 6}.get(c)
        if lo and per_file[f] < lo:
            err("coverage", f"{f}: {per_file[f]} questions (>={lo})")
    for name, mins in BLIND_MIN.items():
        rows = [d for d in single.get(name, []) if not d.get("unanswerable")]
        pf = collections.Counter(d.get("file") for d in rows)
        for f, c in corpus_of.items():
            lo = mins.get(c)
            if lo and pf[f] < lo:
                err(name, f"{f}: {pf[f]} answerable questions (>={lo})")
        multi = sum(1 for d in rows if d.get("corpus") == "shipped" and d.get("places"))
        if multi < mins["which_places"]:
            err(name, f"{multi} shipped which-questions with places (>={mins['which_places']})")
    cq = compare.get("compare-tune.jsonl", []) + compare.get("compare-heldout.jsonl", [])
    if len(cq) < 24:
        err("coverage", f"only {len(cq)} comparison questions (>=24)")
    for name, rows in single.items():
        for field, want in (("corpus", set(CORPORA)), ("lang", {"zh", "en"}), ("kind", KINDS)):
            have = {d.get(field) for d in rows}
            if want - have:
                err(name, f"split lacks {field} {sorted(want - have)}")
    for name, rows in compare.items():
        for field, want in (("corpus", set(CORPORA)), ("lang", {"zh", "en"})):
            have = {d.get(field) for d in rows}
            if want - have:
                err(name, f"split lacks {field} {sorted(want - have)}")

    for name, rows in list(single.items()) + list(compare.items()):
        c = collections.Counter
        line = (f"{name}: {len(rows)} | corpus {dict(sorted(c(d.get('corpus') for d in rows).items()))}"
                f" | lang {dict(sorted(c(d.get('lang') for d in rows).items()))}")
        if not name.startswith("compare"):
            line += f" | kind {dict(sorted(c(d.get('kind') for d in rows).items()))}"
        print(line)
    for e in errors:
        print("FAIL", e)
    print(f"documents={len(raw)} single={len(allq)} compare={len(cq)} problems={len(errors)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
