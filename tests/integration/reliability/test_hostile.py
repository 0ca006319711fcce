#!/usr/bin/env python3
"""Hostile and malformed input, against the real binary: the table of
docs/reliability.md ("Bad input and abuse"), one TAP line per row.

    test_hostile.py PLUMBLINE

The server runs on a loopback port over an index of the bundled corpus
plus records whose text is markup.  Each row sends one request (or runs
one CLI command) and checks the status and what the answer may hold:
never a 5xx, never unescaped markup outside <mark> in a snippet, never a
file from outside, and the server still healthy afterwards.  At the end
the server must stop cleanly (exit 0, no sanitizer report).
"""
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

EXE = sys.argv[1]
TIMEOUT = 20
n_test = 0
failed = 0


def check(name, cond, detail=""):
    global n_test, failed
    n_test += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n_test, name))
    if not cond:
        failed += 1
        for line in str(detail).splitlines()[:15]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


HOSTILE = [
    {"title": "<script>alert('xss')</script> Scheduler hostile",
     "body": "The <b>scheduler</b> & <img src=x onerror=alert(1)> \"quoted\" 'single' "
             "</mark><mark> sched_ext <iframe src=javascript:alert(1)></iframe> hostileword"},
    {"title": "Tracing \u0001 control and \ufffd replacement", "body": "hostileword tracing \u202e rtl"},
]


def write_hostile(path):
    with open(path, "w") as f:
        for i, h in enumerate(HOSTILE):
            rec = {"schema": 1, "id": "2022-talk-hostile-%d" % i, "year": 2022, "kind": "talk",
                   "title": h["title"], "body": h["body"], "people": ["<b>Mallory</b>"],
                   "track": "<i>Track</i>", "day": "", "start": "", "duration_min": 0,
                   "url": "javascript:alert(1)", "source_file": path}
            f.write(json.dumps(rec) + "\n")


class Server:
    def __init__(self, db):
        self.errf = tempfile.TemporaryFile()
        self.p = subprocess.Popen([EXE, "serve", "--db", db, "--port", "0", "--threads", "2",
                                   "--timeout", "2", "--request-timeout", "3", "--quiet"],
                                  stdout=subprocess.PIPE, stderr=self.errf)
        line = self.p.stdout.readline()
        m = re.match(rb"listening on http://127\.0\.0\.1:(\d+)", line)
        self.port = int(m.group(1)) if m else None

    def get(self, path, method="GET", headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            c.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            if body is not None:
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        except (OSError, http.client.HTTPException) as e:
            return None, {}, repr(e).encode()
        finally:
            c.close()

    def raw(self, data, wait=TIMEOUT):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=wait)
        out = b""
        try:
            try:
                s.sendall(data)
            except OSError:
                pass  # the server may close before reading everything
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                out += chunk
                s.settimeout(0.5)
        finally:
            s.close()
        return out

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.errf.seek(0)
        err = self.errf.read().decode("utf-8", "replace")
        return rc, err


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


ATTACK = (b"<script", b"<img", b"<iframe", b"<b>", b"<i>", b"<mark>")


def no_markup(body, tokens=ATTACK):
    """The raw bytes of an answer hold none of the tags the requests and
    the indexed records carry (JSON answers write < > & as \\u escapes)."""
    low = body.lower()
    return not any(t in low for t in tokens)


def snippet_ok(s):
    """Only <mark>...</mark> as markup; everything else escaped."""
    rest = re.sub(r"</?mark>", "", s)
    return "<" not in rest and ">" not in rest and not re.search(r"&(?!amp;|lt;|gt;|quot;|#39;)", rest)


