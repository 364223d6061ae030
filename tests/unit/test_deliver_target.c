/*
 * Copies described as data (exporters/deliver): setting keys, validating a
 * target for its type (table of good and bad sections, each bad one named
 * by key in the message), the dry-run plan of each type, fingerprints and
 * the JWT payload of a value read back, and the in-cluster Kubernetes
 * defaults from a service-account directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "exporters/deliver/deliver.h"
#include "exporters/deliver/deliver_common_internal.h"
#include "exporters/deliver/kubernetes_internal.h"
#include "helpers/helpers.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* Fills t from "key=value" strings (NULL-ended). */
static void fill(struct tw_deliver_target *t, const char *const *kv)
{
        memset(t, 0, sizeof(*t));
        t->name = strdup("ci");
        for (; *kv; kv++) {
                char key[64];
                const char *eq = strchr(*kv, '=');

                snprintf(key, sizeof(key), "%.*s", (int)(eq - *kv), *kv);
                if (tw_deliver_target_set(t, key, eq + 1) != 0)
                        fail_msg("cannot set %s", *kv);
        }
}

static void test_validate(void **state)
{
        static const struct {
                const char *name;
                const char *kv[10];
                int want;
                const char *says;
        } cases[] = {
                {"github repository",
                 {"type=github", "repository=acme/dags", "secret=ASTRO_API_TOKEN",
                  "credential_file=/c", NULL},
                 0,
                 NULL},
                {"github environment",
                 {"type=github", "repository=acme/dags", "environment=prod", "secret=T",
                  "credential_file=/c", NULL},
                 0,
                 NULL},
                {"github organization",
                 {"type=github", "github_org=acme", "visibility=selected",
                  "selected_repository_ids=1, 2", "secret=T", "credential_file=/c", NULL},
                 0,
                 NULL},
                {"github both",
                 {"type=github", "repository=a/b", "github_org=acme", "secret=T",
                  "credential_file=/c", NULL},
                 -EINVAL,
                 "exactly one of repository"},
                {"github bad secret name",
                 {"type=github", "repository=a/b", "secret=GITHUB_TOKEN", "credential_file=/c",
                  NULL},
                 -EINVAL,
                 "secret must be"},
                {"github repository without owner",
                 {"type=github", "repository=dags", "secret=T", "credential_file=/c", NULL},
                 -EINVAL,
                 "owner/name"},
                {"github visibility for a repository",
                 {"type=github", "repository=a/b", "visibility=all", "secret=T",
                  "credential_file=/c", NULL},
                 -EINVAL,
                 "need github_org"},
                {"github no credential",
                 {"type=github", "repository=a/b", "secret=T", NULL},
                 -EINVAL,
                 "credential_file"},
                {"github plain http elsewhere",
                 {"type=github", "api_url=http://github.example.com", "repository=a/b", "secret=T",
                  "credential_file=/c", NULL},
                 -EINVAL,
                 "api_url must be https"},
                {"gitlab project",
                 {"type=gitlab", "project=acme/dags", "variable=ASTRO_API_TOKEN",
                  "environment_scope=production", "credential_file=/c", NULL},
                 0,
                 NULL},
                {"gitlab neither",
                 {"type=gitlab", "variable=V", "credential_file=/c", NULL},
                 -EINVAL,
                 "exactly one of project and group"},
                {"gitlab bad key",
                 {"type=gitlab", "group=acme", "variable=A-B", "credential_file=/c", NULL},
                 -EINVAL,
                 "variable must be"},
                {"vault",
                 {"type=vault", "api_url=https://vault:8200", "mount=kv", "path=ci/astro",
                  "key=token", "namespace=team", "credential_file=/c", NULL},
                 0,
                 NULL},
                {"vault absolute path",
                 {"type=vault", "path=/ci", "key=k", "credential_file=/c", NULL},
                 -EINVAL,
                 "path must"},
                {"vault with repository",
                 {"type=vault", "path=ci", "key=k", "repository=a/b", "credential_file=/c", NULL},
                 -EINVAL,
                 "key repository is not used by type vault"},
                {"kubernetes in a pod",
                 {"type=kubernetes", "secret=astro", "key=token", NULL},
                 0,
                 NULL},
                {"kubernetes bad key",
                 {"type=kubernetes", "secret=astro", "key=a/b", NULL},
                 -EINVAL,
                 "key must"},
                {"file", {"type=file", "path=/run/runner/astro-token", NULL}, 0, NULL},
                {"file relative", {"type=file", "path=astro-token", NULL}, -EINVAL, "absolute"},
                {"file with timeout",
                 {"type=file", "path=/x", "timeout=5s", NULL},
                 -EINVAL,
                 "key timeout is not used"},
                {"exec",
                 {"type=exec", "command=/usr/local/bin/put-token --store x", "timeout=10s", NULL},
                 0,
                 NULL},
                {"exec blank", {"type=exec", "command=  ", NULL}, -EINVAL, "command is missing"},
                {"no type", {"path=/x", NULL}, -EINVAL, "type is missing"},
                {"unknown type", {"type=s3", NULL}, -EINVAL, "type s3 is not one of"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_deliver_target t;
                struct tw_buf err;
                int r;

                tw_buf_init(&err, 0);
                fill(&t, cases[i].kv);
                r = tw_deliver_target_validate(&t, &err);
                if (r != cases[i].want ||
                    (cases[i].says && (!err.ptr || !strstr(err.ptr, cases[i].says))))
                        fail_msg("%s: %d, %s", cases[i].name, r,
                                 err.ptr ? err.ptr : "(no message)");
                if (r < 0)
                        assert_memory_equal(err.ptr, "deliver ci: ", 12);
                tw_deliver_target_done(&t);
                tw_buf_done(&err);
        }
}

static void test_set(void **state)
{
        struct tw_deliver_target t = {0};

        (void)state;
        assert_int_equal(tw_deliver_target_set(&t, "token", "x"), -ENOENT); /* the caller's */
        assert_int_equal(tw_deliver_target_set(&t, "astro", "prod"), -ENOENT);
        assert_int_equal(tw_deliver_target_set(&t, "timeout", "soon"), -EINVAL);
        assert_int_equal(tw_deliver_target_set(&t, "timeout", "2m"), 0);
        assert_int_equal(t.timeout_ms, 120000);
        assert_int_equal(tw_deliver_target_set(&t, "path", "/a"), 0);
        assert_int_equal(tw_deliver_target_set(&t, "path", "/b"), 0);
        assert_string_equal(t.path, "/b");
        tw_deliver_target_done(&t);
        assert_null(t.path);
        tw_deliver_target_done(NULL);
}

/* Each type's plan names its calls and never a credential. */
static void test_plans(void **state)
{
        static const struct {
                const char *kv[8];
                const char *says;
        } cases[] = {
                {{"type=github", "github_org=acme", "secret=T", "credential_file=/CREDFILE", NULL},
                 "PUT https://api.github.com/orgs/acme/actions/secrets/T"},
                {{"type=github", "repository=acme/dags", "environment=prod eu", "secret=T", NULL},
                 "GET "
                 "https://api.github.com/repos/acme/dags/environments/prod%20eu/secrets/"
                 "public-key"},
                {{"type=gitlab", "project=acme/dags", "variable=V", "environment_scope=prod", NULL},
                 "PUT "
                 "https://gitlab.com/api/v4/projects/acme%2Fdags/variables/"
                 "V?filter%5Benvironment_scope%5D=prod"},
                {{"type=gitlab", "api_url=https://git.example/api/v4", "group=7", "variable=V",
                  NULL},
                 "POST https://git.example/api/v4/groups/7/variables"},
                {{"type=vault", "mount=kv/team", "path=ci/astro", "key=token", NULL},
                 "POST https://127.0.0.1:8200/v1/kv/team/data/ci/astro"},
                {{"type=kubernetes", "namespace=ci", "secret=astro", "key=token", NULL},
                 "PATCH the same (application/merge-patch+json"},
                {{"type=file", "path=/run/x", NULL}, "write /run/x (mode 0600"},
                {{"type=exec", "command=put-token", NULL}, "run /bin/sh -c 'put-token'"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_deliver_target t;
                struct tw_buf out;

                tw_buf_init(&out, 0);
                fill(&t, cases[i].kv);
                tw_deliver_ops_find(t.type)->plan(&t, &out);
                if (!out.ptr || !strstr(out.ptr, cases[i].says))
                        fail_msg("%s: %s", t.type, out.ptr ? out.ptr : "(nothing)");
                assert_null(strstr(out.ptr, "CREDFILE"));
                tw_deliver_target_done(&t);
                tw_buf_done(&out);
        }
}

static void test_inspect(void **state)
{
        /* {"alg":"RS256","typ":"JWT"} . {"exp":1790000000,"iat":1780000000,"apiTokenId":"cltok"} .
         * sig */
        static const char jwt[] =
                "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
                "eyJleHAiOjE3OTAwMDAwMDAsImlhdCI6MTc4MDAwMDAwMCwiYXBpVG9rZW5JZCI6ImNsdG9rIn0."
                "c2ln";
        struct tw_deliver_state s;
        char fp[TW_DELIVER_FINGERPRINT_LEN + 1], with_nl[sizeof(jwt) + 1];

        (void)state;
        tw_deliver_state_init(&s);
        snprintf(with_nl, sizeof(with_nl), "%s\n", jwt);
        assert_int_equal(tw_deliver_inspect(with_nl, strlen(with_nl), &s), 0);
        assert_true(s.readable);
        assert_true(s.holds_jwt);
        assert_string_equal(s.api_token_id, "cltok");
        assert_int_equal(s.iat, 1780000000);
        assert_int_equal(s.exp, 1790000000);
        assert_int_equal(tw_deliver_fingerprint(jwt, fp), 0);
        assert_string_equal(s.fingerprint, fp); /* the newline is not part of it */
        assert_int_equal(strlen(fp), 64);
        assert_true(tw_deliver_state_holds(&s, jwt));
        assert_false(tw_deliver_state_holds(&s, "other"));

        tw_deliver_state_init(&s);
        assert_int_equal(tw_deliver_inspect("not-a-jwt", 9, &s), 0);
        assert_true(s.readable);
        assert_false(s.holds_jwt);
        assert_int_equal(s.iat, TW_NO_TIME);
        /* A value with a NUL byte is not taken for a JWT. */
        tw_deliver_state_init(&s);
        assert_int_equal(tw_deliver_inspect("a.b\0c.d", 7, &s), 0);
        assert_false(s.holds_jwt);
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
}

static void test_kubernetes_defaults(void **state)
{
        struct tw_deliver_target t = {0};
        struct tw_k8s_where w;
        struct tw_buf err;
        char sa[256], ca[512];

        (void)state;
        tw_buf_init(&err, 0);
        tw_test_tmpdir(sa, sizeof(sa), "sa");
        t.name = strdup("k");
        /* Nothing: no namespace anywhere. */
        assert_int_equal(tw_k8s_where(&t, sa, NULL, NULL, &w, &err), -EINVAL);
        assert_non_null(strstr(err.ptr, "namespace is not set"));
        /* A pod: the service account's namespace, token and CA. */
        write_file(sa, "namespace", "ci-runners\n", 0644);
        write_file(sa, "token", "sa-token\n", 0644);
        write_file(sa, "ca.crt", "-----BEGIN CERTIFICATE-----\n", 0644);
        assert_int_equal(tw_k8s_where(&t, sa, "10.96.0.1", "443", &w, &err), 0);
        assert_string_equal(w.api_url, "https://10.96.0.1:443");
        assert_string_equal(w.namespace, "ci-runners");
        assert_true(w.token_any_mode);
        snprintf(ca, sizeof(ca), "%s/ca.crt", sa);
        assert_string_equal(w.ca_file, ca);
        tw_k8s_where_done(&w);
        assert_int_equal(tw_k8s_where(&t, sa, "fd00::1", NULL, &w, &err), 0);
        assert_string_equal(w.api_url, "https://[fd00::1]:443");
        tw_k8s_where_done(&w);
        assert_int_equal(tw_k8s_where(&t, sa, NULL, NULL, &w, &err), 0);
        assert_string_equal(w.api_url, "https://kubernetes.default.svc");
        tw_k8s_where_done(&w);
        /* Configured: those win, and another API server gets no pod CA. */
        assert_int_equal(tw_deliver_target_set(&t, "api_url", "https://k8s.example:6443"), 0);
        assert_int_equal(tw_deliver_target_set(&t, "namespace", "prod"), 0);
        assert_int_equal(tw_deliver_target_set(&t, "credential_file", "/etc/tw/k8s-token"), 0);
        assert_int_equal(tw_k8s_where(&t, sa, "10.96.0.1", "443", &w, &err), 0);
        assert_string_equal(w.api_url, "https://k8s.example:6443");
        assert_string_equal(w.namespace, "prod");
        assert_string_equal(w.token_file, "/etc/tw/k8s-token");
        assert_false(w.token_any_mode);
        assert_null(w.ca_file);
        tw_k8s_where_done(&w);
        tw_deliver_target_done(&t);
        tw_buf_done(&err);
        assert_int_equal(tw_test_rmtree(sa), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_set),
                cmocka_unit_test(test_plans),
                cmocka_unit_test(test_inspect),
                cmocka_unit_test(test_kubernetes_defaults),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
