/* A renewal's journal: its round trip through JSON, corrupt journals
 * refused, the next action of each step, twin detection and failures
 * (core/rotation/renewal.c, renewal_json.c). */
#include "core/rotation/renewal.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rotation/rotation.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1780000000
#define VALUE "eyJhbGciOiJub25lIn0.eyJhcGlUb2tlbklkIjoieCJ9.c2ln"

/* An organization token with a workspace role besides its own, two copies. */
static void make(struct tw_renewal *r)
{
        struct tw_role roles[2] = {
                {.entity_type = "ORGANIZATION",
                 .entity_id = "corg1",
                 .role = "ORGANIZATION_MEMBER"},
                {.entity_type = "WORKSPACE", .entity_id = "cws1", .role = "WORKSPACE_AUTHOR"},
        };
        struct tw_token t = {.id = "ctoken1",
                             .name = "ci \"deploy\"\n\xe2\x9c\x93",
                             .description = "",
                             .scope = "ORGANIZATION",
                             .roles = roles,
                             .n_roles = 2,
                             .start_at = T0,
                             .created_at = T0,
                             .end_at = T0 + 90 * 86400,
                             .last_rotated_at = TW_NO_TIME,
                             .expiry_period_days = 90};

        tw_renewal_init(r);
        assert_int_equal(tw_renewal_set_token(r, &t, T0 + 87 * 86400), 0);
        assert_int_equal(tw_renewal_set_str(&r->organization, "prod"), 0);
        assert_int_equal(tw_renewal_set_str(&r->organization_id, "corg1"), 0);
        r->strategy = TW_ROTATION_REPLACE;
        r->expiry_days = 90;
        r->retire_after = 3600;
        r->started_at = T0 + 87 * 86400;
        assert_int_equal(tw_renewal_add_copy(r, "gh", "github", true, "2026-01-01T00:00:00Z",
                                             T0 - 10, false),
                         0);
        assert_int_equal(tw_renewal_add_copy(r, "vault", "vault", false, "", TW_NO_TIME, true), 0);
}

static void issue(struct tw_renewal *r)
{
        r->step = TW_RENEWAL_ISSUED;
        r->issue_started_at = T0 + 87 * 86400 + 5;
        assert_int_equal(tw_renewal_set_str(&r->new_id, "cnew1"), 0);
        assert_int_equal(tw_renewal_set_str(&r->value, VALUE), 0);
        r->new_end_at = T0 + 177 * 86400;
}

static char *to_json(const struct tw_renewal *r)
{
        struct tw_buf b;

        tw_buf_init(&b, TW_RENEWAL_JSON_MAX);
        assert_int_equal(tw_renewal_to_json(r, &b), 0);
        return tw_buf_steal(&b);
}

static void test_round_trip(void **state)
{
        struct tw_renewal a, b;
        char *j1, *j2;

        (void)state;
        make(&a);
        assert_int_equal(a.old.n_extra_roles, 1);
        assert_string_equal(a.old.role, "ORGANIZATION_MEMBER");
        assert_null(a.old.entity_id);
        issue(&a);
        a.copies[0].state = TW_DELIVERY_DONE;
        assert_int_equal(tw_renewal_set_str(&a.copies[0].delivered_version, "v2"), 0);
        a.copies[1].state = TW_DELIVERY_WRITING;
        a.copies[1].write_started_at = T0 + 87 * 86400 + 9;
        a.failures = 2;
        a.next_attempt = T0 + 88 * 86400;
        assert_int_equal(tw_renewal_set_str(&a.last_error, "vault: 503"), 0);
        char *known[] = {"cother1"};
        a.known_ids = malloc(sizeof(char *));
        a.known_ids[0] = strdup(known[0]);
        a.n_known_ids = 1;

        j1 = to_json(&a);
        assert_int_equal(tw_renewal_from_json(j1, strlen(j1), &b), 0);
        j2 = to_json(&b);
        assert_string_equal(j1, j2);
        assert_string_equal(b.old.name, a.old.name);
        assert_string_equal(b.value, VALUE);
        assert_int_equal(b.step, TW_RENEWAL_ISSUED);
        assert_int_equal(b.copies[1].state, TW_DELIVERY_WRITING);
        assert_true(b.copies[1].adopted);
        assert_int_equal(b.copies[0].updated_at, T0 - 10);
        assert_int_equal(b.next_attempt, T0 + 88 * 86400);
        assert_int_equal(b.old.end_at, T0 + 90 * 86400);
        assert_string_equal(b.old.extra_roles[0].role, "WORKSPACE_AUTHOR");
        free(j1);
        free(j2);
        tw_renewal_done(&a);
        tw_renewal_done(&b);
        assert_null(a.value);
}

