/* The store fakes with a delivery client pointed at them. */
#include "helpers/store_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/helpers.h"
#include "lib/statefile.h"
#include "sim/sim_internal.h"

static const char *const type_names[] = {"github", "gitlab", "vault", "kubernetes"};

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
