#!/usr/bin/env python3
"""Black-box tests of `plumbline serve`: every endpoint, every row of the
bad-input table in docs/api.md, CORS, limits, a rebuild under load and
signal shutdown.  Speaks HTTP with http.client, and raw sockets where a
request has to be malformed.  Prints TAP.

usage: test_server.py PLUMBLINE_EXE
"""
import calendar
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

EXE = os.path.abspath(sys.argv[1])
SRC = os.environ.get('PLUMBLINE_SOURCE_ROOT',
                     os.path.join(os.path.dirname(__file__), '..', '..', '..'))
TIMEOUT = 10

results = []


def check(name, cond, detail=''):
    results.append(bool(cond))
    n = len(results)
    if cond:
        print('ok %d - %s' % (n, name))
    else:
        print('not ok %d - %s' % (n, name))
        if detail:
            for line in str(detail).splitlines()[:20]:
                print('#   ' + line)
    sys.stdout.flush()
    return cond


class Server:
    def __init__(self, db, *args):
        self.errf = tempfile.TemporaryFile()
        self.p = subprocess.Popen([EXE, 'serve', '--db', db, '--port', '0'] + list(args),
                                  stdout=subprocess.PIPE, stderr=self.errf)
        self.port = None
        deadline = time.time() + TIMEOUT
        line = b''
        while time.time() < deadline:
            line = self.p.stdout.readline()
            if line or self.p.poll() is not None:
                break
        m = re.match(rb'listening on http://127\.0\.0\.1:(\d+)', line)
        if m:
            self.port = int(m.group(1))

    def conn(self):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=TIMEOUT)

    def get(self, path, method='GET', headers=None, body=None):
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def json(self, path):
        st, h, data = self.get(path)
        try:
            return st, h, json.loads(data)
        except ValueError:
            return st, h, None

    def raw(self, data, read=True, timeout=TIMEOUT):
        s = socket.create_connection(('127.0.0.1', self.port), timeout=timeout)
        try:
            s.sendall(data)
            if not read:
                return b''
            out = b''
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                out += chunk
                # Keep-alive: stop once one whole answer is in.
                head, sep, body = out.partition(b'\r\n\r\n')
                m = re.search(rb'\r\ncontent-length: *(\d+)', head, re.I)
                if sep and m and len(body) >= int(m.group(1)):
                    break
                s.settimeout(0.3)
            return out
        finally:
            s.close()

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.p.stdout.close()
        self.errf.seek(0)
        self.stderr = self.errf.read().decode('utf-8', 'replace')
        self.errf.close()
        return rc


def index(db):
    return subprocess.run([EXE, 'index', '--db', db], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)


def q(params):
    return urllib.parse.urlencode(params, doseq=True)


def is_error(status, h, data, code=None):
    """The error envelope, with the headers every answer carries."""
    try:
        j = json.loads(data)
    except ValueError:
        return False
    ok = (isinstance(j, dict) and list(j) == ['error'] and isinstance(j['error'], dict)
          and isinstance(j['error'].get('code'), str) and isinstance(j['error'].get('message'), str)
          and j['error']['message'] != ''
          and h.get('content-type') == 'application/json; charset=utf-8'
          and h.get('x-content-type-options') == 'nosniff' and 'cache-control' in h)
    return ok and (code is None or j['error']['code'] == code)


def expect_error(srv, name, path, status, code, method='GET', headers=None):
    st, h, data = srv.get(path, method=method, headers=headers)
    check('%s -> %d %s' % (name, status, code), st == status and is_error(st, h, data, code),
          '%s %s\n%s' % (st, h, data[:300]))
    return st, h, data


def main():
    tmp = tempfile.mkdtemp(prefix='plumbline-server-')
    db = os.path.join(tmp, 'index')
    servers = []
    try:
        run_cli()
        r = index(db)
        check('index the bundled corpus', r.returncode == 0, r.stderr.decode()[-500:])
        t0 = time.time()
        srv = Server(db)
        servers.append(srv)
        if not check('server starts and prints its port', srv.port, srv.p.poll()):
            return
        st, _, _ = srv.get('/healthz')
        check('first request answered (%.0f ms after start)' % ((time.time() - t0) * 1000),
              st == 200)
        run_endpoints(srv)
        run_errors(srv)
        run_params(srv)
        run_schema(srv)
        run_cors(srv, db)
        run_limits(db)
        run_per_ip(db)
        run_unavailable(tmp)
        run_garbage(srv)
        run_cache(srv, db)
        run_rebuild(srv, db)
        run_shared(srv, db)
        # A request under way when SIGTERM arrives is still answered.
        c = srv.conn()
        c.request('GET', '/healthz')
        c.getresponse().read()
        c.request('GET', '/api/trends?' + q({'topic': ['kernel', 'memory', 'BPF'], 'top': 20}))
        srv.p.send_signal(signal.SIGTERM)
        try:
            r = c.getresponse()
            body = r.read()
            st = r.status
        except (OSError, http.client.HTTPException) as e:
            st, body = repr(e), b''
        c.close()
        check('SIGTERM: the request under way is answered', st == 200 and body.endswith(b'}'),
              st)
        rc = srv.stop(signal.SIGTERM)
        check('SIGTERM: exit status 0', rc == 0, srv.stderr[-500:])
        check('access log line per request on stderr',
              re.search(r'^GET /healthz 200 \d+ \d+us$', srv.stderr, re.M), srv.stderr[-500:])
        check('access log never shows query strings', 'q=' not in srv.stderr)
        s2 = Server(db, '--quiet')
        servers.append(s2)
        s2.get('/healthz')
        rc = s2.stop(signal.SIGINT)
        check('SIGINT: exit status 0', rc == 0)
        check('--quiet: no access log', 'GET /healthz' not in s2.stderr, s2.stderr)
    finally:
        for s in servers:
            if s.p.poll() is None:
                s.p.kill()
                s.p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def read_source(rel):
    with open(os.path.join(SRC, rel), 'rb') as f:
        return f.read()


