/* What every section's parser shares: the errors and warnings that name
 * file, line, section and key. */
#include "core/config/config_internal.h"

#include <stdarg.h>

#include "lib/buf.h"

/* Appends "FILE:LINE: [section] key: message\n" to b. */
static void format_line(struct tw_config_parser *p, struct tw_buf *b, int line, const char *section,
                        const char *key, const char *fmt, va_list ap)
{
        if (line > 0)
                tw_buf_printf(b, "%s:%d: ", p->filename, line);
        else
                tw_buf_printf(b, "%s: ", p->filename);
        if (section && key)
                tw_buf_printf(b, "[%s] %s: ", section, key);
        else if (section)
                tw_buf_printf(b, "[%s]: ", section);
        else if (key)
                tw_buf_printf(b, "%s: ", key);
        tw_buf_vprintf(b, fmt, ap);
        tw_buf_addc(b, '\n');
}

static void verror(struct tw_config_parser *p, int line, const char *section, const char *key,
                   const char *fmt, va_list ap)
{
        p->n_errors++;
        if (p->errors)
                format_line(p, p->errors, line, section, key, fmt, ap);
}

void tw_config_error(struct tw_config_parser *p, const char *section, const char *key,
                     const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        verror(p, p->lineno, section, key, fmt, ap);
        va_end(ap);
}

void tw_config_error_at(struct tw_config_parser *p, int line, const char *section, const char *key,
                        const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        verror(p, line, section, key, fmt, ap);
        va_end(ap);
}

void tw_config_warn(struct tw_config_parser *p, const char *section, const char *key,
                    const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        format_line(p, &p->warnings, p->lineno, section, key, fmt, ap);
        va_end(ap);
}

void tw_config_unknown_key(struct tw_config_parser *p, const char *section, const char *key,
                           const char *near)
{
        if (near)
                tw_config_error(p, section, key, "unknown key, did you mean %s?", near);
        else
                tw_config_error(p, section, key, "unknown key");
}
