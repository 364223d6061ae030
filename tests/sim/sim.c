/*
 * tw-astrosim: the libmicrohttpd server, request accounting and dispatch.
 * One thread per connection, so latency and hang faults never block other
 * requests.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/timeutil.h"
#include "sim_internal.h"

#define HUGE_DEFAULT ((size_t)80 << 20)
#define PATH_MAX_LOG 4096

struct req_ctx {
        struct tw_buf body;
        bool too_big;
};

void sim_sleep(struct tw_sim *sim, int ms)
{
        struct timespec ts;

        if (ms <= 0)
                return;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&sim->lock);
        while (!sim->stopping &&
               pthread_cond_timedwait(&sim->stop_cond, &sim->lock, &ts) != ETIMEDOUT)
                ;
        pthread_mutex_unlock(&sim->lock);
}

/* Appends "?k=v&k2=v2" (decoded values) to the path for the log and faults. */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
        struct tw_buf *b = cls;

        (void)kind;
        if (tw_buf_addc(b, b->ptr && strchr(b->ptr, '?') ? '&' : '?') < 0 ||
            tw_buf_adds(b, key) < 0 || (value && tw_buf_printf(b, "=%s", value) < 0))
                return MHD_NO;
        return MHD_YES;
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

static enum MHD_Result queue(struct MHD_Connection *conn, struct sim_reply *reply)
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

/* Whether bearer is well-formed, and which credential it is. */
static const char *auth_label(struct tw_sim *sim, struct MHD_Connection *conn, int *ret_kind,
                              const char **ret_ws)
{
        const char *h =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

        *ret_kind = 0;
        if (!h)
                return "none";
        if (strncmp(h, "Bearer ", 7) == 0)
                *ret_kind = sim_auth_check_locked(sim, h + 7, ret_ws);
        return *ret_kind ? "bearer-ok" : "bearer-bad";
}

/* Answers the request as the real API would (auth, then the route). */
static void answer_normally(struct tw_sim *sim, struct MHD_Connection *conn, const char *url,
                            const char *method, int kind, const char *ws, const char *label,
                            uint64_t seq, struct sim_reply *reply)
{
        if (kind == 0) {
                sim_reply_error(reply, 401,
                                strcmp(label, "none") == 0
                                        ? "Unauthorized: missing Authorization header"
                                        : "Unauthorized: the API token is invalid or expired",
                                seq);
                return;
        }
        if (strcmp(method, "GET") != 0) {
                sim_reply_error(reply, 405, "Method Not Allowed", seq);
                return;
        }
        pthread_mutex_lock(&sim->lock);
        sim_api_handle_locked(sim, conn, url, kind == 2 ? ws : NULL, seq, reply);
        pthread_mutex_unlock(&sim->lock);
}

static enum MHD_Result handle_api(struct tw_sim *sim, struct MHD_Connection *conn, const char *url,
                                  const char *method)
{
        struct sim_reply reply = {.status = 500, .retry_after = -1};
        struct tw_sim_fault fault;
        struct tw_buf path;
        const char *label, *ws = NULL;
        bool allowed, faulty = false;
        int64_t start = tw_mono_ns();
        int kind, in;
        uint64_t seq;
        enum MHD_Result ret;

        tw_buf_init(&path, PATH_MAX_LOG);
        if (tw_buf_adds(&path, url) < 0)
                tw_buf_adds(&path, "(path too long)");
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &path);

        in = atomic_fetch_add(&sim->in_flight, 1) + 1;
        pthread_mutex_lock(&sim->lock);
        seq = ++sim->request_seq;
        sim->n_requests++;
        if (in > sim->max_in_flight)
                sim->max_in_flight = in;
        label = auth_label(sim, conn, &kind, &ws);
        allowed = sim_rate_allow_locked(sim, start);
        if (allowed)
                faulty = sim_fault_pick_locked(sim, path.ptr, &fault);
        pthread_mutex_unlock(&sim->lock);

        sim_sleep(sim, sim->latency_ms);
        if (!allowed) {
                sim_reply_error(&reply, 429, "Too Many Requests", seq);
                reply.retry_after = sim->rate_limit_retry_after ? 1 : -1;
        } else if (faulty && fault.type == TW_SIM_FAULT_STATUS) {
                sim_reply_error(&reply, fault.status, "injected fault", seq);
                reply.retry_after = fault.retry_after;
        } else if (faulty && fault.type == TW_SIM_FAULT_MALFORMED) {
                reply.status = 200;
                reply.body = strdup("<html><body>502 Bad Gateway</body></html>");
                reply.body_len = reply.body ? strlen(reply.body) : 0;
        } else if (faulty && fault.type == TW_SIM_FAULT_HUGE) {
                reply.status = 200;
                reply.huge_bytes = fault.huge_bytes ? fault.huge_bytes : HUGE_DEFAULT;
        } else if (faulty && fault.type == TW_SIM_FAULT_DROP) {
                reply.drop = true;
        } else {
                if (faulty && fault.type == TW_SIM_FAULT_HANG)
                        sim_sleep(sim, fault.hang_ms);
                answer_normally(sim, conn, url, method, kind, ws, label, seq, &reply);
                if (faulty && reply.status == 200)
                        sim_fault_rewrite(&fault, &reply);
        }

        pthread_mutex_lock(&sim->lock);
        if (reply.status == 429 && !reply.drop)
                sim->n_429++;
        sim_log_add_locked(sim, path.ptr ? path.ptr : url, label, reply.drop ? 0 : reply.status,
                           start);
        pthread_mutex_unlock(&sim->lock);

        ret = queue(conn, &reply);
        atomic_fetch_sub(&sim->in_flight, 1);
        free(reply.body);
        tw_buf_done(&path);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct tw_sim *sim = cls;
        struct req_ctx *ctx = *con_cls;
        struct sim_reply reply = {.status = 500, .retry_after = -1};
        enum MHD_Result ret;

        (void)version;
        if (!ctx) {
                ctx = calloc(1, sizeof(*ctx));
                if (!ctx)
                        return MHD_NO;
                tw_buf_init(&ctx->body, SIM_MAX_BODY);
                *con_cls = ctx;
                return MHD_YES;
        }
        if (*upload_data_size) {
                if (tw_buf_add(&ctx->body, upload_data, *upload_data_size) < 0)
                        ctx->too_big = true;
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (strncmp(url, "/_sim/", 6) != 0)
                return handle_api(sim, conn, url, method);
        if (ctx->too_big)
                sim_reply_error(&reply, 413, "body too large", 0);
        else
                sim_control_handle(sim, method, url, ctx->body.ptr ? ctx->body.ptr : "",
                                   ctx->body.len, &reply);
        ret = queue(conn, &reply);
        free(reply.body);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct req_ctx *ctx = *con_cls;

        (void)cls;
        (void)conn;
        (void)toe;
        if (ctx) {
                tw_buf_done(&ctx->body);
                free(ctx);
                *con_cls = NULL;
        }
}

