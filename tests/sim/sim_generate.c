/*
 * Generated organizations for tw-astrosim: n tokens over w workspaces (one
 * deployment each) and some users, from a fixed-seed PRNG so that every run
 * serves the same organization for the same base time.
 *
 * Mix: 10% ORGANIZATION tokens (some with an extra WORKSPACE role, a few
 * ORGANIZATION_OWNER), 60% WORKSPACE, 30% DEPLOYMENT (some custom roles);
 * expiry none / expired / within 7 days / within 30 days / far; last use
 * never / long ago / recent; creators active users, departed users
 * (INACTIVE, BANNED or unknown ids) and service keys.  Without a
 * credential_token_id in the fixture, generated token 0 is the agent's
 * credential: an ORGANIZATION_MEMBER token expiring in 60 days.
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define MAX_GEN_WORKSPACES 10000

struct gen {
        struct tw_sim *sim;
        uint64_t state;
        char (*ws_ids)[26];
        char (*dep_ids)[26];
        char (*user_ids)[26];
        size_t n_ws, n_users;
};

static uint64_t next(struct gen *g)
{
        uint64_t z = (g->state += 0x9E3779B97F4A7C15ULL);

        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
}

static int64_t range(struct gen *g, int64_t lo, int64_t hi)
{
        return lo + (int64_t)(next(g) % (uint64_t)(hi - lo + 1));
}

/* A 25-character cuid-like id: "c", a 2-letter tag, the index, filler. */
static void make_id(struct gen *g, const char *tag, size_t index, char out[26])
{
        static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
        char idx[8];
        size_t v = index;

        for (int i = 6; i >= 0; i--, v /= 36)
                idx[i] = b36[v % 36];
        idx[7] = '\0';
        snprintf(out, 26, "c%.2s%s", tag, idx);
        for (size_t i = strlen(out); i < 25; i++)
                out[i] = b36[next(g) % 36];
        out[25] = '\0';
}

static void add_time(cJSON *o, const char *key, int64_t t, int ms)
{
        char buf[48];

        sim_format_time(t, ms, buf, sizeof(buf));
        cJSON_AddStringToObject(o, key, buf);
}

static void add_role(cJSON *roles, const char *type, const char *id, const char *role)
{
        cJSON *r = cJSON_CreateObject();

        cJSON_AddStringToObject(r, "entityType", type);
        cJSON_AddStringToObject(r, "entityId", id);
        cJSON_AddStringToObject(r, "role", role);
        cJSON_AddItemToArray(roles, r);
}

static void gen_places(struct gen *g)
{
        int64_t base = g->sim->base_time;

        for (size_t i = 0; i < g->n_ws; i++) {
                cJSON *w = cJSON_CreateObject(), *d = cJSON_CreateObject();
                char name[64];

                make_id(g, "gw", i, g->ws_ids[i]);
                make_id(g, "gd", i, g->dep_ids[i]);
                snprintf(name, sizeof(name), "gen-workspace-%04zu", i);
                cJSON_AddStringToObject(w, "id", g->ws_ids[i]);
                cJSON_AddStringToObject(w, "name", name);
                add_time(w, "createdAt", base - 500 * DAY, -1);
                cJSON_AddItemToArray(g->sim->workspaces, w);
                snprintf(name, sizeof(name), "gen-deployment-%04zu", i);
                cJSON_AddStringToObject(d, "id", g->dep_ids[i]);
                cJSON_AddStringToObject(d, "name", name);
                cJSON_AddStringToObject(d, "workspaceId", g->ws_ids[i]);
                add_time(d, "createdAt", base - 450 * DAY, -1);
                cJSON_AddItemToArray(g->sim->deployments, d);
        }
        for (size_t i = 0; i < g->n_users; i++) {
                cJSON *u = cJSON_CreateObject(), *wr, *r;
                char name[64];

                make_id(g, "gu", i, g->user_ids[i]);
                cJSON_AddStringToObject(u, "id", g->user_ids[i]);
                snprintf(name, sizeof(name), "gen.user%04zu@example.com", i);
                cJSON_AddStringToObject(u, "username", name);
                snprintf(name, sizeof(name), "Generated User %zu", i);
                cJSON_AddStringToObject(u, "fullName", name);
                cJSON_AddStringToObject(u, "status",
                                        i % 10 == 3   ? "INACTIVE"
                                        : i % 20 == 7 ? "BANNED"
                                                      : "ACTIVE");
                cJSON_AddStringToObject(u, "organizationRole", "ORGANIZATION_MEMBER");
                wr = cJSON_AddArrayToObject(u, "workspaceRoles");
                r = cJSON_CreateObject();
                cJSON_AddStringToObject(r, "workspaceId", g->ws_ids[i % g->n_ws]);
                cJSON_AddStringToObject(r, "role", "WORKSPACE_AUTHOR");
                cJSON_AddItemToArray(wr, r);
                add_time(u, "createdAt", base - 600 * DAY, -1);
                cJSON_AddItemToArray(g->sim->users, u);
        }
}

static void gen_creator(struct gen *g, cJSON *t, size_t i, const char *first_token)
{
        cJSON *by = cJSON_AddObjectToObject(t, "createdBy");
        uint64_t k = next(g) % 10;
        char gone[26];

        if (k == 0 && first_token && i > 0) {
                cJSON_AddStringToObject(by, "id", first_token);
                cJSON_AddStringToObject(by, "subjectType", "SERVICEKEY");
        } else if (k == 1) {
                make_id(g, "gx", i, gone);
                cJSON_AddStringToObject(by, "id", gone);
                cJSON_AddStringToObject(by, "subjectType", i % 2 ? "USER" : "SERVICEKEY");
                if (i % 2) {
                        cJSON_AddStringToObject(by, "username", "departed@example.com");
                        cJSON_AddStringToObject(by, "fullName", "Departed User");
                } else {
                        cJSON_AddStringToObject(by, "apiTokenName", "deleted-automation");
                }
        } else {
                cJSON_AddStringToObject(by, "id", g->user_ids[next(g) % g->n_users]);
                cJSON_AddStringToObject(by, "subjectType", "USER");
        }
}

