/* A renewal pass's context: the managing credential, the Astro client, the
 * stores' client, and the copies of a token as the configuration names them. */
#include "agent/rotate/rotate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/manage.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

/* The managing credential: [rotation] token_file, else token_env, else the
 * organization's own.  *ret is wiped by the caller. */
static int load_credential(struct rotate_run *x, char **ret)
{
        const struct tw_rotation_config *rc = &x->cfg->rotation;
        struct tw_credential_info cred = {0};
        char sbuf[128];
        int r;

        if (rc->token_file) {
                snprintf(x->credential_source, sizeof(x->credential_source),
                         "[rotation] token_file %s", rc->token_file);
                return tw_secret_read_file(rc->token_file, ret, &x->err);
        }
        if (rc->token_env) {
                snprintf(x->credential_source, sizeof(x->credential_source),
                         "[rotation] token_env %s", rc->token_env);
                r = tw_secret_from_env(rc->token_env, ret);
                if (r < 0)
                        tw_buf_printf(&x->err, "the environment variable %s is not set",
                                      rc->token_env);
                return r;
        }
        snprintf(x->credential_source, sizeof(x->credential_source), "%s (the organization's own)",
                 tw_credential_source(x->astro, sbuf, sizeof(sbuf)));
        r = tw_credential_load_org(x->astro, tw_now(), &cred, &x->err);
        if (r == 0 && !(*ret = strdup(cred.token)))
                r = -ENOMEM;
        tw_credential_done(&cred);
        return r;
}

/* The organization id and the credential's own token id, from its JWT. */
static int read_claims(struct rotate_run *x, const char *bearer)
{
        struct tw_jwt_claims c = {0};
        const char *org = x->astro->organization_id;
        int r = tw_jwt_decode(bearer, &c);

        if (r < 0) {
                tw_buf_printf(&x->err, "the managing credential (%s) is not an Astro API token",
                              x->credential_source);
                return -EINVAL;
        }
        if (!org)
                org = c.organization_id;
        if (!org || strlen(org) >= sizeof(x->organization_id)) {
                tw_buf_adds(&x->err, "no organization id: set [astro] organization_id");
                r = -EINVAL;
        } else {
                snprintf(x->organization_id, sizeof(x->organization_id), "%s", org);
                if (c.api_token_id && !(x->issuer_id = strdup(c.api_token_id)))
                        r = -ENOMEM;
        }
        tw_jwt_claims_done(&c);
        return r;
}

int rotate_open(struct rotate_run *x, const struct tw_rotate_options *o, size_t org)
{
        const struct tw_deliver_options dopts = {.cancel = o->cancel,
                                                 .backoff_base_ms = o->backoff_base_ms,
                                                 .backoff_max_ms = o->backoff_max_ms};
        struct tw_astro_manage_options mo = {0};
        char *bearer = NULL;
        int r;

        memset(x, 0, sizeof(*x));
        tw_buf_init(&x->err, 16384);
        tw_renewal_init(&x->r);
        x->o = o;
        x->cfg = o->cfg;
        x->org = org;
        x->state_dir = o->state_dir ? o->state_dir : o->cfg->agent.state_dir;
        if (org >= tw_config_org_count(o->cfg))
                return -EINVAL;
        x->astro = tw_config_org(o->cfg, org);
        x->strategy = o->strategy ? *o->strategy : o->cfg->rotation.strategy;
        r = load_credential(x, &bearer);
        if (r == 0)
                r = read_claims(x, bearer);
        if (r < 0)
                goto out;
        mo = (struct tw_astro_manage_options){.astro = x->astro,
                                              .organization_id = x->organization_id,
                                              .bearer = bearer,
                                              .timeout_ms = x->astro->request_timeout * 1000,
                                              .max_retries = x->astro->max_retries,
                                              .backoff_base_ms = o->backoff_base_ms,
                                              .backoff_max_ms = o->backoff_max_ms,
                                              .cancel = o->cancel,
                                              .seed = (uint64_t)tw_mono_ns()};
        r = tw_astro_manage_new(&mo, &x->m);
        if (r == 0)
                r = tw_deliver_ctx_new(&dopts, &x->dctx);
out:
        tw_secret_free(bearer);
        return r;
}

void rotate_close(struct rotate_run *x)
{
        tw_astro_manage_free(x->m);
        tw_deliver_ctx_free(x->dctx);
        free(x->issuer_id);
        tw_renewal_done(&x->r);
        tw_buf_done(&x->err);
        x->m = NULL;
        x->dctx = NULL;
        x->issuer_id = NULL;
}

