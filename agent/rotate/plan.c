/* `rotate --dry-run`: what a renewal would do, read and said, nothing
 * written; and the token a command line names. */
#include "agent/rotate/rotate_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/astro/manage.h"
#include "core/config/config.h"
#include "core/config/values.h"
#include "core/inventory.h"
#include "core/rotation/rotation.h"
#include "lib/timeutil.h"

static void roles_line(struct tw_buf *out, const struct tw_token *t)
{
        for (size_t i = 0; i < t->n_roles; i++)
                tw_buf_printf(out, "%s%s:%s=%s", i ? ", " : "", t->roles[i].entity_type,
                              t->roles[i].entity_id ? t->roles[i].entity_id : "", t->roles[i].role);
        tw_buf_adds(out, "\n");
}

static void token_section(struct rotate_run *x, const struct tw_token *t, struct tw_buf *out)
{
        char a[TW_RFC3339_LEN], b[TW_RFC3339_LEN], sec[80];
        int64_t now = tw_now(), renew_at = tw_rotation_renew_at(t, &x->cfg->rotation.before, now);

        tw_buf_printf(out, "Token\n  id            %s\n  name          %s\n", t->id, t->name);
        tw_buf_printf(out, "  organization  %s ([%s])\n  scope         %s\n  roles         ",
                      x->organization_id, tw_astro_section(x->astro, sec, sizeof(sec)), t->scope);
        roles_line(out, t);
        if (t->end_at == TW_NO_TIME) {
                tw_buf_adds(out, "  expires       never\n");
        } else {
                tw_buf_printf(out, "  expires       %s (in %.1f days; expiryPeriodInDays %d)\n",
                              tw_time_format(t->end_at, a), (double)(t->end_at - now) / 86400,
                              t->expiry_period_days);
                tw_buf_printf(out, "  renewal due   %s (%s)\n", tw_time_format(renew_at, b),
                              now >= renew_at ? "due now"
                                              : "not yet due: a manual run renews it "
                                                "anyway");
        }
}

static void strategy_section(struct rotate_run *x, const struct tw_renewal *r, struct tw_buf *out)
{
        tw_buf_printf(out, "Strategy        %s", tw_rotation_strategy_to_string(x->strategy));
        if (x->strategy == TW_ROTATION_REPLACE)
                tw_buf_printf(out,
                              ": a twin is created, every copy updated and verified, then the "
                              "old token is deleted %llds after every copy holds the new value "
                              "(retire_after), once the audit logs show it unused\n",
                              (long long)r->retire_after);
        else
                tw_buf_adds(out,
                            ": Astro rotates the token in place; its current value stops "
                            "working at once, so pipelines fail until their copy is written\n");
        if (r->expiry_days > 0)
                tw_buf_printf(out, "New value       expires %d days after it is issued\n",
                              r->expiry_days);
        else
                tw_buf_adds(out,
                            "New value       never expires (the token has no expiry period)\n");
}

/* The managing credential and whether its roles let it manage the token. */
static void credential_section(struct rotate_run *x, const struct tw_token *t, struct tw_buf *out)
{
        struct tw_token me = {0};
        struct tw_buf why;
        const char *verdict = NULL, *held = NULL;

        tw_buf_printf(out, "Managing credential\n  source        %s\n  token         %s\n",
                      x->credential_source, x->issuer_id ? x->issuer_id : "(no apiTokenId)");
        tw_buf_init(&why, 2048);
        if (!x->issuer_id || tw_astro_token_get(x->m, x->issuer_id, &me, &why) < 0) {
                tw_buf_printf(out, "  permission    unknown (%s); it needs %s\n",
                              why.ptr ? why.ptr : "the credential names no token",
                              tw_astro_role_to_manage(t->scope));
                tw_buf_done(&why);
                return;
        }
        for (size_t i = 0; i < me.n_roles && !held; i++) {
                const struct tw_role *ro = &me.roles[i];

                if (strcmp(ro->role, "ORGANIZATION_OWNER") == 0)
                        held = "ORGANIZATION_OWNER", verdict = "may manage this token";
                else if (strcmp(ro->role, "WORKSPACE_OWNER") == 0 && t->n_roles &&
                         strcmp(t->scope, "ORGANIZATION") != 0)
                        held = "WORKSPACE_OWNER", verdict = "may manage the tokens of workspace";
        }
        if (held && strcmp(held, "WORKSPACE_OWNER") == 0)
                tw_buf_printf(out, "  permission    %s (%s): %s %s only\n", held, me.name, verdict,
                              me.roles[0].entity_id);
        else if (held)
                tw_buf_printf(out, "  permission    %s (%s): %s\n", held, me.name, verdict);
        else
                tw_buf_printf(out, "  permission    NOT ENOUGH (%s): it needs %s\n", me.name,
                              tw_astro_role_to_manage(t->scope));
        tw_token_done(&me);
        tw_buf_done(&why);
}

