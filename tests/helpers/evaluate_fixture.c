/* Small inventories and policies for the evaluator's unit tests. */
#include "helpers/evaluate_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

char *ef_strdup(const char *s)
{
        char *p = s ? strdup(s) : NULL;

        assert_true(!s || p);
        return p;
}

/* f's message (tw_finding_message()), in a buffer the next call reuses. */
const char *ef_finding_message(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                               const struct tw_finding *f)
{
        static struct tw_buf b = {.max = TW_BUF_MAX_DEFAULT};

        tw_buf_reset(&b);
        assert_int_equal(tw_finding_message(ev, inv, f, &b), 0);
        return b.ptr ? b.ptr : "";
}

/* f's fix (tw_finding_fix()), "" for none, in a buffer the next call reuses. */
const char *ef_finding_fix(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                           const struct tw_finding *f)
{
        static struct tw_buf b = {.max = TW_BUF_MAX_DEFAULT};

        tw_buf_reset(&b);
        assert_int_equal(tw_finding_fix(ev, inv, f, &b), 0);
        return b.ptr ? b.ptr : "";
}

void ef_policy_default(struct tw_policy *p)
{
        memset(p, 0, sizeof(*p));
        p->expiry_critical = (struct tw_threshold){.seconds = 7 * DAY};
        p->expiry_warning = (struct tw_threshold){.seconds = 30 * DAY};
        p->require_expiry = true;
        p->unused_after = 90 * DAY;
        p->never_used_after = 14 * DAY;
        p->max_organization_role = "ORGANIZATION_BILLING_ADMIN";
        p->max_workspace_role = "WORKSPACE_OPERATOR";
        p->max_deployment_role = "DEPLOYMENT_ADMIN";
}

void ef_add_token(struct tw_inventory *inv, const struct token_spec *s)
{
        struct tw_token t = {0};
        size_t n = 0;

        while (n < ARRAY_SIZE(s->roles) && s->roles[n].entity_type)
                n++;
        t.id = ef_strdup(s->id);
        t.name = ef_strdup(s->name ? s->name : s->id);
        t.description = ef_strdup("");
        t.short_token = ef_strdup("short");
        t.scope = ef_strdup(s->scope ? s->scope : "ORGANIZATION");
        t.start_at = s->start;
        t.end_at = s->end;
        t.created_at = s->created;
        t.updated_at = s->created;
        t.last_used_at = s->last_used;
        t.last_rotated_at = TW_NO_TIME;
        if (n) {
                t.roles = calloc(n, sizeof(*t.roles));
                assert_non_null(t.roles);
                t.n_roles = n;
        }
        for (size_t i = 0; i < n; i++) {
                t.roles[i].entity_type = ef_strdup(s->roles[i].entity_type);
                t.roles[i].entity_id = ef_strdup(s->roles[i].entity_id);
                t.roles[i].role = ef_strdup(s->roles[i].role);
        }
        if (s->creator_type) {
                t.created_by = calloc(1, sizeof(*t.created_by));
                assert_non_null(t.created_by);
                t.created_by->id = ef_strdup(s->creator_id);
                t.created_by->subject_type = ef_strdup(s->creator_type);
                if (strcmp(s->creator_type, "USER") == 0)
                        t.created_by->username = ef_strdup(s->creator_label);
                else
                        t.created_by->api_token_name = ef_strdup(s->creator_label);
        }
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

void ef_add_user(struct tw_inventory *inv, const char *id, const char *username, const char *status)
{
        struct tw_user u = {
                .id = ef_strdup(id), .username = ef_strdup(username), .status = ef_strdup(status)};

        assert_int_equal(tw_inventory_add_user(inv, &u), 0);
}

void ef_add_workspace(struct tw_inventory *inv, const char *id, const char *name)
{
        struct tw_workspace w = {.id = ef_strdup(id), .name = ef_strdup(name)};

        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
}

void ef_add_deployment(struct tw_inventory *inv, const char *id, const char *name,
                       const char *workspace_id)
{
        struct tw_deployment d = {.id = ef_strdup(id),
                                  .name = ef_strdup(name),
                                  .workspace_id = ef_strdup(workspace_id)};

        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
}

/* An organization with users, a workspace and a deployment, and no tokens yet. */
struct tw_inventory *ef_base_inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");

        assert_non_null(inv);
        ef_add_user(inv, "u-active", "active@example.com", "ACTIVE");
        ef_add_user(inv, "u-inactive", "inactive@example.com", "INACTIVE");
        ef_add_user(inv, "u-banned", "banned@example.com", "BANNED");
        ef_add_user(inv, "u-pending", "pending@example.com", "PENDING");
        ef_add_user(inv, "u-nostatus", "nostatus@example.com", NULL);
        ef_add_workspace(inv, "ws1", "Prod");
        ef_add_deployment(inv, "dep1", "etl", "ws1");
        return inv;
}
