/*
 * cli.h — the plumbline command: subcommands and the helpers they share.
 * main.c only dispatches; each subcommand parses its own arguments and
 * calls the library.  Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 * Errors go to stderr as "plumbline: <what>: <why>".
 */
#ifndef PL_CLI_H
#define PL_CLI_H

#include "../store/base.h"

#include <stdio.h>

enum { PL_EXIT_OK = 0, PL_EXIT_FAIL = 1, PL_EXIT_USAGE = 2 };

/* argv[0] is the subcommand name. */
int pl_cmd_export(int argc, char **argv);
int pl_cmd_index(int argc, char **argv);
int pl_cmd_stats(int argc, char **argv);
int pl_cmd_dump(int argc, char **argv);
int pl_cmd_check(int argc, char **argv);
int pl_cmd_search(int argc, char **argv);
int pl_cmd_suggest(int argc, char **argv);
int pl_cmd_similar(int argc, char **argv);
int pl_cmd_trends(int argc, char **argv);
int pl_cmd_serve(int argc, char **argv);

/* "plumbline: <fmt>" + newline on stderr. */
void pl_cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err as "plumbline: <context>: <msg>" and returns the exit code
 * for it (usage errors 2, everything else 1). */
int pl_cli_fail(const char *context, const pl_error *err);

/* The index directory: --db if given, else $PLUMBLINE_DB, else
 * $XDG_DATA_HOME/plumbline/index, else ~/.local/share/plumbline/index.
 * Returns a static buffer. */
const char *pl_cli_db_dir(const char *opt_db);

/* True when a --help/-h is among argv[1..]. */
int pl_cli_wants_help(int argc, char **argv);

/* True for an argument of the form --NAME: a subcommand that does not know
 * NAME reports it rather than taking it as text, since a misspelt option
 * would otherwise quietly change a query.  "--" itself, "-" and single-dash
 * words such as "-android" (an exclusion in a query) are not options. */
int pl_cli_is_long_option(const char *arg);

/* An option written --NAME=VALUE (GNU style): copies "--NAME" into name
 * (n bytes) and returns VALUE, which may be empty.  NULL for any other
 * argument ("--", "--=x", a name too long for name, no '='): such an
 * argument is matched whole.  Every option that takes a value accepts
 * both --NAME VALUE and --NAME=VALUE. */
const char *pl_cli_split_opt(const char *arg, char *name, size_t n);

/* Parses a non-negative integer option value; 0 ok, -1 bad. */
int pl_cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

#endif
