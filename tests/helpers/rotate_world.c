/* The renewal tests' world: tw-astrosim, the four store fakes and a file,
 * each holding the token's value, and a configuration naming them. */
#include "helpers/rotate_world.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/helpers.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/statefile.h"

#define STORE_CRED "store-credential-0123456789"

const char *const tw_rw_at[4] = {
        [TW_STORESIM_GITHUB] = "repo:acme/dags:ASTRO_API_TOKEN",
        [TW_STORESIM_GITLAB] = "project:acme/dags:ASTRO_API_TOKEN",
        [TW_STORESIM_VAULT] = "secret:ci/astro:token",
        [TW_STORESIM_KUBERNETES] = "ci:astro:token",
};

static const char *const containers[4] = {"repo:acme/dags", "project:acme/dags", "secret", NULL};

static const char token_json[] =
        "{\"id\":\"" TW_RW_TOKEN "\",\"name\":\"" TW_RW_NAME "\","
        "\"description\":\"GitHub Actions deploys to prod\",\"scope\":\"WORKSPACE\","
        "\"startAt\":\"@-87d\",\"createdAt\":\"@-87d\",\"updatedAt\":\"@-87d\","
        "\"endAt\":\"@+3d\",\"expiryPeriodInDays\":90,"
        "\"roles\":[{\"entityType\":\"WORKSPACE\",\"entityId\":\"" TW_RW_WS "\","
        "\"role\":\"WORKSPACE_AUTHOR\"}]}";

static void write_file(const char *path, const char *text)
{
        assert_int_equal(tw_atomic_write_file(path, text, strlen(text)), 0);
}

static void write_config(struct tw_rw *w, const char *rotation, const char *extra)
{
        static const char *const kinds[4] = {"github", "gitlab", "vault", "kubernetes"};
        static const char *const keys[4] = {
                "repository = acme/dags\nsecret = ASTRO_API_TOKEN\n",
                "project = acme/dags\nvariable = ASTRO_API_TOKEN\n",
                "mount = secret\npath = ci/astro\nkey = token\n",
                "namespace = ci\nsecret = astro\nkey = token\n",
        };
        struct tw_buf b;

        tw_buf_init(&b, 1 << 20);
        tw_buf_printf(&b,
                      "[astro]\napi_url = %s\ntoken_file = %s/org-cred\n\n[agent]\n"
                      "state_dir = %s\ninterval = 60s\n\n[rotation]\ntoken_file = %s/owner-cred\n"
                      "%s\n",
                      tw_sim_url(w->sim), w->dir, w->state_dir, w->dir, rotation ? rotation : "");
        for (int k = 0; k < 4; k++)
                tw_buf_printf(&b,
                              "[deliver.%s]\ntoken = " TW_RW_NAME "\ntype = %s\napi_url = %s\n"
                              "credential_file = %s/store-cred\n%s\n",
                              kinds[k], kinds[k], tw_storesim_url(w->stores[k]), w->dir, keys[k]);
        tw_buf_printf(&b, "[deliver.file]\ntoken = " TW_RW_NAME "\ntype = file\npath = %s\n\n%s",
                      w->file_copy, extra ? extra : "");
        write_file(w->config_path, b.ptr);
        tw_buf_done(&b);
}

void tw_rw_reload(struct tw_rw *w, const char *rotation, const char *extra)
{
        struct tw_buf err;

        tw_config_free(w->cfg);
        w->cfg = NULL;
        write_config(w, rotation, extra);
        tw_buf_init(&err, 1 << 16);
        if (tw_config_load_file(w->config_path, &w->cfg, &err) < 0)
                fail_msg("config: %s", err.ptr);
        tw_buf_done(&err);
}

