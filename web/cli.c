/* cli.c — helpers shared by the subcommands (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pl_cli_err(const char *fmt, ...)
{
    va_list ap;
    fputs("plumbline: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int pl_cli_fail(const char *context, const pl_error *err)
{
    const char *msg = err && err->msg[0] ? err->msg : pl_status_name(err ? err->code : PL_EIO);
    if (context && context[0])
        pl_cli_err("%s: %s", context, msg);
    else
        pl_cli_err("%s", msg);
    return err && err->code == PL_EUSAGE ? PL_EXIT_USAGE : PL_EXIT_FAIL;
}

const char *pl_cli_db_dir(const char *opt_db)
{
    static char path[4096];
    if (opt_db && opt_db[0])
        return opt_db;
    const char *env = getenv("PLUMBLINE_DB");
    if (env && env[0])
        return env;
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && xdg[0]) {
        snprintf(path, sizeof path, "%s/plumbline/index", xdg);
        return path;
    }
    const char *home = getenv("HOME");
    snprintf(path, sizeof path, "%s/.local/share/plumbline/index", home && home[0] ? home : ".");
    return path;
}

int pl_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    }
    return 0;
}

int pl_cli_is_long_option(const char *arg)
{
    return arg[0] == '-' && arg[1] == '-' && arg[2] != 0;
}

const char *pl_cli_split_opt(const char *arg, char *name, size_t n)
{
    if (arg[0] != '-' || arg[1] != '-' || arg[2] == '\0' || arg[2] == '=')
        return NULL;
    const char *eq = strchr(arg, '=');
    if (!eq || (size_t)(eq - arg) >= n)
        return NULL;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    return eq + 1;
}

int pl_cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}
