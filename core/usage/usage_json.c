/* The usage index persisted as compact JSON (core/usage/usage.h), and loaded back
 * from untrusted text: every number bounded, every list within the limits,
 * or -EBADMSG; a string over MAX_STR drops its field (or its source,
 * operation, token or event), not the whole index. */
#include "core/usage/usage.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"

#define VERSION 1
#define MAX_STR 4096

static bool add_num(cJSON *o, const char *k, double v)
{
        return cJSON_AddNumberToObject(o, k, v) != NULL;
}

static cJSON *sources_to(const struct tw_usage_source *s, size_t n)
{
        cJSON *a = cJSON_CreateArray();

        for (size_t i = 0; a && i < n; i++) {
                cJSON *t = cJSON_CreateArray();

                if (!t || !cJSON_AddItemToArray(a, t) ||
                    !cJSON_AddItemToArray(t, cJSON_CreateString(s[i].value)) ||
                    !cJSON_AddItemToArray(t, cJSON_CreateNumber((double)s[i].count)) ||
                    !cJSON_AddItemToArray(t, cJSON_CreateNumber((double)s[i].first_ms)) ||
                    !cJSON_AddItemToArray(t, cJSON_CreateNumber((double)s[i].last_ms))) {
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return a;
}

static cJSON *token_to(const struct tw_token_usage *t)
{
        cJSON *o = cJSON_CreateObject(), *ops = cJSON_CreateArray();
        bool ok = o && ops;

        ok = ok && tw_json_add_str(o, "id", t->token_id) &&
             add_num(o, "first", (double)t->first_ms) && add_num(o, "last", (double)t->last_ms) &&
             add_num(o, "calls", (double)t->calls) &&
             add_num(o, "pushes", (double)t->image_pushes) &&
             (t->last_push_ms == TW_NO_TIME ? cJSON_AddNullToObject(o, "lastPush") != NULL
                                            : add_num(o, "lastPush", (double)t->last_push_ms)) &&
             cJSON_AddItemToObject(o, "ips", sources_to(t->ips, t->n_ips)) &&
             add_num(o, "ipsDropped", (double)t->ips_dropped) &&
             cJSON_AddItemToObject(o, "agents", sources_to(t->agents, t->n_agents)) &&
             add_num(o, "agentsDropped", (double)t->agents_dropped) &&
             add_num(o, "opsDropped", (double)t->ops_dropped);
        for (size_t i = 0; ok && i < t->n_ops; i++) {
                cJSON *e = cJSON_CreateArray();

                ok = e && cJSON_AddItemToArray(ops, e) &&
                     cJSON_AddItemToArray(e, cJSON_CreateString(t->ops[i].op)) &&
                     cJSON_AddItemToArray(e, cJSON_CreateNumber((double)t->ops[i].count)) &&
                     cJSON_AddItemToArray(e, cJSON_CreateNumber((double)t->ops[i].last_ms));
        }
        if (ok && cJSON_AddItemToObject(o, "ops", ops))
                return o;
        if (!cJSON_GetObjectItemCaseSensitive(o, "ops"))
                cJSON_Delete(ops);
        cJSON_Delete(o);
        return NULL;
}

static const char *subject_name(enum tw_auditlog_subject s)
{
        return s == TW_AUDITLOG_SUBJECT_USER         ? "USER"
               : s == TW_AUDITLOG_SUBJECT_SERVICEKEY ? "SERVICEKEY"
                                                     : NULL;
}

static cJSON *event_to(const struct tw_lifecycle_event *ev)
{
        cJSON *o = cJSON_CreateObject();

        if (o && add_num(o, "at", (double)ev->at_ms) &&
            tw_json_add_str(o, "action", tw_lifecycle_action_to_string(ev->action)) &&
            tw_json_add_str(o, "token", ev->token_id) &&
            tw_json_add_str(o, "name", ev->token_name) &&
            tw_json_add_str(o, "actor", ev->actor_id) &&
            tw_json_add_str(o, "actorType", subject_name(ev->actor_type)) &&
            tw_json_add_str(o, "ip", ev->source_ip) && tw_json_add_str(o, "ua", ev->user_agent) &&
            add_num(o, "status", ev->status))
                return o;
        cJSON_Delete(o);
        return NULL;
}

int tw_usage_to_cjson(const struct tw_usage *u, cJSON **ret)
{
        cJSON *o = cJSON_CreateObject(), *toks, *life;
        bool ok;

        ok = o && add_num(o, "v", VERSION) && add_num(o, "entries", (double)u->entries) &&
             add_num(o, "unlinked", (double)u->unlinked) &&
             add_num(o, "tokensDropped", (double)u->tokens_dropped);
        toks = ok ? cJSON_AddArrayToObject(o, "tokens") : NULL;
        life = toks ? cJSON_AddArrayToObject(o, "lifecycle") : NULL;
        ok = life != NULL;
        for (size_t i = 0; ok && i < u->n_tokens; i++)
                ok = cJSON_AddItemToArray(toks, token_to(&u->tokens[i]));
        for (size_t i = 0; ok && i < u->n_lifecycle; i++)
                ok = cJSON_AddItemToArray(life, event_to(&u->lifecycle[i]));
        if (!ok) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        *ret = o;
        return 0;
}

int tw_usage_to_json(const struct tw_usage *u, struct tw_buf *out)
{
        cJSON *o = NULL;
        char *text;
        int r = tw_usage_to_cjson(u, &o);

        if (r < 0)
                return r;
        text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!text)
                return -ENOMEM;
        r = tw_buf_adds(out, text);
        free(text);
        return r;
}

/* Reads a number in [min, max] (integral); false if absent or not. */
static bool get_num(const cJSON *it, double min, double max, double *ret)
{
        double v;

        if (tw_json_number(it, min, max, &v) < 0 || v != floor(v))
                return false;
        *ret = v;
        return true;
}

static bool key_num(const cJSON *o, const char *k, double min, double max, double *ret)
{
        return get_num(cJSON_GetObjectItemCaseSensitive(o, k), min, max, ret);
}

/* What get_str() found. */
enum got {
        GOT_BAD,  /* not a string (nor a null where one may be) */
        GOT_OK,   /* *ret set (NULL for a null) */
        GOT_LONG, /* a string over MAX_STR: the field is dropped, the rest loads */
};

/* A string (copied into *ret) or null (*ret NULL); see enum got. */
static enum got get_str(const cJSON *it, bool nullable, char **ret)
{
        *ret = NULL;
        if (nullable && (!it || cJSON_IsNull(it)))
                return GOT_OK;
        if (!cJSON_IsString(it))
                return GOT_BAD;
        if (strlen(it->valuestring) > MAX_STR)
                return GOT_LONG;
        *ret = strdup(it->valuestring);
        return *ret ? GOT_OK : GOT_BAD;
}

/* A nullable string field: an over-long one reads as absent. */
static bool get_opt(const cJSON *o, const char *key, char **ret)
{
        return get_str(cJSON_GetObjectItemCaseSensitive(o, key), true, ret) != GOT_BAD;
}

/* Reads a list of sources; one whose value is too long is left out and
 * counted in *ret_dropped (as if the bounded list had let it go). */
static bool sources_from(const cJSON *a, size_t max, struct tw_usage_source **ret, size_t *ret_n,
                         uint64_t *ret_dropped)
{
        const cJSON *t;
        size_t n = (size_t)cJSON_GetArraySize(a);

        if (!cJSON_IsArray(a) || n > max)
                return false;
        *ret = calloc(n ? n : 1, sizeof(**ret));
        if (!*ret)
                return false;
        cJSON_ArrayForEach (t, a) {
                struct tw_usage_source *s = &(*ret)[*ret_n];
                double c, f, l;
                enum got g;

                if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) != 4 ||
                    !get_num(cJSON_GetArrayItem(t, 1), 0, TW_JSON_EXACT_MAX, &c) ||
                    !get_num(cJSON_GetArrayItem(t, 2), -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &f) ||
                    !get_num(cJSON_GetArrayItem(t, 3), -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &l))
                        return false;
                g = get_str(cJSON_GetArrayItem(t, 0), false, &s->value);
                if (g == GOT_BAD)
                        return false;
                if (g == GOT_LONG) {
                        (*ret_dropped)++;
                        continue;
                }
                s->count = (uint64_t)c;
                s->first_ms = (int64_t)f;
                s->last_ms = (int64_t)l;
                (*ret_n)++;
        }
        return true;
}

