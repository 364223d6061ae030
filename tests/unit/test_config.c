/* Configuration: every error path and its message, good files, defaults,
 * API base URLs and the documented example (core/config*.c). */
#include "core/config/config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "helpers/config_case.h"
#include "helpers/helpers.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400

/* A file that must fail: want is a substring of the errors (usually
 * "t.ini:LINE: [section] key: reason"); secret must not appear in them. */
struct err_case {
        const char *name;
        const char *text;
        const char *want;
        const char *secret;
};

#define URL_ERR "expected an https:// URL"
#define HTTP_ERR "plain http is allowed only to a loopback address; use https"
#define ID_ERR "expected an id (letters, digits, - and _)"
#define LIST_ERR "expected a comma-separated list of ids (letters, digits, - and _)"
#define DUR_ERR "expected a duration like 30s, 5m, 12h or 90d"
#define DUR_OFF_ERR "expected a duration like 30s, 5m, 12h, 90d, or off"
#define THR_ERR "expected a duration (7d), a percentage of the token's lifetime (25%), or off"
#define PCT_ERR "a percentage must be above 0% and at most 100%"
#define ROLE_ERR "not a known role of this level"
#define LISTEN_ERR "expected host:port, [address]:port or a port (0 picks a free one)"
#define SUPP_ERR "expected '<YYYY-MM-DD> <reason>'"
#define ONE_URL "exactly one of url and url_file is required"

