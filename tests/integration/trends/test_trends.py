#!/usr/bin/env python3
"""Integration tests of `plumbline trends` on the bundled corpus (TAP).

Expected counts were established by reading the corpus records (the
parsers' output, `plumbline export`) with this matching rule, which mirrors
the analyzer (case folded; '_' and '-' split compounds into parts, so
bpf_skel and BPF-based count; libbpf and bpftool do not; synonyms from
corpus/synonyms.txt):

  a record matches a topic when its title, body or people, lowercased,
  contain one of the topic's forms as a whole word, i.e. not preceded or
  followed by [a-z0-9].  Forms: BPF = bpf | ebpf | "extended berkeley
  packet filter"; Rust = rust; CXL = cxl | "compute express link".

Records per year: 2019: 38 (18 mc, 19 talk, 1 event), 2023: 10 (7 cfp,
3 news), 2024: 26 (mc).  Documents matching per year (2019, 2023, 2024):
  BPF  5, 2, 5      Rust 1, 2, 4      CXL 0, 1, 3
The same rule is also re-applied to `plumbline export` output by this test,
so a parser change shows up as a disagreement here, not as silent drift.
"""
import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile

EXE = sys.argv[1]
YEARS = [2019, 2023, 2024]
TOTALS = {2019: 38, 2023: 10, 2024: 26}
EXPECTED = {
    "BPF": {2019: 5, 2023: 2, 2024: 5},
    "Rust": {2019: 1, 2023: 2, 2024: 4},
    "CXL": {2019: 0, 2023: 1, 2024: 3},
}
B, E = r"(?<![a-z0-9])", r"(?![a-z0-9])"
RULES = {
    "BPF": B + r"(e?bpf|extended\s+berkeley\s+packet\s+filter)" + E,
    "Rust": B + r"rust" + E,
    "CXL": B + r"(cxl|compute\s+express\s+link)" + E,
}

n = 0
failed = 0


