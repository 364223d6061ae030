/*
 * tw-astrosim's audit logs: GET {p}/organizations/{org}/audit-logs under /v1
 * and /platform/v1beta1, served as the real API does (shared/astro-api.md,
 * "Audit logs"): every entry of the window [startDate, endDate) in one
 * gzipped NDJSON body, 2 calls a minute per credential, Organization Owner
 * only.
 *
 * Entries come from an NDJSON fixture (tests/fixtures/demo-audit.ndjson),
 * from POST /_sim/audit-logs or tw_sim_add_auditlog_entries() at run time, and
 * from a deterministic generator for benchmarks.  A "timestamp" may be
 * relative ("@-3d", "@-2h.250"), resolved against the base time like the
 * fixture's "...At" members.  A line that is not a JSON object with a
 * timestamp (a malformed line on purpose) is kept verbatim and served with
 * the entry before it.
 *
 * The body is produced while it is sent (deflated chunk by chunk from a
 * copy of the matching lines, or from the generator), so a large window is
 * never held whole in memory.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/usage/auditlog_entry.h"
#include "lib/readfile.h"
#include "lib/timeutil.h"

#define CHUNK ((size_t)64 * 1024)
#define GEN_SPAN_MS ((int64_t)90 * 86400 * 1000) /* generated entries cover 90 days */
#define GEN_TOKENS 8

struct audit_stream {
        char **lines; /* copies of the matching lines (fixture entries) */
        size_t n_lines, next_line;
        /* Generated entries [gen_next, gen_end) of sim->audit_generate. */
        size_t gen_next, gen_end, gen_total;
        int64_t gen_start_ms;
        char org[64];
        char tokens[GEN_TOKENS][64];
        size_t n_tokens;
        z_stream z;
        bool z_ready, finished;
        bool cut; /* end with an error once the lines run out (a fault) */
        unsigned char in[CHUNK + 4096];
};

/* Resolves a relative "timestamp" through sim_resolve_times(), which
 * handles members named "...At". */
static int resolve_timestamp(struct tw_sim *sim, cJSON *entry)
{
        const char *ts = sim_str(entry, "timestamp");
        cJSON *tmp;
        int r;

        if (!ts || ts[0] != '@')
                return 0;
        tmp = cJSON_CreateObject();
        if (!tmp || !cJSON_AddStringToObject(tmp, "timestampAt", ts)) {
                cJSON_Delete(tmp);
                return -ENOMEM;
        }
        r = sim_resolve_times(tmp, sim->base_time);
        if (r == 0 && !cJSON_ReplaceItemInObjectCaseSensitive(
                              entry, "timestamp", cJSON_CreateString(sim_str(tmp, "timestampAt"))))
                r = -ENOMEM;
        cJSON_Delete(tmp);
        return r;
}

/* Inserts (t_ms, line) after every entry at or before t_ms. */
static int insert_locked(struct tw_sim *sim, int64_t t_ms, char *line)
{
        size_t i;

        if (tw_array_reserve((void **)&sim->audit, sim->n_audit, &sim->audit_cap,
                             sizeof(*sim->audit)) < 0)
                return -ENOMEM;
        for (i = sim->n_audit; i > 0 && sim->audit[i - 1].t_ms > t_ms; i--)
                ;
        memmove(&sim->audit[i + 1], &sim->audit[i], (sim->n_audit - i) * sizeof(*sim->audit));
        sim->audit[i] = (struct sim_audit_entry){t_ms, line};
        sim->n_audit++;
        return 0;
}

/* Adds one NDJSON line; *last_ms carries the time for a malformed line. */
static int add_line_locked(struct tw_sim *sim, const char *p, size_t n, int64_t *last_ms)
{
        cJSON *e = cJSON_ParseWithLength(p, n);
        char *line = NULL;
        int64_t t = *last_ms;
        int r = 0;

        if (cJSON_IsObject(e) && sim_str(e, "timestamp")) {
                r = resolve_timestamp(sim, e);
                if (r == 0 && tw_time_parse_ms(sim_str(e, "timestamp"), &t) == 0) {
                        line = cJSON_PrintUnformatted(e);
                        *last_ms = t;
                } else if (r == 0) {
                        line = strndup(p, n);
                }
        } else {
                line = strndup(p, n);
        }
        cJSON_Delete(e);
        if (r == 0 && !line)
                r = -ENOMEM;
        if (r == 0)
                r = insert_locked(sim, t, line);
        if (r < 0)
                free(line);
        return r;
}

