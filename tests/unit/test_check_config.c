/* check-config's checks (agent/cmd/check*.c): the credential offline (no
 * token file, a 0644 one, one of another owner, not a JWT, expired), the
 * API host online when it does not resolve or refuses connections, the
 * webhooks' secret files, and what a role allows.  Every problem names the
 * file and line and says what to do; none holds a secret. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "agent/cmd/check_internal.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "helpers/helpers.h"
#include "helpers/sim_client.h"
#include "lib/buf.h"

#define NOW 1796608883 /* 2026-12-07T02:01:23Z */
#define ORG "cm9r8jgormxbek92l8s8wppie"
#define SECRET_SIG "c2VjcmV0LXNpZ25hdHVyZQ"

static char dir[64];

/* base64url without padding. */
static void b64url(struct tw_buf *out, const char *s)
{
        static const char abc[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        unsigned acc = 0;
        int bits = 0;

        for (; *s; s++) {
                acc = (acc << 8) | (unsigned char)*s;
                bits += 8;
                while (bits >= 6) {
                        bits -= 6;
                        tw_buf_addc(out, abc[(acc >> bits) & 63]);
                }
        }
        if (bits > 0)
                tw_buf_addc(out, abc[(acc << (6 - bits)) & 63]);
}

/* Writes a file of content with mode under dir; returns its path (static). */
static const char *put(const char *name, const char *content, mode_t mode)
{
        static char path[8][128];
        static int next;
        char *p = path[next++ % 8];
        FILE *f;

        snprintf(p, 128, "%s/%s", dir, name);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
        assert_int_equal(chmod(p, mode), 0);
        return p;
}

/* A JWT with this payload, as an Astro API token looks. */
static char *jwt(const char *payload)
{
        struct tw_buf b;

        tw_buf_init(&b, 0);
        b64url(&b, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
        tw_buf_addc(&b, '.');
        b64url(&b, payload);
        tw_buf_adds(&b, "." SECRET_SIG "\n");
        return tw_buf_steal(&b);
}

/* Loads ini (the token file's path substituted for %s) and checks its one
 * organization's credential offline; returns what tw_check_credential did. */
static int check_credential(struct tw_check *c, const char *ini_fmt, const char *token_path)
{
        struct tw_credential_info cred = {0};
        struct tw_config *cfg = NULL;
        struct tw_buf ini, err;
        int r;

        tw_buf_init(&ini, 0);
        tw_buf_init(&err, 0);
        tw_buf_printf(&ini, ini_fmt, token_path);
        if (tw_config_load_string(ini.ptr, "tw.ini", &cfg, &err) < 0)
                fail_msg("config: %s", err.ptr);
        tw_check_init(c, "tw.ini", NOW);
        c->owner_uid = geteuid();
        snprintf(c->owner_name, sizeof(c->owner_name), "tokenwatch");
        r = tw_check_credential(c, tw_config_org(cfg, 0), &cred);
        tw_credential_done(&cred);
        tw_config_free(cfg);
        tw_buf_done(&ini);
        tw_buf_done(&err);
        return r;
}

static void assert_has(const struct tw_buf *b, const char *want)
{
        if (!b->ptr || !strstr(b->ptr, want))
                fail_msg("missing: %s\nin: %s", want, b->ptr ? b->ptr : "(nothing)");
}

#define INI "[agent]\nlog_level = warn\n[astro]\ntoken_file = %s\n"
#define P_OK                                                                                 \
        "{\"exp\":1801792883,\"apiTokenId\":\"cl6657ttnfefw2oilj7qlpiho\",\"permissions\":[" \
        "\"organizationId:" ORG "\"]}"

static void test_credential_offline(void **state)
{
        static const struct {
                const char *name;
                const char *file;    /* NULL: no file */
                const char *payload; /* a JWT of it, else file content as is */
                mode_t mode;
                int rc;
                const char *want; /* in the problems, or the notes when rc is 0 */
        } cases[] = {
                {"no token file", NULL, NULL, 0, -1,
                 "tw.ini:4: [astro] token_file: %s does not exist: put the Astro API token there, "
                 "readable by tokenwatch only (install -m 0600 -o tokenwatch FILE %s)"},
                {"a 0644 token file", "open", P_OK, 0644, -1,
                 "tw.ini:4: [astro] token_file: %s has mode 0644: group or others may read or "
                 "write the Astro API token, and tokenwatch refuses it: chmod 600 %s"},
                {"a 0400 token file", "ro", P_OK, 0400, 0, "[astro] token_file %s: belongs to "},
                {"a token file nobody can read", "none", P_OK, 0200, -1,
                 "has mode 0200: its owner cannot read it: chmod 600"},
                {"not a JWT", "raw", NULL, 0600, -1,
                 "tw.ini:4: the credential in [astro] token_file is not an Astro API token (an "
                 "Astro API token is a JWT"},
                {"a JWT without permissions", "noperm", "{\"exp\":1801792883}", 0600, -1,
                 "is not an Astro API token (its JWT lists no permissions)"},
                {"an expired JWT", "expired",
                 "{\"exp\":1796000000,\"permissions\":[\"organizationId:" ORG "\"]}", 0600, -1,
                 "tw.ini:4: the Astro API token has expired (at 2026-11-30T00:53:20Z): rotate it "
                 "and update [astro] token_file"},
                {"a good one: its expiry shown", "good", P_OK, 0600, 0,
                 "[astro] credential: an Astro API token (id cl6657ttnfefw2oilj7qlpiho) of "
                 "organization " ORG "; expires 2027-02-05T02:01:23Z (in 60 days)"},
                {"expiring soon", "soon",
                 "{\"exp\":1797000000,\"permissions\":[\"organizationId:" ORG "\"]}", 0600, 0,
                 "expires 2026-12-11T14:40:00Z (in 4 days): rotate it soon"},
                {"never expiring", "never", "{\"permissions\":[\"organizationId:" ORG "\"]}", 0600,
                 0, "; never expires"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_check c;
                char path[128], want[512];
                char *content = NULL;
                int r;

                print_message("case: %s\n", cases[i].name);
                snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file ? cases[i].file : "nope");
                if (cases[i].file) {
                        content = cases[i].payload ? jwt(cases[i].payload)
                                                   : strdup("astro-raw-T0KEN\n");
                        put(cases[i].file, content, cases[i].mode);
                }
                r = check_credential(&c, INI, path);
                snprintf(want, sizeof(want), cases[i].want, path, path);
                if (r != cases[i].rc)
                        fail_msg("rc %d, want %d\nproblems: %s", r, cases[i].rc,
                                 c.problems.ptr ? c.problems.ptr : "");
                assert_has(r == 0 ? &c.notes : &c.problems, want);
                assert_int_equal(c.n_problems, r == 0 ? 0 : 1);
                /* never the credential, nor its signature */
                assert_true(!c.problems.ptr || !strstr(c.problems.ptr, SECRET_SIG));
                assert_true(!c.notes.ptr || !strstr(c.notes.ptr, SECRET_SIG));
                assert_true(!c.problems.ptr || !strstr(c.problems.ptr, "T0KEN"));
                tw_check_done(&c);
                free(content);
        }
}

/* A token file of another user: the service could not read it. */
static void test_credential_owner(void **state)
{
        struct tw_check c;
        struct tw_buf want;
        char *content = jwt(P_OK);
        const char *path = put("other-owner", content, 0600);

        (void)state;
        if (geteuid() != 0)
                skip(); /* only root can give a file away */
        assert_int_equal(chown(path, 65534, 65534), 0);
        tw_buf_init(&want, 0);
        tw_buf_printf(&want,
                      "tw.ini:4: [astro] token_file: %s belongs to nobody, not to tokenwatch (the "
                      "user tokenwatch runs as), which then cannot read it: chown tokenwatch %s",
                      path, path);
        /* root reads it anyway: the rest of the checks still run */
        assert_int_equal(check_credential(&c, INI, path), 0);
        assert_has(&c.problems, want.ptr);
        assert_int_equal(c.n_problems, 1);
        tw_check_done(&c);
        tw_buf_done(&want);
        free(content);
}

/* A file of root's readable by the group of the user tokenwatch runs as
 * (a Kubernetes Secret with fsGroup, 0440 root:tokenwatch): accepted, as
 * lib/secret.c accepts it; readable by nobody but root, or writable by the
 * group: not. */
static void test_credential_root_group(void **state)
{
        static const struct {
                const char *name;
                gid_t gid;
                mode_t mode;
                int rc;
                const char *want; /* in the problems; NULL: none */
        } cases[] = {
                {"0440 root:service's group", 65534, 0440, 0, NULL},
                {"0640 root:service's group", 65534, 0640, 0, NULL},
                /* and read as nobody, it cannot be read indeed */
                {"0400 root:root", 0, 0400, -1,
                 "belongs to root, not to nobody (the user tokenwatch runs as), which then cannot "
                 "read it: chown nobody "},
                {"0440 root:another group", 0, 0440, -1, "Permission denied"},
                {"0460 root:service's group", 65534, 0460, -1,
                 "has mode 0460: others may read or write the Astro API token, and tokenwatch "
                 "refuses it: chmod 440 "},
                {"0444 root:service's group", 65534, 0444, -1, "has mode 0444"},
        };
        char *content = jwt(P_OK);

        (void)state;
        if (geteuid() != 0)
                skip(); /* only root can give a file away */
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_credential_info cred = {0};
                struct tw_config *cfg = NULL;
                struct tw_check c;
                struct tw_buf ini, err;
                const char *path = put("root-group", content, cases[i].mode);
                int r;

                print_message("case: %s\n", cases[i].name);
                assert_int_equal(chown(path, 0, cases[i].gid), 0);
                tw_buf_init(&ini, 0);
                tw_buf_init(&err, 0);
                tw_buf_printf(&ini, INI, path);
                assert_int_equal(tw_config_load_string(ini.ptr, "tw.ini", &cfg, &err), 0);
                tw_check_init(&c, "tw.ini", NOW);
                c.owner_uid = 65534;
                c.owner_gid = 65534;
                snprintf(c.owner_name, sizeof(c.owner_name), "nobody");
                r = tw_check_credential(&c, tw_config_org(cfg, 0), &cred);
                if (r != cases[i].rc ||
                    (cases[i].want ? !c.problems.ptr || !strstr(c.problems.ptr, cases[i].want)
                                   : c.n_problems != 0))
                        fail_msg("rc %d; problems: %s", r, c.problems.ptr ? c.problems.ptr : "");
                tw_credential_done(&cred);
                tw_check_done(&c);
                tw_config_free(cfg);
                tw_buf_done(&ini);
                tw_buf_done(&err);
        }
        free(content);
}

/* The credential from the environment, and a config org that disagrees. */
static void test_credential_env(void **state)
{
        struct tw_check c;
        char *token = jwt(P_OK);

        (void)state;
        token[strlen(token) - 1] = '\0';
        setenv("TW_CHECK_TOKEN", token, 1);
        assert_int_equal(check_credential(&c, "[astro]\ntoken_env = TW_CHECK_TOKEN%s\n", ""), 0);
        assert_has(&c.notes, "[astro] credential from TW_CHECK_TOKEN: an Astro API token");
        tw_check_done(&c);
        assert_int_equal(check_credential(&c,
                                          "[astro]\ntoken_env = TW_CHECK_TOKEN\norganization_id "
                                          "= cotherorg000000000000000%s\n",
                                          ""),
                         -1);
        assert_has(&c.problems, "tw.ini: [astro] organization_id: cotherorg000000000000000, but "
                                "the credential in TW_CHECK_TOKEN belongs to organization " ORG);
        tw_check_done(&c);
        unsetenv("TW_CHECK_TOKEN");
        assert_int_equal(check_credential(&c, "[astro]\ntoken_env = TW_CHECK_TOKEN%s\n", ""), -1);
        assert_has(&c.problems, "no Astro API token: set [astro] token_file");
        tw_check_done(&c);
        free(token);
}

/* A loopback port that was free a moment ago and has no listener. */
static unsigned unused_port(void)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
        socklen_t len = sizeof(sa);
        int fd;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

/* --online against an API host that cannot be reached: one problem naming
 * [astro] api_url and its line, after one quick retry. */
static void test_api_unreachable(void **state)
{
        static const struct {
                const char *name;
                const char *url;
                const char *want;
        } cases[] = {
                {"a name under .invalid", "https://api.tokenwatch-test.invalid",
                 "tw.ini:3: Could not resolve host: api.tokenwatch-test.invalid (after 2 "
                 "attempts): the host name in [astro] api_url does not resolve"},
                {"connection refused", "http://127.0.0.1:%u",
                 "(after 2 attempts): nothing accepts connections at [astro] api_url: check its "
                 "host and port"},
        };
        char *content = jwt(P_OK);
        const char *path = put("online", content, 0600);

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_credential_info cred = {0};
                struct tw_config *cfg = NULL;
                struct tw_check c;
                struct tw_buf ini, err;
                char url[128];

                print_message("case: %s\n", cases[i].name);
                snprintf(url, sizeof(url), cases[i].url, unused_port());
                tw_buf_init(&ini, 0);
                tw_buf_init(&err, 0);
                tw_buf_printf(&ini, "[astro]\ntoken_file = %s\napi_url = %s\n", path, url);
                assert_int_equal(tw_config_load_string(ini.ptr, "tw.ini", &cfg, &err), 0);
                tw_check_init(&c, "tw.ini", NOW);
                assert_int_equal(tw_credential_load(cfg, NOW, &cred, &err), 0);
                tw_check_api_online(&c, cfg, &cfg->astro, &cred);
                assert_int_equal(c.n_problems, 1);
                assert_has(&c.problems, cases[i].want);
                assert_int_equal(c.n_orgs_reachable, 0);
                assert_true(!strstr(c.problems.ptr, SECRET_SIG));
                tw_check_done(&c);
                tw_credential_done(&cred);
                tw_config_free(cfg);
                tw_buf_done(&ini);
                tw_buf_done(&err);
        }
        free(content);
}

