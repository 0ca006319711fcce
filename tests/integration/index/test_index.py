#!/usr/bin/env python3
"""plumbline index / stats / check / dump as a user runs them (TAP).

Expected counts come from `plumbline export` (the parsers' view of the
bundled corpus), not from the index.  The kill test SIGKILLs a real
rebuild of a generated corpus and checks the previous index is whole."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXE = sys.argv[1]
n_test = 0
failed = 0


def ok(cond, name, detail=""):
    global n_test, failed
    n_test += 1
    if cond:
        print(f"ok {n_test} - {name}")
    else:
        failed += 1
        print(f"not ok {n_test} - {name}")
        for line in str(detail).splitlines()[:20]:
            print(f"# {line}")


def run(*args, env=None, timeout=120):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=e, timeout=timeout)


def stats(db):
    r = run("stats", "--db", db, "--json")
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


tmp = tempfile.mkdtemp(prefix="pl-index-test-")
try:
    db = os.path.join(tmp, "db")
    exp = run("export")
    records = [json.loads(l) for l in exp.stdout.splitlines() if l.strip()]
    ok(exp.returncode == 0 and len(records) > 0, "export of the bundled corpus", exp.stderr)
    by_year = {}
    for r in records:
        by_year[r["year"]] = by_year.get(r["year"], 0) + 1
    n_bundled = len(records)

    r = run("index", "--db", db)
    ok(r.returncode == 0, "index the bundled corpus", r.stderr)
    ok(r.stdout.count(" records, ") == 3, "one report line per bundled file", r.stdout)
    st = stats(db)
    ok(st is not None and st["documents"] == n_bundled,
       f"stats: {n_bundled} documents", st)
    ok(st is not None and {y["year"]: y["documents"] for y in st["years"]} == by_year,
       "stats: documents per year match the export", st)
    ok(st is not None and st["terms"] > 1000 and st["format_version"] == 3,
       "stats: terms and versions", st)
    r = run("check", "--db", db)
    ok(r.returncode == 0 and r.stdout.startswith("ok"), "check passes", r.stdout + r.stderr)

    rid = records[0]["id"]
    r = run("dump", "--db", db, f"doc:{rid}")
    ok(r.returncode == 0 and f'"id":"{rid}"' in r.stdout, "dump doc:ID shows the record",
       r.stdout[:500] + r.stderr)
    r = run("dump", "--db", db, "nonsense")
    ok(r.returncode == 2 and "cannot dump" in r.stderr, "dump of an unknown structure is a usage error",
       r.stderr)

    # --if-stale: nothing to do while the corpus is unchanged
    gen = st["generation"]
    r = run("index", "--db", db, "--if-stale")
    ok(r.returncode == 0 and "up to date" in r.stdout and stats(db)["generation"] == gen,
       "--if-stale keeps a fresh index", r.stdout + r.stderr)
    r = run("index", "--print-db", env={"PLUMBLINE_DB": db})
    ok(r.returncode == 0 and r.stdout.strip() == db, "--print-db prints $PLUMBLINE_DB", r.stdout)

    # --add twice: replaced, not duplicated; --remove
    extra = os.path.join(tmp, "extra.jsonl")
    with open(extra, "w") as f:
        for i, rec in enumerate(records[:10]):
            rec = dict(rec)
            rec["id"] = f"extra-{i}"
            f.write(json.dumps(rec) + "\n")
    live0 = os.readlink(os.path.join(db, "current"))
    r1 = run("index", "--db", db, "--add", extra)
    live1 = os.readlink(os.path.join(db, "current"))
    kept = os.path.exists(os.path.join(db, live0, "data.mdb"))
    r2 = run("index", "--db", db, "--add", extra)
    ok(r1.returncode == 0 and "10 records, 0 skipped, 0 replaced" in r1.stdout,
       "--add reports 10 new records", r1.stdout + r1.stderr)
    ok(r2.returncode == 0 and "10 records, 0 skipped, 10 replaced" in r2.stdout,
       "--add again reports 10 replaced", r2.stdout + r2.stderr)
    # an --add writes a new generation (a copy of the live one) and switches
    # to it: the live one is never written, so its checksum stays true
    ok(live1 != live0 and kept,
       "--add switched to a new generation, the previous one kept", (live0, live1))
    with open(os.path.join(db, "current", "data.mdb.xxh3")) as f:
        line = f.read()
    ok(re.fullmatch(r"xxh3-64 [0-9a-f]{16} \d+\n", line) is not None and
       int(line.split()[2]) == os.path.getsize(os.path.join(db, "current", "data.mdb")),
       "the new generation has its checksum file", line)
    st = stats(db)
    ok(st["documents"] == n_bundled + 10, "--add twice does not duplicate", st)
    ok(run("check", "--db", db).returncode == 0, "check passes after --add")
    r = run("index", "--db", db, "--remove", extra)
    ok(r.returncode == 0 and "10 documents removed" in r.stdout, "--remove reports 10",
       r.stdout + r.stderr)
    st = stats(db)
    ok(st["documents"] == n_bundled, "--remove takes them out", st)
    ok(run("check", "--db", db).returncode == 0, "check passes after --remove")
    r = run("index", "--db", db, "--remove", os.path.join(tmp, "never-indexed.jsonl"))
    ok(r.returncode == 1 and "not a source" in r.stderr, "--remove of an unknown source fails",
       r.stderr)

    # errors
    r = run("stats", "--db", os.path.join(tmp, "nothing"))
    ok(r.returncode == 1 and "no index at" in r.stderr and "plumbline index" in r.stderr,
       "missing index: clear error", r.stderr)
    r = run("index", "--db", db, "--bogus")
    ok(r.returncode == 2, "unknown option is a usage error", r.stderr)
    r = run("index", "--help")
    ok(r.returncode == 0 and "--add" in r.stdout, "index --help")

    # a full map: clear error, the old index intact
    big = os.path.join(tmp, "big.jsonl")
    with open(big, "w") as f:
        for k in range(200):
            for i, rec in enumerate(records):
                rec = dict(rec)
                rec["id"] = f"big-{k}-{i}"
                f.write(json.dumps(rec) + "\n")
    r = run("index", "--db", db, "--quiet", big, env={"PLUMBLINE_MAX_MAPSIZE": "1048576"})
    ok(r.returncode == 1 and "full" in r.stderr, "a full map fails with a clear error", r.stderr)
    st = stats(db)
    ok(st is not None and st["documents"] == n_bundled, "the old index is still live", st)
    ok(run("check", "--db", db).returncode == 0, "and passes check")
    live = os.readlink(os.path.join(db, "current"))
    gens = sorted(d for d in os.listdir(db) if d.startswith("gen-"))
    ok(gens[-1] == live and len(gens) <= 2, "the failed generation was removed", gens)

    # SIGKILL in the middle of a rebuild
    p = subprocess.Popen([EXE, "index", "--db", db, "--quiet", big],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    newgen = os.path.join(db, "gen-%06d" % (int(live[4:]) + 1))
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None:
        if os.path.exists(os.path.join(newgen, "data.mdb")) and \
                os.path.getsize(os.path.join(newgen, "data.mdb")) > 1 << 20:
            break
        time.sleep(0.02)
    alive = p.poll() is None
    if alive:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    ok(alive, "the rebuild was killed while writing its generation")
    ok(os.readlink(os.path.join(db, "current")) == live, "current still names the old one")
    st = stats(db)
    ok(st is not None and st["documents"] == n_bundled, "the old index has all its documents", st)
    r = run("check", "--db", db)
    ok(r.returncode == 0, "the old index passes check after the kill", r.stdout + r.stderr)
    r = run("index", "--db", db, "--quiet")
    ok(r.returncode == 0 and stats(db)["documents"] == n_bundled,
       "the next rebuild succeeds", r.stderr)
    gens = sorted(d for d in os.listdir(db) if d.startswith("gen-"))
    ok(len(gens) == 2 and os.path.basename(newgen) not in gens,
       "leftovers removed, previous generation kept", gens)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"1..{n_test}")
sys.exit(1 if failed else 0)
