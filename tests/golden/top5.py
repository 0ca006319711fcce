#!/usr/bin/env python3
"""Compares `plumbline search --json --limit 5` on the bundled corpus with the
hand-reviewed golden top-5 lists in tests/golden/top5.txt (TAP, one case per
query).

usage: top5.py PLUMBLINE [GOLDEN]          check
       top5.py PLUMBLINE [GOLDEN] --print  print the current top 5 of each
                                           query for review (never rewrites)
"""
import json
import os
import subprocess
import sys
import tempfile


def read_golden(path):
    blocks, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("query: "):
                cur = {"query": line[7:], "why": "", "ids": [], "line": n}
                blocks.append(cur)
            elif cur is None:
                raise SystemExit(f"{path}:{n}: expected 'query: '")
            elif line.startswith("why: "):
                cur["why"] = line[5:]
            elif line.startswith("  ") and len(line.split()) == 1:
                cur["ids"].append(line.strip())
            else:
                raise SystemExit(f"{path}:{n}: unexpected line")
    for b in blocks:
        if not b["why"] or not 1 <= len(b["ids"]) <= 5:
            raise SystemExit(f"{path}:{b['line']}: a block needs a why: line and 1-5 ids")
    return blocks


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    exe = argv[1]
    rest = argv[2:]
    printing = "--print" in rest
    rest = [a for a in rest if a != "--print"]
    golden = rest[0] if rest else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "top5.txt")
    blocks = read_golden(golden)
    with tempfile.TemporaryDirectory(prefix="plumbline-top5-") as tmp:
        db = os.path.join(tmp, "db")
        r = subprocess.run([exe, "index", "--db", db, "--quiet"], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            print(f"1..1\nnot ok 1 - index the bundled corpus\n# {r.stderr.strip()}")
            return 1
        if not printing:
            print(f"1..{len(blocks)}")
        failed = 0
        for i, b in enumerate(blocks, 1):
            r = subprocess.run([exe, "search", "--db", db, "--json", "--limit", "5", "--",
                                b["query"]], capture_output=True, text=True, timeout=60)
            got = ([h["id"] for h in json.loads(r.stdout)["hits"]]
                   if r.returncode == 0 else [f"(exit {r.returncode}: {r.stderr.strip()})"])
            if printing:
                print(f"query: {b['query']}")
                for g in got:
                    print(f"  {g}")
                print()
                continue
            ok = got == b["ids"]
            failed += not ok
            print(f"{'ok' if ok else 'not ok'} {i} - top 5 of {b['query']}")
            if not ok:
                for rank in range(max(len(got), len(b["ids"]))):
                    want = b["ids"][rank] if rank < len(b["ids"]) else "-"
                    have = got[rank] if rank < len(got) else "-"
                    mark = "  " if want == have else "!="
                    print(f"#  {rank + 1} {mark} expected {want}  got {have}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
