/* The copy rules (core/evaluate/copies.c): each copy's verdict at the
 * boundaries (the skew, the time the value was issued, what a readable
 * copy holds), the findings stale_copy and missing_copy with their message
 * and fix, and the copies that cannot be judged (evaluation errors, not
 * findings).  now is a parameter.  Which token a copy names:
 * test_copy_resolve.c. */
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
#define ROTATED (NOW - 2 * DAY)
#define SKEW TW_COPY_SKEW
#define NONE TW_NO_TIME

#define GH_COPY CF_GH_COPY
#define VAULT_COPY CF_VAULT_COPY

struct verdict_case {
        const char *name;
        int64_t rotated, start; /* the token's lastRotatedAt (NONE: never) and startAt */
        struct tw_copy_state state;
        enum tw_copy_verdict_kind want;
};

#define STORE(updated) cf_checked(true, (updated), false, false, NULL, NONE)
#define VALUE(id, iat) cf_checked(true, NONE, true, true, (id), (iat))

static void verdicts(void **state)
{
        const struct verdict_case cases[] = {
                /* a store that tells a time (GitHub): against lastRotatedAt */
                {"written at the rotation", ROTATED, CREATED, STORE(ROTATED), TW_COPY_CURRENT},
                {"written after", ROTATED, CREATED, STORE(NOW - HOUR), TW_COPY_CURRENT},
                {"within the skew", ROTATED, CREATED, STORE(ROTATED - SKEW), TW_COPY_CURRENT},
                {"just past the skew", ROTATED, CREATED, STORE(ROTATED - SKEW - 1), TW_COPY_OLDER},
                {"written before the rotation", ROTATED, CREATED, STORE(ROTATED - DAY),
                 TW_COPY_OLDER},
                /* never rotated (or a replacement): against createdAt */
                {"never rotated, written after creation", NONE, CREATED, STORE(CREATED + 1),
                 TW_COPY_CURRENT},
                {"never rotated, written before creation", NONE, CREATED, STORE(CREATED - SKEW - 1),
                 TW_COPY_OLDER},
                /* a server without lastRotatedAt: a later startAt is the rotation */
                {"startAt moved", NONE, NOW - DAY, STORE(NOW - 2 * DAY), TW_COPY_OLDER},
                {"startAt in the future is no issue yet", NONE, NOW + DAY, STORE(NOW - 2 * DAY),
                 TW_COPY_CURRENT},
                {"no time from the store", ROTATED, CREATED, STORE(NONE), TW_COPY_UNKNOWN},
                /* a value read back */
                {"this token, this issue", ROTATED, CREATED, VALUE("tok", ROTATED),
                 TW_COPY_CURRENT},
                {"this token, iat within the skew", ROTATED, CREATED, VALUE("tok", ROTATED - SKEW),
                 TW_COPY_CURRENT},
                {"this token, an earlier issue", ROTATED, CREATED, VALUE("tok", ROTATED - SKEW - 1),
                 TW_COPY_OLD_VALUE},
                {"this token, no iat", ROTATED, CREATED, VALUE("tok", NONE), TW_COPY_CURRENT},
                {"another token", ROTATED, CREATED, VALUE("other", NOW), TW_COPY_OTHER_TOKEN},
                {"a JWT naming no token", ROTATED, CREATED, VALUE("", NOW), TW_COPY_NOT_A_TOKEN},
                {"not a JWT", ROTATED, CREATED, cf_checked(true, NOW, true, false, NULL, NONE),
                 TW_COPY_NOT_A_TOKEN},
                {"the value decides, not the time", ROTATED, CREATED,
                 cf_checked(true, ROTATED - DAY, true, true, "tok", ROTATED), TW_COPY_CURRENT},
                {"missing", ROTATED, CREATED, cf_checked(false, NONE, false, false, NULL, NONE),
                 TW_COPY_MISSING},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct verdict_case *c = &cases[i];
                struct tw_config *cfg = tw_test_config_load(c->name, GH_COPY);
                struct tw_inventory *inv = cf_inventory(c->rotated, c->start);
                struct tw_evaluation *ev = cf_evaluate(inv, cfg, &c->state);
                const struct tw_finding *stale = cf_finding(ev, inv, "tok", TW_FINDING_STALE_COPY);
                const struct tw_finding *missing =
                        cf_finding(ev, inv, "tok", TW_FINDING_MISSING_COPY);

                assert_int_equal(ev->n_copies, 1);
                if (ev->copies[0].verdict != c->want)
                        fail_msg("%s: verdict %d, want %d", c->name, ev->copies[0].verdict,
                                 c->want);
                if (!stale != !tw_copy_verdict_is_stale(c->want) ||
                    !missing != (c->want != TW_COPY_MISSING))
                        fail_msg("%s: findings stale %d missing %d", c->name, !!stale, !!missing);
                if (stale && stale->severity != TW_SEVERITY_CRITICAL)
                        fail_msg("%s: not critical", c->name);
                assert_string_equal(ev->copies[0].name, "gh");
                assert_int_equal(ev->n_errors, 0);
                tw_evaluation_free(ev);
                tw_inventory_free(inv);
                tw_config_free(cfg);
        }
}

