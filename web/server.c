/*
 * server.c — the HTTP server: daemon setup, per-connection state, routing,
 * the common response headers (CORS, caching, nosniff), the access log and
 * the Prometheus counters.  The endpoint handlers live in server_api.c.
 *
 * Threads: libmicrohttpd runs `threads` poll loops; a connection stays on
 * one loop for its life, so the handler for a request always runs on the
 * thread that owns the connection.  Each loop thread claims one pl_qctx
 * slot on its first request (a lock-free scan over at most
 * PL_SERVER_MAX_THREADS slots); the pl_store is shared.  Counters are
 * relaxed atomics: they are statistics, not synchronisation.
 *
 * Request life: the URI callback (MHD_OPTION_URI_LOG_CALLBACK) stamps the
 * start time into the connection's state and checks the raw URI (length,
 * percent-escapes); the access handler routes and answers on its first
 * call; the completion callback writes the log line and the metrics.
 * State is per connection (allocated once per connection, reused across
 * keep-alive requests), so no request can leak it whatever MHD does.
 */
#include "server_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Bucket upper bounds of the latency histogram, microseconds. */
static const uint64_t lat_bounds_us[PL_LAT_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};

static const int status_codes[PL_N_STATUS] = {200, 204, 304, 400, 404, 405, 414, 431, 500, 503, 0};

static const char *const endpoint_names[PL_EP_COUNT] = {
    [PL_EP_OTHER] = "other",
    [PL_EP_STATIC] = "static",
    [PL_EP_OPENAPI] = "openapi",
    [PL_EP_HEALTHZ] = "healthz",
    [PL_EP_METRICS] = "metrics",
    [PL_EP_SEARCH] = "search",
    [PL_EP_SUGGEST] = "suggest",
    [PL_EP_DOC] = "doc",
    [PL_EP_SIMILAR] = "similar",
    [PL_EP_TRENDS] = "trends",
    [PL_EP_TRENDS_COMPARE] = "trends_compare",
    [PL_EP_RISING] = "terms_rising",
    [PL_EP_COOCCUR] = "terms_cooccur",
    [PL_EP_STATS] = "stats",
};

uint64_t pl_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- per-thread query contexts ------------------------------------------- */

pl_qctx *pl_server_qctx(pl_server *s)
{
    uintptr_t me = (uintptr_t)pthread_self();
    for (size_t i = 0; i < s->n_slots; i++)
        if (atomic_load_explicit(&s->slots[i].owner, memory_order_acquire) == me)
            return s->slots[i].q;
    for (size_t i = 0; i < s->n_slots; i++) {
        uintptr_t free_owner = 0;
        if (atomic_compare_exchange_strong(&s->slots[i].owner, &free_owner, me))
            return s->slots[i].q;
    }
    return NULL; /* more threads than slots: cannot happen with the pool */
}

/* ---- responses -------------------------------------------------------------- */

static void add_cors(pl_server *s, struct MHD_Connection *c, struct MHD_Response *r)
{
    if (s->opts.n_cors_origins == 0) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        return;
    }
    /* An allow-list: echo the request's origin only when it is listed, and
     * tell caches that the answer depends on it. */
    MHD_add_response_header(r, "Vary", "Origin");
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return;
    for (size_t i = 0; i < s->opts.n_cors_origins; i++)
        if (!strcmp(origin, s->opts.cors_origins[i])) {
            MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
            return;
        }
}

static void add_common(pl_rctx *x, struct MHD_Response *r, const char *type, int api)
{
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* API answers change with every rebuild: never cached.  The page is
     * revalidated on each load (it is small and embedded in the binary). */
    MHD_add_response_header(r, "Cache-Control", api ? "no-store" : "no-cache");
    if (api)
        add_cors(x->s, x->c, r);
}

static enum MHD_Result queue(pl_rctx *x, unsigned status, struct MHD_Response *r, size_t bytes)
{
    if (!r)
        return MHD_NO; /* out of memory: MHD closes the connection */
    enum MHD_Result ret = MHD_queue_response(x->c, status, r);
    MHD_destroy_response(r);
    x->responded = 1;
    if (x->conn) {
        x->conn->status = status;
        x->conn->bytes = bytes;
    }
    return ret;
}

/* The JSON text of an answer, with <, > and & written as \u003c, \u003e
 * and \u0026.  Those bytes only occur inside JSON strings, so this is a
 * plain substitution; it keeps what users typed and what indexed text
 * holds from ever reaching a client as markup, even one (or a proxy) that
 * sniffs the answer as HTML.  malloc'd (MHD frees it); NULL on failure. */
