/*
 * tw-storesim's small helpers: replies, escapes, paths and locators, times,
 * JSON members and base64 (GnuTLS's, as the project uses it).
 */
#include "storesim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/timeutil.h"

void store_reply_json(struct store_reply *rp, int status, struct cJSON *obj)
{
        char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;

        free(rp->body);
        rp->body = text;
        rp->body_len = text ? strlen(text) : 0;
        rp->status = text ? status : 500;
        rp->content_type = NULL;
}

void store_reply_text(struct store_reply *rp, int status, const char *text)
{
        free(rp->body);
        rp->body = strdup(text);
        rp->body_len = rp->body ? strlen(rp->body) : 0;
        rp->status = rp->body ? status : 500;
        rp->content_type = "text/plain; charset=utf-8";
}

void store_reply_empty(struct store_reply *rp, int status)
{
        free(rp->body);
        rp->body = NULL;
        rp->body_len = 0;
        rp->status = status;
}

void store_add_header(struct store_reply *rp, const char *name, const char *fmt, ...)
{
        va_list ap;

        if (rp->n_headers == STORE_MAX_HEADERS)
                return;
        snprintf(rp->headers[rp->n_headers].name, sizeof(rp->headers[0].name), "%s", name);
        va_start(ap, fmt);
        vsnprintf(rp->headers[rp->n_headers].value, sizeof(rp->headers[0].value), fmt, ap);
        va_end(ap);
        rp->n_headers++;
}

static int hex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

char *store_unescape(const char *s, size_t n, bool plus)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '%') {
                        *o++ = plus && s[i] == '+' ? ' ' : s[i];
                        continue;
                }
                if (i + 2 >= n || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
                        free(out);
                        return NULL;
                }
                *o++ = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
                i += 2;
        }
        *o = '\0';
        return out;
}

struct query_find {
        const char *key;
        char *found;
};

static enum MHD_Result find_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
        struct query_find *q = cls;
        char *k = store_unescape(key, strlen(key), true);

        (void)kind;
        if (k && strcmp(k, q->key) == 0 && !q->found)
                q->found = store_unescape(value ? value : "", value ? strlen(value) : 0, true);
        free(k);
        return MHD_YES;
}

char *store_query(struct MHD_Connection *conn, const char *key)
{
        struct query_find q = {.key = key};

        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, find_arg, &q);
        return q.found;
}

int store_split(const char *path, char **segs, int max)
{
        int n = 0;

        while (*path) {
                size_t len;

                while (*path == '/')
                        path++;
                if (!*path)
                        break;
                len = strcspn(path, "/");
                if (n == max) {
                        store_segs_free(segs, n);
                        return -1;
                }
                segs[n] = store_unescape(path, len, false);
                if (!segs[n]) {
                        store_segs_free(segs, n);
                        return -1;
                }
                n++;
                path += len;
        }
        return n;
}

void store_segs_free(char **segs, int n)
{
        for (int i = 0; i < n; i++)
                free(segs[i]);
}

int store_locator(const char *at, char *buf, size_t size, char **parts, int max)
{
        int n = 0;
        char *p = buf;

        if (!at || strlen(at) >= size)
                return 0;
        memcpy(buf, at, strlen(at) + 1);
        while (n < max) {
                char *c = n == max - 1 ? NULL : strchr(p, ':');

                parts[n++] = p;
                if (!c)
                        break;
                *c = '\0';
                p = c + 1;
        }
        return n;
}

void store_time(char *buf, size_t size, bool nanos)
{
        struct timespec ts;
        char tb[TW_RFC3339_LEN];

        clock_gettime(CLOCK_REALTIME, &ts);
        tw_time_format((int64_t)ts.tv_sec, tb);
        if (!nanos) {
                snprintf(buf, size, "%s", tb);
                return;
        }
        tb[strlen(tb) - 1] = '\0';
        snprintf(buf, size, "%s.%09ldZ", tb, ts.tv_nsec);
}

struct cJSON *store_obj(struct cJSON *obj, const char *key)
{
        cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

        if (!it) {
                it = cJSON_CreateObject();
                if (it && !cJSON_AddItemToObject(obj, key, it)) {
                        cJSON_Delete(it);
                        it = NULL;
                }
        }
        return it;
}

const char *store_str(const struct cJSON *obj, const char *key)
{
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsString(it) ? it->valuestring : NULL;
}

bool store_bool(const struct cJSON *obj, const char *key, bool def)
{
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsBool(it) ? cJSON_IsTrue(it) : def;
}

char *store_b64_encode(const char *data, size_t len)
{
        gnutls_datum_t in = {.data = (unsigned char *)data, .size = (unsigned)len}, out = {0};
        char *s;

        if (len == 0)
                return strdup("");
        if (gnutls_base64_encode2(&in, &out) < 0)
                return NULL;
        s = malloc(out.size + 1);
        if (s) {
                memcpy(s, out.data, out.size);
                s[out.size] = '\0';
        }
        gnutls_free(out.data);
        return s;
}

int store_b64_decode(const char *b64, char **ret, size_t *ret_len)
{
        gnutls_datum_t in = {.data = (unsigned char *)b64, .size = (unsigned)strlen(b64)};
        gnutls_datum_t out = {0};
        char *s;

        if (in.size == 0) {
                *ret = strdup("");
                *ret_len = 0;
                return *ret ? 0 : -ENOMEM;
        }
        if (strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
                    in.size ||
            gnutls_base64_decode2(&in, &out) < 0)
                return -EINVAL;
        s = malloc(out.size + 1);
        if (s) {
                memcpy(s, out.data, out.size);
                s[out.size] = '\0';
                *ret = s;
                *ret_len = out.size;
        }
        gnutls_free(out.data);
        return s ? 0 : -ENOMEM;
}