/* --online against the test Astro API with a Workspace API token: the
 * organization answers, the token's own object is a 403, so its role is
 * unknown and said so; nothing is a problem. */
static void test_api_workspace_credential(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        struct tw_credential_info cred = {0};
        struct tw_config *cfg = NULL;
        struct tw_check c;
        struct tw_buf ini, err, token;
        const char *path;

        (void)state;
        tw_buf_init(&ini, 0);
        tw_buf_init(&err, 0);
        tw_buf_init(&token, 0);
        tw_buf_printf(&token, "%s\n",
                      tw_sim_workspace_credential(sim, "cwuo8oc09zcke5raw4y1tgy5c"));
        path = put("ws-token", token.ptr, 0600);
        tw_buf_printf(&ini, "[astro]\ntoken_file = %s\napi_url = %s\n", path, tw_sim_url(sim));
        assert_int_equal(tw_config_load_string(ini.ptr, "tw.ini", &cfg, &err), 0);
        tw_check_init(&c, "tw.ini", BASE); /* the sim's clock: its credentials' iat */
        c.owner_uid = geteuid();
        if (tw_check_credential(&c, &cfg->astro, &cred) < 0)
                fail_msg("%s", c.problems.ptr);
        assert_has(&c.notes, ", workspace cwuo8oc09zcke5raw4y1tgy5c;");
        tw_check_api_online(&c, cfg, &cfg->astro, &cred);
        print_message("%s", c.notes.ptr);
        assert_int_equal(c.n_problems, 0);
        assert_int_equal(c.n_orgs_reachable, 1);
        assert_has(&c.notes, "reachable; organization " ORG " \"Demo Org\"");
        assert_has(&c.notes, "[astro] role: unknown: the credential cannot read its own token "
                             "(HTTP 403), as a Workspace or Deployment API token cannot");
        tw_check_done(&c);
        tw_credential_done(&cred);
        tw_config_free(cfg);
        tw_buf_done(&ini);
        tw_buf_done(&err);
        tw_buf_done(&token);
        tw_sim_stop(sim);
}

