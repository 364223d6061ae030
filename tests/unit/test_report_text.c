/* The people- and spreadsheet-facing reports: CSV quoting and the formula
 * guard, table alignment and control characters, Markdown escaping. */
#include "exporters/report/report_internal.h"

#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include "exporters/report/report.h"

struct text_case {
        const char *name;
        const char *in;
        const char *want;
};

/* Renders a one-token inventory whose token is named name. */
static char *render_one(enum tw_report_format fmt, const char *name)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_snapshot snap = {.inv = inv};
        struct tw_buf out;

        assert_non_null(inv);
        inv->collected_at = FIX_NOW;
        fix_token(inv, "tok-1", name, "WORKSPACE", "STANDARD", TW_NO_TIME, TW_NO_TIME, NULL, NULL);
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, fmt, &out), 0);
        tw_inventory_free(inv);
        return tw_buf_steal(&out);
}

static void test_csv_cells(void **state)
{
        static const struct text_case cases[] = {
                {"plain", "ci deploy", "ci deploy"},
                {"comma", "a,b", "\"a,b\""},
                {"quotes doubled", "say \"hi\"", "\"say \"\"hi\"\"\""},
                {"only a quote", "\"", "\"\"\"\""},
                {"newline: a blank", "line\nbreak", "line break"},
                {"terminal escape", "a\x1b[2Jb", "a?[2Jb"},
                {"bidi override",
                 "a\xe2\x80\xae"
                 "b",
                 "a?b"},
                {"backslash kept", "a\\b", "a\\b"},
                {"formula =", "=1+2", "'=1+2"},
                {"formula +", "+1", "'+1"},
                {"formula -", "-1", "'-1"},
                {"formula @", "@SUM(A1)", "'@SUM(A1)"},
                {"formula tab", "\t=1", "' =1"},
                {"formula CR", "\r=1", "' =1"},
                {"formula and comma", "=HYPERLINK(\"http://x\",\"y\")",
                 "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
                {"inner = is fine", "a=b", "a=b"},
                {"emoji", "\xf0\x9f\x9a\x80", "\xf0\x9f\x9a\x80"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *csv = render_one(TW_REPORT_CSV, cases[i].in);
                char *row = strstr(csv, "\r\ntok-1,");
                size_t n = strlen(cases[i].want);

                assert_non_null(row);
                row += strlen("\r\ntok-1,");
                if (strncmp(row, cases[i].want, n) != 0 || row[n] != ',')
                        fail_msg("%s: got row \"%s\"", cases[i].name, row);
                free(csv);
        }
}

/* A strict RFC 4180 reader: fills fields[rec][field] (pointers into a copy),
 * fails on a bare CR or LF outside quotes or a stray quote. */
#define MAX_REC 8
#define MAX_FIELD 20
static size_t parse_csv(char *s, char *fields[MAX_REC][MAX_FIELD], size_t *n_fields)
{
        size_t rec = 0, f = 0;
        char *w = s;

        for (;;) {
                assert_true(rec < MAX_REC && f < MAX_FIELD);
                fields[rec][f] = w;
                if (*s == '"') {
                        for (s++;; s++) {
                                assert_true(*s != '\0'); /* unterminated quote */
                                if (*s == '"' && s[1] == '"')
                                        *w++ = *s++;
                                else if (*s == '"')
                                        break;
                                else
                                        *w++ = *s;
                        }
                        s++;
                } else {
                        while (*s && *s != ',' && *s != '\r') {
                                assert_true(*s != '\n' && *s != '"');
                                *w++ = *s++;
                        }
                }
                if (*s == ',') {
                        *w++ = '\0';
                        s++;
                        f++;
                        continue;
                }
                assert_true(s[0] == '\r' && s[1] == '\n');
                *w++ = '\0';
                s += 2;
                n_fields[rec++] = f + 1;
                f = 0;
                if (!*s)
                        return rec;
        }
}

static void test_csv_parse_back(void **state)
{
        static const char *const header[] = {
                "id",         "name",       "scope",           "kind",
                "roles",      "created_by", "owner",           "owner_source",
                "created_at", "expires_at", "last_used_at",    "worst_severity",
                "findings",   "suppressed", "organization_id", "usage_source",
        };
        char *csv = fix_render(TW_REPORT_CSV, true, NULL);
        char *fields[MAX_REC][MAX_FIELD];
        size_t n_fields[MAX_REC];
        size_t n = parse_csv(csv, fields, n_fields);

        (void)state;
        assert_int_equal(n, 5);
        for (size_t r = 0; r < n; r++)
                assert_int_equal(n_fields[r], 16);
        for (size_t f = 0; f < 16; f++)
                assert_string_equal(fields[0][f], header[f]);
        assert_string_equal(fields[1][0], "tok-a");
        assert_string_equal(fields[1][4], "WORKSPACE:Data \"Eng\" | team:WORKSPACE_OPERATOR");
        assert_string_equal(fields[1][5], "Alice A");
        assert_string_equal(fields[1][6], "data-eng");
        assert_string_equal(fields[1][7], "description");
        assert_string_equal(fields[1][11], "critical");
        assert_string_equal(fields[1][12], "expiring:critical");
        /* The hostile name: its newline and CR blanks, its escape and bidi
         * override '?' (control and bidirectional characters never reach a
         * spreadsheet), its formula guarded. */
        assert_string_equal(fields[2][1], "'=evil \"quote\" \\back\\slash\\ newline | <b>x</b> "
                                          "*_[]` @team ?[31mred  ?txt.exe \xf0\x9f\x9a\x80");
        assert_string_equal(fields[2][4], "ORGANIZATION:org-1:ORGANIZATION_OWNER; "
                                          "WORKSPACE:ws-gone:WORKSPACE_OWNER");
        assert_string_equal(fields[2][6], ""); /* a hostile team is no team */
        assert_string_equal(fields[2][7], "none");
        assert_string_equal(fields[2][9], ""); /* never expires */
        assert_string_equal(fields[2][12], "no_expiry:warning; orphaned:warning");
        assert_string_equal(fields[2][13], "over_privileged:critical");
        assert_string_equal(fields[3][4], "DEPLOYMENT:prod:CUSTOM_DEPLOYER (custom)");
        assert_string_equal(fields[4][5], "");
        assert_string_equal(fields[4][11], "none");
        assert_string_equal(fields[4][15], ""); /* no usage origin: nothing said */
        free(csv);
}

static void test_terminal_text(void **state)
{
        static const struct {
                const char *name;
                const char *in;
                size_t max;
                const char *want;
                size_t want_width;
        } cases[] = {
                {"plain", "abc", 10, "abc", 3},
                {"exact fit", "abcde", 5, "abcde", 5},
                {"cut with ellipsis", "abcdef", 5, "abcd\xe2\x80\xa6", 5},
                {"emoji takes two cells", "\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80", 4,
                 "\xf0\x9f\x9a\x80\xe2\x80\xa6", 3},
                {"emoji fits exactly", "\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80", 4,
                 "\xf0\x9f\x9a\x80\xf0\x9f\x9a\x80", 4},
                {"CJK wide", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5,
                 "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6", 5},
                {"combining mark", "e\xcc\x81tude", 5, "e\xcc\x81tude", 5},
                {"two-byte kept", "caf\xc3\xa9", 4, "caf\xc3\xa9", 4},
                {"newline and CR", "a\nb\rc", 10, "a?b?c", 5},
                {"terminal escape", "\x1b[31mred", 20, "?[31mred", 8},
                {"C1 CSI",
                 "a\xc2\x9b"
                 "2J",
                 10, "a?2J", 4},
                {"DEL", "a\x7f", 10, "a?", 2},
                {"bidi override", "\xe2\x80\xaetxt", 10, "?txt", 4},
                {"invalid byte", "a\xff", 10, "a?", 2},
                {"overlong slash", "\xc0\xaf", 10, "??", 2},
                {"truncated sequence", "\xe2\x82", 10, "??", 2},
                {"surrogate", "\xed\xa0\x80", 10, "???", 3},
                {"NULL", NULL, 10, "", 0},
                {"width 1", "abc", 1, "\xe2\x80\xa6", 1},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_buf b;
                size_t w = 99;

                tw_buf_init(&b, 0);
                assert_int_equal(tw_report_add_terminal(&b, cases[i].in, cases[i].max, &w), 0);
                if (strcmp(b.ptr ? b.ptr : "", cases[i].want) != 0 || w != cases[i].want_width)
                        fail_msg("%s: got \"%s\" width %zu", cases[i].name, b.ptr ? b.ptr : "", w);
                tw_buf_done(&b);
        }
}

/* The codepoint offset of needle in line, or -1. */
static long cp_offset(const char *line, const char *needle)
{
        const char *p = strstr(line, needle);
        long n = 0;

        if (!p)
                return -1;
        for (const char *q = line; q < p; q++)
                n += ((unsigned char)*q & 0xC0) != 0x80;
        return n;
}

/* The byte at codepoint offset cp of line (first byte of that codepoint). */
static char cp_at(const char *line, long cp)
{
        long n = -1;

        for (const char *q = line; *q && *q != '\n'; q++) {
                n += ((unsigned char)*q & 0xC0) != 0x80;
                if (n == cp)
                        return *q;
        }
        return '\0';
}

static void test_table_layout(void **state)
{
        static const char *const titles[] = {"TOKEN",   "SCOPE",     "ROLE",
                                             "EXPIRES", "LAST USED", "FINDINGS"};
        static const char *const rows_in_order[] = {"dag runner", "ci deploy", "=evil", "abcdef"};
        char *text = fix_render(TW_REPORT_TABLE, true, NULL);
        char *head = strstr(text, "\nSEVERITY"), *line;

        (void)state;
        assert_non_null(head);
        head++;
        assert_non_null(strstr(text, "Organization org-1 at 2025-06-15T15:06:40Z: 4 tokens"));
        assert_non_null(strstr(text, "4 tokens: 2 critical, 1 warning"));
        /* Nothing a terminal would act on. */
        for (const unsigned char *p = (const unsigned char *)text; *p; p++)
                if (*p < 0x20 && *p != '\n')
                        fail_msg("control byte 0x%02x at %zu", *p,
                                 (size_t)(p - (unsigned char *)text));
        assert_null(strstr(text, "\xe2\x80\xae"));
        assert_null(strstr(text, "\xc2\x9b"));
        /* The 300-character name is cut to the column's 40, ending in "…". */
        assert_non_null(strstr(text, "abcdefghijklmnopqrstuvwxyzabcdefghijklm\xe2\x80\xa6  -  "));
        /* Worst first, every column starting where its title does. */
        line = strchr(head, '\n') + 1;
        for (size_t r = 0; r < 4; r++) {
                char *end = strchr(line, '\n');

                assert_non_null(end);
                *end = '\0';
                if (cp_offset(line, rows_in_order[r]) != 10)
                        fail_msg("row %zu is not \"%s\": %s", r, rows_in_order[r], line);
                for (size_t c = 0; c < sizeof(titles) / sizeof(titles[0]); c++) {
                        long at = cp_offset(head, titles[c]);

                        if (cp_at(line, at - 1) != ' ' || cp_at(line, at) == ' ')
                                fail_msg("row %zu: column %s not at %ld: %s", r, titles[c], at,
                                         line);
                }
                line = end + 1;
        }
        free(text);
}

/* Cell separators: pipes not escaped by a backslash. */
static size_t count_pipes(const char *line, const char *end)
{
        size_t n = 0;

        for (const char *p = line; p < end; p++) {
                if (*p == '\\') {
                        p++;
                        continue;
                }
                n += *p == '|';
        }
        return n;
}

static void test_markdown_structure(void **state)
{
        static const char *const sections[] = {
                "# Token security review: org-1",
                "| Policy | expiring:",
                "## Summary",
                "### expired",
                "### expiring",
                "### no_expiry",
                "### orphaned",
                "## Tokens",
                "## Suppressions",
                "| tok-zzz | all |",
                "## Errors",
        };
        char *text = fix_render(TW_REPORT_MARKDOWN, true, NULL);
        const char *prev = text, *line = text;
        size_t want_pipes = 0;

        (void)state;
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
                const char *p = strstr(prev, sections[i]);

                if (!p)
                        fail_msg("\"%s\" missing or out of order", sections[i]);
                prev = p;
        }
        /* No HTML, no control characters; every row of a table has its header's cells. */
        assert_null(strpbrk(text, "<>\x1b\r"));
        while (*line) {
                const char *end = strchr(line, '\n');

                assert_non_null(end);
                if (*line != '|')
                        want_pipes = 0;
                else if (want_pipes == 0)
                        want_pipes = count_pipes(line, end);
                else if (count_pipes(line, end) != want_pipes)
                        fail_msg("row breaks its table: %.*s", (int)(end - line), line);
                line = end + 1;
        }
        free(text);
}

static void test_worst_first(void **state)
{
        struct tw_inventory *inv = fix_inventory();
        struct tw_evaluation *ev = fix_evaluation();
        struct tw_snapshot snap = {.inv = inv, .ev = ev};
        size_t *order = NULL;

        (void)state;
        assert_int_equal(tw_report_worst_first(&snap, &order), 0);
        /* expired tok-c, then tok-a expiring sooner than never; tok-b's critical is suppressed. */
        assert_int_equal(order[0], 2);
        assert_int_equal(order[1], 0);
        assert_int_equal(order[2], 1);
        assert_int_equal(order[3], 3);
        free(order);
        snap.ev = NULL; /* no severities: soonest expiry first, never last */
        assert_int_equal(tw_report_worst_first(&snap, &order), 0);
        assert_int_equal(order[0], 2);
        assert_int_equal(order[1], 0);
        assert_int_equal(order[2], 3);
        assert_int_equal(order[3], 1);
        free(order);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_csv_cells),          cmocka_unit_test(test_csv_parse_back),
                cmocka_unit_test(test_terminal_text),      cmocka_unit_test(test_table_layout),
                cmocka_unit_test(test_markdown_structure), cmocka_unit_test(test_worst_first),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
