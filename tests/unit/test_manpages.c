/* tokenwatch.ini(5) documents every key the parser knows, and only those:
 * each key of tw_config_key_at() is a term line "*key* ..." under its
 * section's heading "# [section]" ("# [webhook.NAME]" for webhooks), with a
 * "Default:" in its description.  Reads man/tokenwatch.ini.5.scd. */
#include "core/config/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "helpers/helpers.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_MAX ((size_t)1 << 20)

/* The heading a parser section is documented under. */
static void heading_for(const char *section, char *out, size_t size)
{
        snprintf(out, size, "# [%s%s]", section, strcmp(section, "webhook") == 0 ? ".NAME" : "");
}

/* The text between heading (a whole line) and the next "# " heading, as
 * [*ret_start, *ret_end); false when the heading is missing. */
static bool find_block(const char *page, const char *heading, const char **ret_start,
                       const char **ret_end)
{
        size_t hl = strlen(heading);
        const char *p = page, *end;

        for (;;) {
                if (strncmp(p, heading, hl) == 0 && (p[hl] == '\n' || p[hl] == '\0'))
                        break;
                p = strchr(p, '\n');
                if (!p)
                        return false;
                p++;
        }
        p += hl;
        for (end = p; (end = strchr(end, '\n')) != NULL; end++)
                if (end[1] == '#' && end[2] == ' ')
                        break;
        *ret_start = p;
        *ret_end = end ? end + 1 : p + strlen(p);
        return true;
}

/* The line after p, or NULL past end. */
static const char *next_line(const char *p, const char *end)
{
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        return nl && nl + 1 < end ? nl + 1 : NULL;
}

/* Whether the line at p (up to end) contains needle. */
static bool line_has(const char *p, const char *end, const char *needle)
{
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p), n = strlen(needle);

        for (size_t i = 0; i + n <= len; i++)
                if (memcmp(p + i, needle, n) == 0)
                        return true;
        return false;
}

/* Whether block [start, end) has the term line "*key*" and, before the next
 * term line, "Default:". */
static bool documents_key(const char *start, const char *end, const char *key, bool *ret_default)
{
        size_t kl = strlen(key);

        for (const char *p = start; p; p = next_line(p, end)) {
                if (p[0] != '*' || (size_t)(end - p) < kl + 2 || strncmp(p + 1, key, kl) != 0 ||
                    p[kl + 1] != '*')
                        continue;
                *ret_default = false;
                for (const char *q = next_line(p, end); q && q[0] != '*'; q = next_line(q, end))
                        if (line_has(q, end, "Default:"))
                                *ret_default = true;
                return true;
        }
        return false;
}

/* Whether the parser knows key in section. */
static bool parser_knows(const char *section, const char *key, size_t len)
{
        const char *s, *k;

        for (size_t i = 0; (k = tw_config_key_at(i, &s)) != NULL; i++)
                if (strcmp(s, section) == 0 && strlen(k) == len && strncmp(k, key, len) == 0)
                        return true;
        return false;
}

/* Appends to missing every parser key the page does not document. */
static void check_page(const char *page, struct tw_buf *missing)
{
        const char *section, *key, *start, *end;
        char heading[64];
        bool has_default;

        for (size_t i = 0; (key = tw_config_key_at(i, &section)) != NULL; i++) {
                heading_for(section, heading, sizeof(heading));
                if (!find_block(page, heading, &start, &end))
                        tw_buf_printf(missing, "no heading '%s' (for %s)\n", heading, key);
                else if (!documents_key(start, end, key, &has_default))
                        tw_buf_printf(missing, "[%s] %s: not documented\n", section, key);
                else if (!has_default)
                        tw_buf_printf(missing, "[%s] %s: no Default:\n", section, key);
        }
}

/* Appends to stale every term line of a keyed section the parser does not know. */
static void check_no_stale(const char *page, struct tw_buf *stale)
{
        static const char *const sections[] = {"astro",        "agent",   "policy",  "trail",
                                               "audit_logs",   "web",     "webhook", "deliver",
                                               "deliver.NAME", "rotation"};
        const char *start, *end;
        char heading[64];

        for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
                heading_for(sections[i], heading, sizeof(heading));
                if (!find_block(page, heading, &start, &end))
                        continue;
                for (const char *p = start; p; p = next_line(p, end)) {
                        const char *close = p[0] == '*' ? strchr(p + 1, '*') : NULL;

                        if (close && close < end &&
                            !parser_knows(sections[i], p + 1, (size_t)(close - p - 1)))
                                tw_buf_printf(stale,
                                              "[%s] %.*s: documented, parser does not know it\n",
                                              sections[i], (int)(close - p - 1), p + 1);
                }
        }
}

static char *read_page(const char *name)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/man/%s", tw_test_source_dir(), name);
        return tw_test_read_file(path, NULL);
}

static void test_every_key_documented(void **state)
{
        char *page = read_page("tokenwatch.ini.5.scd");
        struct tw_buf problems;
        size_t n = 0;
        const char *s;

        (void)state;
        while (tw_config_key_at(n, &s))
                n++;
        assert_true(n > 30); /* the parser's table really was walked */
        tw_buf_init(&problems, PAGE_MAX);
        check_page(page, &problems);
        check_no_stale(page, &problems);
        if (problems.len)
                fail_msg("man/tokenwatch.ini.5.scd is out of date:\n%s", problems.ptr);
        tw_buf_done(&problems);
        free(page);
}

