/* The agent's credential: JWT payload decoding, token_file permission checks,
 * $ASTRO_API_TOKEN, expiry and the organization id (core/credential.c,
 * lib/secret.c).  No error message may ever hold the token. */
#include "core/credential.h"

#include <errno.h>
#include <fcntl.h>
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
#include "core/config/config.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOW 1779269400 /* 2026-05-20T09:30:00Z */
#define SIG "c2lnbmF0dXJlLXNlY3JldC1wYXJ0"
#define HEADER "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"

/* base64url without padding (plus_slash: the standard alphabet instead). */
static void b64(struct tw_buf *out, const char *s, size_t len, bool plus_slash)
{
        const char *abc =
                plus_slash ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                           : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        unsigned acc = 0;
        int bits = 0;

        for (size_t i = 0; i < len; i++) {
                acc = (acc << 8) | (unsigned char)s[i];
                bits += 8;
                while (bits >= 6) {
                        bits -= 6;
                        assert_int_equal(tw_buf_addc(out, abc[(acc >> bits) & 63]), 0);
                }
        }
        if (bits > 0)
                assert_int_equal(tw_buf_addc(out, abc[(acc << (6 - bits)) & 63]), 0);
}

/* A new "header.payload.signature" string for a JSON payload. */
static char *make_jwt(const char *payload)
{
        struct tw_buf b;

        tw_buf_init(&b, 0);
        b64(&b, HEADER, strlen(HEADER), false);
        assert_int_equal(tw_buf_addc(&b, '.'), 0);
        b64(&b, payload, strlen(payload), false);
        assert_int_equal(tw_buf_adds(&b, "." SIG), 0);
        return tw_buf_steal(&b);
}

/* tw_jwt_decode: token is either literal or built from payload. */
struct jwt_case {
        const char *name;
        const char *payload; /* JSON, encoded into a JWT */
        const char *literal; /* or the whole token as is */
        int rc;
        int64_t exp, iat;
        const char *token_id, *org;
        size_t n_ws, n_perms;
        const char *ws0;
};

#define P_FULL                                                                                 \
        "{\"exp\":1790000000,\"iat\":1770000000,\"apiTokenId\":\"clm8qv74h000008mlf08scq7k\"," \
        "\"permissions\":[\"organizationId:cujzde8gxd6ncf10epf91dhod\",\"workspaceId:ws1\","   \
        "\"workspaceId:ws2\",\"other:x\"]}"

