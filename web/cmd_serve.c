/*
 * cmd_serve.c — `plumbline serve`: parses options, starts the server and
 * waits for SIGINT/SIGTERM.  The signals are blocked before any server
 * thread exists (threads inherit the mask) and taken synchronously with
 * sigwait, so no handler and no global flag are needed.
 */
#include "cli.h"
#include "server.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: plumbline serve [--db DIR] [--bind ADDR] [--port N] [--threads N] [--quiet]\n"
            "                       [--cors-origin ORIGIN]... [--max-conns N]\n"
            "                       [--max-conns-per-ip N] [--timeout SECONDS]\n"
            "                       [--request-timeout SECONDS] [--cache-mb N]\n\n"
            "Serves the JSON API (docs/api.md, /api/openapi.json) and the search page.\n\n"
            "  --db DIR              index directory (default: $PLUMBLINE_DB or\n"
            "                        ~/.local/share/plumbline/index)\n"
            "  --bind ADDR           IPv4 or IPv6 address to listen on (default 127.0.0.1)\n"
            "  --port N              TCP port (default 8080; 0 picks a free one)\n"
            "  --threads N           worker threads (default: number of CPUs, at most %d)\n"
            "  --quiet               no access log on stderr\n"
            "  --cors-origin ORIGIN  allow this origin (repeatable; default: any origin, *)\n"
            "  --max-conns N         open connections at most (default 1024)\n"
            "  --max-conns-per-ip N  open connections per client address (default 512)\n"
            "  --timeout SECONDS     close idle or slow connections after this (default 15)\n"
            "  --request-timeout SECONDS\n"
            "                        close a connection whose request line and headers are\n"
            "                        not all in this long after it opened or after its\n"
            "                        previous answer, however steadily they trickle\n"
            "                        (default 30; at least --timeout)\n"
            "  --cache-mb N          memory for answers already computed for the current\n"
            "                        index (default 64; 0 turns the cache off)\n\n"
            "Prints \"listening on http://ADDR:PORT\" on stdout once ready.  SIGINT or SIGTERM\n"
            "stop it after the requests under way have been answered.\n",
            PL_SERVER_MAX_THREADS);
}

static int opt_uint(const char *name, const char *v, unsigned long min, unsigned long max,
                    unsigned long *out)
{
    if (!v) {
        pl_cli_err("serve: %s needs a value", name);
        return -1;
    }
    if (pl_cli_parse_uint(v, max, out) || *out < min) {
        pl_cli_err("serve: %s: expected an integer from %lu to %lu, got '%s'", name, min, max, v);
        return -1;
    }
    return 0;
}

int pl_cmd_serve(int argc, char **argv)
{
    if (pl_cli_wants_help(argc, argv)) {
        usage(stdout);
        return PL_EXIT_OK;
    }
    pl_server_opts o = {0};
    const char *db = NULL;
    unsigned long v;
    o.port = 8080;
    o.bind = "127.0.0.1";
    for (int i = 1; i < argc; i++) {
        /* --NAME VALUE or --NAME=VALUE: `step` is what a value moves i by */
        char name[32];
        const char *inl = pl_cli_split_opt(argv[i], name, sizeof name);
        const char *a = inl ? name : argv[i];
        const char *val = inl ? (*inl ? inl : NULL) : i + 1 < argc ? argv[i + 1] : NULL;
        int step = inl ? 0 : 1;
        if (inl && (!strcmp(a, "--quiet") || !strcmp(a, "-q"))) {
            pl_cli_err("serve: %s takes no value", a);
            return PL_EXIT_USAGE;
        }
        if (!strcmp(a, "--db") && val) {
            db = val;
            i += step;
        } else if (!strcmp(a, "--bind") && val) {
            o.bind = val;
            i += step;
        } else if (!strcmp(a, "--port")) {
            if (opt_uint(a, val, 0, 65535, &v))
                return PL_EXIT_USAGE;
            o.port = (uint16_t)v;
            i += step;
        } else if (!strcmp(a, "--threads")) {
            if (opt_uint(a, val, 1, PL_SERVER_MAX_THREADS, &v))
                return PL_EXIT_USAGE;
            o.threads = (unsigned)v;
            i += step;
        } else if (!strcmp(a, "--max-conns")) {
            if (opt_uint(a, val, 1, 100000, &v))
                return PL_EXIT_USAGE;
            o.max_conns = (unsigned)v;
            i += step;
        } else if (!strcmp(a, "--max-conns-per-ip")) {
            if (opt_uint(a, val, 1, 100000, &v))
                return PL_EXIT_USAGE;
            o.max_conns_per_ip = (unsigned)v;
            i += step;
        } else if (!strcmp(a, "--cache-mb")) {
            if (opt_uint(a, val, 0, 65536, &v))
                return PL_EXIT_USAGE;
            o.cache_mb = (unsigned)v;
            o.no_cache = v == 0;
            i += step;
        } else if (!strcmp(a, "--timeout")) {
            if (opt_uint(a, val, 1, 3600, &v))
                return PL_EXIT_USAGE;
            o.timeout_s = (unsigned)v;
            i += step;
        } else if (!strcmp(a, "--request-timeout")) {
            if (opt_uint(a, val, 1, 3600, &v))
                return PL_EXIT_USAGE;
            o.head_timeout_s = (unsigned)v;
            i += step;
        } else if (!strcmp(a, "--cors-origin") && val) {
            if (o.n_cors_origins == PL_SERVER_MAX_ORIGINS) {
                pl_cli_err("serve: at most %d --cors-origin options", PL_SERVER_MAX_ORIGINS);
                return PL_EXIT_USAGE;
            }
            o.cors_origins[o.n_cors_origins++] = val;
            i += step;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.quiet = 1;
        } else {
            if (!val && (!strcmp(a, "--db") || !strcmp(a, "--bind") || !strcmp(a, "--cors-origin")))
                pl_cli_err("serve: %s needs a value", a);
            else
                pl_cli_err("serve: unknown option '%s' (see 'plumbline serve --help')", argv[i]);
            return PL_EXIT_USAGE;
        }
    }
    o.db_dir = pl_cli_db_dir(db);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    pl_server *s = NULL;
    pl_error err = {0};
    if (pl_server_start(&o, &s, &err) != PL_OK)
        return pl_cli_fail("serve", &err);
    int v6 = strchr(o.bind, ':') != NULL;
    printf("listening on http://%s%s%s:%u\n", v6 ? "[" : "", o.bind, v6 ? "]" : "",
           (unsigned)pl_server_port(s));
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    if (!o.quiet)
        fprintf(stderr, "plumbline: serve: %s, finishing requests under way\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
    pl_server_stop(s, 5000);
    return PL_EXIT_OK;
}
