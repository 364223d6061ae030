/*
 * Fault injection and the server-side rate limit of tw-astrosim.
 *
 * Faults are examined in the order they were added.  Every fault whose match
 * is in the request's path+query counts the request: while its skip is not
 * used up the request passes it untouched; the first fault that is due (skip
 * used up, count not) is applied and later faults do not see the request.
 * A fault with a method sees only requests of that method.
 *
 * Rate limits: the global one (rate_limit, every API request) and the
 * documented write limits per credential (POST 10/s, DELETE 5/s).
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fnv.h"

static const char *const type_names[] = {
        [TW_SIM_FAULT_STATUS] = "status",
        [TW_SIM_FAULT_HANG] = "hang",
        [TW_SIM_FAULT_MALFORMED] = "malformed",
        [TW_SIM_FAULT_TRUNCATED] = "truncated",
        [TW_SIM_FAULT_WRONG_TYPE] = "wrong_type",
        [TW_SIM_FAULT_MISSING_FIELD] = "missing_field",
        [TW_SIM_FAULT_HUGE] = "huge",
        [TW_SIM_FAULT_DROP] = "drop",
        [TW_SIM_FAULT_DROP_AFTER] = "drop_after",
};

int sim_faults_add(struct sim_fault_list *l, const struct tw_sim_fault *fault)
{
        struct sim_fault *f;

        if (!fault || fault->type > TW_SIM_FAULT_DROP_AFTER)
                return -EINVAL;
        if (l->n == SIM_MAX_FAULTS)
                return -E2BIG;
        f = &l->faults[l->n];
        f->f = *fault;
        f->f.match = fault->match && fault->match[0] ? strdup(fault->match) : NULL;
        f->f.method = fault->method && fault->method[0] ? strdup(fault->method) : NULL;
        if ((fault->match && fault->match[0] && !f->f.match) ||
            (fault->method && fault->method[0] && !f->f.method)) {
                free((char *)f->f.match);
                free((char *)f->f.method);
                return -ENOMEM;
        }
        f->skip_left = fault->skip;
        f->count_left = fault->count;
        l->n++;
        return 0;
}

void sim_faults_clear(struct sim_fault_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free((char *)l->faults[i].f.match);
                free((char *)l->faults[i].f.method);
        }
        l->n = 0;
}

bool sim_faults_pick(struct sim_fault_list *l, const char *method, const char *path,
                     struct tw_sim_fault *ret)
{
        for (size_t i = 0; i < l->n; i++) {
                struct sim_fault *f = &l->faults[i];

                if (f->f.match && !strstr(path, f->f.match))
                        continue;
                if (f->f.method && strcmp(f->f.method, method) != 0)
                        continue;
                if (f->f.count > 0 && f->count_left == 0)
                        continue;
                if (f->skip_left > 0) {
                        f->skip_left--;
                        continue;
                }
                if (f->f.count > 0)
                        f->count_left--;
                *ret = f->f;
                ret->match = NULL;
                ret->method = NULL;
                return true;
        }
        return false;
}

int tw_sim_add_fault(struct tw_sim *sim, const struct tw_sim_fault *fault)
{
        int r;

        if (!sim)
                return -EINVAL;
        pthread_mutex_lock(&sim->lock);
        r = sim_faults_add(&sim->faults, fault);
        pthread_mutex_unlock(&sim->lock);
        return r;
}

void tw_sim_clear_faults(struct tw_sim *sim)
{
        if (!sim)
                return;
        pthread_mutex_lock(&sim->lock);
        sim_faults_clear(&sim->faults);
        pthread_mutex_unlock(&sim->lock);
}

/* The object a body-rewriting fault changes: the first listed item, or the
 * object itself for single-object routes. */
static cJSON *victim(cJSON *root)
{
        static const char *const keys[] = {"tokens", "users", "workspaces", "deployments",
                                           "organizations"};

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                cJSON *a = cJSON_GetObjectItemCaseSensitive(root, keys[i]);

                if (cJSON_IsArray(a))
                        return cJSON_GetArrayItem(a, 0);
        }
        return root;
}

