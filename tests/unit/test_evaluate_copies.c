/* The copy rules (core/evaluate/copies.c): each copy's verdict at the
 * boundaries (the skew, the time the value was issued, what a readable
 * copy holds), the findings stale_copy and missing_copy with their message
 * and fix, the token named by id or name, and the copies that cannot be
 * judged (evaluation errors, not findings).  now is a parameter. */
#include "helpers/evaluate_fixture.h"

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

#define CREATED (NOW - 30 * DAY)
#define ROTATED (NOW - 2 * DAY)
#define SKEW TW_COPY_SKEW
#define NONE TW_NO_TIME

#define GH_COPY                                                                          \
        "[deliver.gh]\ntoken = ci-deploy\ntype = github\ncredential_file = /etc/tw/gh\n" \
        "repository = acme/dags\nsecret = ASTRO_API_TOKEN\n"
#define VAULT_COPY                                                                        \
        "[deliver.vault]\ntoken = ci-deploy\ntype = vault\ncredential_file = /etc/tw/v\n" \
        "path = ci/astro\nkey = token\n"

/* The inventory: "tok" named ci-deploy, created CREATED, rotated as given,
 * and "other" named other. */
static struct tw_inventory *inventory(int64_t rotated, int64_t start)
{
        struct tw_inventory *inv = ef_base_inventory();
        struct token_spec tok = HEALTHY_TOKEN("tok"), other = HEALTHY_TOKEN("other");

        tok.name = "ci-deploy";
        tok.created = CREATED;
        tok.start = start;
        other.name = "other";
        ef_add_token(inv, &tok);
        ef_add_token(inv, &other);
        ((struct tw_token *)tw_inventory_token(inv, "tok"))->last_rotated_at = rotated;
        return inv;
}

/* Evaluates inv with cfg's copies in states[]. */
static struct tw_evaluation *evaluate(const struct tw_inventory *inv, const struct tw_config *cfg,
                                      const struct tw_copy_state *states)
{
        struct tw_copies copies = {.configs = cfg->copies, .states = states, .n = cfg->n_copies};
        struct tw_eval_inputs in = {.copies = &copies};
        struct tw_evaluation *ev = NULL;

        assert_int_equal(tw_evaluate_with(inv, &cfg->policy, cfg->suppressions, cfg->n_suppressions,
                                          &in, NOW, &ev),
                         0);
        return ev;
}

/* The finding of kind k on token id, or NULL. */
static const struct tw_finding *finding(const struct tw_evaluation *ev,
                                        const struct tw_inventory *inv, const char *id,
                                        enum tw_finding_kind k)
{
        const struct tw_token *t = tw_inventory_token(inv, id);
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(ev, (size_t)(t - inv->tokens), &f);

        for (size_t i = 0; i < n; i++)
                if (f[i].kind == k)
                        return &f[i];
        return NULL;
}

/* A checked state. */
static struct tw_copy_state checked(bool exists, int64_t updated, bool readable, bool jwt,
                                    const char *id, int64_t iat)
{
        struct tw_copy_state s;

        tw_copy_state_init(&s);
        s.status = TW_COPY_STATE_CHECKED;
        s.checked_at = NOW - MIN;
        s.known = true;
        s.known_at = NOW - MIN;
        s.exists = exists;
        s.updated_at = updated;
        s.readable = readable;
        s.holds_jwt = jwt;
        snprintf(s.api_token_id, sizeof(s.api_token_id), "%s", id ? id : "");
        s.iat = iat;
        return s;
}

struct verdict_case {
        const char *name;
        int64_t rotated, start; /* the token's lastRotatedAt (NONE: never) and startAt */
        struct tw_copy_state state;
        enum tw_copy_verdict_kind want;
};

