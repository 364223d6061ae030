/* Microsoft Teams Workflows webhooks: a message with one Adaptive Card; a
 * digest is one card with a heading and a list per group. */
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
#include "lib/md.h"

/* A TextBlock showing text (escaped); NULL on -ENOMEM. */
static cJSON *text_block(struct tw_buf *b, const char *text, const char *weight, const char *color)
{
        cJSON *t = cJSON_CreateObject();

        tw_buf_reset(b);
        if (t && tw_md_escape(b, text) >= 0 && cJSON_AddStringToObject(t, "type", "TextBlock") &&
            cJSON_AddStringToObject(t, "text", b->ptr ? b->ptr : "") &&
            cJSON_AddBoolToObject(t, "wrap", 1) &&
            (!weight || cJSON_AddStringToObject(t, "weight", weight)) &&
            (!color || cJSON_AddStringToObject(t, "color", color)))
                return t;
        cJSON_Delete(t);
        return NULL;
}

static int add_fact(cJSON *facts, struct tw_buf *b, const char *title, const char *value)
{
        cJSON *x = cJSON_CreateObject();

        if (!x || !cJSON_AddItemToArray(facts, x))
                return cJSON_Delete(x), -ENOMEM;
        tw_buf_reset(b);
        if (tw_md_escape(b, value) < 0 || !cJSON_AddStringToObject(x, "title", title) ||
            !cJSON_AddStringToObject(x, "value", b->ptr ? b->ptr : ""))
                return -ENOMEM;
        return 0;
}

static int teams_body(cJSON *body, const struct tw_sink_facts *f, const char *summary,
                      const char *color, struct tw_buf *b)
{
        cJSON *fs = cJSON_CreateObject(), *facts, *x;

        x = text_block(b, summary, "Bolder", color);
        if (!x || !cJSON_AddItemToArray(body, x))
                return cJSON_Delete(x), cJSON_Delete(fs), -ENOMEM;
        if (!fs || !cJSON_AddItemToArray(body, fs))
                return cJSON_Delete(fs), -ENOMEM;
        facts = cJSON_AddArrayToObject(fs, "facts");
        if (!cJSON_AddStringToObject(fs, "type", "FactSet") || !facts)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++)
                if (add_fact(facts, b, f->title[i], f->value[i]) < 0)
                        return -ENOMEM;
        x = text_block(b, f->text, NULL, NULL);
        if (!x || !cJSON_AddItemToArray(body, x))
                return cJSON_Delete(x), -ENOMEM;
        if (f->fix) {
                x = text_block(b, f->fix, NULL, NULL);
                if (!x || !cJSON_AddItemToArray(body, x) ||
                    !cJSON_AddStringToObject(x, "fontType", "Monospace"))
                        return -ENOMEM;
        }
        return 0;
}

static cJSON *teams_card(const struct tw_sink_facts *f, const char *summary, const char *color)
{
        cJSON *card = cJSON_CreateObject(), *body;
        struct tw_buf b;
        int r = -ENOMEM;

        tw_buf_init(&b, 0);
        if (card &&
            cJSON_AddStringToObject(card, "$schema",
                                    "http://adaptivecards.io/schemas/adaptive-card.json") &&
            cJSON_AddStringToObject(card, "type", "AdaptiveCard") &&
            cJSON_AddStringToObject(card, "version", "1.4") &&
            (body = cJSON_AddArrayToObject(card, "body")))
                r = teams_body(body, f, summary, color, &b);
        tw_buf_done(&b);
        if (r < 0) {
                cJSON_Delete(card);
                return NULL;
        }
        return card;
}

/* {"type":"message","attachments":[card]}; takes card. */
static int teams_message(cJSON *card, cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *atts, *att = cJSON_CreateObject();

        if (card && o && att && cJSON_AddStringToObject(o, "type", "message") &&
            (atts = cJSON_AddArrayToObject(o, "attachments")) &&
            cJSON_AddStringToObject(att, "contentType",
                                    "application/vnd.microsoft.card.adaptive") &&
            cJSON_AddNullToObject(att, "contentUrl") &&
            cJSON_AddItemToObject(att, "content", card)) {
                cJSON_AddItemToArray(atts, att);
                *ret_json = o;
                return 0;
        }
        if (!att || !cJSON_GetObjectItemCaseSensitive(att, "content"))
                cJSON_Delete(card);
        cJSON_Delete(att);
        cJSON_Delete(o);
        return -ENOMEM;
}

int tw_sink_teams_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev, const char *key,
                         cJSON **ret_json)
{
        struct tw_sink_facts f;
        struct tw_buf sum;
        cJSON *card = NULL;
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
                card = teams_card(&f, sum.ptr,
                                  ev->severity == TW_SEVERITY_CRITICAL ? "Attention" : "Warning");
        tw_sink_facts_done(&f);
        tw_buf_done(&sum);
        if (r < 0)
                return r;
        return teams_message(card, ret_json);
}

