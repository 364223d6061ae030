/*
 * Fault injection and the server-side rate limit of tw-astrosim.
 *
 * Faults are examined in the order they were added.  Every fault whose match
 * is in the request's path+query counts the request: while its skip is not
 * used up the request passes it untouched; the first fault that is due (skip
 * used up, count not) is applied and later faults do not see the request.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
        [TW_SIM_FAULT_STATUS] = "status",
        [TW_SIM_FAULT_HANG] = "hang",
        [TW_SIM_FAULT_MALFORMED] = "malformed",
        [TW_SIM_FAULT_TRUNCATED] = "truncated",
        [TW_SIM_FAULT_WRONG_TYPE] = "wrong_type",
        [TW_SIM_FAULT_MISSING_FIELD] = "missing_field",
        [TW_SIM_FAULT_HUGE] = "huge",
        [TW_SIM_FAULT_DROP] = "drop",
};

int tw_sim_add_fault(struct tw_sim *sim, const struct tw_sim_fault *fault)
{
        struct sim_fault *f;
        int r = 0;

        if (!sim || !fault || fault->type > TW_SIM_FAULT_DROP)
                return -EINVAL;
        pthread_mutex_lock(&sim->lock);
        if (sim->n_faults == SIM_MAX_FAULTS) {
                r = -E2BIG;
                goto out;
        }
        f = &sim->faults[sim->n_faults];
        f->f = *fault;
        f->f.match = NULL;
        if (fault->match && fault->match[0]) {
                f->f.match = strdup(fault->match);
                if (!f->f.match) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        f->skip_left = fault->skip;
        f->count_left = fault->count;
        sim->n_faults++;
out:
        pthread_mutex_unlock(&sim->lock);
        return r;
}

void tw_sim_clear_faults(struct tw_sim *sim)
{
        if (!sim)
                return;
        pthread_mutex_lock(&sim->lock);
        for (size_t i = 0; i < sim->n_faults; i++)
                free((char *)sim->faults[i].f.match);
        sim->n_faults = 0;
        pthread_mutex_unlock(&sim->lock);
}

bool sim_fault_pick_locked(struct tw_sim *sim, const char *path, struct tw_sim_fault *ret)
{
        for (size_t i = 0; i < sim->n_faults; i++) {
                struct sim_fault *f = &sim->faults[i];

                if (f->f.match && !strstr(path, f->f.match))
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
                return true;
        }
        return false;
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