static const struct err_case err_cases[] = {
        /* structure */
        {"unknown section", "[astro]\n[bogus]\nkey = 1\n",
         "t.ini:3: [bogus]: unknown section (expected astro, agent, policy, trail, audit_logs, "
         "suppress",
         NULL},
        {"webhook section without a name", "[webhook.]\nurl = https://h.example\n",
         "t.ini:2: [webhook.]: unknown section", NULL},
        {"webhook section with a bad name", "[webhook.a b]\nurl = https://h.example\n",
         "t.ini:2: [webhook.a b]: unknown section", NULL},
        {"unknown key", "[astro]\n\nnope = 1\n", "t.ini:3: [astro] nope: unknown key", NULL},
        {"key of another section", "[agent]\napi_url = https://x.example\n",
         "t.ini:2: [agent] api_url: unknown key", NULL},
        {"key outside a section", "stray = 1\n[astro]\n",
         "t.ini:1: stray: key outside of any section", NULL},
        {"duplicate key", "[astro]\nmax_retries = 1\n; comment\nmax_retries = 2\n",
         "t.ini:4: [astro] max_retries: given twice (first on line 2)", NULL},
        {"duplicate key in a repeated section",
         "[agent]\ninterval = 5m\n[astro]\n[agent]\ninterval = 6m\n",
         "t.ini:5: [agent] interval: given twice (first on line 2)", NULL},
        {"syntax error: no =", "[astro]\njust some words\n",
         "t.ini:2: syntax error (expected [section] or key = value)", NULL},
        {"syntax error: unclosed section", "[astro]\nmax_retries = 1\n[agent\n",
         "t.ini:3: syntax error", NULL},
        {"line numbers count CRLF lines", "[astro]\r\nmax_retries = 1\r\n\r\nmax_retries = x\r\n",
         "t.ini:4: [astro] max_retries: given twice (first on line 2)", NULL},
        /* [astro] */
        {"api_url not http", "[astro]\napi_url = ftp://api.example\n",
         "t.ini:2: [astro] api_url: " URL_ERR, NULL},
        {"api_url plain http", "[astro]\napi_url = http://api.example\n",
         "t.ini:2: [astro] api_url: " HTTP_ERR, NULL},
        {"api_url without host", "[astro]\napi_url = https://\n",
         "t.ini:2: [astro] api_url: expected a URL with a host", NULL},
        {"api_url with a space", "[astro]\napi_url = https://a.example/x y\n",
         "t.ini:2: [astro] api_url: URL contains spaces or control characters", NULL},
        {"api_url empty", "[astro]\napi_url =\n", "t.ini:2: [astro] api_url: " URL_ERR, NULL},
        {"api_version", "[astro]\napi_version = v2\n",
         "t.ini:2: [astro] api_version: expected v1 or v1beta1", NULL},
        {"organization_id with a space", "[astro]\norganization_id = my org\n",
         "t.ini:2: [astro] organization_id: " ID_ERR, NULL},
        {"organization_id of 65 characters",
         "[astro]\norganization_id = "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         "t.ini:2: [astro] organization_id: " ID_ERR, NULL},
        {"token_file empty", "[astro]\ntoken_file =\n",
         "t.ini:2: [astro] token_file: must not be empty", NULL},
        {"workspaces with an empty item", "[astro]\nworkspaces = a,,b\n",
         "t.ini:2: [astro] workspaces: " LIST_ERR, NULL},
        {"workspaces with a trailing comma", "[astro]\nworkspaces = a, b,\n",
         "t.ini:2: [astro] workspaces: empty item in list", NULL},
        {"workspaces empty", "[astro]\nworkspaces =\n", "t.ini:2: [astro] workspaces: empty list",
         NULL},
        {"workspaces with a bad id", "[astro]\nworkspaces = a, b/c\n",
         "t.ini:2: [astro] workspaces: " LIST_ERR, NULL},
        {"include_organization_tokens", "[astro]\ninclude_organization_tokens = maybe\n",
         "t.ini:2: [astro] include_organization_tokens: expected true or false", NULL},
        {"include_deployment_tokens", "[astro]\ninclude_deployment_tokens = 2\n",
         "t.ini:2: [astro] include_deployment_tokens: expected true or false", NULL},
        {"request_timeout malformed", "[astro]\nrequest_timeout = 30 s\n",
         "t.ini:2: [astro] request_timeout: " DUR_ERR, NULL},
        {"request_timeout zero", "[astro]\nrequest_timeout = 0s\n",
         "t.ini:2: [astro] request_timeout: out of range (1s to 600s)", NULL},
        {"request_timeout over 10 minutes", "[astro]\nrequest_timeout = 601s\n",
         "t.ini:2: [astro] request_timeout: out of range", NULL},
        {"max_concurrency not a number", "[astro]\nmax_concurrency = four\n",
         "t.ini:2: [astro] max_concurrency: expected an integer", NULL},
        {"max_concurrency zero", "[astro]\nmax_concurrency = 0\n",
         "t.ini:2: [astro] max_concurrency: out of range", NULL},
        {"max_concurrency 65", "[astro]\nmax_concurrency = 65\n",
         "t.ini:2: [astro] max_concurrency: out of range", NULL},
        {"max_concurrency huge", "[astro]\nmax_concurrency = 99999999999999999999999\n",
         "t.ini:2: [astro] max_concurrency: out of range", NULL},
        {"max_concurrency with a fraction", "[astro]\nmax_concurrency = 2.5\n",
         "t.ini:2: [astro] max_concurrency: expected an integer", NULL},
        {"rate_limit not a number", "[astro]\nrate_limit = fast\n",
         "t.ini:2: [astro] rate_limit: expected a number", NULL},
        {"rate_limit nan", "[astro]\nrate_limit = nan\n",
         "t.ini:2: [astro] rate_limit: expected a number", NULL},
        {"rate_limit zero", "[astro]\nrate_limit = 0\n",
         "t.ini:2: [astro] rate_limit: out of range", NULL},
        {"rate_limit over 1000", "[astro]\nrate_limit = 1000.5\n",
         "t.ini:2: [astro] rate_limit: out of range", NULL},
        {"max_retries negative", "[astro]\nmax_retries = -1\n",
         "t.ini:2: [astro] max_retries: out of range", NULL},
        {"max_retries 21", "[astro]\nmax_retries = 21\n",
         "t.ini:2: [astro] max_retries: out of range", NULL},
        /* [agent] */
        {"interval malformed", "[agent]\ninterval = 5 minutes\n",
         "t.ini:2: [agent] interval: " DUR_ERR, NULL},
        {"interval zero", "[agent]\ninterval = 0\n", "t.ini:2: [agent] interval: out of range",
         NULL},
        {"interval over a week", "[agent]\ninterval = 8d\n",
         "t.ini:2: [agent] interval: out of range", NULL},
        {"state_dir empty", "[agent]\nstate_dir =\n",
         "t.ini:2: [agent] state_dir: must not be empty", NULL},
        {"log_level", "[agent]\nlog_level = verbose\n",
         "t.ini:2: [agent] log_level: expected error, warn, info or debug", NULL},
        {"log_level is case-sensitive", "[agent]\nlog_level = INFO\n",
         "t.ini:2: [agent] log_level: expected error, warn, info or debug", NULL},
        {"log_format", "[agent]\nlog_format = xml\n",
         "t.ini:2: [agent] log_format: expected logfmt or json", NULL},
        {"listen without port", "[agent]\nlisten = localhost\n",
         "t.ini:2: [agent] listen: " LISTEN_ERR, NULL},
        {"listen port out of range", "[agent]\nlisten = 127.0.0.1:65536\n",
         "t.ini:2: [agent] listen: " LISTEN_ERR, NULL},
        {"listen v6 without colon", "[agent]\nlisten = [::1]9842\n",
         "t.ini:2: [agent] listen: expected [address]:port", NULL},
        /* passed check-config, then failed at run */
        {"listen v6 without brackets", "[agent]\nlisten = ::1:9842\n",
         "t.ini:2: [agent] listen: an IPv6 address needs brackets, e.g. [::1]:9842", NULL},
        {"listen bad ipv4", "[agent]\nlisten = 300.1.1.1:80\n",
         "t.ini:2: [agent] listen: expected an IPv4 address or a host name before the port", NULL},
        {"metrics_creator_names", "[agent]\nmetrics_creator_names = sometimes\n",
         "t.ini:2: [agent] metrics_creator_names: expected true or false", NULL},
        /* [policy] */
        {"expiry_critical malformed", "[policy]\nexpiry_critical = 7x\n",
         "t.ini:2: [policy] expiry_critical: " THR_ERR, NULL},
        {"expiry_critical 0%", "[policy]\nexpiry_critical = 0%\n",
         "t.ini:2: [policy] expiry_critical: " PCT_ERR, NULL},
        {"expiry_critical 101%", "[policy]\nexpiry_critical = 101%\n",
         "t.ini:2: [policy] expiry_critical: " PCT_ERR, NULL},
        {"expiry_critical negative %", "[policy]\nexpiry_critical = -5%\n",
         "t.ini:2: [policy] expiry_critical: " PCT_ERR, NULL},
        {"expiry_warning over 10 years", "[policy]\nexpiry_warning = 3651d\n",
         "t.ini:2: [policy] expiry_warning: out of range", NULL},
        {"expiry_warning zero", "[policy]\nexpiry_warning = 0d\n",
         "t.ini:2: [policy] expiry_warning: out of range", NULL},
        {"warning shorter than critical", "[policy]\nexpiry_critical = 30d\nexpiry_warning = 7d\n",
         "[policy] expiry_warning: must not be shorter than expiry_critical", NULL},
        {"warning percentage below critical",
         "[policy]\nexpiry_critical = 25%\nexpiry_warning = 10%\n",
         "[policy] expiry_warning: must not be shorter than expiry_critical", NULL},
        {"warning shorter than the default critical", "[policy]\nexpiry_warning = 1d\n",
         "[policy] expiry_warning: must not be shorter than expiry_critical", NULL},
        {"require_expiry", "[policy]\nrequire_expiry = perhaps\n",
         "t.ini:2: [policy] require_expiry: expected true or false", NULL},
        {"unused_after malformed", "[policy]\nunused_after = never\n",
         "t.ini:2: [policy] unused_after: " DUR_OFF_ERR, NULL},
        {"unused_after zero", "[policy]\nunused_after = 0d\n",
         "t.ini:2: [policy] unused_after: out of range", NULL},
        {"never_used_after over 10 years", "[policy]\nnever_used_after = 3651d\n",
         "t.ini:2: [policy] never_used_after: out of range", NULL},
        {"new_source_after under a day", "[policy]\nnew_source_after = 12h\n",
         "t.ini:2: [policy] new_source_after: out of range", NULL},
        {"new_source_for off", "[policy]\nnew_source_for = off\n",
         "t.ini:2: [policy] new_source_for:", NULL},
        {"max_organization_role of another level",
         "[policy]\nmax_organization_role = WORKSPACE_OWNER\n",
         "t.ini:2: [policy] max_organization_role: " ROLE_ERR, NULL},
        {"max_organization_role unknown", "[policy]\nmax_organization_role = ORGANIZATION_GOD\n",
         "t.ini:2: [policy] max_organization_role: " ROLE_ERR, NULL},
        {"max_workspace_role lowercase", "[policy]\nmax_workspace_role = workspace_owner\n",
         "t.ini:2: [policy] max_workspace_role: " ROLE_ERR, NULL},
        {"max_deployment_role custom", "[policy]\nmax_deployment_role = MY_ROLE\n",
         "t.ini:2: [policy] max_deployment_role: " ROLE_ERR, NULL},
        /* [suppress] */
        {"suppress: bad date", "[suppress]\ntok1 = 2027-02-30 reviewed\n",
         "t.ini:2: [suppress] tok1: " SUPP_ERR, NULL},
        {"suppress: date in another format", "[suppress]\ntok1 = 31.03.2027 reviewed\n",
         "t.ini:2: [suppress] tok1: " SUPP_ERR, NULL},
        {"suppress: long first word", "[suppress]\ntok1 = 2027-03-31-and-more reviewed\n",
         "t.ini:2: [suppress] tok1: " SUPP_ERR, NULL},
        {"suppress: missing reason", "[suppress]\ntok1 = 2027-03-31\n",
         "t.ini:2: [suppress] tok1: a reason is required after the date", NULL},
        {"suppress: blank reason", "[suppress]\ntok1 = 2027-03-31 \t \n",
         "t.ini:2: [suppress] tok1: a reason is required after the date", NULL},
        {"suppress: unknown kind", "[suppress]\ntok1.bogus = 2027-03-31 why\n",
         "t.ini:2: [suppress] tok1.bogus: unknown finding kind 'bogus'", NULL},
        {"suppress: bad token id", "[suppress]\ntok/1 = 2027-03-31 why\n",
         "t.ini:2: [suppress] tok/1: expected <token_id> or <token_id>.<kind>", NULL},
        /* [web] */
        {"web: cert without key", "[web]\ntls_cert_file = /etc/c.pem\n",
         "t.ini:2: [web] tls_key_file: tls_cert_file and tls_key_file go together", NULL},
        {"web: key without cert", "[web]\ntls_key_file = /etc/k.pem\n",
         "t.ini:2: [web] tls_cert_file: tls_cert_file and tls_key_file go together", NULL},
        {"web: client CA without TLS", "[web]\nclient_ca_file = /etc/ca.pem\n",
         "t.ini:2: [web] client_ca_file: mutual TLS needs tls_cert_file and tls_key_file", NULL},
        {"web: user without a bcrypt hash", "[web.basic_auth_users]\nprom = secret123\n",
         "t.ini:2: [web.basic_auth_users] prom: expected a bcrypt hash", "secret123"},
        {"web: user twice", "[web.basic_auth_users]\nprom = $2y$10$abc\nprom = $2y$10$def\n",
         "t.ini:3: [web.basic_auth_users] prom: given twice", "$2y$10$def"},
        /* [webhook.NAME] (the format-dependent checks: tests/unit/test_sink_format.c) */
        {"webhook: url and url_file",
         "[webhook.a]\nurl = https://hooks.example/T0K3N\nurl_file = /etc/u\n",
         "t.ini:2: [webhook.a] url: " ONE_URL, "T0K3N"},
        {"webhook: plain http to a remote host", "[webhook.a]\nurl = http://hooks.example/T0K3N\n",
         "t.ini:2: [webhook.a] url: " HTTP_ERR, "T0K3N"},
        {"webhook: http to a host named like 127.x",
         "[webhook.a]\nurl = http://127.0.0.1.evil.example/T0K3N\n",
         "t.ini:2: [webhook.a] url: " HTTP_ERR, "T0K3N"},
        {"webhook: http to localhost.evil", "[webhook.a]\nurl = http://localhost.evil.example/x\n",
         "t.ini:2: [webhook.a] url: " HTTP_ERR, NULL},
        {"webhook: one bad url of a list",
         "[webhook.am]\nformat = alertmanager\nurl = https://am1.example, http://am2.example\n",
         "t.ini:3: [webhook.am] url: " HTTP_ERR, NULL},
        {"webhook: empty item in a url list", "[webhook.am]\nurl = https://am1.example,\n",
         "t.ini:2: [webhook.am] url: " URL_ERR, NULL},
        {"webhook: secret and secret_file",
         "[webhook.g]\nurl_file = /etc/u\nsecret = S3CR3T\nsecret_file = /etc/s\n",
         "[webhook.g] secret: give secret or secret_file, not both", "S3CR3T"},
        {"webhook: min_severity", "[webhook.a]\nurl_file = /u\nmin_severity = info\n",
         "t.ini:3: [webhook.a] min_severity: expected warning or critical", NULL},
        {"webhook: min_severity none", "[webhook.a]\nurl_file = /u\nmin_severity = none\n",
         "t.ini:3: [webhook.a] min_severity: expected warning or critical", NULL},
        {"webhook: unknown kind", "[webhook.a]\nurl_file = /u\nkinds = expired, bogus\n",
         "t.ini:3: [webhook.a] kinds: unknown finding kind", NULL},
        {"webhook: workspaces", "[webhook.a]\nurl_file = /u\nworkspaces = a;b\n",
         "t.ini:3: [webhook.a] workspaces: " LIST_ERR, NULL},
        {"webhook: timeout", "[webhook.a]\nurl_file = /u\ntimeout = 301s\n",
         "t.ini:3: [webhook.a] timeout: out of range", NULL},
        {"webhook: max_retries", "[webhook.a]\nurl_file = /u\nmax_retries = 1001\n",
         "t.ini:3: [webhook.a] max_retries: out of range", NULL},
        {"webhook: repeat_interval", "[webhook.a]\nurl_file = /u\nrepeat_interval = 366d\n",
         "t.ini:3: [webhook.a] repeat_interval: out of range", NULL},
        {"webhook: queue_max zero", "[webhook.a]\nurl_file = /u\nqueue_max = 0\n",
         "t.ini:3: [webhook.a] queue_max: out of range", NULL},
        {"webhook: unknown key", "[webhook.a]\nurl_file = /u\nnope = 1\n",
         "t.ini:3: [webhook.a] nope: unknown key", NULL},
        {"webhook: duplicate key",
         "[webhook.a]\nurl = https://one.example/T0K3N\nurl = https://two.example/T0K3N\n",
         "t.ini:3: [webhook.a] url: given twice (first on line 2)", "T0K3N"},
};