#define STORE(updated) checked(true, (updated), false, false, NULL, NONE)
#define VALUE(id, iat) checked(true, NONE, true, true, (id), (iat))

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
                {"not a JWT", ROTATED, CREATED, checked(true, NOW, true, false, NULL, NONE),
                 TW_COPY_NOT_A_TOKEN},
                {"the value decides, not the time", ROTATED, CREATED,
                 checked(true, ROTATED - DAY, true, true, "tok", ROTATED), TW_COPY_CURRENT},
                {"missing", ROTATED, CREATED, checked(false, NONE, false, false, NULL, NONE),
                 TW_COPY_MISSING},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct verdict_case *c = &cases[i];
                struct tw_config *cfg = tw_test_config_load(c->name, GH_COPY);
                struct tw_inventory *inv = inventory(c->rotated, c->start);
                struct tw_evaluation *ev = evaluate(inv, cfg, &c->state);
                const struct tw_finding *stale = finding(ev, inv, "tok", TW_FINDING_STALE_COPY);
                const struct tw_finding *missing = finding(ev, inv, "tok", TW_FINDING_MISSING_COPY);

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
        struct tw_inventory *inv = inventory(ROTATED, CREATED);
        struct tw_copy_state st[2] = {STORE(ROTATED - DAY), VALUE("other", NOW - HOUR)};
        struct tw_evaluation *ev = evaluate(inv, cfg, st);
        const struct tw_finding *f = finding(ev, inv, "tok", TW_FINDING_STALE_COPY);

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
        struct tw_inventory *inv = inventory(NONE, CREATED);
        struct tw_copy_state st = checked(false, NONE, false, false, NULL, NONE);
        struct tw_evaluation *ev = evaluate(inv, cfg, &st);
        const struct tw_finding *f = finding(ev, inv, "tok", TW_FINDING_MISSING_COPY);

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
                struct tw_inventory *inv = inventory(NONE, CREATED);
                struct tw_copy_state st = checked(false, NONE, false, false, NULL, NONE);
                struct tw_evaluation *ev;

                snprintf(text, sizeof(text), "[deliver.f]\ntoken = %s\ntype = file\npath = /x\n",
                         c->token);
                cfg = tw_test_config_load(c->name, text);
                if (c->twin) {
                        struct token_spec twin = HEALTHY_TOKEN("twin");

                        twin.name = "ci-deploy";
                        ef_add_token(inv, &twin);
                }
                ev = evaluate(inv, cfg, &st);
                if (!c->want_error) {
                        assert_int_equal(ev->n_errors, 0);
                        assert_string_equal(inv->tokens[ev->copies[0].token].id, "tok");
                        assert_non_null(finding(ev, inv, "tok", TW_FINDING_MISSING_COPY));
                } else {
                        assert_int_equal(ev->copies[0].verdict, TW_COPY_UNRESOLVED);
                        assert_int_equal(ev->copies[0].token, SIZE_MAX);
                        assert_int_equal(ev->n_errors, 1);
                        assert_int_equal(ev->n_copy_errors, 1);
                        if (!strstr(ev->errors[0], c->want_error))
                                fail_msg("%s: %s", c->name, ev->errors[0]);
                        assert_null(finding(ev, inv, "tok", TW_FINDING_MISSING_COPY));
                }
                tw_evaluation_free(ev);
                tw_inventory_free(inv);
                tw_config_free(cfg);
        }
}

/* A store that refused the credential: an evaluation error naming the
 * copy, no finding; a copy never checked: nothing at all. */