/* Appends to missing every section of the parser the page has no heading
 * for ("# [name]", "# [name.NAME]" for a family), and every section of old
 * key names it never mentions ("[name]"). */
static void check_sections(const char *page, struct tw_buf *missing)
{
        const char *name, *start, *end;
        bool family, renamed;
        char heading[64];

        for (size_t i = 0; (name = tw_config_section_at(i, &family, &renamed)) != NULL; i++) {
                snprintf(heading, sizeof(heading), "%s[%s%s]", renamed ? "" : "# ", name,
                         family ? ".NAME" : "");
                if (renamed ? !strstr(page, heading) : !find_block(page, heading, &start, &end))
                        tw_buf_printf(missing, "%s: %s\n",
                                      renamed ? "old section not mentioned" : "no heading",
                                      heading);
        }
}

static void test_every_section_documented(void **state)
{
        char *page = read_page("tokenwatch.ini.5.scd");
        struct tw_buf problems;
        bool family, renamed;
        size_t n = 0;

        (void)state;
        while (tw_config_section_at(n, &family, &renamed))
                n++;
        assert_true(n >= 10); /* the parser's registry really was walked */
        tw_buf_init(&problems, PAGE_MAX);
        check_sections(page, &problems);
        if (problems.len)
                fail_msg("man/tokenwatch.ini.5.scd lacks sections:\n%s", problems.ptr);
        tw_buf_done(&problems);
        free(page);
}

static void test_missing_section_caught(void **state)
{
        char *page = read_page("tokenwatch.ini.5.scd");
        struct tw_buf problems;
        char *h;

        (void)state;
        /* the page with its [web.basic_auth_users] and [webhook.NAME] headings renamed */
        h = strstr(page, "\n# [web.basic_auth_users]\n");
        assert_non_null(h);
        memcpy(h + 3, "x", 1);
        h = strstr(page, "\n# [webhook.NAME]\n");
        assert_non_null(h);
        memcpy(h + 3, "x", 1);
        tw_buf_init(&problems, PAGE_MAX);
        check_sections(page, &problems);
        assert_non_null(problems.ptr);
        assert_string_equal(problems.ptr, "no heading: # [web.basic_auth_users]\n"
                                          "no heading: # [webhook.NAME]\n");
        tw_buf_done(&problems);
        tw_buf_init(&problems, PAGE_MAX);
        check_sections("# [astro]\n# [agent]\n", &problems);
        assert_non_null(problems.ptr);
        assert_non_null(strstr(problems.ptr, "old section not mentioned: [audit]\n"));
        assert_non_null(strstr(problems.ptr, "no heading: # [astro.NAME]\n"));
        assert_null(strstr(problems.ptr, "# [agent]"));
        tw_buf_done(&problems);
        free(page);
}

/* The check itself catches each kind of gap. */
struct gap_case {
        const char *name;
        const char *page;
        const char *want;
};

static const struct gap_case gap_cases[] = {
        {"no section heading", "# [agent]\n*interval* = x\n\tDefault: 5m.\n",
         "no heading '# [astro]' (for api_url)"},
        {"key missing", "# [astro]\n*api_version* = v1\n\tDefault: v1.\n",
         "[astro] api_url: not documented"},
        {"key under another section", "# [astro]\n# [agent]\n*api_url* = URL\n\tDefault: x.\n",
         "[astro] api_url: not documented"},
        {"key without a default",
         "# [astro]\n*api_url* = _URL_\n\tThe API.\n*api_version* = v\n"
         "\tDefault: v1.\n",
         "[astro] api_url: no Default:"},
        {"webhook key", "# [webhook.NAME]\n*url* = x\n\tDefault: none.\n",
         "[webhook] url_file: not documented"},
        {"a key in prose only", "# [astro]\nthe api_url key\n", "[astro] api_url: not documented"},
};

static void test_gaps_are_caught(void **state)
{
        struct tw_buf problems;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(gap_cases); i++) {
                tw_buf_init(&problems, PAGE_MAX);
                check_page(gap_cases[i].page, &problems);
                if (!problems.ptr || !strstr(problems.ptr, gap_cases[i].want))
                        fail_msg("%s: want '%s' in:\n%s", gap_cases[i].name, gap_cases[i].want,
                                 problems.ptr ? problems.ptr : "(nothing)");
                tw_buf_done(&problems);
        }
}

static void test_stale_key_caught(void **state)
{
        struct tw_buf problems;

        (void)state;
        tw_buf_init(&problems, PAGE_MAX);
        check_no_stale("# [agent]\n*interval* = x\n\tDefault: 5m.\n*pid_file* = _path_\n"
                       "\tDefault: none.\n# [suppress]\n*free* form\n",
                       &problems);
        assert_non_null(problems.ptr);
        assert_string_equal(problems.ptr,
                            "[agent] pid_file: documented, parser does not know it\n");
        tw_buf_done(&problems);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_key_documented),
                cmocka_unit_test(test_gaps_are_caught),
                cmocka_unit_test(test_stale_key_caught),
                cmocka_unit_test(test_every_section_documented),
                cmocka_unit_test(test_missing_section_caught),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
