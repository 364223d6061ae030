/*
 * Fixture organizations for tw-astrosim.
 *
 * A fixture is one JSON object:
 *
 *   {
 *     "organization": {"id": "...", "name": "...", "createdAt": "@-400d"},
 *     "credential_token_id": "<id of the token whose JWT the org credential is>",
 *     "workspaces":  [{"id", "name", "description"?, "createdAt"?, ...}],
 *     "deployments": [{"id", "name", "workspaceId", "status"?, ...}],
 *     "users":       [{"id", "username", "fullName", "status", "organizationRole"?,
 *                      "workspaceRoles"?, ...}],
 *     "tokens":      [v1 ApiToken objects: "scope", "kind", "roles", "createdBy", ...]
 *   }
 *
 * Every member whose name ends in "At" may hold an absolute RFC 3339 time
 * (served verbatim) or a relative one, "@+3d", "@-100d", "@-2h", "@+0s"
 * (units s, m, h, d; optional ".NNN" milliseconds, e.g. "@-2h.118"), resolved
 * against the base time and served as "YYYY-MM-DDTHH:MM:SS[.mmm]Z".
 * A relative "lastUsedAt" without a fraction is served with ".123".
 *
 * Defaults filled when absent: workspaces get organizationId,
 * organizationName, cicdEnforcedDefault false, createdAt/updatedAt;
 * deployments organizationId, status "HEALTHY", createdAt/updatedAt; users
 * status "ACTIVE", createdAt/updatedAt; tokens description "", shortToken
 * (the first 8 characters of the id), kind "STANDARD", startAt/createdAt/
 * updatedAt (from each other, else the base time).  A USER createdBy naming
 * a known user gets username/fullName from it; a SERVICEKEY createdBy naming
 * a known token gets apiTokenName.  The credential token's endAt is the
 * JWT's exp (absent: no exp).
 */
#include "sim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/readfile.h"
#include "lib/timeutil.h"

#define FIXTURE_MAX ((size_t)64 << 20)

const char *sim_str(const struct cJSON *obj, const char *key)
{
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsString(it) ? it->valuestring : NULL;
}

void sim_format_time(int64_t t, int millis, char *buf, size_t size)
{
        char tb[TW_RFC3339_LEN];

        tw_time_format(t, tb);
        if (millis < 0) {
                snprintf(buf, size, "%s", tb);
                return;
        }
        tb[strlen(tb) - 1] = '\0'; /* drop the Z */
        snprintf(buf, size, "%s.%03dZ", tb, millis % 1000);
}

struct cJSON *sim_find_by_id(struct cJSON *array, const char *id, int *ret_index)
{
        cJSON *it;
        int i = 0;

        if (!id)
                return NULL;
        cJSON_ArrayForEach (it, array) {
                const char *s = sim_str(it, "id");

                if (s && strcmp(s, id) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return it;
                }
                i++;
        }
        return NULL;
}

/* Parses "@+3d" / "@-2h.118" into a time and milliseconds (-1: none). */
static int parse_relative(const char *s, int64_t base, int64_t *ret_t, int *ret_ms)
{
        char num[32];
        const char *dot;
        int64_t d;
        int sign, ms = -1;
        size_t n;

        if (s[0] != '@' || (s[1] != '+' && s[1] != '-'))
                return -EINVAL;
        sign = s[1] == '-' ? -1 : 1;
        dot = strchr(s, '.');
        n = dot ? (size_t)(dot - (s + 2)) : strlen(s + 2);
        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, s + 2, n);
        num[n] = '\0';
        if (tw_duration_parse(num, &d) < 0)
                return -EINVAL;
        if (dot) {
                char *end;
                long v = strtol(dot + 1, &end, 10);

                if (*end || end == dot + 1 || v < 0 || v > 999)
                        return -EINVAL;
                ms = (int)v;
        }
        *ret_t = base + sign * d;
        *ret_ms = ms;
        return 0;
}

static bool ends_with_at(const char *key)
{
        size_t n = key ? strlen(key) : 0;

        return n >= 2 && strcmp(key + n - 2, "At") == 0;
}

