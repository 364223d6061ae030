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
        ts = tw_mono_timespec(tw_mono_ns() + ms * INT64_C(1000000));
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

/* Whether bearer is well-formed, and which credential it is. */
static const char *auth_label(struct tw_sim *sim, struct MHD_Connection *conn, struct sim_auth *ret)
{
        const char *h =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

        memset(ret, 0, sizeof(*ret));
        if (!h)
                return "none";
        if (strncmp(h, "Bearer ", 7) == 0)
                sim_auth_locked(sim, h + 7, ret);
        return ret->kind ? "bearer-ok" : "bearer-bad";
}

/* Answers the request as the real API would (auth, then the route). */
static void answer_normally(struct tw_sim *sim, struct MHD_Connection *conn, const char *url,
                            const char *method, const struct tw_buf *body, const char *label,
                            uint64_t seq, struct sim_reply *reply)
{
        struct sim_auth auth;

        pthread_mutex_lock(&sim->lock);
        /* Again: a value may have been rotated away while this one waited. */
        auth_label(sim, conn, &auth);
        if (auth.kind == 0) {
                sim_reply_error(reply, 401,
                                strcmp(label, "none") == 0
                                        ? "Unauthorized: missing Authorization header"
                                        : "Unauthorized: the API token is invalid or expired",
                                seq);
        } else if (strcmp(method, "GET") == 0) {
                sim_api_handle_locked(sim, conn, url, auth.kind == 2 ? auth.ws : NULL, seq, reply);
        } else if (strcmp(method, "POST") == 0 || strcmp(method, "DELETE") == 0) {
                sim_write_handle_locked(sim, url, method, body->ptr ? body->ptr : "", body->len,
                                        &auth, seq, reply);
        } else {
                sim_reply_error(reply, 405, "Method Not Allowed", seq);
        }
        pthread_mutex_unlock(&sim->lock);
}

/* The reply of a fault that replaces the answer; false if f does not. */
static bool fault_reply(const struct tw_sim_fault *f, uint64_t seq, struct sim_reply *reply)
{
        switch (f->type) {
        case TW_SIM_FAULT_STATUS:
                sim_reply_error(reply, f->status, "injected fault", seq);
                reply->retry_after = f->retry_after;
                return true;
        case TW_SIM_FAULT_MALFORMED:
                reply->status = 200;
                reply->body = strdup("<html><body>502 Bad Gateway</body></html>");
                reply->body_len = reply->body ? strlen(reply->body) : 0;
                return true;
        case TW_SIM_FAULT_HUGE:
                reply->status = 200;
                reply->huge_bytes = f->huge_bytes ? f->huge_bytes : HUGE_DEFAULT;
                return true;
        case TW_SIM_FAULT_DROP:
                reply->drop = true;
                return true;
        default:
                return false;
        }
}

static enum MHD_Result handle_api(struct tw_sim *sim, struct MHD_Connection *conn, const char *url,
                                  const char *method, const struct tw_buf *body)
{
        struct sim_reply reply = {.status = 500, .retry_after = -1};
        struct tw_sim_fault fault;
        struct sim_auth auth;
        struct tw_buf path;
        const char *label;
        bool allowed, faulty = false;
        int64_t start = tw_mono_ns();
        int in;
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
        label = auth_label(sim, conn, &auth);
        allowed = sim_rate_allow_locked(sim, start) &&
                  sim_write_rate_allow_locked(
                          sim, method,
                          MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_AUTHORIZATION),
                          start);
        if (allowed)
                faulty = sim_faults_pick(&sim->faults, method, path.ptr, &fault);
        sim->n_faulted += faulty;
        pthread_mutex_unlock(&sim->lock);

        sim_sleep(sim, sim->latency_ms);
        if (!allowed) {
                sim_reply_error(&reply, 429, "Too Many Requests", seq);
                reply.retry_after = sim->rate_limit_retry_after ? 1 : -1;
        } else if (!faulty || !fault_reply(&fault, seq, &reply)) {
                if (faulty && fault.type == TW_SIM_FAULT_HANG)
                        sim_sleep(sim, fault.hang_ms);
                answer_normally(sim, conn, url, method, body, label, seq, &reply);
                if (faulty && reply.status == 200)
                        sim_fault_rewrite(&fault, &reply);
                if (faulty && fault.type == TW_SIM_FAULT_DROP_AFTER)
                        reply.drop = true;
        }

        pthread_mutex_lock(&sim->lock);
        if (reply.status == 429 && !reply.drop)
                sim->n_429++;
        sim_log_add_locked(sim, method, path.ptr ? path.ptr : url, label,
                           reply.drop ? 0 : reply.status, start);
        pthread_mutex_unlock(&sim->lock);

        ret = (enum MHD_Result)sim_reply_queue(conn, &reply);
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
        if (strncmp(url, "/_sim/", 6) != 0 && ctx->too_big) {
                sim_reply_error(&reply, 413, "body too large", 0);
                ret = (enum MHD_Result)sim_reply_queue(conn, &reply);
                free(reply.body);
                return ret;
        }
        if (strncmp(url, "/_sim/", 6) != 0)
                return handle_api(sim, conn, url, method, &ctx->body);
        if (ctx->too_big)
                sim_reply_error(&reply, 413, "body too large", 0);
        else
                sim_control_handle(sim, method, url, ctx->body.ptr ? ctx->body.ptr : "",
                                   ctx->body.len, &reply);
        ret = (enum MHD_Result)sim_reply_queue(conn, &reply);
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
        sim_values_free(sim);
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
        sim->start_mono_ns = tw_mono_ns();
        sim->rotate_keeps_end = opts->rotate_keeps_end;
        sim->post_rate = opts->post_rate;
        sim->delete_rate = opts->delete_rate;
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

int64_t sim_now(const struct tw_sim *sim)
{
        return sim->base_time + (tw_mono_ns() - sim->start_mono_ns) / 1000000000LL;
}

int64_t tw_sim_now(const struct tw_sim *sim)
{
        return sim ? sim_now(sim) : 0;
}