static const struct jwt_case jwt_cases[] = {
        {"jwt: every claim", P_FULL, NULL, 0, 1790000000, 1770000000, "clm8qv74h000008mlf08scq7k",
         "cujzde8gxd6ncf10epf91dhod", 2, 4, "ws1"},
        {"jwt: no claims", "{}", NULL, 0, TW_NO_TIME, TW_NO_TIME, NULL, NULL, 0, 0, NULL},
        {"jwt: exp as a string is ignored", "{\"exp\":\"1790000000\"}", NULL, 0, TW_NO_TIME,
         TW_NO_TIME, NULL, NULL, 0, 0, NULL},
        {"jwt: negative exp is ignored", "{\"exp\":-5}", NULL, 0, TW_NO_TIME, TW_NO_TIME, NULL,
         NULL, 0, 0, NULL},
        {"jwt: absurd exp is ignored", "{\"exp\":1e300}", NULL, 0, TW_NO_TIME, TW_NO_TIME, NULL,
         NULL, 0, 0, NULL},
        {"jwt: fractional exp truncated", "{\"exp\":1790000000.9}", NULL, 0, 1790000000, TW_NO_TIME,
         NULL, NULL, 0, 0, NULL},
        {"jwt: empty apiTokenId ignored", "{\"apiTokenId\":\"\"}", NULL, 0, TW_NO_TIME, TW_NO_TIME,
         NULL, NULL, 0, 0, NULL},
        {"jwt: apiTokenId not a string ignored", "{\"apiTokenId\":7}", NULL, 0, TW_NO_TIME,
         TW_NO_TIME, NULL, NULL, 0, 0, NULL},
        {"jwt: non-string permissions skipped",
         "{\"permissions\":[1,null,{\"a\":1},\"organizationId:o1\"]}", NULL, 0, TW_NO_TIME,
         TW_NO_TIME, NULL, "o1", 0, 1, NULL},
        {"jwt: first organizationId wins",
         "{\"permissions\":[\"organizationId:o1\",\"organizationId:o2\"]}", NULL, 0, TW_NO_TIME,
         TW_NO_TIME, NULL, "o1", 0, 2, NULL},
        {"jwt: empty ids ignored but counted",
         "{\"permissions\":[\"organizationId:\",\"workspaceId:\"]}", NULL, 0, TW_NO_TIME,
         TW_NO_TIME, NULL, NULL, 0, 2, NULL},
        /* workspace ids go into request URLs (the 403 fallback listing) */
        {"jwt: malformed workspace ids ignored but counted",
         "{\"permissions\":[\"workspaceId:../x\",\"workspaceId:a?b=c\",\"workspaceId:w 1\","
         "\"workspaceId:ws_ok-1\"]}",
         NULL, 0, TW_NO_TIME, TW_NO_TIME, NULL, NULL, 1, 4, "ws_ok-1"},
        {"jwt: a workspace id over 64 characters ignored",
         "{\"permissions\":[\"workspaceId:"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
         NULL, 0, TW_NO_TIME, TW_NO_TIME, NULL, NULL, 0, 1, NULL},
        {"jwt: permissions not an array", "{\"permissions\":\"organizationId:o1\"}", NULL, 0,
         TW_NO_TIME, TW_NO_TIME, NULL, NULL, 0, 0, NULL},
        {"jwt: unicode in claims", "{\"apiTokenId\":\"t\\u00e9\\ud83d\\udd11\"}", NULL, 0,
         TW_NO_TIME, TW_NO_TIME, "t\xc3\xa9\xf0\x9f\x94\x91", NULL, 0, 0, NULL},
        {"jwt: literal token", NULL, "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.sig", 0, 1, TW_NO_TIME, NULL,
         NULL, 0, 0, NULL},
        {"jwt: padding tolerated", NULL, "eyJhbGciOiJub25lIn0.eyJleHAiOjEwfQ==.sig", 0, 10,
         TW_NO_TIME, NULL, NULL, 0, 0, NULL},
        {"jwt: empty signature", NULL, "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.", 0, 1, TW_NO_TIME, NULL,
         NULL, 0, 0, NULL},
        {"jwt: not a JWT", NULL, "astro-raw-T0KEN-9f8e7d", -EINVAL, 0, 0, NULL, NULL, 0, 0, NULL},
        {"jwt: empty", NULL, "", -EINVAL, 0, 0, NULL, NULL, 0, 0, NULL},
        {"jwt: two parts", NULL, "eyJhbGciOiJub25lIn0.eyJleHAiOjF9", -EINVAL, 0, 0, NULL, NULL, 0,
         0, NULL},
        {"jwt: four parts", NULL, "a.eyJleHAiOjF9.b.c", -EINVAL, 0, 0, NULL, NULL, 0, 0, NULL},
        {"jwt: empty header", NULL, ".eyJleHAiOjF9.sig", -EINVAL, 0, 0, NULL, NULL, 0, 0, NULL},
        {"jwt: empty payload", NULL, "eyJhbGciOiJub25lIn0..sig", -EINVAL, 0, 0, NULL, NULL, 0, 0,
         NULL},
        {"jwt: bad base64 character", NULL, "a.eyJle*AiOjF9.sig", -EINVAL, 0, 0, NULL, NULL, 0, 0,
         NULL},
        {"jwt: impossible base64 length", NULL, "a.eyJle.sig", -EINVAL, 0, 0, NULL, NULL, 0, 0,
         NULL},
        {"jwt: payload is not JSON", "exp=1", NULL, -EBADMSG, 0, 0, NULL, NULL, 0, 0, NULL},
        {"jwt: payload is a JSON array", "[1,2]", NULL, -EBADMSG, 0, 0, NULL, NULL, 0, 0, NULL},
        {"jwt: payload is truncated JSON", "{\"exp\":1", NULL, -EBADMSG, 0, 0, NULL, NULL, 0, 0,
         NULL},
};

