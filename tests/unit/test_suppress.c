/* Suppressions ([suppress]): active, lapsed, one kind, stale. */
#include "core/evaluate/evaluate.h"

#include "helpers/evaluate_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include "core/evaluate/finding.h"

struct supp_spec {
        const char *token_id;
        const char *kind; /* NULL: every kind */
        int64_t until;
        const char *reason;
};

struct finding_expect {
        bool suppressed;
        int64_t until;
        const char *reason;
};

struct note_expect {
        const char *token_id, *kind;
        bool stale;
};

struct supp_case {
        const char *name;
        struct supp_spec supp[3];
        bool tokens_unlisted;
        /* token "a": expired (critical) and never_used (warning); token "b": no_expiry (warning) */
        struct finding_expect a_expired, a_never_used, b_no_expiry;
        struct note_expect notes[3];
};

#define SUPP(until_, reason_)                                              \
        {                                                                  \
                .suppressed = true, .until = (until_), .reason = (reason_) \
        }

static const struct supp_case cases[] = {
        {.name = "no suppressions"},
        {.name = "whole token, active",
         .supp = {{"a", NULL, NOW + 1, "accepted risk"}},
         .a_expired = SUPP(NOW + 1, "accepted risk"),
         .a_never_used = SUPP(NOW + 1, "accepted risk")},
        {.name = "whole token, until == now: lapsed",
         .supp = {{"a", NULL, NOW, "old"}},
         .notes = {{"a", NULL, false}}},
        {.name = "whole token, lapsed a second ago",
         .supp = {{"a", NULL, NOW - 1, "old"}},
         .notes = {{"a", NULL, false}}},
        {.name = "one kind only",
         .supp = {{"a", "never_used", NOW + 10 * DAY, "batch token"}},
         .a_never_used = SUPP(NOW + 10 * DAY, "batch token")},
        {.name = "one kind the token does not have", .supp = {{"b", "unused", NOW + DAY, "x"}}},
        {.name = "one kind, lapsed",
         .supp = {{"b", "no_expiry", NOW - DAY, "x"}},
         .notes = {{"b", "no_expiry", false}}},
        {.name = "stale: no such token",
         .supp = {{"gone", NULL, NOW + DAY, "x"}},
         .notes = {{"gone", NULL, true}}},
        {.name = "stale and lapsed: stale",
         .supp = {{"gone", "expired", NOW - DAY, "x"}},
         .notes = {{"gone", "expired", true}}},
        {.name = "tokens not all listed: cannot call it stale",
         .tokens_unlisted = true,
         .supp = {{"gone", NULL, NOW + DAY, "x"}}},
        {.name = "tokens not all listed: lapsed is still lapsed",
         .tokens_unlisted = true,
         .supp = {{"gone", NULL, NOW - DAY, "x"}},
         .notes = {{"gone", NULL, false}}},
        {.name = "two suppressions: the latest until wins",
         .supp = {{"a", NULL, NOW + DAY, "r1"}, {"a", "expired", NOW + 5 * DAY, "r2"}},
         .a_expired = SUPP(NOW + 5 * DAY, "r2"),
         .a_never_used = SUPP(NOW + DAY, "r1")},
        {.name = "two suppressions, other order",
         .supp = {{"a", "expired", NOW + 5 * DAY, "r2"}, {"a", NULL, NOW + DAY, "r1"}},
         .a_expired = SUPP(NOW + 5 * DAY, "r2"),
         .a_never_used = SUPP(NOW + DAY, "r1")},
        {.name = "lapsed kind, active whole token",
         .supp = {{"a", "expired", NOW - 1, "old"}, {"a", NULL, NOW + DAY, "new"}},
         .a_expired = SUPP(NOW + DAY, "new"),
         .a_never_used = SUPP(NOW + DAY, "new"),
         .notes = {{"a", "expired", false}}},
        {.name = "notes in config order",
         .supp = {{"gone1", NULL, NOW + DAY, "x"},
                  {"b", NULL, NOW - DAY, "y"},
                  {"gone2", "unused", NOW, "z"}},
         .notes = {{"gone1", NULL, true}, {"b", NULL, false}, {"gone2", "unused", true}}},
};

static void check_finding(const struct tw_evaluation *ev, size_t token, enum tw_finding_kind kind,
                          enum tw_severity sev, const struct finding_expect *e)
{
        const struct tw_finding *f = NULL;

