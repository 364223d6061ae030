/* The store types of [deliver.NAME]: the keys each takes and needs.  The
 * same keys as exporters/deliver's ops (unit_copy_types compares them). */
#include "core/config/copies.h"

#include <string.h>

#define NET_KEYS "api_url", "credential_file", "ca_file", "timeout"

static const char *const github_keys[] = {NET_KEYS,     "repository", "environment",
                                          "github_org", "visibility", "selected_repository_ids",
                                          "secret",     NULL};
static const char *const github_required[] = {"secret", "repository|github_org", "credential_file",
                                              NULL};
static const char *const gitlab_keys[] = {NET_KEYS,   "project",           "group",
                                          "variable", "environment_scope", NULL};
static const char *const gitlab_required[] = {"variable", "project|group", "credential_file", NULL};
static const char *const vault_keys[] = {NET_KEYS, "mount", "path", "key", "namespace", NULL};
static const char *const vault_required[] = {"path", "key", "credential_file", NULL};
static const char *const kubernetes_keys[] = {NET_KEYS, "namespace", "secret", "key", NULL};
static const char *const kubernetes_required[] = {"secret", "key", NULL};
static const char *const file_keys[] = {"path", NULL};
static const char *const file_required[] = {"path", NULL};
static const char *const exec_keys[] = {"command", "timeout", NULL};
static const char *const exec_required[] = {"command", NULL};

static const struct tw_copy_type types[] = {
        {"github", github_keys, github_required, false, true, "GitHub"},
        {"gitlab", gitlab_keys, gitlab_required, true, true, "GitLab"},
        {"vault", vault_keys, vault_required, true, true, "Vault"},
        {"kubernetes", kubernetes_keys, kubernetes_required, true, true, "Kubernetes"},
        {"file", file_keys, file_required, true, true, "file"},
        {"exec", exec_keys, exec_required, false, false, "program"},
};

const struct tw_copy_type *tw_copy_type_find(const char *type)
{
        for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
                if (strcmp(types[i].type, type) == 0)
                        return &types[i];
        return NULL;
}

const struct tw_copy_type *tw_copy_type_at(size_t i)
{
        return i < sizeof(types) / sizeof(types[0]) ? &types[i] : NULL;
}

bool tw_copy_type_takes(const struct tw_copy_type *t, const char *key)
{
        for (const char *const *k = t->keys; *k; k++)
                if (strcmp(*k, key) == 0)
                        return true;
        return false;
}
