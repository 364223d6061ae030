/* libFuzzer target: the audit-log NDJSON splitter and entry parser
 * (core/usage/auditlog_entry.h).  The input is a response body; the first byte picks
 * the chunk size, so cuts fall everywhere.  Every line must either parse or
 * be skipped with a reason; nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/usage/auditlog_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_line(void *ctx, const char *line, size_t len)
{
        struct tw_auditlog_entry e;
        enum tw_auditlog_skip why;
        size_t *n = ctx;

        if (tw_auditlog_entry_parse(line, len, &e, &why) == 0) {
                (*n)++;
                tw_auditlog_entry_done(&e);
        } else if ((unsigned)why >= _TW_AUDIT_SKIP_MAX) {
                abort();
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_ndjson s;
        size_t cut, n = 0;

        if (size == 0)
                return 0;
        cut = (size_t)data[0] % 64 + 1;
        data++;
        size--;
        tw_ndjson_init(&s, 4096);
        for (size_t off = 0; off < size; off += cut)
                tw_ndjson_feed(&s, (const char *)data + off, size - off < cut ? size - off : cut,
                               on_line, &n);
        tw_ndjson_finish(&s, on_line, &n);
        tw_ndjson_done(&s);
        return 0;
}