/* Reads the operations; one too long is left out and counted as dropped. */
static bool ops_from(const cJSON *a, size_t max, struct tw_token_usage *t, uint64_t *ret_dropped)
{
        const cJSON *e;
        size_t n = (size_t)cJSON_GetArraySize(a);

        if (!cJSON_IsArray(a) || n > max)
                return false;
        t->ops = calloc(n ? n : 1, sizeof(*t->ops));
        if (!t->ops)
                return false;
        cJSON_ArrayForEach (e, a) {
                struct tw_usage_op *o = &t->ops[t->n_ops];
                double c, l;
                enum got g;

                if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 3 ||
                    !get_num(cJSON_GetArrayItem(e, 1), 0, TW_JSON_EXACT_MAX, &c) ||
                    !get_num(cJSON_GetArrayItem(e, 2), -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &l))
                        return false;
                g = get_str(cJSON_GetArrayItem(e, 0), false, &o->op);
                if (g == GOT_BAD)
                        return false;
                if (g == GOT_LONG) {
                        (*ret_dropped)++;
                        continue;
                }
                o->count = (uint64_t)c;
                o->last_ms = (int64_t)l;
                t->n_ops++;
        }
        return true;
}

/* Fills the token at u->tokens[u->n_tokens] (counted once its id is set).
 * A token whose id is too long is none we list: left out and counted. */
