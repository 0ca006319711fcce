/*
 * fuzz_search.c — the whole query path on a real index: pl_search with
 * options taken from the input, then suggest, similar and the match
 * iterator used by trends.  The index (bundled corpus plus records whose
 * text is markup, see fuzz_index.c) is built once in a scratch directory.
 *
 * Input: byte 0 limit, byte 1 offset, byte 2 flags/sort, byte 3 filters,
 * the rest is the query text.
 *
 * Invariants: no more hits than asked; the HTML snippet holds no markup
 * but <mark></mark> pairs, and with those removed and its five entities
 * decoded it is exactly the plain snippet; highlights lie inside the
 * plain snippet, in order.
 */
#include "fuzz.h"

#include "../../query/query.h"

#include <string.h>

static pl_analyzer *syn_an;
static pl_synonyms *syn;
static pl_qctx *q;
static pl_store *store;

static void cleanup(void)
{
    pl_store_close(store);
    pl_qctx_free(q);
    pl_synonyms_free(syn);
    pl_analyzer_free(syn_an);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pl_error err = {0};
    char db[512];
    snprintf(db, sizeof db, "%s/db", fuzz_tmpdir());
    fuzz_build_index(db, NULL);
    if (pl_store_open(&store, db, PL_STORE_READONLY, &err) || pl_analyzer_new(&syn_an, &err) ||
        pl_synonyms_load_default(syn_an, &syn, &err) || pl_qctx_new(syn, &q, &err)) {
        fprintf(stderr, "search: %s\n", err.msg);
        abort();
    }
    atexit(cleanup);
    return 0;
}

static void check_snippet(const pl_hit *h)
{
    if (!h->snippet_html) {
        FUZZ_CHECK(!h->snippet_text);
        return;
    }
    FUZZ_CHECK(h->snippet_text);
    const char *s = h->snippet_html;
    pl_buf plain = {0};
    int in_mark = 0;
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    while (*s) {
        if (!strncmp(s, "<mark>", 6)) {
            FUZZ_CHECK(!in_mark);
            in_mark = 1;
            s += 6;
        } else if (!strncmp(s, "</mark>", 7)) {
            FUZZ_CHECK(in_mark);
            in_mark = 0;
            s += 7;
        } else if (*s == '&') {
            size_t k = 0;
            while (k < 5 && strncmp(s, ents[k].ent, strlen(ents[k].ent)))
                k++;
            if (k == 5) {
                fprintf(stderr, "bare '&' in snippet: %s\n", h->snippet_html);
                abort();
            }
            pl_buf_putc(&plain, ents[k].ch);
            s += strlen(ents[k].ent);
        } else {
            if (*s == '<' || *s == '>' || *s == '"' || *s == '\'') {
                fprintf(stderr, "unescaped markup in snippet: %s\n", h->snippet_html);
                abort();
            }
            pl_buf_putc(&plain, *s++);
        }
    }
    FUZZ_CHECK(!in_mark);
    const char *pt = plain.p ? plain.p : "";
    if (strcmp(pt, h->snippet_text)) {
        fprintf(stderr, "snippet html and text differ:\n%s\n%s\n", h->snippet_html,
                h->snippet_text);
        abort();
    }
    size_t tn = strlen(h->snippet_text);
    uint32_t prev = 0;
    for (size_t i = 0; i < h->n_highlights; i++) {
        FUZZ_CHECK(h->highlights[i].start < h->highlights[i].end);
        FUZZ_CHECK(h->highlights[i].end <= tn);
        FUZZ_CHECK(h->highlights[i].start >= prev);
        prev = h->highlights[i].end;
    }
    pl_buf_free(&plain);
}

static int on_match(void *ctx, uint32_t docid, uint32_t mentions)
{
    uint32_t *last = ctx;
    FUZZ_CHECK(docid > *last);
    *last = docid;
    (void)mentions;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    pl_error err = {0};
    pl_snap *snap = NULL;
    FUZZ_CHECK(pl_snap_begin(store, &snap, &err) == PL_OK);

    pl_search_opts o = {0};
    o.q = (const char *)data + 4;
    o.q_len = size - 4;
    o.limit = data[0] % 128; /* above PL_SEARCH_MAX_LIMIT is a usage error */
    o.offset = data[1] < 250 ? data[1] % 40 : 99990u + data[1];
    o.sort = data[2] & 1;
    o.flags = (data[2] >> 1) & 0x3f;
    o.kind = (data[3] & 7) < PL_KIND_COUNT ? (int)(data[3] & 7) : -1;
    o.year_from = (data[3] & 8) ? 2019 + (data[3] >> 6) : 0;
    o.year_to = (data[3] & 16) ? 2020 + (data[3] >> 6) : 0;
    o.track = (data[3] & 32) ? "<i>Track</i>" : NULL;

    pl_results *r = NULL;
    int rc = pl_search(q, snap, &o, &r, &err);
    if (rc == PL_OK) {
        uint32_t limit = o.limit ? o.limit : 10;
        FUZZ_CHECK(r && r->n_hits <= limit);
        FUZZ_CHECK(r->n_hits == 0 || r->total >= (uint64_t)o.offset + r->n_hits);
        for (size_t i = 0; i < r->n_hits; i++) {
            FUZZ_CHECK(r->hits[i].doc != NULL);
            check_snippet(&r->hits[i]);
        }
        for (size_t i = 0; i < r->n_facet_year; i++)
            FUZZ_CHECK(r->facet_year[i].count > 0 && r->facet_year[i].count <= r->total);
        if (r->n_hits)
            FUZZ_CHECK(r->query_desc != NULL);
    } else {
        FUZZ_CHECK(r == NULL && err.msg[0]);
        FUZZ_CHECK(rc == PL_EPARSE || rc == PL_ELIMIT || rc == PL_EUSAGE || rc == PL_ENOMEM);
    }
    pl_results_free(r);

    /* The same text as an autocomplete prefix (bounded as the API does). */
    pl_error e2 = {0};
    pl_suggestion *sg = NULL;
    size_t ns = 0;
    size_t pn = o.q_len > 64 ? 64 : o.q_len;
    if (pl_suggest(q, snap, o.q, pn, 1 + data[0] % 20, &sg, &ns, &e2) == PL_OK) {
        FUZZ_CHECK(ns <= 1u + data[0] % 20u);
        pl_suggestions_free(sg, ns);
    }

    /* Every match, ascending, as trends sees them. */
    pl_error e3 = {0};
    pl_query *qq = NULL;
    if (pl_query_parse(q, o.q, o.q_len, &qq, &e3) == PL_OK) {
        uint32_t last = 0;
        int mrc = pl_query_foreach_match(q, snap, qq, on_match, &last, &e3);
        FUZZ_CHECK(mrc == PL_OK || mrc == PL_ELIMIT || mrc == PL_EUSAGE || mrc == PL_EPARSE);
        pl_query_free(qq);
    }

    /* More like this, for a docid from the input (maybe out of range). */
    pl_error e4 = {0};
    pl_results *sim = NULL;
    uint32_t docid = data[1] % (pl_snap_max_docid(snap) + 3);
    if (pl_similar(q, snap, docid, 1 + data[2] % 20, &sim, &e4) == PL_OK) {
        for (size_t i = 0; i < sim->n_hits; i++)
            FUZZ_CHECK(sim->hits[i].docid != docid);
    }
    pl_results_free(sim);
    pl_snap_end(snap);
    return 0;
}
