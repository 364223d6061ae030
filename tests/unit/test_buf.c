/* The capped byte buffer (lib/buf.c), its decimal formatter, the string
 * map (lib/strmap.c) and the arena (lib/arena.c). */
#include "lib/buf.h"

#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/arena.h"
#include "lib/strmap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One buffer operation: append a string (adds), a char (addc), a
 * formatted number (printf), or reset. */
enum op_kind { OP_END, OP_ADDS, OP_ADDC, OP_PRINTF, OP_ADD_LEN, OP_RESET };

struct op {
        enum op_kind kind;
        const char *s; /* OP_ADDS, OP_PRINTF (format with one %d), OP_ADD_LEN */
        int n;         /* OP_ADDC char, OP_PRINTF argument, OP_ADD_LEN length */
        int rc;
};

struct buf_case {
        const char *name;
        size_t max;
        struct op ops[6];
        const char *want; /* content afterwards */
        size_t want_len;
};

static const struct buf_case buf_cases[] = {
        {"empty buffer", 16, {{OP_END, NULL, 0, 0}}, "", 0},
        {"adds", 16, {{OP_ADDS, "hello", 0, 0}}, "hello", 5},
        {"adds twice", 16, {{OP_ADDS, "hello", 0, 0}, {OP_ADDS, " you", 0, 0}}, "hello you", 9},
        {"addc", 16, {{OP_ADDC, NULL, 'x', 0}, {OP_ADDC, NULL, 'y', 0}}, "xy", 2},
        {"printf", 16, {{OP_PRINTF, "n=%d;", 42, 0}, {OP_PRINTF, "m=%d", -7, 0}}, "n=42;m=-7", 9},
        {"exactly max", 5, {{OP_ADDS, "12345", 0, 0}}, "12345", 5},
        {"one over max: refused, unchanged",
         5,
         {{OP_ADDS, "123", 0, 0}, {OP_ADDS, "456", 0, -E2BIG}},
         "123",
         3},
        {"addc at max: refused",
         3,
         {{OP_ADDS, "abc", 0, 0}, {OP_ADDC, NULL, 'd', -E2BIG}},
         "abc",
         3},
        {"printf over max: refused, unchanged",
         8,
         {{OP_ADDS, "ab", 0, 0}, {OP_PRINTF, "%d", 1234567, -E2BIG}},
         "ab",
         2},
        {"printf to exactly max",
         8,
         {{OP_ADDS, "a", 0, 0}, {OP_PRINTF, "%d", 1234567, 0}},
         "a1234567",
         8},
        {"a refused append leaves room for a smaller one",
         4,
         {{OP_ADDS, "abcde", 0, -E2BIG}, {OP_ADDS, "abcd", 0, 0}},
         "abcd",
         4},
        {"reset empties",
         16,
         {{OP_ADDS, "hello", 0, 0}, {OP_RESET, NULL, 0, 0}, {OP_ADDS, "x", 0, 0}},
         "x",
         1},
        {"add of zero bytes", 16, {{OP_ADD_LEN, "", 0, 0}}, "", 0},
        {"embedded NUL counted in len", 16, {{OP_ADD_LEN, "a\0b", 3, 0}}, "a", 3},
        {"grows past the first allocation",
         1000,
         {{OP_PRINTF, "%0300d", 1, 0}, {OP_PRINTF, "%0300d", 2, 0}, {OP_PRINTF, "%0300d", 3, 0}},
         NULL,
         900},
        {"max 0 means the default", 0, {{OP_ADDS, "x", 0, 0}}, "x", 1},
};