int sim_resolve_times(struct cJSON *obj, int64_t base_time)
{
        cJSON *it, *next;

        for (it = obj ? obj->child : NULL; it; it = next) {
                next = it->next;
                if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
                        int r = sim_resolve_times(it, base_time);

                        if (r < 0)
                                return r;
                } else if (cJSON_IsString(it) && it->string && ends_with_at(it->string) &&
                           it->valuestring[0] == '@') {
                        char buf[48];
                        int64_t t;
                        int ms;

                        if (parse_relative(it->valuestring, base_time, &t, &ms) < 0)
                                return -EINVAL;
                        if (ms < 0 && strcmp(it->string, "lastUsedAt") == 0)
                                ms = 123;
                        sim_format_time(t, ms, buf, sizeof(buf));
                        if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, it->string,
                                                                    cJSON_CreateString(buf)))
                                return -ENOMEM;
                }
        }
        return 0;
}

static void set_default_str(cJSON *obj, const char *key, const char *value)
{
        if (value && !cJSON_GetObjectItemCaseSensitive(obj, key))
                cJSON_AddStringToObject(obj, key, value);
}

/* Fills createdAt/updatedAt (and startAt for tokens) from each other or base. */
static void fill_times(cJSON *obj, int64_t base, bool with_start)
{
        char now[48];
        const char *created;

        sim_format_time(base, -1, now, sizeof(now));
        created = sim_str(obj, "createdAt");
        if (!created && with_start)
                created = sim_str(obj, "startAt");
        set_default_str(obj, "createdAt", created ? created : now);
        created = sim_str(obj, "createdAt");
        if (with_start)
                set_default_str(obj, "startAt", created);
        set_default_str(obj, "updatedAt", created);
}

void sim_token_fill(struct tw_sim *sim, struct cJSON *token)
{
        const char *id = sim_str(token, "id");
        cJSON *by = cJSON_GetObjectItemCaseSensitive(token, "createdBy");
        char shrt[9] = "";

        if (id)
                snprintf(shrt, sizeof(shrt), "%s", id);
        set_default_str(token, "description", "");
        set_default_str(token, "shortToken", shrt);
        set_default_str(token, "kind", "STANDARD");
        fill_times(token, sim->base_time, true);
        if (cJSON_IsObject(by)) {
                const char *type = sim_str(by, "subjectType");
                cJSON *who;

                if (type && strcmp(type, "USER") == 0) {
                        who = sim_find_by_id(sim->users, sim_str(by, "id"), NULL);
                        set_default_str(by, "username", sim_str(who, "username"));
                        set_default_str(by, "fullName", sim_str(who, "fullName"));
                        set_default_str(by, "avatarUrl", sim_str(who, "avatarUrl"));
                } else if (type && strcmp(type, "SERVICEKEY") == 0 &&
                           !cJSON_GetObjectItemCaseSensitive(by, "apiTokenName")) {
                        /* Only look up what is missing: the scan is linear. */
                        who = sim_find_by_id(sim->tokens, sim_str(by, "id"), NULL);
                        set_default_str(by, "apiTokenName", sim_str(who, "name"));
                }
        }
}

/* Takes fixture[key] (an array, or absent) out of the fixture. */
static cJSON *take_array(cJSON *fixture, const char *key)
{
        cJSON *a = cJSON_DetachItemFromObjectCaseSensitive(fixture, key);

        if (!a)
                return cJSON_CreateArray();
        if (!cJSON_IsArray(a)) {
                cJSON_Delete(a);
                return NULL;
        }
        return a;
}

static int check_ids(cJSON *array, const char *what, const char *path)
{
        cJSON *it, *other;

        cJSON_ArrayForEach (it, array) {
                const char *id = sim_str(it, "id");

                if (!cJSON_IsObject(it) || !id) {
                        fprintf(stderr, "%s: every %s needs a string \"id\"\n", path, what);
                        return -EINVAL;
                }
                for (other = it->next; other; other = other->next) {
                        const char *o = sim_str(other, "id");

                        if (o && strcmp(o, id) == 0) {
                                fprintf(stderr, "%s: duplicate %s id %s\n", path, what, id);
                                return -EINVAL;
                        }
                }
        }
        return 0;
}

