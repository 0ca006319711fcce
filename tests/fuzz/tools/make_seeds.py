#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

Seeds are small: excerpts of the bundled captures cut at entry boundaries,
the importer fixtures, hand-written queries and requests, and stored-value
encodings built here with the format of store/codec.c.  Run from anywhere:
    python3 tests/fuzz/tools/make_seeds.py
Existing seed files with the same name are overwritten; others are kept
(libFuzzer may have added minimised finds with `-merge=1`).
"""
import json
import os
import struct
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def excerpts(data, size, count):
    """count pieces of about size bytes, cut at line ends."""
    out, pos = [], 0
    step = max(len(data) // count, 1)
    for i in range(count):
        start = data.rfind(b"\n", 0, i * step) + 1 if i else 0
        end = data.find(b"\n", start + size)
        out.append(data[start:end if end > 0 else len(data)])
    return out


def varint(v):
    b = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            b.append(c | 0x80)
        else:
            b.append(c)
            return bytes(b)


def main():
    # --- the three captures: head (format detection needs it) and slices
    for target, rel in (("lpc2019", "corpus/lpc2019-schedule.txt"),
                        ("lpc2023", "corpus/lpc2023-blog.txt"),
                        ("lpc2024", "corpus/lpc2024-mcs.txt")):
        data = read(rel)
        head = data[:data.find(b"\n", 1200) + 1]
        put(target, "head.txt", head)
        for i, piece in enumerate(excerpts(data, 2500, 5)):
            put(target, "slice%d.txt" % i, head[:400] + piece)
        put(target, "detect-" + target + ".txt", head)
        put("detect", target + ".txt", bytes([0]) + head[:600])
        put("analyzer", target + ".txt", excerpts(data, 1500, 3)[1])

    # --- importer fixtures
    fx = "tests/fixtures/importers/"
    for name in sorted(os.listdir(os.path.join(ROOT, fx))):
        path = os.path.join(ROOT, fx, name)
        if not os.path.isfile(path):
            continue
        data = read(fx + name)
        if name.endswith(".ics"):
            put("ical", name, data)
        elif name.endswith(".xml"):
            put("frab", name, data)
        elif name.startswith("indico") or name == "bad-noresults.json":
            put("indico", name, data)
        elif name.endswith(".json"):
            put("frab", name, data)
        put("detect", name, bytes([len(name) % 6]) + data[:1500])

    # --- canonical records
    recs = [
        {"schema": 1, "id": "2019-mc-distribution-kernels-mc-0a1b2c3d", "year": 2019,
         "kind": "mc", "title": "Distribution Kernels MC",
         "body": "Backporting kernel patches and how to make it easier.",
         "people": ["Laura Abbott", "Bruce Ashfield"], "track": "", "day": "2019-09-09",
         "start": "10:00", "duration_min": 210, "url": "", "source_file": "x.txt"},
        {"id": "2024-talk-x", "year": 2024, "kind": "talk", "title": "sched_ext & <BPF>",
         "body": "\u00e9t\u00e9 \u2014 \"quotes\"\nnew line", "people": [], "track": "BPF"},
        {"year": 2023, "title": "minimal"},
        {"year": 2022, "kind": "news", "title": "t", "body": "", "duration_min": 0,
         "day": "", "start": ""},
    ]
    for i, r in enumerate(recs):
        put("record_json", "rec%d.json" % i, json.dumps(r, ensure_ascii=(i % 2 == 0)))
    put("record_json", "bad-year.json", '{"year":"x","title":"a"}')
    put("record_json", "bad-dup.json", '{"year":2019,"title":"a","title":"b"}')
    put("jsonl", "records.jsonl", "\n".join(json.dumps(r) for r in recs) + "\n")
    put("jsonl", "crlf.jsonl", "\r\n".join(json.dumps(r) for r in recs[:2]) + "\r\n")
    put("jsonl", "bad-line.jsonl", json.dumps(recs[0]) + "\n{not json}\n" + json.dumps(recs[2]))
    put("detect", "jsonl.jsonl", bytes([1]) + (json.dumps(recs[0]) + "\n").encode())

    # --- HTML
    for i, h in enumerate([
            "<p>Hello <b>world</b> &amp; &lt;friends&gt; &#x2603; &#9731; &nbsp;x</p>",
            "<script>alert(1)</script><style>p{}</style><div>a<br/>b</div><ul><li>x<li>y</ul>",
            "<!-- c --><![CDATA[x]]><a href='x'>link</a>&unknown; &#0; &#xD800; &#99999999;",
            "<pre>  code\n  more</pre><table><tr><td>1</td><td>2</td></tr></table>",
            "Plain **markdown** text\n\n- item\n- item 2\n",
    ]):
        put("html", "h%d.html" % i, h)

    # --- analyzer
    for i, t in enumerate([
            "sched_ext RISC-V x86_64 6.9-rc1 v6.9 user@example.org https://lpc.events/a?b=c",
            "/sys/kernel/debug io_uring eBPF CO-RE BTF kfuncs",
            "Caf\u00e9 \uFB01le \u00C5ngstr\u00F6m \u0130stanbul stra\u00DFe \u2167 \uFF21\uFF22",
            "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q_r_s_t_u_v_w_x_y_z_a_b_c_d_e_f_g_h",
            "the and of to in a is that for it as with was on be",
            "\xff\xfe broken \xc3 utf8 \xed\xa0\x80 surrogate",
    ]):
        put("analyzer", "a%d.txt" % i,
            t.encode("latin-1") if i == 5 else t.encode("utf-8"))

    # --- queries
    queries = [
        "sched_ext", "live migration", '"live migration" -foo', "bpf AND (tracing OR perf)",
        "title:scheduler year:2019..2023", "kind:mc track:\"Real-time\"", "memor*",
        "NOT rust", "a OR b AND c", "((((deep))))", '"unbalanced', "year:abc", "-", "+bpf +btf",
        "people:\"Steven Rostedt\"", "x86_64 RISC-V 6.9-rc", "cgroup NEAR/3 memory",
        "\u00e9t\u00e9 caf\u00e9", "*", "title:", ")(", "OR OR OR",
    ]
    for i, q in enumerate(queries):
        put("query", "q%02d.txt" % i, q)
        put("search", "s%02d.bin" % i, bytes([i % 100, i % 3, i * 7 % 256, 0x80 if i % 2 else 7]) +
            q.encode("utf-8"))
    put("search", "markup.bin", bytes([20, 0, 0, 7]) + b"script alert scheduler mark")
    put("search", "deep-offset.bin", bytes([10, 255, 0, 7]) + b"kernel")

    # --- codec: selector byte then the value bytes
    def impacts(docs, lens):
        # per field: the (length, tf) pairs no other document beats on both,
        # ascending, at most 16 (store/codec.c: pl_impacts_compute)
        out = b""
        for f in range(3):
            best = {}
            for (_, tf), ln in zip(docs, lens):
                if tf[f]:
                    best[tf[f]] = min(best.get(tf[f], 1 << 32), max(ln[f], tf[f]))
            if not best:
                continue
            pairs, shortest = [], 1 << 32
            for t in sorted(best, reverse=True):
                if best[t] < shortest:
                    shortest = best[t]
                    pairs.append((best[t], t))
            pairs.reverse()
            while len(pairs) > 16:
                i = min(range(len(pairs) - 1), key=lambda j: pairs[j + 1][1] - pairs[j][1])
                pairs[i:i + 2] = [(pairs[i][0], pairs[i + 1][1])]
            out += varint(len(pairs))
            pl = pt = 0
            for ln, t in pairs:
                out += varint(ln - pl) + varint(t - pt)
                pl, pt = ln, t
        return out

    def bits(vals, w):
        # w-bit values packed from bit 0, least significant bit first
        acc = 0
        for i, v in enumerate(vals):
            acc |= v << (i * w)
        return acc.to_bytes((len(vals) * w + 7) // 8, "little")

    def chunk(docs, last=None, lens=None):
        mx = [max(t[f] for _, t in docs) for f in range(3)]
        imp = impacts(docs, lens or [t for _, t in docs])
        b = varint(len(docs)) + b"".join(varint(m) for m in mx) + varint(len(imp)) + imp
        gaps = [docs[i][0] - docs[i - 1][0] - 1 for i in range(1, len(docs))]
        g = max(gaps, default=0).bit_length()
        b += bytes([g]) + varint(docs[0][0]) + bits(gaps, g)
        for f in range(3):
            b += bits([t[f] for _, t in docs], mx[f].bit_length())
        return struct.pack(">I", last if last is not None else docs[-1][0]) + b
    put("codec", "chunk1.bin", b"\x00" + chunk([(1, (1, 0, 3)), (5, (0, 0, 1)), (300, (0, 2, 0))]))
    put("codec", "chunk-big.bin", b"\x00" + chunk([(i * 3 + 1, (i % 2, 0, i % 5 + 1)) for i in range(128)],
                                                lens=[(2, 0, 40 + i * 7 % 300) for i in range(128)]))
    put("codec", "chunk-badlast.bin", b"\x00" + chunk([(1, (0, 0, 1))], last=2))
    put("codec", "pos.bin", b"\x01" + bytes([2, 0, 3]) + varint(0) + varint(4) + varint(1) +
        varint(2) + varint(100))
    ti = varint(3) + varint(7) + varint(1) + varint(0) + varint(4) + varint(5) + b"sched"
    put("codec", "terminfo.bin", b"\x02" + ti)
    dm = b"".join(varint(v) for v in (2019, 1, 0, 3, 1, 12, 2, 340, 601, 20190909))
    put("codec", "docmeta.bin", b"\x03" + dm)
    put("codec", "surface.bin", b"\x04" + varint(12) + b"schedul")
    put("codec", "doc.bin", b"\x04\x00{\"year\":2019}")
    rec = json.dumps(recs[0]).encode()
    co = zlib.compressobj(1, zlib.DEFLATED, -15)
    put("codec", "doc-deflate.bin", b"\x04\x01" + varint(len(rec)) + co.compress(rec) + co.flush())
    put("codec", "doc-bomb.bin", b"\x04\x01" + varint(64 << 20) + b"\x03\x00")
    put("codec", "doc-roundtrip.bin", b"\x06" + rec)

    # a zstd frame of one raw block: magic, header byte 0 (no content size,
    # no checksum), window byte 0 (1 KiB), last raw block of len(data)
    def zstd_raw(data):
        assert len(data) < 1024
        return (struct.pack("<I", 0xFD2FB528) + b"\x00\x00" +
                struct.pack("<I", len(data) << 3 | 1)[:3] + data)
    head, tail = rec[:24], rec[24:]
    put("codec", "doc-head.bin", b"\x04\x03" + varint(len(head)) + head + varint(len(tail)) +
        zstd_raw(tail))
    put("codec", "varints.bin", b"\x05" + varint(0) + varint(127) + varint(128) + varint(2**63) +
        b"sched\x00\x00\x00\x01\x00")
    put("codec", "overlong.bin", b"\x05\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
    put("codec", "encode.bin", b"\x07" + bytes(range(64)))

    # --- damaged values: database (meta, terms, postings, positions, docs,
    # ids, docmeta, tracks, sources, surfaces, years), entry, new value
    values = [b"", b"\x00", b"\xff" * 8, b"\x80" * 11, varint(5) + varint(300),
              b"\x01\x05\x00\x00\x00", b"\x00{}", b"\x00" + json.dumps(recs[2]).encode(),
              b"\x00\x00\x00\x07"]
    for dbi in range(11):
        for j, v in enumerate(values):
            if (dbi + j) % 3 == 0 or dbi in (2, 3, 4, 6):
                put("store", "db%02d-v%d.bin" % (dbi, j), bytes([dbi, 0, (j * 37) % 256]) + v)

    # --- HTTP: request targets (leading '/') and raw requests
    targets = [
        "/api/search?q=sched_ext&limit=5", "/api/search?q=bpf&year=2019..2023&kind=mc&sort=date",
        "/api/search?q=%22live+migration%22&offset=10&explain=1", "/api/suggest?prefix=sch&limit=5",
        "/api/docs/2024-mc-android-00000000", "/api/docs/x/similar?limit=3",
        "/api/trends?topic=bpf&topic=rust", "/api/trends/compare?a=2019&b=2024",
        "/api/terms/rising?from=2019&to=2024", "/api/terms/cooccur?term=bpf",
        "/api/stats", "/healthz", "/metrics", "/", "/app.js", "/style.css", "/api/openapi.json",
        "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/search?q=%ZZ", "/api/search?q=%00",
        "/api/search?q=%ff%fe", "/api/search?limit=-1&q=a", "/api/search?offset=1e18&q=a",
        "/api/search?q=<script>alert(1)</script>", "/api/search?q=a&q=b", "/api/search?nope=1",
    ]
    for i, t in enumerate(targets):
        put("http", "t%02d.txt" % i, t)
    raws = [
        "GET /api/search?q=kernel HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /healthz HTTP/1.0\r\n\r\n",
        "OPTIONS /api/search HTTP/1.1\r\nHost: x\r\nOrigin: http://e.org\r\n\r\n",
        "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "GET /api/search?q=a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "BREW /pot HTCPCP/1.0\r\n\r\n",
        "GET /api/search?q=a HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n" * 50 + "\r\n",
    ]
    for i, r in enumerate(raws):
        put("http", "raw%02d.txt" % i, r)


if __name__ == "__main__":
    main()