static char *json_text(json_t *body, size_t flags, size_t *n)
{
    char *t = json_dumps(body, JSON_COMPACT | flags);
    if (!t)
        return NULL;
    size_t len = 0, extra = 0;
    for (; t[len]; len++)
        if (t[len] == '<' || t[len] == '>' || t[len] == '&')
            extra += 5;
    *n = len;
    if (!extra)
        return t;
    char *o = malloc(len + extra + 1);
    if (!o) {
        free(t);
        return NULL;
    }
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '<' || c == '>' || c == '&') {
            snprintf(o + w, 7, "\\u%04x", (unsigned)c);
            w += 6;
        } else {
            o[w++] = c;
        }
    }
    o[w] = 0;
    free(t);
    *n = w;
    return o;
}

enum MHD_Result pl_respond_json(pl_rctx *x, unsigned status, json_t *body)
{
    return pl_respond_json_flags(x, status, body, 0);
}

enum MHD_Result pl_respond_json_flags(pl_rctx *x, unsigned status, json_t *body, size_t flags)
{
    if (!body)
        return pl_respond_error(x, 503, "busy", "out of memory building the answer");
    size_t n;
    char *text = json_text(body, flags, &n);
    json_decref(body);
    if (!text)
        return pl_respond_error(x, 503, "busy", "out of memory building the answer");
    return pl_respond_text(x, status, "application/json; charset=utf-8", text, n);
}

enum MHD_Result pl_respond_text(pl_rctx *x, unsigned status, const char *type, char *text, size_t n)
{
    if (status == 200 && x->cache_key.n && x->snap)
        pl_rcache_put(x->s->cache, pl_snap_generation(x->snap), x->cache_key.p, x->cache_key.n,
                      text, n, type);
    struct MHD_Response *r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    add_common(x, r, type, 1);
    return queue(x, status, r, n);
}

enum MHD_Result pl_respond_error(pl_rctx *x, unsigned status, const char *code, const char *fmt,
                                 ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *body = pl_json_error(code, msg);
    if (!body)
        return MHD_NO;
    size_t n;
    char *text = json_text(body, 0, &n);
    json_decref(body);
    if (!text)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    add_common(x, r, "application/json; charset=utf-8", 1);
    if (status == 405)
        MHD_add_response_header(r, "Allow", "GET, HEAD, OPTIONS");
    return queue(x, status, r, n);
}

static enum MHD_Result respond_preflight(pl_rctx *x)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_common(x, r, NULL, 1);
    MHD_add_response_header(r, "Allow", "GET, HEAD, OPTIONS");
    MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
    MHD_add_response_header(r, "Access-Control-Allow-Headers", "Accept, Content-Type");
    MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
    return queue(x, 204, r, 0);
}

static const struct pl_asset *find_asset(const char *name)
{
    for (const struct pl_asset *a = pl_assets; a->name; a++)
        if (!strcmp(a->name, name))
            return a;
    return NULL;
}

/* True when an If-None-Match header names etag (or is "*"). */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    if (!strcmp(inm, "*"))
        return 1;
    size_t n = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)) != NULL; p += n) {
        int start = p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/';
        int end = p[n] == 0 || p[n] == ',' || p[n] == ' ';
        if (start && end)
            return 1;
    }
    return 0;
}

static enum MHD_Result respond_asset(pl_rctx *x, const struct pl_asset *a, int api)
{
    /* The files are compiled in: their hash is a strong validator, so a
     * reload of the page costs a 304 and no body. */
    const char *etag = x->s->etags[a - pl_assets < PL_MAX_ASSETS ? a - pl_assets : 0];
    int fresh =
        etag[0] &&
        etag_matches(MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, "If-None-Match"), etag);
    struct MHD_Response *r =
        fresh ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
              : MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_common(x, r, fresh ? NULL : a->type, api);
    if (etag[0])
        MHD_add_response_header(r, "ETag", etag);
    if (fresh)
        return queue(x, 304, r, 0);
    if (!api) {
        /* The page loads only its own files; no framing by other sites. */
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
    }
    return queue(x, 200, r, a->len);
}

/* ---- query parameters ------------------------------------------------------- */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    pl_params *p = cls;
    (void)kind;
    /* "?&q=x", "q=x&&limit=2" and a lone "=": an empty pair names nothing,
     * so it is skipped like the trailing "&" libmicrohttpd already drops,
     * rather than refused as a parameter called ''. */
    if (key_size == 0 && (!value || value_size == 0))
        return MHD_YES;
    if (p->n >= PL_MAX_PARAMS) {
        p->overflow = 1;
        return MHD_NO;
    }
    p->a[p->n].k = key;
    p->a[p->n].kn = key_size;
    p->a[p->n].v = value ? value : "";
    p->a[p->n].vn = value ? value_size : 0;
    p->n++;
    return MHD_YES;
}

const pl_param *pl_param_get(const pl_params *p, const char *key)
{
    size_t kn = strlen(key);
    for (size_t i = 0; i < p->n; i++)
        if (p->a[i].kn == kn && !memcmp(p->a[i].k, key, kn))
            return &p->a[i];
    return NULL;
}