int rotate_copies_of(const struct rotate_run *x, const struct tw_token *t,
                     const struct tw_copy_config ***ret, size_t *ret_n)
{
        const struct tw_copy_config **v = calloc(x->cfg->n_copies + 1, sizeof(*v));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < x->cfg->n_copies; i++) {
                const struct tw_copy_config *c = &x->cfg->copies[i];

                if (c->org == x->org && c->token &&
                    (strcmp(c->token, t->id) == 0 || (t->name && strcmp(c->token, t->name) == 0)))
                        v[n++] = c;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

const struct tw_copy_config *rotate_copy_named(const struct rotate_run *x, const char *name)
{
        for (size_t i = 0; i < x->cfg->n_copies; i++)
                if (strcmp(x->cfg->copies[i].name, name) == 0 && x->cfg->copies[i].org == x->org)
                        return &x->cfg->copies[i];
        return NULL;
}

int rotate_target(const struct tw_copy_config *c, struct tw_deliver_target *ret, struct tw_buf *err)
{
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        if (!(ret->name = strdup(c->name)))
                return -ENOMEM;
        for (size_t i = 0; i < c->n_settings && r == 0; i++) {
                r = tw_deliver_target_set(ret, c->settings[i].key, c->settings[i].value);
                if (r < 0 && r != -ENOMEM)
                        tw_buf_printf(err, "[deliver.%s] %s: not a key of the store", c->name,
                                      c->settings[i].key);
        }
        if (r == 0)
                r = tw_deliver_target_validate(ret, err);
        if (r < 0)
                tw_deliver_target_done(ret);
        return r;
}

int rotate_check(struct rotate_run *x, const struct tw_deliver_target *t,
                 struct tw_deliver_state *ret)
{
        const struct tw_deliver_ops *ops = tw_deliver_ops_find(t->type);
        struct tw_buf why;
        int r;

        tw_deliver_state_init(ret);
        if (!ops)
                return -EINVAL;
        tw_buf_init(&why, 4096);
        r = ops->check(x->dctx, t, ret, &why);
        if (r == -EOPNOTSUPP) {
                tw_deliver_state_init(ret);
                r = 0;
        } else if (r < 0) {
                tw_buf_adds(&x->err, why.ptr ? why.ptr : "the check failed");
        }
        tw_buf_done(&why);
        return r;
}

int tw_rotate_check_credential(const struct tw_config *cfg, size_t org, struct tw_buf *out)
{
        static const char needs[] = "it needs ORGANIZATION_OWNER (or WORKSPACE_OWNER for the "
                                    "tokens of one workspace)";
        const struct tw_rotate_options o = {.cfg = cfg};
        const struct tw_role *owner = NULL, *ws = NULL;
        struct tw_token me = {0};
        struct rotate_run x;
        int r = rotate_open(&x, &o, org);

        if (r < 0) {
                tw_buf_adds(out, x.err.len ? x.err.ptr : strerror(-r));
        } else if (!x.issuer_id) {
                tw_buf_printf(out,
                              "%s names no token (no apiTokenId): its permission is unknown; %s",
                              x.credential_source, needs);
                r = -EINVAL;
        } else if ((r = tw_astro_token_get(x.m, x.issuer_id, &me, &x.err)) < 0) {
                tw_buf_printf(out, "%s cannot read its own token %s (%s): %s", x.credential_source,
                              x.issuer_id, x.err.ptr ? x.err.ptr : strerror(-r), needs);
        }
        for (size_t i = 0; r == 0 && i < me.n_roles; i++) {
                if (strcmp(me.roles[i].role, "ORGANIZATION_OWNER") == 0)
                        owner = &me.roles[i];
                else if (strcmp(me.roles[i].role, "WORKSPACE_OWNER") == 0)
                        ws = &me.roles[i];
        }
        if (r == 0 && owner) {
                tw_buf_printf(out, "%s: ORGANIZATION_OWNER (%s): may manage every token",
                              x.credential_source, me.name ? me.name : x.issuer_id);
        } else if (r == 0 && ws) {
                tw_buf_printf(out,
                              "%s: WORKSPACE_OWNER (%s): may manage the tokens of workspace %s "
                              "only",
                              x.credential_source, me.name ? me.name : x.issuer_id,
                              ws->entity_id ? ws->entity_id : "?");
        } else if (r == 0) {
                tw_buf_printf(out, "%s (%s) may not manage tokens: %s", x.credential_source,
                              me.name ? me.name : x.issuer_id, needs);
                r = -EACCES;
        }
        tw_token_done(&me);
        rotate_close(&x);
        return r;
}