static void run_buf(void **state)
{
        const struct buf_case *c = *state;
        struct tw_buf b;
        char *s;

        tw_buf_init(&b, c->max);
        assert_int_equal(b.max, c->max ? c->max : TW_BUF_MAX_DEFAULT);
        for (const struct op *o = c->ops; o < c->ops + ARRAY_SIZE(c->ops) && o->kind != OP_END;
             o++) {
                int r = 0;

                switch (o->kind) {
                case OP_ADDS:
                        r = tw_buf_adds(&b, o->s);
                        break;
                case OP_ADDC:
                        r = tw_buf_addc(&b, (char)o->n);
                        break;
                case OP_PRINTF:
                        r = tw_buf_printf(&b, o->s, o->n);
                        break;
                case OP_ADD_LEN:
                        r = tw_buf_add(&b, o->s, (size_t)o->n);
                        break;
                case OP_RESET:
                        tw_buf_reset(&b);
                        break;
                case OP_END:
                        break;
                }
                assert_int_equal(r, o->rc);
        }
        assert_int_equal(b.len, c->want_len);
        assert_true(b.len <= b.max);
        if (b.ptr) {
                assert_true(b.alloc <= b.max + 1);
                assert_int_equal(b.ptr[b.len], '\0');
        }
        if (c->want)
                assert_string_equal(b.ptr ? b.ptr : "", c->want);
        s = tw_buf_steal(&b);
        assert_non_null(s);
        if (c->want)
                assert_string_equal(s, c->want);
        assert_null(b.ptr);
        assert_int_equal(b.len, 0);
        free(s);
        tw_buf_done(&b);
}

static void buf_steal_empty_and_done_twice(void **state)
{
        struct tw_buf b;
        char *s;

        (void)state;
        tw_buf_init(&b, 10);
        s = tw_buf_steal(&b);
        assert_non_null(s);
        assert_string_equal(s, "");
        free(s);
        /* the buffer is usable after a steal, and done is idempotent */
        assert_int_equal(tw_buf_adds(&b, "again"), 0);
        assert_string_equal(b.ptr, "again");
        tw_buf_done(&b);
        tw_buf_done(&b);
        assert_null(b.ptr);
}

/* The decimal formatter: what printf's %lld / %llu write, and -E2BIG at the cap. */
struct num_case {
        const char *name;
        int64_t i;  /* through tw_buf_add_i64 */
        uint64_t u; /* through tw_buf_add_u64 */
        const char *want_i, *want_u;
};

static const struct num_case num_cases[] = {
        {"zero", 0, 0, "0", "0"},
        {"one digit", 7, 7, "7", "7"},
        {"minus one", -1, 1, "-1", "1"},
        {"powers of ten", 1000000, 10000000000000000000u, "1000000", "10000000000000000000"},
        {"a Unix time", 1796615146, 1796615146, "1796615146", "1796615146"},
        {"2^53", INT64_C(9007199254740992), UINT64_C(9007199254740992), "9007199254740992",
         "9007199254740992"},
        {"extremes", INT64_MIN, UINT64_MAX, "-9223372036854775808", "18446744073709551615"},
        {"int64 max", INT64_MAX, (uint64_t)INT64_MAX + 1, "9223372036854775807",
         "9223372036854775808"},
};

static void run_num(void **state)
{
        const struct num_case *c = *state;
        char want[32];
        struct tw_buf b;

        tw_buf_init(&b, 64);
        assert_int_equal(tw_buf_adds(&b, "x="), 0);
        assert_int_equal(tw_buf_add_i64(&b, c->i), 0);
        snprintf(want, sizeof(want), "x=%lld", (long long)c->i);
        assert_string_equal(b.ptr, want);
        assert_string_equal(b.ptr + 2, c->want_i);
        tw_buf_reset(&b);
        assert_int_equal(tw_buf_add_u64(&b, c->u), 0);
        snprintf(want, sizeof(want), "%llu", (unsigned long long)c->u);
        assert_string_equal(b.ptr, want);
        assert_string_equal(b.ptr, c->want_u);
        assert_int_equal(b.len, strlen(c->want_u));
        tw_buf_done(&b);
        /* one byte short of the number: refused, unchanged */
        tw_buf_init(&b, strlen(c->want_i) + 1);
        assert_int_equal(tw_buf_adds(&b, "ab"), 0);
        assert_int_equal(tw_buf_add_i64(&b, c->i), -E2BIG);
        assert_string_equal(b.ptr, "ab");
        tw_buf_done(&b);
}

