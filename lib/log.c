#include "lib/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/timeutil.h"

/* Read by every thread, written on reload: atomics, so a reload racing a
 * sender thread's log line is defined behaviour (relaxed: any order will do). */
static _Atomic int log_level = TW_LOG_INFO;
static _Atomic int log_format = TW_LOG_LOGFMT;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void tw_log_setup(enum tw_log_level level, enum tw_log_format format)
{
        atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
        atomic_store_explicit(&log_format, (int)format, memory_order_relaxed);
}

bool tw_log_enabled(enum tw_log_level level)
{
        return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

static void add_json_string(struct tw_buf *b, const char *s)
{
        tw_buf_addc(b, '"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        tw_buf_printf(b, "\\%c", c);
                else if (c == '\n')
                        tw_buf_adds(b, "\\n");
                else if (c < 0x20)
                        tw_buf_printf(b, "\\u%04x", c);
                else
                        tw_buf_addc(b, (char)c);
        }
        tw_buf_addc(b, '"');
}

static bool logfmt_needs_quotes(const char *s)
{
        if (!*s)
                return true;
        for (; *s; s++)
                if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' || *s == '\\')
                        return true;
        return false;
}

static void add_field(struct tw_buf *b, bool json, const char *k, const char *v, bool first)
{
        if (json) {
                tw_buf_adds(b, first ? "{" : ",");
                add_json_string(b, k);
                tw_buf_addc(b, ':');
                add_json_string(b, v);
                return;
        }
        if (!first)
                tw_buf_addc(b, ' ');
        tw_buf_printf(b, "%s=", k);
        if (logfmt_needs_quotes(v))
                add_json_string(b, v); /* logfmt quotes with the same escapes */
        else
                tw_buf_adds(b, v);
}

void tw_log(enum tw_log_level level, const char *msg, ...)
{
        char ts[TW_RFC3339_LEN];
        struct tw_buf b;
        const char *k, *v;
        va_list ap;
        bool json; /* read once: a reload mid-line must not mix formats */

        if (!tw_log_enabled(level))
                return;
        json = atomic_load_explicit(&log_format, memory_order_relaxed) == TW_LOG_JSON;
        tw_buf_init(&b, 64 * 1024);
        add_field(&b, json, "ts", tw_time_format(tw_now(), ts), true);
        add_field(&b, json, "level", level_names[level], false);
        add_field(&b, json, "msg", msg, false);
        va_start(ap, msg);
        while ((k = va_arg(ap, const char *))) {
                v = va_arg(ap, const char *);
                if (v)
                        add_field(&b, json, k, v, false);
        }
        va_end(ap);
        if (json)
                tw_buf_addc(&b, '}');
        tw_buf_addc(&b, '\n');
        if (b.ptr && write(STDERR_FILENO, b.ptr, b.len) < 0) {
                /* Nowhere left to report a failing stderr. */
        }
        tw_buf_done(&b);
}

void tw_log_lines(enum tw_log_level level, const char *msg, const char *text)
{
        tw_log_lines_as(level, msg, "error", text);
}

void tw_log_lines_as(enum tw_log_level level, const char *msg, const char *field, const char *text)
{
        const char *p = text;

        while (p && *p) {
                size_t n = strcspn(p, "\n");
                char *line = strndup(p, n);

                if (line)
                        tw_log(level, msg, field, line, NULL);
                free(line);
                p += n;
                p += *p == '\n';
        }
}

bool tw_complain_failure(struct tw_complain *c, int64_t now)
{
        if (c->next && now < c->next) {
                c->repeats++;
                return false;
        }
        c->interval = c->interval ? c->interval * 2 : 60;
        if (c->interval > 3600)
                c->interval = 3600;
        c->next = now + c->interval;
        c->repeats = 0;
        return true;
}

bool tw_complain_success(struct tw_complain *c)
{
        bool was_failing = c->next != 0;

        c->next = 0;
        c->interval = 0;
        c->repeats = 0;
        return was_failing;
}
