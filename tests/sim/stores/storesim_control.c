/*
 * tw-storesim's control side: writes by hand, faults, stats, the request
 * log, and the /_store/ routes the binary serves for shell tests.
 */
#include "storesim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/secret.h"

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

void store_log_locked(struct tw_storesim *s, const struct store_req *rq, int status)
{
        static const char *const labels[] = {"none", "bad", "read", "full"};
        struct tw_storesim_request *r;

        if (s->log_len == STORE_MAX_LOG ||
            tw_array_reserve((void **)&s->log, s->log_len, &s->log_cap, sizeof(*s->log)) < 0)
                return;
        r = &s->log[s->log_len];
        memset(r, 0, sizeof(*r));
        r->method = strdup(rq->method);
        r->path = strdup(rq->path);
        r->auth = strdup(labels[rq->auth]);
        r->status = status;
        r->accept = dup_or_null(MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Accept"));
        r->api_version = dup_or_null(
                MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-GitHub-Api-Version"));
        r->user_agent =
                dup_or_null(MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "User-Agent"));
        r->content_type =
                dup_or_null(MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type"));
        s->log_len++;
}

static void request_free(struct tw_storesim_request *r)
{
        free(r->method);
        free(r->path);
        free(r->auth);
        free(r->accept);
        free(r->api_version);
        free(r->user_agent);
        free(r->content_type);
}

void tw_storesim_requests_free(struct tw_storesim_request *r, size_t n)
{
        for (size_t i = 0; r && i < n; i++)
                request_free(&r[i]);
        free(r);
}

int tw_storesim_get_requests(const struct tw_storesim *s, struct tw_storesim_request **ret,
                             size_t *ret_n)
{
        struct tw_storesim *m = (struct tw_storesim *)s;
        struct tw_storesim_request *out;
        size_t n;

        pthread_mutex_lock(&m->lock);
        n = s->log_len;
        out = calloc(n ? n : 1, sizeof(*out));
        for (size_t i = 0; out && i < n; i++) {
                const struct tw_storesim_request *r = &s->log[i];

                out[i] = (struct tw_storesim_request){
                        .method = dup_or_null(r->method),
                        .path = dup_or_null(r->path),
                        .auth = dup_or_null(r->auth),
                        .status = r->status,
                        .accept = dup_or_null(r->accept),
                        .api_version = dup_or_null(r->api_version),
                        .user_agent = dup_or_null(r->user_agent),
                        .content_type = dup_or_null(r->content_type),
                };
        }
        pthread_mutex_unlock(&m->lock);
        if (!out)
                return -ENOMEM;
        *ret = out;
        *ret_n = n;
        return 0;
}

void tw_storesim_get_stats(const struct tw_storesim *s, struct tw_storesim_stats *ret)
{
        struct tw_storesim *m = (struct tw_storesim *)s;

        pthread_mutex_lock(&m->lock);
        *ret = s->stats;
        pthread_mutex_unlock(&m->lock);
}

int tw_storesim_add_fault(struct tw_storesim *s, const struct tw_sim_fault *f)
{
        int r;

        pthread_mutex_lock(&s->lock);
        r = sim_faults_add(&s->faults, f);
        pthread_mutex_unlock(&s->lock);
        return r;
}

void tw_storesim_clear_faults(struct tw_storesim *s)
{
        pthread_mutex_lock(&s->lock);
        sim_faults_clear(&s->faults);
        pthread_mutex_unlock(&s->lock);
}

int tw_storesim_put(struct tw_storesim *s, const char *at, const char *value, const char *attrs)
{
        cJSON *a = attrs ? cJSON_Parse(attrs) : NULL;
        int r;

        if (!at || (attrs && !cJSON_IsObject(a))) {
                cJSON_Delete(a);
                return -EINVAL;
        }
        pthread_mutex_lock(&s->lock);
        r = s->kind->put(s, at, value, a);
        pthread_mutex_unlock(&s->lock);
        cJSON_Delete(a);
        return r;
}

int tw_storesim_get(struct tw_storesim *s, const char *at, char **ret_value)
{
        int r;

        if (!at)
                return -EINVAL;
        pthread_mutex_lock(&s->lock);
        r = s->kind->get(s, at, ret_value);
        pthread_mutex_unlock(&s->lock);
        return r;
}

int tw_storesim_remove(struct tw_storesim *s, const char *at)
{
        int r;

        if (!at)
                return -EINVAL;
        pthread_mutex_lock(&s->lock);
        r = s->kind->remove(s, at);
        pthread_mutex_unlock(&s->lock);
        return r;
}

static void reply_result(struct store_reply *rp, int r)
{
        store_reply_text(rp,
                         r == 0         ? 200
                         : r == -ENOENT ? 404
                                        : 400,
                         r == 0         ? "ok\n"
                         : r == -ENOENT ? "not found\n"
                                        : "bad request\n");
}

static void control_put(struct tw_storesim *s, const char *body, size_t len, struct store_reply *rp)
{
        cJSON *o = cJSON_ParseWithLength(body, len);
        const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(o, "attrs");
        char *a = cJSON_IsObject(attrs) ? cJSON_PrintUnformatted(attrs) : NULL;

        reply_result(rp, cJSON_IsObject(o)
                                 ? tw_storesim_put(s, store_str(o, "at"), store_str(o, "value"), a)
                                 : -EINVAL);
        free(a);
        cJSON_Delete(o);
}

static void control_faults(struct tw_storesim *s, const char *body, size_t len,
                           struct store_reply *rp)
{
        cJSON *arr = cJSON_ParseWithLength(body, len), *it;
        struct tw_sim_fault f;
        int r = cJSON_IsArray(arr) || cJSON_IsObject(arr) ? 0 : -EINVAL;

        if (cJSON_IsObject(arr))
                r = sim_fault_from_json(arr, &f) < 0 ? -EINVAL : tw_storesim_add_fault(s, &f);
        else if (r == 0)
                cJSON_ArrayForEach (it, arr)
                        if (r == 0)
                                r = sim_fault_from_json(it, &f) < 0 ? -EINVAL
                                                                    : tw_storesim_add_fault(s, &f);
        reply_result(rp, r);
        cJSON_Delete(arr);
}

static void control_stats(struct tw_storesim *s, struct store_reply *rp)
{
        struct tw_storesim_stats st;
        cJSON *o = cJSON_CreateObject();

        tw_storesim_get_stats(s, &st);
        cJSON_AddNumberToObject(o, "requests", (double)st.requests);
        cJSON_AddNumberToObject(o, "writes", (double)st.writes);
        cJSON_AddNumberToObject(o, "status_429", (double)st.status_429);
        store_reply_json(rp, 200, o);
        cJSON_Delete(o);
}

static void control_requests(struct tw_storesim *s, struct store_reply *rp)
{
        struct tw_storesim_request *r = NULL;
        size_t n = 0;
        cJSON *arr = cJSON_CreateArray();

        if (tw_storesim_get_requests(s, &r, &n) == 0) {
                for (size_t i = 0; i < n; i++) {
                        cJSON *o = cJSON_CreateObject();

                        tw_json_add_str(o, "method", r[i].method);
                        tw_json_add_str(o, "path", r[i].path);
                        tw_json_add_str(o, "auth", r[i].auth);
                        cJSON_AddNumberToObject(o, "status", r[i].status);
                        tw_json_add_str(o, "accept", r[i].accept);
                        tw_json_add_str(o, "api_version", r[i].api_version);
                        tw_json_add_str(o, "user_agent", r[i].user_agent);
                        tw_json_add_str(o, "content_type", r[i].content_type);
                        cJSON_AddItemToArray(arr, o);
                }
                tw_storesim_requests_free(r, n);
        }
        store_reply_json(rp, 200, arr);
        cJSON_Delete(arr);
}

static void control_value(struct tw_storesim *s, const char *method, const char *at,
                          struct store_reply *rp)
{
        char *v = NULL;
        int r;

        if (strcmp(method, "DELETE") == 0) {
                reply_result(rp, tw_storesim_remove(s, at));
                return;
        }
        r = tw_storesim_get(s, at, &v);
        if (r < 0) {
                reply_result(rp, r);
                return;
        }
        store_reply_text(rp, 200, v);
        tw_secret_free(v);
}

void store_control(struct tw_storesim *s, struct MHD_Connection *conn, const char *method,
                   const char *url, const char *body, size_t len, struct store_reply *rp)
{
        char *at = store_query(conn, "at");
        bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

        if (strcmp(url, "/_store/put") == 0 && post) {
                control_put(s, body, len, rp);
        } else if (strcmp(url, "/_store/value") == 0 && (get || strcmp(method, "DELETE") == 0)) {
                control_value(s, method, at, rp);
        } else if (strcmp(url, "/_store/faults") == 0 && post) {
                control_faults(s, body, len, rp);
        } else if (strcmp(url, "/_store/faults") == 0 && strcmp(method, "DELETE") == 0) {
                tw_storesim_clear_faults(s);
                reply_result(rp, 0);
        } else if (strcmp(url, "/_store/stats") == 0 && get) {
                control_stats(s, rp);
        } else if (strcmp(url, "/_store/requests") == 0 && get) {
                control_requests(s, rp);
        } else if (strcmp(url, "/_store/github/rotate-key") == 0 && post) {
                reply_result(rp, tw_storesim_github_rotate_key(s, at));
        } else if (strcmp(url, "/_store/gitlab/id") == 0 && get) {
                cJSON *o = cJSON_CreateObject();

                cJSON_AddNumberToObject(o, "id", (double)tw_storesim_gitlab_id(s, at));
                store_reply_json(rp, 200, o);
                cJSON_Delete(o);
        } else {
                store_reply_text(rp, 404, "unknown control route\n");
        }
        free(at);
}