static int load(const char *text, struct tw_config **ret, struct tw_buf *errors)
{
        return tw_config_load_string(text, "t.ini", ret, errors);
}

static void run_err(void **state)
{
        const struct err_case *c = *state;
        char *errors = tw_test_config_refused(c->name, c->text, c->want);

        assert_int_equal(errors[strlen(errors) - 1], '\n');
        if (c->secret)
                assert_null(strstr(errors, c->secret));
        free(errors);
}

/* A file that must load; check looks at what it gave. */
struct ok_case {
        const char *name;
        const char *text;
        void (*check)(const struct tw_config *cfg);
};

static void check_defaults(const struct tw_config *cfg)
{
        assert_string_equal(cfg->path, "t.ini");
        assert_string_equal(cfg->astro.api_url, "https://api.astronomer.io");
        assert_string_equal(cfg->astro.api_version, "v1");
        assert_null(cfg->astro.organization_id);
        assert_null(cfg->astro.token_file);
        assert_null(cfg->astro.workspaces);
        assert_int_equal(cfg->astro.n_workspaces, 0);
        assert_true(cfg->astro.include_organization_tokens);
        assert_true(cfg->astro.include_deployment_tokens);
        assert_int_equal(cfg->astro.request_timeout, 30);
        assert_int_equal(cfg->astro.max_concurrency, 4);
        assert_true(cfg->astro.rate_limit == 20.0);
        assert_int_equal(cfg->astro.max_retries, 5);
        assert_int_equal(cfg->agent.interval, 300);
        assert_string_equal(cfg->agent.state_dir, "/var/lib/tokenwatch");
        assert_int_equal(cfg->agent.log_level, TW_LOG_INFO);
        assert_int_equal(cfg->agent.log_format, TW_LOG_LOGFMT);
        assert_string_equal(cfg->agent.listen, "127.0.0.1:9842");
        assert_false(cfg->agent.metrics_creator_names);
        assert_false(cfg->policy.expiry_critical.off);
        assert_false(cfg->policy.expiry_critical.percent);
        assert_int_equal(cfg->policy.expiry_critical.seconds, 7 * DAY);
        assert_int_equal(cfg->policy.expiry_warning.seconds, 30 * DAY);
        assert_true(cfg->policy.require_expiry);
        assert_int_equal(cfg->policy.unused_after, 90 * DAY);
        assert_int_equal(cfg->policy.never_used_after, 14 * DAY);
        assert_int_equal(cfg->policy.new_source_after, 7 * DAY);
        assert_int_equal(cfg->policy.new_source_for, 7 * DAY);
        assert_string_equal(cfg->policy.max_organization_role, "ORGANIZATION_BILLING_ADMIN");
        assert_string_equal(cfg->policy.max_workspace_role, "WORKSPACE_OPERATOR");
        assert_string_equal(cfg->policy.max_deployment_role, "DEPLOYMENT_ADMIN");
        assert_int_equal(cfg->n_suppressions, 0);
        assert_int_equal(cfg->n_webhooks, 0);
        assert_int_equal(cfg->web.n_users, 0);
        assert_null(cfg->web.tls_cert_file);
}