/* Every parameter must be one the endpoint knows (a misspelt filter would
 * otherwise silently widen the search), appear once unless listed as
 * repeatable, and be well-formed UTF-8 without NUL bytes. */
static enum MHD_Result check_params(pl_rctx *x, const char *const *allowed,
                                    const char *const *repeatable)
{
    pl_params *p = &x->params;
    if (p->overflow)
        return pl_respond_error(x, 400, "bad_parameter", "too many query parameters (at most %d)",
                                PL_MAX_PARAMS);
    for (size_t i = 0; i < p->n; i++) {
        const pl_param *a = &p->a[i];
        if (memchr(a->k, 0, a->kn) || !pl_utf8_valid(a->k, a->kn))
            return pl_respond_error(x, 400, "bad_parameter",
                                    "parameter names must be UTF-8 without NUL bytes");
        int known = 0, repeat = 0;
        for (const char *const *k = allowed; *k; k++)
            if (strlen(*k) == a->kn && !memcmp(*k, a->k, a->kn))
                known = 1;
        for (const char *const *k = repeatable; k && *k; k++)
            if (strlen(*k) == a->kn && !memcmp(*k, a->k, a->kn))
                repeat = 1;
        if (!known)
            return pl_respond_error(x, 400, "bad_parameter", "unknown parameter '%.*s'",
                                    (int)(a->kn > 64 ? 64 : a->kn), a->k);
        if (memchr(a->v, 0, a->vn))
            return pl_respond_error(x, 400, "bad_parameter", "parameter '%s' contains a NUL byte",
                                    a->k);
        if (!pl_utf8_valid(a->v, a->vn))
            return pl_respond_error(x, 400, "bad_parameter", "parameter '%s' is not valid UTF-8",
                                    a->k);
        if (!repeat)
            for (size_t j = 0; j < i; j++)
                if (p->a[j].kn == a->kn && !memcmp(p->a[j].k, a->k, a->kn))
                    return pl_respond_error(x, 400, "bad_parameter",
                                            "parameter '%s' given more than once", a->k);
    }
    return MHD_YES;
}

/* ---- routing ------------------------------------------------------------------ */

typedef enum MHD_Result (*pl_handler)(pl_rctx *x);

static const char *const p_none[] = {NULL};

static const struct route {
    const char *path; /* exact path, or prefix when ending in '/' */
    int ep;
    pl_handler fn;
    const char *const *allowed;
    const char *const *repeatable;
} routes[] = {
    {"/healthz", PL_EP_HEALTHZ, pl_api_healthz, p_none, NULL},
    {"/metrics", PL_EP_METRICS, pl_api_metrics, p_none, NULL},
    {"/api/search", PL_EP_SEARCH, pl_api_search, pl_search_params, NULL},
    {"/api/suggest", PL_EP_SUGGEST, pl_api_suggest, pl_suggest_params, NULL},
    {"/api/stats", PL_EP_STATS, pl_api_stats, p_none, NULL},
    {"/api/trends", PL_EP_TRENDS, pl_api_trends, pl_trends_params, pl_topic_repeat},
    {"/api/trends/compare", PL_EP_TRENDS_COMPARE, pl_api_trends_compare, pl_compare_params, NULL},
    {"/api/terms/rising", PL_EP_RISING, pl_api_rising, pl_rising_params, NULL},
    {"/api/terms/cooccur", PL_EP_COOCCUR, pl_api_cooccur, pl_cooccur_params, NULL},
};

#define DOCS_PREFIX "/api/docs/"

static const char *const p_similar[] = {"limit", NULL};

/* Resolves url to an endpoint; *fn NULL means a static asset (*asset set)
 * or nothing (404). */
static int route(const char *url, pl_handler *fn, const char *const **allowed,
                 const char *const **repeatable, const struct pl_asset **asset)
{
    *fn = NULL;
    *asset = NULL;
    *allowed = p_none;
    *repeatable = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (!strcmp(url, routes[i].path)) {
            *fn = routes[i].fn;
            *allowed = routes[i].allowed;
            *repeatable = routes[i].repeatable;
            return routes[i].ep;
        }
    if (!strncmp(url, DOCS_PREFIX, strlen(DOCS_PREFIX))) {
        const char *id = url + strlen(DOCS_PREFIX);
        const char *slash = strchr(id, '/');
        if (!slash) {
            *fn = pl_api_doc;
            return PL_EP_DOC;
        }
        if (!strcmp(slash, "/similar")) {
            *fn = pl_api_similar;
            *allowed = p_similar;
            return PL_EP_SIMILAR;
        }
        return PL_EP_OTHER;
    }
    if (!strcmp(url, "/api/openapi.json")) {
        *asset = find_asset("openapi.json");
        return *asset ? PL_EP_OPENAPI : PL_EP_OTHER;
    }
    if (!strcmp(url, "/")) {
        *asset = find_asset("index.html");
        return *asset ? PL_EP_STATIC : PL_EP_OTHER;
    }
    /* Clients that do not read the page's <link rel=icon> (bookmark and
     * feed tools, older browsers) ask for /favicon.ico: the SVG icon
     * answers rather than a 404 on every visit. */
    if (!strcmp(url, "/favicon.ico")) {
        *asset = find_asset("favicon.svg");
        return *asset ? PL_EP_STATIC : PL_EP_OTHER;
    }
    /* The page's own files only, by exact name: there is no filesystem
     * behind this, so no path can reach anything else. */
    if (url[0] == '/' && !strchr(url + 1, '/')) {
        const struct pl_asset *a = find_asset(url + 1);
        if (a && strcmp(a->name, "openapi.json")) {
            *asset = a;
            return PL_EP_STATIC;
        }
    }
    return PL_EP_OTHER;
}

