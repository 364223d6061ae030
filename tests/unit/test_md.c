/* The one Markdown escaper and writer (lib/md.c): each rule of the escaper
 * by a named case, where a line starts and where it does not, and the
 * writer's tables and sticky error. */
#include "lib/md.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct escape_case {
        const char *name;
        const char *before; /* already in the buffer: NULL or "" is a line start */
        const char *in;
        const char *want; /* what is appended */
};

static const struct escape_case escape_cases[] = {
        {"plain", NULL, "ci deploy", "ci deploy"},
        {"pipe: no cell break", NULL, "a|b", "a\\|b"},
        {"backslash before pipe", NULL, "a\\|b", "a\\\\\\|b"},
        {"html: no '<' at all", NULL, "<script>alert(1)</script>",
         "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"autolink", NULL, "<https://evil.example|click>", "&lt;https://evil.example\\|click&gt;"},
        {"entity stays text", NULL, "&lt;", "&amp;lt;"},
        {"emphasis", NULL, "*bold* _it_ ~x~", "\\*bold\\* \\_it\\_ \\~x\\~"},
        {"code and link", NULL, "`x` [a](http://e)", "\\`x\\` \\[a\\](http://e)"},
        {"mention", NULL, "@security-team", "\\@security-team"},
        {"one line", NULL, "a\nb\r\nc\td", "a b  c d"},
        {"terminal escape", NULL, "\x1b[2J", "?\\[2J"},
        {"bidi override", NULL,
         "a\xe2\x80\xae"
         "b",
         "a?b"},
        {"C1 control", NULL,
         "a\xc2\x85"
         "b",
         "a?b"},
        {"invalid byte", NULL,
         "a\xff"
         "b",
         "a?b"},
        {"overlong", NULL, "\xc0\xaf", "??"},
        {"emoji kept", NULL, "\xf0\x9f\x9a\x80", "\xf0\x9f\x9a\x80"},
        {"quotes kept", NULL, "\"q\" 'q'", "\"q\" 'q'"},
        {"list marker at a line start", NULL, "- item", "\\- item"},
        {"plus at a line start", "x\n", "+ item", "\\+ item"},
        {"heading at a line start", "", "# title", "\\# title"},
        {"a dash inside a line", "| ", "-", "-"},
        {"a dash inside a word", NULL, "a-b", "a-b"},
        {"NULL", NULL, NULL, ""},
};

static void test_escape(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(escape_cases); i++) {
                const struct escape_case *c = &escape_cases[i];
                size_t len0 = c->before ? strlen(c->before) : 0;
                struct tw_buf b;

                tw_buf_init(&b, 0);
                if (c->before)
                        assert_int_equal(tw_buf_adds(&b, c->before), 0);
                assert_int_equal(tw_md_escape(&b, c->in), 0);
                if (strcmp(b.ptr ? b.ptr + len0 : "", c->want) != 0)
                        fail_msg("%s: got \"%s\"", c->name, b.ptr ? b.ptr + len0 : "");
                tw_buf_done(&b);
        }
}

static void test_table(void **state)
{
        static const char *const titles[] = {"Finding", "Critical", "Note"};
        static const char *const blank[] = {"", ""};
        struct tw_buf b;
        struct tw_md m;

        (void)state;
        tw_buf_init(&b, 0);
        tw_md_init(&m, &b);
        tw_md_table(&m, titles, ARRAY_SIZE(titles), "lrl");
        tw_md_cell(&m, "a|b");
        tw_md_cell_raw(&m, "3");
        tw_md_cell(&m, NULL);
        tw_md_row_end(&m);
        tw_md_table(&m, blank, ARRAY_SIZE(blank), NULL);
        assert_int_equal(m.r, 0);
        assert_string_equal(b.ptr, "| Finding | Critical | Note |\n|---|---:|---|\n"
                                   "| a\\|b | 3 |  |\n"
                                   "| | |\n|---|---|\n");
        tw_buf_done(&b);
}

/* The first error sticks: nothing is appended after it. */
static void test_sticky_error(void **state)
{
        struct tw_buf b;
        struct tw_md m;

        (void)state;
        tw_buf_init(&b, 8);
        tw_md_init(&m, &b);
        tw_md_raw(&m, "# ");
        tw_md_text(&m, "far too long for eight bytes");
        assert_int_equal(m.r, -E2BIG);
        tw_md_raw(&m, "x");
        tw_md_printf(&m, "%d", 1);
        tw_md_cell(&m, "y");
        assert_int_equal(m.r, -E2BIG);
        assert_true(b.len <= 8);
        tw_buf_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_sticky_error),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
