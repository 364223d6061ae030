#ifndef TW_CORE_CREDENTIAL_H
#define TW_CORE_CREDENTIAL_H

/*
 * The agent's own Astro API credential: read from [astro] token_file or
 * $ASTRO_API_TOKEN, and its JWT payload decoded (no signature check: the keys
 * are not public) for exp, iat, apiTokenId and permissions.
 */

#include <stddef.h>
#include <stdint.h>

struct tw_buf;
struct tw_config;

struct tw_jwt_claims {
        int64_t exp;           /* TW_NO_TIME if absent */
        int64_t iat;           /* TW_NO_TIME if absent */
        char *api_token_id;    /* NULL if absent */
        char *organization_id; /* from "organizationId:<id>", NULL if none */
        char **workspace_ids;  /* from "workspaceId:<id>", valid ids only (tw_is_valid_id) */
        size_t n_workspace_ids;
        size_t n_permissions;
};

/* Decodes the payload of a JWT.  -EINVAL if token is not three base64url
 * parts, -EBADMSG if the payload is not a JSON object of the right shape. */
int tw_jwt_decode(const char *token, struct tw_jwt_claims *ret_claims);
void tw_jwt_claims_done(struct tw_jwt_claims *c);

struct tw_credential_info {
        char *token; /* the secret: wiped on done */
        struct tw_jwt_claims claims;
        char *organization_id; /* config's, else the JWT's */
};

/* Loads the credential the config names and resolves the organization id.
 * On failure appends a message to err (never the token) and returns
 * -ENOENT (no token), -EPERM (token file too open), -EINVAL (not an Astro
 * API token: not a JWT, or a JWT without permissions; or no organization
 * id), -EKEYEXPIRED (exp in the past, checked against now). */
int tw_credential_load(const struct tw_config *cfg, int64_t now, struct tw_credential_info *ret,
                       struct tw_buf *err);
/* The same for one organization ([astro] or [astro.NAME]); its token_env
 * names the environment variable (default ASTRO_API_TOKEN). */
struct tw_astro_config;
int tw_credential_load_org(const struct tw_astro_config *a, int64_t now,
                           struct tw_credential_info *ret, struct tw_buf *err);
void tw_credential_done(struct tw_credential_info *c);

/* Where an organization's credential comes from, for messages: "[astro]
 * token_file" (or "[astro.NAME] token_file"), or the environment variable's
 * name.  Written into buf (at least 128 bytes make it whole); returns buf. */
const char *tw_credential_source(const struct tw_astro_config *a, char *buf, size_t size);

#endif
