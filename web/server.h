/*
 * server.h — the HTTP JSON API and the page, on libmicrohttpd.
 *
 * One pl_server owns the MHD daemon (an internal pool of `threads` poll
 * threads), the shared read-only pl_store and one pl_qctx per pool thread.
 * Every request runs in one short store snapshot, so a rebuilt index is
 * picked up by the next request without a restart.  Endpoints, parameters
 * and errors: docs/api.md and web/openapi.json.
 */
#ifndef PL_SERVER_H
#define PL_SERVER_H

#include "../store/base.h"

#include <stdint.h>
#include <stdio.h>

#define PL_SERVER_MAX_THREADS 64
#define PL_SERVER_MAX_ORIGINS 16

typedef struct pl_server_opts {
    const char *db_dir;        /* index root (pl_store_open) */
    const char *bind;          /* IPv4 or IPv6 literal; NULL = 127.0.0.1 */
    uint16_t port;             /* 0 = any free port (see pl_server_port) */
    unsigned threads;          /* 0 = number of CPUs */
    unsigned max_conns;        /* 0 = 1024 */
    unsigned max_conns_per_ip; /* 0 = 512 */
    unsigned timeout_s;        /* idle/slow connection timeout; 0 = 15 */
    /* A request's head (line and headers) must be in within this many
     * seconds of the connection's opening or of the end of its previous
     * request, however steadily it trickles; 0 = 30.  At least timeout_s. */
    unsigned head_timeout_s;
    unsigned cache_mb; /* answer cache budget in MiB; 0 = 64 */
    int no_cache;      /* no answer cache */
    int quiet;         /* no access log */
    FILE *log;         /* access log; NULL = stderr */
    /* Allowed CORS origins; none = "*" (any). */
    const char *cors_origins[PL_SERVER_MAX_ORIGINS];
    size_t n_cors_origins;
} pl_server_opts;

typedef struct pl_server pl_server;

/* Opens the index, loads synonyms, creates the query contexts and starts
 * listening.  On return the server is answering requests. */
int pl_server_start(const pl_server_opts *opts, pl_server **out, pl_error *err);
/* The port actually bound (useful with port 0). */
uint16_t pl_server_port(const pl_server *s);
/* Stops accepting, lets in-flight requests finish (bounded by
 * grace_ms), then stops the daemon and frees everything.  NULL is a no-op. */
void pl_server_stop(pl_server *s, unsigned grace_ms);

#endif
