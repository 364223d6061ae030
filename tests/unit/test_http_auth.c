/* Basic auth against bcrypt hashes, with its cache of successful logins. */
#include "exporters/http_auth.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

#define NOW 1000

static void make_hash(const char *prefix, const char *password, char *out, size_t size)
{
        struct crypt_data cd;
        char salt[128];

        memset(&cd, 0, sizeof(cd));
        assert_non_null(crypt_gensalt_rn(prefix, 4, NULL, 0, salt, sizeof(salt)));
        snprintf(out, size, "%s", crypt_r(password, salt, &cd));
}

static void test_check(void **state)
{
        char h1[128], h2[128];
        struct tw_web_user users[2] = {{.name = "prom", .hash = h1}, {.name = "ops", .hash = h2}};
        static const struct {
                const char *name;
                const char *user, *password;
                int64_t now;
                bool ok;
                unsigned long crypt_calls; /* total after the check */
        } cases[] = {
                {"right", "prom", "pw one", NOW, true, 1},
                {"cached", "prom", "pw one", NOW + 30, true, 1},
                {"$2b$ user", "ops", "pw two", NOW, true, 2},
                {"wrong password", "prom", "pw two", NOW, false, 3},
                {"wrong again: not cached", "prom", "pw two", NOW, false, 4},
                {"unknown user pays bcrypt", "eve", "pw one", NOW, false, 5},
                {"other user's password", "ops", "pw one", NOW, false, 6},
                {"prefix of password", "prom", "pw on", NOW, false, 7},
                {"missing user", NULL, "pw one", NOW, false, 7},
                {"missing password", "prom", NULL, NOW, false, 7},
                {"cache expired", "prom", "pw one", NOW + TW_HTTP_AUTH_CACHE_TTL + 1, true, 8},
        };
        struct tw_http_auth *a = NULL;

        (void)state;
        make_hash("$2y$", "pw one", h1, sizeof(h1));
        make_hash("$2b$", "pw two", h2, sizeof(h2));
        assert_int_equal(tw_http_auth_new(users, 2, &a), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                bool ok = tw_http_auth_check(a, cases[i].user, cases[i].password, cases[i].now);

                if (ok != cases[i].ok)
                        fail_msg("%s: got %d", cases[i].name, ok);
                if (tw_http_auth_crypt_calls(a) != cases[i].crypt_calls)
                        fail_msg("%s: %lu crypt calls, want %lu", cases[i].name,
                                 tw_http_auth_crypt_calls(a), cases[i].crypt_calls);
        }
        tw_http_auth_free(a);
}

static void test_rejects_non_bcrypt(void **state)
{
        static const char *const bad[] = {
                "plaintext",
                "$6$saltsalt$0123456789012345678901234567890123456789012345678901",
                "$2y$04$tooshort",
        };
        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct tw_web_user u = {.name = "x", .hash = (char *)bad[i]};
                struct tw_http_auth *a = NULL;

                assert_int_equal(tw_http_auth_new(&u, 1, &a), -EINVAL);
                assert_null(a);
        }
        tw_http_auth_free(NULL);
}

static void test_basic_auth_parse(void **state)
{
        static char long_header[TW_HTTP_AUTH_HEADER_MAX + 16];
        static const struct {
                const char *name;
                const char *header;
                int r;
                const char *user, *password;
        } cases[] = {
                {"absent", NULL, -ENOENT, NULL, NULL},
                {"other scheme", "Bearer abc", -ENOENT, NULL, NULL},
                {"scheme prefix only", "Basicx cHJvbTpwdw==", -ENOENT, NULL, NULL},
                {"plain", "Basic cHJvbTpwdw==", 0, "prom", "pw"},
                {"scheme any case, extra spaces", "bAsIc   cHJvbTpwdw==  ", 0, "prom", "pw"},
                {"colon in password", "Basic cHJvbTphOmI6Yw==", 0, "prom", "a:b:c"},
                {"empty password", "Basic cHJvbTo=", 0, "prom", ""},
                {"empty user", "Basic OnB3", 0, "", "pw"},
                {"utf-8 kept", "Basic w6lsw6huZTpww6Vzcw==", 0, "\xc3\xa9l\xc3\xa8ne",
                 "p\xc3\xa5ss"},
                {"no credentials", "Basic", -EINVAL, NULL, NULL},
                {"only spaces", "Basic    ", -EINVAL, NULL, NULL},
                {"no colon", "Basic cHJvbQ==", -EINVAL, NULL, NULL},
                {"not base64", "Basic !!!!", -EINVAL, NULL, NULL},
                {"NUL inside", "Basic cHJvbTpwAHc=", -EINVAL, NULL, NULL},
                {"newline inside", "Basic cHJvbTpwCnc=", -EINVAL, NULL, NULL},
                {"too long", long_header, -EINVAL, NULL, NULL},
        };

        (void)state;
        memcpy(long_header, "Basic ", 6);
        memset(long_header + 6, 'A', sizeof(long_header) - 7);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *user = NULL, *password = NULL;
                int r = tw_http_basic_auth_parse(cases[i].header, &user, &password);

                if (r != cases[i].r)
                        fail_msg("%s: got %d, want %d", cases[i].name, r, cases[i].r);
                if (r == 0 && (strcmp(user, cases[i].user) || strcmp(password, cases[i].password)))
                        fail_msg("%s: got \"%s\" \"%s\"", cases[i].name, user, password);
                if (r < 0 && (user || password))
                        fail_msg("%s: outputs written on failure", cases[i].name);
                free(user);
                free(password);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_check),
                cmocka_unit_test(test_basic_auth_parse),
                cmocka_unit_test(test_rejects_non_bcrypt),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
