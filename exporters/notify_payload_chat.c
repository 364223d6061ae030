/* Chat payloads: Slack incoming webhooks and Microsoft Teams Workflows. */
#include "exporters/notify_payload.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

#define TEXT_MAX 2900  /* Slack section text limit is 3000 */
#define HEADER_MAX 150 /* Slack header text limit */

/* The facts every chat message shows, as (title, value) pairs. */
struct facts {
        const char *title[6];
        char value[6][512];
        size_t n;
        char *text; /* the message without its fix */
        char *fix;  /* NULL: none */
};

static void fact(struct facts *f, const char *title, const char *value)
{
        size_t len = strlen(value ? value : "-");

        if (len >= sizeof(f->value[0])) {
                len = sizeof(f->value[0]) - 4;
                while (len > 0 && ((unsigned char)value[len] & 0xC0) == 0x80)
                        len--;
        }
        f->title[f->n] = title;
        memcpy(f->value[f->n], value ? value : "-", len);
        strcpy(f->value[f->n] + len, len < strlen(value ? value : "-") ? "..." : "");
        f->n++;
}

static int facts_init(struct facts *f, const struct tw_notify_payload_ctx *ctx,
                      const struct tw_notify_event *ev)
{
        const char *ws = tw_notify_workspace(ctx, ev->token);
        char when[TW_RFC3339_LEN], kind[64];
        const char *fix;
        size_t len, flen;

        memset(f, 0, sizeof(*f));
        fact(f, "Token", ev->token_name && *ev->token_name ? ev->token_name : ev->token_id);
        fact(f, "Token ID", ev->token_id);
        fact(f, "Workspace", ws ? ws : "-");
        snprintf(kind, sizeof(kind), "%s (%s)", tw_finding_kind_to_string(ev->kind),
                 tw_severity_to_string(ev->severity));
        fact(f, "Finding", kind);
        fact(f, "Expires",
             !ev->token                        ? "-"
             : ev->token->end_at == TW_NO_TIME ? "never"
                                               : tw_time_format(ev->token->end_at, when));
        fact(f, "Creator", tw_subject_name(ev->token ? ev->token->created_by : NULL));
        tw_notify_split_fix(ev->message, &len, &fix, &flen);
        if (fix && ev->type != TW_NOTIFY_RESOLVED) {
                f->fix = strndup(fix, flen);
                if (!f->fix)
                        return -ENOMEM;
        }
        if (len > TEXT_MAX)
                len = TEXT_MAX;
        while (len > 0 && ((unsigned char)ev->message[len] & 0xC0) == 0x80)
                len--;
        f->text = strndup(ev->message ? ev->message : "", len);
        return f->text ? 0 : -ENOMEM;
}

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

static int slack_blocks(cJSON *blocks, const struct facts *f, struct tw_buf *b, const char *summary)
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
                r = add_section(blocks, "text", mrkdwn_obj(b, "Finding", f->text, false));
        if (r >= 0 && f->fix)
                r = add_section(blocks, "text", mrkdwn_obj(b, "Fix", f->fix, true));
        return r;
}

int tw_notify_payload_slack(const struct tw_notify_payload_ctx *ctx,
                            const struct tw_notify_event *ev, cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *blocks;
        struct tw_buf sum, b, txt;
        struct facts f;
        int r;

        tw_buf_init(&sum, 0);
        tw_buf_init(&b, 0);
        tw_buf_init(&txt, 0);
        r = facts_init(&f, ctx, ev);
        if (r >= 0)
                r = tw_notify_summary(ev, &sum);
        if (r >= 0)
                r = mrkdwn(&txt, sum.ptr);
        if (r >= 0 && (!o || !cJSON_AddStringToObject(o, "text", txt.ptr) ||
                       !(blocks = cJSON_AddArrayToObject(o, "blocks"))))
                r = -ENOMEM;
        if (r >= 0)
                r = slack_blocks(blocks, &f, &b, sum.ptr);
        free(f.text);
        free(f.fix);
        tw_buf_done(&sum);
        tw_buf_done(&b);
        tw_buf_done(&txt);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret_json = o;
        return 0;
}

