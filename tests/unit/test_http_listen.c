/* Listen address parsing and the loopback check of the metrics server.
 * check-config (tw_parse_listen) and the server (tw_listen_parse) must
 * agree on every case: "::1:9842" once passed the first and failed the
 * second at `run`. */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core/config/values.h"
#include "core/config/listen.h"

static void test_listen_parse(void **state)
{
        static const struct {
                const char *name;
                const char *in;
                int ret;
                int family;
                const char *addr;
                unsigned port;
                bool loopback;
        } cases[] = {
                {"default", "127.0.0.1:9842", 0, AF_INET, "127.0.0.1", 9842, true},
                {"port 0", "127.0.0.1:0", 0, AF_INET, "127.0.0.1", 0, true},
                {"bare port", "9842", 0, AF_INET, "127.0.0.1", 9842, true},
                {"bare port 0", "0", 0, AF_INET, "127.0.0.1", 0, true},
                {"all interfaces", ":9842", 0, AF_INET, "0.0.0.0", 9842, false},
                {"ipv6 loopback", "[::1]:9842", 0, AF_INET6, "::1", 9842, true},
                {"ipv6 any", "[::]:80", 0, AF_INET6, "::", 80, false},
                {"other loopback", "127.1.2.3:1", 0, AF_INET, "127.1.2.3", 1, true},
                {"lan address", "192.168.1.5:9842", 0, AF_INET, "192.168.1.5", 9842, false},
                {"localhost", "localhost:9842", 0, 0, NULL, 9842, true},
                {"empty", "", -EINVAL, 0, NULL, 0, false},
                {"no port", "127.0.0.1:", -EINVAL, 0, NULL, 0, false},
                {"port too big", "127.0.0.1:65536", -EINVAL, 0, NULL, 0, false},
                {"port not numeric", "127.0.0.1:http", -EINVAL, 0, NULL, 0, false},
                {"negative port", "127.0.0.1:-1", -EINVAL, 0, NULL, 0, false},
                {"ipv6 without brackets", "::1:9842", -EINVAL, 0, NULL, 0, false},
                {"ipv6 any without brackets", ":::9842", -EINVAL, 0, NULL, 0, false},
                {"ipv4 in brackets", "[127.0.0.1]:9842", -EINVAL, 0, NULL, 0, false},
                {"garbage in brackets", "[nope]:9842", -EINVAL, 0, NULL, 0, false},
                {"host with a space", "local host:9842", -EINVAL, 0, NULL, 0, false},
                {"port with a sign", "127.0.0.1:+80", -EINVAL, 0, NULL, 0, false},
                {"long port", "127.0.0.1:000009842", -EINVAL, 0, NULL, 0, false},
                {"unclosed bracket", "[::1:9842", -EINVAL, 0, NULL, 0, false},
                {"bracket without port", "[::1]", -EINVAL, 0, NULL, 0, false},
                {"bad address", "300.1.1.1:80", -EINVAL, 0, NULL, 0, false},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sockaddr_storage ss;
                socklen_t len = 0;
                char text[INET6_ADDRSTRLEN];
                unsigned port;
                int r = tw_listen_parse(cases[i].in, &ss, &len);
                const char *why = NULL;

                if (r != cases[i].ret)
                        fail_msg("%s: returned %d, want %d", cases[i].name, r, cases[i].ret);
                if (tw_parse_listen(cases[i].in, &why) != r)
                        fail_msg("%s: check-config and the server disagree", cases[i].name);
                if (r < 0)
                        continue;
                if (cases[i].family && ss.ss_family != cases[i].family)
                        fail_msg("%s: family %d", cases[i].name, ss.ss_family);
                if (ss.ss_family == AF_INET) {
                        struct sockaddr_in *in = (struct sockaddr_in *)&ss;

                        inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
                        port = ntohs(in->sin_port);
                } else {
                        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

                        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
                        port = ntohs(in6->sin6_port);
                }
                if (cases[i].addr && strcmp(text, cases[i].addr) != 0)
                        fail_msg("%s: address %s", cases[i].name, text);
                if (port != cases[i].port)
                        fail_msg("%s: port %u", cases[i].name, port);
                if (tw_sockaddr_is_loopback((struct sockaddr *)&ss) != cases[i].loopback)
                        fail_msg("%s: loopback wrong", cases[i].name);
        }
}

/* What check-config tells a person who wrote an IPv6 address bare. */
static void test_ipv6_hint(void **state)
{
        struct tw_listen_addr a;
        const char *why = NULL;

        (void)state;
        assert_int_equal(tw_listen_addr_parse("::1:9842", &a, &why), -EINVAL);
        assert_non_null(strstr(why, "[::1]:9842"));
        assert_int_equal(tw_listen_addr_parse("[::1]:9842", &a, &why), 0);
        assert_string_equal(a.host, "::1");
        assert_int_equal(a.port, 9842);
        assert_int_equal(tw_listen_addr_parse(":0", &a, &why), 0);
        assert_string_equal(a.host, "0.0.0.0");
        assert_int_equal(a.port, 0);
}

static void test_mapped_loopback(void **state)
{
        struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};

        (void)state;
        assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr), 1);
        assert_true(tw_sockaddr_is_loopback((struct sockaddr *)&in6));
        assert_int_equal(inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr), 1);
        assert_false(tw_sockaddr_is_loopback((struct sockaddr *)&in6));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ipv6_hint),
                cmocka_unit_test(test_listen_parse),
                cmocka_unit_test(test_mapped_loopback),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