/* Sums the size of the request's header lines. */
static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key;
    (void)value;
    *(size_t *)cls += key_size + value_size + 4;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    pl_server *s = cls;
    pl_conn *conn = *con_cls;
    (void)upload_data;
    if (conn) /* the handler runs once the head is in */
        atomic_store_explicit(&conn->in_head, 0, memory_order_relaxed);
    if (conn && conn->answered) {
        /* A body we do not want (the answer is already queued). */
        *upload_data_size = 0;
        return MHD_YES;
    }
    int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    int is_options = !strcmp(method, "OPTIONS");
    if (conn && (is_get || is_options)) {
        /* Answer once the whole request is in: an answer queued on the
         * first call ("early") makes MHD close the connection, which would
         * cost keep-alive clients a TCP handshake per request. */
        if (!conn->seen) {
            conn->seen = 1;
            return MHD_YES;
        }
        if (*upload_data_size) {
            *upload_data_size = 0; /* a body on GET: read and ignored */
            return MHD_YES;
        }
    }
    /* Other methods are refused at once, without reading their body (the
     * connection is then closed). */
    pl_rctx x = {.s = s, .c = c, .conn = conn, .url = url};
    if (conn) {
        conn->answered = 1;
        snprintf(conn->method, sizeof conn->method, "%s", method);
    }
    if (upload_data_size)
        *upload_data_size = 0;

    if (conn && conn->uri_len > PL_MAX_URI)
        return pl_respond_error(&x, 414, "uri_too_long", "request URI longer than %d bytes",
                                PL_MAX_URI);
    size_t hdr = 0;
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, sum_header, &hdr);
    if (hdr > PL_MAX_HEADERS)
        return pl_respond_error(&x, 431, "headers_too_large",
                                "request headers larger than %d bytes", PL_MAX_HEADERS);
    /* RFC 9112 3.2: an HTTP/1.1 request without Host is a 400 (libmicrohttpd
     * lets it through). */
    if (version && !strcmp(version, MHD_HTTP_VERSION_1_1) &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
        return pl_respond_error(&x, 400, "bad_request", "HTTP/1.1 request without a Host header");

    pl_handler fn;
    const char *const *allowed, *const *repeatable;
    const struct pl_asset *asset;
    int ep = route(url, &fn, &allowed, &repeatable, &asset);
    if (conn)
        conn->ep = ep;
    if (!fn && !asset)
        return pl_respond_error(&x, 404, "not_found", "no such endpoint");

    if (is_options) {
        if (asset && ep == PL_EP_STATIC)
            return pl_respond_error(&x, 405, "method_not_allowed",
                                    "%s is not allowed here (use GET or HEAD)", method);
        return respond_preflight(&x);
    }
    if (!is_get)
        return pl_respond_error(&x, 405, "method_not_allowed",
                                "method not allowed (use GET, HEAD or OPTIONS)");
    if (conn && conn->bad_escape)
        return pl_respond_error(&x, 400, "bad_parameter",
                                "malformed percent-encoding in the request URI");
    if (asset)
        return respond_asset(&x, asset, ep == PL_EP_OPENAPI);

    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, &x.params);
    enum MHD_Result ok = check_params(&x, allowed, repeatable);
    if (x.responded)
        return ok; /* answered with an error */
    enum MHD_Result ret;
    if (s->cache && ep != PL_EP_HEALTHZ && ep != PL_EP_METRICS && ep != PL_EP_STATS) {
        if (pl_rctx_snap(&x, &ret))
            goto done;
        /* The key: path and parameters in the order given (the page always
         * builds them in one order). */
        pl_buf_puts(&x.cache_key, url);
        for (size_t i = 0; i < x.params.n; i++) {
            pl_buf_putc(&x.cache_key, 0);
            pl_buf_put(&x.cache_key, x.params.a[i].k, x.params.a[i].kn);
            pl_buf_putc(&x.cache_key, '=');
            pl_buf_put(&x.cache_key, x.params.a[i].v, x.params.a[i].vn);
        }
        size_t n = 0;
        const char *type = NULL;
        char *hit = x.cache_key.oom ? NULL
                                    : pl_rcache_get(s->cache, pl_snap_generation(x.snap),
                                                    x.cache_key.p, x.cache_key.n, &n, &type);
        if (hit) {
            atomic_fetch_add_explicit(&s->m.cache_hits, 1, memory_order_relaxed);
            pl_buf_reset(&x.cache_key);
            struct MHD_Response *r = MHD_create_response_from_buffer(n, hit, MHD_RESPMEM_MUST_FREE);
            if (!r) {
                free(hit);
                ret = MHD_NO;
                goto done;
            }
            add_common(&x, r, type, 1);
            MHD_add_response_header(r, "X-Cache", "hit");
            ret = queue(&x, 200, r, n);
            goto done;
        }
        atomic_fetch_add_explicit(&s->m.cache_misses, 1, memory_order_relaxed);
        if (x.cache_key.oom)
            pl_buf_reset(&x.cache_key);
    }
    ret = fn(&x);
