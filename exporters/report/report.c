/* The report: the formats and their dispatch (what they share is in
 * report_common.c, below them). */
#include "exporters/report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/timeutil.h"
#include "exporters/report/report_internal.h"

static const struct {
        const char *name;
        enum tw_report_format format;
} formats[] = {
        {"table", TW_REPORT_TABLE},       {"json", TW_REPORT_JSON},   {"csv", TW_REPORT_CSV},
        {"markdown", TW_REPORT_MARKDOWN}, {"md", TW_REPORT_MARKDOWN}, {"html", TW_REPORT_HTML},
};

int tw_report_format_from_string(const char *s, enum tw_report_format *ret)
{
        for (size_t i = 0; s && i < sizeof(formats) / sizeof(formats[0]); i++)
                if (strcmp(s, formats[i].name) == 0) {
                        *ret = formats[i].format;
                        return 0;
                }
        return -EINVAL;
}

/* A sink's write appending to the struct tw_buf ctx. */
static int add_to_buf(void *ctx, const char *data, size_t len)
{
        return tw_buf_add(ctx, data, len);
}

int tw_report_write_stdio(void *ctx, const char *data, size_t len)
{
        return fwrite(data, 1, len, ctx) == len ? 0 : -EIO;
}

int tw_report_write(const struct tw_snapshot *snap, enum tw_report_format fmt,
                    const struct tw_report_sink *sink)
{
        return tw_report_write_opts(snap, fmt, NULL, sink);
}

int tw_report_write_opts(const struct tw_snapshot *snap, enum tw_report_format fmt,
                         const struct tw_report_layout *opts, const struct tw_report_sink *sink)
{
        struct tw_buf out;
        int r;

        if (!snap || !snap->inv || !sink || !sink->write)
                return -EINVAL;
        if (fmt == TW_REPORT_JSON)
                return tw_report_write_json(snap, opts, sink);
        tw_buf_init(&out, TW_REPORT_MAX);
        r = tw_report_render_opts(snap, fmt, opts, &out);
        if (r >= 0 && out.len)
                r = sink->write(sink->ctx, out.ptr, out.len);
        tw_buf_done(&out);
        return r;
}

int tw_report_render(const struct tw_snapshot *snap, enum tw_report_format fmt, struct tw_buf *out)
{
        return tw_report_render_opts(snap, fmt, NULL, out);
}

int tw_report_render_opts(const struct tw_snapshot *snap, enum tw_report_format fmt,
                          const struct tw_report_layout *opts, struct tw_buf *out)
{
        size_t len0;
        int r = -EINVAL;

        if (!snap || !snap->inv || !out)
                return -EINVAL;
        len0 = out->len;
        switch (fmt) {
        case TW_REPORT_TABLE:
                r = tw_report_render_table(snap, opts, out);
                break;
        case TW_REPORT_JSON:
                r = tw_report_write_json(snap, opts,
                                         &(struct tw_report_sink){.write = add_to_buf, .ctx = out});
                break;
        case TW_REPORT_CSV:
                r = tw_report_render_csv(snap, opts, out);
                break;
        case TW_REPORT_MARKDOWN:
                r = tw_report_render_markdown(snap, opts, out);
                break;
        case TW_REPORT_HTML:
                r = tw_report_render_html(snap, opts, out);
                break;
        }
        /* All or nothing: a failed render leaves out as it was. */
        if (r < 0 && out->ptr) {
                out->len = len0;
                out->ptr[len0] = '\0';
        }
        return r;
}