static void check_astro(const struct tw_config *cfg)
{
        assert_string_equal(cfg->astro.api_url, "http://127.0.0.1:8080/api");
        assert_string_equal(cfg->astro.api_version, "v1beta1");
        assert_string_equal(cfg->astro.organization_id, "cujzde8gxd6ncf10epf91dhod");
        assert_int_equal(cfg->astro.n_workspaces, 3);
        assert_string_equal(cfg->astro.workspaces[0], "ws-1");
        assert_string_equal(cfg->astro.workspaces[1], "ws_2");
        assert_string_equal(cfg->astro.workspaces[2], "WS3");
        assert_false(cfg->astro.include_organization_tokens);
        assert_true(cfg->astro.include_deployment_tokens);
        assert_int_equal(cfg->astro.request_timeout, 600);
        assert_int_equal(cfg->astro.max_concurrency, 64);
        assert_true(cfg->astro.rate_limit == 0.5);
        assert_int_equal(cfg->astro.max_retries, 0);
}

static void check_agent(const struct tw_config *cfg)
{
        assert_int_equal(cfg->agent.interval, 7 * DAY);
        assert_string_equal(cfg->agent.state_dir, "/srv/tw state");
        assert_int_equal(cfg->agent.log_level, TW_LOG_DEBUG);
        assert_int_equal(cfg->agent.log_format, TW_LOG_JSON);
        assert_string_equal(cfg->agent.listen, "[::1]:0");
        assert_true(cfg->agent.metrics_creator_names);
}

