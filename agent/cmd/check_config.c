/* `tokenwatch check-config [--online]`: what the agent needs before it can
 * run, every problem listed; exit 0 or 2.  The checks are in check*.c. */
#include "agent/cmd/commands.h"

#include <stdio.h>
#include <string.h>

#include "agent/cmd/check_internal.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* The last line: what was checked, or how many problems there are. */
static void print_summary(const struct tw_check *c, const struct tw_config *cfg, bool online)
{
        size_t n_orgs = cfg ? tw_config_org_count(cfg) : 0, n_hooks = cfg ? cfg->n_webhooks : 0;
        size_t n_copies = cfg ? cfg->n_copies : 0;

        if (c->n_problems) {
                fprintf(stderr, "%zu problem%s: fix %s and run check-config again\n", c->n_problems,
                        c->n_problems == 1 ? "" : "s", c->n_problems == 1 ? "it" : "them");
                return;
        }
        if (!online) {
                printf("OK: checked the configuration, the credential of %zu organization%s "
                       "and the files of %zu webhook%s",
                       n_orgs, n_orgs == 1 ? "" : "s", n_hooks, n_hooks == 1 ? "" : "s");
                if (n_copies)
                        printf(" and of %zu cop%s", n_copies, n_copies == 1 ? "y" : "ies");
                printf(", offline (check-config --online also calls the Astro API and connects "
                       "to each webhook's host%s)\n",
                       n_copies ? ", and reads each copy's store" : "");
                return;
        }
        printf("OK: checked the configuration, the credential and API of %zu organization%s, "
               "and the files and hosts of %zu webhook%s",
               n_orgs, n_orgs == 1 ? "" : "s", n_hooks, n_hooks == 1 ? "" : "s");
        if (n_copies)
                printf(" and the stores of %zu cop%s", n_copies, n_copies == 1 ? "y" : "ies");
        printf(", online\n");
}

int tw_cmd_check_config(const char *config_path, bool online)
{
        struct tw_config *cfg = NULL;
        struct tw_check c;
        struct tw_buf err;
        int r;

        tw_check_init(&c, config_path, tw_now());
        tw_buf_init(&err, 1 << 20);
        r = tw_config_load_file(config_path, &cfg, &err);
        if (r < 0) {
                if (err.ptr)
                        tw_check_problem_lines(&c, err.ptr);
                else
                        tw_check_problem(&c, 0, NULL, NULL, "%s", strerror(-r));
                goto print;
        }
        fputs(cfg->warnings ? cfg->warnings : "", stderr); /* keys under old names */
        tw_check_note(&c, "%s: the configuration is valid (%zu suppression%s)", config_path,
                      cfg->n_suppressions, cfg->n_suppressions == 1 ? "" : "s");
        for (size_t i = 0; i < tw_config_org_count(cfg); i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);
                struct tw_credential_info cred = {0};

                if (tw_check_credential(&c, a, &cred) < 0)
                        continue;
                if (online)
                        tw_check_api_online(&c, cfg, a, &cred);
                tw_credential_done(&cred);
        }
        tw_check_webhooks(&c, cfg, online);
        tw_check_copies(&c, cfg, online);
print:
        fputs(c.notes.ptr ? c.notes.ptr : "", stdout);
        fflush(stdout);
        fputs(c.problems.ptr ? c.problems.ptr : "", stderr);
        print_summary(&c, cfg, online);
        r = c.n_problems ? TW_EXIT_CONFIG : TW_EXIT_OK;
        tw_check_done(&c);
        tw_buf_done(&err);
        tw_config_free(cfg);
        return r;
}
