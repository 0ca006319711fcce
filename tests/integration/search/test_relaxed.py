#!/usr/bin/env python3
"""The default operator against filters, exclusions, facets and date order
(docs/query-syntax.md, *Default operator*), through the real binary and
its HTTP API on the bundled corpus (TAP).

What must hold for every query and every filter:
- a filter (year:, kind:, track: in the query, or the API's year, kind and
  track parameters) only narrows: every hit passes it, and the filtered
  result list is the unfiltered one restricted to the filter;
- so a facet's count is exactly the total a click on it finds;
- an exclusion never lets an excluded document in, relaxed or not;
- a relaxed query lists documents with more of its words first, also when
  sorted by date.
Expectations are computed from `plumbline export` (the records) and from
the unfiltered searches, not written down by hand.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

EXE = sys.argv[1]
TMP = tempfile.TemporaryDirectory(prefix="plumbline-relaxed-test-")
DB = os.path.join(TMP.name, "db")
ENV = dict(os.environ)
ENV.pop("PLUMBLINE_DB", None)
ENV.pop("PLUMBLINE_SYNONYMS", None)
ENV["HOME"] = TMP.name

n_test = 0
failed = 0


def check(ok, name, detail=""):
    global n_test, failed
    n_test += 1
    print(("ok" if ok else "not ok") + f" {n_test} - {name}")
    if not ok:
        failed += 1
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()
    return ok


def run(*args):
    return subprocess.run([EXE] + list(args), capture_output=True, text=True, env=ENV,
                          timeout=120)


# Queries whose words are found together in fewer than ten records (so the
# default operator relaxes them), in more, and one word, which never is.
QUERIES = ["bpf kernel", "rust linux", "memory kernel", "kernel testing",
           "live migration confidential VM", "Rust for Linux", "tracing"]

r = run("index", "--db", DB, "--quiet")
if not check(r.returncode == 0, "index the bundled corpus", r.stderr):
    print(f"1..{n_test}")
    sys.exit(1)
records = {}
for line in run("export", "--db", DB).stdout.splitlines():
    rec = json.loads(line)
    records[rec["id"]] = rec

srv = subprocess.Popen([EXE, "serve", "--db", DB, "--port", "0"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, env=ENV)
port = None
deadline = time.time() + 30
while time.time() < deadline and port is None:
    line = srv.stdout.readline()
    m = re.match(rb"listening on http://127\.0\.0\.1:(\d+)", line)
    if m:
        port = int(m.group(1))
    elif not line and srv.poll() is not None:
        break


def api(**params):
    qs = urllib.parse.urlencode(params)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", "/api/search?" + qs)
        resp = c.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{qs}: HTTP {resp.status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        c.close()


def all_hits(**params):
    d = api(limit=100, **params)
    return d, [h["id"] for h in d["hits"]]


def case(name):
    def deco(fn):
        try:
            fn(name)
        except Exception as e:  # noqa: BLE001 - report and go on
            check(False, name, f"{type(e).__name__}: {e}")
        return fn
    return deco


try:
    check(port is not None, "server starts")

    @case("a relaxed query with filters: the API's filters narrow and facets say what a click finds")
    def _(name):
        bad = []
        for q in QUERIES:
            whole, ids = all_hits(q=q)
            facets = whole["facets"]
            for field, values in (("year", facets["year"]), ("kind", facets["kind"])):
                for value, count in values.items():
                    d, sub = all_hits(q=q, **{field: value})
                    if d["total"] != count:
                        bad.append(f"{q!r} {field}={value}: facet {count}, total {d['total']}")
                    want = [i for i in ids if str(records[i][field]) == value]
                    if sub != want:
                        bad.append(f"{q!r} {field}={value}: hits {sub} != the unfiltered "
                                   f"hits of that {field} {want}")
        check(not bad, name, "\n".join(bad))

    @case("filters in the query text narrow like the API's: year:, kind: and track:")
    def _(name):
        bad = []
        for q in QUERIES:
            _, ids = all_hits(q=q)
            for filt, field, value in (("year:2019", "year", 2019), ("year:2024", "year", 2024),
                                       ("kind:talk", "kind", "talk"), ("kind:mc", "kind", "mc")):
                d, sub = all_hits(q=f"{q} {filt}")
                want = [i for i in ids if records[i][field] == value]
                if sub != want or d["total"] != len(want):
                    bad.append(f"{q!r} {filt}: {d['total']} {sub} != {want}")
            d, sub = all_hits(q=f'{q} track:"Refereed"')
            want = [i for i in ids if "refereed" in (records[i].get("track") or "").lower()]
            if sub != want:
                bad.append(f"{q!r} track: {sub} != {want}")
        check(not bad, name, "\n".join(bad))

    @case("an exclusion holds in a relaxed query")
    def _(name):
        bad = []
        for q, excl in (("rust linux", "kernel"), ("bpf kernel", "tracing"),
                        ("memory kernel", "cxl")):
            d, ids = all_hits(q=f"{q} -{excl}")
            _, excluded = all_hits(q=excl)
            _, base = all_hits(q=q)
            hit = set(ids) & set(excluded)
            if hit or not ids or ids != [i for i in base if i not in excluded]:
                bad.append(f"{q} -{excl}: {ids} (excluded ones: {sorted(hit)})")
        check(not bad, name, "\n".join(bad))

    @case("sort=date in a relaxed query: all words first, each group newest first")
    def _(name):
        q = "Rust for Linux"
        rel, ids = all_hits(q=q)
        d, dated = all_hits(q=q, sort="date")
        full = [i for i in ids if re.search(r"\brust\b", records[i]["title"] + " " +
                                            records[i]["body"], re.I)
                and re.search(r"\blinux\b", records[i]["title"] + " " + records[i]["body"], re.I)]
        first = dated[:len(full)]
        years = [records[i]["year"] for i in dated]
        ok = (set(first) == set(full) and len(full) >= 2 and d["total"] == rel["total"]
              and sorted(dated) == sorted(ids)
              and years[:len(full)] == sorted(years[:len(full)], reverse=True))
        check(ok, name, f"with both words {full}\nby date {dated[:12]}")
    @case("relaxed says whether the default operator was relaxed; all_words counts every word")
    def _(name):
        bad = []
        d = api(q="security LSM landlock")
        if not (d["relaxed"] is True and d["all_words"] == 0 and d["total"] > 0):
            bad.append(f"security LSM landlock: relaxed {d.get('relaxed')} all_words "
                       f"{d.get('all_words')} total {d['total']}")
        n_relaxed = 0
        for q in QUERIES:
            d = api(q=q)
            strict = api(q=" AND ".join(q.split()))
            if strict["total"] >= 10 or len(q.split()) < 2:
                if d["relaxed"] is not False or "all_words" in d:
                    bad.append(f"{q!r}: the AND finds {strict['total']}, yet relaxed "
                               f"{d['relaxed']} {d.get('all_words')}")
                continue
            n_relaxed += 1
            if d["relaxed"] is not True or d.get("all_words") != strict["total"]:
                bad.append(f"{q!r}: relaxed {d['relaxed']}, all_words {d.get('all_words')}, "
                           f"the AND finds {strict['total']}")
            if strict["relaxed"] is not False or "all_words" in strict:
                bad.append(f"{q!r} with AND: relaxed {strict['relaxed']} {sorted(strict)}")
            # the first all_words hits are those with every word
            _, ids = all_hits(q=q)
            _, both = all_hits(q=" AND ".join(q.split()))
            if set(ids[:len(both)]) != set(both):
                bad.append(f"{q!r}: the first {len(both)} hits are not the AND's")
            # filtered: all_words is the AND's count within the filter
            f = api(q=q, year="2024")
            fs = api(q=" AND ".join(q.split()), year="2024")
            if f["relaxed"] is not True or f.get("all_words") != fs["total"]:
                bad.append(f"{q!r} year=2024: all_words {f.get('all_words')} != {fs['total']}")
        if n_relaxed < 2:
            bad.append(f"only {n_relaxed} of {QUERIES} relaxed")
        for q in ("tracing", "bpf", "kernel", "rust OR kernel"):
            d = api(q=q)
            if d["relaxed"] is not False or "all_words" in d:
                bad.append(f"{q!r}: relaxed {d['relaxed']} keys {sorted(d)}")
        r = run("search", "--db", DB, "--json", "--and", "security", "LSM", "landlock")
        d = json.loads(r.stdout) if r.returncode == 0 else {}
        if d.get("relaxed") is not False or d.get("total") != 0:
            bad.append(f"--and: {r.stdout[:200]} {r.stderr}")
        check(not bad, name, "\n".join(bad))

    @case("the command line says a query was relaxed on its count line")
    def _(name):
        r = run("search", "--db", DB, "security", "LSM", "landlock")
        first = r.stdout.splitlines()[0] if r.stdout else ""
        d = api(q="rust kernel")
        r2 = run("search", "--db", DB, "rust", "kernel")
        first2 = r2.stdout.splitlines()[0] if r2.stdout else ""
        r3 = run("search", "--db", DB, "bpf")
        first3 = r3.stdout.splitlines()[0] if r3.stdout else ""
        ok = (re.match(r"^no document has all the words; \d+ results with some of them \(",
                       first) is not None
              and first2.startswith(f"{d['total']} results: {d['all_words']} with all the words, "
                                    "the others with some of them (")
              and re.match(r"^\d+ results \(", first3) is not None)
        check(ok, name, f"{first}\n{first2}\n{first3}")

    @case("autocomplete's df is the strict count: all_words of the relaxed search")
    def _(name):
        r = run("suggest", "--db", DB, "--json", "rust ke")
        sugg = json.loads(r.stdout)["suggestions"] if r.returncode == 0 else []
        bad = []
        for s in sugg[:5]:
            d = api(q=s["text"])
            want = d["all_words"] if d["relaxed"] else d["total"]
            if s["df"] != want:
                bad.append(f"{s['text']}: df {s['df']}, the search has {want} with every word")
        check(sugg and not bad, name, "\n".join(bad) or r.stdout + r.stderr)

    @case("proximity counts a word the index lacks as missing: bonus <= 1.5 * (2-1)/(3-1)")
    def _(name):
        r = run("search", "--db", DB, "--explain", "--limit", "10",
                "confidential computing zzqxnotaword")
        bonuses = [float(m) for m in re.findall(r"([0-9.]+) proximity bonus", r.stdout)]
        check(r.returncode == 0 and bonuses and max(bonuses) <= 0.75 + 1e-9, name,
              f"bonuses {bonuses}\n{r.stdout[:400]}{r.stderr}")

finally:
    srv.terminate()
    srv.wait(timeout=30)

print(f"1..{n_test}")
sys.exit(1 if failed else 0)
