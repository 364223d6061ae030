/*
 * Credentials minted by tw-astrosim: unsigned-looking JWTs
 * base64url(header).base64url(payload).base64url("sim-signature-<nonce>")
 * whose payload is {"exp"?, "iat", "apiTokenId", "permissions": [...]}, and
 * the table of values that authenticate as their token.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/secret.h"
#include "lib/timeutil.h"

#define NO_CRED_TOKEN_ID "clsimcred0000000000000000"

static int b64url(struct tw_buf *b, const char *s, size_t n)
{
        static const char tab[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const unsigned char *p = (const unsigned char *)s;
        int r = 0;

        for (size_t i = 0; i < n && r == 0; i += 3) {
                unsigned v = (unsigned)p[i] << 16;
                size_t left = n - i;

                if (left > 1)
                        v |= (unsigned)p[i + 1] << 8;
                if (left > 2)
                        v |= p[i + 2];
                r = tw_buf_addc(b, tab[(v >> 18) & 63]);
                if (r == 0)
                        r = tw_buf_addc(b, tab[(v >> 12) & 63]);
                if (r == 0 && left > 1)
                        r = tw_buf_addc(b, tab[(v >> 6) & 63]);
                if (r == 0 && left > 2)
                        r = tw_buf_addc(b, tab[v & 63]);
        }
        return r;
}

int sim_jwt_make(const char *token_id, int64_t iat, int64_t exp, const char *org_id,
                 const char *workspace_id, uint64_t nonce, char **ret_jwt)
{
        static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        cJSON *payload = cJSON_CreateObject(), *perms;
        char *text = NULL, *out, perm[256], sig[48];
        struct tw_buf b;
        int r = -ENOMEM;

        tw_buf_init(&b, 64 * 1024);
        if (nonce)
                snprintf(sig, sizeof(sig), "sim-signature-%llu", (unsigned long long)nonce);
        else
                snprintf(sig, sizeof(sig), "sim-signature");
        if (!payload)
                goto out;
        if (exp != TW_NO_TIME)
                cJSON_AddNumberToObject(payload, "exp", (double)exp);
        cJSON_AddNumberToObject(payload, "iat", (double)iat);
        cJSON_AddStringToObject(payload, "apiTokenId", token_id);
        perms = cJSON_AddArrayToObject(payload, "permissions");
        if (!perms)
                goto out;
        if (workspace_id) {
                snprintf(perm, sizeof(perm), "workspaceId:%s", workspace_id);
                cJSON_AddItemToArray(perms, cJSON_CreateString(perm));
        }
        snprintf(perm, sizeof(perm), "organizationId:%s", org_id);
        cJSON_AddItemToArray(perms, cJSON_CreateString(perm));
        text = cJSON_PrintUnformatted(payload);
        if (!text)
                goto out;
        r = b64url(&b, header, strlen(header));
        if (r == 0)
                r = tw_buf_addc(&b, '.');
        if (r == 0)
                r = b64url(&b, text, strlen(text));
        if (r == 0)
                r = tw_buf_addc(&b, '.');
        if (r == 0)
                r = b64url(&b, sig, strlen(sig));
        if (r < 0)
                goto out;
        out = tw_buf_steal(&b);
        if (!out) {
                r = -ENOMEM;
                goto out;
        }
        *ret_jwt = out;
out:
        tw_buf_done(&b);
        free(text);
        cJSON_Delete(payload);
        return r;
}

/* Adds a value to the table (taking jwt); -ENOMEM. */
static int add_value(struct tw_sim *sim, const char *token_id, char *jwt, bool org_wide,
                     const char *ws)
{
        struct sim_value *v;

        if (tw_array_reserve((void **)&sim->values, sim->n_values, &sim->values_cap,
                             sizeof(*sim->values)) < 0) {
                free(jwt);
                return -ENOMEM;
        }
        v = &sim->values[sim->n_values];
        *v = (struct sim_value){.jwt = jwt, .live = true, .org_wide = org_wide};
        v->token_id = strdup(token_id);
        v->ws = ws ? strdup(ws) : NULL;
        if (!v->token_id || (ws && !v->ws)) {
                free(v->token_id);
                free(v->ws);
                free(jwt);
                return -ENOMEM;
        }
        sim->n_values++;
        return 0;
}

