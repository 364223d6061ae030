#include "core/usage/auditlog_entry.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/fnv.h"
#include "lib/timeutil.h"

const char *tw_auditlog_skip_to_string(enum tw_auditlog_skip reason)
{
        static const char *const names[] = {
                [TW_AUDITLOG_SKIP_TOO_LONG] = "too_long",
                [TW_AUDITLOG_SKIP_MALFORMED] = "malformed",
                [TW_AUDITLOG_SKIP_NOT_OBJECT] = "not_object",
                [TW_AUDITLOG_SKIP_NO_TIMESTAMP] = "no_timestamp",
                [TW_AUDITLOG_SKIP_FUTURE] = "future",
        };

        return (unsigned)reason < _TW_AUDIT_SKIP_MAX ? names[reason] : "unknown";
}

int tw_time_parse_ms(const char *s, int64_t *ret_ms)
{
        int64_t t;
        int ms = 0;

        if (tw_time_parse(s, &t) < 0)
                return -EINVAL;
        /* tw_time_parse() accepted "YYYY-MM-DDTHH:MM:SS" at the start. */
        if (s[19] == '.')
                for (int i = 0, scale = 100; i < 3 && isdigit((unsigned char)s[20 + i]);
                     i++, scale /= 10)
                        ms += (s[20 + i] - '0') * scale;
        if (t > INT64_MAX / 1000 - 1 || t < INT64_MIN / 1000 + 1)
                return -EINVAL;
        *ret_ms = t * 1000 + ms;
        return 0;
}

char *tw_time_format_ms(int64_t t_ms, char *buf, size_t size)
{
        char tb[TW_RFC3339_LEN];
        int64_t sec = t_ms / 1000, ms = t_ms % 1000;

        if (ms < 0) {
                ms += 1000;
                sec--;
        }
        tw_time_format(sec, tb);
        tb[strlen(tb) - 1] = '\0'; /* drop the Z */
        snprintf(buf, size, "%s.%03dZ", tb, (int)ms);
        return buf;
}

uint64_t tw_auditlog_line_identity(const char *line, size_t len)
{
        return tw_fnv1a(line, len);
}

uint64_t tw_auditlog_entry_identity(const struct tw_auditlog_entry *e, const char *line, size_t len)
{
        uint64_t parts[2];

        if (!e->request_id || !*e->request_id)
                return tw_auditlog_line_identity(line, len);
        parts[0] = tw_fnv1a_str(e->request_id);
        parts[1] = (uint64_t)e->time_ms;
        return tw_fnv1a(parts, sizeof(parts));
}

static const char *str(const cJSON *obj, const char *key)
{
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* An HTTP status from a number or a string starting with digits; -1 else. */
static int status_of(const cJSON *it)
{
        double d;
        long v;
        char *end;

        if (cJSON_IsNumber(it)) {
                d = cJSON_GetNumberValue(it);
                return d >= 100 && d <= 999 ? (int)d : -1;
        }
        if (!cJSON_IsString(it) || !isdigit((unsigned char)it->valuestring[0]))
                return -1;
        errno = 0;
        v = strtol(it->valuestring, &end, 10);
        return errno == 0 && v >= 100 && v <= 999 ? (int)v : -1;
}

static int find_status(const cJSON *o)
{
        static const char *const keys[] = {"responseStatus", "statusCode", "status"};

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                int s = status_of(cJSON_GetObjectItemCaseSensitive(o, keys[i]));

                if (s >= 0)
                        return s;
        }
        return -1;
}

/* Whether the entry's category names the Astronomer registry or the
 * Airflow UI (keys "category" or "eventType", case-insensitive). */
static enum tw_auditlog_kind category_of(const cJSON *o)
{
        static const char *const keys[] = {"category", "eventType"};

        for (size_t i = 0; i < 2; i++) {
                const char *c = str(o, keys[i]);

                if (!c)
                        continue;
                if (strncasecmp(c, "registry", 8) == 0 ||
                    strncasecmp(c, "container_registry", 18) == 0)
                        return TW_AUDITLOG_KIND_REGISTRY;
                if (strncasecmp(c, "airflow", 7) == 0)
                        return TW_AUDITLOG_KIND_AIRFLOW_UI;
        }
        return TW_AUDITLOG_KIND_OTHER;
}