def run_endpoints(srv):
    for path, rel, ctype in [('/', 'web/static/index.html', 'text/html; charset=utf-8'),
                             ('/index.html', 'web/static/index.html', 'text/html; charset=utf-8'),
                             ('/app.js', 'web/static/app.js', 'text/javascript; charset=utf-8'),
                             ('/style.css', 'web/static/style.css', 'text/css; charset=utf-8'),
                             ('/favicon.svg', 'web/static/favicon.svg',
                              'image/svg+xml; charset=utf-8'),
                             ('/favicon.ico', 'web/static/favicon.svg',
                              'image/svg+xml; charset=utf-8')]:
        st, h, data = srv.get(path)
        check('GET %s serves %s' % (path, rel),
              st == 200 and data == read_source(rel) and h.get('content-type') == ctype
              and h.get('x-content-type-options') == 'nosniff' and 'cache-control' in h,
              (st, h))

    st, h, _ = srv.get('/app.js')
    etag = h.get('etag', '')
    st2, h2, body = srv.get('/app.js', headers={'If-None-Match': etag})
    st3, _, _ = srv.get('/app.js', headers={'If-None-Match': '"0000000000000000"'})
    check('the page carries an ETag; If-None-Match answers 304 without a body',
          re.fullmatch(r'"[0-9a-f]{16}"', etag) and st2 == 304 and body == b''
          and h2.get('etag') == etag and st3 == 200, (etag, st2, st3))

    st, h, doc = srv.json('/api/openapi.json')
    paths = set((doc or {}).get('paths', {}))
    want = {'/api/search', '/api/suggest', '/api/docs/{id}', '/api/docs/{id}/similar',
            '/api/trends', '/api/trends/compare', '/api/terms/rising', '/api/terms/cooccur',
            '/api/stats', '/healthz', '/metrics'}
    check('GET /api/openapi.json is OpenAPI 3 listing every endpoint',
          st == 200 and str(doc.get('openapi', '')).startswith('3.') and want <= paths,
          sorted(want - paths))
    check('openapi.json equals web/openapi.json',
          srv.get('/api/openapi.json')[2] == read_source('web/openapi.json'))

    st, h, stats = srv.json('/api/stats')
    years = [y['year'] for y in (stats or {}).get('years', [])]
    check('GET /api/stats has the three bundled years',
          st == 200 and {2019, 2023, 2024} <= set(years) and years == sorted(years), stats)
    check('stats: documents per year add up',
          st == 200 and stats['documents'] == sum(y['documents'] for y in stats['years'])
          and all(y['documents'] == sum(y['kinds'].values()) for y in stats['years']), stats)
    check('stats: build time and versions', st == 200 and stats.get('built_at')
          and stats['versions'].get('plumbline'), stats)
    vs = (stats or {}).get('versions', {})
    check('stats: every version but the program\'s is a number',
          all(isinstance(vs.get(k), int) for k in ('index_format', 'index_analyzer', 'format',
                                                   'analyzer')), vs)
    td = (stats or {}).get('track_documents', {})
    check('stats: track_documents names every track with its documents',
          isinstance(td, dict) and len(td) == stats.get('tracks') and td.get('LPC Refereed Track') == 19
          and all(isinstance(v, int) and v >= 0 for v in td.values()), td)

    st, h, hz = srv.json('/healthz')
    check('GET /healthz', st == 200 and hz['status'] == 'ok'
          and hz['documents'] == (stats or {}).get('documents'), hz)

    st, h, res = srv.json('/api/search?' + q({'q': 'BPF'}))
    hits = (res or {}).get('hits', [])
    check('GET /api/search?q=BPF finds documents',
          st == 200 and res['total'] >= 1 and 1 <= len(hits) <= 10
          and all('id' in x and 'title' in x and 'year' in x for x in hits), res)
    st, h, two = srv.json('/api/search?' + q({'q': 'BPF', 'limit': 2}))
    st2, h, one = srv.json('/api/search?' + q({'q': 'BPF', 'limit': 1, 'offset': 1}))
    check('search: limit and offset page through the same ranking',
          st == 200 and st2 == 200 and len(two['hits']) <= 2 and
          (len(two['hits']) < 2 or two['hits'][1]['id'] == one['hits'][0]['id']), (two, one))
    st, h, res = srv.json('/api/search?' + q({'q': 'kernel', 'year': '2019', 'limit': 50}))
    check('search: year=2019 filters', st == 200 and res['hits']
          and all(x['year'] == 2019 for x in res['hits']), res)
    st, h, res = srv.json('/api/search?' + q({'q': 'kernel', 'year': '2023..2024', 'limit': 50}))
    check('search: year=2023..2024 filters', st == 200 and res['hits']
          and all(2023 <= x['year'] <= 2024 for x in res['hits']), res)
    st, h, res = srv.json('/api/search?' + q({'q': 'kernel', 'kind': 'mc', 'limit': 50}))
    check('search: kind=mc filters', st == 200 and res['hits']
          and all(x['kind'] == 'mc' for x in res['hits']), res)
    st, h, res = srv.json('/api/search?' + q({'q': 'kernel', 'sort': 'date'}))
    check('search: sort=date', st == 200 and 'hits' in res)

    if hits:
        did = hits[0]['id']
        st, h, d = srv.json('/api/docs/' + urllib.parse.quote(did))
        check('GET /api/docs/{id} returns the record',
              st == 200 and d['id'] == did and isinstance(d.get('body'), str)
              and d['year'] == hits[0]['year'] and '/' not in d.get('source', '/'), d)
        st, h, sim = srv.json('/api/docs/%s/similar?limit=3' % urllib.parse.quote(did))
        check('GET /api/docs/{id}/similar', st == 200 and len(sim['hits']) <= 3
              and did not in [x['id'] for x in sim['hits']], sim)
    else:
        check('GET /api/docs/{id} returns the record', False, 'no search hit to fetch')
        check('GET /api/docs/{id}/similar', False, 'no search hit')

    st, h, sg = srv.json('/api/suggest?prefix=sch')
    check('GET /api/suggest?prefix=sch', st == 200 and sg['suggestions'] and all(
        s['text'].startswith('sch') and s['df'] >= 1 for s in sg['suggestions']), sg)

    st, h, tr = srv.json('/api/trends?' + q({'topic': ['BPF', 'Rust', 'CXL']}))
    series = (tr or {}).get('series', [])
    tyears = [t['year'] for t in (tr or {}).get('totals', [])]
    check('GET /api/trends: one series per topic, in order',
          st == 200 and [s['topic'] for s in series] == ['BPF', 'Rust', 'CXL'], tr)
    check('trends: a point per year for every series', st == 200 and tyears == sorted(tyears)
          and {2019, 2023, 2024} <= set(tyears)
          and all([p['year'] for p in s['points']] == tyears for s in series), tyears)
    st, h, tr = srv.json('/api/trends?' + q({'topic': 'BPF', 'from': 2023, 'to': 2024}))
    check('trends: from/to bound the years', st == 200
          and all(2023 <= t['year'] <= 2024 for t in tr['totals']), tr)
    check('trends: no warning when the topic matches', tr['meta'].get('warnings') == [], tr['meta'])
    st, h, tr = srv.json('/api/trends?topic=bpf,rust&topic=BPF')
    w = tr['meta'].get('warnings', []) if st == 200 else []
    check('trends topic=bpf,rust: a warning says how to give two topics',
          len(w) == 1 and w[0].startswith("topic 'bpf,rust' matches no documents; separate topics "
                                          "with repeated topic= parameters"), w)
    st, h, tr = srv.json('/api/trends?topic=BPF&from=2025')
    check('trends from=2025: empty totals and points, and a warning',
          st == 200 and tr['totals'] == [] and tr['series'][0]['points'] == []
          and tr['meta'].get('warnings') == ['the index has no document from 2025 on'], tr)
    # 2023 has documents but no MC: no measurement, so null, never 0 %.
    st, h, tr = srv.json('/api/trends?' + q({'topic': 'Rust', 'kind': 'mc'}))
    pts = {p['year']: p for p in tr['series'][0]['points']} if st == 200 else {}
    p23 = pts.get(2023, {})
    check('trends kind=mc: 2023 (no MC) is null with no_docs true',
          p23.get('docs_total') == 0 and p23.get('no_docs') is True and p23.get('share') is None
          and p23.get('share_ci') == [None, None] and p23.get('per_1k') is None
          and p23.get('per_1k_ci') == [None, None], p23)
    check('trends kind=mc: the other years have no_docs false and a share',
          all(p.get('no_docs') is False and p['share'] is not None
              for y, p in pts.items() if y != 2023) and len(pts) == 3, pts)
    st, h, gf = srv.json('/api/trends?' + q({'topic': 'Rust', 'kind': 'mc', 'format': 'grafana'}))
    g23 = [r for r in gf if r['year'] == 2023] if st == 200 else []
    check('trends kind=mc format=grafana: the 2023 row carries nulls',
          len(g23) == 1 and g23[0].get('no_docs') is True and g23[0]['share'] is None
          and g23[0]['share_lo'] is None and g23[0]['per_1k_hi'] is None, g23)

    # Grafana (Infinity / JSON API datasources) reads an array of flat rows
    # with a time field in epoch milliseconds.
    st, h, gf = srv.json('/api/trends?' + q({'topic': ['BPF', 'Rust'], 'format': 'grafana'}))
    ok = st == 200 and isinstance(gf, list) and len(gf) == 2 * len(tyears)
    for row in gf if ok else []:
        ok = ok and isinstance(row, dict) and row.get('topic') in ('BPF', 'Rust')
        ok = ok and isinstance(row.get('time'), int) and all(
            not isinstance(v, (dict, list)) for v in row.values())
        yr = time.gmtime(row['time'] / 1000).tm_year if ok else 0
        ok = ok and row['time'] == calendar.timegm((yr, 1, 1, 0, 0, 0)) * 1000
    check('trends format=grafana: flat rows, time = 1 January in epoch ms', ok, gf)
    # Vega-Lite reads data.values: an array of flat objects; year as a
    # string so that it is an ordinal/temporal field.
    st, h, vg = srv.json('/api/trends?' + q({'topic': ['BPF', 'Rust'], 'format': 'vega'}))
    ok = st == 200 and isinstance(vg, list) and len(vg) == 2 * len(tyears)
    for row in vg if ok else []:
        ok = ok and isinstance(row, dict) and row.get('topic') in ('BPF', 'Rust')
        ok = ok and isinstance(row.get('year'), str) and re.fullmatch(r'\d{4}', row['year'])
        ok = ok and all(not isinstance(v, (dict, list)) for v in row.values())
    check('trends format=vega: flat rows for data.values, year as a string', ok, vg)
    # One precision for the reals of every trends answer: 10 significant
    # digits (jansson's default is 17: "level":0.94999999999999996).
    long_reals = []
    for path in ('/api/trends?topic=BPF&topic=Rust', '/api/trends?topic=BPF&format=grafana',
                 '/api/trends?topic=BPF&format=vega', '/api/trends?topic=BPF&format=csv',
                 '/api/trends/compare?topic=BPF&a=2019&b=2024',
                 '/api/terms/rising?from=2019&to=2024', '/api/terms/cooccur?topic=BPF&year=2024'):
        st, h, data = srv.get(path)
        text = data.decode('utf-8', 'replace')
        long_reals += [(path, m) for m in re.findall(r'-?\d+\.\d+(?:[eE][-+]?\d+)?', text)
                       if len(re.sub(r'[eE].*|[-.]', '', m).lstrip('0')) > 10]
        if path.endswith('BPF&topic=Rust'):
            long_reals += [] if '"level":0.95}' in text else [(path, 'level')]
    check('trends answers: reals have at most 10 significant digits', not long_reals,
          long_reals[:5])
    st, h, csv = srv.get('/api/trends?' + q({'topic': 'BPF', 'format': 'csv'}))
    lines = csv.decode('utf-8', 'replace').split('\r\n')
    check('trends format=csv: text/csv, header + one CRLF row per year',
          st == 200 and h['content-type'].startswith('text/csv; charset=utf-8')
          and lines[-1] == '' and len(lines) - 2 == len(tyears), csv[:300])

    st, h, cp = srv.json('/api/trends/compare?' + q({'topic': 'BPF', 'a': 2019, 'b': 2024}))
    check('GET /api/trends/compare', st == 200 and cp['a']['year'] == 2019
          and cp['b']['year'] == 2024, cp)
    st, h, ri = srv.json('/api/terms/rising?' + q({'from': 2019, 'to': 2024, 'limit': 5}))
    check('GET /api/terms/rising', st == 200 and isinstance(ri.get('rising'), list)
          and len(ri['rising']) <= 5, ri)
    st, h, ri = srv.json('/api/terms/rising?from=2019&to=2024&limit=100')
    words = {t['display'] for t in ri['rising'] + ri['falling']} if st == 200 else set()
    check('rising terms: no piece of a link or compound, no function word',
          words and not words & {'lore', 'micro', 'conference', 'sched', 'its', 'not', 'being'},
          sorted(words & {'lore', 'micro', 'conference', 'sched', 'its', 'not', 'being'}))
    st, h, co = srv.json('/api/terms/cooccur?' + q({'topic': 'BPF', 'year': 2024}))
    check('GET /api/terms/cooccur', st == 200 and isinstance(co.get('associated'), list), co)
    st, h, co = srv.json('/api/terms/cooccur?' + q({'topic': 'BPF', 'year': 2024, 'limit': 3}))
    check('cooccur limit=3: at most 3 terms in each list, meta.limit 3',
          st == 200 and co['meta'].get('limit') == 3 and 0 < len(co['associated']) <= 3
          and 0 < len(co['dissociated']) <= 3, co)

    st, h, data = srv.get('/api/stats', method='HEAD')
    check('HEAD answers headers only', st == 200 and data == b''
          and int(h.get('content-length', '0')) > 0, h)

    st, h, data = srv.get('/metrics')
    text = data.decode()
    m = re.search(r'^plumbline_http_requests_total\{endpoint="search",code="200"\} (\d+)$',
                  text, re.M)
    check('GET /metrics: requests by endpoint and status',
          st == 200 and h['content-type'].startswith('text/plain; version=0.0.4')
          and m and int(m.group(1)) >= 6, text[:500])
    check('metrics: latency histogram and index generation',
          re.search(r'^plumbline_http_request_duration_seconds_bucket\{endpoint="search",'
                    r'le="\+Inf"\} \d+$', text, re.M)
          and re.search(r'^plumbline_index_generation \d+$', text, re.M), text[-800:])


