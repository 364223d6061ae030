/* lib/fnv: the hash values are persisted (the audit-log cursor), so they
 * are pinned here; the string form agrees with the byte form. */
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
                {"empty: the offset basis", "", 0, 0x14650fb0739d0383ULL},
                {"one byte", "a", 1, 0x44bd8ad473cd9906ULL},
                {"a word", "foobar", 6, 0x88fad7c0a8ff07f2ULL},
                {"a NUL inside", "a\0b", 3, 0xe02908510caa06f0ULL},
                {"high bytes", "\xff\xfe", 2, 0x9a50df00c533cebeULL},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t h = tw_fnv1a(cases[i].data, cases[i].len);

                if (h != cases[i].want)
                        fail_msg("%s: %016llx, want %016llx", cases[i].name, (unsigned long long)h,
                                 (unsigned long long)cases[i].want);
                if (strlen(cases[i].data) == cases[i].len && tw_fnv1a_str(cases[i].data) != h)
                        fail_msg("%s: the string form differs", cases[i].name);
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