void sim_fault_rewrite(const struct tw_sim_fault *f, struct sim_reply *reply)
{
        cJSON *root, *v;
        const char *key;

        if (f->type == TW_SIM_FAULT_TRUNCATED) {
                if (reply->stream)
                        sim_audit_cut(reply);
                reply->body_len /= 2;
                return;
        }
        if (f->type != TW_SIM_FAULT_WRONG_TYPE && f->type != TW_SIM_FAULT_MISSING_FIELD)
                return;
        root = cJSON_ParseWithLength(reply->body, reply->body_len);
        v = victim(root);
        if (v && f->type == TW_SIM_FAULT_WRONG_TYPE) {
                key = cJSON_GetObjectItemCaseSensitive(v, "name") ? "name" : "id";
                cJSON_DeleteItemFromObjectCaseSensitive(v, key);
                cJSON_AddNumberToObject(v, key, 12345);
        } else if (v) {
                cJSON_DeleteItemFromObjectCaseSensitive(v, "id");
        }
        if (v)
                sim_reply_json(reply, 200, root);
        cJSON_Delete(root);
}

static double num(const cJSON *obj, const char *key, double def)
{
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsNumber(it) ? cJSON_GetNumberValue(it) : def;
}

int sim_fault_from_json(const struct cJSON *obj, struct tw_sim_fault *ret)
{
        const char *type = sim_str(obj, "type");
        struct tw_sim_fault f = {.retry_after = -1};
        size_t i;

        if (!cJSON_IsObject(obj) || !type)
                return -EINVAL;
        for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
                if (strcmp(type, type_names[i]) == 0)
                        break;
        if (i == sizeof(type_names) / sizeof(type_names[0]))
                return -EINVAL;
        f.type = (enum tw_sim_fault_type)i;
        f.match = sim_str(obj, "match");
        f.method = sim_str(obj, "method");
        f.status = (int)num(obj, "status", 500);
        f.retry_after = (int)num(obj, "retry_after", -1);
        f.hang_ms = (int)num(obj, "hang_ms", 0);
        f.huge_bytes = (size_t)num(obj, "huge_bytes", 0);
        f.count = (unsigned)num(obj, "count", 0);
        f.skip = (unsigned)num(obj, "skip", 0);
        if (f.status < 100 || f.status > 599 || f.hang_ms < 0)
                return -EINVAL;
        *ret = f;
        return 0;
}

/* The window holds ceil(rate) requests over ceil(rate)/rate seconds: for
 * integer rates, that many requests in any 1 s. */
int sim_rate_init(struct tw_sim *sim)
{
        if (sim->rate_limit <= 0)
                return 0;
        sim->window_cap = (size_t)ceil(sim->rate_limit);
        sim->window = calloc(sim->window_cap, sizeof(*sim->window));
        return sim->window ? 0 : -ENOMEM;
}

bool sim_rate_allow_locked(struct tw_sim *sim, int64_t now_ns)
{
        int64_t span;

        if (!sim->window)
                return true;
        span = (int64_t)((double)sim->window_cap / sim->rate_limit * 1e9);
        while (sim->window_len > 0 && now_ns - sim->window[sim->window_head] >= span) {
                sim->window_head = (sim->window_head + 1) % sim->window_cap;
                sim->window_len--;
        }
        if (sim->window_len == sim->window_cap)
                return false;
        sim->window[(sim->window_head + sim->window_len) % sim->window_cap] = now_ns;
        sim->window_len++;
        return true;
}

bool sim_write_rate_allow_locked(struct tw_sim *sim, const char *method, const char *auth_header,
                                 int64_t now_ns)
{
        bool post = strcmp(method, "POST") == 0;
        double rate = post ? sim->post_rate : sim->delete_rate;
        const char *auth = auth_header ? auth_header : "-";
        uint64_t key = tw_fnv1a_more(tw_fnv1a_str(method), auth, strlen(auth));
        struct sim_write_rate *w = NULL;
        size_t cap, k = 0;

        if ((!post && strcmp(method, "DELETE") != 0) || rate < 0)
                return true;
        if (rate == 0)
                rate = post ? 10 : 5;
        cap = (size_t)ceil(rate);
        if (cap > SIM_WRITE_RATE_MAX)
                cap = SIM_WRITE_RATE_MAX;
        for (size_t i = 0; i < sim->n_write_rates && !w; i++)
                if (sim->write_rates[i].key == key)
                        w = &sim->write_rates[i];
        if (!w) {
                if (sim->n_write_rates == SIM_WRITE_RATE_SLOTS)
                        sim->n_write_rates = 0; /* forget the oldest credentials */
                w = &sim->write_rates[sim->n_write_rates++];
                memset(w, 0, sizeof(*w));
                w->key = key;
        }
        /* Keep the starts of the last second only. */
        for (size_t i = 0; i < w->n; i++)
                if (now_ns - w->starts[i] < 1000000000LL)
                        w->starts[k++] = w->starts[i];
        w->n = k;
        if (w->n >= cap)
                return false;
        w->starts[w->n++] = now_ns;
        return true;
}
