#ifndef TW_AGENT_CMD_CHECK_INTERNAL_H
#define TW_AGENT_CMD_CHECK_INTERNAL_H

/*
 * The parts of `tokenwatch check-config` (agent/cmd/check_config.c).  Each
 * check appends what it found to a struct tw_check: notes (what was checked
 * and found fine) and problems (each one makes check-config exit 2), one
 * line each, in the order found.  Problems read "FILE:LINE: [section] key:
 * what is wrong and what to do" (the LINE only when the key is in the file).
 *
 * Offline checks read files: the configuration, the credential and the
 * webhooks' secret files.  Online checks (tw_check_api_online(),
 * tw_check_webhooks_online()) call the Astro API and connect to each
 * webhook's host.  Nothing appended ever holds a secret: files are named,
 * never quoted, and webhook URLs are reduced to their host.
 *
 * Not thread-safe: one check per thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"

struct tw_astro_config;
struct tw_config;
struct tw_credential_info;
struct tw_token;

/* The user tokenwatch runs as when check-config runs as root: the systemd
 * unit's User=. */
#define TW_CHECK_SERVICE_USER "tokenwatch"

struct tw_check {
        const char *config_path;
        int64_t now;        /* for expiry */
        int64_t timeout_ms; /* online: the budget of one organization's or host's probe */
        uid_t owner_uid;    /* who reads the secret files: they must be its own... */
        gid_t owner_gid;    /* ...or root's and readable by its group (lib/secret.h) */
        char owner_name[64];
        /* root's groups while the check reads files as the reader */
        gid_t saved_groups[64];
        int n_saved_groups;
        gid_t saved_egid;
        bool as_reader;
        struct tw_buf notes;
        struct tw_buf problems;
        size_t n_problems;
        size_t n_orgs_reachable, n_hosts_reachable; /* online */
};

/* Starts a check of config_path at now.  The secret files' reader is the
 * user running the check, or TW_CHECK_SERVICE_USER when root runs it and
 * that user exists (set owner_uid, owner_gid and owner_name to check for
 * another). */
void tw_check_init(struct tw_check *c, const char *config_path, int64_t now);
void tw_check_done(struct tw_check *c);

void tw_check_note(struct tw_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A problem with the key of [section] set on line (0: not in the file, or
 * none; section and key may be NULL). */
void tw_check_problem(struct tw_check *c, int line, const char *section, const char *key,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Each line of lines (e.g. the config loader's "FILE:LINE: ..." errors) as
 * a problem of its own. */
void tw_check_problem_lines(struct tw_check *c, const char *lines);

/* A file holding a secret (what: "the Astro API token", "the webhook URL",
 * ...): it exists, is a regular file, and the user tokenwatch runs as may
 * read it while nobody else may (its own file, private; or root's, readable
 * by its group only: tw_secret_mode_is_private()).  true when tokenwatch
 * would accept its mode (a wrong owner alone does not stop the checks of
 * its content); problems appended. */
bool tw_check_secret_file(struct tw_check *c, int line, const char *section, const char *key,
                          const char *path, const char *what);

/* Reads files as tokenwatch would: when root checks for another user
 * (owner_uid), takes that user's effective ids and groups until
 * tw_check_as_root(), so a file or directory it may not read fails as it
 * would for the service.  Otherwise nothing changes.  0, or a negative
 * errno (the check then reads as root). */
int tw_check_as_reader(struct tw_check *c);
void tw_check_as_root(struct tw_check *c);

/* An organization's credential, offline: its source (tw_check_secret_file()
 * for a token_file), an Astro API token (a JWT with permissions), not
 * expired, its organization.  0 with *ret_cred (the caller frees it with
 * tw_credential_done()) when it can be used; -1 after appending why. */
int tw_check_credential(struct tw_check *c, const struct tw_astro_config *a,
                        struct tw_credential_info *ret_cred);

/* Online: one organization's API (the organization, and the credential's
 * own token for its role). */
void tw_check_api_online(struct tw_check *c, const struct tw_config *cfg,
                         const struct tw_astro_config *a, const struct tw_credential_info *cred);

/* What a credential whose own token is t may do for tokenwatch, appended
 * to out as one sentence; *ret_owner tells whether it is an Organization
 * Owner (the audit logs need one).  Pure. */
void tw_check_describe_role(const struct tw_token *t, struct tw_buf *out, bool *ret_owner);

/* Every [webhook.NAME]: its format's keys (the exporters' check) and its
 * secret files, offline; with online, also each URL's host (resolves,
 * accepts a connection and, for https, a verified TLS handshake). */
void tw_check_webhooks(struct tw_check *c, const struct tw_config *cfg, bool online);

/* Every [deliver.NAME]: the stores' checks of its keys and its
 * credential_file, offline; with online, one read of its store (nothing is
 * written), a refusal naming the permission the credential lacks.  Also
 * [rotation] token_file, offline. */
void tw_check_copies(struct tw_check *c, const struct tw_config *cfg, bool online);

#endif