/* Each case edits a valid journal into one that must be refused. */
struct corrupt_case {
        const char *name;
        const char *from, *to; /* replace the first `from` with `to` */
};

static const struct corrupt_case corrupt_cases[] = {
        {"another format", "\"format\":1", "\"format\":2"},
        {"an unknown step", "\"step\":\"issued\"", "\"step\":\"done\""},
        {"an unknown strategy", "\"strategy\":\"replace\"", "\"strategy\":\"swap\""},
        {"issued without its value", "\"value\":\"" VALUE "\"", "\"value\":null"},
        {"issued with an empty value", "\"value\":\"" VALUE "\"", "\"value\":\"\""},
        {"issued without the new id", "\"new_id\":\"cnew1\"", "\"new_id\":null"},
        {"a new id that is not an id", "\"new_id\":\"cnew1\"", "\"new_id\":\"../x\""},
        {"a token id that is not an id", "\"id\":\"ctoken1\"", "\"id\":\"a b\""},
        {"a number for a string", "\"name\":\"gh\"", "\"name\":7"},
        {"a time that is not one", "\"started_at\":\"", "\"started_at\":\"x"},
        {"an unknown copy state", "\"state\":\"pending\"", "\"state\":\"sent\""},
        {"failures out of range", "\"failures\":0", "\"failures\":-1"},
        {"expiry out of range", "\"expiry_days\":90,\"retire", "\"expiry_days\":9999,\"retire"},
        {"a bool for a string", "\"manual\":false", "\"manual\":\"no\""},
        {"copies not an array", "\"copies\":[", "\"copies\":{\"x\":["},
        {"truncated", "\"retired_at\"", ""},
        {"not JSON at all", "{", "<"},
};

