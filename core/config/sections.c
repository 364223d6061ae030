/* The free-form config sections, whose keys are names rather than rows of
 * the key table: [suppress] and [web.basic_auth_users]. */
#include "core/config/config_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/config/values.h"
#include "lib/timeutil.h"
#include "lib/bcrypt.h"

/* [suppress] <token_id>[.<kind>] = <YYYY-MM-DD> <reason> */
void tw_config_add_suppression(struct tw_config_parser *p, const char *section, const char *name,
                               const char *value)
{
        struct tw_config *cfg = p->cfg;
        struct tw_suppression s = {0}, *tmp;
        const char *dot = strchr(name, '.'), *why = NULL;
        char date[16];
        size_t dlen = strcspn(value, " \t");

        (void)section;
        s.all_kinds = true;
        s.line = p->lineno;
        s.token_id = dot ? strndup(name, (size_t)(dot - name)) : strdup(name);
        if (!s.token_id) {
                p->nomem = true;
                return;
        }
        if (!tw_is_valid_id(s.token_id)) {
                tw_config_error(p, "suppress", name, "expected <token_id> or <token_id>.<kind>");
                goto fail;
        }
        if (dot) {
                s.all_kinds = false;
                if (tw_finding_kind_from_string(dot + 1, &s.kind) < 0) {
                        char kinds[200];

                        tw_finding_kind_list(kinds, sizeof(kinds));
                        tw_config_error(p, "suppress", name, "unknown finding kind '%s' (%s)",
                                        dot + 1, kinds);
                        goto fail;
                }
        }
        if (dlen < sizeof(date)) {
                memcpy(date, value, dlen);
                date[dlen] = '\0'; /* strncpy would leave it unterminated */
        }
        if (dlen >= sizeof(date) || tw_parse_date(date, &s.until, &why) < 0) {
                tw_config_error(p, "suppress", name,
                                "expected '<YYYY-MM-DD> <reason>', e.g. '2027-03-31 reviewed "
                                "in SEC-123'");
                goto fail;
        }
        s.until += 86400; /* through the end of the day given */
        value += dlen;
        value += strspn(value, " \t");
        if (!*value) {
                tw_config_error(p, "suppress", name,
                                "a reason is required after the date (who accepted the risk, why)");
                goto fail;
        }
        s.reason = strdup(value);
        tmp = realloc(cfg->suppressions, (cfg->n_suppressions + 1) * sizeof(*tmp));
        if (!s.reason || !tmp) {
                if (tmp)
                        cfg->suppressions = tmp;
                p->nomem = true;
                goto fail;
        }
        cfg->suppressions = tmp;
        cfg->suppressions[cfg->n_suppressions++] = s;
        return;
fail:
        free(s.token_id);
        free(s.reason);
}

/* [web.basic_auth_users] name = bcrypt hash ($2y$, $2b$ or $2a$) */
void tw_config_add_web_user(struct tw_config_parser *p, const char *section, const char *name,
                            const char *value)
{
        struct tw_config *cfg = p->cfg;
        const char *why = tw_bcrypt_hash_problem(value);
        struct tw_web_user *tmp;

        (void)section;
        if (why) {
                tw_config_error(p, "web.basic_auth_users", name, "%s", why);
                return;
        }
        for (size_t i = 0; i < cfg->web.n_users; i++)
                if (strcmp(cfg->web.users[i].name, name) == 0) {
                        tw_config_error(p, "web.basic_auth_users", name, "given twice");
                        return;
                }
        tmp = realloc(cfg->web.users, (cfg->web.n_users + 1) * sizeof(*tmp));
        if (!tmp) {
                p->nomem = true;
                return;
        }
        cfg->web.users = tmp;
        tmp[cfg->web.n_users].name = strdup(name);
        tmp[cfg->web.n_users].hash = strdup(value);
        if (!tmp[cfg->web.n_users].name || !tmp[cfg->web.n_users].hash) {
                free(tmp[cfg->web.n_users].name);
                free(tmp[cfg->web.n_users].hash);
                p->nomem = true;
                return;
        }
        cfg->web.n_users++;
}
