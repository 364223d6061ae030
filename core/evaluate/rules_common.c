/* What the rules share: appending a reason to the evaluation being built
 * (core/evaluate/rules_internal.h). */
#include "core/evaluate/rules_internal.h"

#include "lib/buf.h"
#include "lib/timeutil.h"

struct tw_finding_reason *tw_eval_add_reason(struct tw_eval_ctx *c, enum tw_reason_kind kind)
{
        struct tw_evaluation *ev = c->ev;
        struct tw_finding_reason *rs;

        if (tw_array_reserve((void **)&ev->reasons, ev->n_reasons, &c->cap_reasons,
                             sizeof(*ev->reasons)) < 0)
                return NULL;
        rs = &ev->reasons[ev->n_reasons++];
        *rs = (struct tw_finding_reason){.kind = kind, .at = TW_NO_TIME};
        return rs;
}
