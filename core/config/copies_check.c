/* The checks of every [deliver.NAME] once the file is read: its token, its
 * type and the keys the type takes and needs, its organization, and no two
 * sections naming one secret.  What only the store can judge (a GitHub
 * secret name's characters, a URL's reachability) is the agent's, with the
 * exporters' tw_deliver_target_validate(). */
#include "core/config/config_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/suggest.h"

#define TYPES "github, gitlab, vault, kubernetes, file or exec"

/* Keys that say how to reach a secret, not which secret it is. */
static const char *const not_location[] = {"credential_file", "ca_file", "timeout", "visibility",
                                           "selected_repository_ids"};

static void check_type(struct tw_config_parser *p, const struct tw_copy_config *c,
                       const char *section)
{
        const struct tw_copy_type *t;
        struct tw_suggest near;

        if (!c->type) {
                tw_config_error_at(p, c->line, section, "type", "missing (" TYPES ")");
                return;
        }
        if (tw_copy_type_find(c->type))
                return;
        tw_suggest_init(&near, c->type);
        for (size_t i = 0; (t = tw_copy_type_at(i)) != NULL; i++)
                tw_suggest_add(&near, t->type);
        tw_config_error_at(p, tw_copy_config_line(c, "type"), section, "type",
                           "unknown type %s%s%s%s (" TYPES ")", c->type,
                           tw_suggest_best(&near) ? ", did you mean " : "",
                           tw_suggest_best(&near) ? tw_suggest_best(&near) : "",
                           tw_suggest_best(&near) ? "?" : "");
}

/* Appends the keys type t takes, "a, b, c". */
static void list_keys(struct tw_buf *b, const struct tw_copy_type *t)
{
        for (const char *const *k = t->keys; *k; k++)
                tw_buf_printf(b, "%s%s", k == t->keys ? "" : ", ", *k);
}

/* Every store key is one the type takes. */
static void check_keys(struct tw_config_parser *p, const struct tw_copy_config *c,
                       const struct tw_copy_type *t, const char *section)
{
        struct tw_buf keys;

        tw_buf_init(&keys, 1024);
        list_keys(&keys, t);
        for (size_t i = 0; i < c->n_settings; i++) {
                const struct tw_copy_setting *s = &c->settings[i];

                if (strcmp(s->key, "type") != 0 && !tw_copy_type_takes(t, s->key))
                        tw_config_error_at(p, s->line, section, s->key,
                                           "not used by type %s (it takes %s)", t->type,
                                           keys.ptr ? keys.ptr : "");
        }
        tw_buf_done(&keys);
}

/* One required entry: a key, or "a|b" (exactly one of them). */
static void check_required(struct tw_config_parser *p, const struct tw_copy_config *c,
                           const struct tw_copy_type *t, const char *section, const char *req)
{
        const char *bar = strchr(req, '|');
        char a[64], b[64];

        if (!bar) {
                if (!tw_copy_config_get(c, req))
                        tw_config_error_at(p, c->line, section, req, "missing (type %s needs it)",
                                           t->type);
                return;
        }
        snprintf(a, sizeof(a), "%.*s", (int)(bar - req), req);
        snprintf(b, sizeof(b), "%s", bar + 1);
        if (!tw_copy_config_get(c, a) && !tw_copy_config_get(c, b))
                tw_config_error_at(p, c->line, section, a, "missing: type %s needs %s or %s",
                                   t->type, a, b);
        else if (tw_copy_config_get(c, a) && tw_copy_config_get(c, b))
                tw_config_error_at(p, tw_copy_config_line(c, b), section, b,
                                   "set only one of %s and %s", a, b);
}

/* c->org from c->astro: required with several organizations. */
static void resolve_org(struct tw_config_parser *p, struct tw_copy_config *c, const char *section)
{
        const struct tw_config *cfg = p->cfg;
        struct tw_suggest near;
        struct tw_buf names;

        c->org = 0;
        if (!c->astro) {
                if (cfg->n_orgs <= 1)
                        return;
                tw_buf_init(&names, 4096);
                for (size_t i = 0; i < cfg->n_orgs; i++)
                        tw_buf_printf(&names, "%s%s", i ? ", " : "", cfg->orgs[i].name);
                tw_config_error_at(p, c->line, section, "astro",
                                   "missing: several organizations are watched; say which one "
                                   "holds the token (%s)",
                                   names.ptr ? names.ptr : "");
                tw_buf_done(&names);
                return;
        }
        tw_suggest_init(&near, c->astro);
        for (size_t i = 0; i < cfg->n_orgs; i++) {
                if (strcmp(cfg->orgs[i].name, c->astro) == 0) {
                        c->org = i;
                        return;
                }
                tw_suggest_add(&near, cfg->orgs[i].name);
        }
        if (!cfg->n_orgs)
                tw_config_error_at(p, c->astro_line, section, "astro",
                                   "there is no [astro.%s]: with one [astro] section, leave astro "
                                   "out",
                                   c->astro);
        else
                tw_config_error_at(p, c->astro_line, section, "astro",
                                   "there is no [astro.%s]%s%s%s", c->astro,
                                   tw_suggest_best(&near) ? ", did you mean " : "",
                                   tw_suggest_best(&near) ? tw_suggest_best(&near) : "",
                                   tw_suggest_best(&near) ? "?" : "");
}

/* Whether a and b (of one known type) name the same secret. */
static bool same_secret(const struct tw_copy_config *a, const struct tw_copy_config *b)
{
        const struct tw_copy_type *t = tw_copy_type_find(a->type);

        if (!t || !b->type || strcmp(a->type, b->type) != 0)
                return false;
        for (const char *const *k = t->keys; *k; k++) {
                const char *va = tw_copy_config_get(a, *k), *vb = tw_copy_config_get(b, *k);
                bool skip = false;

                for (size_t i = 0; i < sizeof(not_location) / sizeof(not_location[0]); i++)
                        skip |= strcmp(*k, not_location[i]) == 0;
                if (!skip && (!va != !vb || (va && strcmp(va, vb) != 0)))
                        return false;
        }
        return true;
}

void tw_config_validate_copies(struct tw_config_parser *p)
{
        struct tw_config *cfg = p->cfg;
        char section[128];

        for (size_t i = 0; i < cfg->n_copies; i++) {
                struct tw_copy_config *c = &cfg->copies[i];
                const struct tw_copy_type *t = tw_copy_type_find(c->type);

                snprintf(section, sizeof(section), "deliver.%s", c->name);
                if (!c->token)
                        tw_config_error_at(p, c->line, section, "token",
                                           "missing: the Astro token this secret holds (its id "
                                           "or its exact name)");
                check_type(p, c, section);
                if (t) {
                        check_keys(p, c, t, section);
                        for (const char *const *r = t->required; *r; r++)
                                check_required(p, c, t, section, *r);
                }
                resolve_org(p, c, section);
                for (size_t j = 0; t && j < i; j++)
                        if (same_secret(&cfg->copies[j], c)) {
                                tw_config_error_at(p, c->line, section, NULL,
                                                   "names the same secret as [deliver.%s] (line "
                                                   "%d): one section per copy",
                                                   cfg->copies[j].name, cfg->copies[j].line);
                                break;
                        }
        }
}