int sim_credential_init(struct tw_sim *sim)
{
        const char *id = sim->credential_token_id ? sim->credential_token_id : NO_CRED_TOKEN_ID;
        cJSON *tok = sim_find_by_id(sim->tokens, sim->credential_token_id, NULL);
        const char *end = sim_str(tok, "endAt");
        int64_t exp = TW_NO_TIME;

        int64_t now = tw_now();
        int r;

        if (end && tw_time_parse(end, &exp) < 0)
                exp = TW_NO_TIME;
        /* A fixed base time in the past or future (golden tests) keeps the
         * credential as far from expiry, on the real clock, as the fixture
         * says: the agent checks its own credential against the real clock,
         * so a test must not start failing the day the fixed date passes. */
        if (exp != TW_NO_TIME)
                exp = now + (exp - sim->base_time);
        r = sim_jwt_make(id, now, exp, sim_str(sim->org, "id"), NULL, 0, &sim->org_jwt);
        if (r == 0) {
                r = add_value(sim, id, sim->org_jwt, true, NULL);
                if (r < 0)
                        sim->org_jwt = NULL;
        }
        return r;
}

/* The workspace a WORKSPACE or DEPLOYMENT token reads as. */
static const char *token_workspace(struct tw_sim *sim, const cJSON *token)
{
        const cJSON *r;

        cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(token, "roles")) {
                const char *t = sim_str(r, "entityType"), *e = sim_str(r, "entityId");

                if (t && e && strcmp(t, "WORKSPACE") == 0)
                        return e;
                if (t && e && strcmp(t, "DEPLOYMENT") == 0)
                        return sim_str(sim_find_by_id(sim->deployments, e, NULL), "workspaceId");
        }
        return NULL;
}

int sim_mint_locked(struct tw_sim *sim, const cJSON *token, const char **ret_jwt)
{
        const char *id = sim_str(token, "id"), *scope = sim_str(token, "scope");
        const char *end = sim_str(token, "endAt");
        bool org_wide = scope && strcmp(scope, "ORGANIZATION") == 0;
        const char *ws = org_wide ? NULL : token_workspace(sim, token);
        int64_t exp = TW_NO_TIME;
        char *jwt = NULL;
        int r;

        if (!id)
                return -EINVAL;
        if (end && tw_time_parse(end, &exp) < 0)
                exp = TW_NO_TIME;
        r = sim_jwt_make(id, sim_now(sim), exp, sim_str(sim->org, "id"),
                         scope && strcmp(scope, "WORKSPACE") == 0 ? ws : NULL, ++sim->mint_seq,
                         &jwt);
        if (r < 0)
                return r;
        sim_revoke_locked(sim, id);
        r = add_value(sim, id, jwt, org_wide, ws ? ws : "");
        if (r == 0)
                *ret_jwt = sim->values[sim->n_values - 1].jwt;
        return r;
}

const char *sim_live_value_locked(struct tw_sim *sim, const char *token_id)
{
        for (size_t i = sim->n_values; i-- > 0;)
                if (sim->values[i].live && strcmp(sim->values[i].token_id, token_id) == 0)
                        return sim->values[i].jwt;
        return NULL;
}

void sim_revoke_locked(struct tw_sim *sim, const char *token_id)
{
        for (size_t i = 0; i < sim->n_values; i++)
                if (strcmp(sim->values[i].token_id, token_id) == 0)
                        sim->values[i].live = false;
}

void sim_values_free(struct tw_sim *sim)
{
        for (size_t i = 0; i < sim->n_values; i++) {
                free(sim->values[i].token_id);
                free(sim->values[i].ws);
                tw_wipe(sim->values[i].jwt, strlen(sim->values[i].jwt));
                free(sim->values[i].jwt);
        }
        free(sim->values);
        sim->values = NULL;
        sim->n_values = sim->values_cap = 0;
        sim->org_jwt = NULL;
}