static char *replaced(const char *s, const char *from, const char *to)
{
        const char *p = strstr(s, from);
        size_t n;
        char *out;

        assert_non_null(p);
        if (!*to && strcmp(from, "\"retired_at\"") == 0) /* cut it off right there */
                return strndup(s, (size_t)(p - s));
        n = strlen(s) - strlen(from) + strlen(to) + 1;
        out = malloc(n);
        snprintf(out, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
        return out;
}

static void test_corrupt_journals(void **state)
{
        struct tw_renewal a, b;
        char *good;

        (void)state;
        make(&a);
        issue(&a);
        good = to_json(&a);
        for (size_t i = 0; i < ARRAY_SIZE(corrupt_cases); i++) {
                char *bad = replaced(good, corrupt_cases[i].from, corrupt_cases[i].to);
                int r = tw_renewal_from_json(bad, strlen(bad), &b);

                if (r != -EBADMSG)
                        fail_msg("%s: %d, want -EBADMSG", corrupt_cases[i].name, r);
                free(bad);
        }
        assert_int_equal(tw_renewal_from_json("", 0, &b), -EBADMSG);
        assert_int_equal(tw_renewal_from_json("[]", 2, &b), -EBADMSG);
        free(good);
        tw_renewal_done(&a);
}

/* A journal past DELIVERED must have every copy delivered, and the value
 * gone once VERIFIED. */
static void test_step_invariants(void **state)
{
        struct tw_renewal a, b;
        char *j;

        (void)state;
        make(&a);
        issue(&a);
        a.step = TW_RENEWAL_DELIVERED;
        a.delivered_at = T0;
        j = to_json(&a);
        assert_int_equal(tw_renewal_from_json(j, strlen(j), &b), -EBADMSG);
        free(j);
        a.copies[0].state = a.copies[1].state = TW_DELIVERY_DONE;
        j = to_json(&a);
        assert_int_equal(tw_renewal_from_json(j, strlen(j), &b), 0);
        tw_renewal_done(&b);
        free(j);
        a.step = TW_RENEWAL_VERIFIED;
        j = to_json(&a);
        assert_int_equal(tw_renewal_from_json(j, strlen(j), &b), -EBADMSG); /* value kept */
        free(j);
        tw_renewal_drop_value(&a);
        j = to_json(&a);
        assert_int_equal(tw_renewal_from_json(j, strlen(j), &b), 0);
        assert_null(b.value);
        tw_renewal_done(&b);
        free(j);
        tw_renewal_done(&a);
}

struct next_case {
        const char *name;
        enum tw_renewal_step step;
        enum tw_rotation_strategy strategy;
        enum tw_delivery copy0, copy1;
        bool roles_done;
        int64_t next_attempt;
        int64_t now;
        enum tw_renewal_action want;
        size_t want_copy;
        int64_t want_at;
};

#define NOW (T0 + 100)
#define P TW_DELIVERY_PENDING
#define DV TW_DELIVERY_DONE

static const struct next_case next_cases[] = {
        {"intent: issue", TW_RENEWAL_INTENT, TW_ROTATION_REPLACE, P, P, false, TW_NO_TIME, NOW,
         TW_RENEWAL_DO_ISSUE, 0, 0},
        {"backing off: wait", TW_RENEWAL_INTENT, TW_ROTATION_REPLACE, P, P, false, NOW + 60, NOW,
         TW_RENEWAL_DO_WAIT, 0, NOW + 60},
        {"backoff over: issue", TW_RENEWAL_INTENT, TW_ROTATION_REPLACE, P, P, false, NOW, NOW,
         TW_RENEWAL_DO_ISSUE, 0, 0},
        {"issuing: recover", TW_RENEWAL_ISSUING, TW_ROTATION_REPLACE, P, P, false, TW_NO_TIME, NOW,
         TW_RENEWAL_DO_RECOVER, 0, 0},
        {"issued with extra roles: roles first", TW_RENEWAL_ISSUED, TW_ROTATION_REPLACE, P, P,
         false, TW_NO_TIME, NOW, TW_RENEWAL_DO_ROLES, 0, 0},
        {"rotate keeps its roles: deliver", TW_RENEWAL_ISSUED, TW_ROTATION_ROTATE, P, P, false,
         TW_NO_TIME, NOW, TW_RENEWAL_DO_DELIVER, 0, 0},
        {"roles set: deliver copy 0", TW_RENEWAL_ISSUED, TW_ROTATION_REPLACE, P, P, true,
         TW_NO_TIME, NOW, TW_RENEWAL_DO_DELIVER, 0, 0},
        {"copy 0 delivered: copy 1", TW_RENEWAL_ISSUED, TW_ROTATION_REPLACE, DV,
         TW_DELIVERY_WRITING, true, TW_NO_TIME, NOW, TW_RENEWAL_DO_DELIVER, 1, 0},
        {"a conflict is looked at again", TW_RENEWAL_ISSUED, TW_ROTATION_REPLACE,
         TW_DELIVERY_CONFLICT, DV, true, TW_NO_TIME, NOW, TW_RENEWAL_DO_DELIVER, 0, 0},
        {"all delivered: verify", TW_RENEWAL_ISSUED, TW_ROTATION_REPLACE, DV, DV, true, TW_NO_TIME,
         NOW, TW_RENEWAL_DO_VERIFY, 0, 0},
        {"delivered: verify", TW_RENEWAL_DELIVERED, TW_ROTATION_REPLACE, DV, DV, true, TW_NO_TIME,
         NOW, TW_RENEWAL_DO_VERIFY, 0, 0},
        {"verified, replace: wait retire_after", TW_RENEWAL_VERIFIED, TW_ROTATION_REPLACE, DV, DV,
         true, TW_NO_TIME, T0 + 3599, TW_RENEWAL_DO_WAIT, 0, T0 + 3600},
        {"verified, replace, time's up: retire", TW_RENEWAL_VERIFIED, TW_ROTATION_REPLACE, DV, DV,
         true, TW_NO_TIME, T0 + 3600, TW_RENEWAL_DO_RETIRE, 0, 0},
        {"verified, rotate: finish", TW_RENEWAL_VERIFIED, TW_ROTATION_ROTATE, DV, DV, true,
         TW_NO_TIME, NOW, TW_RENEWAL_DO_FINISH, 0, 0},
        {"retired: finish", TW_RENEWAL_RETIRED, TW_ROTATION_REPLACE, DV, DV, true, TW_NO_TIME, NOW,
         TW_RENEWAL_DO_FINISH, 0, 0},
};

static void test_next(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(next_cases); i++) {
                const struct next_case *c = &next_cases[i];
                struct tw_renewal r;
                struct tw_renewal_next n;

                make(&r);
                r.step = c->step;
                r.strategy = c->strategy;
                r.copies[0].state = c->copy0;
                r.copies[1].state = c->copy1;
                r.roles_done = c->roles_done;
                r.next_attempt = c->next_attempt;
                r.delivered_at = T0;
                tw_renewal_next(&r, c->now, &n);
                if (n.action != c->want || n.copy != c->want_copy ||
                    (c->want == TW_RENEWAL_DO_WAIT && n.at != c->want_at))
                        fail_msg("%s: action %d copy %zu at %lld", c->name, n.action, n.copy,
                                 (long long)n.at);
                tw_renewal_done(&r);
        }
}

