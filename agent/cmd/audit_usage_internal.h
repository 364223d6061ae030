#ifndef TW_AGENT_CMD_AUDIT_USAGE_INTERNAL_H
#define TW_AGENT_CMD_AUDIT_USAGE_INTERNAL_H

/* `tokenwatch audit`'s Part 2 input: the usage index the daemon keeps in
 * state_dir/audit-usage.json, read only (never moved aside, whatever it
 * holds), and the last token listing (state_dir/audit-listing.json) to
 * name the tokens. */

struct tw_listing;
struct tw_usage;

/* *ret_usage: the index, NULL when there is no file (the daemon never read
 * the audit logs); *ret_listing: NULL when absent or unreadable (names are
 * then left out).  0, or a negative errno with the reason printed on
 * stderr naming the file (a file that is not the format is an error). */
int tw_cmd_audit_load_usage(const char *state_dir, struct tw_usage **ret_usage,
                            struct tw_listing **ret_listing);

#endif