def run_errors(srv):
    E = expect_error
    E(srv, 'unknown endpoint', '/api/nope', 404, 'not_found')
    E(srv, 'no filesystem path', '/../web/server.c', 404, 'not_found')
    E(srv, 'no directory listing', '/static/', 404, 'not_found')
    E(srv, 'unknown doc subpath', '/api/docs/x/y', 404, 'not_found')
    st, h, _ = E(srv, 'POST /api/search', '/api/search?q=x', 405, 'method_not_allowed',
                 method='POST')
    check('405 carries Allow', 'GET' in h.get('allow', ''), h)
    E(srv, 'DELETE /healthz', '/healthz', 405, 'method_not_allowed', method='DELETE')
    E(srv, 'OPTIONS on the page', '/', 405, 'method_not_allowed', method='OPTIONS')
    E(srv, 'missing q', '/api/search', 400, 'missing_parameter')
    E(srv, 'limit=abc', '/api/search?q=x&limit=abc', 400, 'bad_parameter')
    E(srv, 'limit above the maximum (101)', '/api/search?q=x&limit=101', 400, 'bad_parameter')
    E(srv, 'limit=0', '/api/search?q=x&limit=0', 400, 'bad_parameter')
    E(srv, 'limit=-1', '/api/search?q=x&limit=-1', 400, 'bad_parameter')
    E(srv, 'offset=1e18', '/api/search?q=x&offset=1e18', 400, 'bad_parameter')
    E(srv, 'offset=1000000000000000000', '/api/search?q=x&offset=1000000000000000000', 400,
      'bad_parameter')
    E(srv, 'offset above the maximum', '/api/search?q=x&offset=10001', 400, 'bad_parameter')
    E(srv, 'sort=bogus', '/api/search?q=x&sort=bogus', 400, 'bad_parameter')
    E(srv, 'year=19', '/api/search?q=x&year=19', 400, 'bad_parameter')
    E(srv, 'year=2023..2019', '/api/search?q=x&year=2023..2019', 400, 'bad_parameter')
    E(srv, 'year=..', '/api/search?q=x&year=..', 400, 'bad_parameter')
    E(srv, 'kind=bogus', '/api/search?q=x&kind=bogus', 400, 'bad_parameter')
    E(srv, 'empty track', '/api/search?q=x&track=', 400, 'bad_parameter')
    E(srv, 'unknown parameter', '/api/search?q=x&lmit=5', 400, 'bad_parameter')
    E(srv, 'repeated q', '/api/search?q=x&q=y', 400, 'bad_parameter')
    E(srv, 'too many parameters', '/api/search?q=x&' + '&'.join('topic=%d' % i for i in range(40)),
      400, 'bad_parameter')
    st, h, data = E(srv, 'malformed query syntax', '/api/search?' + q({'q': '"unbalanced'}),
                    400, 'bad_query')
    E(srv, 'query too long', '/api/search?' + q({'q': 'a ' * 2100}), 400, 'query_too_large')
    E(srv, 'invalid UTF-8 in a parameter', '/api/search?q=%FF%FE', 400, 'bad_parameter')
    E(srv, 'overlong UTF-8 in a parameter', '/api/search?q=%C0%AF', 400, 'bad_parameter')
    E(srv, 'NUL in a parameter', '/api/search?q=a%00b', 400, 'bad_parameter')
    E(srv, 'bad percent-encoding', '/api/search?q=a%zz', 400, 'bad_parameter')
    E(srv, 'truncated percent-encoding', '/api/search?q=a%4', 400, 'bad_parameter')
    E(srv, 'missing prefix', '/api/suggest', 400, 'missing_parameter')
    E(srv, 'suggest limit=1000', '/api/suggest?prefix=a&limit=1000', 400, 'bad_parameter')
    E(srv, 'unknown document', '/api/docs/no-such-doc', 404, 'not_found')
    E(srv, 'similar of unknown document', '/api/docs/no-such-doc/similar', 404, 'not_found')
    E(srv, 'empty document id', '/api/docs/', 400, 'bad_parameter')
    E(srv, 'document id too long', '/api/docs/' + 'a' * 300, 400, 'bad_parameter')
    E(srv, 'trends without topic', '/api/trends', 400, 'missing_parameter')
    E(srv, 'trends with 17 topics', '/api/trends?' + q({'topic': ['t%d' % i for i in range(17)]}),
      400, 'bad_parameter')
    E(srv, 'trends format=xml', '/api/trends?topic=BPF&format=xml', 400, 'bad_parameter')
    E(srv, 'trends from after to', '/api/trends?topic=BPF&from=2024&to=2019', 400,
      'bad_parameter')
    E(srv, 'trends top=99', '/api/trends?topic=BPF&top=99', 400, 'bad_parameter')
    E(srv, 'trends topic with a syntax error', '/api/trends?' + q({'topic': '"BPF'}), 400,
      'bad_query')
    E(srv, 'compare without b', '/api/trends/compare?topic=BPF&a=2019', 400, 'missing_parameter')
    E(srv, 'compare with two topics', '/api/trends/compare?topic=a&topic=b&a=2019&b=2024', 400,
      'bad_parameter')
    E(srv, 'rising without from', '/api/terms/rising?to=2024', 400, 'missing_parameter')
    E(srv, 'rising limit=0', '/api/terms/rising?from=2019&to=2024&limit=0', 400, 'bad_parameter')
    _, _, data = E(srv, 'rising from after to (as /api/trends)',
                   '/api/terms/rising?from=2024&to=2019', 400, 'bad_parameter')
    check('... the message names from and to', b'from (2024) is after to (2019)' in data, data)
    for path in ('/api/trends?topic=BPF&track=Nope', '/api/trends/compare?topic=BPF&a=2019&b=2024&track=Nope',
                 '/api/terms/rising?from=2019&to=2024&track=Nope',
                 '/api/terms/cooccur?topic=BPF&year=2024&track=Nope'):
        _, _, data = E(srv, 'unknown track: %s' % path.split('?')[0], path, 404, 'not_found')
        check('... the message names the track', b'track \\"Nope\\" is not in the index' in data,
              data)
    E(srv, 'compare a year without documents', '/api/trends/compare?topic=kernel&a=1999&b=2024',
      404, 'not_found')
    _, _, data = E(srv, 'compare a year with no document passing the filters (2023, no MC)',
                   '/api/trends/compare?topic=BPF&a=2019&b=2023&kind=mc', 404, 'not_found')
    check('... the message names the year', b'2023' in data, data)
    E(srv, 'rising to a year without documents', '/api/terms/rising?from=2019&to=2030', 404,
      'not_found')
    E(srv, 'cooccur year=abc', '/api/terms/cooccur?topic=BPF&year=abc', 400, 'bad_parameter')
    _, _, data = E(srv, 'cooccur with a topic matching every document of the year',
                   '/api/terms/cooccur?topic=year:2024&year=2024&limit=3', 400, 'bad_parameter')
    check('... the message says there is nothing to contrast', b'matches all 26' in data, data)
    E(srv, 'cooccur with a topic matching nothing that year',
      '/api/terms/cooccur?topic=zzqxnothing&year=2024', 404, 'not_found')
    E(srv, 'parameters on /healthz', '/healthz?x=1', 400, 'bad_parameter')
    out = srv.raw(b'GET /healthz HTTP/1.1\r\n\r\n')
    head, _, body = out.partition(b'\r\n\r\n')
    check('HTTP/1.1 without Host -> 400 bad_request', head.startswith(b'HTTP/1.1 400')
          and b'"code":"bad_request"' in body, out[:300])

    st, h, data = E(srv, 'URI longer than 8 KiB', '/api/search?q=' + 'a' * 9000, 414,
                    'uri_too_long')
    st, h, data = E(srv, 'headers larger than 16 KiB', '/healthz', 431, 'headers_too_large',
                    headers={'X-Big': 'b' * 20000})
    # Beyond the connection's memory, libmicrohttpd answers by itself.
    out = srv.raw(b'GET /?' + b'a' * 300000 + b' HTTP/1.1\r\nHost: x\r\n\r\n')
    check('URI beyond the connection memory: 414 from the server, no 5xx',
          out.startswith(b'HTTP/1.1 414'), out[:200])
    out = srv.raw(b'GET / HTTP/1.1\r\nHost: x\r\n' + b'X-Big: ' + b'b' * 300000 + b'\r\n\r\n')
    check('headers beyond the connection memory: 431 or 414, no 5xx',
          re.match(rb'HTTP/1\.1 4(31|14)', out), out[:200])
    st, _, _ = srv.get('/healthz')
    check('server healthy after the oversized requests', st == 200)