/* Compares without an early exit on the first differing byte. */
static bool ct_equal(const char *secret, const char *given)
{
        size_t sn = strlen(secret), gn = strlen(given);
        volatile unsigned char d = sn != gn;

        for (size_t i = 0; i < gn; i++)
                d |= (unsigned char)given[i] ^ (unsigned char)(i < sn ? secret[i] : 0);
        return d == 0;
}

void sim_auth_locked(struct tw_sim *sim, const char *bearer, struct sim_auth *ret)
{
        const struct sim_value *found = NULL;

        memset(ret, 0, sizeof(*ret));
        if (!bearer)
                return;
        for (size_t i = 0; i < sim->n_values; i++)
                if (ct_equal(sim->values[i].jwt, bearer) && !found)
                        found = &sim->values[i];
        if (found && found->live) {
                ret->kind = found->org_wide ? 1 : 2;
                ret->ws = found->org_wide ? NULL : found->ws;
                ret->token_id = found->token_id;
                return;
        }
        if (found) /* a rotated or deleted value */
                return;
        for (size_t i = 0; i < sim->n_ws_creds; i++) {
                if (ct_equal(sim->ws_creds[i].jwt, bearer) && !ret->kind) {
                        ret->ws = sim->ws_creds[i].workspace_id;
                        ret->kind = 2;
                }
        }
}

int tw_sim_token_credential(struct tw_sim *sim, const char *token_id, char **ret_value)
{
        const cJSON *tok;
        const char *v;
        char *copy;
        int r = 0;

        if (!sim || !token_id || !ret_value)
                return -EINVAL;
        pthread_mutex_lock(&sim->lock);
        tok = sim_find_by_id(sim->tokens, token_id, NULL);
        v = tok ? sim_live_value_locked(sim, token_id) : NULL;
        if (!tok)
                r = -ENOENT;
        else if (!v)
                r = sim_mint_locked(sim, tok, &v);
        copy = r == 0 ? strdup(v) : NULL;
        pthread_mutex_unlock(&sim->lock);
        if (r == 0 && !copy)
                r = -ENOMEM;
        if (r == 0)
                *ret_value = copy;
        return r;
}

const char *tw_sim_org_credential(const struct tw_sim *sim)
{
        return sim ? sim->org_jwt : NULL;
}

const char *tw_sim_workspace_credential(struct tw_sim *sim, const char *workspace_id)
{
        struct sim_ws_credential *c;
        const char *found = NULL;
        char id[32];

        if (!sim || !workspace_id)
                return NULL;
        pthread_mutex_lock(&sim->lock);
        for (size_t i = 0; i < sim->n_ws_creds && !found; i++)
                if (strcmp(sim->ws_creds[i].workspace_id, workspace_id) == 0)
                        found = sim->ws_creds[i].jwt;
        if (found || sim->n_ws_creds == SIM_MAX_WS_CREDENTIALS)
                goto out;
        c = &sim->ws_creds[sim->n_ws_creds];
        snprintf(id, sizeof(id), "clsimwscred%014zu", sim->n_ws_creds);
        c->workspace_id = strdup(workspace_id);
        if (!c->workspace_id ||
            sim_jwt_make(id, sim->base_time, sim->base_time + 30 * 86400, sim_str(sim->org, "id"),
                         workspace_id, 0, &c->jwt) < 0) {
                free(c->workspace_id);
                c->workspace_id = NULL;
                goto out;
        }
        sim->n_ws_creds++;
        found = c->jwt;
out:
        pthread_mutex_unlock(&sim->lock);
        return found;
}

int tw_sim_write_credential(const struct tw_sim *sim, const char *path)
{
        size_t len, off = 0;
        int fd, r = 0;

        if (!sim || !path)
                return -EINVAL;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0600) < 0)
                r = -errno;
        len = strlen(sim->org_jwt);
        while (r == 0 && off < len) {
                ssize_t n = write(fd, sim->org_jwt + off, len - off);

                if (n < 0)
                        r = -errno;
                else
                        off += (size_t)n;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}
