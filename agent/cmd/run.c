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

#include "agent/daemon/daemon.h"
#include "agent/daemon/notify_hook.h"

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
        r = tw_daemon_run(config_path, &d);
        tw_notify_hook_free(hook);
        return r == 0 ? TW_EXIT_OK : r == -ENODATA ? TW_EXIT_INCOMPLETE : TW_EXIT_CONFIG;
}