static void test_twin(void **state)
{
        struct tw_subject me = {.id = "cissuer"}, someone = {.id = "cuser"};
        struct tw_token t = {.id = "ctwin", .created_at = T0 + 10, .created_by = &me};
        struct tw_renewal r;

        (void)state;
        make(&r);
        t.name = r.old.name;
        r.issue_started_at = T0;
        r.issuer_id = strdup("cissuer");
        r.known_ids = calloc(1, sizeof(char *));
        r.known_ids[0] = strdup("cknown");
        r.n_known_ids = 1;
        assert_true(tw_renewal_is_twin(&r, &t));
        t.created_at = T0 - TW_RENEWAL_CLOCK_SKEW; /* within the skew */
        assert_true(tw_renewal_is_twin(&r, &t));
        t.created_at = T0 - TW_RENEWAL_CLOCK_SKEW - 1;
        assert_false(tw_renewal_is_twin(&r, &t));
        t.created_at = T0 + 10;
        t.created_by = &someone;
        assert_false(tw_renewal_is_twin(&r, &t));
        t.created_by = NULL; /* Astro did not say: name and time decide */
        assert_true(tw_renewal_is_twin(&r, &t));
        t.id = "cknown";
        assert_false(tw_renewal_is_twin(&r, &t));
        t.id = "ctoken1"; /* the old token itself */
        assert_false(tw_renewal_is_twin(&r, &t));
        t.id = "ctwin";
        t.name = "another";
        assert_false(tw_renewal_is_twin(&r, &t));
        tw_renewal_done(&r);
}

static void test_failed_backs_off(void **state)
{
        struct tw_renewal r;

        (void)state;
        make(&r);
        assert_int_equal(tw_renewal_failed(&r, T0, "one"), 0);
        assert_int_equal(r.failures, 1);
        assert_int_equal(r.next_attempt, T0 + 3600);
        assert_int_equal(tw_renewal_failed(&r, T0 + 3600, "two"), 0);
        assert_int_equal(r.next_attempt, T0 + 3600 + 7200);
        assert_string_equal(r.last_error, "two");
        tw_renewal_done(&r);
}

/* A token without a role of its own scope cannot have a twin. */
static void test_set_token_needs_its_role(void **state)
{
        struct tw_role role = {.entity_type = "WORKSPACE", .entity_id = "cws", .role = "X"};
        struct tw_token t = {
                .id = "c1", .name = "n", .scope = "DEPLOYMENT", .roles = &role, .n_roles = 1};
        struct tw_renewal r;

        (void)state;
        tw_renewal_init(&r);
        assert_int_equal(tw_renewal_set_token(&r, &t, T0), -EINVAL);
        tw_renewal_done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_corrupt_journals),
                cmocka_unit_test(test_step_invariants),
                cmocka_unit_test(test_next),
                cmocka_unit_test(test_twin),
                cmocka_unit_test(test_failed_backs_off),
                cmocka_unit_test(test_set_token_needs_its_role),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
