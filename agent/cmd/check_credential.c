/* check-config: an organization's credential offline, and what its role
 * allows once the API has named it. */
#include "agent/cmd/check_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/config/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

#define DAY 86400
#define EXPIRES_SOON_DAYS 14

/* Appends the credential's expiry for a person. */
static void add_expiry(struct tw_buf *b, int64_t exp, int64_t now)
{
        char when[TW_RFC3339_LEN];
        int64_t days;

        if (exp == TW_NO_TIME) {
                tw_buf_adds(b, "never expires");
                return;
        }
        days = (exp - now) / DAY;
        tw_buf_printf(b, "expires %s (in %lld day%s)", tw_time_format(exp, when), (long long)days,
                      days == 1 ? "" : "s");
        if (days < EXPIRES_SOON_DAYS)
                tw_buf_adds(b, ": rotate it soon");
}

/* The note saying what the credential is (env: the variable it came from,
 * or NULL for a token_file). */
static void note_credential(struct tw_check *c, const char *sec, const char *env,
                            const struct tw_credential_info *cred)
{
        const struct tw_jwt_claims *cl = &cred->claims;
        struct tw_buf b;

        tw_buf_init(&b, 4096);
        if (env)
                tw_buf_printf(&b, "[%s] credential from %s: an Astro API token", sec, env);
        else
                tw_buf_printf(&b, "[%s] credential: an Astro API token", sec);
        if (cl->api_token_id)
                tw_buf_printf(&b, " (id %s)", cl->api_token_id);
        tw_buf_printf(&b, " of organization %s", cred->organization_id);
        for (size_t i = 0; i < cl->n_workspace_ids; i++)
                tw_buf_printf(&b, "%s%s", i ? ", " : ", workspace ", cl->workspace_ids[i]);
        tw_buf_adds(&b, "; ");
        add_expiry(&b, cl->exp, c->now);
        tw_check_note(c, "%s", b.ptr ? b.ptr : "");
        tw_buf_done(&b);
}

int tw_check_credential(struct tw_check *c, const struct tw_astro_config *a,
                        struct tw_credential_info *ret_cred)
{
        struct tw_credential_info cred = {0};
        char sbuf[80], source[128];
        const char *sec = tw_astro_section(a, sbuf, sizeof(sbuf));
        int line = a->token_file ? a->token_file_line : 0;
        struct tw_buf err;
        int r;

        tw_credential_source(a, source, sizeof(source));
        if (a->token_file &&
            !tw_check_secret_file(c, line, sec, "token_file", a->token_file, "the Astro API token"))
                return -1;
        tw_buf_init(&err, 4096);
        tw_check_as_reader(c);
        r = tw_credential_load_org(a, c->now, &cred, &err);
        tw_check_as_root(c);
        if (r < 0) {
                tw_check_problem(c, line, NULL, NULL, "%s", err.ptr ? err.ptr : "cannot load");
                tw_buf_done(&err);
                return -1;
        }
        tw_buf_done(&err);
        if (a->organization_id && cred.claims.organization_id &&
            strcmp(a->organization_id, cred.claims.organization_id) != 0) {
                tw_check_problem(c, 0, sec, "organization_id",
                                 "%s, but the credential in %s belongs to organization %s: one "
                                 "of them is wrong",
                                 a->organization_id, source, cred.claims.organization_id);
                tw_credential_done(&cred);
                return -1;
        }
        note_credential(c, sec, a->token_file ? NULL : source, &cred);
        *ret_cred = cred;
        return 0;
}

static const struct tw_role *role_of(const struct tw_token *t, const char *entity_type)
{
        for (size_t i = 0; i < t->n_roles; i++)
                if (t->roles[i].entity_type && t->roles[i].role &&
                    strcmp(t->roles[i].entity_type, entity_type) == 0)
                        return &t->roles[i];
        return NULL;
}

static bool is(const struct tw_role *r, const char *role)
{
        return r && strcmp(r->role, role) == 0;
}

void tw_check_describe_role(const struct tw_token *t, struct tw_buf *out, bool *ret_owner)
{
        const struct tw_role *org = role_of(t, "ORGANIZATION"), *ws = role_of(t, "WORKSPACE");
        const struct tw_role *dep = role_of(t, "DEPLOYMENT");
        const char *no_audit = "audit logs: no (they need an Organization Owner)";

        *ret_owner = is(org, "ORGANIZATION_OWNER");
        if (org) {
                tw_buf_printf(out,
                              "an Organization API token with role %s: lists every token of "
                              "the organization; ",
                              org->role);
                if (*ret_owner)
                        tw_buf_adds(out, "audit logs: yes; rotation: every token");
                else if (is(ws, "WORKSPACE_OWNER"))
                        tw_buf_printf(out, "%s; rotation: the tokens of workspace %s", no_audit,
                                      ws->entity_id);
                else
                        tw_buf_printf(out, "%s; rotation: no (it needs an Organization Owner)",
                                      no_audit);
        } else if (ws) {
                tw_buf_printf(out,
                              "a Workspace API token with role %s in workspace %s: lists that "
                              "workspace's tokens only (an Organization API token lists the whole "
                              "organization); %s; rotation: %s",
                              ws->role, ws->entity_id, no_audit,
                              is(ws, "WORKSPACE_OWNER") ? "that workspace's tokens"
                                                        : "no (it needs a Workspace Owner)");
        } else if (dep) {
                tw_buf_printf(out,
                              "a Deployment API token with role %s: lists that deployment's "
                              "tokens only; %s; rotation: no (it needs a Workspace Owner)",
                              dep->role, no_audit);
        } else {
                tw_buf_printf(out,
                              "a %s API token with no role tokenwatch knows: what it may "
                              "list is unknown; %s",
                              t->scope ? t->scope : "", no_audit);
        }
}
