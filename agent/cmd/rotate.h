#ifndef TW_AGENT_CMD_ROTATE_H
#define TW_AGENT_CMD_ROTATE_H

/* `tokenwatch rotate TOKEN`: agent/cmd/rotate.c. */

#include <stdbool.h>

#include "core/config/config.h"

struct tw_rotate_cli {
        const char *token;                         /* its id or its exact name */
        bool dry_run;                              /* print the plan, write nothing */
        const enum tw_rotation_strategy *strategy; /* NULL: [rotation] strategy */
        const char *organization;                  /* [astro.NAME] NAME or id; NULL: where it is */
};

/* Renews the token now (or prints the plan).  Exit codes: 0 renewed (or
 * waiting for retire_after), TW_EXIT_CONFIG (the configuration, the token
 * not found, another process holding state_dir), TW_EXIT_RENEWAL (a step
 * failed: the reason on stderr). */
int tw_cmd_rotate(const char *config_path, const struct tw_rotate_cli *o);

#endif
