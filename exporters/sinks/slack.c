/* Slack incoming webhooks: "text" plus Block Kit "blocks". */
#include "exporters/sinks/sinks.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/sinks/digest.h"
#include "core/events.h"
#include "lib/buf.h"

#define HEADER_MAX 150 /* Slack header text limit */

/* Appends s escaped for Slack mrkdwn (& < > are control characters). */
static int mrkdwn(struct tw_buf *b, const char *s)
{
        int r = 0;

        for (; s && *s && r >= 0; s++) {
                if (*s == '&')
                        r = tw_buf_adds(b, "&amp;");
                else if (*s == '<')
                        r = tw_buf_adds(b, "&lt;");
                else if (*s == '>')
                        r = tw_buf_adds(b, "&gt;");
                else
                        r = tw_buf_addc(b, *s);
        }
        return r;
}

/* {"type": "mrkdwn", "text": "*TITLE*\nBODY"} with BODY escaped (in `code` if asked). */
static cJSON *mrkdwn_obj(struct tw_buf *b, const char *title, const char *body, bool code)
{
        cJSON *o = cJSON_CreateObject();
        int r;

        tw_buf_reset(b);
        r = tw_buf_printf(b, "*%s*\n%s", title, code ? "`" : "");
        if (r >= 0)
                r = mrkdwn(b, body);
        if (r >= 0 && code)
                r = tw_buf_addc(b, '`');
        if (r < 0 || !o || !cJSON_AddStringToObject(o, "type", "mrkdwn") ||
            !cJSON_AddStringToObject(o, "text", b->ptr)) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

/* Appends a block {"type": "section", KEY: item}; takes ownership of item. */
static int add_section(cJSON *blocks, const char *key, cJSON *item)
{
        cJSON *s = cJSON_CreateObject();

        if (!s || !item || !cJSON_AddStringToObject(s, "type", "section") ||
            !cJSON_AddItemToObject(s, key, item)) {
                cJSON_Delete(s);
                cJSON_Delete(item);
                return -ENOMEM;
        }
        cJSON_AddItemToArray(blocks, s);
        return 0;
}

static int slack_blocks(cJSON *blocks, const struct tw_sink_facts *f, struct tw_buf *b,
                        const char *summary, const char *text_title)
{
        cJSON *h = cJSON_CreateObject(), *t, *fields = cJSON_CreateArray();
        size_t len = strlen(summary);
        int r;

        if (!h || !fields || !cJSON_AddItemToArray(blocks, h)) {
                cJSON_Delete(h);
                cJSON_Delete(fields);
                return -ENOMEM;
        }
        tw_buf_reset(b);
        if (len > HEADER_MAX) {
                len = HEADER_MAX - 3;
                while (len > 0 && ((unsigned char)summary[len] & 0xC0) == 0x80)
                        len--;
        }
        r = tw_buf_printf(b, "%.*s%s", (int)len, summary, len < strlen(summary) ? "..." : "");
        t = cJSON_AddObjectToObject(h, "text");
        if (r < 0 || !cJSON_AddStringToObject(h, "type", "header") || !t ||
            !cJSON_AddStringToObject(t, "type", "plain_text") ||
            !cJSON_AddStringToObject(t, "text", b->ptr)) {
                cJSON_Delete(fields);
                return -ENOMEM;
        }
        for (size_t i = 0; i < f->n; i++) {
                t = mrkdwn_obj(b, f->title[i], f->value[i], i == 1);
                if (!t) {
                        cJSON_Delete(fields);
                        return -ENOMEM;
                }
                cJSON_AddItemToArray(fields, t);
        }
        r = add_section(blocks, "fields", fields);
        if (r >= 0)
                r = add_section(blocks, "text", mrkdwn_obj(b, text_title, f->text, false));
        if (r >= 0 && f->fix)
                r = add_section(blocks, "text", mrkdwn_obj(b, "Fix", f->fix, true));
        return r;
}

/* A message from facts and a summary (both escaped here). */
static int slack_message(const struct tw_sink_facts *f, const char *summary, const char *text_title,
                         cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *blocks = NULL;
        struct tw_buf b, txt;
        int r;

        tw_buf_init(&b, 0);
        tw_buf_init(&txt, 0);
        r = mrkdwn(&txt, summary);
        if (r >= 0 && (!o || !cJSON_AddStringToObject(o, "text", txt.ptr ? txt.ptr : "") ||
                       !(blocks = cJSON_AddArrayToObject(o, "blocks"))))
                r = -ENOMEM;
        if (r >= 0)
                r = slack_blocks(blocks, f, &b, summary, text_title);
        tw_buf_done(&b);
        tw_buf_done(&txt);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret_json = o;
        return 0;
}

int tw_sink_slack_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev, const char *key,
                         cJSON **ret_json)
{
        struct tw_sink_facts f;
        struct tw_buf sum;
        int r;

        (void)ctx;
        (void)key;
        if (ev->severity == TW_SEVERITY_NONE)
                return -EINVAL;
        tw_buf_init(&sum, 0);
        r = tw_sink_change_facts_init(&f, ev);
        if (r >= 0)
                r = tw_sink_change_summary(ev, &sum);
        if (r >= 0)
                r = slack_message(&f, sum.ptr, "Detail", ret_json);
        tw_sink_facts_done(&f);
        tw_buf_done(&sum);
        return r;
}

int tw_sink_slack_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs, size_t n,
                        cJSON **ret_json, bool *ret_coalesce)
{
        const struct tw_notify_event *ev = evs;
        cJSON *o, *blocks = NULL;
        struct tw_buf sum, b, txt;
        struct tw_sink_facts f;
        int r;

        if (n != 1 || !tw_notify_event_notifies(ev->type))
                return -EINVAL;
        o = cJSON_CreateObject();
        tw_buf_init(&sum, 0);
        tw_buf_init(&b, 0);
        tw_buf_init(&txt, 0);
        r = tw_sink_facts_init(&f, ctx, ev);
        if (r >= 0)
                r = tw_sink_summary(ev, &sum);
        if (r >= 0)
                r = mrkdwn(&txt, sum.ptr);
        if (r >= 0 && (!o || !cJSON_AddStringToObject(o, "text", txt.ptr) ||
                       !(blocks = cJSON_AddArrayToObject(o, "blocks"))))
                r = -ENOMEM;
        if (r >= 0)
                r = slack_blocks(blocks, &f, &b, sum.ptr, "Finding");
        tw_sink_facts_done(&f);
        tw_buf_done(&sum);
        tw_buf_done(&b);
        tw_buf_done(&txt);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret_json = o;
        if (ret_coalesce)
                *ret_coalesce = false;
        return 0;
}

/* For the digest (exporters/sinks/digest.h). */
int tw_sink_slack_escape(struct tw_buf *b, const char *s)
{
        return mrkdwn(b, s);
}
