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
 * Invariants: an answer (or a close) within 10 s, and the close within
 * 1.5 s of the server's last byte (the client has half-closed; the idle
 * timeout is 2 s, so a later close means a missed end of stream); any
 * answer starts with
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
#include <time.h>
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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FUZZ_HTTP_GDB=1: on a stall, the states of the server's sockets (the
 * stalled pair in full) and every thread's stack, server ones included. */
static void diagnose(int fd, double waited)
{
    struct sockaddr_in me = {0};
    socklen_t ml = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &ml);
    fprintf(stderr, "stall: client port %u, no answer or close after %.3f s\n",
            (unsigned)ntohs(me.sin_port), waited);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "ss -tan '( sport = :%u or dport = :%u )' | awk '{print $1}' | sort | uniq -c 1>&2; "
             "ss -tanpi '( sport = :%u or dport = :%u )' | grep -v TIME-WAIT 1>&2; "
             "gdb -p %d -batch -ex 'thread apply all bt' 1>&2",
             (unsigned)port, (unsigned)port, (unsigned)port, (unsigned)port, (int)getpid());
    if (system(cmd) != 0)
        fprintf(stderr, "diagnosis failed\n");
}

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

    /* Waits are measured, not counted in poll() calls: libFuzzer's -timeout
     * watchdog is a SIGALRM every timeout/2+1 s, which interrupts poll()
     * (EINTR); taking that for a stall was the whole of finding 13's
     * "10 s" (docs/reliability.md). */
    size_t n = 0;
    double start = now_s(), last = start;
    int eof = 0;
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        double left = start + 10 - now_s();
        int pr = left > 0 ? poll(&pf, 1, (int)(left * 1000) + 1) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0 && getenv("FUZZ_HTTP_GDB"))
            diagnose(fd, now_s() - start);
        FUZZ_CHECK(pr > 0); /* the server must answer or close within 10 s */
        ssize_t r = recv(fd, resp + n, sizeof resp - 1 - n, 0);
        if (r <= 0) {
            eof = 1;
            break;
        }
        n += (size_t)r;
        last = now_s();
        if (n == sizeof resp - 1)
            break;
    }
    /* The client has half-closed, so once the server has nothing more to
     * say it must close at once: waiting for the idle timeout (2 s here)
     * is the missed end of stream of finding 13. */
    double gap = now_s() - last;
    if (eof && gap > 1.5) {
        fprintf(stderr, "closed %.3f s after the last byte (%zu answered), input of %zu bytes\n",
                gap, n, size);
        abort();
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