void tw_rw_start(struct tw_rw *w, const char *rotation, const char *extra)
{
        char path[512], *owner = NULL;
        struct tw_sim_options so = {.fixture_path = path};

        memset(w, 0, sizeof(*w));
        snprintf(path, sizeof(path), "%s/tests/fixtures/demo-org.json", tw_test_source_dir());
        w->sim = tw_sim_start(&so); /* base_time 0: the sim's clock is ours */
        assert_non_null(w->sim);
        assert_int_equal(tw_sim_put_token(w->sim, token_json), 0);
        tw_test_tmpdir(w->dir, sizeof(w->dir), "rotate");
        snprintf(w->state_dir, sizeof(w->state_dir), "%s/state", w->dir);
        snprintf(w->file_copy, sizeof(w->file_copy), "%s/runner-token", w->dir);
        snprintf(w->config_path, sizeof(w->config_path), "%s/tokenwatch.ini", w->dir);
        snprintf(path, sizeof(path), "%s/org-cred", w->dir);
        assert_int_equal(tw_sim_write_credential(w->sim, path), 0);
        assert_int_equal(tw_sim_token_credential(w->sim, TW_RW_OWNER, &owner), 0);
        snprintf(path, sizeof(path), "%s/owner-cred", w->dir);
        write_file(path, owner);
        tw_secret_free(owner);
        snprintf(path, sizeof(path), "%s/store-cred", w->dir);
        write_file(path, STORE_CRED);
        snprintf(path, sizeof(path), "%s/tests/fixtures/demo-org.json", tw_test_source_dir());
        assert_int_equal(tw_sim_token_credential(w->sim, TW_RW_TOKEN, &w->value), 0);
        for (int k = 0; k < 4; k++) {
                struct tw_storesim_options o = {.kind = (enum tw_storesim_kind)k,
                                                .credential = STORE_CRED};

                w->stores[k] = tw_storesim_start(&o);
                assert_non_null(w->stores[k]);
                if (containers[k])
                        assert_int_equal(tw_storesim_put(w->stores[k], containers[k], NULL, NULL),
                                         0);
                assert_int_equal(tw_storesim_put(w->stores[k], tw_rw_at[k], w->value, NULL), 0);
        }
        write_file(w->file_copy, w->value);
        tw_rw_reload(w, rotation, extra);
}

void tw_rw_stop(struct tw_rw *w)
{
        for (int k = 0; k < 4; k++)
                tw_storesim_stop(w->stores[k]);
        tw_sim_stop(w->sim);
        tw_config_free(w->cfg);
        tw_secret_free(w->value);
        assert_int_equal(tw_test_rmtree(w->dir), 0);
}

char *tw_rw_copy_value(struct tw_rw *w, int k)
{
        char *v = NULL;
        size_t len;

        if (k < 4)
                return tw_storesim_get(w->stores[k], tw_rw_at[k], &v) == 0 ? v : NULL;
        v = tw_test_read_file(w->file_copy, &len);
        while (len && (v[len - 1] == '\n'))
                v[--len] = '\0';
        return v;
}

size_t tw_rw_live_named(struct tw_rw *w, const char *name, char ids[][64])
{
        char *text = tw_sim_tokens_json(w->sim);
        cJSON *a = cJSON_Parse(text), *t;
        size_t n = 0;

        assert_non_null(a);
        cJSON_ArrayForEach (t, a) {
                const cJSON *nm = cJSON_GetObjectItem(t, "name"),
                            *id = cJSON_GetObjectItem(t, "id");

                if (!cJSON_IsString(nm) || strcmp(nm->valuestring, name) != 0 ||
                    !cJSON_IsTrue(cJSON_GetObjectItem(t, "live_value")))
                        continue;
                if (ids && n < 8)
                        snprintf(ids[n], 64, "%s", id->valuestring);
                n++;
        }
        cJSON_Delete(a);
        free(text);
        return n;
}

char *tw_rw_value_of(struct tw_rw *w, const char *id)
{
        char *v = NULL;

        assert_int_equal(tw_sim_token_credential(w->sim, id, &v), 0);
        return v;
}

unsigned long tw_rw_store_writes(struct tw_rw *w)
{
        unsigned long n = 0;

        for (int k = 0; k < 4; k++) {
                struct tw_storesim_stats st;

                tw_storesim_get_stats(w->stores[k], &st);
                n += st.writes;
        }
        return n;
}