def run_params(srv):
    """Empty parameters are ignored; years span what the query language takes."""
    st, _, base = srv.json('/api/search?q=bpf&limit=2')
    ids = [x['id'] for x in (base or {}).get('hits', [])]
    for path in ('/api/search?&q=bpf&limit=2', '/api/search?q=bpf&&limit=2',
                 '/api/search?q=bpf&limit=2&', '/api/search?q=bpf&=&limit=2',
                 '/api/search?&&q=bpf&&&limit=2&&'):
        st2, _, res = srv.json(path)
        check('empty parameter ignored: %s' % path, st == 200 and st2 == 200 and ids
              and [x['id'] for x in res.get('hits', [])] == ids, (st2, res))
    st, _, tr = srv.json('/api/trends?&topic=BPF&&topic=Rust&')
    check('empty parameters ignored on /api/trends', st == 200
          and [x['topic'] for x in tr['series']] == ['BPF', 'Rust'], tr)
    for path in ('/healthz?&', '/api/stats?&&', '/api/suggest?&prefix=sch',
                 '/api/terms/rising?from=2019&&to=2024'):
        st, _, _ = srv.get(path)
        check('empty parameters ignored: %s' % path, st == 200, st)
    _, _, data = expect_error(srv, 'a value without a name is still a parameter',
                              '/api/search?q=bpf&=x', 400, 'bad_parameter')
    check("... named '' in the message", b"unknown parameter ''" in data, data)

    st, _, all_ = srv.json('/api/search?q=kernel&limit=1')
    st2, _, old = srv.json('/api/search?q=kernel&year=1970')
    st3, _, wide = srv.json('/api/search?q=kernel&limit=1&year=1900..2999')
    check('year=1970 (no documents) is a filter, not an error', st2 == 200 and old['total'] == 0,
          (st2, old))
    check('year=1900..2999 keeps every hit', st3 == 200 and wide['total'] == all_['total'],
          (st3, wide))
    for path, name in (('/api/search?q=kernel&year=1899', 'year'),
                       ('/api/search?q=kernel&year=2019..3000', 'year'),
                       ('/api/trends?topic=BPF&from=1899', 'from'),
                       ('/api/terms/cooccur?topic=BPF&year=3000', 'year')):
        _, _, data = expect_error(srv, 'year out of 1900..2999: %s' % path, path, 400,
                                  'bad_parameter')
        msg = json.loads(data)['error']['message'] if data.startswith(b'{') else ''
        check('... the message names %s and the range 1900 to 2999' % name,
              msg.startswith(name + ' ') and '1900' in msg and '2999' in msg, msg)
    expect_error(srv, 'compare a=1900 (a year without documents)',
                 '/api/trends/compare?topic=BPF&a=1900&b=2024', 404, 'not_found')
    st, _, tr = srv.json('/api/trends?topic=BPF&from=1900&to=2999')
    check('trends from=1900 to=2999', st == 200 and tr['totals'], (st, tr))


