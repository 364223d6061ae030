/* The metrics server's requests: routes, auth, the page (see http_server.h). */
#include "exporters/http/server_internal.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/secret.h"
#include "exporters/http/auth_internal.h"
#include "exporters/http/auth_worker_internal.h"
#include "exporters/http/deadline_internal.h"
#include "exporters/http/page_internal.h"
#include "exporters/metrics/metrics.h"
#include "lib/timeutil.h"

static const char index_html[] =
        "<!DOCTYPE html>\n<html><head><title>tokenwatch</title></head><body>\n"
        "<h1>tokenwatch</h1>\n<p>Astro API token inventory for Prometheus.</p>\n<ul>\n"
        "<li><a href=\"metrics\">metrics</a></li>\n<li><a href=\"healthz\">healthz</a></li>\n"
        "<li><a href=\"readyz\">readyz</a></li>\n</ul>\n</body></html>\n";

/* The headers of every answer: no framing, no sniffing, no caching, no
 * referrer; csp NULL: the policy of everything but the status page. */
static void secure(struct MHD_Response *resp, const char *csp)
{
        MHD_add_response_header(resp, "Content-Security-Policy", csp ? csp : TW_HTTP_CSP);
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

/* Queues a response whose body is a static string, with one extra header
 * (name NULL: none). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
                             const char *content_type, const char *name, const char *value)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        secure(resp, NULL);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (name)
                MHD_add_response_header(resp, name, value);
        ret = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *body)
{
        return reply(c, status, body, "text/plain; charset=utf-8", NULL, NULL);
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *c)
{
        static const char body[] = "Unauthorized\n";
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        secure(resp, NULL);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        ret = MHD_queue_basic_auth_fail_response(c, "tokenwatch", resp);
        MHD_destroy_response(resp);
        return ret;
}

/* 429 with Retry-After: this address failed to log in moments ago. */
static enum MHD_Result reply_throttled(struct MHD_Connection *c, unsigned retry_after)
{
        char v[16];

        snprintf(v, sizeof(v), "%u", retry_after);
        return reply(c, MHD_HTTP_TOO_MANY_REQUESTS,
                     "too many failed logins from this address; retry later\n",
                     "text/plain; charset=utf-8", MHD_HTTP_HEADER_RETRY_AFTER, v);
}

/* 503 with Retry-After: 1, when the bcrypt queue is full. */
static enum MHD_Result reply_busy(struct MHD_Connection *c)
{
        return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many logins in progress; retry later\n",
                     "text/plain; charset=utf-8", MHD_HTTP_HEADER_RETRY_AFTER, "1");
}

/* Hands a check that needs bcrypt to the auth worker (suspending the
 * connection), taking user and password; runs it here if no job can be
 * made.  Returns the result when known now, else TW_HTTP_AUTH_PENDING. */
static enum tw_http_auth_result defer_check(struct tw_http_server *s, struct MHD_Connection *c,
                                            const struct sockaddr *client, char *user,
                                            char *password, void **req_cls)
{
        struct tw_http_auth_job *job = calloc(1, sizeof(*job));
        enum tw_http_auth_result res;

        if (!job) {
                res = tw_http_auth_finish(s->auth, client, user, password,
                                          (tw_mono_ns() / 1000000000));
                free(user);
                tw_secret_free(password);
                return res;
        }
        job->connection = c;
        if (client)
                memcpy(&job->client, client,
                       client->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                     : sizeof(struct sockaddr_in));
        job->user = user;
        job->password = password;
        job->suspect = tw_http_auth_failed_before(s->auth, client);
        *req_cls = job;
        tw_http_auth_worker_submit(s->auth_worker, job);
        return TW_HTTP_AUTH_PENDING;
}

/* Decides the request's basic auth: true to go on serving.  Otherwise *ret
 * is what the handler returns: a queued refusal, or MHD_YES while bcrypt
 * runs on the auth worker (the connection suspended; MHD calls the handler
 * again when it is done, with the job in *req_cls). */
static bool authorized(struct tw_http_server *s, struct MHD_Connection *c, void **req_cls,
                       enum MHD_Result *ret)
{
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *client = ci ? ci->client_addr : NULL;
        struct tw_http_auth_job *job = *req_cls;
        char *user = NULL, *password = NULL;
        enum tw_http_auth_result res = TW_HTTP_AUTH_DENIED;
        unsigned retry_after = 1;

