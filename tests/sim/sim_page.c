/*
 * tw-astrosim's answers: error and JSON replies, queueing them on the
 * connection, query arguments, sorting, paging and the v1beta1 token shape.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sorted {
        cJSON *item;
        size_t index;
        const struct sim_query *q;
};

void sim_reply_json(struct sim_reply *reply, int status, struct cJSON *obj)
{
        char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;

        free(reply->body);
        reply->body = text;
        reply->body_len = text ? strlen(text) : 0;
        reply->status = text ? status : 500;
}

static ssize_t huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
        static const char prefix[] = "{\"limit\":20,\"offset\":0,\"totalCount\":1,\"pad\":\"";
        size_t total = *(size_t *)cls, n = 0;

        if (pos >= total)
                return MHD_CONTENT_READER_END_OF_STREAM;
        while (n < max && pos + n < total) {
                buf[n] = pos + n < sizeof(prefix) - 1 ? prefix[pos + n] : 'x';
                n++;
        }
        return (ssize_t)n;
}

int sim_reply_queue(struct MHD_Connection *conn, struct sim_reply *reply)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;
        char ra[16];

        if (reply->drop)
                return MHD_NO;
        if (reply->stream) {
                resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                         reply->stream_read, reply->stream,
                                                         reply->stream_free);
                if (!resp)
                        reply->stream_free(reply->stream);
                reply->stream = NULL;
        } else if (reply->huge_bytes) {
                size_t *total = malloc(sizeof(*total));

                if (!total)
                        return MHD_NO;
                *total = reply->huge_bytes;
                resp = MHD_create_response_from_callback(reply->huge_bytes, 64 * 1024, huge_reader,
                                                         total, free);
                if (!resp)
                        free(total);
        } else {
                resp = MHD_create_response_from_buffer(reply->body_len, reply->body,
                                                       MHD_RESPMEM_MUST_FREE);
                if (resp)
                        reply->body = NULL;
        }
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                reply->content_type ? reply->content_type : "application/json");
        if (reply->content_encoding)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
                                        reply->content_encoding);
        if (reply->retry_after >= 0) {
                snprintf(ra, sizeof(ra), "%d", reply->retry_after);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        }
        ret = MHD_queue_response(conn, (unsigned)reply->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

void sim_reply_error(struct sim_reply *reply, int status, const char *message, uint64_t seq)
{
        cJSON *o = cJSON_CreateObject();
        char id[48];

        snprintf(id, sizeof(id), "sim-req-%08llu", (unsigned long long)seq);
        cJSON_AddStringToObject(o, "message", message);
        cJSON_AddStringToObject(o, "requestId", id);
        cJSON_AddNumberToObject(o, "statusCode", status);
        sim_reply_json(reply, status, o);
        cJSON_Delete(o);
}

const char *sim_query_arg(const struct sim_query *q, const char *key)
{
        return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Collects the repeated "sorts" and comma-separated "workspaceIds" values. */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
        struct sim_query *q = cls;
        const char *p = value;

        (void)kind;
        if (!value)
                return MHD_YES;
        if (strcmp(key, "sorts") == 0) {
                if (q->n_sorts == SIM_MAX_SORTS)
                        q->bad = true;
                else
                        q->sorts[q->n_sorts++] = value;
        } else if (strcmp(key, "workspaceIds") == 0) {
                while (*p) {
                        size_t n = strcspn(p, ",");

                        if (q->n_ids == SIM_MAX_IDS || q->idbuf_len + n + 1 > sizeof(q->idbuf)) {
                                q->bad = true;
                                break;
                        }
                        memcpy(q->idbuf + q->idbuf_len, p, n);
                        q->idbuf[q->idbuf_len + n] = '\0';
                        if (n > 0)
                                q->ids[q->n_ids++] = q->idbuf + q->idbuf_len;
                        q->idbuf_len += n + 1;
                        p += n;
                        if (*p == ',')
                                p++;
                }
        }
        return MHD_YES;
}

/* Parses a non-negative integer query value; false if malformed. */
static bool uint_arg(const struct sim_query *q, const char *key, long def, long *ret)
{
        const char *s = sim_query_arg(q, key);
        char *end;
        long v;

        if (!s) {
                *ret = def;
                return true;
        }
        v = strtol(s, &end, 10);
        if (end == s || *end || v < 0)
                return false;
        *ret = v;
        return true;
}

