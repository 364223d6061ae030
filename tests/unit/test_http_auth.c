/* Basic auth against bcrypt hashes, with its cache of successful logins. */
#include "exporters/http/auth_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "helpers/http_server.h"

#define NOW 1000

static struct sockaddr_in ipv4(unsigned char a, unsigned char b, unsigned char c, unsigned char d)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        unsigned char *p = (unsigned char *)&sa.sin_addr;

        p[0] = a, p[1] = b, p[2] = c, p[3] = d;
        return sa;
}

/* An IPv6 address x:y:0:0:0:0:0:z (hex bytes): the /64 is x:y. */
static struct sockaddr_in6 ipv6(unsigned char x, unsigned char y, unsigned char z)
{
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6};

        sa.sin6_addr.s6_addr[0] = x;
        sa.sin6_addr.s6_addr[2] = y;
        sa.sin6_addr.s6_addr[15] = z;
        return sa;
}

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
        /* Each case from its own address, so that throttling stays out of it. */
        static const struct {
                const char *name;
                const char *user, *password;
                int64_t now;
                enum tw_http_auth_result res;
                unsigned long crypt_calls; /* total after the check */
        } cases[] = {
                {"right", "prom", "pw one", NOW, TW_HTTP_AUTH_OK, 1},
                {"cached", "prom", "pw one", NOW + 30, TW_HTTP_AUTH_OK, 1},
                {"$2b$ user", "ops", "pw two", NOW, TW_HTTP_AUTH_OK, 2},
                {"wrong password", "prom", "pw two", NOW, TW_HTTP_AUTH_DENIED, 3},
                {"wrong again: not cached", "prom", "pw two", NOW, TW_HTTP_AUTH_DENIED, 4},
                {"unknown user pays bcrypt", "eve", "pw one", NOW, TW_HTTP_AUTH_DENIED, 5},
                {"other user's password", "ops", "pw one", NOW, TW_HTTP_AUTH_DENIED, 6},
                {"prefix of password", "prom", "pw on", NOW, TW_HTTP_AUTH_DENIED, 7},
                {"missing user", NULL, "pw one", NOW, TW_HTTP_AUTH_DENIED, 7},
                {"missing password", "prom", NULL, NOW, TW_HTTP_AUTH_DENIED, 7},
                {"unused for the TTL: expired", "prom", "pw one",
                 NOW + 30 + TW_HTTP_AUTH_CACHE_TTL + 1, TW_HTTP_AUTH_OK, 8},
                {"used: kept", "prom", "pw one", NOW + 30 + 2 * TW_HTTP_AUTH_CACHE_TTL,
                 TW_HTTP_AUTH_OK, 8},
        };
        struct tw_http_auth *a = NULL;

        (void)state;
        tw_test_bcrypt("pw one", 4, h1, sizeof(h1));
        make_hash("$2b$", "pw two", h2, sizeof(h2));
        assert_int_equal(tw_http_auth_new(users, 2, &a), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sockaddr_in from = ipv4(10, 0, 0, (unsigned char)(i + 1));
                enum tw_http_auth_result res =
                        tw_http_auth_check(a, (struct sockaddr *)&from, cases[i].user,
                                           cases[i].password, cases[i].now, NULL);

                if (res != cases[i].res)
                        fail_msg("%s: got %d", cases[i].name, res);
                if (tw_http_auth_crypt_calls(a) != cases[i].crypt_calls)
                        fail_msg("%s: %lu crypt calls, want %lu", cases[i].name,
                                 tw_http_auth_crypt_calls(a), cases[i].crypt_calls);
        }
        tw_http_auth_free(a);
}

/* A failed login locks its address (IPv4, or IPv6 /64) out of bcrypt for
 * 1 s, then 2, 4 ...; other addresses and cached logins are not affected. */
