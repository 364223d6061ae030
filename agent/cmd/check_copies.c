/* check-config: every [deliver.NAME] (the stores' own checks of its keys,
 * its credential_file as the service would read it) and [rotation]
 * token_file; with --online, one read of each copy's store (its check():
 * nothing is written) saying, when the store refuses, which permission the
 * credential lacks. */
#include "agent/cmd/check_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/cmd/copies.h"
#include "core/config/config.h"
#include "core/copies.h"
#include "core/evaluate/evaluate.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* What a store's credential needs, by type, said on a 401 or 403. */
static const struct {
        const char *type, *needs;
} permissions[] = {
        {"github", "a fine-grained token or GitHub App needs \"Secrets: read\" on the repository "
                   "(\"Secrets: write\" to deliver; an environment secret also \"Environments: "
                   "read\"); a classic token needs the repo scope (admin:org for an organization "
                   "secret)"},
        {"gitlab", "the token needs the api scope and the Maintainer role on the project (Owner "
                   "on the group)"},
        {"vault", "the token's policy needs read on MOUNT/data/PATH and MOUNT/metadata/PATH "
                  "(create and update on MOUNT/data/PATH to deliver)"},
        {"kubernetes", "the service account (or token) needs a Role allowing get on this Secret "
                       "(update and patch to deliver), resourceNames limited to it"},
        {"file", "the file must be readable by the user tokenwatch runs as, and by nobody "
                 "else"},
};

static const char *needs(const char *type)
{
        for (size_t i = 0; i < sizeof(permissions) / sizeof(permissions[0]); i++)
                if (strcmp(permissions[i].type, type) == 0)
                        return permissions[i].needs;
        return NULL;
}

/* One copy read once: a note, or a problem naming what is missing. */
static void check_online(struct tw_check *c, const struct tw_copy_config *cc, const char *section)
{
        struct tw_copy_state st;
        struct tw_buf where;
        int64_t retry;
        bool refused;

        tw_copy_state_init(&st);
        tw_buf_init(&where, 4096);
        tw_copy_describe(cc, &where);
        tw_check_as_reader(c);
        tw_agent_check_copy(cc, c->now, NULL, &st, &retry);
        tw_check_as_root(c);
        /* what the credential lacks, unless the store's own message says */
        refused = (st.error == -EACCES || st.error == -EPERM) && needs(cc->type) &&
                  !strstr(st.message, " needs ");
        if (st.status == TW_COPY_STATE_FAILED)
                tw_check_problem(c, tw_copy_config_line(cc, "credential_file"), section,
                                 st.error == -EACCES || st.error == -EPERM ? "credential_file"
                                                                           : NULL,
                                 "%s: %s%s%s", where.ptr, st.message, refused ? "; " : "",
                                 refused ? needs(cc->type) : "");
        else if (st.status == TW_COPY_STATE_CHECKED && !st.exists)
                tw_check_note(c,
                              "[%s] %s: readable; it does not exist yet (missing_copy until it "
                              "is written)",
                              section, where.ptr);
        else if (st.status == TW_COPY_STATE_CHECKED) {
                tw_check_note(c, "[%s] %s: readable; it exists%s%s", section, where.ptr,
                              st.holds_jwt  ? ", holding token "
                              : st.readable ? ", read back"
                                            : "",
                              st.holds_jwt ? st.api_token_id : "");
        }
        tw_buf_done(&where);
}

void tw_check_copies(struct tw_check *c, const struct tw_config *cfg, bool online)
{
        struct tw_buf err;
        char section[128];

        tw_buf_init(&err, 1 << 20);
        if (tw_agent_copies_validate(cfg, &err) < 0)
                tw_check_problem_lines(c, err.ptr);
        tw_buf_done(&err);
        for (size_t i = 0; i < cfg->n_copies; i++) {
                const struct tw_copy_config *cc = &cfg->copies[i];
                const char *cred = tw_copy_config_get(cc, "credential_file");
                const struct tw_copy_type *t = tw_copy_type_find(cc->type);

                snprintf(section, sizeof(section), "deliver.%s", cc->name);
                if (cred &&
                    !tw_check_secret_file(c, tw_copy_config_line(cc, "credential_file"), section,
                                          "credential_file", cred, "the store credential"))
                        continue;
                if (online && t && t->checkable)
                        check_online(c, cc, section);
                else if (online)
                        tw_check_note(c, "[%s] a program's copy cannot be checked", section);
        }
        if (cfg->rotation.token_file)
                tw_check_secret_file(c, cfg->rotation.token_file_line, "rotation", "token_file",
                                     cfg->rotation.token_file,
                                     "the credential that manages tokens");
}
