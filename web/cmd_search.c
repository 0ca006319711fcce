/* placeholder */
#include "cli.h"

int pl_cmd_search(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("search: not built yet");
    return PL_EXIT_FAIL;
}

int pl_cmd_suggest(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("suggest: not built yet");
    return PL_EXIT_FAIL;
}

int pl_cmd_similar(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("similar: not built yet");
    return PL_EXIT_FAIL;
}
