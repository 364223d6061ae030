/* See agent/cmd/progress_internal.h. */
#include "agent/cmd/progress_internal.h"

#include <inttypes.h>

#define ERASE "\r\033[K"

void tw_progress_init(struct tw_progress *p, FILE *f, bool tty, const char *what)
{
        *p = (struct tw_progress){
                .f = f, .tty = tty && f, .what = what, .every_ns = TW_PROGRESS_EVERY_NS};
}

/* "512 bytes", "9.8 kB", "48.2 MB", "1.3 GB" (powers of 1000). */
static void print_bytes(FILE *f, uint64_t b)
{
        static const char *const units[] = {"kB", "MB", "GB", "TB"};
        double v = (double)b;
        int u = -1;

        if (b < 1000) {
                fprintf(f, "%" PRIu64 " byte%s", b, b == 1 ? "" : "s");
                return;
        }
        while (v >= 999.95 && u < 3) { /* never "1000.0 kB" */
                v /= 1000;
                u++;
        }
        fprintf(f, "%.1f %s", v, units[u]);
}

static void show(struct tw_progress *p, uint64_t entries, uint64_t bytes)
{
        fprintf(p->f, ERASE "%s: %" PRIu64 " entr%s, ", p->what, entries,
                entries == 1 ? "y" : "ies");
        print_bytes(p->f, bytes);
}

void tw_progress_update(struct tw_progress *p, uint64_t entries, uint64_t bytes, int64_t now_ns)
{
        if (!p->tty || (p->shown && now_ns - p->last_ns < p->every_ns))
                return;
        show(p, entries, bytes);
        fflush(p->f);
        p->last_ns = now_ns;
        p->shown = true;
}

void tw_progress_end(struct tw_progress *p, bool ok, uint64_t entries, uint64_t bytes)
{
        if (!p->shown)
                return;
        if (ok) {
                show(p, entries, bytes);
                fputc('\n', p->f);
        } else
                fputs(ERASE, p->f);
        fflush(p->f);
        p->shown = false;
}
