/*
 * fuzz_http.c — the HTTP front door: the server runs in this process on a
 * loopback port over an index of the bundled corpus (plus markup records),
 * and each input is sent as one request on a fresh connection.  That
 * covers libmicrohttpd's parsing as configured here, the URI stamp and
 * percent-decoding callbacks, routing, parameter validation, every
 * handler and the JSON they build.
 *
 * An input starting with '/' is a request target, sent as
 * "GET <input> HTTP/1.1" with a Host header (so mutations explore
 * paths and query strings); anything else is sent as raw bytes.
 *
 * Invariants: an answer (or a close) within 10 s; any answer starts with
 * an HTTP/1.x status line; no 500 (an internal error on client input is a
 * bug).  JSON echoes what users typed without markup escaping, which is
 * safe only as application/json with nosniff: checked on every JSON
 * answer.
 */
#include "fuzz.h"

#include "../../web/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static pl_server *srv;
static uint16_t port;
static FILE *devnull;

static void cleanup(void)
{
    pl_server_stop(srv, 1000);
    if (devnull)
        fclose(devnull);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    char db[512];
    snprintf(db, sizeof db, "%s/db", fuzz_tmpdir());
    fuzz_build_index(db, NULL);
    devnull = fopen("/dev/null", "w");
    pl_server_opts o = {0};
    o.db_dir = db;
    o.threads = 1;
    o.timeout_s = 2;
    o.quiet = 1;
    o.log = devnull;
    pl_error err = {0};
    if (pl_server_start(&o, &srv, &err)) {
        fprintf(stderr, "http: %s\n", err.msg);
        abort();
    }
    port = pl_server_port(srv);
    atexit(cleanup);
    return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1; /* the server may close early on garbage */
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static char resp[1 << 20];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 200000)
        return 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    FUZZ_CHECK(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    FUZZ_CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (size && data[0] == '/') {
        send_all(fd, "GET ", 4);
        send_all(fd, (const char *)data, size);
        static const char tail[] = " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n";
        send_all(fd, tail, sizeof tail - 1);
    } else {
        send_all(fd, (const char *)data, size);
    }
    shutdown(fd, SHUT_WR);

    size_t n = 0;
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        int pr = poll(&pf, 1, 10000);
        if (pr <= 0 && getenv("FUZZ_HTTP_GDB")) {
            /* Diagnose a stall: every thread's stack, server ones included. */
            char cmd[256];
            snprintf(cmd, sizeof cmd,
                     "ss -tan '( sport = :%u or dport = :%u )' | awk '{print $1}' | sort | "
                     "uniq -c 1>&2; gdb -p %d -batch -ex 'thread apply all bt' 1>&2",
                     (unsigned)port, (unsigned)port, (int)getpid());
            if (system(cmd) != 0)
                fprintf(stderr, "diagnosis failed\n");
        }
        FUZZ_CHECK(pr > 0); /* the server must answer or close within 10 s */
        ssize_t r = recv(fd, resp + n, sizeof resp - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == sizeof resp - 1)
            break;
    }
    close(fd);
    resp[n] = 0;
    if (n == 0)
        return 0; /* closed without an answer (e.g. an incomplete request) */
    if (strncmp(resp, "HTTP/1.", 7) || n < 12) {
        fprintf(stderr, "answer is not HTTP: %.80s\n", resp);
        abort();
    }
    int status = atoi(resp + 9);
    if (status == 500) {
        fprintf(stderr, "500 for input of %zu bytes:\n%.2000s\n", size, resp);
        abort();
    }
    const char *body = strstr(resp, "\r\n\r\n");
    const char *ct = strcasestr(resp, "\r\nContent-Type: application/json");
    if (ct && body && ct < body)
        FUZZ_CHECK(strcasestr(resp, "\r\nX-Content-Type-Options: nosniff") != NULL);
    return 0;
}
