/* The token inventory: add, de-duplicate, sort, look up (core/inventory.c). */
#include "core/inventory.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char *dup(const char *s)
{
        char *d = s ? strdup(s) : NULL;

        if (s)
                assert_non_null(d);
        return d;
}

/* A heap token "id" named name, as a collector hands it over. */
static struct tw_token make_token(const char *id, const char *name)
{
        struct tw_token t = {0};

        t.id = dup(id);
        t.name = dup(name);
        t.description = dup("");
        t.scope = dup("WORKSPACE");
        t.kind = dup("STANDARD");
        t.end_at = t.last_used_at = t.last_rotated_at = TW_NO_TIME;
        t.roles = calloc(1, sizeof(*t.roles));
        assert_non_null(t.roles);
        t.n_roles = 1;
        t.roles[0].entity_type = dup("WORKSPACE");
        t.roles[0].entity_id = dup("w1");
        t.roles[0].role = dup("WORKSPACE_AUTHOR");
        t.created_by = calloc(1, sizeof(*t.created_by));
        assert_non_null(t.created_by);
        t.created_by->id = dup("u1");
        t.created_by->subject_type = dup("USER");
        return t;
}

/* Tokens added in order, each "id" or "id=name"; the add results; then the
 * ids after sorting and the name each id ends up with. */
struct dedup_case {
        const char *name;
        const char *add[6];
        int rc[6];
        const char *sorted[6];
        const char *names[6]; /* parallel to sorted */
};

static const struct dedup_case dedup_cases[] = {
        {"no tokens", {NULL}, {0}, {NULL}, {NULL}},
        {"one token", {"a=x"}, {0}, {"a"}, {"x"}},
        {"sorted by id", {"c=3", "a=1", "b=2"}, {0, 0, 0}, {"a", "b", "c"}, {"1", "2", "3"}},
        {"duplicate dropped, first copy wins",
         {"b=first", "a=1", "b=second"},
         {0, 0, -EEXIST},
         {"a", "b"},
         {"1", "first"}},
        {"every copy after the first dropped",
         {"x=1", "x=2", "x=3", "y=4", "x=5"},
         {0, -EEXIST, -EEXIST, 0, -EEXIST},
         {"x", "y"},
         {"1", "4"}},
        {"byte order, not locale",
         {"b", "B", "a", "_", "0"},
         {0, 0, 0, 0, 0},
         {"0", "B", "_", "a", "b"},
         {"0", "B", "_", "a", "b"}},
        {"ids that share a prefix",
         {"tok-10", "tok-1", "tok-100"},
         {0, 0, 0},
         {"tok-1", "tok-10", "tok-100"},
         {"tok-1", "tok-10", "tok-100"}},
};

static void run_dedup(void **state)
{
        const struct dedup_case *c = *state;
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");
        size_t n_sorted = 0;

        assert_non_null(inv);
        for (size_t i = 0; i < ARRAY_SIZE(c->add) && c->add[i]; i++) {
                const char *eq = strchr(c->add[i], '=');
                char *id = eq ? strndup(c->add[i], (size_t)(eq - c->add[i])) : dup(c->add[i]);
                struct tw_token t = make_token(id, eq ? eq + 1 : id);

                assert_int_equal(tw_inventory_add_token(inv, &t), c->rc[i]);
                /* ownership taken on every path: the caller's struct is zeroed */
                assert_null(t.id);
                assert_null(t.roles);
                assert_null(t.created_by);
                free(id);
        }
        assert_int_equal(tw_inventory_sort(inv), 0);
        while (n_sorted < ARRAY_SIZE(c->sorted) && c->sorted[n_sorted])
                n_sorted++;
        assert_int_equal(inv->n_tokens, n_sorted);
        for (size_t i = 0; i < n_sorted; i++) {
                const struct tw_token *t = tw_inventory_token(inv, c->sorted[i]);

                assert_string_equal(inv->tokens[i].id, c->sorted[i]);
                assert_string_equal(inv->tokens[i].name, c->names[i]);
                /* the index follows the sort */
                assert_ptr_equal(t, &inv->tokens[i]);
        }
        assert_null(tw_inventory_token(inv, "nope"));
        tw_inventory_free(inv);
}

/* A token's strings survive in the inventory with their content; equal
 * enum-like strings are stored once. */