def main():
    print("TAP version 13")
    tmp = tempfile.mkdtemp(prefix="pl-hostile-")
    db = os.path.join(tmp, "db")
    jl = os.path.join(tmp, "hostile.jsonl")
    write_hostile(jl)
    corpus = os.environ.get("PLUMBLINE_CORPUS", "")
    sources = [os.path.join(corpus, f) for f in sorted(os.listdir(corpus))
               if f.endswith(".txt") and f.startswith("lpc")] if corpus else []
    r = subprocess.run([EXE, "index", "--db", db, "--quiet"] + sources + [jl],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check("index with hostile records builds", r.returncode == 0, r.stderr.decode()):
        print("1..%d" % n_test)
        return 1
    srv = Server(db)
    if not check("server starts", srv.port is not None):
        srv.stop()
        print("1..%d" % n_test)
        return 1
    try:
        run_cases(srv, db)
    finally:
        rc, err = srv.stop()
        check("server stops cleanly after all of it (exit 0, no sanitizer report)",
              rc == 0 and "Sanitizer" not in err and "runtime error" not in err, err[-2000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_test)
    return 1 if failed else 0


def run_cases(srv, db):
    def http_case(name, path, want, method="GET", headers=None, body=None, extra=None):
        t0 = time.time()
        st, h, data = srv.get(path, method, headers, body)
        ok = (st in want if isinstance(want, (set, tuple)) else st == want)
        ok = ok and no_markup(data) and b"root:x:0:0" not in data
        why = ""
        if ok and extra:
            why = extra(st, h, data) or ""
            ok = not why
        check("%s -> %s (%.0f ms)" % (name, st, (time.time() - t0) * 1000), ok,
              "want %s, got %s %s %s" % (want, st, why, data[:300]))

    def raw_case(name, data, want, wait=TIMEOUT):
        out = srv.raw(data, wait)
        st = status_of(out)
        ok = (st in want if isinstance(want, (set, tuple)) else st == want)
        # libmicrohttpd's own error pages are fixed HTML: only what the
        # request carried must not come back.
        ok = ok and no_markup(out.split(b"\r\n\r\n", 1)[-1], ATTACK[:3]) if st else ok
        check("%s -> %s" % (name, st if st else "closed"), ok, "want %s, got %r" % (want, out[:300]))

    def is_json_error(code):
        def f(st, h, data):
            try:
                e = json.loads(data)["error"]
            except (ValueError, KeyError, TypeError):
                return "not a JSON error"
            if e.get("code") != code:
                return "error code %s" % e.get("code")
            if "application/json" not in h.get("content-type", ""):
                return "content-type %s" % h.get("content-type")
            return None
        return f

    bad = is_json_error("bad_parameter")
    # --- encoding -------------------------------------------------------------------
    http_case("invalid UTF-8 in q (%ff%fe)", "/api/search?q=%ff%fe", 400, extra=bad)
    http_case("overlong UTF-8 in q (%c0%af)", "/api/search?q=%c0%af", 400, extra=bad)
    http_case("UTF-16 surrogate in q (%ed%a0%80)", "/api/search?q=%ed%a0%80", 400, extra=bad)
    http_case("NUL byte in q (%00)", "/api/search?q=a%00b", 400, extra=bad)
    http_case("NUL byte in a parameter name", "/api/search?q=a&%00=1", 400, extra=bad)
    http_case("malformed percent-encoding (%ZZ, trailing %)", "/api/search?q=%ZZ%", 400,
              extra=bad)
    raw_case("raw bytes 0x80-0xff in the request line",
             b"GET /api/search?q=\xc3\x28\xff HTTP/1.1\r\nHost: x\r\n\r\n", {400})
    # --- size and shape of queries ---------------------------------------------------
    http_case("4 KiB + 1 query (over PL_QUERY_MAX_BYTES)", "/api/search?q=" + "a" * 4097, 400,
              extra=is_json_error("query_too_large"))
    raw_case("1 MB query in the URI", b"GET /api/search?q=" + b"a" * (1 << 20) +
             b" HTTP/1.1\r\nHost: x\r\n\r\n", {414, 431, 400, None})
    http_case("2,000 terms (over PL_QUERY_MAX_TERMS)", "/api/search?q=" + "+".join(
        "t%d" % (i % 10) for i in range(2000)), 400, extra=is_json_error("query_too_large"))
    http_case("parentheses 2,000 deep", "/api/search?q=" + "(" * 2000 + "a" + ")" * 2000, 400,
              extra=is_json_error("query_too_large"))
    http_case("2,000 unbalanced '('", "/api/search?q=" + "(" * 2000, 400)
    http_case("2,000 quotes", "/api/search?q=" + "%22" * 2000, {200, 400})
    http_case("operators only (OR AND NOT -)", "/api/search?q=OR+AND+NOT+-", {200, 400})
    http_case("empty q", "/api/search?q=", {200, 400})
    # --- numbers ---------------------------------------------------------------------------
    http_case("limit=-1", "/api/search?q=kernel&limit=-1", 400, extra=bad)
    http_case("limit=1000000", "/api/search?q=kernel&limit=1000000", 400, extra=bad)
    http_case("offset=1e18", "/api/search?q=kernel&offset=1e18", 400, extra=bad)
    http_case("offset=18446744073709551617", "/api/search?q=kernel&offset=18446744073709551617",
              400, extra=bad)
    http_case("limit=+5 and limit=0x10", "/api/search?q=kernel&limit=0x10", 400, extra=bad)
    http_case("year=2023..2019 (reversed)", "/api/search?q=kernel&year=2023..2019", 400, extra=bad)
    http_case("year=99999999999", "/api/search?q=kernel&year=99999999999", 400, extra=bad)
    http_case("suggest limit=-5", "/api/suggest?prefix=sch&limit=-5", 400, extra=bad)
    # --- parameters --------------------------------------------------------------------------
    http_case("unknown parameter", "/api/search?q=a&qq=b", 400, extra=bad)
    http_case("parameter given twice", "/api/search?q=a&q=b", 400, extra=bad)
    http_case("40 parameters", "/api/search?" + "&".join("q%d=1" % i for i in range(40)), 400,
              extra=bad)
    http_case("kind=<script>", "/api/search?q=a&kind=%3Cscript%3Ealert(1)%3C/script%3E", 400,
              extra=bad)
    # --- paths -------------------------------------------------------------------------------------
    http_case("/../../etc/passwd", "/../../etc/passwd", {400, 404})
    http_case("/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", {400, 404})
    http_case("/app.js/../../../etc/passwd", "/app.js/../../../etc/passwd", {400, 404})
    http_case("//etc/passwd", "//etc/passwd", {400, 404})
    http_case("/%2fetc%2fpasswd", "/%2fetc%2fpasswd", {400, 404})
    http_case("/api/docs/..%2f..%2fetc%2fpasswd", "/api/docs/..%2f..%2fetc%2fpasswd", {400, 404})
    http_case("/api/docs/ with a 10 KB id", "/api/docs/" + "x" * 7000, {400, 404, 414})
    http_case("/api/docs/ with markup in the id", "/api/docs/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
              {400, 404})
    # --- methods and framing ---------------------------------------------------------------------
    http_case("POST with a body", "/api/search?q=a", 405, method="POST", body=b"x" * 1000)
    http_case("DELETE", "/api/search?q=a", 405, method="DELETE")
    raw_case("unknown method BREW", b"BREW /api/search?q=a HTTP/1.1\r\nHost: x\r\n\r\n",
             {400, 405, 501})
    raw_case("Content-Length: -1 on GET",
             b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", {400, 413})
    raw_case("request line only garbage", b"\x00\x01\x02\x03\r\n\r\n", {400, None})
    raw_case("HTTP/1.1 without Host (RFC 9112 3.2)", b"GET /healthz HTTP/1.1\r\n\r\n", {400})
    raw_case("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n\r\n", {200})
    # --- headers ------------------------------------------------------------------------------------
    raw_case("header flood: 400 headers (24 KB)",
             b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
             b"".join(b"X-F%d: %s\r\n" % (i, b"v" * 50) for i in range(400)) + b"\r\n",
             {431, 400, 413})
    raw_case("one 200 KB header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
             b"v" * 200000 + b"\r\n\r\n", {431, 400, 413, None})
    st, h, data = srv.get("/api/search?q=a%0d%0aSet-Cookie:%20x=1")
    check("CRLF in q does not split headers -> %s" % st,
          st in (200, 400) and "set-cookie" not in h, h)
    # --- markup in indexed text and in queries ------------------------------------------------------
    st, h, data = srv.get("/api/search?q=hostileword&limit=10")
    ok = st == 200
    try:
        j = json.loads(data)
        hits = j["hits"]
    except (ValueError, KeyError):
        hits, ok = [], False
    snips = [x.get("snippet", "") for x in hits]
    check("markup in indexed text: found, raw answer has no tags", ok and len(hits) >= 2 and
          no_markup(data), data[:400])
    check("markup in indexed text: snippets hold only <mark> and escaped text",
          snips and all(snippet_ok(s) for s in snips) and any("&lt;" in s for s in snips),
          snips)
    check("markup in indexed text: '</mark><mark>' in the text stays text",
          all(s.count("<mark>") == s.count("</mark>") for s in snips), snips)
    st, h, data = srv.get("/api/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    check("query <script>alert(1)</script> echoed without raw markup -> %s" % st,
          st in (200, 400) and no_markup(data), data[:300])
    st, h, data = srv.get("/api/search?q=%22%3Cimg+src%3Dx+onerror%3Dalert(1)%3E%22")
    check("phrase of markup echoed without raw markup -> %s" % st,
          st in (200, 400) and no_markup(data), data[:300])
    http_case("suggest prefix=<img", "/api/suggest?prefix=%3Cimg", {200, 400})
    http_case("trends topic=<script>", "/api/trends?topic=%3Cscript%3E", {200, 400})
    http_case("document with markup fields", "/api/docs/2022-talk-hostile-0", 200)
    http_case("similar to the markup document", "/api/docs/2022-talk-hostile-0/similar", 200)
    # --- slow and idle clients -----------------------------------------------------------------------
    socks = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")  # never finished
        socks.append(s)
    t0 = time.time()
    st, h, data = srv.get("/healthz")
    check("50 half-sent requests (slowloris): others still served -> %s in %.0f ms" % (
        st, (time.time() - t0) * 1000), st == 200 and time.time() - t0 < 2, data[:200])
    closed = 0
    deadline = time.time() + 8
    for s in socks:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            closed += s.recv(1) == b"" or True
        except socket.timeout:
            pass
        except OSError:
            closed += 1
        s.close()
    check("slowloris connections are dropped by the idle timeout (%d of 50)" % closed,
          closed == 50)
    # A client that sends one byte per 0.25 s resets the idle timeout each
    # time; the head deadline (--request-timeout 3) cuts it, and others are
    # served meanwhile.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
    t0 = time.time()
    served = []
    cut_at = None
    for i, b in enumerate(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60):
        try:
            s.sendall(bytes([b]))
            r, _, _ = select.select([s], [], [], 0.25)
            if r and s.recv(64) == b"":
                cut_at = time.time() - t0
                break
        except OSError:
            cut_at = time.time() - t0
            break
        if i % 10 == 5:
            served.append(srv.get("/healthz")[0])
    s.close()
    check("one byte every 0.25 s: others served meanwhile (%s)" % served,
          served and all(x == 200 for x in served))
    check("one byte every 0.25 s: closed by the 3 s head deadline (after %s s)" % (
        "%.2f" % cut_at if cut_at is not None else "never"),
          cut_at is not None and 2.8 <= cut_at <= 5.0)
    st, _, body = srv.get("/metrics")
    m = re.search(rb"^plumbline_http_head_timeouts_total (\d+)$", body or b"", re.M)
    check("the cut is counted in plumbline_http_head_timeouts_total (%s)" % (
        m.group(1).decode() if m else None), st == 200 and m and int(m.group(1)) >= 1)
    # Pipelining: 100 requests in one write.
    out = srv.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 100, wait=TIMEOUT)
    n200 = len(re.findall(rb"HTTP/1\.1 200", out))
    check("100 pipelined requests in one write: all answered (%d)" % n200, n200 == 100)
    # --- half-closed connections (finding 13) ---------------------------------------------------------
    # A client's last bytes and its FIN in one segment (TCP_CORK makes it
    # deterministic; under load it happens by chance): the server must see
    # the end of stream at once, not when the 2 s idle timeout fires.
    # libmicrohttpd's edge-triggered epoll loop missed it; the poll loop
    # does not.  Each wait is bounded below the idle timeout.
    def close_time(s, wait=1.5):
        t0 = time.time()
        s.settimeout(wait)
        out = b""
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                out += c
        except socket.timeout:
            return None, out
        except OSError:
            pass
        return time.time() - t0, out

    def read_answer(s):
        """One whole answer (head and Content-Length bytes of body)."""
        buf = b""
        while True:
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                if len(body) >= (int(m.group(1)) if m else 0):
                    return buf
            c = s.recv(65536)
            if not c:
                return buf
            buf += c

    def half_close(first, last, cork=True):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=TIMEOUT)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if first:
                s.sendall(first)
                read_answer(s)
            if cork:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            if last:
                s.sendall(last)
            s.shutdown(socket.SHUT_WR)
            return close_time(s)
        except OSError as e:
            return None, repr(e).encode()
        finally:
            s.close()

    ka = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    slow = []
    for name, first, last in (("a keep-alive answer, then 1 byte", ka, b"x"),
                              ("a keep-alive answer, then half a request", ka, b"GET /hea"),
                              ("a keep-alive answer, then a whole request", ka, ka),
                              ("a fresh connection, 5 raw bytes", b"", b"r~pps"),
                              ("a fresh connection, half a request line", b"", b"GET /healthz HT")):
        for _ in range(4):
            dt, out = half_close(first, last)
            if dt is None or dt > 0.5:
                slow.append("%s: %s" % (name, "not closed in 1.5 s" if dt is None else "%.2f s" % dt))
    check("last bytes and FIN in one segment: closed at once, not at the idle timeout (20 tries)",
          not slow, "\n".join(slow))
    # The fuzzer's mix, as fast as one client goes: whole requests, a
    # keep-alive request and half of another, a few raw bytes, each ended
    # with a half-close, corked or not.  Bounded in count and time.
    mix = [(b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
           (b"", ka), (b"", ka + b"GET /api/st"), (b"", b"r~pps"), (b"", b"'"),
           (b"", b",//\xdahtri"), (ka, b""), (ka, b"x"), (ka, ka),
           (b"", b"GET /api/search?q=ke HTTP/1.1\r\nHos:t x\r\n\r\n")]
    t0 = time.time()
    n = worst = 0
    bad = []
    while n < 1500 and time.time() - t0 < 12 and len(bad) < 5:
        first, last = mix[n % len(mix)]
        dt, out = half_close(first, last, cork=(n // len(mix)) % 2 == 0)
        if dt is None or dt > 1.0:
            bad.append("connection %d (%r then %r): %s" % (n, first[:20], last[:20],
                                                          "stalled" if dt is None else "%.2f s" % dt))
        else:
            worst = max(worst, dt)
        n += 1
    check("%d short half-closed connections in %.1f s: each closed within 1 s (slowest %.0f ms)" % (
        n, time.time() - t0, worst * 1000), not bad and n >= 500, "\n".join(bad))
    # --- CLI inputs ---------------------------------------------------------------------------------
    def cli_case(name, args, want_rc, stdin=None):
        t0 = time.time()
        r = subprocess.run([EXE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           input=stdin, timeout=60)
        err = r.stderr.decode("utf-8", "replace")
        ok = r.returncode == want_rc and "Sanitizer" not in err and "runtime error" not in err
        if want_rc:
            ok = ok and err.startswith("plumbline:")
        check("CLI %s -> exit %d (%.0f ms)" % (name, r.returncode, (time.time() - t0) * 1000),
              ok, err[-500:])
    # A query over the limits is the user's error: exit 2 with the limit named.
    cli_case("search with 10,000 terms", ["search", "--db", db, " ".join(
        "w%d" % i for i in range(10000))], 2)
    cli_case("search nested parentheses 10,000 deep", ["search", "--db", db,
                                                        "(" * 10000 + "a" + ")" * 10000], 2)
    cli_case("search 120 KB query (one argument is at most 128 KiB)",
             ["search", "--db", db, "kernel " * 17000], 2)
    cli_case("search 60 terms of 64 bytes each", ["search", "--db", db, " ".join(
        "x" * 63 + str(i % 10) for i in range(60))], 0)
    cli_case("search invalid UTF-8 only (nothing to search for)",
             ["search", "--db", db, "\udcff\udcfe"], 2)
    cli_case("search invalid UTF-8 around a word", ["search", "--db", db, "\udcffkernel\udcfe"], 0)
    cli_case("--limit -1", ["search", "--db", db, "--limit", "-1", "kernel"], 2)
    cli_case("--offset 1e18", ["search", "--db", db, "--offset", "1e18", "kernel"], 2)
    bad_dir = tempfile.mkdtemp(prefix="pl-hostile-src-")
    try:
        samples = {"nul.jsonl": b'{"year":2019,"title":"a\x00b"}\n\x00\x00\n',
                   "deep.json": b"[" * 100000 + b"]" * 100000,
                   "binary.txt": bytes(range(256)) * 64,
                   "huge-line.jsonl": b'{"year":2019,"title":"' + b"x" * (2 << 20) + b'"}\n'}
        for name, data in samples.items():
            p = os.path.join(bad_dir, name)
            with open(p, "wb") as f:
                f.write(data)
            d2 = os.path.join(bad_dir, "db-" + name)
            t0 = time.time()
            r = subprocess.run([EXE, "index", "--db", d2, "--quiet", p], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            err = r.stderr.decode("utf-8", "replace")
            check("CLI index of %s -> exit %d (%.0f ms)" % (name, r.returncode,
                                                          (time.time() - t0) * 1000),
                  r.returncode in (0, 1) and "Sanitizer" not in err and
                  "runtime error" not in err and (r.returncode == 0 or err.startswith("plumbline:")),
                  err[-500:])
    finally:
        shutil.rmtree(bad_dir, ignore_errors=True)
    # An LPC 2019 capture whose title line is only invalid bytes (found by
    # fuzz_lpc2019): indexed, and its document readable by a search.
    src = os.path.join(os.environ.get("PLUMBLINE_SOURCE_ROOT", "."), "tests", "fuzz",
                       "regressions", "lpc2019", "empty-title-after-cleaning.txt")
    d3 = tempfile.mkdtemp(prefix="pl-hostile-title-")
    try:
        r = subprocess.run([EXE, "index", "--db", d3, "--quiet", src], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        r2 = subprocess.run([EXE, "search", "--db", d3, "--json", "upstream"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        try:
            hits = json.loads(r2.stdout)["hits"]
        except (ValueError, KeyError):
            hits = []
        check("CLI capture with a title line of invalid bytes: indexed and found (%d hits)" %
              len(hits), r.returncode == 0 and r2.returncode == 0 and hits and
              all(x.get("title") for x in hits), r.stderr.decode("utf-8", "replace") +
              r2.stderr.decode("utf-8", "replace"))
    finally:
        shutil.rmtree(d3, ignore_errors=True)
    st, h, data = srv.get("/healthz")
    check("server healthy after every case -> %s" % st, st == 200, data[:200])


if __name__ == "__main__":
    sys.exit(main())
