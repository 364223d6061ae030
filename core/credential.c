#include "core/credential.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "core/config/config.h"
#include "core/config/values.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define JWT_PAYLOAD_MAX (64 * 1024)

static int b64url_value(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '-' || c == '+')
                return 62;
        if (c == '_' || c == '/')
                return 63;
        return -1;
}

/* Decodes unpadded base64url (padding tolerated) into a new NUL-terminated buffer. */
static int b64url_decode(const char *s, size_t len, char **ret, size_t *ret_len)
{
        unsigned acc = 0;
        int bits = 0;
        size_t n = 0;
        char *out;

        while (len > 0 && s[len - 1] == '=')
                len--;
        if (len % 4 == 1 || len > JWT_PAYLOAD_MAX)
                return -EINVAL;
        out = malloc(len * 3 / 4 + 2);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                int v = b64url_value(s[i]);

                if (v < 0) {
                        free(out);
                        return -EINVAL;
                }
                acc = (acc << 6) | (unsigned)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[n++] = (char)((acc >> bits) & 0xff);
                }
        }
        out[n] = '\0';
        *ret = out;
        *ret_len = n;
        return 0;
}

void tw_jwt_claims_done(struct tw_jwt_claims *c)
{
        if (!c)
                return;
        free(c->api_token_id);
        free(c->organization_id);
        for (size_t i = 0; i < c->n_workspace_ids; i++)
                free(c->workspace_ids[i]);
        free(c->workspace_ids);
        memset(c, 0, sizeof(*c));
}

static int64_t number_claim(const cJSON *payload, const char *name)
{
        double d;

        if (tw_json_number(cJSON_GetObjectItemCaseSensitive(payload, name), 0, 1e13, &d) < 0)
                return TW_NO_TIME;
        return (int64_t)d;
}

static int add_permission(struct tw_jwt_claims *c, const char *perm)
{
        static const char org[] = "organizationId:", ws[] = "workspaceId:";
        char **tmp;

        if (strncmp(perm, org, sizeof(org) - 1) == 0 && perm[sizeof(org) - 1] &&
            !c->organization_id) {
                c->organization_id = strdup(perm + sizeof(org) - 1);
                return c->organization_id ? 0 : -ENOMEM;
        }
        /* workspace ids go into request URLs: a malformed one is ignored */
        if (strncmp(perm, ws, sizeof(ws) - 1) == 0 && tw_is_valid_id(perm + sizeof(ws) - 1)) {
                tmp = realloc(c->workspace_ids, (c->n_workspace_ids + 1) * sizeof(*tmp));
                if (!tmp)
                        return -ENOMEM;
                c->workspace_ids = tmp;
                tmp[c->n_workspace_ids] = strdup(perm + sizeof(ws) - 1);
                if (!tmp[c->n_workspace_ids])
                        return -ENOMEM;
                c->n_workspace_ids++;
        }
        return 0;
}

int tw_jwt_decode(const char *token, struct tw_jwt_claims *ret_claims)
{
        struct tw_jwt_claims c = {0};
        const char *dot1, *dot2;
        const cJSON *perms, *p, *id;
        cJSON *payload = NULL;
        char *json = NULL;
        size_t len;
        int r;

        dot1 = strchr(token, '.');
        dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
        if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot1 == token || dot2 == dot1 + 1)
                return -EINVAL;
        r = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &json, &len);
        if (r < 0)
                return r;
        payload = cJSON_ParseWithLength(json, len);
        free(json);
        if (!cJSON_IsObject(payload)) {
                cJSON_Delete(payload);
                return -EBADMSG;
        }
        c.exp = number_claim(payload, "exp");
        c.iat = number_claim(payload, "iat");
        id = cJSON_GetObjectItemCaseSensitive(payload, "apiTokenId");
        if (cJSON_IsString(id) && *id->valuestring) {
                c.api_token_id = strdup(id->valuestring);
                if (!c.api_token_id) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        perms = cJSON_GetObjectItemCaseSensitive(payload, "permissions");
        cJSON_ArrayForEach (p, perms) {
                if (!cJSON_IsString(p))
                        continue;
                c.n_permissions++;
                r = add_permission(&c, p->valuestring);
                if (r < 0)
                        goto out;
        }
        *ret_claims = c;
        memset(&c, 0, sizeof(c));
        r = 0;
out:
        tw_jwt_claims_done(&c);
        cJSON_Delete(payload);
        return r;
}