/* Webhook secret files: readable, private, and a url_file holding URLs. */
static void test_webhook_files(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_check c;
        struct tw_buf ini, err;
        const char *url = put("hook-url", "https://hooks.example.com/services/T0KEN-PATH\n", 0600);
        const char *bad = put("hook-bad", "hooks.example.com/no-scheme-T0KEN\n", 0600);
        const char *open = put("hook-open", "https://hooks.example.com/T0KEN\n", 0640);
        const char *key = put("hook-key", "s3cr3t-T0KEN\n", 0600);

        (void)state;
        tw_buf_init(&ini, 0);
        tw_buf_init(&err, 0);
        tw_buf_printf(&ini,
                      "[webhook.good]\nurl_file = %s\nsecret_file = %s\n"
                      "[webhook.bad]\nurl_file = %s\n"
                      "[webhook.open]\nformat = slack\nurl_file = %s\n"
                      "[webhook.pd]\nformat = pagerduty\nrouting_key_file = %s/missing\n",
                      url, key, bad, open, dir);
        if (tw_config_load_string(ini.ptr, "tw.ini", &cfg, &err) < 0)
                fail_msg("config: %s", err.ptr);
        tw_check_init(&c, "tw.ini", NOW);
        c.owner_uid = geteuid();
        tw_check_webhooks(&c, cfg, false);
        print_message("%s%s", c.notes.ptr ? c.notes.ptr : "", c.problems.ptr);
        assert_has(&c.notes, "[webhook.good] url_file ");
        assert_has(&c.notes, "[webhook.good] secret_file ");
        assert_has(&c.problems, "tw.ini:5: [webhook.bad] url_file: ");
        assert_has(&c.problems, "holds something that is not an http(s) URL");
        assert_has(&c.problems, "tw.ini:8: [webhook.open] url_file: ");
        assert_has(&c.problems, "has mode 0640");
        assert_has(&c.problems, "tw.ini:11: [webhook.pd] routing_key_file: ");
        assert_has(&c.problems, "missing does not exist: put the routing key there");
        assert_int_equal(c.n_problems, 3);
        assert_true(!strstr(c.problems.ptr, "T0KEN") && !strstr(c.notes.ptr, "T0KEN"));
        tw_check_done(&c);
        tw_config_free(cfg);
        tw_buf_done(&ini);
        tw_buf_done(&err);
}

