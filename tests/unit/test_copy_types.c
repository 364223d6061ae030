/* The store types the configuration knows (core/config/copy_types.c) are
 * exactly the exporters' (exporters/deliver's registry): the same names, the
 * same keys in the same order, the same readability.  A store that takes a
 * new key fails here until the configuration takes it too. */
#include "core/config/copies.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "exporters/deliver/deliver.h"

static void same_types(void **state)
{
        static const char *const names[] = {"github",     "gitlab", "vault",
                                            "kubernetes", "file",   "exec"};
        const struct tw_copy_type *t;
        size_t n = 0;

        (void)state;
        for (size_t i = 0; (t = tw_copy_type_at(i)) != NULL; i++, n++) {
                const struct tw_deliver_ops *ops = tw_deliver_ops_find(t->type);
                size_t k = 0;

                if (!ops)
                        fail_msg("type %s: no store of that name", t->type);
                for (; t->keys[k] && ops->keys[k]; k++)
                        if (strcmp(t->keys[k], ops->keys[k]) != 0)
                                fail_msg("type %s: key %zu is %s here, %s in the store", t->type, k,
                                         t->keys[k], ops->keys[k]);
                if (t->keys[k] || ops->keys[k])
                        fail_msg("type %s: %s has more keys", t->type,
                                 t->keys[k] ? "the configuration" : "the store");
                if (t->readable != ops->readable)
                        fail_msg("type %s: readable differs", t->type);
                for (const char *const *r = t->required; *r; r++) {
                        char one[64];

                        snprintf(one, sizeof(one), "%.*s", (int)strcspn(*r, "|"), *r);
                        if (!tw_copy_type_takes(t, one))
                                fail_msg("type %s: requires %s, which it does not take", t->type,
                                         one);
                }
        }
        assert_int_equal(n, sizeof(names) / sizeof(names[0]));
        for (size_t i = 0; i < n; i++)
                assert_non_null(tw_copy_type_find(names[i]));
        assert_null(tw_copy_type_find("s3"));
        assert_null(tw_copy_type_find(NULL));
        assert_false(tw_copy_type_find("exec")->checkable);
        assert_true(tw_copy_type_find("file")->checkable);
}

/* Every store key the configuration keeps is one the target takes. */
static void target_takes_every_key(void **state)
{
        const struct tw_copy_type *t;

        (void)state;
        for (size_t i = 0; (t = tw_copy_type_at(i)) != NULL; i++)
                for (const char *const *k = t->keys; *k; k++) {
                        struct tw_deliver_target target = {0};

                        if (tw_deliver_target_set(&target, *k,
                                                  strcmp(*k, "timeout") == 0 ? "5s" : "x") != 0)
                                fail_msg("tw_deliver_target_set refuses %s", *k);
                        tw_deliver_target_done(&target);
                }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(same_types),
                cmocka_unit_test(target_takes_every_key),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
