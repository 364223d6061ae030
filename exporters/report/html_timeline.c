/* The HTML report's SVG timeline of expiries: one dot per token, expired
 * ones in a band on the left, the next 90 days on a linear axis, stacked
 * where they meet, coloured by the token's worst active severity.  The
 * tokens with a critical or warning finding are numbered, left to right, and
 * listed under the chart by number, so that a printout says which dot is
 * which; in a stack they sit lowest, so the "+n" of a full one hides only
 * tokens without a finding. */
#include "exporters/report/html_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

#define DAYS 90
#define DAY 86400
#define WIDTH 960
#define HEIGHT 190
#define BAND_X 12 /* the expired band: x from BAND_X to BAND_END */
#define BAND_END 138
#define AXIS_X0 168 /* day 0 */
#define AXIS_X1 910 /* day DAYS */
#define AXIS_Y 148
#define STEP 18 /* dot pitch, horizontal and vertical: numbered dots never touch */
#define ROWS 6  /* dots per stack; more show as "+n" */
#define COLS (WIDTH / STEP + 1)
#define TOP_Y (AXIS_Y - STEP / 2 - 2)

/* One token on the chart. */
struct mark {
        size_t token;
        size_t pos;   /* its place in h->order: ties keep the report's order */
        int64_t end;  /* its expiry */
        unsigned num; /* 1, 2, ... when it has a critical or warning finding; 0 if not */
        bool drawn;   /* false: its stack was full */
};

struct stacks {
        unsigned n[COLS];
        unsigned more[COLS];
};

static double day_x(double days)
{
        return AXIS_X0 + (AXIS_X1 - AXIS_X0) * days / DAYS;
}

