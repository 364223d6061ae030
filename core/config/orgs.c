/* [astro.NAME]: one section per organization, each with the keys
 * of [astro] (plus display_name and token_env), and the checks across them. */
#include "core/config/config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/values.h"

void tw_astro_config_done(struct tw_astro_config *a)
{
        free(a->name);
        free(a->display_name);
        free(a->api_url);
        free(a->api_version);
        free(a->organization_id);
        free(a->token_file);
        free(a->token_env);
        tw_strv_free(a->workspaces, a->n_workspaces);
        memset(a, 0, sizeof(*a));
}

/* The org of [astro.NAME], made (with the [astro] defaults) on first sight. */
static long org_for(struct tw_config_parser *p, const char *name)
{
        struct tw_config *cfg = p->cfg;
        struct tw_astro_config *o;
        int(*seen)[TW_CONFIG_MAX_ORG_KEYS];

        for (size_t i = 0; i < cfg->n_orgs; i++)
                if (strcmp(cfg->orgs[i].name, name) == 0)
                        return (long)i;
        seen = realloc(p->org_seen, (cfg->n_orgs + 1) * sizeof(*seen));
        if (!seen)
                return -1;
        p->org_seen = seen;
        memset(seen[cfg->n_orgs], 0, sizeof(seen[0]));
        o = realloc(cfg->orgs, (cfg->n_orgs + 1) * sizeof(*o));
        if (!o)
                return -1;
        cfg->orgs = o;
        o = &cfg->orgs[cfg->n_orgs];
        memset(o, 0, sizeof(*o));
        o->line = p->lineno;
        o->name = strdup(name);
        cfg->n_orgs++; /* freed with the config from here on */
        if (!o->name || tw_config_astro_set_defaults(o) < 0)
                return -1;
        return (long)cfg->n_orgs - 1;
}

void tw_config_add_org_key(struct tw_config_parser *p, const char *section, const char *name,
                           const char *value)
{
        long i = org_for(p, section + strlen("astro."));

        if (i < 0) {
                p->nomem = true;
                return;
        }
        tw_config_apply_astro_key(p, &p->cfg->orgs[i], p->org_seen[i], section, name, value);
}

void tw_config_validate_orgs(struct tw_config_parser *p)
{
        const struct tw_config *cfg = p->cfg;
        char section[80];

        if (cfg->n_orgs && p->astro_line) {
                tw_config_error_at(p, p->astro_line, "astro", NULL,
                                   "[astro] and [astro.NAME] sections do not mix: with several "
                                   "organizations, give each its own [astro.NAME] (first: "
                                   "[astro.%s] on line %d)",
                                   cfg->orgs[0].name, cfg->orgs[0].line);
        }
        p->cfg->astro.token_file_line = tw_config_key_line(p, "astro", "token_file", -1);
        p->cfg->astro.api_url_line = tw_config_key_line(p, "astro", "api_url", -1);
        for (size_t i = 0; i < cfg->n_orgs; i++) {
                const struct tw_astro_config *a = &cfg->orgs[i];

                p->cfg->orgs[i].token_file_line =
                        tw_config_astro_key_line(p->org_seen[i], "token_file");
                p->cfg->orgs[i].api_url_line = tw_config_astro_key_line(p->org_seen[i], "api_url");
                snprintf(section, sizeof(section), "astro.%s", a->name);
                if (a->token_file && a->token_env)
                        tw_config_error_at(p, tw_config_astro_key_line(p->org_seen[i], "token_env"),
                                           section, "token_env",
                                           "give token_file or token_env, not both");
                for (size_t j = 0; j < i && a->organization_id; j++) {
                        if (!cfg->orgs[j].organization_id ||
                            strcmp(cfg->orgs[j].organization_id, a->organization_id) != 0)
                                continue;
                        tw_config_error_at(
                                p, tw_config_astro_key_line(p->org_seen[i], "organization_id"),
                                section, "organization_id",
                                "organization %s is already watched by [astro.%s] (line %d)",
                                a->organization_id, cfg->orgs[j].name,
                                tw_config_astro_key_line(p->org_seen[j], "organization_id"));
                        break;
                }
        }
        if (cfg->astro.token_file && cfg->astro.token_env)
                tw_config_error_at(p, tw_config_key_line(p, "astro", "token_env", -1), "astro",
                                   "token_env", "give token_file or token_env, not both");
}

size_t tw_config_org_count(const struct tw_config *cfg)
{
        return cfg->n_orgs ? cfg->n_orgs : 1;
}

const struct tw_astro_config *tw_config_org(const struct tw_config *cfg, size_t i)
{
        if (!cfg->n_orgs)
                return &cfg->astro;
        return i < cfg->n_orgs ? &cfg->orgs[i] : NULL;
}

const char *tw_astro_section(const struct tw_astro_config *a, char *buf, size_t size)
{
        if (!a->name)
                return "astro";
        snprintf(buf, size, "astro.%s", a->name);
        return buf;
}

const struct tw_astro_config *tw_config_org_find(const struct tw_config *cfg, const char *name)
{
        for (size_t i = 0; i < tw_config_org_count(cfg); i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);

                if ((a->name && strcmp(a->name, name) == 0) ||
                    (a->organization_id && strcmp(a->organization_id, name) == 0) ||
                    (a->display_name && strcmp(a->display_name, name) == 0))
                        return a;
        }
        return NULL;
}
