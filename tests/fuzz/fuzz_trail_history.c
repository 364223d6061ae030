/* libFuzzer target: the audit trail's JSONL reader as the report and the
 * status page use it (exporters/trail/history.c): the input is the live
 * audit.jsonl of a state directory.  Every event kept must lie in the
 * 30-day window, every line must be accounted for (kept, malformed, or an
 * event outside the window), and every event kept must save and load back
 * to the same JSON; nothing may crash or leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#include "core/config/config.h"
#include "core/events.h"
#include "exporters/trail/history.h"
#include "exporters/trail/trail.h"
#include "lib/buf.h"
#include "lib/log.h"

#define NOW ((int64_t)1796083200) /* 2026-12-01T00:00:00Z */

/* A private state directory and its config, made once (immutable; the
 * file in the directory is rewritten by each input). */
static const struct tw_config *config(void)
{
        static struct tw_config *cfg;
        char dir[64] = "/tmp/tw-fuzz-trail.XXXXXX", ini[256];

        if (cfg)
                return cfg;
        tw_log_setup(TW_LOG_ERROR, TW_LOG_LOGFMT); /* no warning per malformed input */
        if (!mkdtemp(dir))
                abort();
        snprintf(ini, sizeof(ini), "[agent]\nstate_dir = %s\n[audit]\nlog_files = 1\n", dir);
        if (tw_config_load_string(ini, "fuzz.ini", &cfg, NULL) < 0)
                abort();
        return cfg;
}

/* Whether e saves and loads back to the same JSON. */
static bool round_trips(const struct tw_event *e)
{
        struct tw_buf a, b;
        struct tw_event back;
        bool same = false;

        tw_buf_init(&a, (size_t)4 << 20);
        tw_buf_init(&b, (size_t)4 << 20);
        if (tw_event_to_json(e, &a) == 0 && tw_event_from_json(a.ptr, a.len, &back) == 0) {
                same = tw_event_to_json(&back, &b) == 0 && a.len == b.len &&
                       memcmp(a.ptr, b.ptr, a.len) == 0;
                tw_event_done(&back);
        }
        tw_buf_done(&a);
        tw_buf_done(&b);
        return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct tw_config *cfg = config();
        struct tw_trail_history h;
        char path[128];
        size_t lines = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", cfg->agent.state_dir, TW_TRAIL_FILE);
        f = fopen(path, "wb");
        if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
                abort();
        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        memset(&h, 0, sizeof(h));
        if (tw_trail_history_load(cfg, NOW, &h) == 1) {
                if (h.n + h.malformed > lines + 1 || h.view.n_events != h.n)
                        abort();
                for (size_t i = 0; i < h.n; i++)
                        if (h.events[i].observed_at < h.since || h.events[i].observed_at > NOW ||
                            !round_trips(&h.events[i]))
                                abort();
        }
        tw_trail_history_done(&h);
        return 0;
}
