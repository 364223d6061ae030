/*
 * The description of one copy (struct tw_deliver_target): its keys set
 * from a [deliver.NAME] section, and the checks every type shares (a known
 * type, only keys the type takes, the API URL); the type's own checks come
 * from its ops.
 */
#include "exporters/deliver/deliver.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/deliver/deliver_common_internal.h"
#include "lib/buf.h"
#include "lib/timeutil.h"
#include "lib/url.h"

#define FIELD(k)                                          \
        {                                                 \
#k, offsetof(struct tw_deliver_target, k) \
        }

static const struct {
        const char *key;
        size_t offset;
} fields[] = {
        FIELD(type),
        FIELD(api_url),
        FIELD(credential_file),
        FIELD(ca_file),
        FIELD(repository),
        FIELD(environment),
        FIELD(github_org),
        FIELD(visibility),
        FIELD(selected_repository_ids),
        FIELD(secret),
        FIELD(project),
        FIELD(group),
        FIELD(variable),
        FIELD(environment_scope),
        FIELD(mount),
        FIELD(path),
        FIELD(key),
        FIELD(namespace),
        FIELD(command),
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static char **slot(struct tw_deliver_target *t, size_t i)
{
        return (char **)((char *)t + fields[i].offset);
}

static const char *value_of(const struct tw_deliver_target *t, size_t i)
{
        return *(char *const *)((const char *)t + fields[i].offset);
}

int tw_deliver_target_set(struct tw_deliver_target *t, const char *key, const char *value)
{
        int64_t s;
        char *copy;

        if (strcmp(key, "timeout") == 0) {
                if (tw_duration_parse(value, &s) < 0 || s <= 0 || s > 86400)
                        return -EINVAL;
                t->timeout_ms = s * 1000;
                return 0;
        }
        for (size_t i = 0; i < N_FIELDS; i++) {
                if (strcmp(fields[i].key, key) != 0)
                        continue;
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
                free(*slot(t, i));
                *slot(t, i) = copy;
                return 0;
        }
        return -ENOENT;
}

void tw_deliver_target_done(struct tw_deliver_target *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < N_FIELDS; i++) {
                free(*slot(t, i));
                *slot(t, i) = NULL;
        }
        free(t->name);
        t->name = NULL;
}

static bool takes(const struct tw_deliver_ops *ops, const char *key)
{
        for (const char *const *k = ops->keys; *k; k++)
                if (strcmp(*k, key) == 0)
                        return true;
        return false;
}

/* Why an api_url is refused, or NULL. */
static const char *url_problem(const char *url)
{
        switch (tw_url_check(url)) {
        case 0:
                return NULL;
        case -EPROTONOSUPPORT:
                return "must be an http or https URL";
        case -EPERM:
                return "must be https (plain http only to a loopback address)";
        case -ENOMEM:
                return "out of memory";
        default:
                return "is not a valid URL";
        }
}

int tw_deliver_target_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        const struct tw_deliver_ops *ops = tw_deliver_ops_find(t->type);
        const char *why;

        if (!t->type)
                return tw_deliver_error(err, t, -EINVAL,
                                        "type is missing (github, gitlab, "
                                        "vault, kubernetes, file or exec)");
        if (!ops)
                return tw_deliver_error(err, t, -EINVAL,
                                        "type %s is not one of github, gitlab, vault, "
                                        "kubernetes, file, exec",
                                        t->type);
        for (size_t i = 1; i < N_FIELDS; i++)
                if (value_of(t, i) && !takes(ops, fields[i].key))
                        return tw_deliver_error(err, t, -EINVAL, "key %s is not used by type %s",
                                                fields[i].key, t->type);
        if (t->timeout_ms && !takes(ops, "timeout"))
                return tw_deliver_error(err, t, -EINVAL, "key timeout is not used by type %s",
                                        t->type);
        if (t->api_url && (why = url_problem(t->api_url)))
                return tw_deliver_error(err, t, -EINVAL, "api_url %s", why);
        return ops->validate(t, err);
}
