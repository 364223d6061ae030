/*
 * tw-astrosim's control side: the /_sim/ routes, token edits, stats and the
 * request log.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_log_add_locked(struct tw_sim *sim, const char *method, const char *path, const char *auth,
                        int status, int64_t start_ns)
{
        struct tw_sim_request *r;

        if (sim->log_len == sim->log_cap) {
                size_t cap = sim->log_cap ? sim->log_cap * 2 : 256;
                struct tw_sim_request *n;

                if (cap > SIM_MAX_LOG)
                        cap = SIM_MAX_LOG;
                if (cap == sim->log_cap)
                        return;
                n = realloc(sim->log, cap * sizeof(*n));
                if (!n)
                        return;
                sim->log = n;
                sim->log_cap = cap;
        }
        r = &sim->log[sim->log_len];
        r->method = strdup(method);
        r->path = strdup(path);
        r->auth = strdup(auth);
        if (!r->method || !r->path || !r->auth) {
                free(r->method);
                free(r->path);
                free(r->auth);
                return;
        }
        r->status = status;
        r->start_ns = start_ns;
        sim->log_len++;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return x < y ? -1 : x > y;
}

/* Most request starts within any window [t, t + 1 s). */
static double max_rate_locked(const struct tw_sim *sim)
{
        int64_t *t = malloc((sim->log_len ? sim->log_len : 1) * sizeof(*t));
        size_t best = 0, lo = 0;

        if (!t)
                return 0;
        for (size_t i = 0; i < sim->log_len; i++)
                t[i] = sim->log[i].start_ns;
        qsort(t, sim->log_len, sizeof(*t), cmp_i64);
        for (size_t hi = 0; hi < sim->log_len; hi++) {
                while (t[hi] - t[lo] >= 1000000000LL)
                        lo++;
                if (hi - lo + 1 > best)
                        best = hi - lo + 1;
        }
        free(t);
        return (double)best;
}

void tw_sim_get_stats(const struct tw_sim *sim, struct tw_sim_stats *ret)
{
        struct tw_sim *s = (struct tw_sim *)sim; /* the lock is not part of the value */

        if (!sim || !ret)
                return;
        pthread_mutex_lock(&s->lock);
        ret->requests = sim->n_requests;
        ret->status_429 = sim->n_429;
        ret->faults = sim->n_faulted;
        ret->max_in_flight = sim->max_in_flight;
        ret->max_rate_1s = max_rate_locked(sim);
        pthread_mutex_unlock(&s->lock);
}

void tw_sim_requests_free(struct tw_sim_request *reqs, size_t n)
{
        for (size_t i = 0; reqs && i < n; i++) {
                free(reqs[i].method);
                free(reqs[i].path);
                free(reqs[i].auth);
        }
        free(reqs);
}