static void token_content_and_interning(void **state)
{
        struct tw_inventory *inv = tw_inventory_new(NULL, NULL);
        struct tw_token a = make_token("a", "a \"quoted\"\nname \xf0\x9f\x94\x91");
        struct tw_token b = make_token("b", "b");
        const struct tw_token *ta, *tb;

        (void)state;
        assert_non_null(inv);
        assert_string_equal(inv->organization_id, "");
        assert_string_equal(inv->api_version, "v1");
        a.end_at = 1790000000;
        a.expiry_period_days = 90;
        a.updated_by = calloc(1, sizeof(*a.updated_by));
        assert_non_null(a.updated_by);
        a.updated_by->id = dup("k1");
        a.updated_by->api_token_name = dup("ci");
        assert_int_equal(tw_inventory_add_token(inv, &a), 0);
        assert_int_equal(tw_inventory_add_token(inv, &b), 0);
        ta = tw_inventory_token(inv, "a");
        tb = tw_inventory_token(inv, "b");
        assert_non_null(ta);
        assert_non_null(tb);
        assert_string_equal(ta->name, "a \"quoted\"\nname \xf0\x9f\x94\x91");
        assert_string_equal(ta->description, "");
        assert_int_equal(ta->end_at, 1790000000);
        assert_int_equal(ta->last_used_at, TW_NO_TIME);
        assert_int_equal(ta->expiry_period_days, 90);
        assert_int_equal(ta->n_roles, 1);
        assert_string_equal(ta->roles[0].role, "WORKSPACE_AUTHOR");
        assert_null(ta->roles[0].deployment_id);
        assert_string_equal(ta->created_by->id, "u1");
        assert_null(ta->created_by->username);
        assert_string_equal(ta->updated_by->api_token_name, "ci");
        assert_null(tb->updated_by);
        /* interned: one copy of each repeated enum-like string */
        assert_ptr_equal(ta->scope, tb->scope);
        assert_ptr_equal(ta->kind, tb->kind);
        assert_ptr_equal(ta->roles[0].role, tb->roles[0].role);
        assert_ptr_equal(ta->created_by->subject_type, tb->created_by->subject_type);
        assert_ptr_not_equal(ta->id, tb->id);
        tw_inventory_free(inv);
}

/* An object without an id is refused (and still freed). */
static void missing_id(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("o", "v1beta1");
        struct tw_token t = make_token(NULL, "no id");
        struct tw_workspace w = {.name = dup("no id")};
        struct tw_deployment d = {.name = dup("x"), .workspace_id = dup("w")};
        struct tw_user u = {.username = dup("jane@example.com")};

        (void)state;
        assert_non_null(inv);
        assert_int_equal(tw_inventory_add_token(inv, &t), -EINVAL);
        assert_int_equal(tw_inventory_add_workspace(inv, &w), -EINVAL);
        assert_int_equal(tw_inventory_add_deployment(inv, &d), -EINVAL);
        assert_int_equal(tw_inventory_add_user(inv, &u), -EINVAL);
        assert_null(t.name);
        assert_null(w.name);
        assert_null(d.name);
        assert_null(u.username);
        assert_int_equal(inv->n_tokens + inv->n_workspaces + inv->n_deployments + inv->n_users, 0);
        tw_inventory_free(inv);
}

/* Workspaces, deployments and users: add, dedup, look up, entity names. */
static void other_objects(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("o", "v1");
        struct tw_workspace w;
        struct tw_deployment d;
        struct tw_user u;
        struct tw_role role = {0};

        (void)state;
        assert_non_null(inv);
        w = (struct tw_workspace){dup("w2"), dup("Second")};
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        w = (struct tw_workspace){dup("w1"), dup("First")};
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        w = (struct tw_workspace){dup("w1"), dup("Again")};
        assert_int_equal(tw_inventory_add_workspace(inv, &w), -EEXIST);
        assert_null(w.id);
        d = (struct tw_deployment){dup("d1"), dup("prod"), dup("w1")};
        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
        d = (struct tw_deployment){dup("d1"), dup("dup"), NULL};
        assert_int_equal(tw_inventory_add_deployment(inv, &d), -EEXIST);
        u = (struct tw_user){dup("u1"), dup("jane@example.com"), NULL, dup("INACTIVE")};
        assert_int_equal(tw_inventory_add_user(inv, &u), 0);
        u = (struct tw_user){dup("u1"), NULL, NULL, NULL};
        assert_int_equal(tw_inventory_add_user(inv, &u), -EEXIST);

        assert_int_equal(tw_inventory_sort(inv), 0);
        assert_string_equal(inv->workspaces[0].id, "w1");
        assert_string_equal(inv->workspaces[1].id, "w2");
        assert_string_equal(tw_inventory_workspace(inv, "w1")->name, "First");
        assert_string_equal(tw_inventory_workspace(inv, "w2")->name, "Second");
        assert_null(tw_inventory_workspace(inv, "w3"));
        assert_string_equal(tw_inventory_deployment(inv, "d1")->workspace_id, "w1");
        assert_null(tw_inventory_deployment(inv, "w1"));
        assert_string_equal(tw_inventory_user(inv, "u1")->status, "INACTIVE");
        assert_null(tw_inventory_user(inv, "u2"));

        role.entity_type = "WORKSPACE";
        role.entity_id = "w2";
        assert_string_equal(tw_inventory_entity_name(inv, &role), "Second");
        role.entity_id = "gone";
        assert_null(tw_inventory_entity_name(inv, &role));
        role.entity_type = "DEPLOYMENT";
        role.entity_id = "d1";
        assert_string_equal(tw_inventory_entity_name(inv, &role), "prod");
        role.entity_type = "ORGANIZATION";
        role.entity_id = "o";
        assert_null(tw_inventory_entity_name(inv, &role));
        role.entity_type = NULL;
        assert_null(tw_inventory_entity_name(inv, &role));
        tw_inventory_free(inv);
}