static void run_jwt(void **state)
{
        const struct jwt_case *c = *state;
        struct tw_jwt_claims cl;
        char *token = c->literal ? strdup(c->literal) : make_jwt(c->payload);

        assert_non_null(token);
        memset(&cl, 0x5a, sizeof(cl));
        assert_int_equal(tw_jwt_decode(token, &cl), c->rc);
        if (c->rc == 0) {
                assert_int_equal(cl.exp, c->exp);
                assert_int_equal(cl.iat, c->iat);
                if (c->token_id)
                        assert_string_equal(cl.api_token_id, c->token_id);
                else
                        assert_null(cl.api_token_id);
                if (c->org)
                        assert_string_equal(cl.organization_id, c->org);
                else
                        assert_null(cl.organization_id);
                assert_int_equal(cl.n_workspace_ids, c->n_ws);
                assert_int_equal(cl.n_permissions, c->n_perms);
                if (c->ws0)
                        assert_string_equal(cl.workspace_ids[0], c->ws0);
                tw_jwt_claims_done(&cl);
                tw_jwt_claims_done(&cl);
        }
        tw_jwt_claims_done(NULL);
        free(token);
}

/* The standard base64 alphabet (+ and /) is accepted too. */
static void jwt_standard_alphabet(void **state)
{
        /* a payload whose encoding holds both 62 and 63 */
        static const char payload[] = "{\"apiTokenId\":\"?>?>~~~\"}";
        struct tw_jwt_claims cl;
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 0);
        assert_int_equal(tw_buf_adds(&b, "e30."), 0);
        b64(&b, payload, strlen(payload), true);
        assert_non_null(strpbrk(b.ptr + 4, "+/"));
        assert_int_equal(tw_buf_adds(&b, ".s"), 0);
        assert_int_equal(tw_jwt_decode(b.ptr, &cl), 0);
        assert_string_equal(cl.api_token_id, "?>?>~~~");
        tw_jwt_claims_done(&cl);
        tw_buf_done(&b);
}

/* tw_credential_load. */
enum source { SRC_FILE, SRC_ENV, SRC_NONE, SRC_DIR, SRC_MISSING };

struct cred_case {
        const char *name;
        enum source source;
        mode_t mode;         /* SRC_FILE */
        const char *payload; /* JWT payload, or NULL for raw */
        const char *raw;     /* a token that is not a JWT */
        const char *around;  /* printf format around the token in the file/env, "%s\n" default */
        const char *cfg_org; /* [astro] organization_id */
        int rc;
        const char *want_msg; /* substring of the error */
        bool msg_names_file;
        const char *want_org;
        int64_t want_exp;
};

#define P_ORG \
        "{\"exp\":1790000000,\"apiTokenId\":\"tok1\",\"permissions\":[\"organizationId:jwtorg\"]}"
#define P_NO_ORG "{\"exp\":1790000000,\"permissions\":[\"workspaceId:ws1\"]}"
#define RAW "astro-raw-T0KEN-9f8e7d"
#define PERM_MSG "readable or writable by group or others; refusing to use a secret others can read"

