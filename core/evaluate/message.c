/* A finding's message and fix, rendered on demand from its data (see
 * core/evaluate/finding.h). */
#include "core/evaluate/finding.h"

#include <errno.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "core/evaluate/message_internal.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* Appends 'Token "NAME"'. */
static int add_token(struct tw_buf *msg, const struct tw_token *t)
{
        int r = tw_buf_adds(msg, "Token ");

        return r < 0 ? r : tw_message_add_quoted(msg, t->name ? t->name : t->id);
}

/* Appends how an expiry threshold was reached: "7d" or "25% of its 7d
 * lifetime: 42h". */
static int add_threshold(struct tw_buf *msg, const struct tw_finding *f, const struct tw_token *t)
{
        int r;

        if (f->percent <= 0)
                return tw_describe_duration(f->after, msg);
        r = tw_buf_printf(msg, "%g%% of its ", f->percent);
        if (r >= 0)
                r = tw_describe_duration(t->end_at - t->start_at, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " lifetime: ");
        if (r >= 0)
                r = tw_describe_duration(f->after, msg);
        return r;
}

/* The sentence after 'Token "NAME"' for the kinds made of times only. */
static int add_times(struct tw_buf *msg, const struct tw_finding *f, const struct tw_token *t,
                     int64_t now)
{
        int r = 0;

        switch (f->kind) {
        case TW_FINDING_EXPIRED:
                r = tw_buf_adds(msg, " expired on ");
                if (r >= 0)
                        r = tw_message_add_when(msg, f->at, now);
                return r < 0 ? r : tw_buf_adds(msg, ": every call made with it now fails.");
        case TW_FINDING_EXPIRING:
                r = tw_buf_adds(msg, " expires on ");
                if (r >= 0)
                        r = tw_message_add_when(msg, f->at, now);
                if (r >= 0)
                        r = tw_buf_printf(msg, ", within the %s threshold (",
                                          tw_severity_to_string(f->severity));
                if (r >= 0)
                        r = add_threshold(msg, f, t);
                return r < 0 ? r : tw_buf_adds(msg, ").");
        case TW_FINDING_NO_EXPIRY:
                return tw_buf_adds(msg, " never expires, and an expiry cannot be added later: "
                                        "create a replacement with --expiration <days>, then "
                                        "delete this one.");
        default:
                r = tw_buf_adds(msg, f->kind == TW_FINDING_UNUSED
                                             ? " was last used on "
                                             : " has never been used since it was created on ");
                if (r >= 0)
                        r = tw_message_add_when(msg, f->at, now);
                if (r >= 0)
                        r = tw_buf_adds(msg, ", more than ");
                if (r >= 0)
                        r = tw_describe_duration(f->after, msg);
                return r < 0 ? r : tw_buf_adds(msg, " ago.");
        }
}

/* The token of f, or NULL when f does not belong to ev and inv. */
static const struct tw_token *token_of(const struct tw_evaluation *ev,
                                       const struct tw_inventory *inv, const struct tw_finding *f)
{
        size_t n = (size_t)f->n_reasons + f->n_evidence;

        if (!ev || !inv || f->token >= inv->n_tokens || f->first_reason > ev->n_reasons ||
            n > ev->n_reasons - f->first_reason)
                return NULL;
        return &inv->tokens[f->token];
}

int tw_finding_message(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                       const struct tw_finding *f, struct tw_buf *out)
{
        const struct tw_token *t = token_of(ev, inv, f);
        const struct tw_finding_reason *rs;
        size_t len0 = out->len;
        int r;

        if (!t)
                return -EINVAL;
        rs = &ev->reasons[f->first_reason];
        r = add_token(out, t);
        if (r < 0)
                ;
        else if (f->kind == TW_FINDING_ORPHANED || f->kind == TW_FINDING_OVER_PRIVILEGED)
                r = tw_message_add_access(out, inv, t, f, rs);
        else if (f->kind == TW_FINDING_NEW_SOURCE)
                r = tw_message_add_sources(out, f, rs, ev->now);
        else if (f->kind == TW_FINDING_STALE_COPY || f->kind == TW_FINDING_MISSING_COPY)
                r = tw_message_add_copies(out, ev, inv, f, rs);
        else if ((unsigned)f->kind < _TW_FINDING_KIND_MAX)
                r = add_times(out, f, t, ev->now);
        else
                r = -EINVAL;
        if (r < 0 && out->ptr) {
                out->len = len0;
                out->ptr[len0] = '\0';
        }
        return r;
}

/* Appends the update commands of an over_privileged finding. */
static int add_role_fixes(struct tw_buf *out, const struct tw_token *t, const struct tw_finding *f,
                          const struct tw_finding_reason *rs)
{
        int r = 0;

        for (uint32_t i = 0; i < f->n_reasons && r >= 0; i++) {
                if (rs[i].kind != TW_REASON_ROLE_ABOVE || rs[i].role >= t->n_roles)
                        return -EINVAL;
                if (i > 0)
                        r = tw_buf_adds(out, "; ");
                if (r >= 0)
                        r = tw_token_fix_command(t, TW_FIX_UPDATE_ROLE, &t->roles[rs[i].role],
                                                 rs[i].target, out);
        }
        if (r >= 0 && f->n_more)
                r = tw_buf_printf(out, "; and %u more", (unsigned)f->n_more);
        return r;
}

int tw_finding_fix(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                   const struct tw_finding *f, struct tw_buf *out)
{
        const struct tw_token *t = token_of(ev, inv, f);
        size_t len0 = out->len;
        int r;

        if (!t)
                return -EINVAL;
        if (f->fix == TW_FIX_UPDATE_ROLE)
                r = add_role_fixes(out, t, f, &ev->reasons[f->first_reason]);
        else if (f->fix == TW_FIX_UPDATE_COPY)
                r = tw_message_add_copy_fixes(out, ev, f, &ev->reasons[f->first_reason]);
        else
                r = tw_token_fix_command(t, f->fix, NULL, NULL, out);
        if (r == -ENOENT)
                r = 0; /* the CLI has no command for the token's scope */
        if (r < 0 && out->ptr) {
                out->len = len0;
                out->ptr[len0] = '\0';
        }
        return r;
}
