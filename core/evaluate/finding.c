#include "core/evaluate/finding.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const severity_names[_TW_SEVERITY_MAX] = {
        [TW_SEVERITY_NONE] = "none",
        [TW_SEVERITY_WARNING] = "warning",
        [TW_SEVERITY_CRITICAL] = "critical",
};

static const char *const kind_names[] = {
        [TW_FINDING_EXPIRED] = "expired",
        [TW_FINDING_EXPIRING] = "expiring",
        [TW_FINDING_NO_EXPIRY] = "no_expiry",
        [TW_FINDING_UNUSED] = "unused",
        [TW_FINDING_NEVER_USED] = "never_used",
        [TW_FINDING_ORPHANED] = "orphaned",
        [TW_FINDING_OVER_PRIVILEGED] = "over_privileged",
        [TW_FINDING_NEW_SOURCE] = "new_source",
        [TW_FINDING_STALE_COPY] = "stale_copy",
        [TW_FINDING_MISSING_COPY] = "missing_copy",
};

_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == _TW_FINDING_KIND_MAX,
               "a name for every finding kind");

const char *tw_severity_to_string(enum tw_severity s)
{
        return (unsigned)s < _TW_SEVERITY_MAX ? severity_names[s] : "unknown";
}

int tw_severity_from_string(const char *s, enum tw_severity *ret)
{
        for (int i = 0; i < _TW_SEVERITY_MAX; i++)
                if (s && strcmp(s, severity_names[i]) == 0) {
                        *ret = (enum tw_severity)i;
                        return 0;
                }
        return -EINVAL;
}

const char *tw_finding_kind_to_string(enum tw_finding_kind k)
{
        return (unsigned)k < _TW_FINDING_KIND_MAX ? kind_names[k] : "unknown";
}

int tw_finding_kind_from_string(const char *s, enum tw_finding_kind *ret)
{
        for (int i = 0; i < _TW_FINDING_KIND_MAX; i++)
                if (s && strcmp(s, kind_names[i]) == 0) {
                        *ret = (enum tw_finding_kind)i;
                        return 0;
                }
        return -EINVAL;
}

void tw_finding_kind_list(char *buf, size_t size)
{
        size_t len = 0;

        if (!size)
                return;
        buf[0] = '\0';
        for (int i = 0; i < _TW_FINDING_KIND_MAX && len < size; i++) {
                int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", kind_names[i]);

                if (n < 0)
                        break;
                len += (size_t)n;
        }
}

void tw_evaluation_free(struct tw_evaluation *ev)
{
        if (!ev)
                return;
        free(ev->findings);
        free(ev->token_first);
        free(ev->token_count);
        free(ev->reasons);
        free(ev->notes);
        free(ev->errors);
        free(ev->copies);
        tw_arena_done(&ev->arena);
        free(ev);
}

size_t tw_evaluation_token_findings(const struct tw_evaluation *ev, size_t token,
                                    const struct tw_finding **ret_first)
{
        size_t first, n;

        if (!ev || token >= ev->n_tokens || !ev->token_first || !ev->token_count)
                return 0;
        first = ev->token_first[token];
        n = ev->token_count[token];
        if (n == 0 || first > ev->n_findings || n > ev->n_findings - first)
                return 0;
        *ret_first = &ev->findings[first];
        return n;
}

enum tw_severity tw_evaluation_token_severity(const struct tw_evaluation *ev, size_t token)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(ev, token, &f);
        enum tw_severity s = TW_SEVERITY_NONE;

        for (size_t i = 0; i < n; i++)
                if (!f[i].suppressed && f[i].severity > s && f[i].severity < _TW_SEVERITY_MAX)
                        s = f[i].severity;
        return s;
}