static void check_policy(const struct tw_config *cfg)
{
        assert_true(cfg->policy.expiry_critical.percent);
        assert_true(cfg->policy.expiry_critical.percentage == 10.0);
        assert_true(cfg->policy.expiry_warning.percent);
        assert_true(cfg->policy.expiry_warning.percentage == 100.0);
        assert_false(cfg->policy.require_expiry);
        assert_int_equal(cfg->policy.unused_after, TW_OFF);
        assert_int_equal(cfg->policy.never_used_after, 12 * 3600);
        assert_string_equal(cfg->policy.max_organization_role, "ORGANIZATION_OWNER");
        assert_string_equal(cfg->policy.max_workspace_role, "WORKSPACE_ACCESSOR");
        assert_string_equal(cfg->policy.max_deployment_role, "DEPLOYMENT_ADMIN");
}

static void check_thresholds_off(const struct tw_config *cfg)
{
        assert_true(cfg->policy.expiry_critical.off);
        assert_false(cfg->policy.expiry_warning.off);
        assert_int_equal(cfg->policy.expiry_warning.seconds, DAY);
}

static void check_thresholds_mixed(const struct tw_config *cfg)
{
        assert_false(cfg->policy.expiry_critical.percent);
        assert_int_equal(cfg->policy.expiry_critical.seconds, 7 * DAY);
        assert_true(cfg->policy.expiry_warning.percent);
        assert_true(cfg->policy.expiry_warning.percentage == 25.0);
}

static void check_equal_thresholds(const struct tw_config *cfg)
{
        assert_int_equal(cfg->policy.expiry_critical.seconds, 7 * DAY);
        assert_int_equal(cfg->policy.expiry_warning.seconds, 7 * DAY);
}

static void check_suppress(const struct tw_config *cfg)
{
        const struct tw_suppression *s = cfg->suppressions;

        assert_int_equal(cfg->n_suppressions, 2);
        assert_string_equal(s[0].token_id, "clm8qv74h000008mlf08scq7k");
        assert_true(s[0].all_kinds);
        assert_int_equal(s[0].until, 1806451200 + DAY); /* 2027-03-31, through its end */
        assert_string_equal(s[0].reason, "reviewed in SEC-123 (J. Doe)");
        assert_int_equal(s[0].line, 2);
        assert_string_equal(s[1].token_id, "tok-2");
        assert_false(s[1].all_kinds);
        assert_int_equal(s[1].kind, TW_FINDING_NO_EXPIRY);
        assert_string_equal(s[1].reason, "break-glass");
        assert_int_equal(s[1].line, 3);
}

static void check_webhooks(const struct tw_config *cfg)
{
        const struct tw_webhook_config *w = cfg->webhooks;

        assert_int_equal(cfg->n_webhooks, 4);
        assert_string_equal(w[0].name, "slack");
        assert_string_equal(w[0].format, "slack");
        assert_string_equal(w[0].url_file, "/etc/tokenwatch/slack-url");
        assert_null(w[0].url);
        assert_int_equal(w[0].min_severity, TW_SEVERITY_CRITICAL);
        assert_int_equal(w[0].kinds, (1u << TW_FINDING_EXPIRED) | (1u << TW_FINDING_ORPHANED));
        assert_int_equal(w[0].n_workspaces, 1);
        assert_string_equal(w[0].workspaces[0], "ws1");
        /* defaults */
        assert_null(w[1].format); /* generic */
        assert_string_equal(w[1].url, "http://127.0.0.1:9000/hook");
        assert_int_equal(w[1].min_severity, TW_SEVERITY_WARNING);
        assert_int_equal(w[1].kinds, (1u << _TW_FINDING_KIND_MAX) - 1);
        assert_null(w[1].workspaces);
        assert_int_equal(w[1].timeout, 10);
        assert_int_equal(w[1].max_retries, 10);
        assert_int_equal(w[1].repeat_interval, DAY);
        assert_int_equal(w[1].queue_max, 10000);
        assert_string_equal(w[1].secret_file, "/etc/tokenwatch/hmac");
        /* pagerduty: no url needed */
        assert_string_equal(w[2].format, "pagerduty");
        assert_null(w[2].url);
        assert_string_equal(w[2].routing_key_file, "/etc/tokenwatch/pd-key");
        assert_int_equal(w[2].repeat_interval, 0);
        /* alertmanager HA pair, loopback v6 and localhost over http */
        assert_string_equal(w[3].format, "alertmanager");
        assert_string_equal(w[3].url, "http://[::1]:9093,http://localhost:9094,https://am.example");
        assert_int_equal(w[3].timeout, 300);
        assert_int_equal(w[3].queue_max, 1000000);
}

static void check_web(const struct tw_config *cfg)
{
        assert_string_equal(cfg->web.tls_cert_file, "/etc/c.pem");
        assert_string_equal(cfg->web.tls_key_file, "/etc/k.pem");
        assert_string_equal(cfg->web.client_ca_file, "/etc/ca.pem");
        assert_int_equal(cfg->web.n_users, 2);
        assert_string_equal(cfg->web.users[0].name, "prom");
        assert_string_equal(cfg->web.users[1].hash, "$2b$12$xyz");
}

static char long_value[1001];

static void check_comments(const struct tw_config *cfg)
{
        assert_int_equal(cfg->astro.max_retries, 3);
        assert_int_equal(cfg->astro.max_concurrency, 2);
        assert_string_equal(cfg->agent.state_dir, "/var/tw");
}

