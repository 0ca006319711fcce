/*
 * main.c — the plumbline command.  A thin dispatcher: every subcommand
 * lives in web/cmd_*.c and calls the library.
 */
#include "cli.h"
#include "pl_config.h"

#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"index", pl_cmd_index, "build or update the index from archive files"},
    {"search", pl_cmd_search, "search the index"},
    {"suggest", pl_cmd_suggest, "complete a word prefix from the index vocabulary"},
    {"similar", pl_cmd_similar, "talks similar to a document"},
    {"trends", pl_cmd_trends, "how topics moved between years"},
    {"serve", pl_cmd_serve, "serve the JSON API and the web page"},
    {"export", pl_cmd_export, "print records as canonical JSON Lines"},
    {"stats", pl_cmd_stats, "documents per year and kind, terms, sizes"},
    {"check", pl_cmd_check, "verify the integrity of the index"},
    {"dump", pl_cmd_dump, "decode a stored structure as text (debugging)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: plumbline [--version] [--help] <command> [options]\n\n"
               "Full-text search and trend analytics for the Linux Plumbers Conference archive.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s  %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'plumbline <command> --help' for the options of one command.\n"
               "The index lives in --db DIR, $PLUMBLINE_DB, or ~/.local/share/plumbline/index.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PL_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("plumbline %s\n", PL_VERSION);
        return PL_EXIT_OK;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return PL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    pl_cli_err("unknown command '%s' (see 'plumbline --help')", argv[1]);
    return PL_EXIT_USAGE;
}