/* A Docker registry API v2 manifest upload: PUT /v2/<name>/manifests/<ref>. */
static bool is_image_push(const char *method, const char *path)
{
        return method && path && strcasecmp(method, "PUT") == 0 && strncmp(path, "/v2/", 4) == 0 &&
               strstr(path, "/manifests/") != NULL;
}

/* The "name" of the request body, an object or a JSON document in a string. */
static void read_request_name(struct tw_auditlog_entry *e)
{
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(e->json, "requestBody");

        if (cJSON_IsString(b) && b->valuestring[0] == '{') {
                e->body_json = cJSON_Parse(b->valuestring);
                b = e->body_json;
        }
        e->request_name = cJSON_IsObject(b) ? str(b, "name") : NULL;
}

static void fill(struct tw_auditlog_entry *e)
{
        const cJSON *o = e->json;
        const char *type = str(o, "subjectType");

        e->subject = !type                             ? TW_AUDITLOG_SUBJECT_UNKNOWN
                     : strcmp(type, "USER") == 0       ? TW_AUDITLOG_SUBJECT_USER
                     : strcmp(type, "SERVICEKEY") == 0 ? TW_AUDITLOG_SUBJECT_SERVICEKEY
                                                       : TW_AUDITLOG_SUBJECT_UNKNOWN;
        e->subject_id = str(o, "subjectId");
        e->organization_id = str(o, "organizationId");
        e->source_ip = str(o, "sourceIp");
        e->user_agent = str(o, "userAgent");
        e->method = str(o, "method");
        e->path = str(o, "path");
        e->request_id = str(o, "requestId");
        e->correlation_id = str(o, "correlationId");
        e->graphql_client_name = str(o, "graphqlClientName");
        e->operation_name = str(o, "operationName");
        e->status = find_status(o);
        e->image_push = is_image_push(e->method, e->path);
        e->kind = category_of(o);
        if (e->kind == TW_AUDITLOG_KIND_OTHER) {
                if (e->image_push)
                        e->kind = TW_AUDITLOG_KIND_REGISTRY;
                else if (e->method && e->path)
                        e->kind = TW_AUDITLOG_KIND_REST;
                else if (e->operation_name || e->correlation_id)
                        e->kind = TW_AUDITLOG_KIND_GRAPHQL;
        }
        read_request_name(e);
}

int tw_auditlog_entry_parse(const char *line, size_t len, struct tw_auditlog_entry *ret,
                            enum tw_auditlog_skip *ret_reason)
{
        struct tw_auditlog_entry e = {.status = -1};
        enum tw_auditlog_skip reason = TW_AUDITLOG_SKIP_MALFORMED;
        const char *ts, *end = NULL;

        e.json = cJSON_ParseWithLengthOpts(line, len, &end, false);
        if (!e.json)
                goto bad;
        /* Trailing bytes other than spaces make the line malformed. */
        while (end && end < line + len && isspace((unsigned char)*end))
                end++;
        if (!end || end != line + len)
                goto bad;
        reason = TW_AUDITLOG_SKIP_NOT_OBJECT;
        if (!cJSON_IsObject(e.json))
                goto bad;
        reason = TW_AUDITLOG_SKIP_NO_TIMESTAMP;
        ts = str(e.json, "timestamp");
        if (!ts || tw_time_parse_ms(ts, &e.time_ms) < 0)
                goto bad;
        fill(&e);
        *ret = e;
        return 0;
bad:
        cJSON_Delete(e.json);
        if (ret_reason)
                *ret_reason = reason;
        return -EBADMSG;
}

void tw_auditlog_entry_done(struct tw_auditlog_entry *e)
{
        if (!e)
                return;
        cJSON_Delete(e->json);
        cJSON_Delete(e->body_json);
        memset(e, 0, sizeof(*e));
        e->status = -1;
}