static void astro_calls(struct rotate_run *x, const struct tw_renewal *r, struct tw_buf *out)
{
        char *base = tw_astro_api_base(x->astro, "tokens"),
             *orgs = tw_astro_api_base(x->astro, "workspaces");
        cJSON *body = cJSON_CreateObject();
        char *text = NULL;

        if (body && cJSON_AddStringToObject(body, "name", r->old.name) &&
            cJSON_AddStringToObject(body, "description", r->old.description) &&
            cJSON_AddStringToObject(body, "role", r->old.role) &&
            cJSON_AddStringToObject(body, "scope", r->old.scope) &&
            (!r->old.entity_id || cJSON_AddStringToObject(body, "entityId", r->old.entity_id)) &&
            (r->expiry_days <= 0 ||
             cJSON_AddNumberToObject(body, "tokenExpiryPeriodInDays", r->expiry_days)))
                text = cJSON_PrintUnformatted(body);
        tw_buf_adds(out, "Astro calls\n");
        if (x->strategy == TW_ROTATION_ROTATE)
                tw_buf_printf(out, "  POST %s/organizations/%s/tokens/%s/rotate\n", base,
                              x->organization_id, r->old.id);
        else
                tw_buf_printf(out, "  POST %s/organizations/%s/tokens %s\n", base,
                              x->organization_id, text ? text : "");
        if (x->strategy == TW_ROTATION_REPLACE && r->old.n_extra_roles)
                tw_buf_printf(out,
                              "  POST %s/organizations/%s/tokens/<new id>/roles (its %zu "
                              "other roles, as the old token has them)\n",
                              base, x->organization_id, r->old.n_extra_roles);
        tw_buf_printf(out, "  GET  %s/organizations (with the new value: it must authenticate)\n",
                      orgs);
        if (x->strategy == TW_ROTATION_REPLACE)
                tw_buf_printf(out,
                              "  DELETE %s/organizations/%s/tokens/%s (the old token, after "
                              "retire_after)\n",
                              base, x->organization_id, r->old.id);
        free(text);
        cJSON_Delete(body);
        free(base);
        free(orgs);
}

/* One copy: where, its state now, whether a renewal may write it, the calls. */
static int copy_section(struct rotate_run *x, const struct tw_renewal *r,
                        const struct tw_copy_config *c, struct tw_buf *out)
{
        const struct tw_deliver_ops *ops = tw_deliver_ops_find(c->type);
        struct tw_deliver_target t;
        struct tw_deliver_state st;
        char when[TW_RFC3339_LEN];
        struct tw_buf why;
        int rr = rotate_target(c, &t, &x->err);

        tw_buf_printf(out, "  [deliver.%s] %s\n", c->name, c->type);
        if (rr < 0 || !ops) {
                tw_buf_printf(out, "    error     %s\n", x->err.ptr ? x->err.ptr : "bad target");
                return rr < 0 ? rr : -EINVAL;
        }
        tw_buf_reset(&x->err);
        rr = rotate_check(x, &t, &st);
        if (rr < 0)
                tw_buf_printf(out, "    state     cannot be checked: %s\n", x->err.ptr);
        else if (strcmp(c->type, "exec") == 0)
                tw_buf_adds(out, "    state     cannot be checked (a program)\n");
        else if (!st.exists)
                tw_buf_adds(out, "    state     missing: the renewal creates it\n");
        else
                tw_buf_printf(out, "    state     exists; updated %s; version %s%s%s%s\n",
                              st.updated_at != TW_NO_TIME ? tw_time_format(st.updated_at, when)
                                                          : "unknown",
                              st.version[0] ? st.version : "-",
                              st.holds_jwt ? "; holds token " : "",
                              st.holds_jwt ? st.api_token_id : "",
                              st.readable && !st.holds_jwt ? "; holds no Astro token" : "");
        tw_buf_init(&why, 1024);
        if (rr == 0 && rotate_may_write(r, c->type, &st, &why))
                tw_buf_adds(out, "    verdict   may be written\n");
        else if (rr == 0)
                tw_buf_printf(out, "    verdict   %s: %s\n",
                              c->adopt ? "taken over (adopt = true)" : "REFUSED (adopt = false)",
                              why.ptr);
        tw_buf_done(&why);
        tw_buf_adds(out, "    calls\n");
        {
                struct tw_buf calls;
                const char *p;

                tw_buf_init(&calls, 8192);
                ops->plan(&t, &calls);
                for (p = calls.ptr; p && *p;) {
                        size_t n = strcspn(p, "\n");

                        tw_buf_printf(out, "      %.*s\n", (int)n, p);
                        p += n + (p[n] == '\n');
                }
                tw_buf_done(&calls);
        }
        tw_deliver_target_done(&t);
        return 0;
}

