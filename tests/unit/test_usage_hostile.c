/* The usage index against hostile audit-log data (core/usage/usage.h): every
 * stored string capped at ingest on a UTF-8 boundary, a persisted index with
 * an over-long field loads without that field, and the copy the daemon
 * publishes is the index itself, not a JSON round trip of it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/usage/auditlog_entry.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ORG "cm9r8jgormxbek92l8s8wppie"
#define TOK "cl4kkvmqolewvmtye5npp4wkt"
#define TOK2 "clfjm8xtjdmzgvoqrzahg9n31"

/* n bytes of "é" (2 bytes each) after one 'a': a cut at an even byte
 * count would split a character. */
static char *long_utf8(size_t n)
{
        char *s = malloc(n + 1);

        assert_non_null(s);
        s[0] = 'a';
        for (size_t i = 1; i + 1 < n; i += 2)
                memcpy(s + i, "\xc3\xa9", 2);
        s[n - (n % 2 == 0)] = '\0';
        return s;
}

static bool valid_utf8(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        while (*p) {
                size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;

                for (size_t i = 1; i < len; i++)
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                p += len;
        }
        return true;
}

/* Adds one entry whose user agent, source IP and request name are `big`. */
static void add_hostile(struct tw_usage *u, const char *subject, const char *method,
                        const char *path, const char *big)
{
        struct tw_auditlog_entry e;
        struct tw_buf line;

        tw_buf_init(&line, 1 << 20);
        assert_int_equal(tw_buf_printf(&line,
                                       "{\"subjectId\":\"%s\",\"subjectType\":\"SERVICEKEY\","
                                       "\"timestamp\":\"2026-11-01T10:00:00Z\",\"sourceIp\":\"%s\","
                                       "\"userAgent\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
                                       "\"requestBody\":{\"name\":\"%s\"},\"responseStatus\":200}",
                                       subject, big, big, method, path, big),
                         0);
        assert_int_equal(tw_auditlog_entry_parse(line.ptr, line.len, &e, NULL), 0);
        assert_int_equal(tw_usage_add(u, &e), 0);
        tw_auditlog_entry_done(&e);
        tw_buf_done(&line);
}

static void assert_capped(const char *s)
{
        assert_non_null(s);
        assert_true(strlen(s) <= TW_USAGE_VALUE_MAX);
        assert_true(valid_utf8(s));
        assert_string_equal(s + strlen(s) - 3, "...");
}

static void test_strings_capped_at_ingest(void **state)
{
        static const char *const known[] = {TOK, TOK2};
        const size_t sizes[] = {5000, 5001, TW_USAGE_VALUE_MAX + 1};
        struct tw_buf json;

        (void)state;
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
                struct tw_usage *u = NULL, *back = NULL;
                const struct tw_token_usage *t;
                char *big = long_utf8(sizes[k]);

                print_message("a value of %zu bytes\n", strlen(big));
                assert_int_equal(tw_usage_new(NULL, &u), 0);
                assert_int_equal(tw_usage_set_known_tokens(u, known, 2), 0);
                add_hostile(u, TOK, "GET", "/v1/organizations/" ORG "/deployments", big);
                add_hostile(u, TOK2, "POST", "/v1/organizations/" ORG "/tokens/" TOK "/rotate",
                            big);
                t = tw_usage_find(u, TOK);
                assert_non_null(t);
                assert_int_equal(t->n_agents, 1);
                assert_capped(t->agents[0].value);
                assert_capped(t->ips[0].value);
                assert_int_equal(strncmp(t->agents[0].value, big, 16), 0);
                assert_int_equal(u->n_lifecycle, 1);
                assert_capped(u->lifecycle[0].user_agent);
                assert_capped(u->lifecycle[0].source_ip);
                assert_capped(u->lifecycle[0].token_name);
                /* What is stored loads back. */
                tw_buf_init(&json, 1 << 20);
                assert_int_equal(tw_usage_to_json(u, &json), 0);
                assert_int_equal(tw_usage_from_json(json.ptr, json.len, NULL, &back), 0);
                assert_string_equal(tw_usage_find(back, TOK)->agents[0].value, t->agents[0].value);
                tw_buf_done(&json);
                tw_usage_free(back);
                tw_usage_free(u);
                free(big);
        }
}

static void test_short_values_kept_whole(void **state)
{
        static const char *const known[] = {TOK};
        struct tw_usage *u = NULL;
        char *v = long_utf8(TW_USAGE_VALUE_MAX);

        (void)state;
        assert_true(strlen(v) <= TW_USAGE_VALUE_MAX);
        assert_int_equal(tw_usage_new(NULL, &u), 0);
        assert_int_equal(tw_usage_set_known_tokens(u, known, 1), 0);
        add_hostile(u, TOK, "GET", "/v1/x", v);
        assert_string_equal(tw_usage_find(u, TOK)->agents[0].value, v);
        tw_usage_free(u);
        free(v);
}

/* An index written before the cap: a 5,000-byte user agent in a source and
 * in a lifecycle event. */