void tw_credential_done(struct tw_credential_info *c)
{
        if (!c)
                return;
        tw_secret_free(c->token);
        tw_jwt_claims_done(&c->claims);
        free(c->organization_id);
        memset(c, 0, sizeof(*c));
}

const char *tw_credential_source(const struct tw_astro_config *a, char *buf, size_t size)
{
        char sbuf[80];

        if (a->token_file)
                snprintf(buf, size, "[%s] token_file", tw_astro_section(a, sbuf, sizeof(sbuf)));
        else
                snprintf(buf, size, "%s", a->token_env ? a->token_env : "ASTRO_API_TOKEN");
        return buf;
}

int tw_credential_load(const struct tw_config *cfg, int64_t now, struct tw_credential_info *ret,
                       struct tw_buf *err)
{
        return tw_credential_load_org(&cfg->astro, now, ret, err);
}

int tw_credential_load_org(const struct tw_astro_config *a, int64_t now,
                           struct tw_credential_info *ret, struct tw_buf *err)
{
        struct tw_credential_info c = {0};
        char when[TW_RFC3339_LEN], sbuf[80], source[128];
        const char *org, *sec = tw_astro_section(a, sbuf, sizeof(sbuf));
        const char *env = a->token_env ? a->token_env : "ASTRO_API_TOKEN";
        int r;

        tw_credential_source(a, source, sizeof(source));
        c.claims.exp = c.claims.iat = TW_NO_TIME;
        if (a->token_file) {
                struct tw_buf why;

                tw_buf_init(&why, 1024);
                r = tw_secret_read_file(a->token_file, &c.token, &why);
                if (r < 0)
                        tw_buf_printf(err, "%s %s", source, why.ptr ? why.ptr : strerror(-r));
                tw_buf_done(&why);
                if (r < 0)
                        return r;
        } else {
                r = tw_secret_from_env(env, &c.token);
                if (r < 0) {
                        tw_buf_printf(err,
                                      "no Astro API token: set [%s] token_file (a file readable "
                                      "only by tokenwatch) or the %s environment variable",
                                      sec, env);
                        return r;
                }
        }
        r = tw_jwt_decode(c.token, &c.claims);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0 || c.claims.n_permissions == 0) {
                /* Astro API tokens are JWTs whose payload lists the
                 * permissions; the Astro CLI refuses anything else too. */
                tw_buf_printf(err,
                              "the credential in %s is not an Astro API token (%s): create an "
                              "API token in Astro and put it there",
                              source,
                              r < 0 ? "an Astro API token is a JWT, three base64url parts "
                                      "separated by dots"
                                    : "its JWT lists no permissions");
                r = -EINVAL;
                goto fail;
        }
        if (c.claims.exp != TW_NO_TIME && c.claims.exp <= now) {
                tw_buf_printf(err,
                              "the Astro API token has expired (at %s): rotate it and update "
                              "%s",
                              tw_time_format(c.claims.exp, when), source);
                r = -EKEYEXPIRED;
                goto fail;
        }
        org = a->organization_id ? a->organization_id : c.claims.organization_id;
        if (!org) {
                tw_buf_printf(err,
                              "no organization id: set [%s] organization_id, or use an API "
                              "token whose JWT names its organization (permissions "
                              "\"organizationId:<id>\")",
                              sec);
                r = -EINVAL;
                goto fail;
        }
        if (!tw_is_valid_id(org)) {
                tw_buf_printf(err,
                              "the organization id (from [%s] organization_id or the "
                              "credential) is not a valid id",
                              sec);
                r = -EINVAL;
                goto fail;
        }
        c.organization_id = strdup(org);
        if (!c.organization_id) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = c;
        return 0;
fail:
        tw_credential_done(&c);
        return r;
}