static cJSON *gen_token(struct gen *g, size_t i, bool credential, const char *first_token)
{
        static const char *const ws_roles[] = {"WORKSPACE_AUTHOR", "WORKSPACE_OPERATOR",
                                               "WORKSPACE_MEMBER", "WORKSPACE_OWNER"};
        static const char *const org_roles[] = {"ORGANIZATION_MEMBER", "ORGANIZATION_BILLING_ADMIN",
                                                "ORGANIZATION_OBSERVE_MEMBER",
                                                "ORGANIZATION_OWNER"};
        int64_t base = g->sim->base_time, created, end = 0;
        cJSON *t = cJSON_CreateObject(), *roles;
        size_t w = (size_t)(next(g) % g->n_ws);
        uint64_t kind = i % 10, e = next(g) % 6, u = next(g) % 4;
        char id[26], name[64];

        make_id(g, "gt", i, id);
        cJSON_AddStringToObject(t, "id", id);
        snprintf(name, sizeof(name), credential ? "tokenwatch-agent" : "gen-token-%05zu", i);
        cJSON_AddStringToObject(t, "name", name);
        cJSON_AddStringToObject(t, "description",
                                credential ? "tokenwatch's own credential" : "generated");
        cJSON_AddStringToObject(t, "scope",
                                credential || kind == 0 ? "ORGANIZATION"
                                : kind <= 6             ? "WORKSPACE"
                                                        : "DEPLOYMENT");
        roles = cJSON_AddArrayToObject(t, "roles");
        if (credential) {
                add_role(roles, "ORGANIZATION", sim_str(g->sim->org, "id"), org_roles[0]);
        } else if (kind == 0) {
                add_role(roles, "ORGANIZATION", sim_str(g->sim->org, "id"),
                         org_roles[next(g) % 16 == 0 ? 3 : next(g) % 3]);
                if (next(g) % 4 == 0)
                        add_role(roles, "WORKSPACE", g->ws_ids[w], ws_roles[next(g) % 4]);
        } else if (kind <= 6) {
                add_role(roles, "WORKSPACE", g->ws_ids[w], ws_roles[next(g) % 4]);
        } else {
                add_role(roles, "DEPLOYMENT", g->dep_ids[w],
                         next(g) % 5 == 0 ? "custom-deployer" : "DEPLOYMENT_ADMIN");
        }
        created = base - range(g, 1, 400) * DAY - range(g, 0, DAY - 1);
        end = credential ? base + 60 * DAY
              : e == 1   ? base - range(g, 1, 30) * DAY
              : e == 2   ? base + range(g, 3600, 6 * DAY)
              : e == 3   ? base + range(g, 8, 29) * DAY
              : e >= 4   ? base + range(g, 60, 365) * DAY
                         : 0;
        add_time(t, "createdAt", created, -1);
        if (end) {
                if (end <= created)
                        created = end - 7 * DAY;
                add_time(t, "endAt", end, -1);
                cJSON_AddNumberToObject(t, "expiryPeriodInDays",
                                        (double)((end - created + DAY - 1) / DAY));
        }
        if (credential || u >= 2)
                add_time(t, "lastUsedAt", base - range(g, 60, 5 * DAY), (int)(next(g) % 1000));
        else if (u == 1 && created < base - 100 * DAY)
                add_time(t, "lastUsedAt", base - range(g, 91, 100) * DAY, -1);
        gen_creator(g, t, i, first_token);
        return t;
}

int sim_generate(struct tw_sim *sim, size_t n_tokens, size_t n_workspaces)
{
        struct gen g = {.sim = sim, .state = 0x746F6B656E776174ULL};
        char first[26] = "";
        int r = -ENOMEM;

        g.n_ws = n_workspaces ? n_workspaces : n_tokens / 20;
        if (g.n_ws < 1)
                g.n_ws = 1;
        if (g.n_ws > MAX_GEN_WORKSPACES)
                return -E2BIG;
        g.n_users = 20 + g.n_ws / 5;
        g.ws_ids = calloc(g.n_ws, sizeof(*g.ws_ids));
        g.dep_ids = calloc(g.n_ws, sizeof(*g.dep_ids));
        g.user_ids = calloc(g.n_users, sizeof(*g.user_ids));
        if (!g.ws_ids || !g.dep_ids || !g.user_ids)
                goto out;
        gen_places(&g);
        for (size_t i = 0; i < n_tokens; i++) {
                bool cred = i == 0 && !sim->credential_token_id;
                cJSON *t = gen_token(&g, i, cred, first[0] ? first : NULL);

                if (!t)
                        goto out;
                if (i == 0)
                        snprintf(first, sizeof(first), "%s", sim_str(t, "id"));
                if (cred && !(sim->credential_token_id = strdup(first))) {
                        cJSON_Delete(t);
                        goto out;
                }
                cJSON_AddItemToArray(sim->tokens, t);
        }
        for (cJSON *t = sim->tokens->child; t; t = t->next)
                sim_token_fill(sim, t);
        r = 0;
out:
        free(g.ws_ids);
        free(g.dep_ids);
        free(g.user_ids);
        return r;
}
