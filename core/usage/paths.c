/* The paths of Astro's API in audit-log entries (core/usage/usage.h): path
 * templates with ids as placeholders, and the token lifecycle calls. */
#include "core/usage/usage.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

#define OP_MAX 256

/* Whether a path segment is an id rather than a collection name. */
static bool looks_like_id(const char *s, size_t n)
{
        bool digit = false;

        if (n == 0)
                return false;
        /* API versions: "v1", "v1alpha1", "v1beta1", "v2". */
        if (n >= 2 && s[0] == 'v' && isdigit((unsigned char)s[1]) && n <= 10)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (isdigit(c))
                        digit = true;
                else if (!isalpha(c) && c != '-' && c != '_')
                        return true; /* odd characters: not a name we know */
        }
        return digit && (n >= 8 || strspn(s, "0123456789") == n);
}

/* The placeholder for an id following collection name prev. */
static const char *placeholder(const char *prev, size_t n)
{
        static const struct {
                const char *name, *ph;
        } names[] = {
                {"organizations", "{organizationId}"},
                {"workspaces", "{workspaceId}"},
                {"deployments", "{deploymentId}"},
                {"tokens", "{tokenId}"},
                {"api-tokens", "{apiTokenId}"},
                {"users", "{userId}"},
                {"teams", "{teamId}"},
                {"deploys", "{deployId}"},
                {"clusters", "{clusterId}"},
                {"manifests", "{reference}"},
        };

        for (size_t i = 0; prev && i < sizeof(names) / sizeof(names[0]); i++)
                if (strlen(names[i].name) == n && strncmp(prev, names[i].name, n) == 0)
                        return names[i].ph;
        return "{id}";
}

void tw_usage_path_template(const char *path, char *buf, size_t size)
{
        struct tw_buf b;
        const char *p = path ? path : "", *end = p + strcspn(p, "?#");
        const char *prev = NULL;
        size_t prev_n = 0;

        tw_buf_init(&b, size > 4 ? size - 4 : 0);
        while (p < end) {
                const char *seg = p + (*p == '/');
                size_t n = strcspn(seg, "/?#");
                int r;

                if (seg + n > end)
                        n = (size_t)(end - seg);
                r = tw_buf_addc(&b, '/');
                if (r == 0 && looks_like_id(seg, n))
                        r = tw_buf_adds(&b, placeholder(prev, prev_n));
                else if (r == 0)
                        r = tw_buf_add(&b, seg, n);
                if (r < 0) {
                        snprintf(buf, size, "%s...", b.ptr ? b.ptr : "");
                        tw_buf_done(&b);
                        return;
                }
                prev = seg;
                prev_n = n;
                p = seg + n;
        }
        snprintf(buf, size, "%s", b.ptr ? b.ptr : "/");
        tw_buf_done(&b);
}

/* The segment after the last "/tokens/" or "/api-tokens/" of path. */
static void token_id_of(const char *path, char *buf, size_t size)
{
        const char *end = path + strcspn(path, "?#"), *found = NULL;

        for (const char *p = path; p < end; p++)
                if (strncmp(p, "/tokens/", 8) == 0)
                        found = p + 8;
                else if (strncmp(p, "/api-tokens/", 12) == 0)
                        found = p + 12;
        buf[0] = '\0';
        if (found)
                snprintf(buf, size, "%.*s", (int)strcspn(found, "/?#"), found);
}

bool tw_usage_lifecycle_match(const char *method, const char *path,
                              enum tw_lifecycle_action *ret_action, char *id_buf, size_t id_size)
{
        static const struct {
                const char *method, *suffix;
                enum tw_lifecycle_action action;
        } rules[] = {
                {"POST", "/api-tokens", TW_LIFECYCLE_CREATED},
                {"POST", "/api-tokens/{apiTokenId}", TW_LIFECYCLE_UPDATED},
                {"POST", "/api-tokens/{apiTokenId}/rotate", TW_LIFECYCLE_ROTATED},
                {"DELETE", "/api-tokens/{apiTokenId}", TW_LIFECYCLE_DELETED},
                {"POST", "/tokens", TW_LIFECYCLE_CREATED},
                {"POST", "/tokens/{tokenId}", TW_LIFECYCLE_UPDATED},
                {"POST", "/tokens/{tokenId}/roles", TW_LIFECYCLE_UPDATED},
                {"POST", "/tokens/{tokenId}/rotate", TW_LIFECYCLE_ROTATED},
                {"DELETE", "/tokens/{tokenId}", TW_LIFECYCLE_DELETED},
        };
        char t[OP_MAX];
        size_t tn;

        if (!method || !path)
                return false;
        tw_usage_path_template(path, t, sizeof(t));
        if (!strstr(t, "/organizations/{organizationId}"))
                return false;
        tn = strlen(t);
        for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
                size_t sn = strlen(rules[i].suffix);

                if (strcmp(method, rules[i].method) != 0 || tn < sn ||
                    strcmp(t + tn - sn, rules[i].suffix) != 0)
                        continue;
                *ret_action = rules[i].action;
                token_id_of(path, id_buf, id_size);
                if (rules[i].action == TW_LIFECYCLE_CREATED)
                        id_buf[0] = '\0';
                return true;
        }
        return false;
}