/* strmap: a table of operations on one map. */
enum map_op { M_END, M_PUT, M_GET, M_MISS };

struct map_step {
        enum map_op op;
        const char *key;
        size_t val; /* M_PUT value, M_GET expected */
        int rc;     /* M_PUT */
};

struct map_case {
        const char *name;
        struct map_step steps[8];
};

static const struct map_case map_cases[] = {
        {"get from an empty map", {{M_MISS, "a", 0, 0}, {M_MISS, "", 0, 0}}},
        {"put then get", {{M_PUT, "a", 1, 0}, {M_GET, "a", 1, 0}, {M_MISS, "b", 0, 0}}},
        {"duplicate put is refused and keeps the first",
         {{M_PUT, "a", 1, 0}, {M_PUT, "a", 2, -EEXIST}, {M_GET, "a", 1, 0}}},
        {"empty key is a key", {{M_PUT, "", 7, 0}, {M_GET, "", 7, 0}, {M_MISS, "x", 0, 0}}},
        {"keys differing in one byte",
         {{M_PUT, "token-1", 1, 0},
          {M_PUT, "token-2", 2, 0},
          {M_GET, "token-1", 1, 0},
          {M_GET, "token-2", 2, 0},
          {M_MISS, "token-3", 0, 0},
          {M_MISS, "token-", 0, 0}}},
        {"hostile bytes in keys",
         {{M_PUT, "a\"b\\c\n", 1, 0},
          {M_PUT, "\xf0\x9f\x94\x91", 2, 0},
          {M_GET, "a\"b\\c\n", 1, 0},
          {M_GET, "\xf0\x9f\x94\x91", 2, 0}}},
        {"value zero", {{M_PUT, "z", 0, 0}, {M_GET, "z", 0, 0}}},
};

static void run_map(void **state)
{
        const struct map_case *c = *state;
        struct tw_strmap m;
        size_t v;

        tw_strmap_init(&m);
        for (const struct map_step *s = c->steps; s < c->steps + ARRAY_SIZE(c->steps) && s->op;
             s++) {
                switch (s->op) {
                case M_PUT:
                        assert_int_equal(tw_strmap_put(&m, s->key, s->val), s->rc);
                        break;
                case M_GET:
                        v = 12345;
                        assert_true(tw_strmap_get(&m, s->key, &v));
                        assert_int_equal(v, s->val);
                        assert_true(tw_strmap_get(&m, s->key, NULL));
                        break;
                case M_MISS:
                        v = 12345;
                        assert_false(tw_strmap_get(&m, s->key, &v));
                        assert_int_equal(v, 12345);
                        break;
                case M_END:
                        break;
                }
        }
        assert_false(tw_strmap_get(&m, NULL, NULL));
        tw_strmap_done(&m);
        tw_strmap_done(&m);
}

/* Many keys: the map grows and keeps every one, with borrowed keys. */
static void map_grows(void **state)
{
        enum { N = 5000 };
        static char keys[N][16];
        struct tw_strmap m;
        size_t v;

        (void)state;
        tw_strmap_init(&m);
        for (size_t i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
                assert_int_equal(tw_strmap_put(&m, keys[i], i), 0);
        }
        assert_int_equal(m.n, N);
        assert_true(m.n * 4 <= m.cap * 3);
        for (size_t i = 0; i < N; i++) {
                char probe[16];

                /* a different pointer with equal content finds it */
                snprintf(probe, sizeof(probe), "k%zu", i);
                assert_true(tw_strmap_get(&m, probe, &v));
                assert_int_equal(v, i);
        }
        assert_false(tw_strmap_get(&m, "k5000", &v));
        assert_int_equal(tw_strmap_put(&m, "k42", 1), -EEXIST);
        tw_strmap_done(&m);
}

