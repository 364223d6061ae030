/* URLs through libcurl's parser (lib/url.c): the host the sender names in
 * its messages, and the check the configuration makes. */
#include "lib/url.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_host(void **state)
{
        static const struct {
                const char *name, *url;
                int error;
                const char *host;
        } cases[] = {
                {"https", "https://hooks.example/services/T0K3N", 0, "hooks.example"},
                {"port and path", "https://hooks.example:8443/x?y#z", 0, "hooks.example"},
                {"lowercased", "HTTPS://Hooks.EXAMPLE/x", 0, "hooks.example"},
                {"userinfo skipped", "https://user:pw@am.example/", 0, "am.example"},
                {"ipv4", "http://127.0.0.1:9000/hook", 0, "127.0.0.1"},
                {"ipv6 without brackets", "http://[::1]:9093", 0, "::1"},
                {"ipv6 zone dropped", "http://[fe80::1%25eth0]/", 0, "fe80::1"},
                {"a name like an address", "http://127.0.0.1.evil.example/", 0,
                 "127.0.0.1.evil.example"},
                {"empty", "", -EPROTONOSUPPORT, NULL},
                {"no scheme", "hooks.example/x", -EPROTONOSUPPORT, NULL},
                {"ftp", "ftp://files.example/", -EPROTONOSUPPORT, NULL},
                {"mailto", "mailto:ops@example.com", -EPROTONOSUPPORT, NULL},
                {"no host", "https://", -EINVAL, NULL},
                {"port only", "https://:443/", -EINVAL, NULL},
                {"bad port", "https://hooks.example:99999/", -EINVAL, NULL},
                {"space", "https://hooks.example/a b", -EINVAL, NULL},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *host = NULL;
                int r = tw_url_host(cases[i].url, &host);

                if (r != cases[i].error)
                        fail_msg("%s: %d, want %d", cases[i].name, r, cases[i].error);
                if (cases[i].host && (!host || strcmp(host, cases[i].host) != 0))
                        fail_msg("%s: host %s, want %s", cases[i].name, host ? host : "(null)",
                                 cases[i].host);
                if (!cases[i].host && host)
                        fail_msg("%s: host written on failure", cases[i].name);
                free(host);
        }
}

static void test_check(void **state)
{
        static const struct {
                const char *name, *url;
                int want;
        } cases[] = {
                {"https anywhere", "https://api.astronomer.io", 0},
                {"http to 127.0.0.1", "http://127.0.0.1:8080/api", 0},
                {"http to 127.x.y.z", "http://127.1.2.3/", 0},
                {"http to ::1", "http://[::1]:9093", 0},
                {"http to localhost", "http://localhost:9094", 0},
                {"http to LOCALHOST", "http://LOCALHOST:9094", 0},
                {"http to a remote host", "http://hooks.example/x", -EPERM},
                {"http to a name like 127.x", "http://127.0.0.1.evil.example/x", -EPERM},
                {"http to localhost.evil", "http://localhost.evil.example/", -EPERM},
                {"http to 128.0.0.1", "http://128.0.0.1/", -EPERM},
                {"http to ::2", "http://[::2]/", -EPERM},
                {"ftp", "ftp://127.0.0.1/", -EPROTONOSUPPORT},
                {"no host", "http://", -EINVAL},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = tw_url_check(cases[i].url);

                if (r != cases[i].want)
                        fail_msg("%s: %d, want %d", cases[i].name, r, cases[i].want);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_host),
                cmocka_unit_test(test_check),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