static const struct ok_case ok_cases[] = {
        {"empty file gives the defaults", "", check_defaults},
        {"comments and blank lines give the defaults", "; a\n# b\n\n[astro]\n\n[agent]\n",
         check_defaults},
        {"an unknown section with no keys is harmless", "[bogus]\n", check_defaults},
        {"every [astro] key",
         "[astro]\napi_url = http://127.0.0.1:8080/api/\napi_version = v1beta1\n"
         "organization_id = cujzde8gxd6ncf10epf91dhod\nworkspaces = ws-1 , ws_2,WS3\n"
         "include_organization_tokens = no\ninclude_deployment_tokens = ON\n"
         "request_timeout = 10m\nmax_concurrency = 64\nrate_limit = 0.5\nmax_retries = 0\n",
         check_astro},
        {"every [agent] key",
         "[agent]\ninterval = 7d\nstate_dir = /srv/tw state\nlog_level = debug\nlog_format = json\n"
         "listen = [::1]:0\nmetrics_creator_names = true\n",
         check_agent},
        {"every [policy] key",
         "[policy]\nexpiry_critical = 10%\nexpiry_warning = 100%\nrequire_expiry = false\n"
         "unused_after = off\nnever_used_after = 12h\nmax_organization_role = ORGANIZATION_OWNER\n"
         "max_workspace_role = WORKSPACE_ACCESSOR\nmax_deployment_role = DEPLOYMENT_ADMIN\n",
         check_policy},
        {"thresholds: critical off", "[policy]\nexpiry_critical = off\nexpiry_warning = 1d\n",
         check_thresholds_off},
        {"thresholds: duration and percentage are not compared",
         "[policy]\nexpiry_critical = 7d\nexpiry_warning = 25%\n", check_thresholds_mixed},
        {"thresholds: warning equal to critical",
         "[policy]\nexpiry_critical = 7d\nexpiry_warning = 168h\n", check_equal_thresholds},
        {"[suppress] lines",
         "[suppress]\nclm8qv74h000008mlf08scq7k = 2027-03-31 reviewed in SEC-123 (J. Doe)\n"
         "tok-2.no_expiry = 2027-03-31\tbreak-glass\n",
         check_suppress},
        {"[webhook.NAME] sections",
         "[webhook.slack]\nformat = slack\nurl_file = /etc/tokenwatch/slack-url\n"
         "min_severity = critical\nkinds = expired, orphaned\nworkspaces = ws1\n"
         "[webhook.generic]\nurl = http://127.0.0.1:9000/hook/\nsecret_file = "
         "/etc/tokenwatch/hmac\n"
         "[webhook.pd]\nformat = pagerduty\nrouting_key_file = /etc/tokenwatch/pd-key\n"
         "repeat_interval = 0\n"
         "[webhook.am]\nformat = alertmanager\n"
         "url = http://[::1]:9093/, http://localhost:9094 ,https://am.example/\ntimeout = 5m\n"
         "queue_max = 1000000\n",
         check_webhooks},
        {"[web] and users",
         "[web]\ntls_cert_file = /etc/c.pem\ntls_key_file = /etc/k.pem\nclient_ca_file = "
         "/etc/ca.pem\n"
         "[web.basic_auth_users]\nprom = $2y$10$abc\nother = $2b$12$xyz\n",
         check_web},
        {"inline comments and spaces around =",
         "[astro]\nmax_retries=3\n  max_concurrency   =   2   ; two\n[agent]\nstate_dir = "
         "/var/tw\n",
         check_comments},
};

static void run_ok(void **state)
{
        const struct ok_case *c = *state;
        struct tw_config *cfg = NULL;
        struct tw_buf errors;
        int r;

        tw_buf_init(&errors, 0);
        r = load(c->text, &cfg, &errors);
        if (r != 0)
                fail_msg("rc %d, errors:\n%s", r, errors.ptr ? errors.ptr : "");
        assert_null(errors.ptr);
        c->check(cfg);
        tw_config_free(cfg);
        tw_buf_done(&errors);
}

/* A value of 1000 characters works as a path and as a URL's path. */
static void long_values(void **state)
{
        static const char host[] = "https://hooks.example";
        struct tw_config *cfg = NULL;
        struct tw_buf text, errors;

        (void)state;
        memset(long_value, 'a', 1000);
        long_value[0] = '/';
        long_value[1000] = '\0';
        tw_buf_init(&text, 0);
        tw_buf_init(&errors, 0);
        assert_int_equal(tw_buf_printf(&text, "[astro]\ntoken_file = %s\n[webhook.x]\nurl = %s%s\n",
                                       long_value, host, long_value),
                         0);
        if (load(text.ptr, &cfg, &errors) != 0)
                fail_msg("errors:\n%s", errors.ptr);
        assert_string_equal(cfg->astro.token_file, long_value);
        assert_int_equal(strncmp(cfg->webhooks[0].url, host, strlen(host)), 0);
        assert_string_equal(cfg->webhooks[0].url + strlen(host), long_value);
        tw_config_free(cfg);
        tw_buf_done(&text);
        tw_buf_done(&errors);
}

/* Builds "[astro]\ntoken_file = /xxx...\n" whose second line has n characters. */
static void line_of(struct tw_buf *text, size_t n)
{
        static const char key[] = "token_file = /";

        tw_buf_reset(text);
        assert_int_equal(tw_buf_adds(text, "[astro]\n"), 0);
        assert_int_equal(tw_buf_adds(text, key), 0);
        for (size_t i = sizeof(key) - 1; i < n; i++)
                assert_int_equal(tw_buf_addc(text, 'x'), 0);
        assert_int_equal(tw_buf_adds(text, "\n[agent]\nlog_level = debug\n"), 0);
}

/* Lines up to 64 KiB work (a long list of workspace ids is one line); a
 * longer one is refused by line number instead of being split by inih. */
static void line_limit(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_buf text, errors;

        (void)state;
        tw_buf_init(&text, 0);
        tw_buf_init(&errors, 0);
        line_of(&text, 65536);
        if (load(text.ptr, &cfg, &errors) != 0)
                fail_msg("errors:\n%s", errors.ptr);
        assert_int_equal(strlen(cfg->astro.token_file), 65536 - strlen("token_file = "));
        assert_int_equal(cfg->agent.log_level, TW_LOG_DEBUG);
        tw_config_free(cfg);
        cfg = NULL;

        line_of(&text, 65537);
        assert_int_equal(load(text.ptr, &cfg, &errors), -EINVAL);
        assert_null(cfg);
        assert_string_equal(errors.ptr, "t.ini:2: line longer than 65536 characters\n");
        tw_buf_done(&text);
        tw_buf_done(&errors);
}

