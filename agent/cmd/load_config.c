#include "agent/cmd/load_config.h"

#include <errno.h>
#include <string.h>

#include "agent/cmd/copies.h"
#include "core/config/config.h"
#include "lib/buf.h"
#include "lib/log.h"

int tw_agent_load_config(const char *path, struct tw_config **ret_config)
{
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 1 << 20);
        r = tw_config_load_file(path, ret_config, &err);
        /* what only the stores' code can judge of [deliver.NAME] */
        if (r == 0 && tw_agent_copies_validate(*ret_config, &err) < 0) {
                tw_config_free(*ret_config);
                *ret_config = NULL;
                r = -EINVAL;
        }
        if (r < 0)
                tw_log_lines(TW_LOG_ERROR, "invalid configuration",
                             err.ptr ? err.ptr : strerror(-r));
        else if ((*ret_config)->warnings)
                tw_log_lines_as(TW_LOG_WARN, "configuration to update", "warning",
                                (*ret_config)->warnings);
        tw_buf_done(&err);
        return r;
}
