/* [deliver.NAME]: one copy of one token in a secret store.  Keys are taken
 * one at a time (token, astro, adopt, and the store keys kept in file
 * order); the checks that need the whole section or the whole file (the
 * type's keys, the organization, two sections naming one secret) run once
 * the file is read. */
#include "core/config/config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/values.h"
#include "lib/suggest.h"
#include "lib/timeutil.h"

#define PREFIX "deliver."

/* The keys of the section that are not store keys. */
static const char *const own_keys[] = {"token", "astro", "adopt"};

const char *tw_copy_config_get(const struct tw_copy_config *c, const char *key)
{
        for (size_t i = 0; i < c->n_settings; i++)
                if (strcmp(c->settings[i].key, key) == 0)
                        return c->settings[i].value;
        return NULL;
}

int tw_copy_config_line(const struct tw_copy_config *c, const char *key)
{
        for (size_t i = 0; i < c->n_settings; i++)
                if (strcmp(c->settings[i].key, key) == 0)
                        return c->settings[i].line;
        if (strcmp(key, "token") == 0 && c->token_line)
                return c->token_line;
        if (strcmp(key, "astro") == 0 && c->astro_line)
                return c->astro_line;
        return c->line;
}

void tw_copy_config_done(struct tw_copy_config *c)
{
        for (size_t i = 0; i < c->n_settings; i++) {
                free(c->settings[i].key);
                free(c->settings[i].value);
        }
        free(c->settings);
        free(c->name);
        free(c->token);
        free(c->astro);
        free(c->type);
        memset(c, 0, sizeof(*c));
}

/* Whether key is a store key of some type ("type" included). */
static bool is_store_key(const char *key)
{
        const struct tw_copy_type *t;

        if (strcmp(key, "type") == 0)
                return true;
        for (size_t i = 0; (t = tw_copy_type_at(i)) != NULL; i++)
                if (tw_copy_type_takes(t, key))
                        return true;
        return false;
}

/* The section's copy, made on first sight; NULL on -ENOMEM. */
static struct tw_copy_config *copy_for(struct tw_config_parser *p, const char *name)
{
        struct tw_config *cfg = p->cfg;
        struct tw_copy_config *c;

        for (size_t i = 0; i < cfg->n_copies; i++)
                if (strcmp(cfg->copies[i].name, name) == 0)
                        return &cfg->copies[i];
        c = realloc(cfg->copies, (cfg->n_copies + 1) * sizeof(*c));
        if (!c)
                return NULL;
        cfg->copies = c;
        c = &cfg->copies[cfg->n_copies];
        memset(c, 0, sizeof(*c));
        c->line = p->lineno;
        c->name = strdup(name);
        if (!c->name)
                return NULL;
        cfg->n_copies++;
        return c;
}

/* The line key was first set on in c, or 0. */
static int seen_line(const struct tw_copy_config *c, const char *key)
{
        if (strcmp(key, "token") == 0)
                return c->token_line;
        if (strcmp(key, "astro") == 0)
                return c->astro_line;
        if (strcmp(key, "adopt") == 0)
                return c->adopt_line;
        for (size_t i = 0; i < c->n_settings; i++)
                if (strcmp(c->settings[i].key, key) == 0)
                        return c->settings[i].line;
        return 0;
}

/* Appends a store key (value already checked); false on -ENOMEM. */
static bool add_setting(struct tw_copy_config *c, const char *key, const char *value, int line)
{
        struct tw_copy_setting *s = realloc(c->settings, (c->n_settings + 1) * sizeof(*s));

        if (!s)
                return false;
        c->settings = s;
        s = &s[c->n_settings];
        s->key = strdup(key);
        s->value = strdup(value);
        s->line = line;
        if (!s->key || !s->value) {
                free(s->key);
                free(s->value);
                return false;
        }
        c->n_settings++;
        return true;
}

/* Checks a store key's value: 0 with *ret_value, the value to keep (api_url
 * without its trailing '/'; the caller frees it), or -EINVAL/-ERANGE with
 * *ret_why, or -ENOMEM. */
