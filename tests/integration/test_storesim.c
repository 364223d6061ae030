/*
 * Self-tests of the store fakes (tests/sim/stores) over raw HTTP: the
 * answers the clients' tests do not reach - GitHub's header rules, 201/204,
 * the 422s of a bad key or ciphertext (sealed here with libsodium), GitLab's
 * duplicate, missing and masked rules, Vault's check-and-set and data rules,
 * Kubernetes' Status errors (conflict, name mismatch, patch types, already
 * exists) - and the tw-storesim binary with its control routes.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>

#include "helpers/helpers.h"
#include "helpers/wait.h"
#include "lib/buf.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"
#include "sim/stores/storesim.h"

extern char **environ;

#define CRED "fake-credential-1"

struct resp {
        long status;
        cJSON *json;
        char text[2048];
        char retry_after[16];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        return tw_buf_add(ud, p, size * n) < 0 ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
        struct resp *r = ud;

        if (size * n > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
                snprintf(r->retry_after, sizeof(r->retry_after), "%.*s", (int)(size * n - 15),
                         p + 13);
        return size * n;
}

/* method url with the given header lines (NULL-ended) and body. */
static struct resp req(const char *method, const char *base, const char *path,
                       const char *const *headers, const char *body)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        struct tw_buf out;
        struct resp r = {0};
        char url[1024];

        tw_buf_init(&out, 1 << 20);
        for (; headers && *headers; headers++)
                h = curl_slist_append(h, *headers);
        snprintf(url, sizeof(url), "%s%s", base, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body)
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        snprintf(r.text, sizeof(r.text), "%s", out.ptr ? out.ptr : "");
        r.json = out.ptr ? cJSON_Parse(out.ptr) : NULL;
        tw_buf_done(&out);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return r;
}

static void expect(struct resp r, long status, const char *says)
{
        if (r.status != status || (says && !strstr(r.text, says)))
                fail_msg("got %ld %s, want %ld %s", r.status, r.text, status, says ? says : "");
        cJSON_Delete(r.json);
}

static struct tw_storesim *start(enum tw_storesim_kind kind)
{
        const struct tw_storesim_options o = {.kind = kind, .credential = CRED};
        struct tw_storesim *s = tw_storesim_start(&o);

        assert_non_null(s);
        return s;
}

