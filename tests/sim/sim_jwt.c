/*
 * Credentials minted by tw-astrosim: unsigned-looking JWTs
 * base64url(header).base64url(payload).base64url("sim-signature") whose
 * payload is {"exp"?, "iat", "apiTokenId", "permissions": [...]}.
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
                 const char *workspace_id, char **ret_jwt)
{
        static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        static const char sig[] = "sim-signature";
        cJSON *payload = cJSON_CreateObject(), *perms;
        char *text = NULL, *out, perm[256];
        struct tw_buf b;
        int r = -ENOMEM;

        tw_buf_init(&b, 64 * 1024);
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

int sim_credential_init(struct tw_sim *sim)
{
        const char *id = sim->credential_token_id ? sim->credential_token_id : NO_CRED_TOKEN_ID;
        cJSON *tok = sim_find_by_id(sim->tokens, sim->credential_token_id, NULL);
        const char *end = sim_str(tok, "endAt");
        int64_t exp = TW_NO_TIME;

        int64_t now = tw_now();

        if (end && tw_time_parse(end, &exp) < 0)
                exp = TW_NO_TIME;
        /* A fixed base time in the past or future (golden tests) keeps the
         * credential as far from expiry, on the real clock, as the fixture
         * says: the agent checks its own credential against the real clock,
         * so a test must not start failing the day the fixed date passes. */
        if (exp != TW_NO_TIME)
                exp = now + (exp - sim->base_time);
        return sim_jwt_make(id, now, exp, sim_str(sim->org, "id"), NULL, &sim->org_jwt);
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

int sim_auth_check_locked(struct tw_sim *sim, const char *bearer, const char **ret_ws)
{
        int found = 0;

        if (!bearer)
                return 0;
        if (ct_equal(sim->org_jwt, bearer))
                found = 1;
        for (size_t i = 0; i < sim->n_ws_creds; i++) {
                if (ct_equal(sim->ws_creds[i].jwt, bearer) && !found) {
                        *ret_ws = sim->ws_creds[i].workspace_id;
                        found = 2;
                }
        }
        return found;
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
        if (!c->workspace_id || sim_jwt_make(id, sim->base_time, sim->base_time + 30 * 86400,
                                             sim_str(sim->org, "id"), workspace_id, &c->jwt) < 0) {
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