def ok(cond, name, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        if detail:
            for line in str(detail).splitlines()[:20]:
                print(f"#   {line}")


def run(*args, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=e, timeout=60)


def run_bytes(*args):
    """Output bytes untouched (text mode would turn CRLF into LF)."""
    return subprocess.run([EXE, *args], capture_output=True, timeout=60).stdout.decode("utf-8")


def text_of(rec):
    return "\n".join([rec.get("title", ""), rec.get("body", ""), "\n".join(rec.get("people", []))]).lower()


def rule_counts(records, topic, kind=None):
    c = {y: 0 for y in YEARS}
    for r in records:
        if kind and r["kind"] != kind:
            continue
        if re.search(RULES[topic], text_of(r)):
            c[r["year"]] = c.get(r["year"], 0) + 1
    return c


def wilson(x, m, z=1.959963984540054):
    if m == 0:
        return 0.0, 1.0
    p = x / m
    d = 1 + z * z / m
    c = (p + z * z / (2 * m)) / d
    h = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / d
    return (0.0 if x == 0 else c - h), (1.0 if x == m else c + h)


def main():
    tmp = tempfile.mkdtemp(prefix="pl-trends-")
    db = os.path.join(tmp, "index")
    r = run("index", "--db", db, "--quiet")
    ok(r.returncode == 0, "index the bundled corpus", r.stderr)
    if r.returncode != 0:
        print(f"1..{n}")
        return 1

    # The records the counts were established from.
    r = run("export", "--db", db)
    if r.returncode != 0 or not r.stdout.strip():
        r = run("export")
    records = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    per_year = {y: sum(1 for x in records if x["year"] == y) for y in YEARS}
    ok(per_year == TOTALS, "exported records per year are 38/10/26", per_year)
    for topic in EXPECTED:
        got = rule_counts(records, topic)
        ok(got == EXPECTED[topic], f"matching rule over exported records agrees for {topic}", got)

    # Nested JSON.
    r = run("trends", "--db", db, "--json", "BPF", "Rust", "CXL")
    ok(r.returncode == 0, "trends --json exits 0", r.stderr)
    j = json.loads(r.stdout)
    ok([t["year"] for t in j["totals"]] == YEARS, "totals list every year", j["totals"])
    ok({t["year"]: t["docs"] for t in j["totals"]} == TOTALS, "totals docs per year", j["totals"])
    ok(all(t["tokens"] > 0 for t in j["totals"]), "totals tokens positive")
    ok(j["meta"]["unit"] == "year" and j["meta"]["ci"]["method"] == "wilson"
       and abs(j["meta"]["ci"]["level"] - 0.95) < 1e-12, "meta unit and ci", j["meta"])
    ok([s["topic"] for s in j["series"]] == ["BPF", "Rust", "CXL"], "one series per topic in order")
    for s in j["series"]:
        topic = s["topic"]
        docs = {p["year"]: p["docs"] for p in s["points"]}
        ok(docs == EXPECTED[topic], f"{topic}: documents per year", docs)
        good = True
        why = ""
        for p in s["points"]:
            x, m = p["docs"], p["docs_total"]
            lo, hi = wilson(x, m)
            if m != TOTALS[p["year"]] or abs(p["share"] - x / m) > 1e-9:
                good, why = False, f"share {p}"
            if abs(p["share_ci"][0] - lo) > 1e-9 or abs(p["share_ci"][1] - hi) > 1e-9:
                good, why = False, f"wilson {p['share_ci']} vs {(lo, hi)}"
            if p["mentions"] < x or (x == 0 and p["mentions"] != 0):
                good, why = False, f"mentions {p}"
            if abs(p["per_1k"] - 1000.0 * p["mentions"] / p["tokens_total"]) > 1e-9:
                good, why = False, f"per_1k {p}"
            if not (p["per_1k_ci"][0] <= p["per_1k"] <= p["per_1k_ci"][1]):
                good, why = False, f"per_1k_ci {p}"
            if p["low_count"] != (x < 5 or p["mentions"] < 10):
                good, why = False, f"low_count {p}"
            if len(p["top"]) > min(3, x):
                good, why = False, f"top {p['top']}"
        ok(good, f"{topic}: shares, intervals, rates and low_count consistent", why)
    cxl = j["series"][2]["points"][0]
    ok(cxl["year"] == 2019 and cxl["docs"] == 0 and cxl["mentions"] == 0
       and cxl["share_ci"][0] == 0 and cxl["per_1k_ci"][0] == 0,
       "CXL 2019 present with 0 (not missing)", cxl)
    # x = 0 mentions: exact Poisson upper bound is -ln(0.025) = 3.689 per exposure
    ok(abs(cxl["per_1k_ci"][1] - 1000 * 3.6888794541139363 / cxl["tokens_total"]) < 1e-9,
       "CXL 2019 per-1k upper bound is 3.689 / exposure", cxl)
    tops = [d for s in j["series"] for p in s["points"] for d in p["top"]]
    ok(tops and all(d["id"] and d["title"] and d["kind"] in ("mc", "talk", "cfp", "news", "event")
                    for d in tops), "top documents carry id, title and kind", tops[:2])
    ids_by_year = {}
    for rec in records:
        ids_by_year.setdefault(rec["year"], set()).add(rec["id"])
    ok(all(d["id"] in ids_by_year[p["year"]] for s in j["series"] for p in s["points"] for d in p["top"]),
       "top documents belong to their point's year")
    ok(all(d["mentions"] >= 1 for d in tops), "top documents mention the topic")

    # Filters.
    r = run("trends", "--db", db, "--json", "--kind", "mc", "BPF")
    jm = json.loads(r.stdout)
    mc_total = {y: sum(1 for x in records if x["year"] == y and x["kind"] == "mc") for y in YEARS}
    ok({p["year"]: p["docs_total"] for p in jm["series"][0]["points"]} == mc_total,
       "--kind mc: docs_total counts MCs only, every year kept", jm["series"][0]["points"])
    ok({p["year"]: p["docs"] for p in jm["series"][0]["points"]} == rule_counts(records, "BPF", "mc"),
       "--kind mc: BPF counts", jm["series"][0]["points"])
    ok(all(p.get("no_docs") is False for s in j["series"] for p in s["points"]),
       "no_docs is false wherever the year has documents")

    # A year with no document of the kind asked for (2023 has no MC) is no
    # measurement: null share and rate, no_docs true, a gap in the table.
    r = run("trends", "--db", db, "--json", "--kind", "mc", "BPF", "Rust")
    jn = json.loads(r.stdout)
    for s in jn["series"]:
        p23 = next(p for p in s["points"] if p["year"] == 2023)
        ok(p23["docs_total"] == 0 and p23.get("no_docs") is True and p23["share"] is None
           and p23["share_ci"] == [None, None] and p23["per_1k"] is None
           and p23["per_1k_ci"] == [None, None], f"--kind mc {s['topic']}: 2023 is null, no_docs", p23)
        others = [p for p in s["points"] if p["year"] != 2023]
        ok(all(p.get("no_docs") is False and p["share"] is not None for p in others),
           f"--kind mc {s['topic']}: the years with MCs keep their shares", others)
    r = run("trends", "--db", db, "--format", "grafana", "--kind", "mc", "Rust")
    g23 = [row for row in json.loads(r.stdout) if row["year"] == 2023]
    ok(len(g23) == 1 and g23[0].get("no_docs") is True
       and all(g23[0][k] is None for k in ("share", "share_lo", "share_hi", "per_1k", "per_1k_lo", "per_1k_hi")),
       "grafana: the year without MCs carries nulls", g23)
    raw = run_bytes("trends", "--db", db, "--csv", "--kind", "mc", "Rust")
    row23 = next((x for x in csv.DictReader(io.StringIO(raw, newline="")) if x["year"] == "2023"), {})
    ok(row23 and row23["docs_total"] == "0"
       and all(row23[k] == "" for k in ("share", "share_lo", "share_hi", "per_1k", "per_1k_lo", "per_1k_hi")),
       "csv: the year without MCs has empty share and rate cells", row23)
    r = run("trends", "--db", db, "--kind", "mc", "BPF", "Rust", env={"LC_ALL": "C.UTF-8"})
    rust_line = next((l for l in r.stdout.splitlines() if l.startswith("Rust")), "")
    cells = rust_line.split()
    ok(r.returncode == 0 and "0.0% (0)" in rust_line and cells[3] == "\u2013"
       and rust_line.endswith("\u2581 \u2588"),
       "table: the year without MCs is a dash and a gap in the sparkline", r.stdout)
    r = run("trends", "--db", db, "--ascii", "--kind", "mc", "Rust")
    rust_line = next((l for l in r.stdout.splitlines() if l.startswith("Rust")), "")
    ok(rust_line.split()[3] == "-" and rust_line.endswith("_ #"), "table: ASCII dash and gap", r.stdout)
    r = run("trends", "--db", db, "--compare", "BPF", "--a", "2019", "--b", "2023", "--kind", "mc")
    ok(r.returncode == 1 and "2023" in r.stderr and not r.stdout,
       "compare: a year with no document passing the filters is an error, not 0 of 0", r.stdout + r.stderr)

    r = run("trends", "--db", db, "--json", "--from", "2023", "--to", "2024", "CXL")
    jf = json.loads(r.stdout)
    ok([p["year"] for p in jf["series"][0]["points"]] == [2023, 2024], "--from/--to limit the years",
       jf["series"][0]["points"])

    # Grafana / Vega-Lite / CSV.
    r = run("trends", "--db", db, "--format", "grafana", "BPF", "CXL")
    g = json.loads(r.stdout)
    epoch = {2019: 1546300800000, 2023: 1672531200000, 2024: 1704067200000}
    ok(len(g) == 6 and all(row["time"] == epoch[row["year"]] for row in g),
       "grafana rows: time is epoch ms at 1 January UTC", g[:2])
    ok({(row["topic"], row["year"]): row["docs"] for row in g}[("CXL", 2019)] == 0,
       "grafana rows include the empty year")
    r = run("trends", "--db", db, "--format", "vega", "Rust")
    v = json.loads(r.stdout)
    ok([row["year"] for row in v] == ["2019", "2023", "2024"] and all("time" not in row for row in v),
       "vega rows: year as a string", v)
    ok([row["docs"] for row in v] == [1, 2, 4], "vega rows: Rust counts", v)
    raw = run_bytes("trends", "--db", db, "--csv", "BPF", "Rust", "CXL")
    ok(raw.count("\r\n") == 10 and raw.replace("\r\n", "").count("\n") == 0, "csv: CRLF line ends, 1 + 9 rows")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    ok(rows and list(rows[0].keys())[:5] == ["topic", "query", "year", "docs", "docs_total"],
       "csv: header row", rows[:1])
    ok({(x["topic"], int(x["year"])): int(x["docs"]) for x in rows}
       == {(t, y): EXPECTED[t][y] for t in EXPECTED for y in YEARS}, "csv: counts")
    raw = run_bytes("trends", "--db", db, "--csv", "--", "=BPF")
    lines = [l for l in raw.split("\r\n")[1:] if l]
    ok(len(lines) == 3 and all(l.startswith("'=BPF,") for l in lines),
       "csv: a topic starting with '=' is made spreadsheet-safe", raw)

    # One precision for every real: 10 significant digits (JSON, CSV).
    def long_reals(text):
        return [m for m in re.findall(r"-?\d+\.\d+(?:[eE][-+]?\d+)?", text)
                if len(re.sub(r"[eE].*|[-.]", "", m).lstrip("0")) > 10]
    r = run("trends", "--db", db, "--json", "BPF", "Rust")
    ok(r.returncode == 0 and '"level": 0.95' in r.stdout and not long_reals(r.stdout),
       "--json: reals have at most 10 significant digits", long_reals(r.stdout)[:5])
    raw = run_bytes("trends", "--db", db, "--csv", "BPF")
    row19 = next(x for x in csv.DictReader(io.StringIO(raw, newline="")) if x["year"] == "2019")
    ok(row19["share"] == "0.1315789474" and not long_reals(raw),
       "csv: the share 5/38 has 10 significant digits, as in JSON", row19)

    # Compare.
    r = run("trends", "--db", db, "--json", "--compare", "BPF", "--a", "2019", "--b", "2024")
    c = json.loads(r.stdout)
    ok(c["a"]["docs"] == 5 and c["a"]["docs_total"] == 38 and c["b"]["docs"] == 5
       and c["b"]["docs_total"] == 26, "compare: the two years' counts", c)
    ok(abs(c["diff"] - (5 / 26 - 5 / 38)) < 1e-12 and c["diff_ci"][0] < c["diff"] < c["diff_ci"][1],
       "compare: difference b - a inside its interval", c)
    r = run("trends", "--db", db, "--compare", "BPF", "--a", "2019", "--b", "2021")
    ok(r.returncode == 1 and "2021" in r.stderr, "compare: a year without documents is an error", r.stderr)

    # Rising / falling terms.
    r = run("trends", "--db", db, "--json", "--rising", "2019", "2024")
    rs = json.loads(r.stdout)
    zs = [t["z"] for t in rs["rising"]]
    ok(r.returncode == 0 and zs and zs == sorted(zs, reverse=True) and all(z > 0 for z in zs),
       "rising: positive z, sorted", zs)
    fz = [t["z"] for t in rs["falling"]]
    ok(fz and fz == sorted(fz) and all(z < 0 for z in fz), "falling: negative z, sorted", fz)
    ok(all(t["docs_1"] + t["docs_2"] >= 3 for t in rs["rising"] + rs["falling"]), "rising: minimum documents")
    rust = [t for t in rs["rising"] if t["term"] == "rust"]
    ok(rust, "rising 2019 -> 2024 lists rust (4 vs 32 mentions)", [t["term"] for t in rs["rising"]])
    # Cross-check one term's z by hand from the counts the output gives.
    if rust:
        t = rust[0]
        g1, g2 = rs["groups"]["tokens_1"], rs["groups"]["tokens_2"]
        ok(t["count_1"] > t["count_2"] and g1 > 0 and g2 > 0, "rising: rust counts favour 2024", t)
    r = run("trends", "--db", db, "--rising", "2019", "2024")
    ok(r.returncode == 0 and "Rising" in r.stdout and "Falling" in r.stdout, "rising: table", r.stdout[:300])
    # What a word is: parts of compounds, pieces of links and addresses and
    # function words are not topics (docs/trends.md, "Terms that moved").
    r = run("trends", "--db", db, "--json", "--rising", "2019", "2024", "--limit", "100")
    rs = json.loads(r.stdout)
    listed = rs["rising"] + rs["falling"]
    shown = {t["display"] for t in listed} | {t["term"] for t in listed}
    junk = {"lore", "micro", "conference", "sched", "risc", "gen", "in", "its", "no", "not", "being",
            "thus", "already", "e.g", "eg", "de", "re", "org", "https", "www"}
    ok(r.returncode == 0 and len(rs["rising"]) == 100 and not shown & junk,
       "rising: no compound parts, link pieces or function words in the 100 + 100 terms",
       sorted(shown & junk))
    spell = [t["display"] for t in listed if t["display"] in ("microconference", "micro-conference")]
    ok(len(spell) <= 1, "rising: micro-conference and microconference are one word", spell)
    ok({"rust", "cxl", "discussion"} <= {t["display"] for t in rs["rising"][:10]}
       and {"cfp", "bpf"} <= {t["display"] for t in rs["falling"][:10]},
       "rising: the lists still lead with topics (rust, cxl up; cfp, bpf down)",
       ([t["display"] for t in rs["rising"][:10]], [t["display"] for t in rs["falling"][:10]]))
    r = run("trends", "--db", db, "--json", "--rising", "2023", "2024", "--limit", "100")
    rs = json.loads(r.stdout)
    riscv = [t for t in rs["rising"] if t["term"] == "riscv"]
    risc = [t for t in rs["rising"] + rs["falling"] if t["term"] in ("risc", "v")]
    ok(riscv and riscv[0]["display"] == "risc-v" and riscv[0]["count_1"] == 16 and not risc,
       "rising: RISC-V counted as one word (16 times in 2024), its parts not listed", (riscv, risc))

    # Co-occurring terms.
    r = run("trends", "--db", db, "--json", "--cooccur", "CXL", "--year", "2024")
    co = json.loads(r.stdout)
    ok(r.returncode == 0 and co["groups"]["docs_1"] == 3 and co["groups"]["docs_2"] == 23,
       "cooccur: 3 CXL documents of 2024 against the other 23", co.get("groups"))
    az = [t["z"] for t in co["associated"]]
    ok(az and az == sorted(az, reverse=True), "cooccur: associated terms sorted by z", az)
    ok("cxl" in [t["term"] for t in co["associated"][:5]], "cooccur: the topic's own term is near the top",
       [t["term"] for t in co["associated"][:5]])
    # limit bounds each list (associated and dissociated alike).
    r = run("trends", "--db", db, "--json", "--cooccur", "BPF", "--year", "2024", "--limit", "3")
    co = json.loads(r.stdout)
    ok(r.returncode == 0 and co["meta"].get("limit") == 3 and 0 < len(co["associated"]) <= 3
       and 0 < len(co["dissociated"]) <= 3, "cooccur --limit 3: at most 3 terms in each list",
       (co["meta"], len(co["associated"]), len(co["dissociated"])))
    # A topic matching every document of the year leaves nothing to contrast.
    r = run("trends", "--db", db, "--json", "--cooccur", "year:2024", "--year", "2024")
    ok(r.returncode == 2 and not r.stdout and "matches all 26 documents of 2024" in r.stderr,
       "cooccur: a topic matching the whole year is an error (exit 2)", r.stdout[:300] + r.stderr)
    r = run("trends", "--db", db, "--cooccur", "zzqxnothing", "--year", "2024")
    ok(r.returncode == 1 and not r.stdout and "matches" in r.stderr,
       "cooccur: a topic matching nothing that year is an error (exit 1)", r.stdout[:300] + r.stderr)

    # The table.
    r = run("trends", "--db", db, "BPF", "CXL", env={"LC_ALL": "C.UTF-8"})
    lines = r.stdout.splitlines()
    ok(r.returncode == 0 and "2019" in lines[0] and "2024" in lines[0], "table: header of years", r.stdout)
    bpf_line = next((l for l in lines if l.startswith("BPF")), "")
    ok("13.2% (5)" in bpf_line and "19.2% (5)" in bpf_line, "table: share % and count (5/38, 5/26)", bpf_line)
    ok(any(ch in bpf_line for ch in "▁▂▃▄▅▆▇█"), "table: UTF-8 sparkline", bpf_line)
    cxl_line = next((l for l in lines if l.startswith("CXL")), "")
    ok("0.0% (0)" in cxl_line, "table: empty year shown as 0", cxl_line)
    r = run("trends", "--db", db, "BPF", env={"LC_ALL": "C", "LANG": "C"})
    ok(r.returncode == 0 and all(ord(ch) < 128 for ch in r.stdout), "table: ASCII without UTF-8 locale")

    # Warnings: a topic that matches nothing, a comma between topics, a
    # range without documents; on stderr, and in meta.warnings.
    r = run("trends", "--db", db, "--json", "bpf,rust", "BPF")
    jw = json.loads(r.stdout) if r.returncode == 0 else {}
    hint = "topic 'bpf,rust' matches no documents; separate topics with repeated topic= parameters"
    ok(len(jw.get("meta", {}).get("warnings", [])) == 1 and jw["meta"]["warnings"][0].startswith(hint)
       and "warning: " + hint in r.stderr, "a comma between topics gets a warning with the hint",
       (jw.get("meta"), r.stderr))
    r = run("trends", "--db", db, "--csv", "zzqxnothing")
    ok(r.returncode == 0 and r.stdout.startswith("topic,")
       and "warning: topic 'zzqxnothing' matches no documents" in r.stderr,
       "a topic matching nothing: warning on stderr, CSV untouched", r.stderr)
    r = run("trends", "--db", db, "--json", "--from", "2025", "BPF")
    jw = json.loads(r.stdout) if r.returncode == 0 else {}
    ok(jw.get("totals") == [] and jw["meta"].get("warnings") == ["the index has no document from 2025 on"],
       "a range without documents: no point, and a warning saying why", jw.get("meta"))
    r = run("trends", "--db", db, "--json", "BPF")
    ok(json.loads(r.stdout)["meta"].get("warnings") == [] and not r.stderr,
       "no warning when every topic matches", r.stderr)

    # Errors and usage.
    ok(run("trends", "--help").returncode == 0, "--help exits 0")
    r = run("trends", "--db", db)
    ok(r.returncode == 2 and r.stderr.startswith("plumbline: trends:"), "no topic: usage error 2", r.stderr)
    ok(run("trends", "--db", db, "--kind", "nope", "BPF").returncode == 2, "unknown kind: 2")
    ok(run("trends", "--db", db, "--format", "xml", "BPF").returncode == 2, "unknown format: 2")
    # Options anywhere before "--"; a single-dash word is a topic (an exclusion).
    r = run("trends", "BPF", "--csv", "--db", db, "--kind", "mc")
    ok(r.returncode == 0 and r.stdout.startswith("topic,") and "BPF," in r.stdout,
       "options after the topics", r.stderr)
    r = run("trends", "--db", db, "--csv", "-android")
    r2 = run("trends", "--db", db, "--csv", "--", "-android")
    ok(r.returncode == 0 and r.stdout == r2.stdout and "'-android," in r.stdout,
       "a topic that starts with - is a topic, as after --", r.stderr + r2.stderr)
    # The API's bounds and messages; one prefix; conflicting outputs refused.
    for args, msg in ((["--from", "2024", "--to", "2019", "BPF"], "--from (2024) is after --to (2019)"),
                      (["--json", "--csv", "BPF"], "--csv conflicts with --json"),
                      (["--csv", "--format", "grafana", "BPF"], "--format grafana conflicts with --csv"),
                      (["--top", "21", "BPF"], "--top must be an integer from 0 to 20, got '21'"),
                      (["--track", "", "BPF"], "--track must be 1 to 256 bytes"),
                      (["--from", "1800", "BPF"], "--from must be a year from 1900 to 2999, got '1800'"),
                      (["--rising", "2019", "2024", "--limit", "0"],
                       "--limit must be an integer from 1 to 100, got '0'"),
                      (["--rising", "2019", "2024", "--limit", "101"],
                       "--limit must be an integer from 1 to 100, got '101'"),
                      (["--rising", "2024", "2019"], "from (2024) is after to (2019)"),
                      (["--cooccur", "BPF", "--year", "3000"], "--year must be a year from 1900 to 2999")):
        r = run("trends", "--db", db, *args)
        ok(r.returncode == 2 and not r.stdout and msg in r.stderr and "trends: trends:" not in r.stderr,
           f"usage error: {' '.join(args)}", r.stderr)
    r = run("trends", "--db", db, "--json", "--format", "json", "BPF")
    ok(r.returncode == 0 and r.stdout.startswith("{"), "the same output option twice is no conflict", r.stderr)
    r = run("trends", "--db", db, "BPF", "--csv", "--nope")
    ok(r.returncode == 2 and "unknown option --nope" in r.stderr, "unknown --option: 2", r.stderr)
    r = run("trends", "--db", db, '"unbalanced')
    ok(r.returncode in (1, 2) and r.stderr.startswith("plumbline: trends:"), "bad topic query: clear error",
       r.stderr)
    for mode in (["BPF"], ["--rising", "2019", "2024"], ["--cooccur", "BPF", "--year", "2024"],
                 ["--compare", "BPF", "--a", "2019", "--b", "2024"]):
        r = run("trends", "--db", db, "--track", "Nope", *mode)
        ok(r.returncode == 1 and not r.stdout and 'track "Nope" is not in the index' in r.stderr,
           f"unknown track is an error naming it ({mode[0]})", r.stdout[:200] + r.stderr)
    r = run("trends", "--db", os.path.join(tmp, "missing"), "BPF")
    ok(r.returncode == 1 and r.stderr.startswith("plumbline: trends:"), "missing index: exit 1", r.stderr)

    print(f"1..{n}")
    subprocess.run(["rm", "-rf", tmp])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
