/* CSV and table output carry no control character and no bidirectional
 * override, isolate or mark (a "Trojan Source" token name must not reorder
 * what a reviewer reads), like the HTML and Markdown writers; the CSV formula
 * guard stays.  The cells of every CSV writer (the report, tokenwatch audit)
 * go through tw_report_add_csv_cell(). */
#include "exporters/report/report_internal.h"

#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"

static void test_csv_cell(void **state)
{
        static const struct {
                const char *name, *in, *want;
        } cases[] = {
                {"plain", "deployer", "deployer,"},
                {"quotes and commas", "a \"b\", c", "\"a \"\"b\"\", c\","},
                {"formula", "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\","},
                {"formula after a tab", "\t=1+1", "' =1+1,"},
                {"formula after blanks", "  @SUM(A1)", "'  @SUM(A1),"},
                {"terminal escape", "a\x1b[31mred", "a?[31mred,"},
                {"newline, CR and tab: blanks", "a\nb\rc\td", "a b c d,"},
                {"bidi override",
                 "txt\xe2\x80\xae"
                 "exe.sh",
                 "txt?exe.sh,"},
                {"bidi isolate and marks", "\xe2\x81\xa6x\xe2\x81\xa9\xe2\x80\x8f\xd8\x9c",
                 "?x???,"},
                {"C1 and DEL", "a\xc2\x85\x7f", "a??,"},
                {"invalid UTF-8", "a\xff\xc3", "a??,"},
                {"valid UTF-8 kept", "J\xc3\xbcrgen \xf0\x9f\x9a\x80",
                 "J\xc3\xbcrgen \xf0\x9f\x9a\x80,"},
                {"empty", "", ","},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_buf b;

                print_message("%s\n", cases[i].name);
                tw_buf_init(&b, 1 << 20);
                assert_int_equal(tw_report_add_csv_cell(&b, cases[i].in, false), 0);
                assert_string_equal(b.ptr, cases[i].want);
                tw_buf_done(&b);
        }
}

/* No byte below 0x20 but the row ends, no U+202A..E, U+2066..9, U+200E/F, U+061C. */
static void assert_clean(const char *text, size_t len, bool csv)
{
        static const char *const bidi[] = {"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
                                           "\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6",
                                           "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9",
                                           "\xe2\x80\x8e", "\xe2\x80\x8f", "\xd8\x9c"};

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)text[i];

                if (c == '\n' && (!csv || (i > 0 && text[i - 1] == '\r')))
                        continue;
                if (c == '\r' && csv && i + 1 < len && text[i + 1] == '\n')
                        continue;
                if (c < 0x20 || c == 0x7f)
                        fail_msg("control byte 0x%02x at %zu", c, i);
        }
        for (size_t k = 0; k < sizeof(bidi) / sizeof(bidi[0]); k++)
                assert_null(strstr(text, bidi[k]));
}

static void test_whole_reports(void **state)
{
        static const struct {
                enum tw_report_format fmt;
                bool csv;
        } cases[] = {{TW_REPORT_CSV, true}, {TW_REPORT_TABLE, false}};

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t len;
                char *text = fix_render(cases[i].fmt, true, &len);

                assert_non_null(strstr(text, "=evil")); /* the hostile name is there */
                assert_clean(text, len, cases[i].csv);
                free(text);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_csv_cell),
                cmocka_unit_test(test_whole_reports),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
