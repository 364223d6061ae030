/* The time-based rules: expired, expiring, no_expiry, unused, never_used. */
#include "core/evaluate/rules.h"

#include <errno.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "lib/timeutil.h"

int tw_message_add_quoted(struct tw_buf *msg, const char *s)
{
        size_t len = s ? strlen(s) : 0;
        bool cut = len > TW_MESSAGE_NAME_MAX;
        int r;

        if (cut) {
                len = TW_MESSAGE_NAME_MAX;
                /* back up over UTF-8 continuation bytes */
                while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
                        len--;
        }
        r = tw_buf_addc(msg, '"');
        if (r >= 0 && len)
                r = tw_buf_add(msg, s, len);
        if (r >= 0 && cut)
                r = tw_buf_adds(msg, "...");
        if (r >= 0)
                r = tw_buf_addc(msg, '"');
        return r;
}

int tw_message_add_token(struct tw_buf *msg, const struct tw_token *t)
{
        int r = tw_buf_adds(msg, "Token ");

        return r < 0 ? r : tw_message_add_quoted(msg, t->name ? t->name : t->id);
}

int tw_message_add_fix(struct tw_buf *msg, const struct tw_token *t, enum tw_fix_action action)
{
        size_t len0 = msg->len;
        int r;

        r = tw_buf_adds(msg, " Fix: ");
        if (r >= 0)
                r = tw_token_fix_command(t, action, NULL, NULL, msg);
        if (r == -ENOENT) {
                msg->len = len0;
                msg->ptr[len0] = '\0';
                return 0;
        }
        return r < 0 ? r : tw_buf_addc(msg, '.');
}

/* Appends "DATE (DELTA)". */
static int add_when(struct tw_buf *msg, int64_t t, int64_t now)
{
        int r = tw_describe_date(t, msg);

        if (r >= 0)
                r = tw_buf_adds(msg, " (");
        if (r >= 0)
                r = tw_describe_delta(t, now, msg);
        if (r >= 0)
                r = tw_buf_addc(msg, ')');
        return r;
}

int tw_rule_expired(struct tw_eval_ctx *c, const struct tw_token *t, enum tw_severity *ret_severity,
                    struct tw_buf *msg)
{
        int r;

        *ret_severity = TW_SEVERITY_NONE;
        if (t->end_at == TW_NO_TIME || t->end_at > c->now)
                return 0;
        r = tw_message_add_token(msg, t);
        if (r >= 0)
                r = tw_buf_adds(msg, " expired on ");
        if (r >= 0)
                r = add_when(msg, t->end_at, c->now);
        if (r >= 0)
                r = tw_buf_adds(msg, ": every call made with it now fails.");
        if (r >= 0)
                r = tw_message_add_fix(msg, t, TW_FIX_ROTATE);
        if (r >= 0)
                *ret_severity = TW_SEVERITY_CRITICAL;
        return r;
}

/* Appends how a threshold was reached: "7d" or "25% of its 7d lifetime: 42h". */
static int add_threshold(struct tw_buf *msg, const struct tw_threshold *th, int64_t seconds,
                         const struct tw_token *t)
{
        int r;

        if (!th->percent)
                return tw_describe_duration(seconds, msg);
        r = tw_buf_printf(msg, "%g%% of its ", th->percentage);
        if (r >= 0)
                r = tw_describe_duration(t->end_at - t->start_at, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " lifetime: ");
        if (r >= 0)
                r = tw_describe_duration(seconds, msg);
        return r;
}

int tw_rule_expiring(struct tw_eval_ctx *c, const struct tw_token *t,
                     enum tw_severity *ret_severity, struct tw_buf *msg)
{
        const struct tw_threshold *th;
        enum tw_severity sev;
        int64_t crit, warn, remaining, secs;
        int r;