static void test_throttle(void **state)
{
        char h[128];
        struct tw_web_user user = {.name = "prom", .hash = h};
        struct sockaddr_in attacker = ipv4(192, 0, 2, 7), scraper = ipv4(192, 0, 2, 8);
        struct sockaddr_in6 v6a = ipv6(0x20, 0x01, 0x11), v6b = ipv6(0x20, 0x01, 0x22),
                            v6other = ipv6(0x20, 0x02, 0x11);
        static const struct {
                const char *name;
                int who; /* 0 attacker, 1 scraper, 2/3 same IPv6 /64, 4 other /64 */
                const char *password;
                int64_t now;
                enum tw_http_auth_result res;
                unsigned retry_after; /* when throttled */
                unsigned long crypt_calls;
        } cases[] = {
                {"scraper logs in", 1, "right", NOW, TW_HTTP_AUTH_OK, 0, 1},
                {"first failure runs bcrypt", 0, "wrong", NOW, TW_HTTP_AUTH_DENIED, 0, 2},
                {"locked for 1 s", 0, "wrong", NOW, TW_HTTP_AUTH_THROTTLED, 1, 2},
                {"a cached login passes the lock", 0, "right", NOW, TW_HTTP_AUTH_OK, 0, 2},
                {"other address unaffected", 1, "right", NOW, TW_HTTP_AUTH_OK, 0, 2},
                {"second failure after the lock", 0, "wrong", NOW + 1, TW_HTTP_AUTH_DENIED, 0, 3},
                {"locked for 2 s", 0, "wrong", NOW + 2, TW_HTTP_AUTH_THROTTLED, 1, 3},
                {"third failure", 0, "wrong", NOW + 3, TW_HTTP_AUTH_DENIED, 0, 4},
                {"locked for 4 s", 0, "wrong", NOW + 3, TW_HTTP_AUTH_THROTTLED, 4, 4},
                {"lock and cache over: a success clears", 0, "right", NOW + 61, TW_HTTP_AUTH_OK, 0,
                 5},
                {"fresh failure after a success", 0, "wrong2", NOW + 62, TW_HTTP_AUTH_DENIED, 0, 6},
                {"locks 1 s again", 0, "wrong2", NOW + 62, TW_HTTP_AUTH_THROTTLED, 1, 6},
                {"cached login never throttled", 0, "right", NOW + 62, TW_HTTP_AUTH_OK, 0, 6},
                {"v6 failure", 2, "wrong", NOW + 100, TW_HTTP_AUTH_DENIED, 0, 7},
                {"same /64 is locked", 3, "wrong", NOW + 100, TW_HTTP_AUTH_THROTTLED, 1, 7},
                {"other /64 is not", 4, "wrong", NOW + 100, TW_HTTP_AUTH_DENIED, 0, 8},
        };
        const struct sockaddr *who[] = {(struct sockaddr *)&attacker, (struct sockaddr *)&scraper,
                                        (struct sockaddr *)&v6a, (struct sockaddr *)&v6b,
                                        (struct sockaddr *)&v6other};
        struct tw_http_auth *a = NULL;

        (void)state;
        tw_test_bcrypt("right", 4, h, sizeof(h));
        assert_int_equal(tw_http_auth_new(&user, 1, &a), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                unsigned retry = 0;
                enum tw_http_auth_result res = tw_http_auth_check(
                        a, who[cases[i].who], "prom", cases[i].password, cases[i].now, &retry);

                if (res != cases[i].res)
                        fail_msg("%s: got %d, want %d", cases[i].name, res, cases[i].res);
                if (res == TW_HTTP_AUTH_THROTTLED && retry != cases[i].retry_after)
                        fail_msg("%s: retry after %u, want %u", cases[i].name, retry,
                                 cases[i].retry_after);
                if (tw_http_auth_crypt_calls(a) != cases[i].crypt_calls)
                        fail_msg("%s: %lu crypt calls, want %lu", cases[i].name,
                                 tw_http_auth_crypt_calls(a), cases[i].crypt_calls);
        }
        tw_http_auth_free(a);
}

/* Lockouts grow to TW_HTTP_AUTH_LOCK_MAX and are forgotten after a quiet
 * TW_HTTP_AUTH_FORGET; a full table forgets its stalest address. */
static void test_throttle_bounds(void **state)
{
        char h[128];
        struct tw_web_user user = {.name = "prom", .hash = h};
        struct sockaddr_in x = ipv4(198, 51, 100, 1);
        struct tw_http_auth *a = NULL;
        int64_t t = NOW;
        unsigned retry = 0;

        (void)state;
        tw_test_bcrypt("right", 4, h, sizeof(h));
        assert_int_equal(tw_http_auth_new(&user, 1, &a), 0);
        for (int i = 0; i < 12; i++) {
                assert_int_equal(
                        tw_http_auth_check(a, (struct sockaddr *)&x, "prom", "no", t, NULL),
                        TW_HTTP_AUTH_DENIED);
                assert_int_equal(
                        tw_http_auth_check(a, (struct sockaddr *)&x, "prom", "no", t, &retry),
                        TW_HTTP_AUTH_THROTTLED);
                assert_true(retry >= 1 && retry <= TW_HTTP_AUTH_LOCK_MAX);
                t += retry;
        }
        assert_int_equal(retry, TW_HTTP_AUTH_LOCK_MAX);
        t += TW_HTTP_AUTH_FORGET;
        assert_int_equal(tw_http_auth_check(a, (struct sockaddr *)&x, "prom", "no", t, NULL),
                         TW_HTTP_AUTH_DENIED);
        assert_int_equal(tw_http_auth_check(a, (struct sockaddr *)&x, "prom", "no", t, &retry),
                         TW_HTTP_AUTH_THROTTLED);
        assert_int_equal(retry, 1);
        /* More failing addresses than the table holds: each still gets its
         * bcrypt run and answer; the table stays bounded. */
        for (unsigned i = 0; i < TW_HTTP_AUTH_THROTTLE_SIZE + 8; i++) {
                struct sockaddr_in y = ipv4(10, 1, (unsigned char)(i >> 8), (unsigned char)i);

                assert_int_equal(
                        tw_http_auth_check(a, (struct sockaddr *)&y, "prom", "no", t + 1, NULL),
                        TW_HTTP_AUTH_DENIED);
        }
        tw_http_auth_free(a);
}

static void test_rejects_non_bcrypt(void **state)
{
        static char too_costly[128];
        const char *const bad[] = {
                "plaintext",
                "$6$saltsalt$0123456789012345678901234567890123456789012345678901",
                "$2y$04$tooshort",
                too_costly,
        };

        (void)state;
        /* A valid cost-13 hash, made from a cost-4 one (bcrypt is not run). */
        tw_test_bcrypt("pw", 4, too_costly, sizeof(too_costly));
        memcpy(too_costly + 4, "13", 2);
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
                cmocka_unit_test(test_throttle),
                cmocka_unit_test(test_throttle_bounds),
                cmocka_unit_test(test_rejects_non_bcrypt),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
