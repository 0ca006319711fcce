#!/usr/bin/env python3
"""Ranking quality of `plumbline search` against tests/relevance/judgements.tsv.

usage: evaluate.py PLUMBLINE [options]

Indexes the bundled corpus in a temporary directory (or uses --db), runs every
judged query with `search --json --limit 10` and computes, per query and on
average: nDCG@10 (gain 2^grade - 1, log2 discount, ideal ranking from the
judged grades), P@5 (grade >= 1 counts as relevant) and average precision
(over the judged relevant records, cut at 10).  As a test it prints TAP and
fails when an average falls below the floors in FLOORS.

Other uses (docs/relevance.md):
  --mode and|or          run every query with --and, or with its plain words
                         joined by OR, instead of the default operator
  --xapian-queries FILE  write the queries as plain lowercase words (one per
                         line, the bench adapter's input) and exit
  --xapian-hits TSV      score the adapter's query output instead of plumbline
  --report               print the per-query table instead of TAP
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

# Measured on the bundled corpus with the defaults of pl_rank_default
# and analyzer version 4 (nDCG@10 0.9687, P@5 0.7209, MAP@10 0.8835;
# docs/relevance.md), minus 0.02: a ranking change that loses more than that
# on average fails the test.
FLOORS = {"ndcg10": 0.94, "p5": 0.69, "map10": 0.85}

HERE = os.path.dirname(os.path.abspath(__file__))


def read_judgements(path):
    """Returns [(query, {id: grade})] in file order."""
    queries, seen = [], {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[2] not in "0123" or len(parts[2]) != 1:
                raise SystemExit(f"{path}:{n}: expected query<TAB>id<TAB>grade 0-3")
            q, doc, g = parts
            if q not in seen:
                seen[q] = {}
                queries.append((q, seen[q]))
            if doc in seen[q]:
                raise SystemExit(f"{path}:{n}: {doc} judged twice for {q!r}")
            seen[q][doc] = int(g)
    return queries


def dcg(grades):
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def metrics(ranked, judged):
    """nDCG@10, P@5 and AP@10 of one ranked id list."""
    ranked = ranked[:10]
    gains = [judged.get(d, 0) for d in ranked]
    ideal = dcg(sorted(judged.values(), reverse=True)[:10])
    ndcg = dcg(gains) / ideal if ideal > 0 else 0.0
    p5 = sum(1 for g in gains[:5] if g >= 1) / 5.0
    n_rel = sum(1 for g in judged.values() if g >= 1)
    hits, ap = 0, 0.0
    for i, g in enumerate(gains):
        if g >= 1:
            hits += 1
            ap += hits / (i + 1)
    ap = ap / min(n_rel, 10) if n_rel else 0.0
    return ndcg, p5, ap


def plain_words(q):
    """The query as plain lowercase words: filters and field prefixes dropped,
    quotes kept (a phrase for both engines)."""
    q = re.sub(r"\b(year|kind|track):\S+", " ", q)
    q = re.sub(r"\b(title|body|speaker|lead):", " ", q)
    return " ".join(q.lower().split())


def or_query(q):
    """Plain words joined by OR (phrases and fields kept as they are)."""
    if '"' in q or ":" in q:
        return q
    words = q.split()
    return " OR ".join(words) if len(words) > 1 else q


def run_plumbline(exe, db, q, mode):
    args = [exe, "search", "--db", db, "--json", "--limit", "10"]
    if mode == "and":
        args.append("--and")
    if mode == "or":
        q = or_query(q)
    args += ["--", q]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return [h["id"] for h in json.loads(r.stdout)["hits"]], ""


def read_xapian(path, n):
    ranked = [[] for _ in range(n)]
    with open(path, encoding="utf-8") as f:
        for line in f:
            qno, rank, doc, _score = line.rstrip("\n").split("\t")
            ranked[int(qno) - 1].append((int(rank), doc))
    return [[d for _, d in sorted(r)] for r in ranked]


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    exe = argv[1]
    opts = {"--judgements": os.path.join(HERE, "judgements.tsv"), "--mode": "default"}
    flags = set()
    i = 2
    while i < len(argv):
        if argv[i] in ("--report",):
            flags.add(argv[i])
            i += 1
        elif i + 1 < len(argv):
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            raise SystemExit(f"evaluate.py: {argv[i]}: missing value")
    queries = read_judgements(opts["--judgements"])

    if "--xapian-queries" in opts:
        with open(opts["--xapian-queries"], "w", encoding="utf-8") as f:
            for q, _ in queries:
                f.write(plain_words(q) + "\n")
        return 0

    tmp = None
    results, errors = [], []
    if "--xapian-hits" in opts:
        results = read_xapian(opts["--xapian-hits"], len(queries))
    else:
        db = opts.get("--db")
        if db is None:
            tmp = tempfile.TemporaryDirectory(prefix="plumbline-relevance-")
            db = os.path.join(tmp.name, "db")
            r = subprocess.run([exe, "index", "--db", db, "--quiet"],
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                print("1..1\nnot ok 1 - index the bundled corpus")
                print("# " + r.stderr.strip().replace("\n", "\n# "))
                return 1
        for q, _ in queries:
            ids, err = run_plumbline(exe, db, q, opts["--mode"])
            if ids is None:
                errors.append(f"{q}: {err}")
                ids = []
            results.append(ids)

    rows = []
    for (q, judged), ranked in zip(queries, results):
        rows.append((q,) + metrics(ranked, judged))
    n = len(rows)
    avg = {
        "ndcg10": sum(r[1] for r in rows) / n,
        "p5": sum(r[2] for r in rows) / n,
        "map10": sum(r[3] for r in rows) / n,
    }

    if "--report" in flags:
        for q, nd, p5, ap in rows:
            print(f"{nd:.3f}  {p5:.2f}  {ap:.3f}  {q}")
        print(f"queries {n}  nDCG@10 {avg['ndcg10']:.4f}  P@5 {avg['p5']:.4f}"
              f"  MAP@10 {avg['map10']:.4f}")
        for e in errors:
            print("error: " + e)
        return 1 if errors else 0

    print("1..5")
    print(f"{'ok' if not errors else 'not ok'} 1 - all {n} judged queries run")
    for e in errors:
        print("# " + e)
    print(f"{'ok' if n >= 25 else 'not ok'} 2 - at least 25 judged queries ({n})")
    for no, key, label in ((3, "ndcg10", "mean nDCG@10"), (4, "p5", "mean P@5"),
                           (5, "map10", "MAP@10")):
        ok = avg[key] >= FLOORS[key]
        print(f"{'ok' if ok else 'not ok'} {no} - {label} {avg[key]:.4f} >= floor "
              f"{FLOORS[key]:.2f}")
    for q, nd, p5, ap in sorted(rows, key=lambda r: r[1])[:8]:
        print(f"# weakest: nDCG@10 {nd:.3f} P@5 {p5:.2f} {q}")
    failed = errors or n < 25 or any(avg[k] < FLOORS[k] for k in FLOORS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
