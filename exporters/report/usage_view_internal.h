#ifndef TW_EXPORTERS_REPORT_USAGE_VIEW_INTERNAL_H
#define TW_EXPORTERS_REPORT_USAGE_VIEW_INTERNAL_H

/* Shared by exporters/report/usage_view*.c only: the audit command's Part 2 views. */

#include <stdbool.h>
#include <stdint.h>

#include "core/usage/usage.h"
#include "exporters/report/changes.h"
#include "lib/timeutil.h"

/* The token's name from the last listing, or NULL. */
const char *tw_usage_view_name_of(const struct tw_audit_view *v, const char *id);
/* Whether the view's --token and --since keep a token's usage or an event. */
bool tw_usage_view_token_shown(const struct tw_audit_view *v, const struct tw_token_usage *t);
bool tw_usage_view_event_shown(const struct tw_audit_view *v, const struct tw_lifecycle_event *e);
/* "user", "token" or "unknown". */
const char *tw_usage_view_actor_type(const struct tw_lifecycle_event *e);
/* RFC 3339 (seconds) of the index's milliseconds, "-" for none. */
char *tw_usage_view_when(int64_t ms, char buf[TW_RFC3339_LEN]);

#endif