static int token_from(struct tw_usage *u, const cJSON *o)
{
        struct tw_token_usage *t;
        const cJSON *lp = cJSON_GetObjectItemCaseSensitive(o, "lastPush");
        double f, l, c, p, lpv = 0, d1, d2, d3;
        uint64_t lost_ips = 0, lost_agents = 0, lost_ops = 0;
        enum got g;

        if (tw_array_reserve((void **)&u->tokens, u->n_tokens, &u->cap_tokens, sizeof(*u->tokens)) <
            0)
                return -ENOMEM;
        t = &u->tokens[u->n_tokens];
        memset(t, 0, sizeof(*t));
        if (!cJSON_IsObject(o))
                return -EBADMSG;
        g = get_str(cJSON_GetObjectItemCaseSensitive(o, "id"), false, &t->token_id);
        if (g == GOT_LONG) {
                u->tokens_dropped++;
                return 0;
        }
        if (g == GOT_BAD)
                return -EBADMSG;
        if (tw_strmap_put(&u->by_id, t->token_id, u->n_tokens) < 0) {
                free(t->token_id); /* a duplicate id, or out of memory */
                return -EBADMSG;
        }
        u->n_tokens++;
        if (!key_num(o, "first", -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &f) ||
            !key_num(o, "last", -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &l) ||
            !key_num(o, "calls", 0, TW_JSON_EXACT_MAX, &c) ||
            !key_num(o, "pushes", 0, TW_JSON_EXACT_MAX, &p) ||
            !(cJSON_IsNull(lp) || get_num(lp, -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &lpv)) ||
            !key_num(o, "ipsDropped", 0, TW_JSON_EXACT_MAX, &d1) ||
            !key_num(o, "agentsDropped", 0, TW_JSON_EXACT_MAX, &d2) ||
            !key_num(o, "opsDropped", 0, TW_JSON_EXACT_MAX, &d3) ||
            !sources_from(cJSON_GetObjectItemCaseSensitive(o, "ips"), u->lim.max_sources, &t->ips,
                          &t->n_ips, &lost_ips) ||
            !sources_from(cJSON_GetObjectItemCaseSensitive(o, "agents"), u->lim.max_sources,
                          &t->agents, &t->n_agents, &lost_agents) ||
            !ops_from(cJSON_GetObjectItemCaseSensitive(o, "ops"), u->lim.max_operations, t,
                      &lost_ops))
                return -EBADMSG;
        t->first_ms = (int64_t)f;
        t->last_ms = (int64_t)l;
        t->calls = (uint64_t)c;
        t->image_pushes = (uint64_t)p;
        t->last_push_ms = cJSON_IsNull(lp) ? TW_NO_TIME : (int64_t)lpv;
        t->ips_dropped = (uint64_t)d1 + lost_ips;
        t->agents_dropped = (uint64_t)d2 + lost_agents;
        t->ops_dropped = (uint64_t)d3 + lost_ops;
        return 0;
}

/* Reads one lifecycle event; an over-long string field reads as absent,
 * an over-long action (no action we know) drops the event. */
