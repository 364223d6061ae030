/* Which token a copy holds (core/copies.c tw_copy_resolve(), through the
 * evaluator): an id, else the one token of that exact name in the copy's
 * organization; an unknown or shared name is an evaluation error naming the
 * nearest name or the ids; an organization the inventory does not hold is
 * not judged; many copies of one token are listed up to the cap. */
#include "helpers/copies_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/copies.h"
#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "helpers/config_case.h"
#include "lib/timeutil.h"

#define CREATED CF_CREATED
#define NONE TW_NO_TIME

struct resolve_case {
        const char *name, *token;
        bool twin;              /* a second token named ci-deploy */
        const char *want_error; /* NULL: resolved to "tok" */
};

static void resolution(void **state)
{
        static const struct resolve_case cases[] = {
                {"by id", "tok", false, NULL},
                {"by name", "ci-deploy", false, NULL},
                {"an id wins over a name", "tok", true, NULL},
                {"a name two tokens share", "ci-deploy", true,
                 "copy [deliver.f] (file /x) names no single token: 2 tokens of organization "
                 "org1 are named \"ci-deploy\" (tok, twin): name the token by its id"},
                {"a typo", "ci-deplyo", false,
                 "copy [deliver.f] (file /x) names no single token: no token of organization "
                 "org1 has the id or name \"ci-deplyo\" (did you mean \"ci-deploy\"?)"},
                {"nothing near", "zzz", false,
                 "no token of organization org1 has the id or name \"zzz\""},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct resolve_case *c = &cases[i];
                char text[256];
                struct tw_config *cfg;
                struct tw_inventory *inv = cf_inventory(NONE, CREATED);
                struct tw_copy_state st = cf_checked(false, NONE, false, false, NULL, NONE);
                struct tw_evaluation *ev;

                snprintf(text, sizeof(text), "[deliver.f]\ntoken = %s\ntype = file\npath = /x\n",
                         c->token);
                cfg = tw_test_config_load(c->name, text);
                if (c->twin) {
                        struct token_spec twin = HEALTHY_TOKEN("twin");

                        twin.name = "ci-deploy";
                        ef_add_token(inv, &twin);
                }
                ev = cf_evaluate(inv, cfg, &st);
                if (!c->want_error) {
                        assert_int_equal(ev->n_errors, 0);
                        assert_string_equal(inv->tokens[ev->copies[0].token].id, "tok");
                        assert_non_null(cf_finding(ev, inv, "tok", TW_FINDING_MISSING_COPY));
                } else {
                        assert_int_equal(ev->copies[0].verdict, TW_COPY_UNRESOLVED);
                        assert_int_equal(ev->copies[0].token, SIZE_MAX);
                        assert_int_equal(ev->n_errors, 1);
                        assert_int_equal(ev->n_copy_errors, 1);
                        if (!strstr(ev->errors[0], c->want_error))
                                fail_msg("%s: %s", c->name, ev->errors[0]);
                        assert_null(cf_finding(ev, inv, "tok", TW_FINDING_MISSING_COPY));
                }
                tw_evaluation_free(ev);
                tw_inventory_free(inv);
                tw_config_free(cfg);
        }
}

/* With several organizations, a copy is looked up in its own; an
 * organization the inventory does not hold is not judged. */
static void organizations(void **state)
{
        struct tw_config *cfg = tw_test_config_load(
                "orgs", "[astro.prod]\ntoken_file = /p\n[astro.dev]\ntoken_file = /d\n"
                        "[deliver.p]\ntoken = ci-deploy\nastro = prod\ntype = file\npath = /p\n"
                        "[deliver.d]\ntoken = ci-deploy\nastro = dev\ntype = file\npath = /d\n");
        struct tw_inventory *prod = cf_inventory(NONE, CREATED), *merged = NULL;
        struct tw_inventory_part part = {.inv = prod, .name = "prod", .fresh = true};
        struct tw_copy_state st[2] = {cf_checked(false, NONE, false, false, NULL, NONE),
                                      cf_checked(false, NONE, false, false, NULL, NONE)};
        struct tw_evaluation *ev;

        (void)state;
        assert_int_equal(tw_inventory_merge(&part, 1, NOW, &merged), 0);
        ev = cf_evaluate(merged, cfg, st);
        assert_int_equal(ev->copies[0].verdict, TW_COPY_MISSING);
        assert_int_equal(ev->copies[1].verdict, TW_COPY_NOT_CHECKED);
        assert_int_equal(ev->n_errors, 0);
        assert_non_null(cf_finding(ev, merged, "tok", TW_FINDING_MISSING_COPY));
        tw_evaluation_free(ev);
        tw_inventory_free(merged);
        tw_inventory_free(prod);
        tw_config_free(cfg);
}

/* Many copies of one token: TW_EVAL_MAX_REASONS listed, then "and N more". */
static void many_copies(void **state)
{
        char text[8192];
        size_t len = 0;
        struct tw_copy_state st[12];
        struct tw_config *cfg;
        struct tw_inventory *inv = cf_inventory(NONE, CREATED);
        struct tw_evaluation *ev;
        const struct tw_finding *f;

        (void)state;
        for (int i = 0; i < 12; i++) {
                len += (size_t)snprintf(text + len, sizeof(text) - len,
                                        "[deliver.f%d]\ntoken = tok\ntype = file\npath = /f%d\n", i,
                                        i);
                st[i] = cf_checked(false, NONE, false, false, NULL, NONE);
        }
        cfg = tw_test_config_load("many", text);
        ev = cf_evaluate(inv, cfg, st);
        f = cf_finding(ev, inv, "tok", TW_FINDING_MISSING_COPY);
        assert_non_null(f);
        assert_int_equal(f->n_reasons, 10);
        assert_int_equal(f->n_more, 2);
        assert_non_null(strstr(ef_finding_message(ev, inv, f), "has 12 missing copies: "));
        assert_non_null(strstr(ef_finding_message(ev, inv, f), "; and 2 more. Create them"));
        assert_non_null(strstr(ef_finding_fix(ev, inv, f), "(umask 077; cat > /f9); and 2 more"));
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(resolution),
                cmocka_unit_test(organizations),
                cmocka_unit_test(many_copies),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
