#ifndef TW_AGENT_CMD_LOAD_CONFIG_H
#define TW_AGENT_CMD_LOAD_CONFIG_H

/*
 * Loading the configuration the way every command does: parse and validate
 * path (the [deliver.NAME] stores' own checks included), and on failure log
 * every error (one "invalid configuration" record
 * with the lines); a config that loads with warnings (keys under their old
 * names) logs each.  Used by `run` (at start and on SIGHUP) and `report`;
 * `check-config` prints to stderr instead.
 */

struct tw_config;

/* 0 with *ret_config (caller frees with tw_config_free()), or the negative
 * errno of tw_config_load_file() after logging why. */
int tw_agent_load_config(const char *path, struct tw_config **ret_config);

#endif
