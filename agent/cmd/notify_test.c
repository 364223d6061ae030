/* The notify-test command. */
#include "agent/cmd/notify_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/config/config.h"
#include "exporters/notify/notify.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/timeutil.h"

int tw_cmd_notify_test(const char *config_path, const char *sink)
{
        struct tw_notifier_options o = {.dry_run = true}; /* no threads, no queue */
        struct tw_config *cfg = NULL;
        struct tw_notifier *n = NULL;
        struct tw_buf err, out;
        int r, code = 2;

        tw_buf_init(&err, 0);
        tw_buf_init(&out, 0);
        r = tw_config_load_file(config_path, &cfg, &err);
        if (r >= 0) {
                tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
                tw_log_lines_as(TW_LOG_WARN, "configuration to update", "warning", cfg->warnings);
                r = tw_notifier_new(cfg, NULL, &o, &n, &err);
        }
        if (r < 0) {
                fprintf(stderr, "tokenwatch: %s\n", err.len ? err.ptr : strerror(-r));
                goto finish;
        }
        /* a sink that could not be opened is reported by tw_notifier_test() */
        r = tw_notifier_test(n, sink, tw_now(), &out);
        fputs(out.ptr ? out.ptr : "", stdout);
        if (r == -ENOENT)
                fprintf(stderr, "tokenwatch: no [webhook.%s] in %s\n", sink ? sink : "*",
                        config_path);
        code = r == 0 ? 0 : r == -ENOENT ? 2 : 1;
finish:
        tw_notifier_free(n);
        tw_config_free(cfg);
        tw_buf_done(&err);
        tw_buf_done(&out);
        return code;
}
