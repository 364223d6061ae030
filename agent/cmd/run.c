/*
 * `tokenwatch run`: wires the notifier (agent/daemon/notify_hook.h) into the
 * daemon loop (agent/daemon/daemon.c) and maps the outcome to an exit code.  Kept
 * apart from daemon.c, which is the loop itself and knows nothing of
 * notifications or exit codes: that is what lets the integration tests run
 * the loop with their own callbacks.
 */
#include "agent/cmd/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/daemon/daemon.h"
#include "agent/daemon/notify_hook.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/timeutil.h"

/* Whether every organization's credential can be used now.  A daemon
 * started without one would serve nothing but "no data yet" forever: that
 * is a configuration error to say at once.  A config that does not load
 * passes here: the daemon says why it does not. */
static bool credentials_usable(const char *config_path)
{
        struct tw_credential_info cred = {0};
        struct tw_config *cfg = NULL;
        struct tw_buf err;
        char sbuf[80];
        bool ok = true;

        tw_buf_init(&err, 4096);
        if (tw_config_load_file(config_path, &cfg, &err) < 0)
                goto out;
        tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
        for (size_t i = 0; i < tw_config_org_count(cfg); i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);
                int r;

                tw_buf_reset(&err);
                r = tw_credential_load_org(a, tw_now(), &cred, &err);
                tw_credential_done(&cred);
                if (r == 0)
                        continue;
                tw_log(TW_LOG_ERROR, "cannot use the Astro API credential: not starting",
                       "organization", tw_astro_section(a, sbuf, sizeof(sbuf)), "error",
                       err.ptr ? err.ptr : strerror(-r), NULL);
                ok = false;
        }
out:
        tw_config_free(cfg);
        tw_buf_done(&err);
        return ok;
}

int tw_cmd_run(const char *config_path, const struct tw_run_options *o)
{
        struct tw_notify_hook *hook = tw_notify_hook_new(o->dry_run);
        struct tw_daemon_options d = {
                .once = o->once,
                .dry_run = o->dry_run,
                .port_file = o->port_file,
                .on_cycle = tw_notify_hook_on_cycle,
                .extra_metrics = tw_notify_hook_metrics,
                .on_events = tw_notify_hook_on_events,
                .on_stop = tw_notify_hook_on_stop,
                .userdata = hook,
        };
        int r;

        if (!hook) {
                fprintf(stderr, "tokenwatch: out of memory\n");
                return TW_EXIT_CONFIG;
        }
        if (!credentials_usable(config_path)) {
                tw_notify_hook_free(hook);
                return TW_EXIT_CONFIG;
        }
        r = tw_daemon_run(config_path, &d);
        tw_notify_hook_free(hook);
        return r == 0 ? TW_EXIT_OK : r == -ENODATA ? TW_EXIT_INCOMPLETE : TW_EXIT_CONFIG;
}
