/* The registry of sections: each section (or family of sections) is one row
 * naming the function that takes its keys.  inih calls tw_config_handler()
 * once per key. */
#include "core/config/config_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/config/values.h"
#include "lib/suggest.h"

static const struct section {
        const char *name;
        bool family; /* name + "." + an id: [webhook.NAME] */
        void (*add)(struct tw_config_parser *p, const char *section, const char *name,
                    const char *value);
} sections[] = {
        {"astro", true, tw_config_add_org_key},
        {"astro", false, tw_config_add_fixed_key},
        {"agent", false, tw_config_add_fixed_key},
        {"policy", false, tw_config_add_fixed_key},
        {"web", false, tw_config_add_fixed_key},
        {"trail", false, tw_config_add_fixed_key},
        {"audit_logs", false, tw_config_add_fixed_key},
        {"audit", false, tw_config_add_renamed_key},
        {"suppress", false, tw_config_add_suppression},
        {"owners", false, tw_config_add_owner},
        {"web.basic_auth_users", false, tw_config_add_web_user},
        {"webhook", true, tw_config_add_webhook_key},
        {"deliver", true, tw_config_add_copy_key},
        {"deliver", false, tw_config_add_fixed_key},
        {"rotation", false, tw_config_add_fixed_key},
};

static bool matches(const struct section *s, const char *section)
{
        size_t n = strlen(s->name);

        if (!s->family)
                return strcmp(section, s->name) == 0;
        return strncmp(section, s->name, n) == 0 && section[n] == '.' &&
               tw_is_valid_id(section + n + 1);
}

/* The known section nearest to an unknown one, into buf; NULL if none is
 * near: a section name, or a family's name with the section's ".NAME". */
static const char *near_section(const char *section, char *buf, size_t size)
{
        const char *dot = strchr(section, '.');
        char head[TW_SUGGEST_MAX_LEN + 1];
        struct tw_suggest near;

        tw_suggest_init(&near, section);
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
                if (!sections[i].family)
                        tw_suggest_add(&near, sections[i].name);
        if (tw_suggest_best(&near) || !dot || (size_t)(dot - section) >= sizeof(head))
                return tw_suggest_best(&near);
        memcpy(head, section, (size_t)(dot - section));
        head[dot - section] = '\0';
        tw_suggest_init(&near, head);
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
                if (sections[i].family)
                        tw_suggest_add(&near, sections[i].name);
        if (!tw_suggest_best(&near))
                return NULL;
        snprintf(buf, size, "%s%s", tw_suggest_best(&near), dot);
        return buf;
}

const char *tw_config_section_at(size_t i, bool *ret_family, bool *ret_renamed)
{
        if (i >= sizeof(sections) / sizeof(sections[0]))
                return NULL;
        *ret_family = sections[i].family;
        *ret_renamed = sections[i].add == tw_config_add_renamed_key;
        return sections[i].name;
}

int tw_config_handler(void *user, const char *section, const char *name, const char *value)
{
        struct tw_config_parser *p = user;
        const char *near;
        char buf[256];

        if (p->nomem)
                return 1;
        if (!*section) {
                tw_config_error(p, NULL, name, "key outside of any section");
                return 1;
        }
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
                if (matches(&sections[i], section)) {
                        sections[i].add(p, section, name, value);
                        return 1;
                }
        near = near_section(section, buf, sizeof(buf));
        tw_config_error(p, section, NULL,
                        "unknown section%s%s%s (expected astro, agent, policy, trail, audit_logs, "
                        "suppress, owners, web, web.basic_auth_users, deliver, rotation, "
                        "astro.NAME, webhook.NAME or deliver.NAME)",
                        near ? ", did you mean [" : "", near ? near : "", near ? "]?" : "");
        return 1;
}