/* {"encrypted_value", "key_id"} sealing value to the key the fake gives. */
static char *sealed(const char *base, const char *key_path, const char *value, const char *key_id)
{
        static const char *const h[] = {"Authorization: Bearer " CRED, "User-Agent: t", NULL};
        struct resp k = req("GET", base, key_path, h, NULL);
        unsigned char pk[crypto_box_PUBLICKEYBYTES], box[256];
        char b64[512], *body;
        size_t pklen = 0;

        assert_int_equal(k.status, 200);
        assert_int_equal(sodium_base642bin(pk, sizeof(pk),
                                           cJSON_GetObjectItem(k.json, "key")->valuestring,
                                           strlen(cJSON_GetObjectItem(k.json, "key")->valuestring),
                                           NULL, &pklen, NULL, sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_int_equal(crypto_box_seal(box, (const unsigned char *)value, strlen(value), pk), 0);
        sodium_bin2base64(b64, sizeof(b64), box, crypto_box_SEALBYTES + strlen(value),
                          sodium_base64_VARIANT_ORIGINAL);
        body = malloc(1024);
        snprintf(body, 1024, "{\"encrypted_value\":\"%s\",\"key_id\":\"%s\"}", b64,
                 key_id ? key_id : cJSON_GetObjectItem(k.json, "key_id")->valuestring);
        cJSON_Delete(k.json);
        return body;
}

static void test_github(void **state)
{
        static const char *const h[] = {"Authorization: Bearer " CRED, "User-Agent: t",
                                        "X-GitHub-Api-Version: 2022-11-28", NULL};
        static const char *const no_ua[] = {"Authorization: Bearer " CRED, NULL};
        static const char *const bad_version[] = {"Authorization: Bearer " CRED, "User-Agent: t",
                                                  "X-GitHub-Api-Version: 2099-01-01", NULL};
        static const char *const bad_cred[] = {"Authorization: Bearer nope", "User-Agent: t", NULL};
        const char *p = "/repos/Acme/Dags/actions/secrets";
        struct tw_storesim *s = start(TW_STORESIM_GITHUB);
        const char *b = tw_storesim_url(s);
        char *body, path[256], *got = NULL;

        (void)state;
        assert_int_equal(tw_storesim_put(s, "repo:acme/dags", NULL, NULL), 0);
        expect(req("GET", b, p, no_ua, NULL), 403, "User-Agent");
        expect(req("GET", b, p, bad_version, NULL), 400, "X-GitHub-Api-Version");
        expect(req("GET", b, p, bad_cred, NULL), 401, "Bad credentials");
        expect(req("GET", b, "/repos/acme/other/actions/secrets", h, NULL), 404, "Not Found");
        snprintf(path, sizeof(path), "%s/public-key", p);
        body = sealed(b, path, "s3cret-value", NULL);
        snprintf(path, sizeof(path), "%s/my_token", p);
        expect(req("PUT", b, path, h, body), 201, NULL);
        expect(req("PUT", b, path, h, body), 204, NULL);
        free(body);
        assert_int_equal(tw_storesim_get(s, "repo:acme/dags:MY_TOKEN", &got), 0);
        assert_string_equal(got, "s3cret-value");
        free(got);
        expect(req("GET", b, path, h, NULL), 200, "\"name\":\"MY_TOKEN\"");
        {
                struct resp r = req("GET", b, p, h, NULL);

                assert_int_equal(r.status, 200);
                assert_null(strstr(r.text, "s3cret")); /* never the value */
                assert_int_equal(cJSON_GetObjectItem(r.json, "total_count")->valueint, 1);
                cJSON_Delete(r.json);
        }
        snprintf(path, sizeof(path), "%s/public-key", p);
        body = sealed(b, path, "x", "1234");
        snprintf(path, sizeof(path), "%s/OTHER", p);
        expect(req("PUT", b, path, h, body), 422, "key_id");
        free(body);
        expect(req("PUT", b, path, h, "{\"encrypted_value\":\"AAAA\",\"key_id\":\"1\"}"), 422,
               NULL);
        expect(req("PUT", b, path, h, "{\"encrypted_value\":\"AAAA\"}"), 422,
               "\\\"key_id\\\" wasn't supplied");
        expect(req("PUT", b, path, h, "not json"), 400, "Problems parsing JSON");
        snprintf(path, sizeof(path), "%s/MY_TOKEN", p);
        expect(req("DELETE", b, path, h, NULL), 204, NULL);
        expect(req("GET", b, path, h, NULL), 404, NULL);
        /* An organization secret needs a visibility. */
        assert_int_equal(tw_storesim_put(s, "org:acme", NULL, NULL), 0);
        body = sealed(b, "/orgs/acme/actions/secrets/public-key", "v", NULL);
        expect(req("PUT", b, "/orgs/acme/actions/secrets/T", h, body), 422, "visibility");
        free(body);
        tw_storesim_stop(s);
}

static void test_gitlab(void **state)
{
        static const char *const h[] = {"PRIVATE-TOKEN: " CRED, "Content-Type: application/json",
                                        NULL};
        struct tw_storesim *s = start(TW_STORESIM_GITLAB);
        const char *b = tw_storesim_url(s);
        char path[256];

        (void)state;
        expect(req("GET", b, "/api/v4/projects/acme%2Fdags/variables", h, NULL), 404,
               "404 Project Not Found");
        snprintf(path, sizeof(path), "/api/v4/projects/%ld/variables",
                 tw_storesim_gitlab_id(s, "project:acme/dags"));
        expect(req("POST", b, path, h, "{\"key\":\"K\",\"value\":\"short\",\"masked\":true}"), 400,
               "is invalid");
        expect(req("POST", b, path, h, "{\"key\":\"K\",\"value\":\"long-enough-1\"}"), 201,
               "\"environment_scope\":\"*\"");
        expect(req("POST", b, path, h, "{\"key\":\"K\",\"value\":\"again-1234\"}"), 400,
               "(K) has already been taken");
        expect(req("POST", b, path, h, "{\"value\":\"x\"}"), 400, "key is missing");
        expect(req("POST", b, path, h, "{\"key\":\"a b\",\"value\":\"x\"}"), 400,
               "can contain only letters");
        expect(req("PUT", b, "/api/v4/projects/acme%2Fdags/variables/MISSING", h,
                   "{\"value\":\"x\"}"),
               404, "404 Variable Not Found");
        expect(req("POST", b, path, h,
                   "{\"key\":\"K\",\"value\":\"prod-value\",\"environment_scope\":\"prod\"}"),
               201, NULL);
        expect(req("GET", b, "/api/v4/projects/acme%2Fdags/variables/K", h, NULL), 409,
               "filter[environment_scope]");
        expect(req("GET", b,
                   "/api/v4/projects/acme%2Fdags/variables/K?filter%5Benvironment_scope%5D=prod", h,
                   NULL),
               200, "prod-value");
        expect(req("GET", b, path, (const char *const[]){"PRIVATE-TOKEN: x", NULL}, NULL), 401,
               "401 Unauthorized");
        tw_storesim_stop(s);
}

static void test_vault(void **state)
{
        static const char *const h[] = {"X-Vault-Token: " CRED, NULL};
        static const char *const ns[] = {"X-Vault-Token: " CRED, "X-Vault-Namespace: team", NULL};
        struct tw_storesim *s = start(TW_STORESIM_VAULT);
        const char *b = tw_storesim_url(s), *p = "/v1/secret/data/app";

        (void)state;
        expect(req("GET", b, p, NULL, NULL), 403, "permission denied");
        expect(req("GET", b, p, h, NULL), 404, "\"errors\":[]");
        expect(req("POST", b, p, h, "{\"options\":{\"cas\":1},\"data\":{\"a\":\"1\"}}"), 400,
               "check-and-set parameter did not match the current version");
        expect(req("POST", b, p, h, "{\"options\":{\"cas\":0},\"data\":{\"a\":\"1\"}}"), 200,
               "\"version\":1");
        expect(req("POST", b, p, h, "{\"options\":{\"cas\":0},\"data\":{\"a\":\"2\"}}"), 400,
               "did not match");
        expect(req("PUT", b, p, h, "{\"data\":{\"a\":\"2\"}}"), 200, "\"version\":2");
        expect(req("POST", b, p, h, "{\"options\":{}}"), 400, "no data provided");
        expect(req("GET", b, "/v1/secret/data/app?version=1", h, NULL), 200, "\"a\":\"1\"");
        expect(req("GET", b, "/v1/secret/metadata/app", h, NULL), 200, "\"current_version\":2");
        expect(req("GET", b, p, ns, NULL), 404, NULL); /* another namespace */
        expect(req("GET", b, "/v1/kv/data/app", h, NULL), 404, "no handler for route");
        expect(req("PATCH", b, p, h, "{}"), 405, NULL);
        tw_storesim_stop(s);
}

static void test_kubernetes(void **state)
{
        static const char *const h[] = {"Authorization: Bearer " CRED,
                                        "Content-Type: application/json", NULL};
        static const char *const merge[] = {"Authorization: Bearer " CRED,
                                            "Content-Type: application/merge-patch+json", NULL};
        static const char *const jsonpatch[] = {"Authorization: Bearer " CRED,
                                                "Content-Type: application/json-patch+json", NULL};
        struct tw_storesim *s = start(TW_STORESIM_KUBERNETES);
        const char *b = tw_storesim_url(s), *p = "/api/v1/namespaces/ci/secrets/x";
        struct resp r;
        char body[512], *got = NULL;
        const char *rv;

        (void)state;
        expect(req("GET", b, p, NULL, NULL), 401, "\"reason\":\"Unauthorized\"");
        expect(req("GET", b, p, h, NULL), 404, "secrets \\\"x\\\" not found");
        expect(req("POST", b, "/api/v1/namespaces/ci/secrets", h,
                   "{\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":\"YQ==\"},"
                   "\"stringData\":{\"b\":\"plain\"}}"),
               201, "\"resourceVersion\"");
        assert_int_equal(tw_storesim_get(s, "ci:x:b", &got), 0);
        assert_string_equal(got, "plain");
        free(got);
        expect(req("POST", b, "/api/v1/namespaces/ci/secrets", h,
                   "{\"metadata\":{\"name\":\"x\"}}"),
               409, "AlreadyExists");
        r = req("GET", b, p, h, NULL);
        rv = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "metadata"), "resourceVersion")
                     ->valuestring;
        snprintf(body, sizeof(body),
                 "{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"%s\"},\"data\":{\"a\":\"Yg=="
                 "\"}}",
                 rv);
        cJSON_Delete(r.json);
        expect(req("PUT", b, p, h, body), 200, "\"a\":\"Yg==\"");
        expect(req("PUT", b, p, h, body), 409, "the object has been modified");
        expect(req("PUT", b, p, h, "{\"metadata\":{\"name\":\"y\"},\"data\":{}}"), 400,
               "does not match the name on the URL");
        expect(req("PUT", b, p, h, "{\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":\"!!\"}}"), 400,
               "base64");
        expect(req("PATCH", b, p, jsonpatch, "[]"), 415, "UnsupportedMediaType");
        expect(req("PATCH", b, p, merge, "{\"data\":{\"a\":null,\"c\":\"Yw==\"}}"), 200, "Yw==");
        assert_int_equal(tw_storesim_get(s, "ci:x:a", &got), -ENOENT);
        expect(req("PATCH", b, p, merge, "{\"metadata\":{\"resourceVersion\":\"1\"}}"), 409,
               "Conflict");
        expect(req("DELETE", b, p, h, NULL), 200, "Success");
        expect(req("GET", b, p, h, NULL), 404, NULL);
        tw_storesim_stop(s);
}