done:
    pl_buf_free(&x.cache_key);
    if (x.snap)
        pl_snap_end(x.snap);
    return ret;
}

/* ---- per-connection state, URI stamp, completion ----------------------------- */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    pl_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pl_conn *conn = pl_calloc(1, sizeof(pl_conn));
        *socket_context = conn;
        atomic_fetch_add_explicit(&s->m.connections, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->open_conns, 1, memory_order_relaxed);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (conn && ci) {
            conn->fd = ci->connect_fd;
            atomic_store_explicit(&conn->head_since_us, pl_now_us(), memory_order_relaxed);
            atomic_store_explicit(&conn->in_head, 1, memory_order_relaxed);
            pthread_mutex_lock(&s->conns_mu);
            conn->next = s->conns;
            if (s->conns)
                s->conns->prev = conn;
            s->conns = conn;
            pthread_mutex_unlock(&s->conns_mu);
            conn->listed = 1;
        }
        return;
    }
    atomic_fetch_sub_explicit(&s->open_conns, 1, memory_order_relaxed);
    pl_conn *conn = *socket_context;
    if (conn && conn->active)
        atomic_fetch_sub_explicit(&s->in_flight, 1, memory_order_relaxed);
    /* libmicrohttpd reports the close before it closes the socket, so once
     * the connection is off the list the sweeper can no longer touch an fd
     * number that a new connection may reuse. */
    if (conn && conn->listed) {
        pthread_mutex_lock(&s->conns_mu);
        if (conn->prev)
            conn->prev->next = conn->next;
        else
            s->conns = conn->next;
        if (conn->next)
            conn->next->prev = conn->prev;
        pthread_mutex_unlock(&s->conns_mu);
    }
    pl_free(conn);
    *socket_context = NULL;
}

/* The head deadline.  libmicrohttpd's timeout is an idle timeout, which a
 * client sending one byte a second never reaches; every 250 ms this thread
 * shuts down (shutdown(2): libmicrohttpd then sees the end of the stream
 * and closes the connection itself) any connection whose request head has
 * not been completed within head_timeout_us.  Cost: one pass over the open
 * connections (at most --max-conns) four times a second. */
static void *sweep_heads(void *arg)
{
    pl_server *s = arg;
    while (!atomic_load(&s->sweeper_stop)) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t now = pl_now_us();
        pthread_mutex_lock(&s->conns_mu);
        for (pl_conn *c = s->conns; c; c = c->next) {
            if (c->cut || !atomic_load_explicit(&c->in_head, memory_order_relaxed))
                continue;
            uint64_t since = atomic_load_explicit(&c->head_since_us, memory_order_relaxed);
            if (now > since && now - since > s->head_timeout_us) {
                shutdown(c->fd, SHUT_RDWR);
                c->cut = 1;
                atomic_fetch_add_explicit(&s->m.head_timeouts, 1, memory_order_relaxed);
            }
        }
        pthread_mutex_unlock(&s->conns_mu);
    }
    return NULL;
}

/* Refuses a connection beyond --max-conns by closing it at once.  Left to
 * itself MHD stops accepting at its limit, so further clients would wait
 * in the kernel's backlog with no answer; a prompt close tells them to
 * back off.  The count is read, not reserved: accepts are sequential per
 * loop thread, so the overshoot is at most one connection per thread. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    pl_server *s = cls;
    (void)addr;
    (void)addrlen;
    if (atomic_load_explicit(&s->open_conns, memory_order_relaxed) >= (long)s->max_conns) {
        atomic_fetch_add_explicit(&s->m.refused, 1, memory_order_relaxed);
        return MHD_NO;
    }
    return MHD_YES;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    pl_server *s = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    pl_conn *conn = ci ? ci->socket_context : NULL;
    if (!conn)
        return NULL;
    if (!conn->active)
        atomic_fetch_add_explicit(&s->in_flight, 1, memory_order_relaxed);
    conn->active = 1;
    conn->answered = 0;
    conn->seen = 0;
    conn->status = 0;
    conn->bytes = 0;
    conn->ep = PL_EP_OTHER;
    conn->method[0] = 0;
    conn->start_us = pl_now_us();
    conn->uri_len = strlen(uri);
    conn->bad_escape = 0;
    /* Keep the path (not the query: it may hold what users typed) for the
     * log line, with anything unprintable escaped. */
    size_t o = 0;
    for (const char *p = uri; *p && *p != '?' && o + 5 < sizeof conn->path; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            o += (size_t)snprintf(conn->path + o, sizeof conn->path - o, "\\x%02x", ch);
        else
            conn->path[o++] = (char)ch;
    }
    conn->path[o] = 0;
    for (const char *p = uri; *p; p++)
        if (*p == '%' && (hexval(p[1]) < 0 || hexval(p[2]) < 0)) {
            conn->bad_escape = 1;
            break;
        }
    return conn;
}

