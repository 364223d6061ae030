/* Slack digests: a header, a stale-data note, one section per group. */
#include "exporters/sinks/digest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "core/notify/digest.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"

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
                r = tw_sink_digest_heading(d, g, tw_sink_slack_escape, b);
        if (r >= 0)
                r = tw_buf_addc(b, '*');
        for (size_t i = gr->first; r >= 0 && i<gr->first + gr->n && * budget> 0; i++) {
                tw_buf_reset(line);
                r = tw_buf_adds(line, "\n\xe2\x80\xa2 ");
                if (r >= 0)
                        r = tw_sink_digest_line(ctx, d, i, tw_sink_slack_escape, line);
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