static const struct cred_case cred_cases[] = {
        {"file 0600", SRC_FILE, 0600, P_ORG, NULL, NULL, NULL, 0, NULL, false, "jwtorg",
         1790000000},
        {"file 0400", SRC_FILE, 0400, P_ORG, NULL, NULL, NULL, 0, NULL, false, "jwtorg",
         1790000000},
        {"file 0640 refused", SRC_FILE, 0640, P_ORG, NULL, NULL, NULL, -EPERM, PERM_MSG, true, NULL,
         0},
        {"file 0644 refused", SRC_FILE, 0644, P_ORG, NULL, NULL, NULL, -EPERM, PERM_MSG, true, NULL,
         0},
        {"file 0620 refused", SRC_FILE, 0620, P_ORG, NULL, NULL, NULL, -EPERM, PERM_MSG, true, NULL,
         0},
        {"file 0602 refused", SRC_FILE, 0602, P_ORG, NULL, NULL, NULL, -EPERM, PERM_MSG, true, NULL,
         0},
        {"file 0601 refused", SRC_FILE, 0601, P_ORG, NULL, NULL, NULL, -EPERM, PERM_MSG, true, NULL,
         0},
        {"file with whitespace around the token", SRC_FILE, 0600, P_ORG, NULL, "\n  \t%s \r\n\n",
         NULL, 0, NULL, false, "jwtorg", 1790000000},
        {"file: only the first line is the token", SRC_FILE, 0600, P_ORG, NULL, "%s\nsecond line\n",
         NULL, 0, NULL, false, "jwtorg", 1790000000},
        {"file empty", SRC_FILE, 0600, NULL, "", "%s", "o1", -ENODATA, "is empty", true, NULL, 0},
        {"file of whitespace", SRC_FILE, 0600, NULL, "", " \n\t\n", "o1", -ENODATA, "is empty",
         true, NULL, 0},
        {"file missing", SRC_MISSING, 0600, P_ORG, NULL, NULL, NULL, -ENOENT,
         "No such file or directory", true, NULL, 0},
        {"token_file is a directory", SRC_DIR, 0700, P_ORG, NULL, NULL, NULL, -EINVAL,
         "not a regular file", true, NULL, 0},
        {"environment variable", SRC_ENV, 0, P_ORG, NULL, NULL, NULL, 0, NULL, false, "jwtorg",
         1790000000},
        {"environment variable with whitespace", SRC_ENV, 0, P_ORG, NULL, "  %s\n", NULL, 0, NULL,
         false, "jwtorg", 1790000000},
        {"environment variable empty", SRC_ENV, 0, NULL, "", "%s", NULL, -ENOENT,
         "no Astro API token: set [astro] token_file", false, NULL, 0},
        {"environment variable blank", SRC_ENV, 0, NULL, "", "  %s \n", NULL, -ENOENT,
         "no Astro API token", false, NULL, 0},
        {"no token anywhere", SRC_NONE, 0, NULL, NULL, NULL, NULL, -ENOENT,
         "no Astro API token: set [astro] token_file (a file readable only by tokenwatch) or the "
         "ASTRO_API_TOKEN environment variable",
         false, NULL, 0},
        {"expired (file)", SRC_FILE, 0600,
         "{\"exp\":1779269399,\"permissions\":[\"organizationId:o1\"]}", NULL, NULL, NULL,
         -EKEYEXPIRED,
         "the Astro API token has expired (at 2026-05-20T09:29:59Z): rotate it and update [astro] "
         "token_file",
         false, NULL, 0},
        {"expired (environment)", SRC_ENV, 0,
         "{\"exp\":1000,\"permissions\":[\"organizationId:o1\"]}", NULL, NULL, NULL, -EKEYEXPIRED,
         "has expired (at 1970-01-01T00:16:40Z): rotate it and update ASTRO_API_TOKEN", false, NULL,
         0},
        {"expires exactly now: expired", SRC_ENV, 0,
         "{\"exp\":1779269400,\"permissions\":[\"organizationId:o1\"]}", NULL, NULL, NULL,
         -EKEYEXPIRED, "has expired", false, NULL, 0},
        {"expires a second from now: fine", SRC_ENV, 0,
         "{\"exp\":1779269401,\"permissions\":[\"organizationId:o1\"]}", NULL, NULL, NULL, 0, NULL,
         false, "o1", 1779269401},
        {"no exp: never expires", SRC_ENV, 0, "{\"permissions\":[\"organizationId:o1\"]}", NULL,
         NULL, NULL, 0, NULL, false, "o1", TW_NO_TIME},
        {"empty permissions: not an Astro token", SRC_ENV, 0,
         "{\"exp\":1790000000,\"permissions\":[]}", NULL, NULL, "o1", -EINVAL,
         "the credential in ASTRO_API_TOKEN is not an Astro API token (its JWT lists no "
         "permissions)",
         false, NULL, 0},
        {"no permissions claim", SRC_FILE, 0600, "{\"exp\":1790000000}", NULL, NULL, "o1", -EINVAL,
         "is not an Astro API token (its JWT lists no permissions)", false, NULL, 0},
        {"organization from the config wins", SRC_ENV, 0, P_ORG, NULL, NULL, "cfgorg", 0, NULL,
         false, "cfgorg", 1790000000},
        {"organization from the config, none in the JWT", SRC_ENV, 0, P_NO_ORG, NULL, NULL,
         "cfgorg", 0, NULL, false, "cfgorg", 1790000000},
        {"no organization anywhere", SRC_ENV, 0, P_NO_ORG, NULL, NULL, NULL, -EINVAL,
         "no organization id: set [astro] organization_id, or use an API token whose JWT names its "
         "organization",
         false, NULL, 0},
        {"organization id in the JWT is not an id", SRC_ENV, 0,
         "{\"permissions\":[\"organizationId:o/../x\"]}", NULL, NULL, NULL, -EINVAL,
         "is not a valid id", false, NULL, 0},
        /* Not a JWT: not an Astro API token, with or without an
         * organization id in the config (not "no organization id"). */
        {"not a JWT, organization from the config", SRC_FILE, 0600, NULL, RAW, NULL, "cfgorg",
         -EINVAL,
         "the credential in [astro] token_file is not an Astro API token (an Astro API token is "
         "a JWT",
         false, NULL, 0},
        {"not a JWT, no organization", SRC_ENV, 0, NULL, RAW, NULL, NULL, -EINVAL,
         "the credential in ASTRO_API_TOKEN is not an Astro API token", false, NULL, 0},
        {"JWT-shaped but not JSON, organization from the config", SRC_ENV, 0, NULL,
         "eyJhbGciOiJub25lIn0.bm90IGpzb24.c2ln", NULL, "cfgorg", -EINVAL,
         "is not an Astro API token (an Astro API token is a JWT", false, NULL, 0},
};

