/* lib/utf8: the one decoder (RFC 3629's rules, each refusal by name) and
 * the cut at a character boundary. */
#include "lib/utf8.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_decode(void **state)
{
        static const struct {
                const char *name, *s;
                size_t n; /* 0: strlen(s) + 1 (the NUL counts) */
                size_t len;
                uint32_t cp;
        } cases[] = {
                {"ascii", "A", 0, 1, 0x41},
                {"NUL", "", 0, 1, 0},
                {"DEL", "\x7f", 0, 1, 0x7f},
                {"two bytes", "\xc3\xa9", 0, 2, 0xe9},
                {"C1 control decodes", "\xc2\x85", 0, 2, 0x85},
                {"three bytes", "\xe2\x82\xac", 0, 3, 0x20ac},
                {"four bytes", "\xf0\x9f\x98\x80", 0, 4, 0x1f600},
                {"last code point", "\xf4\x8f\xbf\xbf", 0, 4, 0x10ffff},
                {"last before surrogates", "\xed\x9f\xbf", 0, 3, 0xd7ff},
                {"first after surrogates", "\xee\x80\x80", 0, 3, 0xe000},
                {"BOM", "\xef\xbb\xbf", 0, 3, 0xfeff},
                {"lone continuation", "\x80", 0, 0, 0},
                {"overlong C0", "\xc0\xaf", 0, 0, 0},
                {"overlong C1", "\xc1\xbf", 0, 0, 0},
                {"overlong three", "\xe0\x9f\xbf", 0, 0, 0},
                {"overlong four", "\xf0\x8f\xbf\xbf", 0, 0, 0},
                {"surrogate low end", "\xed\xa0\x80", 0, 0, 0},
                {"surrogate high end", "\xed\xbf\xbf", 0, 0, 0},
                {"past U+10FFFF", "\xf4\x90\x80\x80", 0, 0, 0},
                {"F5 lead", "\xf5\x80\x80\x80", 0, 0, 0},
                {"FF", "\xff", 0, 0, 0},
                {"cut by the NUL", "\xe2\x82", 0, 0, 0},
                {"cut by n", "\xe2\x82\xac", 2, 0, 0},
                {"ASCII second byte",
                 "\xc3"
                 "A",
                 0, 0, 0},
                {"SIZE_MAX on a C string", "\xc3\xa9", SIZE_MAX, 2, 0xe9},
                {"SIZE_MAX stops at the NUL", "\xf0\x9f\x98", SIZE_MAX, 0, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = cases[i].n ? cases[i].n : strlen(cases[i].s) + 1;
                uint32_t cp = 0xdeadbeef;
                size_t len = tw_utf8_decode(cases[i].s, n, &cp);

                if (len != cases[i].len)
                        fail_msg("%s: length %zu, want %zu", cases[i].name, len, cases[i].len);
                if (len && cp != cases[i].cp)
                        fail_msg("%s: U+%04X, want U+%04X", cases[i].name, (unsigned)cp,
                                 (unsigned)cases[i].cp);
                if (!len && cp != 0xdeadbeef)
                        fail_msg("%s: code point written on failure", cases[i].name);
                if (tw_utf8_decode(cases[i].s, n, NULL) != len)
                        fail_msg("%s: differs without ret_cp", cases[i].name);
        }
        assert_int_equal(tw_utf8_decode("A", 0, NULL), 0); /* nothing to read */
}

static void test_valid(void **state)
{
        static const struct {
                const char *name, *s;
                size_t n;
                bool valid;
        } cases[] = {
                {"empty", "", 0, true},
                {"ascii", "token-1", 7, true},
                {"mixed", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, true},
                {"NUL inside", "a\0b", 3, true},
                {"bad byte at the end", "abc\xff", 4, false},
                {"cut at the end", "abc\xe2\x82", 5, false},
                {"surrogate inside", "a\xed\xa0\x80z", 5, false},
                {"a prefix of a cut string", "abc\xe2\x82", 3, true},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (tw_utf8_valid(cases[i].s, cases[i].n) != cases[i].valid)
                        fail_msg("%s: want %s", cases[i].name,
                                 cases[i].valid ? "valid" : "invalid");
}

static void test_is_control(void **state)
{
        static const struct {
                uint32_t cp;
                bool control;
        } cases[] = {
                {0x00, true},  {0x0A, true},  {0x1F, true},    {0x20, false},
                {0x7E, false}, {0x7F, true},  {0x80, true},    {0x85, true},
                {0x9F, true},  {0xA0, false}, {0x202E, false}, {0x10FFFF, false},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (tw_utf8_is_control(cases[i].cp) != cases[i].control)
                        fail_msg("U+%04X: want %s", (unsigned)cases[i].cp,
                                 cases[i].control ? "control" : "not control");
}

/* A walk with tw_utf8_next(): every byte is passed, a bad one alone. */
static void test_next(void **state)
{
        static const struct {
                const char *name, *s;
                size_t want_len;
                uint32_t want_cp;
        } cases[] = {
                {"ascii", "a", 1, 'a'},
                {"the NUL", "", 1, 0},
                {"two bytes", "\xc3\xa9", 2, 0xE9},
                {"four bytes", "\xf0\x9f\x98\x80", 4, 0x1F600},
                {"a lone continuation byte",
                 "\x80"
                 "a",
                 1, TW_UTF8_INVALID},
                {"an overlong lead", "\xc0\xaf", 1, TW_UTF8_INVALID},
                {"cut short by the NUL", "\xe2\x82", 1, TW_UTF8_INVALID},
                {"a surrogate", "\xed\xa0\x80", 1, TW_UTF8_INVALID},
                {"past U+10FFFF", "\xf4\x90\x80\x80", 1, TW_UTF8_INVALID},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint32_t cp = 0;
                size_t len = tw_utf8_next(cases[i].s, &cp);

                if (len != cases[i].want_len || cp != cases[i].want_cp)
                        fail_msg("%s: %zu bytes U+%04X, want %zu bytes U+%04X", cases[i].name, len,
                                 (unsigned)cp, cases[i].want_len, (unsigned)cases[i].want_cp);
        }
}

static void test_is_bidi(void **state)
{
        static const struct {
                uint32_t cp;
                bool bidi;
        } cases[] = {
                {0x061B, false}, {0x061C, true},  {0x200D, false}, {0x200E, true},
                {0x200F, true},  {0x2029, false}, {0x202A, true},  {0x202E, true},
                {0x202F, false}, {0x2065, false}, {0x2066, true},  {0x2069, true},
                {0x206A, false}, {0x1B, false},   {0x85, false},   {'a', false},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (tw_utf8_is_bidi(cases[i].cp) != cases[i].bidi)
                        fail_msg("U+%04X: want %s", (unsigned)cases[i].cp,
                                 cases[i].bidi ? "bidi" : "not bidi");
}

static void test_cut(void **state)
{
        static const struct {
                const char *name, *s;
                size_t max, want;
        } cases[] = {
                {"fits", "abc", 3, 3},
                {"fits with room", "abc", 10, 3},
                {"ascii", "abcdef", 4, 4},
                {"before a two-byte char", "ab\xc3\xa9z", 2, 2},
                {"inside a two-byte char", "ab\xc3\xa9z", 3, 2},
                {"after a two-byte char", "ab\xc3\xa9z", 4, 4},
                {"inside a four-byte char", "a\xf0\x9f\x98\x80z", 4, 1},
                {"at its first continuation", "a\xf0\x9f\x98\x80z", 2, 1},
                {"all continuation", "\xe2\x82\xac", 2, 0},
                {"max 0", "abc", 0, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t len = strlen(cases[i].s), got = tw_utf8_cut(cases[i].s, len, cases[i].max);

                if (got != cases[i].want)
                        fail_msg("%s: %zu, want %zu", cases[i].name, got, cases[i].want);
                if (!tw_utf8_valid(cases[i].s, got))
                        fail_msg("%s: the prefix is not valid UTF-8", cases[i].name);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode),     cmocka_unit_test(test_valid),
                cmocka_unit_test(test_is_control), cmocka_unit_test(test_is_bidi),
                cmocka_unit_test(test_cut),        cmocka_unit_test(test_next),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
