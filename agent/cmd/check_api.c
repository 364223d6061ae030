/* check-config --online: one organization's Astro API.  Two cheap GETs: the
 * organization itself (reachable, its id and name) and the credential's own
 * token (its roles, hence what tokenwatch may do with it). */
#include "agent/cmd/check_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/astro.h"
#include "collectors/astro/parse.h"
#include "core/config/config.h"
#include "core/config/values.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "lib/http/http.h"
#include "lib/timeutil.h"

#define NAME_MAX_BYTES 200

/* One GET's outcome, kept past its callback. */
struct probe {
        bool done;
        struct tw_http_result res; /* error_text and body point into this struct */
        char text[256];
        char *body;
};

static void on_done(void *userdata, const struct tw_http_result *res)
{
        struct probe *p = userdata;

        p->done = true;
        p->res = *res;
        p->res.error_text = NULL;
        if (res->error_text) {
                snprintf(p->text, sizeof(p->text), "%s", res->error_text);
                p->res.error_text = p->text;
        }
        p->body = res->body_len ? strndup(res->body, res->body_len) : NULL;
        p->res.body = p->body ? p->body : "";
        p->res.body_len = p->body ? strlen(p->body) : 0;
}

/* Appends the problem a failed GET of the organization means; true if it
 * failed. */
static bool org_failed(struct tw_check *c, const struct tw_astro_config *a, const char *sec,
                       const char *org, const struct probe *p)
{
        struct tw_buf msg;

        if (p->res.verdict == TW_HTTP_DONE && p->res.status == 200)
                return false;
        tw_buf_init(&msg, 4096);
        if (!p->done) {
                tw_buf_adds(&msg, "the request was not made");
        } else if (tw_http_unreachable(&p->res)) {
                tw_astro_describe_unreachable(a, &p->res, &msg);
        } else if (p->res.error) {
                tw_buf_printf(&msg, "[%s] api_url: %s (after %d attempt%s)%s%s", sec,
                              p->res.error_text ? p->res.error_text : strerror(-p->res.error),
                              p->res.attempts, p->res.attempts == 1 ? "" : "s",
                              p->res.hint ? ": " : "", p->res.hint ? p->res.hint : "");
        } else if (p->res.status == 401) {
                tw_astro_describe_refusal(a, &p->res, &msg);
        } else {
                if (p->res.status == 403)
                        tw_buf_printf(&msg,
                                      "[%s] organization_id: the credential may not read "
                                      "organization %s (HTTP 403",
                                      sec, org);
                else
                        tw_buf_printf(&msg, "[%s] api_url: HTTP %ld for organization %s (", sec,
                                      p->res.status, org);
                if (p->res.body_len) {
                        tw_buf_adds(&msg, p->res.status == 403 ? ": " : "");
                        tw_astro_describe_error(p->res.body, p->res.body_len, &msg);
                }
                tw_buf_adds(&msg, p->res.status == 403
                                          ? "): it belongs to another organization, or "
                                            "organization_id is wrong"
                                          : "): is api_url the Astro API, and api_version "
                                            "right?");
        }
        tw_check_problem(c, p->res.status == 401 ? a->token_file_line : a->api_url_line, NULL, NULL,
                         "%s", msg.ptr ? msg.ptr : "");
        tw_buf_done(&msg);
        return true;
}

/* Notes the organization's id and name from its object. */
static void note_org(struct tw_check *c, const struct tw_astro_config *a, const char *sec,
                     const struct probe *p)
{
        cJSON *o = cJSON_ParseWithLength(p->res.body, p->res.body_len);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        struct tw_buf b;

        tw_buf_init(&b, 4096);
        tw_buf_printf(&b, "[%s] %s: reachable; organization ", sec, a->api_url);
        tw_astro_add_clean(&b, cJSON_IsString(id) ? id->valuestring : "(no id)", NAME_MAX_BYTES);
        if (cJSON_IsString(name)) {
                tw_buf_adds(&b, " \"");
                tw_astro_add_clean(&b, name->valuestring, NAME_MAX_BYTES);
                tw_buf_adds(&b, "\"");
        }
        tw_check_note(c, "%s", b.ptr ? b.ptr : "");
        tw_buf_done(&b);
        cJSON_Delete(o);
}