/* 500 workspace ids on one line. */
static void many_workspaces(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_buf text, errors;

        (void)state;
        tw_buf_init(&text, 0);
        tw_buf_init(&errors, 0);
        assert_int_equal(tw_buf_adds(&text, "[astro]\nworkspaces = "), 0);
        for (int i = 0; i < 500; i++)
                assert_int_equal(
                        tw_buf_printf(&text, "%sclw0ifmkt%04dej1c4z9cw3ev", i ? ", " : "", i), 0);
        assert_int_equal(tw_buf_adds(&text, "\n"), 0);
        if (load(text.ptr, &cfg, &errors) != 0)
                fail_msg("errors:\n%s", errors.ptr);
        assert_int_equal(cfg->astro.n_workspaces, 500);
        assert_string_equal(cfg->astro.workspaces[499], "clw0ifmkt0499ej1c4z9cw3ev");
        tw_config_free(cfg);
        tw_buf_done(&text);
        tw_buf_done(&errors);
}

/* Every error is reported, one per line, not only the first. */
static void errors_are_collected(void **state)
{
        static const char text[] = "[astro]\nmax_concurrency = 0\nrate_limit = x\n[agent]\n"
                                   "log_level = loud\nnope = 1\n";
        static const char want[] =
                "t.ini:2: [astro] max_concurrency: out of range (1 to 64)\n"
                "t.ini:3: [astro] rate_limit: expected a number\n"
                "t.ini:5: [agent] log_level: expected error, warn, info or debug\n"
                "t.ini:6: [agent] nope: unknown key\n";
        struct tw_config *cfg = NULL;
        struct tw_buf errors;

        (void)state;
        tw_buf_init(&errors, 0);
        assert_int_equal(load(text, &cfg, &errors), -EINVAL);
        assert_string_equal(errors.ptr, want);
        /* errors may be NULL: the result is the same */
        assert_int_equal(load(text, &cfg, NULL), -EINVAL);
        assert_null(cfg);
        tw_buf_done(&errors);
}

struct api_base_case {
        const char *name;
        const char *text;
        const char *resource;
        const char *want;
};

static const struct api_base_case api_base_cases[] = {
        {"api base: v1 tokens", "", "tokens", "https://api.astronomer.io/v1"},
        {"api base: v1 workspaces", "", "workspaces", "https://api.astronomer.io/v1"},
        {"api base: v1beta1 tokens", "[astro]\napi_version = v1beta1\n", "tokens",
         "https://api.astronomer.io/iam/v1beta1"},
        {"api base: v1beta1 users", "[astro]\napi_version = v1beta1\n", "users",
         "https://api.astronomer.io/iam/v1beta1"},
        {"api base: v1beta1 workspaces", "[astro]\napi_version = v1beta1\n", "workspaces",
         "https://api.astronomer.io/platform/v1beta1"},
        {"api base: v1beta1 deployments", "[astro]\napi_version = v1beta1\n", "deployments",
         "https://api.astronomer.io/platform/v1beta1"},
        {"api base: trailing slashes dropped", "[astro]\napi_url = https://astro.example/api//\n",
         "tokens", "https://astro.example/api/v1"},
        {"api base: loopback http",
         "[astro]\napi_url = http://127.0.0.1:4010\napi_version = v1beta1\n", "deployments",
         "http://127.0.0.1:4010/platform/v1beta1"},
};

static void run_api_base(void **state)
{
        const struct api_base_case *c = *state;
        struct tw_config *cfg = NULL;
        char *base;

        assert_int_equal(load(c->text, &cfg, NULL), 0);
        base = tw_config_api_base(cfg, c->resource);
        assert_non_null(base);
        assert_string_equal(base, c->want);
        free(base);
        tw_config_free(cfg);
}

static void defaults_match_empty_file(void **state)
{
        struct tw_config *cfg = NULL;

        (void)state;
        assert_int_equal(tw_config_new_default(&cfg), 0);
        free(cfg->path);
        cfg->path = strdup("t.ini");
        assert_non_null(cfg->path);
        check_defaults(cfg);
        tw_config_free(cfg);
        tw_config_free(NULL);
}

/* The documented example loads and says what its comments say. */
static void example_file(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_buf path, errors;

        (void)state;
        tw_buf_init(&path, 0);
        tw_buf_init(&errors, 0);
        assert_int_equal(tw_buf_printf(&path, "%s/etc/tokenwatch.ini", tw_test_source_dir()), 0);
        if (access(path.ptr, R_OK) != 0)
                skip(); /* cmocka prints the test as skipped */
        if (tw_config_load_file(path.ptr, &cfg, &errors) != 0)
                fail_msg("%s:\n%s", path.ptr, errors.ptr);
        assert_string_equal(cfg->path, path.ptr);
        assert_string_equal(cfg->astro.api_url, "https://api.astronomer.io");
        assert_string_equal(cfg->astro.api_version, "v1");
        assert_null(cfg->astro.workspaces);
        assert_non_null(cfg->astro.token_file);
        assert_int_equal(cfg->astro.max_concurrency, 4);
        assert_int_equal(cfg->agent.interval, 300);
        assert_int_equal(cfg->policy.expiry_critical.seconds, 7 * DAY);
        assert_int_equal(cfg->policy.expiry_warning.seconds, 30 * DAY);
        if (cfg->warnings)
                fail_msg("the example warns:\n%s", cfg->warnings);
        tw_config_free(cfg);
        tw_buf_done(&path);
        tw_buf_done(&errors);
}

static void file_errors(void **state)
{
        char dir[] = "/tmp/tw-config-XXXXXX", file[64];
        struct tw_config *cfg = NULL;
        struct tw_buf errors;
        FILE *f;

        (void)state;
        tw_buf_init(&errors, 0);
        assert_non_null(mkdtemp(dir));
        snprintf(file, sizeof(file), "%s/missing.ini", dir);
        assert_int_equal(tw_config_load_file(file, &cfg, &errors), -ENOENT);
        assert_non_null(strstr(errors.ptr, file));
        assert_non_null(strstr(errors.ptr, "cannot read"));

        /* a NUL byte in the file */
        tw_buf_reset(&errors);
        snprintf(file, sizeof(file), "%s/nul.ini", dir);
        f = fopen(file, "w");
        assert_non_null(f);
        assert_int_equal(fwrite("[astro]\n\0x = 1\n", 1, 15, f), 15);
        fclose(f);
        assert_int_equal(tw_config_load_file(file, &cfg, &errors), -EINVAL);
        assert_non_null(strstr(errors.ptr, "contains NUL bytes"));

        /* errors name the file as given */
        tw_buf_reset(&errors);
        f = fopen(file, "w");
        assert_non_null(f);
        fputs("[astro]\nmax_retries = 99\n", f);
        fclose(f);
        assert_int_equal(tw_config_load_file(file, &cfg, &errors), -EINVAL);
        assert_non_null(strstr(errors.ptr, ":2: [astro] max_retries: out of range"));
        assert_true(strncmp(errors.ptr, file, strlen(file)) == 0);
        assert_null(cfg);
        unlink(file);
        rmdir(dir);
        tw_buf_done(&errors);
}

