/* new_source with the configuration's defaults on a fresh install: the
 * default backfill reads 30 days of audit logs, so a token used for 25 days
 * from one address and then from another must be a new_source finding
 * after the default learning period ([policy] new_source_after, 7 days),
 * not silent until a whole backfill window of history exists. */
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

#include <stdio.h>

#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/usage/usage.h"
#include "lib/buf.h"

#define MS(t) ((long long)(t)*1000)

/* The index of token "tok" after a fresh backfill: used since `first` from
 * 10.0.0.1, and from 203.0.113.9 since `second`. */
static struct tw_usage *usage(int64_t first, int64_t second)
{
        struct tw_usage *u = NULL;
        char text[2048];
        int n = snprintf(text, sizeof(text),
                         "{\"v\":1,\"entries\":30,\"unlinked\":0,\"tokensDropped\":0,\"tokens\":[{"
                         "\"id\":\"tok\",\"first\":%lld,\"last\":%lld,\"calls\":30,\"pushes\":0,"
                         "\"lastPush\":null,\"ips\":[[\"10.0.0.1\",28,%lld,%lld],[\"203.0.113.9\","
                         "2,%lld,%lld]],\"ipsDropped\":0,\"agents\":[],\"agentsDropped\":0,"
                         "\"opsDropped\":0,\"ops\":[]}],\"lifecycle\":[]}",
                         MS(first), MS(NOW), MS(first), MS(second - 1), MS(second), MS(NOW));

        assert_true(n > 0 && (size_t)n < sizeof(text));
        assert_int_equal(tw_usage_from_json(text, (size_t)n, NULL, &u), 0);
        return u;
}

static bool has_new_source(const struct tw_evaluation *ev)
{
        for (size_t j = 0; j < ev->n_findings; j++)
                if (ev->findings[j].kind == TW_FINDING_NEW_SOURCE)
                        return true;
        return false;
}

static void test_defaults_on_a_fresh_install(void **state)
{
        static const struct {
                const char *name;
                int64_t history, new_age;
                bool want;
        } cases[] = {
                {"25 days from one address, then another", 26 * DAY, DAY, true},
                {"within the learning period: no claim", 5 * DAY, DAY, false},
                {"the new address is older than the finding's life", 29 * DAY, 8 * DAY, false},
        };
        struct tw_config *cfg = NULL;
        struct tw_buf err;

        (void)state;
        tw_buf_init(&err, 4096);
        assert_int_equal(tw_config_load_string("[agent]\n", "t.ini", &cfg, &err), 0);
        assert_true(cfg->auditlog.backfill == 30 * DAY);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_inventory *inv = ef_base_inventory();
                struct token_spec s = HEALTHY_TOKEN("tok");
                struct tw_evaluation *ev = NULL;
                struct tw_usage *u;

                print_message("%s\n", cases[i].name);
                ef_add_token(inv, &s);
                u = usage(NOW - cases[i].history, NOW - cases[i].new_age);
                assert_int_equal(tw_evaluate_usage(inv, &cfg->policy, NULL, 0, u, NOW, &ev), 0);
                assert_int_equal(has_new_source(ev), cases[i].want);
                tw_evaluation_free(ev);
                tw_usage_free(u);
                tw_inventory_free(inv);
        }
        assert_int_equal(cfg->policy.new_source_after, 7 * DAY);
        tw_config_free(cfg);
        tw_buf_done(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults_on_a_fresh_install),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
