/* The HTML report's SVG timeline of expiries: one dot per token, expired
 * ones in a band on the left, the next 90 days on a linear axis, stacked
 * where they meet, coloured by the token's worst active severity. */
#include "exporters/report/html.h"

#include <string.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

#define DAYS 90
#define DAY 86400
#define WIDTH 960
#define HEIGHT 150
#define BAND_X 12 /* the expired band: x from BAND_X to BAND_END */
#define BAND_END 132
#define AXIS_X0 168 /* day 0 */
#define AXIS_X1 910 /* day DAYS */
#define AXIS_Y 100
#define STEP 13 /* dot pitch, horizontal and vertical */
#define ROWS 6  /* dots per stack; more show as "+n" */
#define COLS (WIDTH / STEP + 1)

struct stacks {
        unsigned n[COLS];
        unsigned more[COLS];
};

static double day_x(double days)
{
        return AXIS_X0 + (AXIS_X1 - AXIS_X0) * days / DAYS;
}

/* One dot at column col of st (the x is the column's), linking its row. */
static void dot(struct tw_html *h, struct stacks *st, unsigned col, size_t token)
{
        const struct tw_token *t = &h->snap->inv->tokens[token];

        if (col >= COLS)
                col = COLS - 1;
        if (st->n[col] >= ROWS) {
                st->more[col]++;
                return;
        }
        tw_html_rawf(h,
                     "<a href=\"#t%zu\"><circle class=\"%s\" cx=\"%u\" cy=\"%u\" r=\"5\"><title>",
                     token, tw_html_sev_class(tw_evaluation_token_severity(h->snap->ev, token)),
                     col * STEP, AXIS_Y - 9 - st->n[col] * STEP);
        tw_html_text(h, t->name);
        tw_html_raw(h, " (");
        tw_html_text(h, t->id);
        tw_html_raw(h, t->end_at <= h->now ? "): expired " : "): expires ");
        tw_html_date(h, t->end_at, "never");
        tw_html_raw(h, "</title></circle></a>\n");
        st->n[col]++;
}

static void overflow_labels(struct tw_html *h, const struct stacks *st)
{
        for (unsigned c = 0; c < COLS; c++)
                if (st->more[c])
                        tw_html_rawf(h, "<text class=\"more\" x=\"%u\" y=\"%u\">+%u</text>\n",
                                     c * STEP, AXIS_Y - 9 - ROWS * STEP, st->more[c]);
}

/* The expired band fills left to right, then upwards. */
static void expired_dots(struct tw_html *h, struct stacks *st, size_t *ret_n)
{
        const struct tw_inventory *inv = h->snap->inv;
        const unsigned first = (BAND_X + STEP - 1) / STEP, cols = (BAND_END - BAND_X) / STEP;
        size_t n = 0;

        for (size_t i = 0; i < inv->n_tokens; i++) {
                size_t k = h->order[i];
                int64_t end = inv->tokens[k].end_at;

                if (end == TW_NO_TIME || end > h->now)
                        continue;
                dot(h, st, first + (unsigned)(n % cols), k);
                n++;
        }
        *ret_n = n;
}

static void upcoming_dots(struct tw_html *h, struct stacks *st, size_t *ret_n)
{
        const struct tw_inventory *inv = h->snap->inv;
        size_t n = 0;

        for (size_t i = 0; i < inv->n_tokens; i++) {
                size_t k = h->order[i];
                int64_t end = inv->tokens[k].end_at;
                double x;

                if (end == TW_NO_TIME || end <= h->now || end > h->now + (int64_t)DAYS * DAY)
                        continue;
                x = day_x((double)(end - h->now) / DAY);
                dot(h, st, (unsigned)(x / STEP + 0.5), k);
                n++;
        }
        *ret_n = n;
}