/* Decodes %XX and '+' (HTML forms and URLSearchParams encode spaces as
 * '+') in place.  Malformed escapes were already flagged by on_uri; they
 * are left as they are here. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '+') {
            *w++ = ' ';
        } else if (*r == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
            *w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static int status_slot(unsigned status)
{
    for (int i = 0; i < PL_N_STATUS - 1; i++)
        if ((unsigned)status_codes[i] == status)
            return i;
    return PL_N_STATUS - 1;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    pl_server *s = cls;
    pl_conn *conn = *con_cls;
    (void)c;
    if (!conn)
        return;
    /* the next request's head is awaited from now */
    atomic_store_explicit(&conn->head_since_us, pl_now_us(), memory_order_relaxed);
    atomic_store_explicit(&conn->in_head, 1, memory_order_relaxed);
    if (!conn->active)
        return;
    conn->active = 0;
    atomic_fetch_sub_explicit(&s->in_flight, 1, memory_order_relaxed);
    uint64_t us = pl_now_us() - conn->start_us;
    int ep = conn->ep >= 0 && conn->ep < PL_EP_COUNT ? conn->ep : PL_EP_OTHER;
    if (conn->status) {
        atomic_fetch_add_explicit(&s->m.requests[ep][status_slot(conn->status)], 1,
                                  memory_order_relaxed);
        int b = 0;
        while (b < PL_LAT_BUCKETS && us > lat_bounds_us[b])
            b++;
        atomic_fetch_add_explicit(&s->m.latency[ep][b], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->m.latency_sum_us[ep], us, memory_order_relaxed);
    }
    if (!s->opts.quiet) {
        char st[16];
        if (conn->status)
            snprintf(st, sizeof st, "%u", conn->status);
        else
            snprintf(st, sizeof st, "-");
        /* One fprintf per line: stdio locks the stream, so lines from
         * different threads do not interleave. */
        fprintf(s->log, "%s %s %s %zu %lluus%s\n", conn->method[0] ? conn->method : "-", conn->path,
                st, conn->bytes, (unsigned long long)us,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    }
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    pl_server *s = cls;
    if (s->opts.quiet)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    fprintf(s->log, "plumbline: serve: %s\n", msg);
}

/* ---- metrics text ------------------------------------------------------------- */