static void run_cred(void **state)
{
        const struct cred_case *c = *state;
        char dir[] = "/tmp/tw-cred-XXXXXX", path[64];
        struct tw_credential_info info;
        struct tw_config *cfg = NULL;
        struct tw_buf content, err;
        char *token;
        int fd, r;

        token = c->payload ? make_jwt(c->payload) : strdup(c->raw ? c->raw : "");
        assert_non_null(token);
        tw_buf_init(&content, 0);
        tw_buf_init(&err, 0);
        assert_int_equal(tw_buf_printf(&content, c->around ? c->around : "%s\n", token), 0);
        assert_int_equal(tw_config_new_default(&cfg), 0);
        assert_non_null(mkdtemp(dir));
        unsetenv("ASTRO_API_TOKEN");
        snprintf(path, sizeof(path), "%s/token", dir);
        switch (c->source) {
        case SRC_FILE:
                fd = mkstemp(strcat(path, "XXXXXX"));
                assert_true(fd >= 0);
                assert_int_equal(write(fd, content.ptr, content.len), (ssize_t)content.len);
                assert_int_equal(fchmod(fd, c->mode), 0);
                close(fd);
                cfg->astro.token_file = strdup(path);
                break;
        case SRC_DIR:
                cfg->astro.token_file = strdup(dir);
                snprintf(path, sizeof(path), "%s", dir);
                break;
        case SRC_MISSING:
                cfg->astro.token_file = strdup(path);
                break;
        case SRC_ENV:
                assert_int_equal(setenv("ASTRO_API_TOKEN", content.ptr, 1), 0);
                break;
        case SRC_NONE:
                break;
        }
        if (c->source != SRC_ENV && c->source != SRC_NONE)
                assert_non_null(cfg->astro.token_file);
        if (c->cfg_org)
                assert_non_null(cfg->astro.organization_id = strdup(c->cfg_org));

        memset(&info, 0x5a, sizeof(info));
        r = tw_credential_load(cfg, NOW, &info, &err);
        if (r != c->rc)
                fail_msg("rc %d, want %d; error: %s", r, c->rc, err.ptr ? err.ptr : "");
        if (r == 0) {
                assert_null(err.ptr);
                assert_string_equal(info.token, token);
                assert_string_equal(info.organization_id, c->want_org);
                assert_int_equal(info.claims.exp, c->want_exp);
                tw_credential_done(&info);
                assert_null(info.token);
                tw_credential_done(&info);
        } else {
                assert_non_null(err.ptr);
                if (!strstr(err.ptr, c->want_msg))
                        fail_msg("error: %s\nwant: %s", err.ptr, c->want_msg);
                if (c->msg_names_file)
                        assert_non_null(strstr(err.ptr, path));
        }
        /* never the token, nor a part of it */
        if (err.ptr && *token) {
                const char *dot = strchr(token, '.');

                assert_null(strstr(err.ptr, token));
                if (dot) {
                        char part[13];

                        snprintf(part, sizeof(part), "%s", dot + 1);
                        assert_null(strstr(err.ptr, part));
                        assert_null(strstr(err.ptr, SIG));
                }
        }
        tw_credential_done(NULL);
        unsetenv("ASTRO_API_TOKEN");
        if (c->source == SRC_FILE)
                unlink(path);
        rmdir(dir);
        tw_config_free(cfg);
        tw_buf_done(&content);
        tw_buf_done(&err);
        free(token);
}

