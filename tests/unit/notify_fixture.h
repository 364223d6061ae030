#ifndef TW_TESTS_UNIT_NOTIFY_FIXTURE_H
#define TW_TESTS_UNIT_NOTIFY_FIXTURE_H

/*
 * Hand-built inventories and evaluations for the notification tests
 * (test_notify_state.c, test_notify_payload.c): no evaluator involved, so
 * the state machine is tested against exactly the findings given.
 * Header-only: static functions.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/finding.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

#define NOW ((int64_t)1780315200) /* 2026-06-01T12:00:00Z */
#define HOUR ((int64_t)3600)
#define DAY ((int64_t)86400)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline char *nf_strdup(const char *s)
{
        char *p = s ? strdup(s) : NULL;

        assert_true(!s || p);
        return p;
}

/* Adds a token with one role (entity_type NULL: none) and a USER creator. */
static inline void nf_add_token(struct tw_inventory *inv, const char *id, const char *name,
                                const char *entity_type, const char *entity_id, const char *role,
                                int64_t end_at)
{
        struct tw_token t = {0};

        t.id = nf_strdup(id);
        t.name = nf_strdup(name);
        t.description = nf_strdup("CI deploys");
        t.short_token = nf_strdup("abc123");
        t.scope = nf_strdup(entity_type ? entity_type : "ORGANIZATION");
        t.kind = nf_strdup("STANDARD");
        t.start_at = NOW - 80 * DAY;
        t.end_at = end_at;
        t.created_at = NOW - 80 * DAY;
        t.updated_at = NOW - 80 * DAY;
        t.last_used_at = NOW - 2 * DAY;
        t.last_rotated_at = TW_NO_TIME;
        if (entity_type) {
                t.roles = calloc(1, sizeof(*t.roles));
                assert_non_null(t.roles);
                t.n_roles = 1;
                t.roles[0].entity_type = nf_strdup(entity_type);
                t.roles[0].entity_id = nf_strdup(entity_id);
                t.roles[0].role = nf_strdup(role);
        }
        t.created_by = calloc(1, sizeof(*t.created_by));
        assert_non_null(t.created_by);
        t.created_by->id = nf_strdup("user-jane");
        t.created_by->subject_type = nf_strdup("USER");
        t.created_by->username = nf_strdup("jane@example.com");
        t.created_by->full_name = nf_strdup("Jane <Doe> & Co");
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

static inline void nf_add_workspace(struct tw_inventory *inv, const char *id, const char *name)
{
        struct tw_workspace w = {nf_strdup(id), nf_strdup(name)};

        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
}

static inline void nf_add_deployment(struct tw_inventory *inv, const char *id, const char *name,
                                     const char *ws)
{
        struct tw_deployment d = {nf_strdup(id), nf_strdup(name), nf_strdup(ws)};

        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
}

/* A finding by token id; end the list with {NULL}. */
struct nf_finding {
        const char *token_id;
        enum tw_finding_kind kind;
        enum tw_severity severity;
        bool suppressed;
};

static int nf_cmp_finding(const void *a, const void *b)
{
        const struct tw_finding *x = a, *y = b;

        if (x->token != y->token)
                return x->token < y->token ? -1 : 1;
        return (int)x->kind - (int)y->kind;
}

/* An evaluation of inv holding exactly the findings given. */
static inline struct tw_evaluation *nf_evaluation(const struct tw_inventory *inv,
                                                  const struct nf_finding *fs, int64_t now)
{
        struct tw_evaluation *ev = calloc(1, sizeof(*ev));
        size_t n = 0;

        assert_non_null(ev);
        while (fs && fs[n].token_id)
                n++;
        ev->now = now;
        ev->n_tokens = inv->n_tokens;
        ev->findings = calloc(n + 1, sizeof(*ev->findings));
        ev->token_first = calloc(inv->n_tokens + 1, sizeof(size_t));
        ev->token_count = calloc(inv->n_tokens + 1, sizeof(size_t));
        assert_true(ev->findings && ev->token_first && ev->token_count);
        for (size_t i = 0; i < n; i++) {
                struct tw_finding *f = &ev->findings[i];
                const struct tw_token *t = tw_inventory_token(inv, fs[i].token_id);
                char msg[256];

                assert_non_null(t);
                f->token = (size_t)(t - inv->tokens);
                f->kind = fs[i].kind;
                f->severity = fs[i].severity;
                snprintf(msg, sizeof(msg),
                         "Token \"%s\" is %s. Fix: astro organization token rotate %s.", t->name,
                         tw_finding_kind_to_string(f->kind), t->id);
                f->message = nf_strdup(msg);
                f->suppressed = fs[i].suppressed;
                f->suppressed_until = fs[i].suppressed ? now + DAY : TW_NO_TIME;
                f->suppressed_reason = fs[i].suppressed ? nf_strdup("accepted") : NULL;
        }
        ev->n_findings = n;
        if (n)
                qsort(ev->findings, n, sizeof(*ev->findings), nf_cmp_finding);
        for (size_t i = n; i-- > 0;) {
                ev->token_first[ev->findings[i].token] = i;
                ev->token_count[ev->findings[i].token]++;
        }
        return ev;
}

#endif