        if (job) {
                if (!atomic_load(&job->done)) {
                        *ret = MHD_YES;
                        return false;
                }
                if (job->busy) {
                        *ret = reply_busy(c);
                        return false;
                }
                res = job->res;
        } else if (tw_http_basic_auth_parse(
                           MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_AUTHORIZATION),
                           &user, &password) == 0) {
                res = tw_http_auth_begin(s->auth, client, user, password,
                                         (tw_mono_ns() / 1000000000), &retry_after);
                if (res == TW_HTTP_AUTH_PENDING) {
                        res = defer_check(s, c, client, user, password, req_cls);
                        user = password = NULL;
                }
        }
        free(user);
        tw_secret_free(password);
        if (res == TW_HTTP_AUTH_OK)
                return true;
        *ret = res == TW_HTTP_AUTH_PENDING     ? MHD_YES
               : res == TW_HTTP_AUTH_THROTTLED ? reply_throttled(c, retry_after)
                                               : reply_unauthorized(c);
        return false;
}

/* Serves a published page (gzipped when the client takes it) under policy
 * csp (NULL: the default); NULL *slot: missing (the caller answers). */
static enum MHD_Result serve_page(struct tw_http_server *s, struct MHD_Connection *c,
                                  struct tw_http_page *const *slot, const char *content_type,
                                  const char *csp, bool *ret_missing)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;
        struct tw_http_page *p;
        bool gz;

        pthread_mutex_lock(&s->lock);
        p = *slot;
        if (p)
                atomic_fetch_add(&p->refs, 1);
        pthread_mutex_unlock(&s->lock);
        *ret_missing = !p;
        if (!p)
                return MHD_NO;

        gz = tw_accepts_gzip(
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
        resp = tw_http_page_response(p, gz);
        if (!resp)
                return MHD_NO;
        secure(resp, csp);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        if (gz)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return ret;
}

enum MHD_Result tw_http_server_handle(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
        struct tw_http_server *s = cls;
        bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
                   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

        (void)version;
        (void)upload_data;
        (void)upload_data_size;
        enum MHD_Result ret = MHD_NO;

        /* Load balancers and probes check liveness without credentials;
         * the answer tells nothing but "up". */
        if (strcmp(url, "/healthz") == 0 && get)
                return reply_text(c, MHD_HTTP_OK, "ok\n");
        if (s->mutual_tls && !tw_tls_client_verified(c))
                return reply_text(c, MHD_HTTP_FORBIDDEN,
                                  "a valid client certificate is required\n");
        if (s->auth && !authorized(s, c, req_cls, &ret))
                return ret;
        if (strcmp(url, "/metrics") && strcmp(url, "/healthz") && strcmp(url, "/readyz") &&
            strcmp(url, "/"))
                return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        if (!get)
                return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
                             "text/plain; charset=utf-8", MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        if (strcmp(url, "/metrics") == 0) {
                bool missing;
                enum MHD_Result r =
                        serve_page(s, c, &s->page, TW_METRICS_CONTENT_TYPE, NULL, &missing);

                return missing ? reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                            "no collection finished yet\n")
                               : r;
        }
        if (strcmp(url, "/readyz") == 0)
                return atomic_load(&s->ready) ? reply_text(c, MHD_HTTP_OK, "ready\n")
                                              : reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                                           "no collection finished yet\n");
        if (s->status_page_off)
                return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        tw_http_server_status_wait(s);
        {
                bool missing;
                enum MHD_Result r = serve_page(s, c, &s->status, "text/html; charset=utf-8",
                                               s->status_csp, &missing);

                /* Before the first cycle's view: the plain index of links. */
                return missing ? reply(c, MHD_HTTP_OK, index_html, "text/html; charset=utf-8", NULL,
                                       NULL)
                               : r;
        }
}

/* MHD_OPTION_NOTIFY_COMPLETED: frees the request's auth job; the
 * connection's next request starts now. */
void tw_http_server_request_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                                      enum MHD_RequestTerminationCode toe)
{
        struct tw_http_server *s = cls;

        (void)toe;
        tw_http_auth_job_free(*req_cls);
        *req_cls = NULL;
        tw_http_deadlines_restart(s->deadlines, c);
}