        for (size_t j = 0; j < ev->token_count[token]; j++)
                if (ev->findings[ev->token_first[token] + j].kind == kind)
                        f = &ev->findings[ev->token_first[token] + j];
        assert_non_null(f);
        assert_int_equal(f->severity, sev);
        assert_int_equal(f->suppressed, e->suppressed);
        if (!e->suppressed) {
                assert_int_equal(f->suppressed_until, TW_NO_TIME);
                assert_null(f->suppressed_reason);
                assert_int_equal(ev->active[kind][sev], 1);
                return;
        }
        assert_int_equal(f->suppressed_until, e->until);
        assert_string_equal(f->suppressed_reason, e->reason);
        assert_int_equal(ev->active[kind][sev], 0);
}

static void run_case(void **state)
{
        const struct supp_case *c = *state;
        struct token_spec a = HEALTHY_TOKEN("a"), b = HEALTHY_TOKEN("b");
        struct tw_suppression supp[ARRAY_SIZE(c->supp)];
        struct tw_inventory *inv = ef_base_inventory();
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;
        size_t n_supp = 0, n_notes = 0, n_suppressed;

        a.end = NOW - DAY;
        a.created = NOW - 30 * DAY;
        a.last_used = TW_NO_TIME;
        b.end = TW_NO_TIME;
        ef_add_token(inv, &a);
        ef_add_token(inv, &b);
        inv->listed[TW_LISTING_TOKENS] = !c->tokens_unlisted;
        ef_policy_default(&p);
        for (; n_supp < ARRAY_SIZE(c->supp) && c->supp[n_supp].token_id; n_supp++) {
                const struct supp_spec *s = &c->supp[n_supp];

                supp[n_supp] = (struct tw_suppression){
                        .token_id = (char *)s->token_id,
                        .all_kinds = !s->kind,
                        .until = s->until,
                        .reason = (char *)s->reason,
                        .line = (int)n_supp + 1,
                };
                if (s->kind)
                        assert_int_equal(tw_finding_kind_from_string(s->kind, &supp[n_supp].kind),
                                         0);
        }

        assert_int_equal(tw_evaluate(inv, &p, n_supp ? supp : NULL, n_supp, NOW, &ev), 0);
        assert_int_equal(ev->n_findings, 3);
        check_finding(ev, 0, TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, &c->a_expired);
        check_finding(ev, 0, TW_FINDING_NEVER_USED, TW_SEVERITY_WARNING, &c->a_never_used);
        check_finding(ev, 1, TW_FINDING_NO_EXPIRY, TW_SEVERITY_WARNING, &c->b_no_expiry);
        n_suppressed =
                c->a_expired.suppressed + c->a_never_used.suppressed + c->b_no_expiry.suppressed;
        assert_int_equal(ev->suppressed_count, n_suppressed);
        assert_int_equal(tw_evaluation_token_severity(ev, 0),
                         !c->a_expired.suppressed      ? TW_SEVERITY_CRITICAL
                         : !c->a_never_used.suppressed ? TW_SEVERITY_WARNING
                                                       : TW_SEVERITY_NONE);
        /* the one severity function the report ranks by: safe at the edges */
        assert_int_equal(tw_evaluation_token_severity(ev, ev->n_tokens), TW_SEVERITY_NONE);
        assert_int_equal(tw_evaluation_token_severity(NULL, 0), TW_SEVERITY_NONE);

        while (n_notes < ARRAY_SIZE(c->notes) && c->notes[n_notes].token_id)
                n_notes++;
        assert_int_equal(ev->n_notes, n_notes);
        for (size_t i = 0; i < n_notes; i++) {
                const struct tw_suppression_note *n = &ev->notes[i];
                const struct supp_spec *s = NULL;

                for (size_t k = 0; k < n_supp; k++)
                        if (strcmp(c->supp[k].token_id, c->notes[i].token_id) == 0 &&
                            !c->supp[k].kind == !c->notes[i].kind &&
                            (!c->notes[i].kind || strcmp(c->supp[k].kind, c->notes[i].kind) == 0))
                                s = &c->supp[k];
                assert_non_null(s);
                assert_string_equal(n->token_id, c->notes[i].token_id);
                if (c->notes[i].kind)
                        assert_string_equal(n->kind, c->notes[i].kind);
                else
                        assert_null(n->kind);
                assert_int_equal(n->stale, c->notes[i].stale);
                assert_int_equal(n->until, s->until);
                assert_string_equal(n->reason, s->reason);
        }
        assert_int_equal(ev->n_errors, 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(cases)];

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                tests[i] = (struct CMUnitTest){
                        .name = cases[i].name,
                        .test_func = run_case,
                        .initial_state = (void *)&cases[i],
                };
        return cmocka_run_group_tests_name("suppressions", tests, NULL, NULL) ? 1 : 0;
}