static cJSON *text_block(const char *text, const char *weight, const char *color)
{
        cJSON *t = cJSON_CreateObject();

        if (t && cJSON_AddStringToObject(t, "type", "TextBlock") &&
            cJSON_AddStringToObject(t, "text", text) && cJSON_AddBoolToObject(t, "wrap", 1) &&
            (!weight || cJSON_AddStringToObject(t, "weight", weight)) &&
            (!color || cJSON_AddStringToObject(t, "color", color)))
                return t;
        cJSON_Delete(t);
        return NULL;
}

static int teams_body(cJSON *body, const struct facts *f, const char *summary, const char *color)
{
        cJSON *fs = cJSON_CreateObject(), *facts, *x;

        x = text_block(summary, "Bolder", color);
        if (!x || !cJSON_AddItemToArray(body, x))
                return cJSON_Delete(x), cJSON_Delete(fs), -ENOMEM;
        if (!fs || !cJSON_AddItemToArray(body, fs))
                return cJSON_Delete(fs), -ENOMEM;
        facts = cJSON_AddArrayToObject(fs, "facts");
        if (!cJSON_AddStringToObject(fs, "type", "FactSet") || !facts)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
                x = cJSON_CreateObject();
                if (!x || !cJSON_AddItemToArray(facts, x))
                        return cJSON_Delete(x), -ENOMEM;
                if (!cJSON_AddStringToObject(x, "title", f->title[i]) ||
                    !cJSON_AddStringToObject(x, "value", f->value[i]))
                        return -ENOMEM;
        }
        x = text_block(f->text, NULL, NULL);
        if (!x || !cJSON_AddItemToArray(body, x))
                return cJSON_Delete(x), -ENOMEM;
        if (f->fix) {
                x = text_block(f->fix, NULL, NULL);
                if (!x || !cJSON_AddItemToArray(body, x) ||
                    !cJSON_AddStringToObject(x, "fontType", "Monospace"))
                        return -ENOMEM;
        }
        return 0;
}

static cJSON *teams_card(const struct facts *f, const char *summary, const char *color)
{
        cJSON *card = cJSON_CreateObject(), *body;

        if (!card ||
            !cJSON_AddStringToObject(card, "$schema",
                                     "http://adaptivecards.io/schemas/adaptive-card.json") ||
            !cJSON_AddStringToObject(card, "type", "AdaptiveCard") ||
            !cJSON_AddStringToObject(card, "version", "1.4") ||
            !(body = cJSON_AddArrayToObject(card, "body")) ||
            teams_body(body, f, summary, color) < 0) {
                cJSON_Delete(card);
                return NULL;
        }
        return card;
}

int tw_notify_payload_teams(const struct tw_notify_payload_ctx *ctx,
                            const struct tw_notify_event *ev, cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *atts, *att = cJSON_CreateObject(), *card = NULL;
        const char *color = ev->type == TW_NOTIFY_RESOLVED         ? "Good"
                            : ev->severity == TW_SEVERITY_CRITICAL ? "Attention"
                                                                   : "Warning";
        struct tw_buf sum;
        struct facts f;
        int r;

        tw_buf_init(&sum, 0);
        r = facts_init(&f, ctx, ev);
        if (r >= 0)
                r = tw_notify_summary(ev, &sum);
        if (r >= 0)
                card = teams_card(&f, sum.ptr, color);
        free(f.text);
        free(f.fix);
        tw_buf_done(&sum);
        if (r >= 0 && card && o && att && cJSON_AddStringToObject(o, "type", "message") &&
            (atts = cJSON_AddArrayToObject(o, "attachments")) &&
            cJSON_AddStringToObject(att, "contentType",
                                    "application/vnd.microsoft.card.adaptive") &&
            cJSON_AddNullToObject(att, "contentUrl") &&
            cJSON_AddItemToObject(att, "content", card)) {
                cJSON_AddItemToArray(atts, att);
                *ret_json = o;
                return 0;
        }
        if (att && !cJSON_GetObjectItemCaseSensitive(att, "content"))
                cJSON_Delete(card);
        cJSON_Delete(att);
        cJSON_Delete(o);
        return r < 0 ? r : -ENOMEM;
}