static void add_role(struct tw_token *t, const char *type, const char *id, const char *role)
{
        t->roles = realloc(t->roles, (t->n_roles + 1) * sizeof(*t->roles));
        assert_non_null(t->roles);
        t->roles[t->n_roles++] = (struct tw_role){
                .entity_type = (char *)type, .entity_id = (char *)id, .role = (char *)role};
}

/* What each kind of credential lets tokenwatch do. */
static void test_describe_role(void **state)
{
        static const struct {
                const char *name;
                const char *scope, *type, *role, *ws_role;
                bool owner;
                const char *want;
        } cases[] = {
                {"organization member", "ORGANIZATION", "ORGANIZATION", "ORGANIZATION_MEMBER", NULL,
                 false,
                 "an Organization API token with role ORGANIZATION_MEMBER: lists every token of "
                 "the organization; audit logs: no (they need an Organization Owner); rotation: "
                 "no (it needs an Organization Owner)"},
                {"organization owner", "ORGANIZATION", "ORGANIZATION", "ORGANIZATION_OWNER", NULL,
                 true, "audit logs: yes; rotation: every token"},
                {"organization member, owner of a workspace", "ORGANIZATION", "ORGANIZATION",
                 "ORGANIZATION_MEMBER", "WORKSPACE_OWNER", false,
                 "rotation: the tokens of workspace ws1"},
                {"workspace owner", "WORKSPACE", "WORKSPACE", "WORKSPACE_OWNER", NULL, false,
                 "a Workspace API token with role WORKSPACE_OWNER in workspace ws1: lists that "
                 "workspace's tokens only"},
                {"workspace author", "WORKSPACE", "WORKSPACE", "WORKSPACE_AUTHOR", NULL, false,
                 "rotation: no (it needs a Workspace Owner)"},
                {"deployment admin", "DEPLOYMENT", "DEPLOYMENT", "DEPLOYMENT_ADMIN", NULL, false,
                 "a Deployment API token with role DEPLOYMENT_ADMIN: lists that deployment's "
                 "tokens only"},
                {"no role", "ORGANIZATION", NULL, NULL, NULL, false,
                 "with no role tokenwatch knows"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_token t = {.scope = (char *)cases[i].scope};
                struct tw_buf out;
                bool owner = !cases[i].owner;

                if (cases[i].type)
                        add_role(&t, cases[i].type, "ws1", cases[i].role);
                if (cases[i].ws_role)
                        add_role(&t, "WORKSPACE", "ws1", cases[i].ws_role);
                tw_buf_init(&out, 0);
                tw_check_describe_role(&t, &out, &owner);
                if (!strstr(out.ptr, cases[i].want) || owner != cases[i].owner)
                        fail_msg("%s: %s (owner %d)", cases[i].name, out.ptr, owner);
                tw_buf_done(&out);
                free(t.roles);
        }
}

static int setup(void **state)
{
        (void)state;
        tw_test_tmpdir(dir, sizeof(dir), "check-config");
        /* other users (the reader of test_credential_root_group) may pass */
        if (chmod(dir, 0711) < 0)
                return -1;
        return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        curl_global_cleanup();
        return tw_test_rmtree(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_credential_offline),
                cmocka_unit_test(test_credential_owner),
                cmocka_unit_test(test_credential_root_group),
                cmocka_unit_test(test_credential_env),
                cmocka_unit_test(test_api_unreachable),
                cmocka_unit_test(test_api_workspace_credential),
                cmocka_unit_test(test_webhook_files),
                cmocka_unit_test(test_describe_role),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