/* tw_secret_read_file caps a secret at 64 KiB; tw_secret_free is NULL-safe. */
static void secret_limits(void **state)
{
        char path[] = "/tmp/tw-secret-XXXXXX";
        struct tw_buf err;
        char *s = NULL, *big;
        int fd;

        (void)state;
        tw_buf_init(&err, 0);
        big = malloc(64 * 1024 + 1);
        assert_non_null(big);
        memset(big, 'k', 64 * 1024 + 1);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(fchmod(fd, 0600), 0);
        assert_int_equal(write(fd, big, 64 * 1024), 64 * 1024);
        assert_int_equal(tw_secret_read_file(path, &s, &err), 0);
        assert_int_equal(strlen(s), 64 * 1024);
        tw_secret_free(s);
        assert_int_equal(write(fd, big, 1), 1);
        assert_int_equal(tw_secret_read_file(path, &s, &err), -E2BIG);
        assert_non_null(strstr(err.ptr, path));
        assert_non_null(strstr(err.ptr, "larger than 64 KiB"));
        assert_null(strstr(err.ptr, "kkkk"));
        /* err may be NULL */
        assert_int_equal(tw_secret_read_file(path, &s, NULL), -E2BIG);
        close(fd);
        unlink(path);
        tw_secret_free(NULL);
        free(big);
        tw_buf_done(&err);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(jwt_cases) + ARRAY_SIZE(cred_cases) + 2];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(jwt_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = jwt_cases[i].name,
                                                 .test_func = run_jwt,
                                                 .initial_state = (void *)&jwt_cases[i]};
        tests[n++] = (struct CMUnitTest){.name = "jwt: standard base64 alphabet",
                                         .test_func = jwt_standard_alphabet};
        for (size_t i = 0; i < ARRAY_SIZE(cred_cases); i++)
                tests[n++] = (struct CMUnitTest){.name = cred_cases[i].name,
                                                 .test_func = run_cred,
                                                 .initial_state = (void *)&cred_cases[i]};
        tests[n++] =
                (struct CMUnitTest){.name = "secret: 64 KiB limit", .test_func = secret_limits};
        return _cmocka_run_group_tests("credential", tests, n, NULL, NULL) ? 1 : 0;
}
