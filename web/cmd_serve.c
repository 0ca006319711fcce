/* placeholder */
#include "cli.h"

int pl_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("serve: not built yet");
    return PL_EXIT_FAIL;
}