/* The binary: a port file, credentials from files, the control routes. */
static void test_binary(void **state)
{
        const char *bin = getenv("TW_STORESIM_BIN");
        static const char *const h[] = {"X-Vault-Token: from-a-file", NULL};
        char dir[256], port_file[512], cred[512], base[64], *argv[9], *text = NULL;
        pid_t pid;
        size_t len;
        int status;

        (void)state;
        if (!bin) {
                print_message("TW_STORESIM_BIN not set: run through ctest\n");
                fail();
        }
        tw_test_tmpdir(dir, sizeof(dir), "storesim-bin");
        snprintf(port_file, sizeof(port_file), "%s/port", dir);
        snprintf(cred, sizeof(cred), "%s/cred", dir);
        assert_int_equal(tw_atomic_write_file(cred, "from-a-file\n", 12), 0);
        argv[0] = (char *)bin;
        argv[1] = "--kind";
        argv[2] = "vault";
        argv[3] = "--port-file";
        argv[4] = port_file;
        argv[5] = "--credential-file";
        argv[6] = cred;
        argv[7] = NULL;
        assert_int_equal(posix_spawn(&pid, bin, NULL, NULL, argv, environ), 0);
        TW_TEST_WAIT_FOR(tw_statefile_read(dir, "port", 64, &text, &len) == 0, 10000);
        snprintf(base, sizeof(base), "http://127.0.0.1:%d", atoi(text));
        free(text);
        expect(req("POST", base, "/_store/put", NULL,
                   "{\"at\":\"secret:ci/astro:token\",\"value\":\"by-hand\"}"),
               200, NULL);
        expect(req("GET", base, "/_store/value?at=secret%3Aci%2Fastro%3Atoken", NULL, NULL), 200,
               "by-hand");
        expect(req("GET", base, "/v1/secret/data/ci/astro", h, NULL), 200, "by-hand");
        expect(req("POST", base, "/_store/faults", NULL,
                   "{\"type\":\"status\",\"status\":429,\"retry_after\":7,\"count\":1}"),
               200, NULL);
        {
                struct resp r = req("GET", base, "/v1/secret/data/ci/astro", h, NULL);

                assert_int_equal(r.status, 429);
                assert_string_equal(r.retry_after, "7");
                cJSON_Delete(r.json);
        }
        expect(req("GET", base, "/_store/stats", NULL, NULL), 200, "\"status_429\":1");
        expect(req("GET", base, "/_store/requests", NULL, NULL), 200, "\"auth\":\"full\"");
        expect(req("DELETE", base, "/_store/value?at=secret%3Aci%2Fastro%3Atoken", NULL, NULL), 200,
               NULL);
        expect(req("GET", base, "/v1/secret/data/ci/astro", h, NULL), 404, NULL);
        kill(pid, SIGTERM);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(tw_test_rmtree(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_github), cmocka_unit_test(test_gitlab),
                cmocka_unit_test(test_vault),  cmocka_unit_test(test_kubernetes),
                cmocka_unit_test(test_binary),
        };
        int r;

        if (sodium_init() < 0)
                return 1;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
