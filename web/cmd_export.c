/* placeholder: plumbline export */
#include "cli.h"

int pl_cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pl_cli_err("export: not built yet");
    return PL_EXIT_FAIL;
}