def schema_errors(doc, schema, value, where='$'):
    """What in value does not match schema: the subset of OpenAPI 3.0 that
    web/openapi.json uses (type, nullable, enum, required, properties,
    additionalProperties, items, min/maxItems, minimum, oneOf, $ref)."""
    while '$ref' in schema:
        node = doc
        for part in schema['$ref'].lstrip('#/').split('/'):
            node = node[part]
        schema = node
    if 'oneOf' in schema:
        fits = [s for s in schema['oneOf'] if not schema_errors(doc, s, value, where)]
        return [] if len(fits) == 1 else ['%s: matches %d of oneOf' % (where, len(fits))]
    if value is None:
        return [] if schema.get('nullable') else ['%s: null, not nullable' % where]
    kinds = {'string': str, 'boolean': bool, 'object': dict, 'array': list}
    t = schema.get('type')
    if t == 'integer':
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == 'number':
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = t is None or isinstance(value, kinds[t])
    if not ok:
        return ['%s: %r is not %s' % (where, value, t)]
    errs = []
    if 'enum' in schema and value not in schema['enum']:
        errs.append('%s: %r not in %s' % (where, value, schema['enum']))
    if 'minimum' in schema and value < schema['minimum']:
        errs.append('%s: %r below %s' % (where, value, schema['minimum']))
    if t == 'object':
        props = schema.get('properties', {})
        for k in schema.get('required', []):
            if k not in value:
                errs.append('%s: required key %r missing' % (where, k))
        # Stricter than OpenAPI: a key is declared by name or by a schema
        # for additionalProperties (a map such as the facet counts), never
        # by an object schema that lists no properties.
        extra = schema.get('additionalProperties')
        for k, v in value.items():
            if k in props:
                errs += schema_errors(doc, props[k], v, '%s.%s' % (where, k))
            elif isinstance(extra, dict):
                errs += schema_errors(doc, extra, v, '%s.%s' % (where, k))
            else:
                errs.append('%s: key %r not declared' % (where, k))
    if t == 'array':
        if len(value) < schema.get('minItems', 0) or len(value) > schema.get('maxItems', 1e9):
            errs.append('%s: %d items' % (where, len(value)))
        for i, v in enumerate(value):
            errs += schema_errors(doc, schema['items'], v, '%s[%d]' % (where, i))
    return errs


