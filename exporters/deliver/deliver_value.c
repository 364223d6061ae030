/*
 * Values read back from a store: what they say (the JWT payload's token id
 * and issue time, a fingerprint), never kept; base64 with GnuTLS, and JSON
 * documents that held a secret, wiped before they are freed.
 */
#include "exporters/deliver/deliver_common_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/credential.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

void tw_deliver_state_init(struct tw_deliver_state *s)
{
        memset(s, 0, sizeof(*s));
        s->updated_at = TW_NO_TIME;
        s->iat = TW_NO_TIME;
        s->exp = TW_NO_TIME;
}

/* The value without surrounding whitespace, as a new string (wipe it). */
static char *trimmed(const char *value, size_t len)
{
        while (len > 0 && isspace((unsigned char)*value)) {
                value++;
                len--;
        }
        while (len > 0 && isspace((unsigned char)value[len - 1]))
                len--;
        return strndup(value, len);
}

static int fingerprint_of(const char *v, char out[TW_DELIVER_FINGERPRINT_LEN + 1])
{
        unsigned char digest[32];

        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, v, strlen(v), digest) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < sizeof(digest); i++)
                snprintf(out + 2 * i, 3, "%02x", digest[i]);
        return 0;
}

int tw_deliver_fingerprint(const char *value, char out[TW_DELIVER_FINGERPRINT_LEN + 1])
{
        char *v = trimmed(value, strlen(value));
        int r;

        if (!v)
                return -ENOMEM;
        r = fingerprint_of(v, out);
        tw_secret_free(v);
        return r;
}

bool tw_deliver_state_holds(const struct tw_deliver_state *s, const char *value)
{
        char fp[TW_DELIVER_FINGERPRINT_LEN + 1];

        return s->readable && s->fingerprint[0] && tw_deliver_fingerprint(value, fp) == 0 &&
               strcmp(fp, s->fingerprint) == 0;
}

int tw_deliver_inspect(const char *value, size_t len, struct tw_deliver_state *s)
{
        struct tw_jwt_claims c;
        char *v = trimmed(value, len);
        int r;

        if (!v)
                return -ENOMEM;
        r = fingerprint_of(v, s->fingerprint);
        s->readable = r == 0;
        if (r == 0 && !memchr(value, '\0', len) && tw_jwt_decode(v, &c) == 0) {
                s->holds_jwt = true;
                snprintf(s->api_token_id, sizeof(s->api_token_id), "%s",
                         c.api_token_id ? c.api_token_id : "");
                s->iat = c.iat;
                s->exp = c.exp;
                tw_jwt_claims_done(&c);
        }
        tw_secret_free(v);
        return r;
}

void tw_deliver_time(const char *s, int64_t *ret)
{
        if (!s || tw_time_parse(s, ret) < 0)
                *ret = TW_NO_TIME;
}

int tw_deliver_b64_encode(const void *data, size_t len, char **ret)
{
        gnutls_datum_t in = {.data = (unsigned char *)data, .size = (unsigned)len}, out = {0};
        char *s;

        if (len == 0) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        if (gnutls_base64_encode2(&in, &out) < 0)
                return -ENOMEM;
        s = strndup((const char *)out.data, out.size);
        tw_wipe(out.data, out.size);
        gnutls_free(out.data);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int tw_deliver_b64_decode(const char *s, char **ret, size_t *ret_len)
{
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
        gnutls_datum_t in = {.data = (unsigned char *)s, .size = (unsigned)strlen(s)}, out = {0};
        char *o;

        if (strspn(s, alphabet) != in.size)
                return -EINVAL;
        if (in.size == 0) {
                *ret = strdup("");
                *ret_len = 0;
                return *ret ? 0 : -ENOMEM;
        }
        if (gnutls_base64_decode2(&in, &out) < 0)
                return -EINVAL;
        o = malloc(out.size + 1);
        if (o) {
                memcpy(o, out.data, out.size);
                o[out.size] = '\0';
                *ret = o;
                *ret_len = out.size;
        }
        tw_wipe(out.data, out.size);
        gnutls_free(out.data);
        return o ? 0 : -ENOMEM;
}

void tw_deliver_wipe_body(const struct tw_http_result *res)
{
        if (res->body && res->body_len)
                tw_wipe((char *)res->body, res->body_len);
}

static void wipe_strings(cJSON *j)
{
        for (; j; j = j->next) {
                if (cJSON_IsString(j) && j->valuestring)
                        tw_wipe(j->valuestring, strlen(j->valuestring));
                wipe_strings(j->child);
        }
}

void tw_deliver_json_free(struct cJSON *j)
{
        if (!j)
                return;
        wipe_strings(j->child);
        cJSON_Delete(j);
}

struct cJSON *tw_deliver_json(const struct tw_http_result *res)
{
        cJSON *j = res->body_len ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;

        if (!cJSON_IsObject(j)) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

const char *tw_deliver_json_str(const struct cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}
