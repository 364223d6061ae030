/* The evaluator's helpers for people: dates, deltas, durations, quoted
 * names, CLI fixes, the policy line. */
#include "core/evaluate/evaluate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "core/evaluate/message_internal.h"
#include "core/config/config.h"
#include "core/config/values.h"
#include "core/roles.h"
#include "core/inventory.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"

int64_t tw_threshold_seconds(const struct tw_threshold *th, const struct tw_token *t)
{
        int64_t lifetime;

        if (!th || th->off)
                return TW_OFF;
        if (!th->percent)
                return th->seconds;
        if (!t || t->start_at == TW_NO_TIME || t->end_at == TW_NO_TIME || t->end_at <= t->start_at)
                return 0;
        lifetime = t->end_at - t->start_at;
        return (int64_t)((double)lifetime * th->percentage / 100.0);
}

const char *tw_token_cli_scope(const struct tw_token *t)
{
        if (!t || !t->scope)
                return NULL;
        if (strcmp(t->scope, "ORGANIZATION") == 0)
                return "organization";
        if (strcmp(t->scope, "WORKSPACE") == 0)
                return "workspace";
        if (strcmp(t->scope, "DEPLOYMENT") == 0)
                return "deployment";
        return NULL;
}

/* The entity id of t's first role of entity_type, or NULL. */
static const char *first_entity(const struct tw_token *t, const char *entity_type)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_roles; i++)
                if (t->roles[i].entity_type && t->roles[i].entity_id &&
                    strcmp(t->roles[i].entity_type, entity_type) == 0)
                        return t->roles[i].entity_id;
        return NULL;
}

const char *tw_token_workspace_id(const struct tw_token *t)
{
        return first_entity(t, "WORKSPACE");
}

const char *tw_token_deployment_id(const struct tw_token *t)
{
        return first_entity(t, "DEPLOYMENT");
}

/* The CLI noun for an entity type, or NULL. */
static const char *entity_noun(const char *entity_type)
{
        if (!entity_type)
                return NULL;
        if (strcmp(entity_type, "ORGANIZATION") == 0)
                return "organization";
        if (strcmp(entity_type, "WORKSPACE") == 0)
                return "workspace";
        if (strcmp(entity_type, "DEPLOYMENT") == 0)
                return "deployment";
        return NULL;
}

/* Appends the strings of the NULL-terminated list w. */
static int add_words(struct tw_buf *out, const char *const *w)
{
        int r = 0;

        for (; *w && r >= 0; w++)
                r = tw_buf_adds(out, *w);
        return r;
}

int tw_token_fix_command(const struct tw_token *t, enum tw_fix_action action,
                         const struct tw_role *role, const char *new_role, struct tw_buf *out)
{
        static const char *const verbs[] = {
                [TW_FIX_ROTATE] = "rotate",
                [TW_FIX_DELETE] = "delete",
                [TW_FIX_UPDATE_ROLE] = "update",
        };
        const char *noun, *entity = NULL;
        size_t len0 = out->len;
        int r;

        if (!t || !t->id || (unsigned)action > TW_FIX_UPDATE_ROLE)
                return -EINVAL;
        if (action == TW_FIX_UPDATE_ROLE && role) {
                noun = entity_noun(role->entity_type);
                entity = role->entity_id;
        } else {
                noun = tw_token_cli_scope(t);
                if (noun && strcmp(noun, "workspace") == 0)
                        entity = tw_token_workspace_id(t);
                else if (noun && strcmp(noun, "deployment") == 0)
                        entity = tw_token_deployment_id(t);
        }
        if (!noun)
                return -ENOENT;
        /* ids come from the API: only a plain id goes into a shell command */
        if (entity && !tw_is_valid_id(entity))
                entity = NULL;

        r = add_words(out,
                      (const char *const[]){"astro ", noun, " token ", verbs[action], " ",
                                            tw_is_valid_id(t->id) ? t->id : "<token-id>", NULL});
        if (r >= 0 && strcmp(noun, "workspace") == 0)
                r = add_words(out, (const char *const[]){" --workspace-id ",
                                                         entity ? entity : "<workspace-id>", NULL});
        else if (r >= 0 && strcmp(noun, "deployment") == 0)
                r = add_words(out,
                              (const char *const[]){" --deployment-id ",
                                                    entity ? entity : "<deployment-id>", NULL});
        if (r >= 0 && action == TW_FIX_UPDATE_ROLE)
                r = add_words(out, (const char *const[]){" --role ", new_role ? new_role : "<role>",
                                                         NULL});
        if (r < 0) {
                out->len = len0;
                if (out->ptr)
                        out->ptr[len0] = '\0';
        }
        return r;
}

bool tw_role_is_custom(const struct tw_role *role)
{
        static const char *const dag_roles[] = {"DAG_VIEWER", "DAG_AUTHOR"};

        if (!role || !role->entity_type || !role->role)
                return false;
        if (strcmp(role->entity_type, "DEPLOYMENT") == 0)
                return tw_role_rank("DEPLOYMENT", role->role) < 0;
        if (strcmp(role->entity_type, "DAG") == 0) {
                for (size_t i = 0; i < sizeof(dag_roles) / sizeof(dag_roles[0]); i++)
                        if (strcmp(role->role, dag_roles[i]) == 0)
                                return false;
                return true;
        }
        return false;
}