static int by_end(const void *a, const void *b)
{
        const struct mark *x = a, *y = b;

        if (x->end != y->end)
                return x->end < y->end ? -1 : 1;
        return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The tokens expired or expiring within DAYS, soonest first, the ones
 * with a finding numbered.  *ret_marks: a new array (caller frees). */
static size_t collect(struct tw_html *h, struct mark **ret_marks)
{
        const struct tw_inventory *inv = h->snap->inv;
        struct mark *m = calloc(inv->n_tokens ? inv->n_tokens : 1, sizeof(*m));
        size_t n = 0;
        unsigned num = 0;

        *ret_marks = m;
        if (!m) {
                h->r = h->r < 0 ? h->r : -ENOMEM;
                return 0;
        }
        for (size_t i = 0; i < inv->n_tokens; i++) {
                size_t k = h->order[i];
                int64_t end = inv->tokens[k].end_at;

                if (end == TW_NO_TIME || end > h->now + (int64_t)DAYS * DAY)
                        continue;
                m[n++] = (struct mark){.token = k, .pos = i, .end = end};
        }
        qsort(m, n, sizeof(*m), by_end);
        for (size_t i = 0; i < n; i++)
                if (tw_evaluation_token_severity(h->snap->ev, m[i].token) != TW_SEVERITY_NONE)
                        m[i].num = ++num;
        return n;
}

/* The tooltip of a dot: "name (id): expires YYYY-MM-DD". */
static void dot_title(struct tw_html *h, const struct mark *m)
{
        const struct tw_token *t = &h->snap->inv->tokens[m->token];

        tw_html_raw(h, "<title>");
        tw_html_text(h, t->name);
        tw_html_raw(h, " (");
        tw_html_text(h, t->id);
        tw_html_raw(h, m->end <= h->now ? "): expired " : "): expires ");
        tw_html_date(h, m->end, "never");
        tw_html_raw(h, "</title>");
}

/* One dot in column col of st, linking its token's row; a numbered one is
 * larger, with its number in it. */
static void dot(struct tw_html *h, struct stacks *st, unsigned col, struct mark *m)
{
        const char *cls = tw_html_sev_class(tw_evaluation_token_severity(h->snap->ev, m->token));
        unsigned cy;

        if (col >= COLS)
                col = COLS - 1;
        if (st->n[col] >= ROWS) {
                st->more[col]++;
                return;
        }
        cy = TOP_Y - st->n[col] * STEP;
        tw_html_rawf(h, "<a href=\"#t%zu\">", m->token);
        dot_title(h, m);
        if (m->num)
                tw_html_rawf(h,
                             "<circle class=\"%s\" cx=\"%u\" cy=\"%u\" r=\"8\"/>"
                             "<text class=\"n%s %s\" x=\"%u\" y=\"%u\">%u</text>",
                             cls, col * STEP, cy, m->num > 99 ? " n3" : "", cls, col * STEP, cy + 4,
                             m->num);
        else
                tw_html_rawf(h, "<circle class=\"%s\" cx=\"%u\" cy=\"%u\" r=\"5\"/>", cls,
                             col * STEP, cy);
        tw_html_raw(h, "</a>\n");
        st->n[col]++;
        m->drawn = true;
}

/* Draws the dots, numbered ones first so they sit lowest in a stack: the
 * expired fill their band left to right, then upwards; the others stand at
 * their day. */
static void dots(struct tw_html *h, struct mark *m, size_t n)
{
        const unsigned first = (BAND_X + STEP - 1) / STEP, cols = (BAND_END - BAND_X) / STEP;
        struct stacks st;
        unsigned expired = 0;

        memset(&st, 0, sizeof(st));
        for (int numbered = 1; numbered >= 0; numbered--) {
                for (size_t i = 0; i < n; i++) {
                        if ((m[i].num != 0) != numbered)
                                continue;
                        if (m[i].end <= h->now) {
                                dot(h, &st, first + expired % cols, &m[i]);
                                expired++;
                                continue;
                        }
                        dot(h, &st,
                            (unsigned)(day_x((double)(m[i].end - h->now) / DAY) / STEP + 0.5),
                            &m[i]);
                }
        }
        for (unsigned c = 0; c < COLS; c++)
                if (st.more[c])
                        tw_html_rawf(h, "<text class=\"more\" x=\"%u\" y=\"%u\">+%u</text>\n",
                                     c * STEP, TOP_Y - ROWS * STEP + 4, st.more[c]);
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
                     BAND_X - 10, BAND_END - BAND_X + 10, AXIS_Y - 16, (BAND_X + BAND_END) / 2 - 5,
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

/* The numbered tokens by number: name, expiry, and the kinds of their
 * active findings. */
static void key(struct tw_html *h, const struct mark *m, size_t n)
{
        bool any = false;

        for (size_t i = 0; i < n && !any; i++)
                any = m[i].num != 0;
        if (!any)
                return;
        tw_html_raw(h, "<ol class=\"tl-key\">\n");
        for (size_t i = 0; i < n; i++) {
                const struct tw_finding *f = NULL;
                size_t nf = tw_evaluation_token_findings(h->snap->ev, m[i].token, &f);
                bool first = true;

                if (!m[i].num)
                        continue;
                tw_html_rawf(
                        h, "<li><span class=\"badge %s\">%u</span> <a href=\"#t%zu\">",
                        tw_html_sev_class(tw_evaluation_token_severity(h->snap->ev, m[i].token)),
                        m[i].num, m[i].token);
                tw_html_short_name(h, h->snap->inv->tokens[m[i].token].name);
                tw_html_raw(h, "</a> &middot; ");
                for (size_t j = 0; j < nf; j++) {
                        if (f[j].suppressed)
                                continue;
                        tw_html_raw(h, first ? "" : ", ");
                        tw_html_raw(h, tw_finding_kind_to_string(f[j].kind));
                        first = false;
                }
                tw_html_raw(h, m[i].end <= h->now ? "<br><span class=\"id\">expired "
                                                  : "<br><span class=\"id\">expires ");
                tw_html_date(h, m[i].end, "never");
                tw_html_raw(h, ", ");
                tw_html_delta(h, m[i].end);
                tw_html_raw(h,
                            m[i].drawn ? "</span>" : "; not drawn: too many at that date</span>");
                tw_html_raw(h, "</li>\n");
        }
        tw_html_raw(h, "</ol>\n");
}

/* How many drawn tokens carry an active expiring finding: the findings'
 * "expiring" count, said of the chart in the same words. */
static size_t with_expiring(const struct tw_html *h, const struct mark *m, size_t n)
{
        size_t c = 0;

        for (size_t i = 0; i < n; i++) {
                const struct tw_finding *f = NULL;
                size_t nf = tw_evaluation_token_findings(h->snap->ev, m[i].token, &f);

                for (size_t j = 0; j < nf; j++)
                        if (!f[j].suppressed && f[j].kind == TW_FINDING_EXPIRING) {
                                c++;
                                break;
                        }
        }
        return c;
}

static void caption(struct tw_html *h, const struct mark *m, size_t n)
{
        const struct tw_config *cfg = h->snap->cfg;
        size_t expired = 0, numbered = 0, later = 0;

        for (size_t i = 0; i < n; i++) {
                expired += m[i].end <= h->now;
                numbered += m[i].num != 0;
        }
        for (size_t i = 0; i < h->snap->inv->n_tokens; i++) {
                int64_t end = h->snap->inv->tokens[i].end_at;

                later += end != TW_NO_TIME && end > h->now + (int64_t)DAYS * DAY;
        }
        tw_html_rawf(h,
                     "<figcaption>Drawn: %zu expired, %zu expiring in the next %d days (%zu of "
                     "them with an active expiring finding). Not drawn: %zu expiring later, "
                     "%zu never expiring.",
                     expired, n - expired, DAYS, with_expiring(h, m + expired, n - expired), later,
                     h->sum.without_expiry);
        if (numbered)
                tw_html_rawf(h,
                             " Numbered: the %zu drawn tokens with a critical or warning "
                             "finding of any kind, listed below.",
                             numbered);
        if (cfg && (cfg->policy.expiry_critical.percent || cfg->policy.expiry_warning.percent))
                tw_html_raw(h, " A threshold given as a percentage of each token's lifetime "
                               "differs per token and is not drawn.");
        tw_html_raw(h, " <span class=\"key crit\">critical</span> <span class=\"key warn\">"
                       "warning</span> <span class=\"key ok\">no active finding</span>"
                       "</figcaption>\n");
}

void tw_html_timeline(struct tw_html *h)
{
        const struct tw_config *cfg = h->snap->cfg;
        struct mark *m = NULL;
        size_t n = collect(h, &m);

        tw_html_rawf(
                h,
                "<figure class=\"timeline\"><div class=\"chart\"><svg viewBox=\"0 0 %d %d\" "
                "role=\"img\" aria-labelledby=\"tl-title\" xmlns=\"http://www.w3.org/2000/svg\">"
                "<title id=\"tl-title\">Token expiries: expired, and the next %d days</title>\n",
                WIDTH, HEIGHT, DAYS);
        axis(h);
        if (cfg) {
                threshold_line(h, &cfg->policy.expiry_warning, "warning", "warn");
                threshold_line(h, &cfg->policy.expiry_critical, "critical", "crit");
        }
        if (m)
                dots(h, m, n);
        tw_html_raw(h, "</svg></div>\n");
        if (m) {
                caption(h, m, n);
                key(h, m, n);
        }
        tw_html_raw(h, "</figure>\n");
        free(m);
}