char *pl_server_metrics_text(pl_server *s, uint64_t generation, uint32_t docs, size_t *n)
{
    pl_buf b = {0};
    pl_buf_puts(&b, "# HELP plumbline_http_requests_total Answered HTTP requests.\n"
                    "# TYPE plumbline_http_requests_total counter\n");
    for (int e = 0; e < PL_EP_COUNT; e++)
        for (int k = 0; k < PL_N_STATUS; k++) {
            uint64_t v = atomic_load_explicit(&s->m.requests[e][k], memory_order_relaxed);
            if (!v)
                continue;
            char code[8];
            if (status_codes[k])
                snprintf(code, sizeof code, "%d", status_codes[k]);
            else
                snprintf(code, sizeof code, "other");
            pl_buf_printf(&b, "plumbline_http_requests_total{endpoint=\"%s\",code=\"%s\"} %llu\n",
                          endpoint_names[e], code, (unsigned long long)v);
        }
    pl_buf_puts(&b, "# HELP plumbline_http_request_duration_seconds Time from request line to "
                    "answer sent.\n"
                    "# TYPE plumbline_http_request_duration_seconds histogram\n");
    for (int e = 0; e < PL_EP_COUNT; e++) {
        uint64_t cum = 0;
        uint64_t counts[PL_LAT_BUCKETS + 1];
        for (int k = 0; k <= PL_LAT_BUCKETS; k++) {
            counts[k] = atomic_load_explicit(&s->m.latency[e][k], memory_order_relaxed);
            cum += counts[k];
        }
        if (!cum)
            continue;
        cum = 0;
        for (int k = 0; k <= PL_LAT_BUCKETS; k++) {
            cum += counts[k];
            if (k < PL_LAT_BUCKETS)
                pl_buf_printf(&b,
                              "plumbline_http_request_duration_seconds_bucket{endpoint=\"%s\","
                              "le=\"%g\"} %llu\n",
                              endpoint_names[e], (double)lat_bounds_us[k] / 1e6,
                              (unsigned long long)cum);
            else
                pl_buf_printf(&b,
                              "plumbline_http_request_duration_seconds_bucket{endpoint=\"%s\","
                              "le=\"+Inf\"} %llu\n",
                              endpoint_names[e], (unsigned long long)cum);
        }
        pl_buf_printf(&b, "plumbline_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n",
                      endpoint_names[e],
                      (double)atomic_load_explicit(&s->m.latency_sum_us[e], memory_order_relaxed) /
                          1e6);
        pl_buf_printf(&b, "plumbline_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
                      endpoint_names[e], (unsigned long long)cum);
    }
    pl_buf_printf(
        &b,
        "# HELP plumbline_http_connections_total Accepted connections.\n"
        "# TYPE plumbline_http_connections_total counter\n"
        "plumbline_http_connections_total %llu\n"
        "# HELP plumbline_http_connections_refused_total Connections closed at once "
        "(over --max-conns).\n"
        "# TYPE plumbline_http_connections_refused_total counter\n"
        "plumbline_http_connections_refused_total %llu\n"
        "# HELP plumbline_http_head_timeouts_total Connections shut down because a "
        "request head was not complete within --request-timeout.\n"
        "# TYPE plumbline_http_head_timeouts_total counter\n"
        "plumbline_http_head_timeouts_total %llu\n"
        "# HELP plumbline_cache_hits_total Answers served from the answer cache.\n"
        "# TYPE plumbline_cache_hits_total counter\n"
        "plumbline_cache_hits_total %llu\n"
        "# HELP plumbline_cache_misses_total Cacheable answers computed.\n"
        "# TYPE plumbline_cache_misses_total counter\n"
        "plumbline_cache_misses_total %llu\n"
        "# HELP plumbline_cache_bytes Bytes held by the answer cache.\n"
        "# TYPE plumbline_cache_bytes gauge\n"
        "plumbline_cache_bytes %zu\n"
        "# HELP plumbline_http_requests_in_flight Requests being answered.\n"
        "# TYPE plumbline_http_requests_in_flight gauge\n"
        "plumbline_http_requests_in_flight %ld\n"
        "# HELP plumbline_index_generation Generation of the index last read.\n"
        "# TYPE plumbline_index_generation gauge\n"
        "plumbline_index_generation %llu\n"
        "# HELP plumbline_index_documents Live documents in the index.\n"
        "# TYPE plumbline_index_documents gauge\n"
        "plumbline_index_documents %u\n"
        "# HELP plumbline_uptime_seconds Seconds since the server started.\n"
        "# TYPE plumbline_uptime_seconds gauge\n"
        "plumbline_uptime_seconds %.3f\n",
        (unsigned long long)atomic_load_explicit(&s->m.connections, memory_order_relaxed),
        (unsigned long long)atomic_load_explicit(&s->m.refused, memory_order_relaxed),
        (unsigned long long)atomic_load_explicit(&s->m.head_timeouts, memory_order_relaxed),
        (unsigned long long)atomic_load_explicit(&s->m.cache_hits, memory_order_relaxed),
        (unsigned long long)atomic_load_explicit(&s->m.cache_misses, memory_order_relaxed),
        pl_rcache_used(s->cache), atomic_load_explicit(&s->in_flight, memory_order_relaxed),
        (unsigned long long)generation, docs, (double)(pl_now_us() - s->started_us) / 1e6);
    if (b.oom) {
        pl_buf_free(&b);
        return NULL;
    }
    /* MHD frees the body with free(): hand it a malloc'd copy. */
    char *out = malloc(b.n + 1);
    if (out) {
        memcpy(out, b.p, b.n + 1);
        *n = b.n;
    }
    pl_buf_free(&b);
    return out;
}

/* ---- start / stop ------------------------------------------------------------------ */

static void server_free(pl_server *s)
{
    if (!s)
        return;
    if (s->sweeper_on) {
        atomic_store(&s->sweeper_stop, 1);
        pthread_join(s->sweeper, NULL);
    }
    pthread_mutex_destroy(&s->conns_mu);
    for (size_t i = 0; i < s->n_slots; i++)
        pl_qctx_free(s->slots[i].q);
    pl_free(s->slots);
    pl_synonyms_free(s->syn);
    pl_analyzer_free(s->syn_an);
    pl_rcache_free(s->cache);
    pl_store_close(s->store);
    pl_free(s);
}

