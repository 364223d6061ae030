/* Teams digests: one Adaptive Card, a heading and a list per group. */
#include "exporters/sinks/digest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "core/notify/digest.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"

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
                r = tw_sink_teams_escape(out, text_of(&raw));
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
                r = tw_sink_digest_heading(d, g, tw_sink_teams_escape, &b);
                if (r >= 0)
                        r = add_text(body, text_of(&b), "Bolder", NULL);
                tw_buf_reset(&b);
                shown = 0;
                for (size_t i = gr->first; r >= 0 && i < gr->first + gr->n && budget > 0; i++) {
                        r = tw_buf_adds(&b, shown ? "\n- " : "- ");
                        if (r >= 0)
                                r = tw_sink_digest_line(ctx, d, i, tw_sink_teams_escape, &b);
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