/* set changes a present key's value only. */
static void map_set(void **state)
{
        struct tw_strmap m;
        size_t v;

        (void)state;
        tw_strmap_init(&m);
        assert_false(tw_strmap_set(&m, "a", 1)); /* empty map */
        assert_int_equal(tw_strmap_put(&m, "a", 1), 0);
        assert_int_equal(tw_strmap_put(&m, "b", 2), 0);
        assert_true(tw_strmap_set(&m, "a", 7));
        assert_false(tw_strmap_set(&m, "c", 3));
        assert_false(tw_strmap_set(&m, NULL, 3));
        assert_true(tw_strmap_get(&m, "a", &v));
        assert_int_equal(v, 7);
        assert_true(tw_strmap_get(&m, "b", &v));
        assert_int_equal(v, 2);
        assert_false(tw_strmap_get(&m, "c", NULL));
        assert_int_equal(m.n, 2);
        tw_strmap_done(&m);
}

/* Strings are packed end to end; objects stay aligned for any type after
 * them; an object larger than a chunk gets one of its own and the head
 * chunk stays in use; interned strings are shared. */
static void arena_layout(void **state)
{
        const size_t align = alignof(max_align_t);
        struct tw_arena a;
        char *s1, *s2, *s3, *big;
        void *o1, *o2;
        int failed = 0;

        (void)state;
        tw_arena_init(&a);
        s1 = tw_arena_strdup(&a, "ab", &failed);
        s2 = tw_arena_strdup(&a, "cde", &failed);
        assert_ptr_equal(s2, s1 + 3);
        o1 = tw_arena_alloc(&a, 24);
        assert_int_equal((uintptr_t)o1 % align, 0);
        assert_true((char *)o1 >= s2 + 4);
        big = tw_arena_alloc(&a, 70000);
        assert_non_null(big);
        memset(big, 'x', 70000);
        o2 = tw_arena_alloc(&a, 8);
        assert_int_equal((uintptr_t)o2 % align, 0);
        assert_true((char *)o2 > (char *)o1 && (char *)o2 < (char *)o1 + 64);
        s3 = tw_arena_intern(&a, "role", &failed);
        assert_ptr_equal(tw_arena_intern(&a, "role", &failed), s3);
        assert_null(tw_arena_strdup(&a, NULL, &failed));
        assert_int_equal(failed, 0);
        assert_string_equal(s1, "ab");
        assert_string_equal(s2, "cde");
        assert_string_equal(s3, "role");
        /* many strings across chunks keep their content */
        for (int i = 0; i < 20000; i++) {
                char want[16];
                char *p;

                snprintf(want, sizeof(want), "s%d", i);
                p = tw_arena_strdup(&a, want, &failed);
                assert_non_null(p);
                assert_string_equal(p, want);
        }
        tw_arena_done(&a);
}

int main(void)
{
        struct CMUnitTest
                tests[ARRAY_SIZE(buf_cases) + ARRAY_SIZE(num_cases) + ARRAY_SIZE(map_cases) + 4];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(buf_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = buf_cases[i].name,
                                                 .test_func = run_buf,
                                                 .initial_state = (void *)&buf_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = "steal of an empty buffer; done twice",
                                         .test_func = buf_steal_empty_and_done_twice};
        for (size_t i = 0; i < ARRAY_SIZE(num_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = num_cases[i].name,
                                                 .test_func = run_num,
                                                 .initial_state = (void *)&num_cases[i]};
        for (size_t i = 0; i < ARRAY_SIZE(map_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = map_cases[i].name,
                                                 .test_func = run_map,
                                                 .initial_state = (void *)&map_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = "map grows to 5000 keys", .test_func = map_grows};
        tests[n++] = (struct CMUnitTest){.name = "map set", .test_func = map_set};
        tests[n++] = (struct CMUnitTest){.name = "arena layout", .test_func = arena_layout};
        return _cmocka_run_group_tests("buf", tests, n, NULL, NULL) ? 1 : 0;
}
