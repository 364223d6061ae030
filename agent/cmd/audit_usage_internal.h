#ifndef TW_AGENT_CMD_AUDIT_USAGE_INTERNAL_H
#define TW_AGENT_CMD_AUDIT_USAGE_INTERNAL_H

/* `tokenwatch audit`'s Part 2 input: the usage index the daemon keeps in
 * one state file per organization (audit-usage[.NAME].json), read only
 * (never moved aside, whatever it holds), and the last token listing
 * (state_dir/audit-listing.json) to name the tokens. */

#include <stddef.h>

struct tw_config;
struct tw_listing;
struct tw_usage;

/* The usage of every organization of cfg, merged (tw_usage_merge): each
 * one's state file, read only.  A missing file is skipped; so is one that
 * names another organization or API URL (logged: the daemon moves it aside
 * at its next start).  *ret is NULL when no file was found.  0, or the
 * first other error (-EBADMSG: not the format) with its file's name in
 * file. */
int tw_cmd_usage_load(const struct tw_config *cfg, struct tw_usage **ret, char *file, size_t size);

/* *ret_usage: the index, NULL when there is no file (the daemon never read
 * the audit logs); *ret_listing: NULL when absent or unreadable (names are
 * then left out).  0, or a negative errno with the reason printed on
 * stderr naming the file (a file that is not the format is an error). */
int tw_cmd_audit_load_usage(const struct tw_config *cfg, struct tw_usage **ret_usage,
                            struct tw_listing **ret_listing);

#endif