static int add_locked(struct tw_sim *sim, const char *text, size_t len)
{
        int64_t last = sim->n_audit ? sim->audit[sim->n_audit - 1].t_ms : sim->base_time * 1000;
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                int r;

                while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
                        n--;
                if (n > 0 && (r = add_line_locked(sim, p, n, &last)) < 0)
                        return r;
                p += (nl ? (size_t)(nl - p) + 1 : n);
                if (!nl)
                        break;
        }
        return 0;
}

int tw_sim_add_auditlog_entries(struct tw_sim *sim, const char *ndjson, size_t len)
{
        int r;

        if (!sim || !ndjson)
                return -EINVAL;
        pthread_mutex_lock(&sim->lock);
        r = add_locked(sim, ndjson, len);
        pthread_mutex_unlock(&sim->lock);
        return r;
}

size_t tw_sim_auditlog_count(const struct tw_sim *sim)
{
        struct tw_sim *s = (struct tw_sim *)sim;
        size_t n;

        if (!sim)
                return 0;
        pthread_mutex_lock(&s->lock);
        n = sim->n_audit;
        pthread_mutex_unlock(&s->lock);
        return n;
}

int sim_audit_load(struct tw_sim *sim, const char *path)
{
        char *text = NULL;
        size_t len = 0;
        int r = tw_read_file(path, (size_t)64 << 20, 0, &text, &len);

        if (r < 0) {
                fprintf(stderr, "%s: cannot read audit fixture: %s\n", path, strerror(-r));
                return r;
        }
        if (len > 0)
                r = add_locked(sim, text, len);
        if (r < 0)
                fprintf(stderr, "%s: bad audit fixture (relative timestamp?)\n", path);
        free(text);
        return r;
}

void sim_audit_free(struct tw_sim *sim)
{
        for (size_t i = 0; i < sim->n_audit; i++)
                free(sim->audit[i].line);
        free(sim->audit);
        sim->audit = NULL;
        sim->n_audit = sim->audit_cap = 0;
}

/* Per-credential sliding window (keyed by a hash of the bearer); true if
 * the call may pass, else *ret_wait_s is the Retry-After. */
static bool rate_allow_locked(struct tw_sim *sim, const char *bearer, int *ret_wait_s)
{
        uint64_t key = tw_auditlog_line_identity(bearer, strlen(bearer));
        int64_t now = tw_mono_ns(), span = sim->audit_window_ms * 1000000LL;
        struct sim_audit_rate *rt = NULL;
        size_t i, max = (size_t)sim->audit_calls;

        for (i = 0; i < sim->n_audit_rates && !rt; i++)
                if (sim->audit_rates[i].key == key)
                        rt = &sim->audit_rates[i];
        if (!rt) {
                i = sim->n_audit_rates < SIM_AUDIT_MAX_CREDS ? sim->n_audit_rates++ : 0;
                rt = &sim->audit_rates[i];
                memset(rt, 0, sizeof(*rt));
                rt->key = key;
        }
        while (rt->n > 0 && now - rt->calls[0] >= span) {
                memmove(rt->calls, rt->calls + 1, (rt->n - 1) * sizeof(rt->calls[0]));
                rt->n--;
        }
        if (rt->n >= max) {
                int64_t left = span - (now - rt->calls[0]);

                *ret_wait_s = (int)((left + 999999999LL) / 1000000000LL);
                if (*ret_wait_s < 1)
                        *ret_wait_s = 1;
                return false;
        }
        rt->calls[rt->n++] = now;
        return true;
}

/* One generated entry: a mix of token calls, deploys and user actions. */
static int gen_line(const struct audit_stream *st, size_t i, char *buf, size_t size)
{
        char ts[40];
        const char *tok = st->n_tokens ? st->tokens[i % st->n_tokens] : "clnotatoken0000000000000";
        int64_t t = st->gen_start_ms +
                    (int64_t)((double)i * (double)GEN_SPAN_MS / (double)st->gen_total);

        tw_time_format_ms(t, ts, sizeof(ts));
        if (i % 10 == 9)
                return snprintf(
                        buf, size,
                        "{\"subjectId\":\"%s\",\"subjectType\":\"SERVICEKEY\","
                        "\"organizationId\":\"%s\",\"timestamp\":\"%s\","
                        "\"sourceIp\":\"203.0.113.%zu\",\"userAgent\":\"docker/24.0.%zu\","
                        "\"category\":\"REGISTRY\",\"method\":\"PUT\","
                        "\"path\":\"/v2/%s/cdgen%zu/manifests/deploy-%zu\",\"statusCode\":201}\n",
                        tok, st->org, ts, i % 7, i % 3, st->org, i % 20, i);
        if (i % 10 == 8)
                return snprintf(
                        buf, size,
                        "{\"subjectId\":\"cugenuser%05zu\",\"subjectType\":\"USER\","
                        "\"organizationId\":\"%s\",\"timestamp\":\"%s\",\"sourceIp\":"
                        "\"198.51.100.%zu\",\"userAgent\":\"Mozilla/5.0\",\"correlationId\":"
                        "\"corr-%zu\",\"graphqlClientName\":\"cloud-ui\",\"operationName\":"
                        "\"DeploymentsQuery\",\"requestBody\":\"{}\"}\n",
                        i % 40, st->org, ts, i % 200, i);
        return snprintf(
                buf, size,
                "{\"subjectId\":\"%s\",\"subjectType\":\"SERVICEKEY\",\"organizationId\":"
                "\"%s\",\"timestamp\":\"%s\",\"sourceIp\":\"192.0.2.%zu\",\"userAgent\":"
                "\"astro-cli/1.%zu.0\",\"method\":\"GET\",\"path\":\"/v1/organizations/%s/"
                "deployments/cdgen%zu\",\"requestId\":\"req-%zu\",\"responseStatus\":200}\n",
                tok, st->org, ts, i % 11, i % 4, st->org, i % 20, i);
}

