/* Which basic-auth hashes the config accepts: bcrypt, cost 4..12. */
#include "lib/bcrypt.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "core/config/config.h"
#include "lib/buf.h"

static void test_hash_problem(void **state)
{
        static const struct {
                const char *name;
                const char *hash;
                const char *why; /* a part of the reason; NULL: accepted */
        } cases[] = {
                {"cost 10 $2y$", "$2y$10$abcdefghijklmnopqrstuu", NULL},
                {"cost 12 $2b$", "$2b$12$x", NULL},
                {"cost 4 $2a$", "$2a$04$x", NULL},
                {"cost 13", "$2y$13$x", "cost above 12"},
                {"cost 31", "$2y$31$x", "cost above 12"},
                {"cost 03", "$2y$03$x", "below 4"},
                {"one-digit cost", "$2y$9$x", "two-digit cost"},
                {"no cost", "$2y$", "two-digit cost"},
                {"sha512-crypt", "$6$salt$hash", "expected a bcrypt hash"},
                {"$2x$", "$2x$10$x", "expected a bcrypt hash"},
                {"$2 then end", "$2", "expected a bcrypt hash"},
                {"plain text", "secret123", "expected a bcrypt hash"},
                {"NULL", NULL, "expected a bcrypt hash"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *why = tw_bcrypt_hash_problem(cases[i].hash);

                if (!cases[i].why != !why || (why && !strstr(why, cases[i].why)))
                        fail_msg("%s: got \"%s\"", cases[i].name, why ? why : "(accepted)");
        }
}

/* A costly hash is a config error naming its line. */
static void test_config_refuses_costly_hash(void **state)
{
        static const char ini[] = "[web.basic_auth_users]\n"
                                  "prom = $2y$10$abcdefghijklmnopqrstuu\n"
                                  "slow = $2y$14$abcdefghijklmnopqrstuu\n";
        struct tw_config *cfg = NULL;
        struct tw_buf err;

        (void)state;
        tw_buf_init(&err, 0);
        assert_int_equal(tw_config_load_string(ini, "t.ini", &cfg, &err), -EINVAL);
        assert_null(cfg);
        assert_non_null(
                strstr(err.ptr, "t.ini:3: [web.basic_auth_users] slow: bcrypt cost above 12"));
        assert_null(strstr(err.ptr, "prom"));
        tw_buf_done(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hash_problem),
                cmocka_unit_test(test_config_refuses_costly_hash),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
