/* placeholder */
#include "cli.h"

int pl_cmd_trends(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("trends: not built yet");
    return PL_EXIT_FAIL;
}