static void test_load_drops_overlong_field(void **state)
{
        struct tw_usage *u = NULL;
        struct tw_buf text;
        const struct tw_token_usage *t;
        char *big = malloc(5001);

        (void)state;
        assert_non_null(big);
        memset(big, 'x', 5000);
        big[5000] = '\0';
        tw_buf_init(&text, 1 << 20);
        assert_int_equal(
                tw_buf_printf(&text,
                              "{\"v\":1,\"entries\":3,\"unlinked\":0,\"tokensDropped\":0,"
                              "\"tokens\":[{\"id\":\"t\",\"first\":1,\"last\":2,\"calls\":3,"
                              "\"pushes\":0,\"lastPush\":null,\"ips\":[[\"1.2.3.4\",3,1,2]],"
                              "\"ipsDropped\":0,\"agents\":[[\"%s\",1,1,1],[\"curl\",2,1,2]],"
                              "\"agentsDropped\":0,\"opsDropped\":0,\"ops\":[[\"GET /x\",2,2],"
                              "[\"%s\",1,1]]},{\"id\":\"%s\",\"first\":1,\"last\":1,\"calls\":1,"
                              "\"pushes\":0,\"lastPush\":null,\"ips\":[],\"ipsDropped\":0,"
                              "\"agents\":[],\"agentsDropped\":0,\"opsDropped\":0,\"ops\":[]}],"
                              "\"lifecycle\":[{\"at\":1,\"action\":\"rotated\",\"token\":\"t\","
                              "\"name\":\"%s\",\"actor\":\"u\",\"actorType\":\"USER\",\"ip\":"
                              "\"1.2.3.4\",\"ua\":\"%s\",\"status\":200}]}",
                              big, big, big, big, big),
                0);
        assert_int_equal(tw_usage_from_json(text.ptr, text.len, NULL, &u), 0);
        t = tw_usage_find(u, "t");
        assert_non_null(t);
        assert_int_equal(t->calls, 3);
        /* The long agent is forgotten (counted as dropped: new_source then
         * claims nothing for user agents), the short one stays. */
        assert_int_equal(t->n_agents, 1);
        assert_string_equal(t->agents[0].value, "curl");
        assert_int_equal(t->agents_dropped, 1);
        assert_int_equal(t->n_ops, 1);
        assert_int_equal(t->ops_dropped, 1);
        /* A token whose id is too long is no token we list. */
        assert_int_equal(u->n_tokens, 1);
        assert_int_equal(u->tokens_dropped, 1);
        assert_int_equal(u->n_lifecycle, 1);
        assert_null(u->lifecycle[0].user_agent);
        assert_null(u->lifecycle[0].token_name);
        assert_string_equal(u->lifecycle[0].source_ip, "1.2.3.4");
        tw_usage_free(u);
        tw_buf_done(&text);
        free(big);
}

/* The JSON text of u, for comparing two indexes. */
static char *json_of(const struct tw_usage *u)
{
        struct tw_buf b;
        char *s;

        tw_buf_init(&b, 1 << 20);
        assert_int_equal(tw_usage_to_json(u, &b), 0);
        s = strdup(b.ptr);
        tw_buf_done(&b);
        return s;
}

static void test_copy_and_merge(void **state)
{
        static const char *const known[] = {TOK, TOK2};
        struct tw_usage_limits lim = {.max_lifecycle = 2};
        struct tw_usage *a = NULL, *b = NULL, *c = NULL, *m = NULL;
        char *ja, *jc;

        (void)state;
        assert_int_equal(tw_usage_new(&lim, &a), 0);
        assert_int_equal(tw_usage_set_known_tokens(a, known, 1), 0);
        add_hostile(a, TOK, "POST", "/v1/organizations/" ORG "/tokens/" TOK "/rotate", "ua-a");
        add_hostile(a, TOK, "GET", "/v1/organizations/" ORG "/deployments", "ua-b");
        assert_int_equal(tw_usage_copy(a, &c), 0);
        ja = json_of(a);
        jc = json_of(c);
        assert_string_equal(ja, jc);
        assert_ptr_not_equal(tw_usage_find(c, TOK), tw_usage_find(a, TOK));
        free(ja);
        free(jc);

        /* Another organization's index merges in; the newest events stay. */
        assert_int_equal(tw_usage_new(&lim, &b), 0);
        assert_int_equal(tw_usage_set_known_tokens(b, known + 1, 1), 0);
        add_hostile(b, TOK2, "DELETE", "/v1/organizations/" ORG "/tokens/" TOK2, "ua-c");
        b->lifecycle[0].at_ms += 1000;
        assert_int_equal(tw_usage_new(&lim, &m), 0);
        assert_int_equal(tw_usage_merge(m, a), 0);
        assert_int_equal(tw_usage_merge(m, b), 0);
        assert_int_equal(m->n_tokens, 2);
        assert_int_equal(m->entries, 3);
        assert_int_equal(tw_usage_find(m, TOK)->calls, 2);
        assert_int_equal(tw_usage_find(m, TOK2)->calls, 1);
        assert_int_equal(m->n_lifecycle, 2);
        assert_int_equal(m->lifecycle[0].action, TW_LIFECYCLE_ROTATED);
        assert_int_equal(m->lifecycle[1].action, TW_LIFECYCLE_DELETED);
        /* The same token twice is counted, not doubled. */
        assert_int_equal(tw_usage_merge(m, b), 0);
        assert_int_equal(m->n_tokens, 2);
        assert_int_equal(m->tokens_dropped, 1);
        tw_usage_free(a);
        tw_usage_free(b);
        tw_usage_free(c);
        tw_usage_free(m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strings_capped_at_ingest),
                cmocka_unit_test(test_short_values_kept_whole),
                cmocka_unit_test(test_load_drops_overlong_field),
                cmocka_unit_test(test_copy_and_merge),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
