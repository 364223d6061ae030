#ifndef TW_CORE_USAGE_AUDITLOG_ENTRY_H
#define TW_CORE_USAGE_AUDITLOG_ENTRY_H

/*
 * Astro audit log entries: the parser of one entry (see "Audit logs" in
 * shared/astro-api.md), fed by lib/ndjson's splitter.
 *
 * A response is a stream of bytes cut anywhere; the splitter turns it into
 * lines of at most max_line bytes.  A longer line is skipped whole and
 * counted (TW_AUDITLOG_SKIP_TOO_LONG); nothing here is ever fatal for a bad
 * line.  The parser reads one line into a struct tw_auditlog_entry, tolerating
 * absent fields, null, and values of another type (read as absent).
 *
 *   struct tw_ndjson s;
 *   tw_ndjson_init(&s, TW_AUDITLOG_MAX_LINE);
 *   while (more data) tw_ndjson_feed(&s, data, len, on_line, ctx);
 *   tw_ndjson_finish(&s, on_line, ctx);
 *   tw_ndjson_done(&s);
 *
 * Pure (no I/O, no clock, no logging).  A splitter or an entry is used by one
 * thread at a time; different ones are independent.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/ndjson.h"

struct cJSON;

#define TW_AUDITLOG_MAX_LINE TW_NDJSON_MAX_LINE /* 1 MiB */

/* Why a line was skipped (a label of tokenwatch_audit_log_skipped_total). */
enum tw_auditlog_skip {
        TW_AUDITLOG_SKIP_TOO_LONG,     /* over the line cap */
        TW_AUDITLOG_SKIP_MALFORMED,    /* not JSON */
        TW_AUDITLOG_SKIP_NOT_OBJECT,   /* JSON, but not an object */
        TW_AUDITLOG_SKIP_NO_TIMESTAMP, /* "timestamp" absent, of another type or unparsable */
        TW_AUDITLOG_SKIP_FUTURE,       /* dated after the request time (and its skew) */
        _TW_AUDIT_SKIP_MAX,
};

/* "too_long", "malformed", "not_object", "no_timestamp", "future"
 * ("unknown" else). */
const char *tw_auditlog_skip_to_string(enum tw_auditlog_skip reason);

enum tw_auditlog_subject {
        TW_AUDITLOG_SUBJECT_UNKNOWN,
        TW_AUDITLOG_SUBJECT_USER,
        TW_AUDITLOG_SUBJECT_SERVICEKEY, /* an API token: subject_id is the token's id */
};

enum tw_auditlog_kind {
        TW_AUDITLOG_KIND_OTHER,      /* an unknown shape: common fields only */
        TW_AUDITLOG_KIND_REST,       /* method + path */
        TW_AUDITLOG_KIND_GRAPHQL,    /* operationName / correlationId, no method */
        TW_AUDITLOG_KIND_REGISTRY,   /* Astronomer container registry access */
        TW_AUDITLOG_KIND_AIRFLOW_UI, /* Airflow UI access */
};

/* One entry.  Every string points into the entry's parsed JSON (owned by
 * the entry) and is NULL when the field is absent, null or not a string. */
struct tw_auditlog_entry {
        int64_t time_ms; /* "timestamp", Unix milliseconds */
        enum tw_auditlog_subject subject;
        enum tw_auditlog_kind kind;
        const char *subject_id;
        const char *organization_id;
        const char *source_ip;
        const char *user_agent;
        const char *method; /* REST and registry */
        const char *path;   /* as logged, query included */
        const char *request_id;
        const char *correlation_id; /* GraphQL */
        const char *graphql_client_name;
        const char *operation_name;
        const char *request_name; /* "name" of requestBody (an object or a JSON string) */
        int status;               /* responseStatus / statusCode / status; -1: unknown */
        bool image_push;          /* a registry push (an `astro deploy`) */
        struct cJSON *json;       /* owned */
        struct cJSON *body_json;  /* requestBody parsed from a string; owned, may be NULL */
};

/* Parses one line (not necessarily NUL-terminated).  0 with *ret filled
 * (release it with tw_auditlog_entry_done), -EBADMSG with *ret_reason set
 * (MALFORMED, NOT_OBJECT or NO_TIMESTAMP; ret_reason may be NULL), or
 * -ENOMEM.  *ret is written on success only. */
int tw_auditlog_entry_parse(const char *line, size_t len, struct tw_auditlog_entry *ret,
                            enum tw_auditlog_skip *ret_reason);
/* Frees what the entry owns; NULL-safe; the entry may be parsed into again. */
void tw_auditlog_entry_done(struct tw_auditlog_entry *e);

/* A 64-bit FNV-1a hash of len bytes. */
uint64_t tw_auditlog_line_identity(const char *line, size_t len);
/* The identity of an entry for de-duplication when a window is read again:
 * its "requestId" with its time when it has one (the server may write the
 * same entry with other bytes), else the hash of its line. */
uint64_t tw_auditlog_entry_identity(const struct tw_auditlog_entry *e, const char *line,
                                    size_t len);

/* Parses an RFC 3339 date-time keeping milliseconds (further digits are
 * dropped).  0 or -EINVAL. */
int tw_time_parse_ms(const char *s, int64_t *ret_ms);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into buf (at least 32 bytes). */
char *tw_time_format_ms(int64_t t_ms, char *buf, size_t size);

#endif
