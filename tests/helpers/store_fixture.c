/* The store fakes with a delivery client pointed at them. */
#include "helpers/store_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "helpers/helpers.h"
#include "helpers/wait.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "sim/sim_internal.h"

static const char *const type_names[] = {"github", "gitlab", "vault", "kubernetes"};
/* The header each kind takes its credential in. */
static const char *const auth_headers[] = {
        "Authorization: Bearer " TW_TEST_STORE_CRED,
        "PRIVATE-TOKEN: " TW_TEST_STORE_CRED,
        "X-Vault-Token: " TW_TEST_STORE_CRED,
        "Authorization: Bearer " TW_TEST_STORE_CRED,
};

void tw_test_store_credential(struct tw_test_store *s, const char *credential)
{
        assert_int_equal(tw_atomic_write_file(s->cred_path, credential, strlen(credential)), 0);
}

void tw_test_store_start(struct tw_test_store *s, enum tw_storesim_kind kind,
                         const struct tw_storesim_options *o)
{
        struct tw_storesim_options so = o ? *o : (struct tw_storesim_options){0};
        const struct tw_deliver_options co = {.timeout_ms = 5000,
                                              .max_retries = 3,
                                              .backoff_base_ms = 10,
                                              .backoff_max_ms = 50,
                                              .max_wait_s = 3,
                                              .seed = 42};

        memset(s, 0, sizeof(*s));
        tw_buf_init(&s->err, 1 << 20);
        tw_test_tmpdir(s->dir, sizeof(s->dir), "deliver");
        snprintf(s->cred_path, sizeof(s->cred_path), "%s/credential", s->dir);
        tw_test_store_credential(s, TW_TEST_STORE_CRED);
        so.kind = kind;
        so.credential = TW_TEST_STORE_CRED;
        so.read_credential = TW_TEST_STORE_READ_CRED;
        s->sim = tw_storesim_start(&so);
        assert_non_null(s->sim);
        s->kind = kind;
        s->ops = tw_deliver_ops_find(type_names[kind]);
        assert_non_null(s->ops);
        assert_int_equal(tw_deliver_ctx_new(&co, &s->ctx), 0);
        s->t.name = strdup("copy");
        tw_test_store_set(s, "type", type_names[kind]);
        tw_test_store_set(s, "api_url", tw_storesim_url(s->sim));
        tw_test_store_set(s, "credential_file", s->cred_path);
}

void tw_test_store_stop(struct tw_test_store *s)
{
        tw_deliver_ctx_free(s->ctx);
        tw_storesim_stop(s->sim);
        tw_deliver_target_done(&s->t);
        tw_buf_done(&s->err);
        assert_int_equal(tw_test_rmtree(s->dir), 0);
}

void tw_test_store_set(struct tw_test_store *s, const char *key, const char *value)
{
        assert_int_equal(tw_deliver_target_set(&s->t, key, value), 0);
}

char *tw_test_jwt(const char *token_id, int64_t iat)
{
        char *jwt = NULL;

        assert_int_equal(sim_jwt_make(token_id, iat, iat + 90 * 86400, "clsimorg00000000000000000",
                                      NULL, (uint64_t)iat, &jwt),
                         0);
        return jwt;
}

void tw_test_store_no_leak(struct tw_test_store *s, const char *needle)
{
        if (s->err.ptr && strstr(s->err.ptr, needle))
                fail_msg("a message holds a secret: %s", s->err.ptr);
}

void tw_test_store_finish(struct tw_test_store *s, const char *value)
{
        if (s->err.ptr)
                print_message("messages: %s\n", s->err.ptr);
        if (value)
                tw_test_store_no_leak(s, value);
        tw_test_store_no_leak(s, TW_TEST_STORE_CRED);
        tw_test_store_no_leak(s, TW_TEST_STORE_READ_CRED);
        tw_test_store_stop(s);
}

int tw_test_store_check(struct tw_test_store *s, struct tw_deliver_state *ret)
{
        return s->ops->check(s->ctx, &s->t, ret, &s->err);
}

int tw_test_store_write(struct tw_test_store *s, const char *value,
                        const struct tw_deliver_state *expect, struct tw_deliver_state *after)
{
        const struct tw_deliver_write wr = {
                .value = value, .token_id = s->token_id, .expect = expect};

        return s->ops->write(s->ctx, &s->t, &wr, after, &s->err);
}

void tw_test_store_assert_stored(struct tw_test_store *s, const char *at, const char *want)
{
        char *got = NULL;

        assert_int_equal(tw_storesim_get(s->sim, at, &got), 0);
        assert_string_equal(got, want);
        tw_secret_free(got);
}

static void *write_bg(void *arg)
{
        struct tw_test_store_bg *b = arg;
        struct tw_deliver_state after;

        b->r = tw_test_store_write(b->s, b->value, NULL, &after);
        return NULL;
}

void tw_test_store_write_bg(struct tw_test_store_bg *b, struct tw_test_store *s, const char *value)
{
        *b = (struct tw_test_store_bg){.s = s, .value = value};
        assert_int_equal(pthread_create(&b->thread, NULL, write_bg, b), 0);
}

int tw_test_store_join(struct tw_test_store_bg *b)
{
        assert_int_equal(pthread_join(b->thread, NULL), 0);
        return b->r;
}

void tw_test_store_wait_requests(struct tw_test_store *s, uint64_t n)
{
        struct tw_storesim_stats st;
        int64_t deadline = tw_test_deadline(TW_TEST_WAIT_MS);

        do
                tw_storesim_get_stats(s->sim, &st);
        while (st.requests < n && tw_test_poll_again(deadline));
        assert_int_equal(st.requests, n);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        return tw_buf_add(ud, p, size * n) < 0 ? 0 : size * n;
}

cJSON *tw_test_store_raw(struct tw_test_store *s, const char *method, const char *path,
                         const char *body, long want_status)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, auth_headers[s->kind]);
        struct tw_buf out;
        char url[512];
        long status = 0;
        cJSON *j;

        assert_non_null(c);
        tw_buf_init(&out, 1 << 20);
        snprintf(url, sizeof(url), "%s%s", tw_storesim_url(s->sim), path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "test");
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body)
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (want_status)
                assert_int_equal(status, want_status);
        j = out.len ? cJSON_Parse(out.ptr) : NULL;
        tw_buf_done(&out);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return j;
}