/* Notes (or, for [audit] enabled = on, flags) what the credential's role
 * allows, from its own token object. */
static void check_role(struct tw_check *c, const struct tw_config *cfg, const char *sec,
                       const struct probe *p)
{
        cJSON *o = NULL;
        struct tw_token t = {0};
        struct tw_buf b, err;
        bool owner = false;

        tw_buf_init(&b, 4096);
        tw_buf_init(&err, 1024);
        if (!p->done) {
                tw_check_note(c, "[%s] role: unknown: the credential names no token id", sec);
                goto out;
        }
        if (p->res.status != 200) {
                tw_check_note(c,
                              "[%s] role: unknown: the credential cannot read its own token "
                              "(HTTP %ld), as a Workspace or Deployment API token cannot",
                              sec, p->res.status);
                goto out;
        }
        o = cJSON_ParseWithLength(p->res.body, p->res.body_len);
        if (tw_astro_parse_token(o, &t, &err) < 0) {
                tw_check_note(c, "[%s] role: unknown: its token object does not parse (%s)", sec,
                              err.ptr ? err.ptr : "");
                goto out;
        }
        tw_buf_printf(&b, "[%s] role: ", sec);
        tw_check_describe_role(&t, &b, &owner);
        tw_check_note(c, "%s", b.ptr ? b.ptr : "");
        if (!owner && cfg->auditlog.enabled == TW_AUDITLOG_ON)
                tw_check_problem(c, 0, "audit_logs", "enabled",
                                 "on, but the audit logs need an Organization Owner credential "
                                 "and [%s]'s is not one: set enabled = auto (read them while "
                                 "permitted) or off",
                                 sec);
out:
        tw_token_done(&t);
        cJSON_Delete(o);
        tw_buf_done(&b);
        tw_buf_done(&err);
}

/* Queues a GET of base/organizations/ORG[/tokens/ID]; false on failure. */
static bool queue(struct tw_transport *t, const char *base, const char *org, const char *token_id,
                  struct probe *p)
{
        char url[4096];
        int n = token_id ? snprintf(url, sizeof(url), "%s/organizations/%s/tokens/%s", base, org,
                                    token_id)
                         : snprintf(url, sizeof(url), "%s/organizations/%s", base, org);

        if (n < 0 || (size_t)n >= sizeof(url))
                return false;
        return tw_transport_get(t, url, token_id ? "tokens" : "organization", on_done, p) == 0;
}

void tw_check_api_online(struct tw_check *c, const struct tw_config *cfg,
                         const struct tw_astro_config *a, const struct tw_credential_info *cred)
{
        struct probe org = {0}, own = {0};
        struct tw_transport *t = NULL;
        char sbuf[80];
        const char *sec = tw_astro_section(a, sbuf, sizeof(sbuf));
        char *platform = tw_astro_api_base(a, "workspaces"), *iam = tw_astro_api_base(a, "tokens");
        const char *token_id = cred->claims.api_token_id;

        t = tw_astro_transport_new_org(a, cred->token, NULL,
                                       tw_mono_ns() + c->timeout_ms * (int64_t)1000000);
        if (!t || !platform || !iam || !queue(t, platform, cred->organization_id, NULL, &org) ||
            (token_id && tw_is_valid_id(token_id) &&
             !queue(t, iam, cred->organization_id, token_id, &own))) {
                tw_check_problem(c, 0, sec, NULL, "cannot set up the HTTP client: %s",
                                 strerror(ENOMEM));
                goto out;
        }
        tw_transport_run(t);
        if (org.done && org.res.status == 403 && cred->claims.n_workspace_ids) {
                /* A Workspace API token may not read its organization (the
                 * listings fall back to its workspaces): answered is reachable. */
                tw_check_note(c,
                              "[%s] %s: reachable; the organization itself is not readable "
                              "with this Workspace API token (HTTP 403)",
                              sec, a->api_url);
        } else if (org_failed(c, a, sec, cred->organization_id, &org)) {
                goto out;
        } else {
                note_org(c, a, sec, &org);
        }
        c->n_orgs_reachable++;
        check_role(c, cfg, sec, &own);
out:
        tw_transport_free(t);
        free(platform);
        free(iam);
        free(org.body);
        free(own.body);
}
