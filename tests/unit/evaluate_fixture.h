#ifndef TW_TESTS_UNIT_EVALUATE_FIXTURE_H
#define TW_TESTS_UNIT_EVALUATE_FIXTURE_H

/*
 * Small inventories and policies for the evaluator's unit tests
 * (test_evaluate.c, test_suppress.c).  Header-only: static functions.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define NOW ((int64_t)1780315200) /* 2026-06-01T12:00:00Z */
#define MIN ((int64_t)60)
#define HOUR ((int64_t)3600)
#define DAY ((int64_t)86400)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A role, or {NULL} to end a list. */
struct role_spec {
        const char *entity_type, *entity_id, *role;
};

struct token_spec {
        const char *id, *name, *scope;
        int64_t start, end, created, last_used;
        struct role_spec roles[4];
        const char *creator_type, *creator_id, *creator_label; /* NULL type: no createdBy */
};

static inline char *xstrdup(const char *s)
{
        char *p = s ? strdup(s) : NULL;

        assert_true(!s || p);
        return p;
}

/* The defaults. */
/* f's message (tw_finding_message()), in a buffer the next call reuses. */
static inline const char *finding_message(const struct tw_evaluation *ev,
                                          const struct tw_inventory *inv,
                                          const struct tw_finding *f)
{
        static struct tw_buf b = {.max = TW_BUF_MAX_DEFAULT};

        tw_buf_reset(&b);
        assert_int_equal(tw_finding_message(ev, inv, f, &b), 0);
        return b.ptr ? b.ptr : "";
}

/* f's fix (tw_finding_fix()), "" for none, in a buffer the next call reuses. */
static inline const char *finding_fix(const struct tw_evaluation *ev,
                                      const struct tw_inventory *inv, const struct tw_finding *f)
{
        static struct tw_buf b = {.max = TW_BUF_MAX_DEFAULT};

        tw_buf_reset(&b);
        assert_int_equal(tw_finding_fix(ev, inv, f, &b), 0);
        return b.ptr ? b.ptr : "";
}

static inline void policy_default(struct tw_policy *p)
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

static inline void add_token(struct tw_inventory *inv, const struct token_spec *s)
{
        struct tw_token t = {0};
        size_t n = 0;

        while (n < ARRAY_SIZE(s->roles) && s->roles[n].entity_type)
                n++;
        t.id = xstrdup(s->id);
        t.name = xstrdup(s->name ? s->name : s->id);
        t.description = xstrdup("");
        t.short_token = xstrdup("short");
        t.scope = xstrdup(s->scope ? s->scope : "ORGANIZATION");
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
                t.roles[i].entity_type = xstrdup(s->roles[i].entity_type);
                t.roles[i].entity_id = xstrdup(s->roles[i].entity_id);
                t.roles[i].role = xstrdup(s->roles[i].role);
        }
        if (s->creator_type) {
                t.created_by = calloc(1, sizeof(*t.created_by));
                assert_non_null(t.created_by);
                t.created_by->id = xstrdup(s->creator_id);
                t.created_by->subject_type = xstrdup(s->creator_type);
                if (strcmp(s->creator_type, "USER") == 0)
                        t.created_by->username = xstrdup(s->creator_label);
                else
                        t.created_by->api_token_name = xstrdup(s->creator_label);
        }
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

static inline void add_user(struct tw_inventory *inv, const char *id, const char *username,
                            const char *status)
{
        struct tw_user u = {
                .id = xstrdup(id), .username = xstrdup(username), .status = xstrdup(status)};

        assert_int_equal(tw_inventory_add_user(inv, &u), 0);
}

static inline void add_workspace(struct tw_inventory *inv, const char *id, const char *name)
{
        struct tw_workspace w = {.id = xstrdup(id), .name = xstrdup(name)};

        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
}

static inline void add_deployment(struct tw_inventory *inv, const char *id, const char *name,
                                  const char *workspace_id)
{
        struct tw_deployment d = {
                .id = xstrdup(id), .name = xstrdup(name), .workspace_id = xstrdup(workspace_id)};

        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
}

/* A healthy ORGANIZATION token: used yesterday, expiring in a year, least privilege. */
#define HEALTHY_TOKEN(id_)                                                                 \
        {                                                                                  \
                .id = (id_), .scope = "ORGANIZATION", .start = NOW - 10 * DAY,             \
                .end = NOW + 365 * DAY, .created = NOW - 10 * DAY, .last_used = NOW - DAY, \
                .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_MEMBER"}},                \
        }

/* An organization with users, a workspace and a deployment, and no tokens yet. */
static inline struct tw_inventory *base_inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");

        assert_non_null(inv);
        add_user(inv, "u-active", "active@example.com", "ACTIVE");
        add_user(inv, "u-inactive", "inactive@example.com", "INACTIVE");
        add_user(inv, "u-banned", "banned@example.com", "BANNED");
        add_user(inv, "u-pending", "pending@example.com", "PENDING");
        add_user(inv, "u-nostatus", "nostatus@example.com", NULL);
        add_workspace(inv, "ws1", "Prod");
        add_deployment(inv, "dep1", "etl", "ws1");
        return inv;
}

#endif