int tw_sink_teams_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs, size_t n,
                        cJSON **ret_json, bool *ret_coalesce)
{
        const struct tw_notify_event *ev = evs;
        cJSON *o = NULL, *atts, *att = NULL, *card = NULL;
        const char *color;
        struct tw_buf sum;
        struct tw_sink_facts f;
        int r;

        if (n != 1 || !tw_notify_event_notifies(ev->type))
                return -EINVAL;
        color = ev->type == TW_NOTIFY_RESOLVED         ? "Good"
                : ev->severity == TW_SEVERITY_CRITICAL ? "Attention"
                                                       : "Warning";
        tw_buf_init(&sum, 0);
        r = tw_sink_facts_init(&f, ctx, ev);
        if (r >= 0)
                r = tw_sink_summary(ev, &sum);
        if (r >= 0)
                card = teams_card(&f, sum.ptr, color);
        tw_sink_facts_done(&f);
        tw_buf_done(&sum);
        o = cJSON_CreateObject();
        att = cJSON_CreateObject();
        if (r >= 0 && card && o && att && cJSON_AddStringToObject(o, "type", "message") &&
            (atts = cJSON_AddArrayToObject(o, "attachments")) &&
            cJSON_AddStringToObject(att, "contentType",
                                    "application/vnd.microsoft.card.adaptive") &&
            cJSON_AddNullToObject(att, "contentUrl") &&
            cJSON_AddItemToObject(att, "content", card)) {
                cJSON_AddItemToArray(atts, att);
                *ret_json = o;
                if (ret_coalesce)
                        *ret_coalesce = false;
                return 0;
        }
        if (att && !cJSON_GetObjectItemCaseSensitive(att, "content"))
                cJSON_Delete(card);
        cJSON_Delete(att);
        cJSON_Delete(o);
        return r < 0 ? r : -ENOMEM;
}

/* Appends a TextBlock with text (already escaped); NULL-safe options. */
static int add_text(cJSON *body, const char *text, const char *weight, const char *color)
{
        cJSON *t = cJSON_CreateObject();

        if (!t || !cJSON_AddItemToArray(body, t))
                return cJSON_Delete(t), -ENOMEM;
        if (!cJSON_AddStringToObject(t, "type", "TextBlock") ||
            !cJSON_AddStringToObject(t, "text", text) || !cJSON_AddBoolToObject(t, "wrap", 1) ||
            (weight && !cJSON_AddStringToObject(t, "weight", weight)) ||
            (color && !cJSON_AddStringToObject(t, "color", color)))
                return -ENOMEM;
        return 0;
}

static const char *text_of(const struct tw_buf *b)
{
        return b->ptr ? b->ptr : "";
}

/* The plain-text helpers' output through the Teams escaper. */
static int escaped(struct tw_buf *out, int (*fill)(const struct tw_digest *, struct tw_buf *),
                   const struct tw_digest *d)
{
        struct tw_buf raw;
        int r;

        tw_buf_init(&raw, 0);
        r = fill(d, &raw);
        if (r >= 0)
                r = tw_md_escape(out, text_of(&raw));
        tw_buf_done(&raw);
        return r;
}

static int card_body(cJSON *body, const struct tw_sink_ctx *ctx, const struct tw_digest *d)
{
        struct tw_buf b;
        size_t budget = TW_DIGEST_CHAT_MAX, shown;
        int r;

        tw_buf_init(&b, 0);
        r = escaped(&b, tw_sink_digest_title, d);
        if (r >= 0)
                r = add_text(body, text_of(&b), "Bolder",
                             d->n_critical  ? "Attention"
                             : d->n_warning ? "Warning"
                                            : "Good");
        if (r >= 0 && d->stale) {
                tw_buf_reset(&b);
                r = escaped(&b, tw_sink_digest_stale, d);
                if (r >= 0)
                        r = add_text(body, text_of(&b), NULL, "Warning");
        }
        for (size_t g = 0; r >= 0 && g < d->n_groups; g++) {
                const struct tw_digest_group *gr = &d->groups[g];

                tw_buf_reset(&b);
                r = tw_sink_digest_heading(d, g, tw_md_escape, &b);
                if (r >= 0)
                        r = add_text(body, text_of(&b), "Bolder", NULL);
                tw_buf_reset(&b);
                shown = 0;
                for (size_t i = gr->first; r >= 0 && i < gr->first + gr->n && budget > 0; i++) {
                        r = tw_buf_adds(&b, shown ? "\n- " : "- ");
                        if (r >= 0)
                                r = tw_sink_digest_line(ctx, d, i, tw_md_escape, &b);
                        shown++;
                        budget--;
                }
                if (r >= 0 && shown < gr->n)
                        r = tw_buf_printf(&b, "%s...and %zu more", shown ? "\n\n" : "",
                                          gr->n - shown);
                if (r >= 0)
                        r = add_text(body, text_of(&b), NULL, NULL);
        }
        tw_buf_done(&b);
        return r;
}

int tw_sink_teams_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d, const char *key,
                         cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *atts, *att, *card, *body;
        int r = -ENOMEM;

        (void)key;
        if (o && cJSON_AddStringToObject(o, "type", "message") &&
            (atts = cJSON_AddArrayToObject(o, "attachments")) && (att = cJSON_CreateObject()) &&
            cJSON_AddItemToArray(atts, att) &&
            cJSON_AddStringToObject(att, "contentType",
                                    "application/vnd.microsoft.card.adaptive") &&
            cJSON_AddNullToObject(att, "contentUrl") &&
            (card = cJSON_AddObjectToObject(att, "content")) &&
            cJSON_AddStringToObject(card, "$schema",
                                    "http://adaptivecards.io/schemas/adaptive-card.json") &&
            cJSON_AddStringToObject(card, "type", "AdaptiveCard") &&
            cJSON_AddStringToObject(card, "version", "1.4") &&
            (body = cJSON_AddArrayToObject(card, "body")))
                r = card_body(body, ctx, d);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret_json = o;
        return 0;
}
