/* The messages of stale_copy and missing_copy: which copies, where, since
 * when, and what to do; and their fix, the commands that write each copy. */
#include "core/evaluate/message_internal.h"

#include <errno.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/buf.h"

/* The verdict a COPY reason names, or NULL. */
static const struct tw_copy_verdict *verdict_of(const struct tw_evaluation *ev,
                                                const struct tw_finding_reason *rs)
{
        return rs->kind == TW_REASON_COPY && rs->copy < ev->n_copies ? &ev->copies[rs->copy] : NULL;
}

/* What is wrong with one stale copy, after its name. */
static int add_staleness(struct tw_buf *msg, const struct tw_inventory *inv,
                         const struct tw_copy_verdict *v, int64_t now)
{
        const struct tw_token *other;
        int r;

        switch (v->verdict) {
        case TW_COPY_OLDER:
                r = tw_buf_adds(msg, " was last written on ");
                if (r >= 0)
                        r = tw_message_add_when(msg, v->at, now);
                if (r >= 0)
                        r = tw_buf_adds(msg, ", before the token's current value was issued on ");
                return r < 0 ? r : tw_message_add_when(msg, v->issued_at, now);
        case TW_COPY_OLD_VALUE:
                r = tw_buf_adds(msg, " holds a value of this token issued on ");
                if (r >= 0)
                        r = tw_message_add_when(msg, v->at, now);
                if (r >= 0)
                        r = tw_buf_adds(msg, ", older than its current value (issued on ");
                if (r >= 0)
                        r = tw_message_add_when(msg, v->issued_at, now);
                return r < 0 ? r : tw_buf_adds(msg, ")");
        case TW_COPY_OTHER_TOKEN:
                other = v->holds ? tw_inventory_token(inv, v->holds) : NULL;
                r = tw_buf_adds(msg, " holds the value of another token, ");
                if (r >= 0 && other && other->name) {
                        r = tw_message_add_quoted(msg, other->name);
                        if (r >= 0)
                                r = tw_buf_printf(msg, " (%s)", other->id);
                } else if (r >= 0) {
                        r = tw_buf_printf(msg, "%s%s", v->holds ? v->holds : "",
                                          other ? "" : " (not listed: deleted?)");
                }
                return r;
        case TW_COPY_NOT_A_TOKEN:
                return tw_buf_adds(msg, " holds something that is not an Astro API token");
        default:
                return -EINVAL;
        }
}

int tw_message_add_copies(struct tw_buf *msg, const struct tw_evaluation *ev,
                          const struct tw_inventory *inv, const struct tw_finding *f,
                          const struct tw_finding_reason *rs)
{
        bool missing = f->kind == TW_FINDING_MISSING_COPY;
        uint32_t n = f->n_reasons + f->n_more;
        int r;

        r = n == 1 ? tw_buf_adds(msg, " has a") : tw_buf_printf(msg, " has %u", (unsigned)n);
        if (r >= 0)
                r = tw_buf_printf(msg, " %s cop%s: ", missing ? "missing" : "stale",
                                  n == 1 ? "y" : "ies");
        for (uint32_t i = 0; i < f->n_reasons && r >= 0; i++) {
                const struct tw_copy_verdict *v = verdict_of(ev, &rs[i]);

                if (!v)
                        return -EINVAL;
                r = tw_buf_printf(msg, "%s[deliver.%s] %s", i ? "; " : "", v->name,
                                  v->where ? v->where : "");
                if (r >= 0)
                        r = missing ? tw_buf_adds(msg, " does not exist")
                                    : add_staleness(msg, inv, v, ev->now);
        }
        if (r >= 0 && f->n_more)
                r = tw_buf_printf(msg, "; and %u more", (unsigned)f->n_more);
        if (r < 0)
                return r;
        if (missing && n == 1)
                return tw_buf_printf(msg,
                                     ". Create it with the token's current value, or remove "
                                     "[deliver.%s] if nothing reads it any more.",
                                     verdict_of(ev, &rs[0])->name);
        if (missing)
                return tw_buf_adds(msg, ". Create them with the token's current value, or remove "
                                        "the sections of those nothing reads any more.");
        return tw_buf_printf(msg,
                             ". Whatever reads %s gets a value that no longer works, or stops "
                             "working when the old token is rotated or deleted: write the "
                             "token's current value into %s; if nobody has that value, rotate "
                             "the token and update every copy.",
                             n == 1 ? "it" : "them", n == 1 ? "it" : "each");
}

int tw_message_add_copy_fixes(struct tw_buf *out, const struct tw_evaluation *ev,
                              const struct tw_finding *f, const struct tw_finding_reason *rs)
{
        bool any = false;
        int r = 0;

        for (uint32_t i = 0; i < f->n_reasons && r >= 0; i++) {
                const struct tw_copy_verdict *v = verdict_of(ev, &rs[i]);

                if (!v)
                        return -EINVAL;
                if (!v->fix)
                        continue;
                r = tw_buf_printf(out, "%s%s", any ? "; " : "", v->fix);
                any = true;
        }
        if (r >= 0 && any && f->n_more)
                r = tw_buf_printf(out, "; and %u more", (unsigned)f->n_more);
        return r;
}