int tw_describe_date(int64_t t, struct tw_buf *out)
{
        char s[TW_RFC3339_LEN];
        int r;

        tw_time_format(t, s);
        /* "YYYY-MM-DDTHH:MM:SSZ" -> "YYYY-MM-DD HH:MM UTC" */
        s[10] = ' ';
        r = tw_buf_add(out, s, 16);
        return r < 0 ? r : tw_buf_adds(out, " UTC");
}

int tw_describe_delta(int64_t t, int64_t now, struct tw_buf *out)
{
        static const struct {
                int64_t seconds;
                const char *unit;
        } units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
        int64_t d = t >= now ? t - now : now - t;

        if (d == 0)
                return tw_buf_adds(out, "now");
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                int64_t n = d / units[i].seconds;
                int r = 0;

                if (n == 0)
                        continue;
                if (t > now)
                        r = tw_buf_adds(out, "in ");
                if (r >= 0)
                        r = tw_buf_add_u64(out, (uint64_t)n);
                if (r >= 0)
                        r = tw_buf_addc(out, ' ');
                if (r >= 0)
                        r = tw_buf_adds(out, units[i].unit);
                if (r >= 0 && n != 1)
                        r = tw_buf_addc(out, 's');
                if (r >= 0 && t <= now)
                        r = tw_buf_adds(out, " ago");
                return r;
        }
        return 0;
}

int tw_describe_duration(int64_t seconds, struct tw_buf *out)
{
        static const struct {
                int64_t seconds;
                char unit;
        } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
        size_t i = 0;
        int64_t q;
        int r = 0;

        while (i + 1 < sizeof(units) / sizeof(units[0]) &&
               (seconds == 0 || seconds % units[i].seconds != 0))
                i++;
        q = seconds / units[i].seconds;
        if (q < 0)
                r = tw_buf_addc(out, '-');
        if (r >= 0)
                r = tw_buf_add_u64(out, q < 0 ? (uint64_t)0 - (uint64_t)q : (uint64_t)q);
        return r < 0 ? r : tw_buf_addc(out, units[i].unit);
}

/* Appends a threshold: "7d", "25% of the lifetime" or "off". */
static int describe_threshold(const struct tw_threshold *th, struct tw_buf *out)
{
        if (th->off)
                return tw_buf_adds(out, "off");
        if (th->percent)
                return tw_buf_printf(out, "%g%% of the lifetime", th->percentage);
        return tw_describe_duration(th->seconds, out);
}

/* Appends a duration rule: "after 90d" or "off". */
static int describe_after(int64_t seconds, struct tw_buf *out)
{
        int r;

        if (seconds == TW_OFF)
                return tw_buf_adds(out, " off");
        r = tw_buf_adds(out, " after ");
        return r < 0 ? r : tw_describe_duration(seconds, out);
}

int tw_policy_describe(const struct tw_policy *p, struct tw_buf *out)
{
        int r;

        if (!p)
                return -EINVAL;
        r = tw_buf_adds(out, "expiring: critical ");
        if (r >= 0)
                r = describe_threshold(&p->expiry_critical, out);
        if (r >= 0)
                r = tw_buf_adds(out, ", warning ");
        if (r >= 0)
                r = describe_threshold(&p->expiry_warning, out);
        if (r >= 0)
                r = tw_buf_adds(out,
                                p->require_expiry ? "; expiry required" : "; expiry not required");
        if (r >= 0)
                r = tw_buf_adds(out, "; unused");
        if (r >= 0)
                r = describe_after(p->unused_after, out);
        if (r >= 0)
                r = tw_buf_adds(out, "; never used");
        if (r >= 0)
                r = describe_after(p->never_used_after, out);
        if (r >= 0)
                r = tw_buf_printf(out, "; role ceilings: %s, %s, %s",
                                  p->max_organization_role ? p->max_organization_role : "none",
                                  p->max_workspace_role ? p->max_workspace_role : "none",
                                  p->max_deployment_role ? p->max_deployment_role : "none");
        return r;
}

int tw_message_add_quoted(struct tw_buf *msg, const char *s)
{
        size_t len = s ? strlen(s) : 0;
        bool cut = len > TW_MESSAGE_NAME_MAX;
        int r;

        len = tw_utf8_cut(s, len, TW_MESSAGE_NAME_MAX);
        r = tw_buf_addc(msg, '"');
        if (r >= 0 && len)
                r = tw_buf_add(msg, s, len);
        if (r >= 0 && cut)
                r = tw_buf_adds(msg, "...");
        if (r >= 0)
                r = tw_buf_addc(msg, '"');
        return r;
}

int tw_message_add_when(struct tw_buf *msg, int64_t t, int64_t now)
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
