/* Slack incoming webhooks: "text" plus Block Kit "blocks"; digests are a
 * header, a stale-data note and one section per group. */
#include "exporters/sinks/sinks.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/sinks/sinks_common_internal.h"
#include "core/events.h"
#include "core/notify/digest.h"
#include "lib/buf.h"
#include "lib/utf8.h"

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
        if (len > HEADER_MAX)
                len = tw_utf8_cut(summary, len, HEADER_MAX - 3);
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

#define SECTION_MAX 2900 /* Slack section text limit is 3000 */
#define GROUPS_MAX 45    /* Slack allows 50 blocks; header, note and the "more" line fit */

static const char *text_of(const struct tw_buf *b)
{
        return b->ptr ? b->ptr : "";
}

/* Appends {"type": TYPE, KEY: {"type": TEXT_TYPE, "text": text}} to blocks. */
static int add_block(cJSON *blocks, const char *type, const char *text_type, const char *text)
{
        cJSON *b = cJSON_CreateObject(), *t;

        if (!b || !cJSON_AddItemToArray(blocks, b))
                return cJSON_Delete(b), -ENOMEM;
        if (strcmp(type, "context") == 0) {
                cJSON *els = cJSON_AddArrayToObject(b, "elements");

                t = cJSON_CreateObject();
                if (!els || !t || !cJSON_AddItemToArray(els, t))
                        return cJSON_Delete(t), -ENOMEM;
        } else {
                t = cJSON_AddObjectToObject(b, "text");
        }
        if (!cJSON_AddStringToObject(b, "type", type) || !t ||
            !cJSON_AddStringToObject(t, "type", text_type) ||
            !cJSON_AddStringToObject(t, "text", text))
                return -ENOMEM;
        return 0;
}

/* One group's section: "*HEADING*" then one "• line" per finding, cut with
 * "...and N more" before the section limit. */
static int group_section(const struct tw_sink_ctx *ctx, const struct tw_digest *d, size_t g,
                         size_t *budget, struct tw_buf *b, struct tw_buf *line)
{
        const struct tw_digest_group *gr = &d->groups[g];
        size_t shown = 0;
        int r;

        tw_buf_reset(b);
        r = tw_buf_addc(b, '*');
        if (r >= 0)
                r = tw_sink_digest_heading(d, g, mrkdwn, b);
        if (r >= 0)
                r = tw_buf_addc(b, '*');
        for (size_t i = gr->first; r >= 0 && i<gr->first + gr->n && * budget> 0; i++) {
                tw_buf_reset(line);
                r = tw_buf_adds(line, "\n\xe2\x80\xa2 ");
                if (r >= 0)
                        r = tw_sink_digest_line(ctx, d, i, mrkdwn, line);
                if (r < 0 || b->len + line->len > SECTION_MAX - 40)
                        break;
                r = tw_buf_add(b, line->ptr, line->len);
                shown++;
                (*budget)--;
        }
        if (r >= 0 && shown < gr->n)
                r = tw_buf_printf(b, "\n...and %zu more", gr->n - shown);
        return r;
}

int tw_sink_slack_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d, const char *key,
                         cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *blocks;
        struct tw_buf title, b, line;
        size_t budget = TW_DIGEST_CHAT_MAX, g;
        int r = -ENOMEM;

        (void)key;
        tw_buf_init(&title, 0);
        tw_buf_init(&b, 0);
        tw_buf_init(&line, 0);
        if (!o || !(blocks = cJSON_AddArrayToObject(o, "blocks")))
                goto finish;
        r = tw_sink_digest_title(d, &title);
        if (r >= 0 && !cJSON_AddStringToObject(o, "text", text_of(&title)))
                r = -ENOMEM;
        if (r >= 0)
                r = add_block(blocks, "header", "plain_text", text_of(&title));
        if (r >= 0 && d->stale) {
                r = tw_sink_digest_stale(d, &b);
                if (r >= 0)
                        r = add_block(blocks, "context", "mrkdwn", text_of(&b));
        }
        for (g = 0; r >= 0 && g < d->n_groups && g < GROUPS_MAX; g++) {
                r = group_section(ctx, d, g, &budget, &b, &line);
                if (r >= 0)
                        r = add_block(blocks, "section", "mrkdwn", text_of(&b));
        }
        if (r >= 0 && g < d->n_groups) {
                size_t more = 0;

                for (size_t k = g; k < d->n_groups; k++)
                        more += d->groups[k].n;
                tw_buf_reset(&b);
                r = tw_buf_printf(&b, "...and %zu more finding%s in %zu more group%s", more,
                                  more == 1 ? "" : "s", d->n_groups - g,
                                  d->n_groups - g == 1 ? "" : "s");
                if (r >= 0)
                        r = add_block(blocks, "context", "mrkdwn", text_of(&b));
        }
finish:
        tw_buf_done(&title);
        tw_buf_done(&b);
        tw_buf_done(&line);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret_json = o;
        return 0;
}