int pl_server_start(const pl_server_opts *opts, pl_server **out, pl_error *err)
{
    *out = NULL;
    pl_server *s = pl_calloc(1, sizeof *s);
    if (!s)
        return pl_error_set(err, PL_ENOMEM, "serve: out of memory");
    s->opts = *opts;
    s->log = opts->log ? opts->log : stderr;
    pthread_mutex_init(&s->conns_mu, NULL);
    s->started_us = pl_now_us();
    for (size_t i = 0; pl_assets[i].name && i < PL_MAX_ASSETS; i++)
        snprintf(s->etags[i], sizeof s->etags[i], "\"%016llx\"",
                 (unsigned long long)pl_hash64(pl_assets[i].data, pl_assets[i].len));
    unsigned threads = opts->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (threads > PL_SERVER_MAX_THREADS)
        threads = PL_SERVER_MAX_THREADS;
    unsigned max_conns = opts->max_conns ? opts->max_conns : 1024;
    unsigned per_ip = opts->max_conns_per_ip ? opts->max_conns_per_ip : 512;
    unsigned timeout = opts->timeout_s ? opts->timeout_s : 15;
    unsigned head_timeout = opts->head_timeout_s ? opts->head_timeout_s : 30;
    if (head_timeout < timeout) /* an idle keep-alive wait is the idle timeout's */
        head_timeout = timeout;
    s->head_timeout_us = (uint64_t)head_timeout * 1000000u;
    s->max_conns = max_conns;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    /* poll(), not epoll: libmicrohttpd 0.9.75 registers connections
     * edge-triggered and takes a short recv() to mean the socket is drained,
     * so when a client's last bytes and its FIN arrive together (a
     * half-close after a keep-alive request, or a partial request then
     * shutdown) the end of stream raises no further event and the
     * connection waits for the idle timeout instead of being closed at
     * once (docs/reliability.md, finding 13).  poll() is level-triggered:
     * the pending end of stream keeps the socket readable.  Its cost is a
     * scan of the loop's own connections per wakeup, at most
     * --max-conns / --threads of them. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    const char *bind = opts->bind ? opts->bind : "127.0.0.1";
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(opts->port);
    } else if (inet_pton(AF_INET6, bind, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        pl_error_set(err, PL_EUSAGE, "serve: --bind %s: not an IPv4 or IPv6 address", bind);
        goto fail;
    }

    if (pl_store_open(&s->store, opts->db_dir, PL_STORE_READONLY, err) != PL_OK)
        goto fail;
    if (pl_analyzer_new(&s->syn_an, err) != PL_OK)
        goto fail;
    if (pl_synonyms_load_default(s->syn_an, &s->syn, err) != PL_OK)
        goto fail;
    s->slots = pl_calloc(threads, sizeof *s->slots);
    if (!s->slots) {
        pl_error_set(err, PL_ENOMEM, "serve: out of memory");
        goto fail;
    }
    s->n_slots = threads;
    if (!opts->no_cache &&
        pl_rcache_new((size_t)(opts->cache_mb ? opts->cache_mb : 64) << 20, 4096, &s->cache)) {
        pl_error_set(err, PL_ENOMEM, "serve: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < threads; i++)
        if (pl_qctx_new(s->syn, &s->slots[i].q, err) != PL_OK)
            goto fail;

    s->d = MHD_start_daemon(
        flags, opts->port, on_accept, s, on_request, s,
        /* First, so that errors of the options below go through it too. */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        max_conns + PL_SERVER_MAX_THREADS, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)PL_CONN_MEMORY, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, s, MHD_OPTION_END);
    if (!s->d) {
        pl_error_set(err, PL_EIO, "serve: cannot listen on %s port %u: %s", bind,
                     (unsigned)opts->port, errno ? strerror(errno) : "libmicrohttpd failed");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opts->port;
    if (pthread_create(&s->sweeper, NULL, sweep_heads, s) != 0) {
        MHD_stop_daemon(s->d);
        pl_error_set(err, PL_ENOMEM, "serve: cannot start a thread");
        goto fail;
    }
    s->sweeper_on = 1;
    *out = s;
    return PL_OK;
fail:
    server_free(s);
    return err && err->code ? err->code : PL_EIO;
}

uint16_t pl_server_port(const pl_server *s)
{
    return s ? s->port : 0;
}

void pl_server_stop(pl_server *s, unsigned grace_ms)
{
    if (!s)
        return;
    if (s->d) {
        /* Stop accepting first, then give requests already being answered
         * time to finish; only then tear the loops down. */
        MHD_socket lsock = MHD_quiesce_daemon(s->d);
        uint64_t now = pl_now_us();
        uint64_t deadline = now + (uint64_t)grace_ms * 1000u;
        /* A request whose bytes arrived just before the signal may not be
         * parsed yet (not yet in flight): a short settle lets it start. */
        uint64_t settle = now + (grace_ms < 20 ? grace_ms : 20) * 1000u;
        while ((atomic_load(&s->in_flight) > 0 || pl_now_us() < settle) && pl_now_us() < deadline) {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(s->d);
        if (lsock != MHD_INVALID_SOCKET)
            close(lsock);
    }
    server_free(s);
}