static void not_judged(void **state)
{
        struct tw_config *cfg = tw_test_config_load("two", GH_COPY VAULT_COPY);
        struct tw_inventory *inv = inventory(ROTATED, CREATED);
        struct tw_copy_state st[2];
        struct tw_evaluation *ev;

        (void)state;
        tw_copy_state_init(&st[0]);
        st[0].status = TW_COPY_STATE_FAILED;
        st[0].error = -13;
        snprintf(st[0].message, sizeof(st[0].message), "the store refused the credential (401)");
        tw_copy_state_init(&st[1]);
        ev = evaluate(inv, cfg, st);
        assert_int_equal(ev->copies[0].verdict, TW_COPY_CHECK_FAILED);
        assert_int_equal(ev->copies[1].verdict, TW_COPY_NOT_CHECKED);
        assert_int_equal(ev->n_errors, 1);
        assert_int_equal(ev->n_copy_errors, 1);
        assert_string_equal(ev->errors[0],
                            "copy [deliver.gh] (GitHub secret ASTRO_API_TOKEN of repository "
                            "acme/dags) could not be checked: the store refused the credential "
                            "(401)");
        assert_null(finding(ev, inv, "tok", TW_FINDING_STALE_COPY));
        assert_null(finding(ev, inv, "tok", TW_FINDING_MISSING_COPY));
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* A check that fails after a good one: the finding stays (judged from the
 * good check), and the error says so; a new good check clears the error. */
static void failed_after_good(void **state)
{
        struct tw_config *cfg = tw_test_config_load("flap", GH_COPY);
        struct tw_inventory *inv = inventory(ROTATED, CREATED);
        struct tw_copy_state st = STORE(ROTATED - DAY);
        struct tw_evaluation *ev;

        (void)state;
        st.status = TW_COPY_STATE_FAILED;
        st.error = -110;
        snprintf(st.message, sizeof(st.message), "GET .../secrets/ASTRO_API_TOKEN: timed out");
        ev = evaluate(inv, cfg, &st);
        assert_int_equal(ev->copies[0].verdict, TW_COPY_OLDER);
        assert_non_null(finding(ev, inv, "tok", TW_FINDING_STALE_COPY));
        assert_int_equal(ev->n_copy_errors, 1);
        assert_string_equal(ev->errors[0],
                            "copy [deliver.gh] (GitHub secret ASTRO_API_TOKEN of repository "
                            "acme/dags) could not be checked: GET .../secrets/ASTRO_API_TOKEN: "
                            "timed out (judged from its last good check)");
        tw_evaluation_free(ev);
        st.status = TW_COPY_STATE_CHECKED;
        ev = evaluate(inv, cfg, &st);
        assert_int_equal(ev->n_errors, 0);
        assert_non_null(finding(ev, inv, "tok", TW_FINDING_STALE_COPY));
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
        struct tw_inventory *inv = inventory(ROTATED, CREATED);
        struct tw_copy_state st = STORE(ROTATED - DAY);
        struct tw_evaluation *ev = evaluate(inv, cfg, &st);
        const struct tw_finding *f = finding(ev, inv, "tok", TW_FINDING_STALE_COPY);

        (void)state;
        assert_non_null(f);
        assert_true(f->suppressed);
        assert_int_equal(ev->active[TW_FINDING_STALE_COPY][TW_SEVERITY_CRITICAL], 0);
        assert_int_equal(ev->suppressed_count, 1);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* With several organizations, a copy is looked up in its own; an
 * organization the inventory does not hold is not judged. */
static void organizations(void **state)
{
        struct tw_config *cfg = tw_test_config_load(
                "orgs", "[astro.prod]\ntoken_file = /p\n[astro.dev]\ntoken_file = /d\n"
                        "[deliver.p]\ntoken = ci-deploy\nastro = prod\ntype = file\npath = /p\n"
                        "[deliver.d]\ntoken = ci-deploy\nastro = dev\ntype = file\npath = /d\n");
        struct tw_inventory *prod = inventory(NONE, CREATED), *merged = NULL;
        struct tw_inventory_part part = {.inv = prod, .name = "prod", .fresh = true};
        struct tw_copy_state st[2] = {checked(false, NONE, false, false, NULL, NONE),
                                      checked(false, NONE, false, false, NULL, NONE)};
        struct tw_evaluation *ev;

        (void)state;
        assert_int_equal(tw_inventory_merge(&part, 1, NOW, &merged), 0);
        ev = evaluate(merged, cfg, st);
        assert_int_equal(ev->copies[0].verdict, TW_COPY_MISSING);
        assert_int_equal(ev->copies[1].verdict, TW_COPY_NOT_CHECKED);
        assert_int_equal(ev->n_errors, 0);
        assert_non_null(finding(ev, merged, "tok", TW_FINDING_MISSING_COPY));
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
        struct tw_inventory *inv = inventory(NONE, CREATED);
        struct tw_evaluation *ev;
        const struct tw_finding *f;

        (void)state;
        for (int i = 0; i < 12; i++) {
                len += (size_t)snprintf(text + len, sizeof(text) - len,
                                        "[deliver.f%d]\ntoken = tok\ntype = file\npath = /f%d\n", i,
                                        i);
                st[i] = checked(false, NONE, false, false, NULL, NONE);
        }
        cfg = tw_test_config_load("many", text);
        ev = evaluate(inv, cfg, st);
        f = finding(ev, inv, "tok", TW_FINDING_MISSING_COPY);
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
                cmocka_unit_test(verdicts),        cmocka_unit_test(message_and_fix),
                cmocka_unit_test(missing_message), cmocka_unit_test(resolution),
                cmocka_unit_test(not_judged),      cmocka_unit_test(failed_after_good),
                cmocka_unit_test(suppressed),      cmocka_unit_test(organizations),
                cmocka_unit_test(many_copies),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
