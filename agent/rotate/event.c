/* A renewal's outcome as a token change event (core/events.h). */
#include "agent/rotate/rotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "lib/timeutil.h"

int tw_rotate_event(const struct tw_rotate_outcome *o, int64_t now, struct tw_event *e)
{
        char when[TW_RFC3339_LEN], detail[TW_ROTATE_REASON_MAX + 128];
        bool replace = o->strategy == TW_ROTATION_REPLACE;

        memset(e, 0, sizeof(*e));
        e->observed_at = now;
        if (o->renewed) {
                e->kind = TW_EVENT_RENEWED;
                e->severity = TW_SEVERITY_NONE;
                snprintf(detail, sizeof(detail),
                         "%s; %zu cop%s hold%s the new value, which expires %s%s",
                         replace ? "replaced by a twin" : "rotated in place", o->n_copies,
                         o->n_copies == 1 ? "y" : "ies", o->n_copies == 1 ? "s" : "",
                         o->new_end_at == TW_NO_TIME ? "never"
                                                     : tw_time_format(o->new_end_at, when),
                         replace ? "; the old token is deleted after retire_after" : "");
        } else if (o->result == TW_ROTATE_FAILED) {
                e->kind = TW_EVENT_RENEWAL_FAILED;
                e->severity = TW_SEVERITY_CRITICAL;
                snprintf(detail, sizeof(detail), "%s; next attempt %s", o->reason,
                         o->next_at == TW_NO_TIME ? "when asked (tokenwatch rotate)"
                                                  : tw_time_format(o->next_at, when));
        } else if (o->result == TW_ROTATE_HELD) {
                e->kind = TW_EVENT_RETIRE_HELD;
                e->severity = TW_SEVERITY_WARNING;
                snprintf(detail, sizeof(detail), "%s", o->reason);
        } else {
                return 0;
        }
        e->token_id = strdup(o->token_id);
        e->token_name = strdup(o->token_name);
        e->scope = strdup(o->scope);
        e->organization_id = o->organization_id[0] ? strdup(o->organization_id) : NULL;
        e->before = o->renewed ? strdup(o->token_id) : strdup(tw_renewal_step_to_string(o->step));
        e->after = o->new_id[0] ? strdup(o->new_id) : NULL;
        e->replaced_by = o->renewed && replace && o->new_id[0] ? strdup(o->new_id) : NULL;
        e->detail = strdup(detail);
        return e->token_id && e->detail ? 1 : -ENOMEM;
}