bool sim_in_ids(const struct sim_query *q, const char *id)
{
        for (size_t i = 0; i < q->n_ids; i++)
                if (id && strcmp(q->ids[i], id) == 0)
                        return true;
        return false;
}

static int cmp_sorted(const void *a, const void *b)
{
        const struct sorted *x = a, *y = b;

        for (size_t i = 0; i < x->q->n_sorts; i++) {
                const char *spec = x->q->sorts[i];
                size_t n = strcspn(spec, ":");
                char field[32];
                const char *u, *v;
                int c;

                snprintf(field, sizeof(field), "%.*s", (int)(n < 31 ? n : 31), spec);
                u = sim_str(x->item, field);
                v = sim_str(y->item, field);
                c = !u ? (v ? -1 : 0) : !v ? 1 : strcmp(u, v);
                if (strcmp(spec + n, ":desc") == 0)
                        c = -c;
                if (c)
                        return c;
        }
        return x->index < y->index ? -1 : x->index > y->index;
}

static bool sorts_valid(const struct sim_query *q)
{
        static const char *const ok[] = {"name",         "description", "createdAt", "updatedAt",
                                         "tokenStartAt", "startAt",     "username",  NULL};

        for (size_t i = 0; i < q->n_sorts; i++) {
                const char *s = q->sorts[i], *dir;
                size_t n = strcspn(s, ":");
                bool found = false;

                dir = s + n;
                if (*dir && strcmp(dir, ":asc") != 0 && strcmp(dir, ":desc") != 0)
                        return false;
                for (size_t k = 0; ok[k]; k++)
                        found |= strlen(ok[k]) == n && strncmp(ok[k], s, n) == 0;
                if (!found)
                        return false;
        }
        return true;
}

/* v1beta1 tokens: "type" instead of "scope", no "kind"/"lastRotatedAt". */
cJSON *sim_to_v1beta1(const cJSON *token)
{
        cJSON *t = cJSON_Duplicate(token, 1), *scope;

        if (!t)
                return NULL;
        scope = cJSON_DetachItemFromObjectCaseSensitive(t, "scope");
        if (scope)
                cJSON_AddItemToObject(t, "type", scope);
        cJSON_DeleteItemFromObjectCaseSensitive(t, "kind");
        cJSON_DeleteItemFromObjectCaseSensitive(t, "lastRotatedAt");
        return t;
}

/* Answers a page of the matched items. */
void sim_page(struct sim_reply *reply, struct sim_query *q, cJSON **items, size_t n,
              const char *key, long max_limit, bool beta_tokens, uint64_t seq)
{
        struct sorted *s = NULL;
        cJSON *o = NULL, *arr;
        long offset, limit;
        char msg[96];

        if (!uint_arg(q, "offset", 0, &offset) || !uint_arg(q, "limit", 20, &limit)) {
                sim_reply_error(reply, 400, "offset and limit must be non-negative integers", seq);
                return;
        }
        if (max_limit > 0 && limit > max_limit) {
                snprintf(msg, sizeof(msg), "limit must be less than or equal to %ld", max_limit);
                sim_reply_error(reply, 400, msg, seq);
                return;
        }
        if (q->bad || !sorts_valid(q)) {
                sim_reply_error(reply, 400, "invalid sorts or id list", seq);
                return;
        }
        s = calloc(n ? n : 1, sizeof(*s));
        o = cJSON_CreateObject();
        if (!s || !o)
                goto fail;
        for (size_t i = 0; i < n; i++)
                s[i] = (struct sorted){items[i], i, q};
        if (q->n_sorts)
                qsort(s, n, sizeof(*s), cmp_sorted);
        cJSON_AddNumberToObject(o, "limit", (double)limit);
        cJSON_AddNumberToObject(o, "offset", (double)offset);
        cJSON_AddNumberToObject(o, "totalCount", (double)n);
        arr = cJSON_AddArrayToObject(o, key);
        if (!arr)
                goto fail;
        for (size_t i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit; i++) {
                cJSON *it = beta_tokens ? sim_to_v1beta1(s[i].item) : cJSON_Duplicate(s[i].item, 1);

                if (!it)
                        goto fail;
                cJSON_AddItemToArray(arr, it);
        }
        sim_reply_json(reply, 200, o);
        goto out;
fail:
        sim_reply_error(reply, 500, "out of memory", seq);
out:
        cJSON_Delete(o);
        free(s);
}

void sim_query_collect(struct sim_query *q)
{
        MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, collect_arg, q);
}
