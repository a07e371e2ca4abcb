/* src/cli/cmd_device.h - `fleetward device set|components` (cmd_device.c) */
#ifndef FLW_CLI_CMD_DEVICE_H
#define FLW_CLI_CMD_DEVICE_H
#include "cmd.h"

int cli_cmd_device_set(struct cli_ctx *ctx);
int cli_cmd_device_components(struct cli_ctx *ctx);

#endif /* FLW_CLI_CMD_DEVICE_H */