def run_schema(srv):
    """Real answers against web/openapi.json: every key they carry is
    declared with its type, and every required one is there."""
    doc = json.loads(read_source('web/openapi.json'))
    st, _, hit = srv.json('/api/search?q=kernel&limit=1')
    did = hit['hits'][0]['id'] if st == 200 and hit['hits'] else 'none'
    qd = urllib.parse.quote(did)
    cases = [
        ('/api/search', '/api/search?' + q({'q': 'BPF verifier', 'limit': 5})),
        ('/api/search', '/api/search?' + q({'q': 'bpf', 'explain': 1, 'sort': 'date'})),
        ('/api/search', '/api/search?q=schedular'),
        ('/api/search', '/api/search?' + q({'q': 'security LSM landlock'})),
        ('/api/search', '/api/search?' + q({'q': 'rust kernel', 'year': 2024})),
        ('/api/search', '/api/search?q=zzqxnothing&year=1970'),
        ('/api/suggest', '/api/suggest?prefix=sch'),
        ('/api/docs/{id}', '/api/docs/' + qd),
        ('/api/docs/{id}/similar', '/api/docs/%s/similar?limit=3' % qd),
        ('/api/trends', '/api/trends?' + q({'topic': ['BPF', 'Rust', 'CXL'], 'top': 2})),
        ('/api/trends', '/api/trends?' + q({'topic': 'BPF', 'kind': 'mc', 'from': 2019})),
        ('/api/trends', '/api/trends?' + q({'topic': ['BPF', 'Rust'], 'format': 'grafana'})),
        ('/api/trends', '/api/trends?' + q({'topic': ['BPF', 'Rust'], 'format': 'vega'})),
        ('/api/trends', '/api/trends?' + q({'topic': 'Rust', 'kind': 'mc', 'format': 'vega'})),
        ('/api/trends', '/api/trends?' + q({'topic': ['bpf,rust', 'zzqx'], 'from': 2023})),
        ('/api/trends/compare', '/api/trends/compare?' + q({'topic': 'BPF', 'a': 2019, 'b': 2024})),
        ('/api/terms/rising', '/api/terms/rising?from=2019&to=2024&limit=5'),
        ('/api/terms/cooccur', '/api/terms/cooccur?' + q({'topic': 'BPF', 'year': 2024})),
        ('/api/stats', '/api/stats'),
        ('/healthz', '/healthz'),
    ]
    for name, path in cases:
        st, h, body = srv.json(path)
        schema = doc['paths'][name]['get']['responses']['200']['content']['application/json'][
            'schema']
        errs = schema_errors(doc, schema, body) if st == 200 else ['status %s' % st]
        check('openapi.json describes GET %s exactly' % path[:70], not errs, '\n'.join(errs))
    st, h, res = srv.json('/api/search?' + q({'q': 'bpf', 'explain': 1}))
    check('the explain case reached hits with explain',
          st == 200 and res['hits'] and all('explain' in x for x in res['hits']), res)
    st, h, res = srv.json('/api/search?q=bpf')
    check('the search case reached highlights and a snippet offset',
          st == 200 and any(x['highlights'] and x['snippet_offset'] > 0 for x in res['hits']), res)
    for path, status in (('/api/search?q=x&limit=0', 400), ('/api/nope', 404)):
        st, h, body = srv.json(path)
        resp = doc['paths']['/api/search']['get']['responses'][str(status)]
        if '$ref' in resp:
            resp = doc['components']['responses'][resp['$ref'].rsplit('/', 1)[1]]
        errs = schema_errors(doc, resp['content']['application/json']['schema'], body)
        check('openapi.json describes the %d error envelope' % status, st == status and not errs,
              '\n'.join(errs))