        *ret_severity = TW_SEVERITY_NONE;
        if (t->end_at == TW_NO_TIME || t->end_at <= c->now)
                return 0;
        remaining = t->end_at - c->now;
        crit = tw_threshold_seconds(&c->policy->expiry_critical, t);
        warn = tw_threshold_seconds(&c->policy->expiry_warning, t);
        if (crit != TW_OFF && remaining <= crit) {
                sev = TW_SEVERITY_CRITICAL;
                th = &c->policy->expiry_critical;
                secs = crit;
        } else if (warn != TW_OFF && remaining <= warn) {
                sev = TW_SEVERITY_WARNING;
                th = &c->policy->expiry_warning;
                secs = warn;
        } else {
                return 0;
        }

        r = tw_message_add_token(msg, t);
        if (r >= 0)
                r = tw_buf_adds(msg, " expires on ");
        if (r >= 0)
                r = add_when(msg, t->end_at, c->now);
        if (r >= 0)
                r = tw_buf_printf(msg, ", within the %s threshold (", tw_severity_to_string(sev));
        if (r >= 0)
                r = add_threshold(msg, th, secs, t);
        if (r >= 0)
                r = tw_buf_adds(msg, ").");
        if (r >= 0)
                r = tw_message_add_fix(msg, t, TW_FIX_ROTATE);
        if (r >= 0)
                *ret_severity = sev;
        return r;
}

int tw_rule_no_expiry(struct tw_eval_ctx *c, const struct tw_token *t,
                      enum tw_severity *ret_severity, struct tw_buf *msg)
{
        int r;

        *ret_severity = TW_SEVERITY_NONE;
        if (!c->policy->require_expiry || t->end_at != TW_NO_TIME)
                return 0;
        r = tw_message_add_token(msg, t);
        if (r >= 0)
                r = tw_buf_adds(msg,
                                " never expires, and an expiry cannot be added later: create a "
                                "replacement with --expiration <days>, then delete this one.");
        if (r >= 0)
                r = tw_message_add_fix(msg, t, TW_FIX_DELETE);
        if (r >= 0)
                *ret_severity = TW_SEVERITY_WARNING;
        return r;
}

/* "<token> <what> <when>, more than <after> ago. Fix: ... delete": the
 * message shared by the unused and never-used rules. */
static int idle_message(struct tw_eval_ctx *c, const struct tw_token *t, const char *what,
                        int64_t since, int64_t after, enum tw_severity *ret_severity,
                        struct tw_buf *msg)
{
        int r = tw_message_add_token(msg, t);

        if (r >= 0)
                r = tw_buf_adds(msg, what);
        if (r >= 0)
                r = add_when(msg, since, c->now);
        if (r >= 0)
                r = tw_buf_adds(msg, ", more than ");
        if (r >= 0)
                r = tw_describe_duration(after, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " ago.");
        if (r >= 0)
                r = tw_message_add_fix(msg, t, TW_FIX_DELETE);
        if (r >= 0)
                *ret_severity = TW_SEVERITY_WARNING;
        return r;
}

int tw_rule_unused(struct tw_eval_ctx *c, const struct tw_token *t, enum tw_severity *ret_severity,
                   struct tw_buf *msg)
{
        int64_t after = c->policy->unused_after;

        *ret_severity = TW_SEVERITY_NONE;
        /* last_used_at < now - after, written so that it cannot overflow */
        if (after == TW_OFF || t->last_used_at == TW_NO_TIME || c->now - t->last_used_at <= after)
                return 0;
        return idle_message(c, t, " was last used on ", t->last_used_at, after, ret_severity, msg);
}

int tw_rule_never_used(struct tw_eval_ctx *c, const struct tw_token *t,
                       enum tw_severity *ret_severity, struct tw_buf *msg)
{
        int64_t after = c->policy->never_used_after;

        *ret_severity = TW_SEVERITY_NONE;
        if (after == TW_OFF || t->last_used_at != TW_NO_TIME || t->created_at == TW_NO_TIME ||
            c->now - t->created_at <= after)
                return 0;
        return idle_message(c, t, " has never been used since it was created on ", t->created_at,
                            after, ret_severity, msg);
}
