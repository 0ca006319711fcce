/* placeholder */
#include "cli.h"

int pl_cmd_index(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("index: not built yet");
    return PL_EXIT_FAIL;
}

int pl_cmd_stats(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("stats: not built yet");
    return PL_EXIT_FAIL;
}

int pl_cmd_dump(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("dump: not built yet");
    return PL_EXIT_FAIL;
}

int pl_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("check: not built yet");
    return PL_EXIT_FAIL;
}