def run_cors(srv, db):
    st, h, _ = srv.get('/api/stats', headers={'Origin': 'https://x.example'})
    check('CORS default: Access-Control-Allow-Origin *',
          st == 200 and h.get('access-control-allow-origin') == '*', h)
    st, h, _ = srv.get('/api/search?q=x&limit=nope', headers={'Origin': 'https://x.example'})
    check('CORS headers on errors too', h.get('access-control-allow-origin') == '*', h)
    st, h, data = srv.get('/api/search', method='OPTIONS', headers={
        'Origin': 'https://x.example', 'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'content-type'})
    check('OPTIONS preflight: 204 with methods, headers, max-age',
          st == 204 and data == b'' and 'GET' in h.get('access-control-allow-methods', '')
          and 'content-type' in h.get('access-control-allow-headers', '').lower()
          and int(h.get('access-control-max-age', '0')) > 0
          and h.get('access-control-allow-origin') == '*', h)
    st, h, _ = srv.get('/')
    check('no CORS header on the page', 'access-control-allow-origin' not in h, h)
    s = Server(db, '--quiet', '--cors-origin', 'https://a.example', '--cors-origin',
               'https://b.example')
    try:
        st, h, _ = s.get('/api/stats', headers={'Origin': 'https://b.example'})
        check('--cors-origin: a listed origin is echoed, with Vary: Origin',
              st == 200 and h.get('access-control-allow-origin') == 'https://b.example'
              and 'origin' in h.get('vary', '').lower(), h)
        st, h, _ = s.get('/api/stats', headers={'Origin': 'https://evil.example'})
        check('--cors-origin: another origin gets no Allow-Origin',
              st == 200 and 'access-control-allow-origin' not in h, h)
    finally:
        s.stop()


def run_limits(db):
    s = Server(db, '--quiet', '--threads', '1', '--max-conns', '4', '--timeout', '1')
    try:
        socks = []
        for _ in range(8):
            try:
                socks.append(socket.create_connection(('127.0.0.1', s.port), timeout=3))
            except OSError:
                pass
        time.sleep(0.3)
        refused = 0
        for k in socks:
            try:
                k.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                data = k.recv(4096)
            except OSError:
                data = b''
            if not data:
                refused += 1
            elif b' 5' in data.split(b'\r\n', 1)[0]:
                refused = -100
        for k in socks:
            k.close()
        check('connections beyond --max-conns are closed cleanly (%d of 8)' % refused,
              refused >= 4, refused)
        time.sleep(0.2)
        st, _, _ = s.get('/healthz')
        check('server answers again once connections are gone', st == 200)

        k = socket.create_connection(('127.0.0.1', s.port), timeout=TIMEOUT)
        k.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n')
        t0 = time.time()
        try:
            data = k.recv(4096)
        except OSError:
            data = b''
        k.close()
        took = time.time() - t0
        check('slow client timed out after --timeout (%.1f s)' % took,
              data == b'' and 0.5 <= took <= 5, (data, took))
        st, _, _ = s.get('/healthz')
        check('server healthy after the slow client', st == 200)
    finally:
        rc = s.stop()
        check('limits server exits 0', rc == 0)


def run_unavailable(tmp):
    db = os.path.join(tmp, 'gone')
    r = index(db)
    s = Server(db, '--quiet')
    try:
        st, _, _ = s.get('/healthz')
        ok = r.returncode == 0 and st == 200
        shutil.rmtree(db)
        expect_error(s, 'index removed under the server: /healthz', '/healthz', 503,
                     'index_unavailable')
        expect_error(s, 'index removed under the server: /api/search',
                     '/api/search?q=kernel', 503, 'index_unavailable')
        st, _, _ = s.get('/metrics')
        check('metrics still answer without an index', st == 200)
        r = index(db)
        st, _, _ = s.get('/healthz')
        check('a new index is served again without restart', ok and r.returncode == 0
              and st == 200)
    finally:
        s.stop()


def run_per_ip(db):
    s = Server(db, '--quiet', '--max-conns-per-ip', '2')
    try:
        socks = [socket.create_connection(('127.0.0.1', s.port), timeout=3) for _ in range(4)]
        answered = 0
        for k in socks:
            try:
                k.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
                if k.recv(4096).startswith(b'HTTP/1.1 200'):
                    answered += 1
            except OSError:
                pass
        for k in socks:
            k.close()
        check('--max-conns-per-ip 2: 2 of 4 connections answered (%d)' % answered,
              answered == 2, answered)
    finally:
        s.stop()


def run_garbage(srv):
    rnd = random.Random(7)
    bad5xx = []
    # An unknown HTTP version is the one 5xx: RFC 9110 15.6.6 names 505 for
    # it (libmicrohttpd answers it itself), and it is checked as such.
    out = srv.raw(b'GET / HTTP/9.9\r\nHost: x\r\n\r\n')
    check('HTTP/9.9 -> 505 HTTP Version Not Supported', out.startswith(b'HTTP/1.1 505'), out[:100])
    samples = [b'\r\n\r\n', b'GET\r\n\r\n', b'GET / HTTP/1.2\r\n\r\n', b'\x00\x01\x02\r\n\r\n',
               b'GET /api/search?q=%' + b'\r\n\r\n', b'GET  HTTP/1.1\r\n\r\n',
               b'GET /api/search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n',
               b'GET /api/docs/\xc3 HTTP/1.1\r\nHost: x\r\n\r\n',
               b'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
               b'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']
    for _ in range(40):
        path = bytes(rnd.randrange(33, 256) for _ in range(rnd.randrange(1, 60)))
        samples.append(b'GET /api/search?q=' + path + b' HTTP/1.1\r\nHost: x\r\n\r\n')
    for data in samples:
        # Some of these are incomplete requests the server keeps waiting
        # for: no answer within a second is fine, a 5xx is not.
        out = srv.raw(data, timeout=1)
        first = out.split(b'\r\n', 1)[0]
        if re.match(rb'HTTP/1\.[01] 5', first):
            bad5xx.append((data[:60], first))
    check('%d malformed requests: no 5xx' % len(samples), not bad5xx, bad5xx)
    st, _, _ = srv.get('/healthz')
    check('server alive after malformed requests', st == 200)


def run_cache(srv, db):
    path = '/api/search?' + q({'q': 'memory tiering', 'limit': 5})
    st1, h1, b1 = srv.get(path)
    st2, h2, b2 = srv.get(path)
    check('answer cache: a repeated search is a hit with the same body',
          st1 == 200 and st2 == 200 and 'x-cache' not in h1 and h2.get('x-cache') == 'hit'
          and b1 == b2, (h1, h2))
    st3, h3, _ = srv.get('/api/search?' + q({'limit': 5, 'q': 'memory tiering'}))
    check('answer cache: other parameters, other entry', st3 == 200 and 'x-cache' not in h3, h3)
    st, h, _ = srv.get('/api/search?q=x&limit=0')
    st, h, _ = srv.get('/api/search?q=x&limit=0')
    check('answer cache: errors are not cached', st == 400 and 'x-cache' not in h, h)
    s = Server(db, '--quiet', '--cache-mb', '0')
    try:
        s.get(path)
        st, h, b = s.get(path)
        j, j1 = json.loads(b), json.loads(b1)
        j.pop('took_ms', None)
        j1.pop('took_ms', None)
        check('--cache-mb 0: no cache, same answer', st == 200 and 'x-cache' not in h and j == j1,
              h)
    finally:
        s.stop()


def run_shared(srv, db):
    r = subprocess.run([EXE, 'serve', '--db', db, '--port', str(srv.port), '--quiet'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    check('a second server on a port in use: exit 1 with a message', r.returncode == 1
          and b'cannot listen' in r.stderr and not r.stdout, (r.returncode, r.stderr))
    s = Server(db, '--quiet')
    try:
        path = '/api/search?' + q({'q': 'containers', 'limit': 20})
        st1, _, a = srv.json(path)
        st2, _, b = s.json(path)
        for j in (a, b):
            j.pop('took_ms', None)
        check('two servers share one index and answer alike', st1 == st2 == 200 and a == b)
    finally:
        s.stop()


def run_cli():
    r = subprocess.run([EXE, 'serve', '--help'], stdout=subprocess.PIPE, timeout=TIMEOUT)
    check('serve --help: exit 0, usage on stdout', r.returncode == 0
          and b'--cors-origin' in r.stdout)
    for args in (['--port', 'x'], ['--port', '70000'], ['--threads', '0'], ['--bogus'],
                 ['--db']):
        r = subprocess.run([EXE, 'serve'] + args, stderr=subprocess.PIPE, timeout=TIMEOUT)
        check('serve %s: usage error, exit 2' % ' '.join(args), r.returncode == 2
              and r.stderr.startswith(b'plumbline: serve: '), r.stderr)
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([EXE, 'serve', '--db', os.path.join(d, 'none'), '--port', '0'],
                           stderr=subprocess.PIPE, stdout=subprocess.PIPE, timeout=TIMEOUT)
        check('serve on a missing index: exit 1 with a message', r.returncode == 1
              and r.stderr.startswith(b'plumbline: serve') and not r.stdout, r.stderr)
    r = subprocess.run([EXE, 'serve', '--bind', 'nowhere', '--port', '0'],
                       stderr=subprocess.PIPE, timeout=TIMEOUT)
    check('serve --bind nowhere: refused', r.returncode in (1, 2) and b'bind' in r.stderr,
          r.stderr)


def run_rebuild(srv, db):
    st, _, before = srv.json('/healthz')
    cached = '/api/search?' + q({'q': 'scheduler', 'limit': 3})
    srv.get(cached)
    st, h, _ = srv.get(cached)
    check('cached before the rebuild', h.get('x-cache') == 'hit', h)
    stop = threading.Event()
    stats = {'ok': 0, 'fail': []}

    def loop():
        c = srv.conn()
        paths = ['/api/search?q=BPF', '/healthz', '/api/stats', '/api/trends?topic=Rust']
        i = 0
        while not stop.is_set():
            p = paths[i % len(paths)]
            i += 1
            try:
                c.request('GET', p)
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    stats['ok'] += 1
                else:
                    stats['fail'].append((p, r.status))
            except (OSError, http.client.HTTPException) as e:
                stats['fail'].append((p, repr(e)))
                c.close()
                c = srv.conn()
        c.close()

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for t in threads:
        t.start()
    r = index(db)
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(TIMEOUT)
    check('rebuild while serving succeeds', r.returncode == 0, r.stderr.decode()[-300:])
    check('no failed request during the rebuild (%d answered)' % stats['ok'],
          not stats['fail'] and stats['ok'] > 10, stats['fail'][:5])
    st, _, after = srv.json('/healthz')
    check('the rebuilt index is picked up without restart',
          st == 200 and before and after['generation'] != before['generation'],
          (before, after))
    st, h, _ = srv.get(cached)
    check('no answer from the old index after the rebuild', st == 200 and 'x-cache' not in h, h)


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # a crash of the script is a failure, not silence
        check('test script ran to the end', False, repr(e))
    print('1..%d' % len(results))
    sys.exit(0 if all(results) else 1)
