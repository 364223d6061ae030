/* `tokenwatch check-config`: validate, print, exit 0 or 2. */
#include "agent/cmd/commands.h"

#include <stdio.h>

#include "core/config/config.h"
#include "exporters/notify/sink_config.h"
#include "lib/buf.h"

int tw_cmd_check_config(const char *config_path)
{
        struct tw_config *cfg = NULL;
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 1 << 20);
        r = tw_config_load_file(config_path, &cfg, &err);
        if (r >= 0)
                r = tw_sink_config_check(cfg, &err); /* the formats are the exporters' */
        if (r < 0) {
                fputs(err.ptr ? err.ptr : "", stderr);
                tw_buf_done(&err);
                tw_config_free(cfg);
                return TW_EXIT_CONFIG;
        }
        fputs(cfg->warnings ? cfg->warnings : "", stderr); /* keys under old names */
        printf("%s: OK (%zu webhook%s, %zu suppression%s)\n", config_path, cfg->n_webhooks,
               cfg->n_webhooks == 1 ? "" : "s", cfg->n_suppressions,
               cfg->n_suppressions == 1 ? "" : "s");
        tw_buf_done(&err);
        tw_config_free(cfg);
        return TW_EXIT_OK;
}