int tw_sim_get_requests(const struct tw_sim *sim, struct tw_sim_request **ret, size_t *ret_n)
{
        struct tw_sim *s = (struct tw_sim *)sim;
        struct tw_sim_request *out;
        size_t n = 0;
        int r = 0;

        if (!sim || !ret || !ret_n)
                return -EINVAL;
        pthread_mutex_lock(&s->lock);
        out = calloc(sim->log_len ? sim->log_len : 1, sizeof(*out));
        for (; out && n < sim->log_len; n++) {
                out[n] = sim->log[n];
                out[n].method = strdup(sim->log[n].method);
                out[n].path = strdup(sim->log[n].path);
                out[n].auth = strdup(sim->log[n].auth);
                if (!out[n].method || !out[n].path || !out[n].auth) {
                        n++;
                        r = -ENOMEM;
                        break;
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (!out)
                return -ENOMEM;
        if (r < 0) {
                tw_sim_requests_free(out, n);
                return r;
        }
        *ret = out;
        *ret_n = n;
        return 0;
}

void tw_sim_reset_stats(struct tw_sim *sim)
{
        if (!sim)
                return;
        pthread_mutex_lock(&sim->lock);
        sim->n_requests = 0;
        sim->n_429 = 0;
        sim->n_faulted = 0;
        sim->max_in_flight = 0;
        tw_sim_requests_free(sim->log, sim->log_len);
        sim->log = NULL;
        sim->log_len = sim->log_cap = 0;
        pthread_mutex_unlock(&sim->lock);
}

int tw_sim_remove_token(struct tw_sim *sim, const char *token_id)
{
        int idx = -1, r = -ENOENT;

        if (!sim || !token_id)
                return -EINVAL;
        pthread_mutex_lock(&sim->lock);
        if (sim_find_by_id(sim->tokens, token_id, &idx)) {
                cJSON_DeleteItemFromArray(sim->tokens, idx);
                r = 0;
        }
        pthread_mutex_unlock(&sim->lock);
        return r;
}

int tw_sim_put_token(struct tw_sim *sim, const char *token_json)
{
        cJSON *t = token_json ? cJSON_Parse(token_json) : NULL;
        int idx = -1, r = -EINVAL;

        if (!sim || !cJSON_IsObject(t) || !sim_str(t, "id") ||
            sim_resolve_times(t, sim->base_time) < 0)
                goto out;
        pthread_mutex_lock(&sim->lock);
        sim_token_fill(sim, t);
        if (sim_find_by_id(sim->tokens, sim_str(t, "id"), &idx))
                cJSON_ReplaceItemInArray(sim->tokens, idx, t);
        else
                cJSON_AddItemToArray(sim->tokens, t);
        pthread_mutex_unlock(&sim->lock);
        t = NULL;
        r = 0;
out:
        cJSON_Delete(t);
        return r;
}

size_t tw_sim_token_count(const struct tw_sim *sim)
{
        struct tw_sim *s = (struct tw_sim *)sim;
        size_t n;

        if (!sim)
                return 0;
        pthread_mutex_lock(&s->lock);
        n = (size_t)cJSON_GetArraySize(sim->tokens);
        pthread_mutex_unlock(&s->lock);
        return n;
}

static void reply_ok(struct sim_reply *reply, cJSON *o)
{
        sim_reply_json(reply, 200, o);
        cJSON_Delete(o);
}

static void control_faults(struct tw_sim *sim, const char *body, size_t len,
                           struct sim_reply *reply)
{
        cJSON *arr = cJSON_ParseWithLength(body, len), *it, *o;
        struct tw_sim_fault f;
        int added = 0;

        if (cJSON_IsObject(arr)) { /* one fault: wrap it */
                cJSON *one = cJSON_CreateArray();

                cJSON_AddItemToArray(one, arr);
                arr = one;
        }
        if (!cJSON_IsArray(arr)) {
                sim_reply_error(reply, 400, "want a JSON array of faults", 0);
                goto out;
        }
        cJSON_ArrayForEach (it, arr) {
                if (sim_fault_from_json(it, &f) < 0 || tw_sim_add_fault(sim, &f) < 0) {
                        sim_reply_error(reply, 400, "bad fault (type, status, hang_ms?)", 0);
                        goto out;
                }
                added++;
        }
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "added", added);
        reply_ok(reply, o);
out:
        cJSON_Delete(arr);
}

static void control_stats(struct tw_sim *sim, struct sim_reply *reply)
{
        struct tw_sim_stats st = {0};
        cJSON *o = cJSON_CreateObject();

        tw_sim_get_stats(sim, &st);
        cJSON_AddNumberToObject(o, "requests", (double)st.requests);
        cJSON_AddNumberToObject(o, "status_429", (double)st.status_429);
        cJSON_AddNumberToObject(o, "faults", (double)st.faults);
        cJSON_AddNumberToObject(o, "max_in_flight", st.max_in_flight);
        cJSON_AddNumberToObject(o, "max_rate_1s", st.max_rate_1s);
        cJSON_AddNumberToObject(o, "tokens", (double)tw_sim_token_count(sim));
        reply_ok(reply, o);
}

static void control_requests(struct tw_sim *sim, struct sim_reply *reply)
{
        struct tw_sim_request *reqs = NULL;
        size_t n = 0;
        cJSON *arr;

        if (tw_sim_get_requests(sim, &reqs, &n) < 0) {
                sim_reply_error(reply, 500, "out of memory", 0);
                return;
        }
        arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
                cJSON *o = cJSON_CreateObject();

                cJSON_AddStringToObject(o, "method", reqs[i].method);
                cJSON_AddStringToObject(o, "path", reqs[i].path);
                cJSON_AddStringToObject(o, "auth", reqs[i].auth);
                cJSON_AddNumberToObject(o, "status", reqs[i].status);
                cJSON_AddNumberToObject(o, "start_ns", (double)reqs[i].start_ns);
                cJSON_AddItemToArray(arr, o);
        }
        tw_sim_requests_free(reqs, n);
        reply_ok(reply, arr);
}

/* PUT /_sim/tokens/{id}: the body's id defaults to the path's. */
static void control_put_token(struct tw_sim *sim, const char *id, const char *body, size_t len,
                              struct sim_reply *reply)
{
        cJSON *t = cJSON_ParseWithLength(body, len);
        char *text = NULL;

        if (cJSON_IsObject(t) && !cJSON_GetObjectItemCaseSensitive(t, "id"))
                cJSON_AddStringToObject(t, "id", id);
        text = cJSON_IsObject(t) ? cJSON_PrintUnformatted(t) : NULL;
        if (!text || strcmp(sim_str(t, "id") ? sim_str(t, "id") : "", id) != 0 ||
            tw_sim_put_token(sim, text) < 0)
                sim_reply_error(reply, 400, "want a token object with a matching id", 0);
        else
                reply_ok(reply, cJSON_CreateObject());
        free(text);
        cJSON_Delete(t);
}

void tw_sim_get_writes(const struct tw_sim *sim, struct tw_sim_writes *ret)
{
        struct tw_sim *s = (struct tw_sim *)sim;

        if (!sim || !ret)
                return;
        pthread_mutex_lock(&s->lock);
        *ret = sim->writes;
        pthread_mutex_unlock(&s->lock);
}

