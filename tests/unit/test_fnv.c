/* lib/fnv: FNV's published FNV-1a 64-bit test vectors (the audit-log
 * cursor persists these hashes, so they are pinned); the string form and
 * the continued form agree with the byte form. */
#include "lib/fnv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_values(void **state)
{
        static const struct {
                const char *name, *data;
                size_t len;
                uint64_t want;
        } cases[] = {
                {"empty: the offset basis", "", 0, 0xcbf29ce484222325ULL},
                {"one byte", "a", 1, 0xaf63dc4c8601ec8cULL},
                {"a word", "foobar", 6, 0x85944171f73967e8ULL},
                {"a NUL inside", "a\0b", 3, 0xe5d29919042666b2ULL},
                {"high bytes", "\xff\xfe", 2, 0x0a99c807b6f645b0ULL},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t h = tw_fnv1a(cases[i].data, cases[i].len);

                if (h != cases[i].want)
                        fail_msg("%s: %016llx, want %016llx", cases[i].name, (unsigned long long)h,
                                 (unsigned long long)cases[i].want);
                if (strlen(cases[i].data) == cases[i].len && tw_fnv1a_str(cases[i].data) != h)
                        fail_msg("%s: the string form differs", cases[i].name);
                for (size_t cut = 0; cut <= cases[i].len; cut++)
                        if (tw_fnv1a_more(tw_fnv1a(cases[i].data, cut), cases[i].data + cut,
                                          cases[i].len - cut) != h)
                                fail_msg("%s: continued after %zu bytes, it differs", cases[i].name,
                                         cut);
        }
        assert_true(tw_fnv1a("ab", 2) != tw_fnv1a("ba", 2));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