static void fill_defaults(struct tw_sim *sim)
{
        const char *org_id = sim_str(sim->org, "id");
        const char *org_name = sim_str(sim->org, "name");
        cJSON *it;

        fill_times(sim->org, sim->base_time, false);
        cJSON_ArrayForEach (it, sim->workspaces) {
                set_default_str(it, "organizationId", org_id);
                set_default_str(it, "organizationName", org_name);
                set_default_str(it, "description", "");
                if (!cJSON_GetObjectItemCaseSensitive(it, "cicdEnforcedDefault"))
                        cJSON_AddFalseToObject(it, "cicdEnforcedDefault");
                fill_times(it, sim->base_time, false);
        }
        cJSON_ArrayForEach (it, sim->deployments) {
                set_default_str(it, "organizationId", org_id);
                set_default_str(it, "status", "HEALTHY");
                fill_times(it, sim->base_time, false);
        }
        cJSON_ArrayForEach (it, sim->users) {
                set_default_str(it, "status", "ACTIVE");
                set_default_str(it, "avatarUrl", "");
                fill_times(it, sim->base_time, false);
        }
        cJSON_ArrayForEach (it, sim->tokens)
                sim_token_fill(sim, it);
}

void sim_fixture_empty(struct tw_sim *sim)
{
        sim->org = cJSON_CreateObject();
        cJSON_AddStringToObject(sim->org, "id", "clsimorg00000000000000000");
        cJSON_AddStringToObject(sim->org, "name", "Sim Org");
        sim->workspaces = cJSON_CreateArray();
        sim->deployments = cJSON_CreateArray();
        sim->users = cJSON_CreateArray();
        sim->tokens = cJSON_CreateArray();
        fill_defaults(sim);
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
        return tw_read_file(path, FIXTURE_MAX, 0, ret, ret_len);
}

int sim_fixture_load(struct tw_sim *sim, const char *path)
{
        cJSON *fx = NULL;
        char *text = NULL;
        size_t len = 0;
        const char *cred;
        int r;

        r = read_file(path, &text, &len);
        if (r < 0) {
                fprintf(stderr, "%s: cannot read fixture: %s\n", path, strerror(-r));
                goto out;
        }
        fx = cJSON_ParseWithLength(text, len);
        r = -EINVAL;
        if (!cJSON_IsObject(fx)) {
                fprintf(stderr, "%s: not a JSON object\n", path);
                goto out;
        }
        sim->org = cJSON_DetachItemFromObjectCaseSensitive(fx, "organization");
        if (!cJSON_IsObject(sim->org) || !sim_str(sim->org, "id")) {
                fprintf(stderr, "%s: \"organization\" needs a string \"id\"\n", path);
                goto out;
        }
        sim->workspaces = take_array(fx, "workspaces");
        sim->deployments = take_array(fx, "deployments");
        sim->users = take_array(fx, "users");
        sim->tokens = take_array(fx, "tokens");
        if (!sim->workspaces || !sim->deployments || !sim->users || !sim->tokens) {
                fprintf(stderr, "%s: workspaces, deployments, users, tokens must be arrays\n",
                        path);
                goto out;
        }
        if (check_ids(sim->workspaces, "workspace", path) < 0 ||
            check_ids(sim->deployments, "deployment", path) < 0 ||
            check_ids(sim->users, "user", path) < 0 || check_ids(sim->tokens, "token", path) < 0)
                goto out;
        if (sim_resolve_times(sim->org, sim->base_time) < 0 ||
            sim_resolve_times(sim->workspaces, sim->base_time) < 0 ||
            sim_resolve_times(sim->deployments, sim->base_time) < 0 ||
            sim_resolve_times(sim->users, sim->base_time) < 0 ||
            sim_resolve_times(sim->tokens, sim->base_time) < 0) {
                fprintf(stderr, "%s: a malformed relative time (want e.g. \"@-3d\")\n", path);
                goto out;
        }
        cred = sim_str(fx, "credential_token_id");
        if (cred) {
                if (!sim_find_by_id(sim->tokens, cred, NULL)) {
                        fprintf(stderr, "%s: credential_token_id %s is not a token\n", path, cred);
                        goto out;
                }
                sim->credential_token_id = strdup(cred);
                if (!sim->credential_token_id) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        fill_defaults(sim);
        r = 0;
out:
        cJSON_Delete(fx);
        free(text);
        return r;
}