/* Fills st->in with the next lines; returns the bytes put there. */
static size_t fill_input(struct audit_stream *st)
{
        size_t n = 0;

        while (n < CHUNK && st->next_line < st->n_lines) {
                size_t len = strlen(st->lines[st->next_line]);

                if (n > 0 && n + len + 1 > sizeof(st->in))
                        break;
                if (len + 1 > sizeof(st->in) - n) { /* a huge line: cut (it is a test server) */
                        len = sizeof(st->in) - n - 1;
                }
                memcpy(st->in + n, st->lines[st->next_line], len);
                st->in[n + len] = '\n';
                n += len + 1;
                st->next_line++;
        }
        while (n < CHUNK && st->gen_next < st->gen_end) {
                int w = gen_line(st, st->gen_next, (char *)st->in + n, sizeof(st->in) - n);

                if (w < 0 || (size_t)w >= sizeof(st->in) - n)
                        break;
                n += (size_t)w;
                st->gen_next++;
        }
        return n;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct audit_stream *st = cls;

        (void)pos;
        if (st->finished)
                return st->cut ? MHD_CONTENT_READER_END_WITH_ERROR
                               : MHD_CONTENT_READER_END_OF_STREAM;
        st->z.next_out = (unsigned char *)buf;
        st->z.avail_out = (uInt)(max < 0x7fffffff ? max : 0x7fffffff);
        while (st->z.avail_out > 0) {
                bool last;
                int zr;

                if (st->z.avail_in == 0) {
                        st->z.next_in = st->in;
                        st->z.avail_in = (uInt)fill_input(st);
                }
                last = st->z.avail_in == 0;
                if (last && st->cut) {
                        /* Everything so far reaches the client, then the
                         * connection is cut mid-body. */
                        deflate(&st->z, Z_SYNC_FLUSH);
                        st->finished = st->z.avail_out > 0;
                        break;
                }
                zr = deflate(&st->z, last ? Z_FINISH : Z_NO_FLUSH);
                if (zr == Z_STREAM_END) {
                        st->finished = true;
                        break;
                }
                if (zr != Z_OK && zr != Z_BUF_ERROR)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if ((size_t)(st->z.next_out - (unsigned char *)buf) == 0)
                return st->finished && !st->cut ? MHD_CONTENT_READER_END_OF_STREAM
                                                : MHD_CONTENT_READER_END_WITH_ERROR;
        return (ssize_t)(st->z.next_out - (unsigned char *)buf);
}

static void stream_free(void *cls)
{
        struct audit_stream *st = cls;

        if (!st)
                return;
        for (size_t i = 0; i < st->n_lines; i++)
                free(st->lines[i]);
        free(st->lines);
        if (st->z_ready)
                deflateEnd(&st->z);
        free(st);
}

/* The generated entries with a time in [from, to). */
static void gen_range(struct tw_sim *sim, struct audit_stream *st, int64_t from, int64_t to)
{
        size_t n = sim->audit_generate;
        const cJSON *t;

        st->gen_total = n;
        st->gen_start_ms = sim->base_time * 1000 - GEN_SPAN_MS;
        snprintf(st->org, sizeof(st->org), "%s", sim_str(sim->org, "id"));
        cJSON_ArrayForEach (t, sim->tokens)
                if (st->n_tokens < GEN_TOKENS && sim_str(t, "id"))
                        snprintf(st->tokens[st->n_tokens++], sizeof(st->tokens[0]), "%s",
                                 sim_str(t, "id"));
        /* Entry i is at gen_start + i * span / n: invert for the bounds. */
        for (st->gen_next = 0; st->gen_next < n; st->gen_next++)
                if (st->gen_start_ms +
                            (int64_t)((double)st->gen_next * (double)GEN_SPAN_MS / (double)n) >=
                    from)
                        break;
        for (st->gen_end = st->gen_next; st->gen_end < n; st->gen_end++)
                if (st->gen_start_ms +
                            (int64_t)((double)st->gen_end * (double)GEN_SPAN_MS / (double)n) >=
                    to)
                        break;
}

static struct audit_stream *stream_new_locked(struct tw_sim *sim, int64_t from, int64_t to)
{
        struct audit_stream *st = calloc(1, sizeof(*st));
        size_t n = 0;

        if (!st)
                return NULL;
        if (deflateInit2(&st->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
                free(st);
                return NULL;
        }
        st->z_ready = true;
        for (size_t i = 0; i < sim->n_audit; i++)
                n += sim->audit[i].t_ms >= from && sim->audit[i].t_ms < to;
        st->lines = calloc(n ? n : 1, sizeof(*st->lines));
        if (!st->lines)
                goto fail;
        for (size_t i = 0; i < sim->n_audit; i++) {
                if (sim->audit[i].t_ms < from || sim->audit[i].t_ms >= to)
                        continue;
                st->lines[st->n_lines] = strdup(sim->audit[i].line);
                if (!st->lines[st->n_lines])
                        goto fail;
                st->n_lines++;
        }
        if (sim->audit_newest_first)
                for (size_t i = 0; i < st->n_lines / 2; i++) {
                        char *t = st->lines[i];

                        st->lines[i] = st->lines[st->n_lines - 1 - i];
                        st->lines[st->n_lines - 1 - i] = t;
                }
        if (sim->audit_generate)
                gen_range(sim, st, from, to);
        return st;
fail:
        stream_free(st);
        return NULL;
}

/* Parses ?key= as RFC 3339 into *ret_ms; false if present and malformed. */
static bool date_arg(struct MHD_Connection *conn, const char *key, int64_t *ret_ms)
{
        const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);

        return !v || tw_time_parse_ms(v, ret_ms) == 0;
}

void sim_audit_handle_locked(struct tw_sim *sim, struct MHD_Connection *conn, const char *auth_ws,
                             uint64_t seq, struct sim_reply *reply)
{
        const char *h =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        int64_t from = INT64_MIN, to = INT64_MAX;
        struct audit_stream *st;
        int wait_s = 0;

        if (auth_ws || sim->audit_forbidden) {
                sim_reply_error(reply, 403,
                                "Forbidden: audit logs require the Organization Owner role", seq);
                return;
        }
        if (!rate_allow_locked(sim, h ? h : "", &wait_s)) {
                sim_reply_error(reply, 429, "Too Many Requests: audit logs allow 2 calls a minute",
                                seq);
                reply->retry_after = wait_s;
                return;
        }
        if (!date_arg(conn, "startDate", &from) || !date_arg(conn, "endDate", &to)) {
                sim_reply_error(reply, 400, "startDate and endDate must be RFC 3339 date-times",
                                seq);
                return;
        }
        st = stream_new_locked(sim, from, sim->audit_ignore_end_date ? INT64_MAX : to);
        if (!st) {
                sim_reply_error(reply, 500, "out of memory", seq);
                return;
        }
        reply->status = 200;
        reply->stream = st;
        reply->stream_read = stream_read;
        reply->stream_free = stream_free;
        reply->content_type = "application/x-ndjson";
        reply->content_encoding = sim->audit_raw_gzip ? NULL : "gzip";
}

void sim_audit_cut(struct sim_reply *reply)
{
        struct audit_stream *st = reply->stream;

        if (reply->stream_read != stream_read)
                return;
        for (size_t i = st->n_lines / 2; i < st->n_lines; i++)
                free(st->lines[i]);
        st->n_lines /= 2;
        st->gen_end = st->gen_next + (st->gen_end - st->gen_next) / 2;
        st->cut = true;
}

void sim_audit_control(struct tw_sim *sim, const char *body, size_t len, struct sim_reply *reply)
{
        size_t before = tw_sim_auditlog_count(sim);
        cJSON *o;

        if (tw_sim_add_auditlog_entries(sim, body, len) < 0) {
                sim_reply_error(reply, 400, "want NDJSON audit entries", 0);
                return;
        }
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "added", (double)(tw_sim_auditlog_count(sim) - before));
        sim_reply_json(reply, 200, o);
        cJSON_Delete(o);
}
