/* The known Astro roles, their order and their entity types. */
#include "core/config/config.h"
#include "core/roles.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

#include <cmocka.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct rank_case {
        const char *name;
        const char *entity_type, *role;
        int rank;
        const char *role_entity_type; /* tw_role_entity_type(role) */
};

static const struct rank_case cases[] = {
        {"organization owner", "ORGANIZATION", "ORGANIZATION_OWNER", 0, "ORGANIZATION"},
        {"organization billing admin", "ORGANIZATION", "ORGANIZATION_BILLING_ADMIN", 1,
         "ORGANIZATION"},
        {"organization observe admin", "ORGANIZATION", "ORGANIZATION_OBSERVE_ADMIN", 2,
         "ORGANIZATION"},
        {"organization observe member", "ORGANIZATION", "ORGANIZATION_OBSERVE_MEMBER", 3,
         "ORGANIZATION"},
        {"organization member", "ORGANIZATION", "ORGANIZATION_MEMBER", 4, "ORGANIZATION"},
        {"workspace owner", "WORKSPACE", "WORKSPACE_OWNER", 0, "WORKSPACE"},
        {"workspace operator", "WORKSPACE", "WORKSPACE_OPERATOR", 1, "WORKSPACE"},
        {"workspace author", "WORKSPACE", "WORKSPACE_AUTHOR", 2, "WORKSPACE"},
        {"workspace member", "WORKSPACE", "WORKSPACE_MEMBER", 3, "WORKSPACE"},
        {"workspace accessor", "WORKSPACE", "WORKSPACE_ACCESSOR", 4, "WORKSPACE"},
        {"deployment admin", "DEPLOYMENT", "DEPLOYMENT_ADMIN", 0, "DEPLOYMENT"},
        {"custom deployment role", "DEPLOYMENT", "MY_CUSTOM_ROLE", -1, NULL},
        {"role under the wrong entity type", "WORKSPACE", "ORGANIZATION_OWNER", -1, "ORGANIZATION"},
        {"unknown organization role", "ORGANIZATION", "ORGANIZATION_SUPERUSER", -1, NULL},
        {"DAG role: no order", "DAG", "DAG_AUTHOR", -1, NULL},
        {"DAG_TAG role: no order", "DAG_TAG", "DAG_VIEWER", -1, NULL},
        {"unknown entity type", "TEAM", "WORKSPACE_OWNER", -1, "WORKSPACE"},
        {"case matters", "workspace", "workspace_owner", -1, NULL},
        {"prefix is not a match", "WORKSPACE", "WORKSPACE_OWNE", -1, NULL},
        {"empty role", "WORKSPACE", "", -1, NULL},
        {"NULL role", "WORKSPACE", NULL, -1, NULL},
        {"NULL entity type", NULL, "WORKSPACE_OWNER", -1, "WORKSPACE"},
};

static void run_case(void **state)
{
        const struct rank_case *c = *state;
        const char *et = tw_role_entity_type(c->role);

        assert_int_equal(tw_role_rank(c->entity_type, c->role), c->rank);
        if (c->role_entity_type)
                assert_string_equal(et, c->role_entity_type);
        else
                assert_null(et);
}

/* The config's message for a wrong role lists exactly the table's roles of
 * that level, most powerful first: one table, two readers. */
static void test_config_message_lists_the_table(void **unused)
{
        static const struct {
                const char *entity_type, *key;
        } levels[] = {
                {"ORGANIZATION", "max_organization_role"},
                {"WORKSPACE", "max_workspace_role"},
                {"DEPLOYMENT", "max_deployment_role"},
        };
        char names[512], expect[1024], text[128];

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
                struct tw_config *cfg = NULL;
                struct tw_buf err;
                const char *prev = NULL;

                assert_int_equal(tw_role_names(levels[i].entity_type, names, sizeof(names)), 0);
                for (size_t r = 0; tw_role_at(levels[i].entity_type, r); r++) {
                        const char *role = tw_role_at(levels[i].entity_type, r);

                        assert_int_equal(tw_role_rank(levels[i].entity_type, role), (int)r);
                        assert_non_null(strstr(names, role));
                        assert_true(!prev || strstr(names, prev) < strstr(names, role));
                        prev = role;
                }
                assert_non_null(prev);
                snprintf(text, sizeof(text), "[policy]\n%s = NO_SUCH_ROLE\n", levels[i].key);
                snprintf(expect, sizeof(expect),
                         "t.ini:2: [policy] %s: not a known role of this level (%s)\n",
                         levels[i].key, names);
                tw_buf_init(&err, 4096);
                assert_int_equal(tw_config_load_string(text, "t.ini", &cfg, &err), -EINVAL);
                assert_string_equal(err.ptr, expect);
                tw_buf_done(&err);
        }
        assert_null(tw_role_at("DAG", 0));
        assert_int_equal(tw_role_names("DAG", names, sizeof(names)), -EINVAL);
        assert_int_equal(tw_role_names("ORGANIZATION", names, 8), -E2BIG);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(cases) + 1];

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                tests[i] = (struct CMUnitTest){
                        .name = cases[i].name,
                        .test_func = run_case,
                        .initial_state = (void *)&cases[i],
                };
        tests[ARRAY_SIZE(cases)] = (struct CMUnitTest){
                .name = "config message lists the table",
                .test_func = test_config_message_lists_the_table,
        };
        return cmocka_run_group_tests_name("roles", tests, NULL, NULL) ? 1 : 0;
}