static int event_from(struct tw_usage *u, const cJSON *o)
{
        struct tw_lifecycle_event *ev;
        const char *type;
        char *action = NULL;
        double at, st;
        enum got g;
        int r = -EBADMSG;

        if (tw_array_reserve((void **)&u->lifecycle, u->n_lifecycle, &u->cap_lifecycle,
                             sizeof(*u->lifecycle)) < 0)
                return -ENOMEM;
        ev = &u->lifecycle[u->n_lifecycle++];
        memset(ev, 0, sizeof(*ev));
        if (!cJSON_IsObject(o) || !key_num(o, "at", -TW_JSON_EXACT_MAX, TW_JSON_EXACT_MAX, &at) ||
            !key_num(o, "status", -1, 999, &st))
                goto out;
        g = get_str(cJSON_GetObjectItemCaseSensitive(o, "action"), false, &action);
        if (g == GOT_LONG) {
                u->n_lifecycle--;
                return 0;
        }
        if (g == GOT_BAD || !get_opt(o, "token", &ev->token_id) ||
            !get_opt(o, "name", &ev->token_name) || !get_opt(o, "actor", &ev->actor_id) ||
            !get_opt(o, "ip", &ev->source_ip) || !get_opt(o, "ua", &ev->user_agent))
                goto out;
        ev->at_ms = (int64_t)at;
        ev->status = (int)st;
        ev->action = _TW_LIFECYCLE_MAX;
        for (int a = 0; a < _TW_LIFECYCLE_MAX; a++)
                if (strcmp(action, tw_lifecycle_action_to_string((enum tw_lifecycle_action)a)) == 0)
                        ev->action = (enum tw_lifecycle_action)a;
        type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "actorType"));
        ev->actor_type = !type                             ? TW_AUDITLOG_SUBJECT_UNKNOWN
                         : strcmp(type, "USER") == 0       ? TW_AUDITLOG_SUBJECT_USER
                         : strcmp(type, "SERVICEKEY") == 0 ? TW_AUDITLOG_SUBJECT_SERVICEKEY
                                                           : TW_AUDITLOG_SUBJECT_UNKNOWN;
        if (ev->action != _TW_LIFECYCLE_MAX)
                r = 0;
out:
        free(action);
        return r;
}

int tw_usage_from_cjson(const cJSON *root, const struct tw_usage_limits *lim, struct tw_usage **ret)
{
        struct tw_usage *u = NULL;
        const cJSON *toks, *life, *it;
        double v, e, ul, td;
        int r = tw_usage_new(lim, &u);

        if (r < 0)
                return r;
        r = -EBADMSG;
        toks = cJSON_GetObjectItemCaseSensitive(root, "tokens");
        life = cJSON_GetObjectItemCaseSensitive(root, "lifecycle");
        if (!cJSON_IsObject(root) || !key_num(root, "v", VERSION, VERSION, &v) ||
            !key_num(root, "entries", 0, TW_JSON_EXACT_MAX, &e) ||
            !key_num(root, "unlinked", 0, TW_JSON_EXACT_MAX, &ul) ||
            !key_num(root, "tokensDropped", 0, TW_JSON_EXACT_MAX, &td) || !cJSON_IsArray(toks) ||
            !cJSON_IsArray(life) || (size_t)cJSON_GetArraySize(toks) > u->lim.max_tokens ||
            (size_t)cJSON_GetArraySize(life) > u->lim.max_lifecycle)
                goto fail;
        u->entries = (uint64_t)e;
        u->unlinked = (uint64_t)ul;
        u->tokens_dropped = (uint64_t)td;
        cJSON_ArrayForEach (it, toks)
                if ((r = token_from(u, it)) < 0)
                        goto fail;
        cJSON_ArrayForEach (it, life)
                if ((r = event_from(u, it)) < 0)
                        goto fail;
        *ret = u;
        return 0;
fail:
        tw_usage_free(u);
        return r;
}

int tw_usage_from_json(const char *text, size_t len, const struct tw_usage_limits *lim,
                       struct tw_usage **ret)
{
        cJSON *root = cJSON_ParseWithLength(text, len);
        int r;

        if (!root)
                return -EBADMSG;
        r = tw_usage_from_cjson(root, lim, ret);
        cJSON_Delete(root);
        return r;
}