static void listing_errors(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("o", "v1");

        (void)state;
        assert_non_null(inv);
        assert_true(tw_inventory_complete(inv));
        for (int i = 0; i < _TW_LISTING_KIND_MAX; i++)
                assert_true(inv->listed[i]);
        assert_int_equal(tw_inventory_add_error(inv, "tokens workspace=w1", "HTTP 403: nope"), 0);
        assert_int_equal(tw_inventory_add_error(inv, NULL, NULL), 0);
        assert_false(tw_inventory_complete(inv));
        assert_int_equal(inv->n_errors, 2);
        assert_string_equal(inv->errors[0].listing, "tokens workspace=w1");
        assert_string_equal(inv->errors[0].message, "HTTP 403: nope");
        assert_string_equal(inv->errors[1].listing, "");
        tw_inventory_free(inv);
        tw_inventory_free(NULL);
}

/* Tokens with equal creators share one subject; a subject of the same id
 * with another name stays its own, and so does every later one of it. */
static void shared_subjects(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("o", "v1");
        struct tw_token t[4] = {make_token("a", "a"), make_token("b", "b"), make_token("c", "c"),
                                make_token("d", "d")};
        const struct tw_subject *s[4];

        (void)state;
        assert_non_null(inv);
        t[2].created_by->full_name = dup("Renamed");
        t[3].updated_by = calloc(1, sizeof(*t[3].updated_by));
        assert_non_null(t[3].updated_by);
        t[3].updated_by->id = dup("u1");
        t[3].updated_by->subject_type = dup("USER");
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                assert_int_equal(tw_inventory_add_token(inv, &t[i]), 0);
        assert_int_equal(tw_inventory_sort(inv), 0);
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                char id[2] = {(char)('a' + i), '\0'};

                s[i] = tw_inventory_token(inv, id)->created_by;
                assert_string_equal(s[i]->id, "u1");
        }
        assert_ptr_equal(s[0], s[1]);
        assert_ptr_equal(s[0], s[3]);
        assert_ptr_equal(tw_inventory_token(inv, "d")->updated_by, s[0]);
        assert_ptr_not_equal(s[2], s[0]);
        assert_null(s[0]->full_name);
        assert_string_equal(s[2]->full_name, "Renamed");
        tw_inventory_free(inv);
}

/* Enough tokens to grow the arrays, the indexes and the arena. */
static void many_tokens(void **state)
{
        enum { N = 3000 };
        struct tw_inventory *inv = tw_inventory_new("o", "v1");
        char id[32];

        (void)state;
        assert_non_null(inv);
        for (int i = N - 1; i >= 0; i--) {
                struct tw_token t;

                snprintf(id, sizeof(id), "tok%05d", i);
                t = make_token(id, id);
                assert_int_equal(tw_inventory_add_token(inv, &t), 0);
        }
        assert_int_equal(tw_inventory_sort(inv), 0);
        assert_int_equal(inv->n_tokens, N);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "tok%05d", i);
                assert_string_equal(inv->tokens[i].id, id);
                assert_ptr_equal(tw_inventory_token(inv, id), &inv->tokens[i]);
        }
        tw_inventory_free(inv);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(dedup_cases) + 7];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(dedup_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = dedup_cases[i].name,
                                                 .test_func = run_dedup,
                                                 .initial_state = (void *)&dedup_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = "token content and interning",
                                         .test_func = token_content_and_interning};
        tests[n++] = (struct CMUnitTest){.name = "objects without an id", .test_func = missing_id};
        tests[n++] = (struct CMUnitTest){.name = "workspaces, deployments, users",
                                         .test_func = other_objects};
        tests[n++] = (struct CMUnitTest){.name = "listing errors", .test_func = listing_errors};
        tests[n++] = (struct CMUnitTest){.name = "3000 tokens", .test_func = many_tokens};
        tests[n++] = (struct CMUnitTest){.name = "shared subjects", .test_func = shared_subjects};
        return _cmocka_run_group_tests("inventory", tests, n, NULL, NULL) ? 1 : 0;
}