char *tw_sim_tokens_json(const struct tw_sim *sim)
{
        struct tw_sim *s = (struct tw_sim *)sim;
        cJSON *arr, *it;
        char *text = NULL;

        if (!sim)
                return NULL;
        pthread_mutex_lock(&s->lock);
        arr = cJSON_Duplicate(sim->tokens, 1);
        cJSON_ArrayForEach (it, arr)
                cJSON_AddBoolToObject(it, "live_value",
                                      sim_live_value_locked(s, sim_str(it, "id")) != NULL);
        pthread_mutex_unlock(&s->lock);
        if (arr)
                text = cJSON_PrintUnformatted(arr);
        cJSON_Delete(arr);
        return text;
}

static void control_writes(struct tw_sim *sim, struct sim_reply *reply)
{
        struct tw_sim_writes w = {0};
        cJSON *o = cJSON_CreateObject();

        tw_sim_get_writes(sim, &w);
        cJSON_AddNumberToObject(o, "created", (double)w.created);
        cJSON_AddNumberToObject(o, "rotated", (double)w.rotated);
        cJSON_AddNumberToObject(o, "roles_set", (double)w.roles_set);
        cJSON_AddNumberToObject(o, "updated", (double)w.updated);
        cJSON_AddNumberToObject(o, "deleted", (double)w.deleted);
        reply_ok(reply, o);
}

/* The text/plain reply of POST /_sim/tokens/{id}/credential. */
static void control_credential(struct tw_sim *sim, const char *id, struct sim_reply *reply)
{
        char *v = NULL;
        int r = tw_sim_token_credential(sim, id, &v);

        if (r < 0) {
                sim_reply_error(reply, r == -ENOENT ? 404 : 500,
                                r == -ENOENT ? "token not found" : "out of memory", 0);
                return;
        }
        reply->status = 200;
        reply->body = v;
        reply->body_len = strlen(v);
        reply->content_type = "text/plain";
}

/* The token id of "/_sim/tokens/{id}/credential" into id; false if not that. */
static bool credential_route(const char *url, char *id, size_t size)
{
        static const char pre[] = "/_sim/tokens/", post[] = "/credential";
        size_t n = strlen(url), ln;

        if (strncmp(url, pre, sizeof(pre) - 1) != 0 || n < sizeof(pre) + sizeof(post) - 1 ||
            strcmp(url + n - (sizeof(post) - 1), post) != 0)
                return false;
        ln = n - (sizeof(pre) - 1) - (sizeof(post) - 1);
        if (ln == 0 || ln >= size || memchr(url + sizeof(pre) - 1, '/', ln))
                return false;
        memcpy(id, url + sizeof(pre) - 1, ln);
        id[ln] = '\0';
        return true;
}

void sim_control_handle(struct tw_sim *sim, const char *method, const char *url, const char *body,
                        size_t body_len, struct sim_reply *reply)
{
        const char *tok = "/_sim/tokens/";
        bool get = strcmp(method, "GET") == 0, del = strcmp(method, "DELETE") == 0;
        char id[128];

        if (credential_route(url, id, sizeof(id)) && strcmp(method, "POST") == 0) {
                control_credential(sim, id, reply);
        } else if (strcmp(url, "/_sim/writes") == 0 && get) {
                control_writes(sim, reply);
        } else if (strcmp(url, "/_sim/tokens") == 0 && get) {
                char *text = tw_sim_tokens_json(sim);

                reply->status = text ? 200 : 500;
                reply->body = text;
                reply->body_len = text ? strlen(text) : 0;
        } else if (strcmp(url, "/_sim/faults") == 0 && strcmp(method, "POST") == 0) {
                control_faults(sim, body, body_len, reply);
        } else if (strcmp(url, "/_sim/audit-logs") == 0 && strcmp(method, "POST") == 0) {
                sim_audit_control(sim, body, body_len, reply);
        } else if (strcmp(url, "/_sim/faults") == 0 && del) {
                tw_sim_clear_faults(sim);
                reply_ok(reply, cJSON_CreateObject());
        } else if (strcmp(url, "/_sim/stats") == 0 && get) {
                control_stats(sim, reply);
        } else if (strcmp(url, "/_sim/stats") == 0 && del) {
                tw_sim_reset_stats(sim);
                reply_ok(reply, cJSON_CreateObject());
        } else if (strcmp(url, "/_sim/requests") == 0 && get) {
                control_requests(sim, reply);
        } else if (strncmp(url, tok, strlen(tok)) == 0 && url[strlen(tok)] && del) {
                if (tw_sim_remove_token(sim, url + strlen(tok)) < 0)
                        sim_reply_error(reply, 404, "token not found", 0);
                else
                        reply_ok(reply, cJSON_CreateObject());
        } else if (strncmp(url, tok, strlen(tok)) == 0 && url[strlen(tok)] &&
                   strcmp(method, "PUT") == 0) {
                control_put_token(sim, url + strlen(tok), body, body_len, reply);
        } else {
                sim_reply_error(reply, 404, "unknown control route", 0);
        }
}