static int store_value(struct tw_copy_config *c, const char *key, const char *value,
                       char **ret_value, const char **ret_why)
{
        int64_t s;
        int r;

        *ret_value = NULL;
        if (!*value) {
                *ret_why = "must not be empty";
                return -EINVAL;
        }
        if (strcmp(key, "api_url") == 0)
                return tw_parse_url(value, ret_value, ret_why);
        if (strcmp(key, "timeout") == 0) {
                r = tw_parse_duration(value, 1, 86400, false, &s, ret_why);
                if (r == -ERANGE)
                        *ret_why = "out of range (1s to 86400s)";
                if (r < 0)
                        return r;
                c->timeout = s;
        }
        if (strcmp(key, "type") == 0) {
                free(c->type);
                c->type = strdup(value);
                if (!c->type)
                        return -ENOMEM;
        }
        *ret_value = strdup(value);
        return *ret_value ? 0 : -ENOMEM;
}

/* token, astro or adopt. */
static void own_key(struct tw_config_parser *p, struct tw_copy_config *c, const char *section,
                    const char *name, const char *value)
{
        const char *why = NULL;
        char **field = NULL;

        if (strcmp(name, "adopt") == 0) {
                c->adopt_line = p->lineno;
                if (tw_parse_bool(value, &c->adopt, &why) < 0)
                        tw_config_error(p, section, name, "%s", why);
                return;
        }
        if (strcmp(name, "token") == 0) {
                c->token_line = p->lineno;
                field = &c->token;
                if (!*value)
                        why = "must name the token: its id or its exact name";
        } else {
                c->astro_line = p->lineno;
                field = &c->astro;
                if (!tw_is_valid_id(value))
                        why = "expected the NAME of an [astro.NAME] section";
        }
        if (why) {
                tw_config_error(p, section, name, "%s", why);
                return;
        }
        free(*field);
        *field = strdup(value);
        if (!*field)
                p->nomem = true;
}

const char *tw_config_copy_key_at(size_t i)
{
        static const char *const first[] = {"token", "astro", "adopt", "type"};
        const struct tw_copy_type *t;
        size_t n = 0;

        if (i < sizeof(first) / sizeof(first[0]))
                return first[i];
        i -= sizeof(first) / sizeof(first[0]);
        for (size_t ti = 0; (t = tw_copy_type_at(ti)) != NULL; ti++)
                for (const char *const *k = t->keys; *k; k++) {
                        bool earlier = false;

                        for (size_t tj = 0; tj < ti; tj++)
                                earlier |= tw_copy_type_takes(tw_copy_type_at(tj), *k);
                        if (!earlier && n++ == i)
                                return *k;
                }
        return NULL;
}

/* The key of the section nearest to an unknown one, or NULL. */
static const char *near_key(const char *name)
{
        const struct tw_copy_type *t;
        struct tw_suggest near;

        tw_suggest_init(&near, name);
        for (size_t i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
                tw_suggest_add(&near, own_keys[i]);
        tw_suggest_add(&near, "type");
        for (size_t i = 0; (t = tw_copy_type_at(i)) != NULL; i++)
                for (const char *const *k = t->keys; *k; k++)
                        tw_suggest_add(&near, *k);
        return tw_suggest_best(&near);
}

void tw_config_add_copy_key(struct tw_config_parser *p, const char *section, const char *name,
                            const char *value)
{
        struct tw_copy_config *c = copy_for(p, section + strlen(PREFIX));
        const char *why = NULL;
        char *kept = NULL;
        int line, r;

        if (!c) {
                p->nomem = true;
                return;
        }
        if (!is_store_key(name) && strcmp(name, "token") != 0 && strcmp(name, "astro") != 0 &&
            strcmp(name, "adopt") != 0) {
                tw_config_unknown_key(p, section, name, near_key(name));
                return;
        }
        line = seen_line(c, name);
        if (line) {
                tw_config_error(p, section, name, "given twice (first on line %d)", line);
                return;
        }
        if (!is_store_key(name)) {
                own_key(p, c, section, name, value);
                return;
        }
        r = store_value(c, name, value, &kept, &why);
        if (r == -ENOMEM || (r == 0 && !add_setting(c, name, kept, p->lineno)))
                p->nomem = true;
        else if (r < 0)
                tw_config_error(p, section, name, "%s", why ? why : "invalid value");
        free(kept);
}