static void sim_free(struct tw_sim *sim)
{
        cJSON_Delete(sim->org);
        cJSON_Delete(sim->workspaces);
        cJSON_Delete(sim->deployments);
        cJSON_Delete(sim->users);
        cJSON_Delete(sim->tokens);
        sim_audit_free(sim);
        free(sim->credential_token_id);
        free(sim->org_jwt);
        for (size_t i = 0; i < sim->n_ws_creds; i++) {
                free(sim->ws_creds[i].workspace_id);
                free(sim->ws_creds[i].jwt);
        }
        tw_sim_clear_faults(sim);
        tw_sim_requests_free(sim->log, sim->log_len);
        free(sim->window);
        pthread_cond_destroy(&sim->stop_cond);
        pthread_mutex_destroy(&sim->lock);
        free(sim);
}

static int sim_load(struct tw_sim *sim, const struct tw_sim_options *opts)
{
        int r = 0;

        if (opts->fixture_path)
                r = sim_fixture_load(sim, opts->fixture_path);
        else
                sim_fixture_empty(sim);
        if (r == 0 && opts->generate_tokens > 0)
                r = sim_generate(sim, opts->generate_tokens, opts->generate_workspaces);
        if (r == 0 && opts->audit_fixture_path)
                r = sim_audit_load(sim, opts->audit_fixture_path);
        if (r == 0)
                r = sim_credential_init(sim);
        if (r == 0)
                r = sim_rate_init(sim);
        return r;
}

struct tw_sim *tw_sim_start(const struct tw_sim_options *opts)
{
        struct tw_sim *sim = calloc(1, sizeof(*sim));
        struct sockaddr_in sa = {.sin_family = AF_INET};
        const union MHD_DaemonInfo *info;
        pthread_condattr_t ca;

        if (!sim || !opts) {
                free(sim);
                return NULL;
        }
        pthread_mutex_init(&sim->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&sim->stop_cond, &ca);
        pthread_condattr_destroy(&ca);
        atomic_init(&sim->in_flight, 0);
        sim->base_time = opts->base_time ? opts->base_time : tw_now();
        sim->latency_ms = opts->latency_ms;
        sim->rate_limit = opts->rate_limit;
        sim->rate_limit_retry_after = opts->rate_limit_retry_after;
        sim->audit_generate = opts->audit_generate;
        sim->audit_raw_gzip = opts->audit_raw_gzip;
        sim->audit_forbidden = opts->audit_forbidden;
        sim->audit_newest_first = opts->audit_newest_first;
        sim->audit_ignore_end_date = opts->audit_ignore_end_date;
        sim->audit_calls = opts->audit_calls > 0 && opts->audit_calls <= SIM_AUDIT_MAX_CALLS
                                   ? opts->audit_calls
                                   : 2;
        sim->audit_window_ms = opts->audit_window_ms > 0 ? opts->audit_window_ms : 60000;
        if (sim_load(sim, opts) < 0)
                goto fail;

        sa.sin_port = htons(opts->port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sim->daemon = MHD_start_daemon(
                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, opts->port, NULL,
                NULL, on_request, sim, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, sim, MHD_OPTION_CONNECTION_LIMIT,
                (unsigned)1000, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
        if (!sim->daemon)
                goto fail;
        info = MHD_get_daemon_info(sim->daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (!info || info->port == 0)
                goto fail;
        sim->port = info->port;
        snprintf(sim->url, sizeof(sim->url), "http://127.0.0.1:%u", (unsigned)sim->port);
        return sim;
fail:
        if (sim->daemon)
                MHD_stop_daemon(sim->daemon);
        sim_free(sim);
        return NULL;
}

void tw_sim_stop(struct tw_sim *sim)
{
        if (!sim)
                return;
        pthread_mutex_lock(&sim->lock);
        sim->stopping = true;
        pthread_cond_broadcast(&sim->stop_cond);
        pthread_mutex_unlock(&sim->lock);
        MHD_stop_daemon(sim->daemon);
        sim_free(sim);
}

unsigned short tw_sim_port(const struct tw_sim *sim)
{
        return sim ? sim->port : 0;
}

const char *tw_sim_url(const struct tw_sim *sim)
{
        return sim ? sim->url : NULL;
}

const char *tw_sim_organization_id(const struct tw_sim *sim)
{
        return sim ? sim_str(sim->org, "id") : NULL;
}
