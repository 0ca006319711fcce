#!/usr/bin/env python3
"""Fault tests: kill -9 during a rebuild and during --add, disk full, a
damaged or truncated index, an index of another format or analyzer version.

    test_faults.py PLUMBLINE FAULT_TOOL

Each case runs the real binary.  "Intact" means: `plumbline check` passes
and `plumbline export --db` gives exactly the documents the index had
before the fault, and a search finds a document by a word only it holds.
"No crash" means: no death by signal and no sanitizer report.  TAP output;
PL_FAULT_SEED picks the kill points (printed, so a failure can be rerun).
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PL, TOOL = sys.argv[1], sys.argv[2]
SEED = int(os.environ.get("PL_FAULT_SEED", str(int(time.time()) % 100000)))
rng = random.Random(SEED)
n_test = 0
failed = 0


def check(name, cond, detail="", todo=None):
    """todo: a known limitation, reported as TAP TODO (not a failure)."""
    global n_test, failed
    n_test += 1
    print("%s %d - %s%s" % ("ok" if cond else "not ok", n_test, name,
                            " # TODO " + todo if todo and not cond else ""))
    if not cond and not todo:
        failed += 1
    if not cond:
        for line in str(detail).splitlines()[-15:]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(name, why):
    global n_test
    n_test += 1
    print("ok %d - %s # SKIP %s" % (n_test, name, why))


def run(*args, env=None, timeout=120):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([PL] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=e, timeout=timeout)


def crashed(r):
    err = r.stderr.decode("utf-8", "replace")
    return r.returncode < 0 or "Sanitizer" in err or "runtime error" in err


def ids_of(db):
    """Record ids of the live documents, read through the store API."""
    r = subprocess.run([TOOL, "ids", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return None
    out = set()
    for line in r.stdout.decode().splitlines():
        if line.strip():
            out.add(line.strip())
    return out


def finds(db, word, want_id):
    r = run("search", "--db", db, "--json", "--limit", "5", word)
    if r.returncode != 0:
        return False
    try:
        hits = json.loads(r.stdout)["hits"]
    except (ValueError, KeyError):
        return False
    return any(h.get("id") == want_id or h.get("doc", {}).get("id") == want_id for h in hits)


def intact(db, ids, probes):
    """(ok, why): check passes, exactly `ids` exported, probes found."""
    r = run("check", "--db", db)
    if r.returncode != 0:
        return False, "check failed: " + r.stderr.decode()
    got = ids_of(db)
    if got != ids:
        return False, "export has %s documents, expected %d" % (
            "no" if got is None else len(got), len(ids))
    for word, want in probes:
        if not finds(db, word, want):
            return False, "search %s does not find %s" % (word, want)
    return True, ""


WORDS = ("scheduler memory cgroup tracing bpf rust kernel driver network storage latency "
         "virtualization security firmware toolchain compiler linker boot power thermal "
         "filesystem block io_uring x86_64 riscv arm64 realtime preempt lockdep kunit").split()


def make_jsonl(path, n, tag, year=2021):
    """n records, each with a unique word "<tag>uniq<i>" in its title."""
    recs = []
    with open(path, "w") as f:
        for i in range(n):
            words = " ".join(rng.choice(WORDS) for _ in range(150))
            title = "%s talk %d %suniq%d" % (rng.choice(WORDS), i, tag, i)
            rec = {"schema": 1, "id": "%d-talk-%s-%05d" % (year, tag, i), "year": year,
                   "kind": "talk", "title": title, "body": words, "people": ["P %d" % (i % 50)],
                   "track": "T%d" % (i % 7), "day": "", "start": "", "duration_min": 0,
                   "url": "", "source_file": path}
            f.write(json.dumps(rec) + "\n")
            recs.append(rec["id"])
    return recs


def kill_during(args, delay):
    """Starts plumbline with args, SIGKILLs it after delay seconds (if still
    running).  Returns True if the kill landed before it finished."""
    p = subprocess.Popen([PL] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return True


def main():
    print("TAP version 13")
    print("# seed %d (PL_FAULT_SEED)" % SEED)
    tmp = tempfile.mkdtemp(prefix="pl-faults-")
    try:
        run_all(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_test)
    return 1 if failed else 0


def run_all(tmp):
    db = os.path.join(tmp, "db")
    a_path = os.path.join(tmp, "a.jsonl")
    b_path = os.path.join(tmp, "b.jsonl")
    c_path = os.path.join(tmp, "c.jsonl")
    a_ids = make_jsonl(a_path, 1500, "aaa")
    b_ids = make_jsonl(b_path, 1500, "bbb", 2022)
    c_ids = make_jsonl(c_path, 400, "ccc", 2023)
    probes_a = [("aaauniq7", a_ids[7]), ("aaauniq1499", a_ids[1499])]

    t0 = time.time()
    r = run("index", "--db", db, "--quiet", a_path)
    build_s = time.time() - t0
    if not check("baseline index builds (%.2f s)" % build_s, r.returncode == 0, r.stderr):
        return
    ok, why = intact(db, set(a_ids), probes_a)
    check("baseline index is whole", ok, why)

    # ---- kill -9 during a rebuild -------------------------------------------------
    # Kill points are drawn over the baseline's build time; a rebuild that
    # runs faster than the baseline (a machine whose load dropped) lets some
    # land after the end, so up to 16 kills are made until 4 have landed
    # during a build (at least 8 in all).
    landed = tries = 0
    while tries < 16 and (tries < 8 or landed < 4):
        tries += 1
        delay = rng.uniform(0.02, 1.0) * build_s
        killed = kill_during(["index", "--db", db, "--quiet", b_path], delay)
        landed += killed
        got = ids_of(db)
        if got == set(b_ids):
            # the kill came after the switch: the new index is whole; go back
            ok, why = intact(db, set(b_ids), [("bbbuniq3", b_ids[3])])
            check("kill -9 at %.2f s of a rebuild: after the switch, new index whole" % delay,
                  ok, why)
            r = run("index", "--db", db, "--quiet", a_path)
            if r.returncode != 0:
                check("rebuild back to the baseline", False, r.stderr)
                return
            continue
        ok, why = intact(db, set(a_ids), probes_a)
        check("kill -9 at %.2f s of a rebuild (%s): previous index opens, checks, serves all %d"
              % (delay, "during" if killed else "after it ended", len(a_ids)), ok, why)
    check("at least 4 rebuild kills landed before the end (%d of %d)" % (landed, tries),
          landed >= 4)
    gens = [d for d in os.listdir(db) if d.startswith("gen-")]
    r = run("index", "--db", db, "--quiet", a_path)
    gens_after = [d for d in os.listdir(db) if d.startswith("gen-")]
    check("a rebuild after the kills succeeds (no stale lock)", r.returncode == 0, r.stderr)
    check("leftover generations are removed by the next writer (%d -> %d)" % (
        len(gens), len(gens_after)), len(gens_after) <= 2, str(gens_after))

    # ---- kill -9 during --add -------------------------------------------------------
    t0 = time.time()
    scratch = os.path.join(tmp, "scratch")
    shutil.copytree(db, scratch, symlinks=True)
    r = run("index", "--db", scratch, "--add", "--quiet", c_path)
    add_s = time.time() - t0
    shutil.rmtree(scratch)
    for k in range(6):
        delay = rng.uniform(0.02, 1.0) * add_s
        killed = kill_during(["index", "--db", db, "--add", "--quiet", c_path], delay)
        got = ids_of(db)
        if got == set(a_ids) | set(c_ids):
            ok, why = intact(db, got, probes_a + [("cccuniq5", c_ids[5])])
            check("kill -9 at %.2f s of --add: committed, all documents whole" % delay, ok, why)
            r = run("index", "--db", db, "--quiet", a_path)
            if r.returncode != 0:
                check("rebuild back to the baseline", False, r.stderr)
                return
            continue
        ok, why = intact(db, set(a_ids), probes_a)
        check("kill -9 at %.2f s of --add (%s): previous index opens, checks, serves all %d"
              % (delay, "during" if killed else "after it ended", len(a_ids)), ok, why)

    # ---- disk full --------------------------------------------------------------------
    mnt = os.path.join(tmp, "small")
    os.mkdir(mnt)
    small_db = os.path.join(mnt, "db")
    mounted = False
    if os.geteuid() == 0:
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        mounted = m.returncode == 0
        why_not = m.stderr.decode().strip() or "mount failed"
    else:
        why_not = "not root: cannot mount a small tmpfs"
    if mounted:
        try:
            r = run("index", "--db", small_db, "--quiet")
            check("tmpfs: the bundled corpus fits", r.returncode == 0, r.stderr)
            before = ids_of(small_db)
            r = run("index", "--db", small_db, "--quiet", a_path, b_path)
            err = r.stderr.decode()
            check("tmpfs full: rebuild fails with exit 1, no crash",
                  r.returncode == 1 and not crashed(r), err)
            check("tmpfs full: the error says the disk is full",
                  "full" in err.lower() or "space" in err.lower(), err)
            ok, why = intact(small_db, before, [])
            check("tmpfs full: the previous index is intact", ok, why)
        finally:
            subprocess.run(["umount", mnt])
    else:
        skip("disk full on a small tmpfs", why_not)

    # LMDB map size limit: the same failure path without a mount.
    r = run("index", "--db", db, "--quiet", a_path, b_path,
            env={"PLUMBLINE_MAX_MAPSIZE": str(1 << 20)})
    err = r.stderr.decode()
    check("map full: rebuild fails with exit 1, no crash", r.returncode == 1 and not crashed(r),
          err)
    check("map full: the error names the limit", "PLUMBLINE_MAX_MAPSIZE" in err or "full" in err,
          err)
    ok, why = intact(db, set(a_ids), probes_a)
    check("map full: the previous index is intact", ok, why)
    r = run("index", "--db", db, "--add", "--quiet", b_path,
            env={"PLUMBLINE_MAX_MAPSIZE": str(1 << 20)})
    check("map full during --add: exit 1, no crash", r.returncode == 1 and not crashed(r),
          r.stderr)
    ok, why = intact(db, set(a_ids), probes_a)
    check("map full during --add: the previous index is intact", ok, why)

    # ---- damaged index files ---------------------------------------------------------
    gen = os.path.realpath(os.path.join(db, "current"))
    data = os.path.join(gen, "data.mdb")
    size = os.path.getsize(data)

    def damaged(name, damage, must_fail=True, all_fail=None):
        """all_fail: (what, regex): every one of the four commands must fail
        with exit 1 and one "plumbline: ..." line naming the copy and
        matching regex."""
        c = os.path.join(tmp, "damaged")
        shutil.rmtree(c, ignore_errors=True)
        shutil.copytree(db, c, symlinks=True)
        cgen = os.path.join(c, os.path.basename(gen))
        damage(cgen)
        results = [run("check", "--db", c), run("search", "--db", c, "kernel scheduler"),
                   run("stats", "--db", c), run("search", "--db", c, "--json", '"aaauniq7"')]
        bad = [r for r in results if crashed(r)]
        why = bad[0].stderr.decode("utf-8", "replace") if bad else ""
        check("%s: no crash in check, search, stats" % name, not bad, why)
        if all_fail:
            wrong = [r for r in results if r.returncode != 1 or not re.fullmatch(
                r"plumbline: [^\n]*%s[^\n]*%s[^\n]*\n" % (re.escape(c), all_fail[1]),
                r.stderr.decode("utf-8", "replace"))]
            check("%s: check, search and stats all exit 1 with '%s' naming the file" % (
                name, all_fail[0]), not wrong,
                wrong[0].stderr.decode("utf-8", "replace") if wrong else "")
        if must_fail:
            r = results[0]
            err = r.stderr.decode("utf-8", "replace")
            check("%s: check exits 1 with an error naming the index" % name,
                  r.returncode == 1 and err.startswith("plumbline:") and c in err, err)
        # Whatever failed said so on stderr as one "plumbline: ..." message.
        quiet = [r for r in results if r.returncode != 0 and
                 not r.stderr.decode("utf-8", "replace").startswith("plumbline:")]
        check("%s: every failure is a 'plumbline: ...' message" % name, not quiet,
              quiet[0].stderr.decode("utf-8", "replace") if quiet else "")

    def truncate_to(n):
        return lambda g: os.truncate(os.path.join(g, "data.mdb"), n)

    truncated = ("truncated", r"/data\.mdb: truncated \(\d+ bytes, %d when written\)" % size)
    damaged("data.mdb truncated to half", truncate_to(size // 2), all_fail=truncated)
    damaged("data.mdb truncated to 1 page", truncate_to(4096), all_fail=truncated)
    damaged("data.mdb empty", truncate_to(0), all_fail=truncated)
    damaged("data.mdb missing", lambda g: os.remove(os.path.join(g, "data.mdb")))
    damaged("current names a missing generation",
            lambda g: shutil.rmtree(g))

    def scribble(seed, count):
        def f(g):
            rr = random.Random(seed)
            with open(os.path.join(g, "data.mdb"), "r+b") as fh:
                for _ in range(count):
                    fh.seek(rr.randrange(2 * 4096, size))
                    fh.write(bytes([rr.randrange(256)]))
        return f

    # LMDB keeps no page checksums and trusts its B-tree pages (a scribbled
    # branch page made it follow a bad pointer); the checksum of data.mdb is
    # verified before LMDB reads a page (docs/index.md, "Checksums").
    mismatch = ("checksum mismatch", r"/data\.mdb: checksum mismatch: the index is damaged; "
                r"rebuild it with 'plumbline index'")
    for s in range(12):
        damaged("random bytes in data pages (seed %d)" % s, scribble(SEED * 100 + s, 64),
                all_fail=mismatch)

    def flip_one(g):
        p = os.path.join(g, "data.mdb")
        off = random.Random(SEED).randrange(2 * 4096, size)
        with open(p, "r+b") as fh:
            fh.seek(off)
            b = fh.read(1)[0]
            fh.seek(off)
            fh.write(bytes([b ^ 0x10]))
    damaged("one bit flipped in a data page", flip_one, all_fail=mismatch)

    def scribble_meta(g):
        with open(os.path.join(g, "data.mdb"), "r+b") as fh:
            fh.seek(16 + random.Random(SEED).randrange(2 * 4096 - 16))
            fh.write(os.urandom(8))
    damaged("random bytes in LMDB's meta pages", scribble_meta, all_fail=mismatch)
    damaged("checksum file garbled",
            lambda g: open(os.path.join(g, "data.mdb.xxh3"), "w").write("xxh3-64 zz\n"),
            all_fail=("not a checksum file", r"/data\.mdb\.xxh3: not a checksum file"))

    # an index written before checksums: read as before, check says so
    c = os.path.join(tmp, "legacy")
    shutil.rmtree(c, ignore_errors=True)
    shutil.copytree(db, c, symlinks=True)
    os.remove(os.path.join(c, "current", "data.mdb.xxh3"))
    r = run("check", "--db", c)
    err = r.stderr.decode("utf-8", "replace")
    check("no checksum file (older index): check passes and says it could not verify the pages",
          r.returncode == 0 and not crashed(r) and "no checksum" in err and "rebuild" in err,
          err + r.stdout.decode())
    check("no checksum file: search works", finds(c, "aaauniq7", a_ids[7]))
    r = run("index", "--db", c, "--add", "--quiet", c_path)
    check("no checksum file: --add writes a generation that has one",
          r.returncode == 0 and os.path.exists(os.path.join(c, "current", "data.mdb.xxh3")),
          r.stderr)
    shutil.rmtree(c, ignore_errors=True)

    for dbname in ("postings", "positions", "terms", "docs", "docmeta", "ids", "surfaces",
                   "tracks", "sources", "years", "meta"):
        for mode in ("corrupt", "truncate"):
            def f(g, dbname=dbname, mode=mode):
                r = subprocess.run([TOOL, mode, os.path.dirname(g), dbname, str(SEED), "3"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if r.returncode != 0:
                    raise RuntimeError(r.stderr.decode())
            # Truncated postings, positions, terms and docmeta never decode;
            # a flipped byte in a record or a name may still be valid.
            must = mode == "truncate" and dbname in ("postings", "positions", "docmeta")
            damaged("%s values %s" % (dbname, mode + "d" if mode == "corrupt" else "cut short"),
                    f, must_fail=must)

    # ---- another format or analyzer version --------------------------------------------
    for key, val in (("format_version", "999"), ("analyzer_version", "1"),
                     ("format_version", "x")):
        c = os.path.join(tmp, "versioned")
        shutil.rmtree(c, ignore_errors=True)
        shutil.copytree(db, c, symlinks=True)
        t = subprocess.run([TOOL, "setmeta", c, key, val], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if not check("set %s=%s" % (key, val), t.returncode == 0, t.stderr):
            continue
        r = run("search", "--db", c, "kernel")
        err = r.stderr.decode()
        check("%s %s: search exits 1 with a clear error naming the path" % (key, val),
              r.returncode == 1 and not crashed(r) and c in err and "version" in err.lower(), err)
        r = run("index", "--db", c, "--add", "--quiet", c_path)
        check("%s %s: --add refuses to write into it" % (key, val),
              r.returncode == 1 and not crashed(r), r.stderr)
        r = run("index", "--db", c, "--quiet", a_path)
        check("%s %s: a full rebuild replaces it" % (key, val), r.returncode == 0, r.stderr)

    # an index of an older format (what an upgrade leaves behind): the main
    # job's `index --if-stale` rebuilds it even though its corpus checksum
    # is the bundled corpus's
    c = os.path.join(tmp, "older")
    shutil.rmtree(c, ignore_errors=True)
    r = run("index", "--db", c, "--quiet")
    t = subprocess.run([TOOL, "setmeta", c, "format_version", "2"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if check("an index of the bundled corpus, marked format 2",
             r.returncode == 0 and t.returncode == 0, r.stderr.decode() + t.stderr.decode()):
        r = run("index", "--db", c, "--if-stale", "--quiet")
        s = run("search", "--db", c, "kernel")
        check("format 2: --if-stale rebuilds it and search works again",
              r.returncode == 0 and s.returncode == 0 and b"kernel" in s.stdout.lower(),
              r.stderr + s.stderr)


if __name__ == "__main__":
    sys.exit(main())