int tw_rotate_plan(const struct tw_rotate_options *o, size_t org, const char *token_id,
                   struct tw_buf *out)
{
        const struct tw_copy_config **copies = NULL;
        struct tw_token t = {0};
        struct rotate_run x;
        size_t n = 0;
        int r;

        if (org >= tw_config_org_count(o->cfg) || !tw_is_valid_id(token_id))
                return -EINVAL;
        r = rotate_open(&x, o, org);
        if (r == 0)
                r = tw_astro_token_get(x.m, token_id, &t, &x.err);
        if (r == 0)
                r = rotate_copies_of(&x, &t, &copies, &n);
        if (r == 0) {
                x.r.retire_after = o->cfg->rotation.retire_after;
                x.r.expiry_days = o->cfg->rotation.expiry_days ? o->cfg->rotation.expiry_days
                                                               : t.expiry_period_days;
                r = tw_renewal_set_token(&x.r, &t, tw_now());
                if (r == -EINVAL)
                        tw_buf_printf(&x.err, "the token has no role of its own scope");
        }
        if (r < 0) {
                tw_buf_printf(out, "cannot plan the renewal: %s\n",
                              x.err.ptr ? x.err.ptr : strerror(-r));
                goto out;
        }
        tw_buf_printf(out, "Renewal plan for %s (dry run: nothing is written anywhere)\n\n", t.id);
        token_section(&x, &t, out);
        strategy_section(&x, &x.r, out);
        credential_section(&x, &t, out);
        astro_calls(&x, &x.r, out);
        tw_buf_printf(out, "Copies (%zu)\n", n);
        if (n == 0)
                tw_buf_adds(out, "  none: no [deliver.NAME] names this token, so it would not "
                                 "be renewed\n");
        for (size_t i = 0; i < n; i++)
                copy_section(&x, &x.r, copies[i], out);
        tw_buf_printf(out,
                      "Journal         %s/" TW_RENEWAL_FILE_PREFIX "%s.json, written before "
                      "each step and removed at the end\n",
                      x.state_dir, t.id);
out:
        free(copies);
        tw_token_done(&t);
        rotate_close(&x);
        return r;
}

#define FIND_MAX 8

struct find {
        const char *want;
        char ids[FIND_MAX][64];
        size_t n;
};

static int find_named(void *userdata, const struct tw_token *t)
{
        struct find *f = userdata;

        if (strcmp(t->name, f->want) == 0 && f->n++ < FIND_MAX)
                snprintf(f->ids[f->n - 1], sizeof(f->ids[0]), "%s", t->id);
        return 0;
}

/* Of several tokens sharing the name, the one whose renewal is in progress
 * (its journal in state_dir): a replacement's twin bears the old token's
 * name until the old one is deleted.  -1: none, or more than one. */
static int in_progress(const char *state_dir, const struct find *f)
{
        int found = -1;

        for (size_t i = 0; i < f->n && i < FIND_MAX; i++) {
                char path[4096];

                snprintf(path, sizeof(path), "%s/" TW_RENEWAL_FILE_PREFIX "%s.json", state_dir,
                         f->ids[i]);
                if (access(path, F_OK) == 0) {
                        if (found >= 0)
                                return -1;
                        found = (int)i;
                }
        }
        return found;
}

int tw_rotate_find(const struct tw_config *cfg, size_t org, const char *token, char ret_id[64],
                   struct tw_buf *err)
{
        const struct tw_rotate_options o = {.cfg = cfg};
        struct find f = {.want = token};
        struct tw_token t = {0};
        int k = 0;
        struct rotate_run x;
        int r = rotate_open(&x, &o, org);

        /* An id first; anything else (a 404, a name that looks like an id) is
         * looked for by name in the listing, which says the real error. */
        if (r == 0 && tw_is_valid_id(token) && tw_astro_token_get(x.m, token, &t, &x.err) == 0) {
                snprintf(ret_id, 64, "%s", t.id);
                goto out;
        }
        tw_buf_reset(&x.err);
        if (r == 0)
                r = tw_astro_token_list(x.m, NULL, NULL, find_named, &f, NULL, &x.err);
        if (r == 0 && f.n == 0)
                r = -ENOENT;
        else if (r == 0 && f.n > 1 && (k = in_progress(x.state_dir, &f)) < 0)
                r = -ENOTUNIQ;
        if (r == 0)
                snprintf(ret_id, 64, "%s", f.ids[k]);
        else if (r == -ENOENT)
                tw_buf_printf(err, "no token has the id or the name %s", token);
        else if (r == -ENOTUNIQ)
                tw_buf_printf(err, "%zu tokens are named %s: give the id", f.n, token);
        else
                tw_buf_adds(err, x.err.ptr ? x.err.ptr : strerror(-r));
out:
        tw_token_done(&t);
        rotate_close(&x);
        return r;
}
