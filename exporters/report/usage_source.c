/* The line that says where a report's audit-log usage comes from (struct
 * tw_usage_origin), in every format. */
#include "exporters/report/report_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "core/snapshot.h"
#include "exporters/report/html_internal.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/md.h"
#include "lib/timeutil.h"

#define LINE_MAX_BYTES ((size_t)64 << 10)
#define LABEL "Usage data: "

static const char *const source_names[] = {
        [TW_USAGE_FROM_DAEMON] = "daemon",
        [TW_USAGE_FROM_READ_NOW] = "audit_logs",
        [TW_USAGE_FROM_KEPT] = "kept",
        [TW_USAGE_FROM_NONE] = "none",
};

/* "30 days", "12 hours", "90 minutes": the length of [since, until). */
static int add_span(struct tw_buf *out, int64_t since, int64_t until)
{
        int64_t s = until - since;

        if (s > 0 && s % 86400 == 0)
                return tw_buf_printf(out, "%lld day%s", (long long)(s / 86400),
                                     s == 86400 ? "" : "s");
        if (s > 0 && s % 3600 == 0)
                return tw_buf_printf(out, "%lld hour%s", (long long)(s / 3600),
                                     s == 3600 ? "" : "s");
        return tw_buf_printf(out, "%lld minute%s", (long long)((s + 59) / 60),
                             s > 0 && s <= 60 ? "" : "s");
}

/* One origin's words, without its organization. */
static int add_one(const struct tw_usage_origin *o, struct tw_buf *out)
{
        char ts[TW_RFC3339_LEN];
        const char *until =
                o->until == TW_NO_TIME ? "an unknown time" : tw_time_format(o->until, ts);
        bool span = o->since != TW_NO_TIME && o->until != TW_NO_TIME;
        int r;

        switch (o->from) {
        case TW_USAGE_FROM_DAEMON:
                return tw_buf_printf(out, "the daemon's index as of %s", until);
        case TW_USAGE_FROM_READ_NOW:
        case TW_USAGE_FROM_KEPT:
                r = tw_buf_adds(out, o->from == TW_USAGE_FROM_READ_NOW
                                             ? "audit logs read now, "
                                             : "audit logs read by an earlier one-shot command, ");
                if (r >= 0 && span)
                        r = add_span(out, o->since, o->until);
                return r < 0 ? r : tw_buf_printf(out, "%sto %s", span ? " " : "", until);
        case TW_USAGE_FROM_NONE:
                return tw_buf_printf(out, "not included: %s", o->note ? o->note : "unknown reason");
        }
        return -EINVAL;
}

int tw_report_usage_source_text(const struct tw_usage_origin *o, size_t n,
                                const char *organization_id, struct tw_buf *out)
{
        bool first = true;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (organization_id && strcmp(o[i].organization_id, organization_id) != 0)
                        continue;
                if (!first)
                        r = tw_buf_adds(out, "; ");
                if (r >= 0 && !organization_id && n > 1 && o[i].organization)
                        r = tw_buf_printf(out, "%s: ", o[i].organization);
                if (r >= 0)
                        r = add_one(&o[i], out);
                first = false;
        }
        return r;
}

int tw_report_usage_source_json(const struct tw_usage_origin *o, size_t n, struct cJSON *root)
{
        struct tw_buf text;
        cJSON *a;
        int r = 0;

        if (n == 0)
                return cJSON_AddNullToObject(root, "usage_source") ? 0 : -ENOMEM;
        if (!(a = cJSON_AddArrayToObject(root, "usage_source")))
                return -ENOMEM;
        tw_buf_init(&text, LINE_MAX_BYTES);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                cJSON *it = cJSON_CreateObject();

                tw_buf_reset(&text);
                r = add_one(&o[i], &text);
                if (r >= 0 && (!cJSON_AddItemToArray(a, it) ||
                               !tw_json_add_str(it, "organization_id", o[i].organization_id) ||
                               !tw_json_add_str(it, "organization", o[i].organization) ||
                               !tw_json_add_str(it, "source", source_names[o[i].from]) ||
                               !tw_json_add_time(it, "from", o[i].since) ||
                               !tw_json_add_time(it, "to", o[i].until) ||
                               !tw_json_add_str(it, "text", text.ptr)))
                        r = -ENOMEM;
        }
        tw_buf_done(&text);
        return r;
}

int tw_report_usage_source_table(const struct tw_usage_origin *o, size_t n, struct tw_buf *out)
{
        struct tw_buf tmp;
        int r;

        if (n == 0)
                return 0;
        tw_buf_init(&tmp, LINE_MAX_BYTES);
        r = tw_report_usage_source_text(o, n, NULL, &tmp);
        if (r >= 0)
                r = tw_buf_adds(out, LABEL);
        if (r >= 0)
                r = tw_report_add_terminal(out, tmp.ptr ? tmp.ptr : "", LINE_MAX_BYTES, NULL);
        if (r >= 0)
                r = tw_buf_addc(out, '\n');
        tw_buf_done(&tmp);
        return r;
}

int tw_report_usage_source_markdown(const struct tw_usage_origin *o, size_t n, struct tw_buf *out)
{
        struct tw_buf tmp;
        int r;

        if (n == 0)
                return 0;
        tw_buf_init(&tmp, LINE_MAX_BYTES);
        r = tw_report_usage_source_text(o, n, NULL, &tmp);
        if (r >= 0)
                r = tw_buf_adds(out, "\n" LABEL);
        if (r >= 0)
                r = tw_md_escape(out, tmp.ptr ? tmp.ptr : "");
        if (r >= 0)
                r = tw_buf_addc(out, '\n');
        tw_buf_done(&tmp);
        return r;
}

void tw_html_usage_source(struct tw_html *h)
{
        struct tw_buf tmp;

        if (h->r < 0 || h->snap->n_usage_origins == 0)
                return;
        tw_buf_init(&tmp, LINE_MAX_BYTES);
        h->r = tw_report_usage_source_text(h->snap->usage_origins, h->snap->n_usage_origins, NULL,
                                           &tmp);
        tw_html_raw(h, "<p class=\"usage-source\">" LABEL);
        tw_html_text(h, tmp.ptr ? tmp.ptr : "");
        tw_html_raw(h, "</p>\n");
        tw_buf_done(&tmp);
}