/* Two stale copies of one token: one finding, both named, in config order. */
static void message_and_fix(void **state)
{
        struct tw_config *cfg = tw_test_config_load("two", GH_COPY VAULT_COPY);
        struct tw_inventory *inv = cf_inventory(ROTATED, CREATED);
        struct tw_copy_state st[2] = {STORE(ROTATED - DAY), VALUE("other", NOW - HOUR)};
        struct tw_evaluation *ev = cf_evaluate(inv, cfg, st);
        const struct tw_finding *f = cf_finding(ev, inv, "tok", TW_FINDING_STALE_COPY);

        (void)state;
        assert_non_null(f);
        assert_int_equal(f->n_reasons, 2);
        assert_int_equal(f->fix, TW_FIX_UPDATE_COPY);
        assert_int_equal(ev->active[TW_FINDING_STALE_COPY][TW_SEVERITY_CRITICAL], 1);
        assert_string_equal(
                ef_finding_message(ev, inv, f),
                "Token \"ci-deploy\" has 2 stale copies: [deliver.gh] GitHub secret "
                "ASTRO_API_TOKEN of repository acme/dags was last written on 2026-05-29 12:00 UTC "
                "(3 days ago), before the token's current value was issued on 2026-05-30 12:00 "
                "UTC (2 days ago); [deliver.vault] Vault secret secret/ci/astro, key token holds "
                "the value of another token, \"other\" (other). Whatever reads them gets a "
                "value that no longer works, or stops working when the old token is rotated or "
                "deleted: write the token's current value into each; if nobody has that value, "
                "rotate the token and update every copy.");
        assert_string_equal(ef_finding_fix(ev, inv, f),
                            "gh secret set ASTRO_API_TOKEN --repo acme/dags; vault kv patch "
                            "-mount=secret ci/astro token=-");
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

static void missing_message(void **state)
{
        struct tw_config *cfg = tw_test_config_load(
                "k8s", "[deliver.k8s]\ntoken = tok\ntype = kubernetes\nnamespace = airflow\n"
                       "secret = astro-api\nkey = token\n");
        struct tw_inventory *inv = cf_inventory(NONE, CREATED);
        struct tw_copy_state st = cf_checked(false, NONE, false, false, NULL, NONE);
        struct tw_evaluation *ev = cf_evaluate(inv, cfg, &st);
        const struct tw_finding *f = cf_finding(ev, inv, "tok", TW_FINDING_MISSING_COPY);

        (void)state;
        assert_non_null(f);
        assert_int_equal(f->severity, TW_SEVERITY_CRITICAL);
        assert_string_equal(ef_finding_message(ev, inv, f),
                            "Token \"ci-deploy\" has a missing copy: [deliver.k8s] Kubernetes "
                            "Secret airflow/astro-api, key token does not exist. Create it with "
                            "the token's current value, or remove [deliver.k8s] if nothing reads "
                            "it any more.");
        assert_string_equal(ef_finding_fix(ev, inv, f),
                            "kubectl -n airflow patch secret astro-api --type merge -p "
                            "'{\"data\":{\"token\":\"<base64 of the value>\"}}'");
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* A store that refused the credential: an evaluation error naming the
 * copy, no finding; a copy never checked: nothing at all. */
static void not_judged(void **state)
{
        struct tw_config *cfg = tw_test_config_load("two", GH_COPY VAULT_COPY);
        struct tw_inventory *inv = cf_inventory(ROTATED, CREATED);
        struct tw_copy_state st[2];
        struct tw_evaluation *ev;

        (void)state;
        tw_copy_state_init(&st[0]);
        st[0].status = TW_COPY_STATE_FAILED;
        st[0].error = -13;
        snprintf(st[0].message, sizeof(st[0].message), "the store refused the credential (401)");
        tw_copy_state_init(&st[1]);
        ev = cf_evaluate(inv, cfg, st);
        assert_int_equal(ev->copies[0].verdict, TW_COPY_CHECK_FAILED);
        assert_int_equal(ev->copies[1].verdict, TW_COPY_NOT_CHECKED);
        assert_int_equal(ev->n_errors, 1);
        assert_int_equal(ev->n_copy_errors, 1);
        assert_string_equal(ev->errors[0],
                            "copy [deliver.gh] (GitHub secret ASTRO_API_TOKEN of repository "
                            "acme/dags) could not be checked: the store refused the credential "
                            "(401)");
        assert_null(cf_finding(ev, inv, "tok", TW_FINDING_STALE_COPY));
        assert_null(cf_finding(ev, inv, "tok", TW_FINDING_MISSING_COPY));
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* A check that fails after a good one: the finding stays (judged from the
 * good check), and the error says so; a new good check clears the error. */
static void failed_after_good(void **state)
{
        struct tw_config *cfg = tw_test_config_load("flap", GH_COPY);
        struct tw_inventory *inv = cf_inventory(ROTATED, CREATED);
        struct tw_copy_state st = STORE(ROTATED - DAY);
        struct tw_evaluation *ev;

        (void)state;
        st.status = TW_COPY_STATE_FAILED;
        st.error = -110;
        snprintf(st.message, sizeof(st.message), "GET .../secrets/ASTRO_API_TOKEN: timed out");
        ev = cf_evaluate(inv, cfg, &st);
        assert_int_equal(ev->copies[0].verdict, TW_COPY_OLDER);
        assert_non_null(cf_finding(ev, inv, "tok", TW_FINDING_STALE_COPY));
        assert_int_equal(ev->n_copy_errors, 1);
        assert_string_equal(ev->errors[0],
                            "copy [deliver.gh] (GitHub secret ASTRO_API_TOKEN of repository "
                            "acme/dags) could not be checked: GET .../secrets/ASTRO_API_TOKEN: "
                            "timed out (judged from its last good check)");
        tw_evaluation_free(ev);
        st.status = TW_COPY_STATE_CHECKED;
        ev = cf_evaluate(inv, cfg, &st);
        assert_int_equal(ev->n_errors, 0);
        assert_non_null(cf_finding(ev, inv, "tok", TW_FINDING_STALE_COPY));
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* [suppress] TOKEN.stale_copy holds the finding back like any other. */
static void suppressed(void **state)
{
        struct tw_config *cfg = tw_test_config_load("suppressed", GH_COPY
                                                    "[suppress]\n"
                                                    "tok.stale_copy = 2099-01-01 moving CI\n");
        struct tw_inventory *inv = cf_inventory(ROTATED, CREATED);
        struct tw_copy_state st = STORE(ROTATED - DAY);
        struct tw_evaluation *ev = cf_evaluate(inv, cfg, &st);
        const struct tw_finding *f = cf_finding(ev, inv, "tok", TW_FINDING_STALE_COPY);

        (void)state;
        assert_non_null(f);
        assert_true(f->suppressed);
        assert_int_equal(ev->active[TW_FINDING_STALE_COPY][TW_SEVERITY_CRITICAL], 0);
        assert_int_equal(ev->suppressed_count, 1);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(verdicts),          cmocka_unit_test(message_and_fix),
                cmocka_unit_test(missing_message),   cmocka_unit_test(not_judged),
                cmocka_unit_test(failed_after_good), cmocka_unit_test(suppressed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