/* A config file that group or others can read must not hold an inline
 * secret, as token_file may not: the same rule for the same secrets. */
static void shared_file_with_secrets(void **state)
{
        static const struct {
                const char *name;
                const char *text;
                mode_t mode;
                int ret;
                const char *msg;
        } cases[] = {
                {"inline url, 0644", "[webhook.h]\nurl = https://hooks.example/T0K3N\n", 0644,
                 -EPERM,
                 "[webhook.h] url: an inline secret in a file readable or writable by "
                 "group or others; run chmod 600 on it, or use url_file"},
                {"inline secret, 0640", "[webhook.h]\nurl_file = /u\nsecret = s3cr3t\n", 0640,
                 -EPERM, "[webhook.h] secret: an inline secret"},
                {"inline routing_key, 0606", "[webhook.pd]\nformat = pagerduty\nrouting_key = k\n",
                 0606, -EPERM, "[webhook.pd] routing_key: an inline secret"},
                {"group-writable only", "[webhook.h]\nurl = https://hooks.example/x\n", 0620,
                 -EPERM, "[webhook.h] url:"},
                {"inline url, 0600", "[webhook.h]\nurl = https://hooks.example/T0K3N\n", 0600, 0,
                 NULL},
                {"secrets in files, 0644", "[webhook.h]\nurl_file = /u\nsecret_file = /s\n", 0644,
                 0, NULL},
                {"no webhook, 0644", "[agent]\ninterval = 60s\n", 0644, 0, NULL},
        };
        char dir[] = "/tmp/tw-config-XXXXXX", file[64];
        struct tw_buf errors;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(file, sizeof(file), "%s/tw.ini", dir);
        tw_buf_init(&errors, 0);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_config *cfg = NULL;
                FILE *f = fopen(file, "w");
                int r;

                assert_non_null(f);
                fputs(cases[i].text, f);
                fclose(f);
                assert_int_equal(chmod(file, cases[i].mode), 0);
                tw_buf_reset(&errors);
                r = tw_config_load_file(file, &cfg, &errors);
                if (r != cases[i].ret)
                        fail_msg("%s: returned %d: %s", cases[i].name, r,
                                 errors.ptr ? errors.ptr : "");
                if (cases[i].msg && !strstr(errors.ptr, cases[i].msg))
                        fail_msg("%s: message %s", cases[i].name, errors.ptr);
                if (r < 0) {
                        assert_null(cfg);
                        assert_null(strstr(errors.ptr, "T0K3N")); /* the secret is not echoed */
                        assert_null(strstr(errors.ptr, "s3cr3t"));
                }
                tw_config_free(cfg);
        }
        unlink(file);
        rmdir(dir);
        tw_buf_done(&errors);
}

#define CASES(arr, fn)                                                                         \
        for (size_t i = 0; i < ARRAY_SIZE(arr); i++)                                           \
                tests[n++] = (struct CMUnitTest)                                               \
                {                                                                              \
                        .name = arr[i].name, .test_func = fn, .initial_state = (void *)&arr[i] \
                }
#define TEST(fn)                             \
        tests[n++] = (struct CMUnitTest)     \
        {                                    \
                .name = #fn, .test_func = fn \
        }

/* The collection deadline: configured, or half the interval, at least 60 s. */
static void cycle_timeout(void **state)
{
        static const struct {
                const char *ini;
                int64_t want;
        } cases[] = {
                {"", 150},
                {"[agent]\ninterval = 1s\n", 60},
                {"[agent]\ninterval = 1h\n", 1800},
                {"[agent]\ninterval = 1h\ncycle_timeout = 5s\n", 5},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_config *cfg = NULL;

                assert_int_equal(tw_config_load_string(cases[i].ini, "t.ini", &cfg, NULL), 0);
                assert_int_equal(tw_config_cycle_timeout(cfg), cases[i].want);
                tw_config_free(cfg);
        }
}

/* The key list for documentation checks names every section's keys once. */
static void key_list(void **state)
{
        const char *section, *name;
        bool api_url = false, format = false;
        size_t i;

        (void)state;
        for (i = 0; (name = tw_config_key_at(i, &section)) != NULL; i++) {
                assert_non_null(section);
                api_url |= strcmp(section, "astro") == 0 && strcmp(name, "api_url") == 0;
                format |= strcmp(section, "webhook") == 0 && strcmp(name, "format") == 0;
        }
        assert_true(api_url);
        assert_true(format);
        assert_true(i > 30);
        assert_null(tw_config_key_at(i + 1, &section));
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(err_cases) + ARRAY_SIZE(ok_cases) +
                                ARRAY_SIZE(api_base_cases) + 10];
        size_t n = 0;

        CASES(err_cases, run_err);
        CASES(ok_cases, run_ok);
        CASES(api_base_cases, run_api_base);
        TEST(long_values);
        TEST(line_limit);
        TEST(many_workspaces);
        TEST(errors_are_collected);
        TEST(defaults_match_empty_file);
        TEST(example_file);
        TEST(file_errors);
        TEST(key_list);
        TEST(cycle_timeout);
        TEST(shared_file_with_secrets);
        return _cmocka_run_group_tests("config", tests, n, NULL, NULL) ? 1 : 0;
}
