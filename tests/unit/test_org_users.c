/* Users are looked up in the token's own organization: with several
 * organizations merged into one inventory (core/inventory_merge.c), a
 * member of organization A must not vouch for a token of organization B,
 * neither in the orphaned finding (core/evaluate/access.c) nor as the
 * owner-from-creator (core/owner.c).  A user who belongs to both counts in
 * both, with each organization's own status. */
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

#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/owner.h"

static bool orphaned(const struct tw_inventory *inv, const char *token_id)
{
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;
        const struct tw_token *t = tw_inventory_token(inv, token_id);
        bool found = false;
        size_t i;

        assert_non_null(t);
        i = (size_t)(t - inv->tokens);
        ef_policy_default(&p);
        assert_int_equal(tw_evaluate(inv, &p, NULL, 0, NOW, &ev), 0);
        for (size_t j = ev->token_first[i]; j < ev->token_first[i] + ev->token_count[i]; j++)
                found |= ev->findings[j].kind == TW_FINDING_ORPHANED;
        tw_evaluation_free(ev);
        return found;
}

static enum tw_owner_source owner_source(const struct tw_inventory *inv, const char *token_id)
{
        static const struct tw_owner_policy policy;
        struct tw_owner o;

        assert_int_equal(tw_owner_resolve(inv, tw_inventory_token(inv, token_id), &policy, &o), 0);
        return o.source;
}

/* Organization "orgA": alice (ACTIVE), carol (ACTIVE), a token by alice.
 * Organization "orgB": carol (INACTIVE there), tokens by alice (never a
 * member of B), by carol, and by bob (ACTIVE in B). */
static void build(struct tw_inventory **ret_a, struct tw_inventory **ret_b)
{
        struct tw_inventory *a = tw_inventory_new("orgA", "v1"),
                            *b = tw_inventory_new("orgB", "v1");
        struct token_spec t = HEALTHY_TOKEN("tok-a");

        assert_non_null(a);
        assert_non_null(b);
        ef_add_user(a, "u-alice", "alice@a.example", "ACTIVE");
        ef_add_user(a, "u-carol", "carol@example", "ACTIVE");
        ef_add_user(b, "u-carol", "carol@example", "INACTIVE");
        ef_add_user(b, "u-bob", "bob@b.example", "ACTIVE");
        t.creator_type = "USER";
        t.creator_id = "u-alice";
        t.creator_label = "alice@a.example";
        ef_add_token(a, &t);
        t.id = "tok-b-alice";
        ef_add_token(b, &t);
        t.id = "tok-b-carol";
        t.creator_id = "u-carol";
        t.creator_label = "carol@example";
        ef_add_token(b, &t);
        t.id = "tok-b-bob";
        t.creator_id = "u-bob";
        t.creator_label = "bob@b.example";
        ef_add_token(b, &t);
        *ret_a = a;
        *ret_b = b;
}

static void test_users_of_the_tokens_own_organization(void **state)
{
        struct tw_inventory *a, *b, *both = NULL;
        struct tw_inventory_part parts[2];

        (void)state;
        build(&a, &b);
        /* B watched alone: alice and carol do not vouch, bob does. */
        assert_true(orphaned(b, "tok-b-alice"));
        assert_true(orphaned(b, "tok-b-carol"));
        assert_false(orphaned(b, "tok-b-bob"));
        assert_int_equal(owner_source(b, "tok-b-alice"), TW_OWNER_NONE);
        assert_int_equal(owner_source(b, "tok-b-bob"), TW_OWNER_CREATOR);

        /* A and B watched together: the same answers for B's tokens. */
        parts[0] = (struct tw_inventory_part){.inv = a, .name = "a", .fresh = true};
        parts[1] = (struct tw_inventory_part){.inv = b, .name = "b", .fresh = true};
        assert_int_equal(tw_inventory_merge(parts, 2, NOW, &both), 0);
        assert_true(orphaned(both, "tok-b-alice"));
        assert_true(orphaned(both, "tok-b-carol"));
        assert_false(orphaned(both, "tok-b-bob"));
        assert_false(orphaned(both, "tok-a"));
        assert_int_equal(owner_source(both, "tok-b-alice"), TW_OWNER_NONE);
        assert_int_equal(owner_source(both, "tok-b-carol"), TW_OWNER_NONE);
        assert_int_equal(owner_source(both, "tok-b-bob"), TW_OWNER_CREATOR);
        assert_int_equal(owner_source(both, "tok-a"), TW_OWNER_CREATOR);
        /* The lookup itself. */
        assert_non_null(tw_inventory_org_user(both, tw_inventory_token(both, "tok-a"), "u-carol"));
        assert_string_equal(
                tw_inventory_org_user(both, tw_inventory_token(both, "tok-b-bob"), "u-carol")
                        ->status,
                "INACTIVE");
        assert_null(tw_inventory_org_user(both, tw_inventory_token(both, "tok-b-bob"), "u-alice"));
        tw_inventory_free(both);
        tw_inventory_free(a);
        tw_inventory_free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_users_of_the_tokens_own_organization),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