/* A dashed line at a duration threshold within the axis, labelled. */
static void threshold_line(struct tw_html *h, const struct tw_threshold *th, const char *name,
                           const char *cls)
{
        double x;

        if (th->off || th->percent || th->seconds <= 0 || th->seconds > (int64_t)DAYS * DAY)
                return;
        x = day_x((double)th->seconds / DAY);
        tw_html_rawf(h,
                     "<line class=\"th %s\" x1=\"%.1f\" y1=\"16\" x2=\"%.1f\" y2=\"%d\"/>"
                     "<text class=\"thl %s\" x=\"%.1f\" y=\"12\">%s ",
                     cls, x, x, AXIS_Y, cls, x, name);
        if (h->r >= 0)
                h->r = tw_describe_duration(th->seconds, h->out);
        tw_html_raw(h, "</text>\n");
}

static void axis(struct tw_html *h)
{
        static const int ticks[] = {0, 7, 14, 30, 60, 90};

        tw_html_rawf(h,
                     "<rect class=\"band\" x=\"%d\" y=\"16\" width=\"%d\" height=\"%d\"/>"
                     "<text class=\"tick\" x=\"%d\" y=\"%d\">expired</text>\n"
                     "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                     BAND_X - 8, BAND_END - BAND_X + 8, AXIS_Y - 16, (BAND_X + BAND_END) / 2 - 4,
                     AXIS_Y + 18, AXIS_X0, AXIS_Y, AXIS_X1, AXIS_Y);
        for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
                double x = day_x(ticks[i]);

                tw_html_rawf(h,
                             "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                             "<text class=\"tick\" x=\"%.1f\" y=\"%d\">",
                             x, AXIS_Y, x, AXIS_Y + 5, x, AXIS_Y + 18);
                if (ticks[i])
                        tw_html_rawf(h, "+%dd", ticks[i]);
                else
                        tw_html_raw(h, "today");
                tw_html_raw(h, "</text>");
                if (ticks[i] % 30 == 0) { /* dates for 7 and 14 would overlap */
                        tw_html_rawf(h, "<text class=\"tick date\" x=\"%.1f\" y=\"%d\">", x,
                                     AXIS_Y + 32);
                        tw_html_date(h, h->now + (int64_t)ticks[i] * DAY, "");
                        tw_html_raw(h, "</text>");
                }
                tw_html_raw(h, "\n");
        }
}

void tw_html_timeline(struct tw_html *h)
{
        const struct tw_config *cfg = h->snap->cfg;
        struct stacks st;
        size_t n_expired = 0, n_upcoming = 0, later = 0;

        memset(&st, 0, sizeof(st));
        tw_html_rawf(
                h,
                "<figure class=\"timeline\"><svg viewBox=\"0 0 %d %d\" role=\"img\" "
                "aria-labelledby=\"tl-title\" xmlns=\"http://www.w3.org/2000/svg\">"
                "<title id=\"tl-title\">Token expiries: expired, and the next %d days</title>\n",
                WIDTH, HEIGHT, DAYS);
        axis(h);
        if (cfg) {
                threshold_line(h, &cfg->policy.expiry_warning, "warning", "warn");
                threshold_line(h, &cfg->policy.expiry_critical, "critical", "crit");
        }
        expired_dots(h, &st, &n_expired);
        upcoming_dots(h, &st, &n_upcoming);
        overflow_labels(h, &st);
        tw_html_raw(h, "</svg>\n<figcaption>");
        for (size_t i = 0; i < h->snap->inv->n_tokens; i++) {
                int64_t end = h->snap->inv->tokens[i].end_at;

                later += end != TW_NO_TIME && end > h->now + (int64_t)DAYS * DAY;
        }
        tw_html_rawf(h,
                     "%zu expired, %zu expiring in the next %d days, %zu later, %zu never "
                     "expire.",
                     n_expired, n_upcoming, DAYS, later, h->sum.without_expiry);
        if (cfg && (cfg->policy.expiry_critical.percent || cfg->policy.expiry_warning.percent))
                tw_html_raw(h, " A threshold given as a percentage of each token's lifetime "
                               "differs per token and is not drawn.");
        tw_html_raw(h, " <span class=\"key crit\">critical</span> <span class=\"key warn\">"
                       "warning</span> <span class=\"key ok\">no active finding</span>"
                       "</figcaption></figure>\n");
}
