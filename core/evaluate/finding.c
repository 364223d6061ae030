#include "core/evaluate/finding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const severity_names[_TW_SEVERITY_MAX] = {
        [TW_SEVERITY_NONE] = "none",
        [TW_SEVERITY_WARNING] = "warning",
        [TW_SEVERITY_CRITICAL] = "critical",
};

static const char *const kind_names[_TW_FINDING_KIND_MAX] = {
        [TW_FINDING_EXPIRED] = "expired",
        [TW_FINDING_EXPIRING] = "expiring",
        [TW_FINDING_NO_EXPIRY] = "no_expiry",
        [TW_FINDING_UNUSED] = "unused",
        [TW_FINDING_NEVER_USED] = "never_used",
        [TW_FINDING_ORPHANED] = "orphaned",
        [TW_FINDING_OVER_PRIVILEGED] = "over_privileged",
        [TW_FINDING_NEW_SOURCE] = "new_source",
};

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

void tw_evaluation_free(struct tw_evaluation *ev)
{
        if (!ev)
                return;
        for (size_t i = 0; i < ev->n_findings; i++) {
                free(ev->findings[i].message);
                free(ev->findings[i].suppressed_reason);
        }
        for (size_t i = 0; i < ev->n_notes; i++) {
                free(ev->notes[i].token_id);
                free(ev->notes[i].kind);
                free(ev->notes[i].reason);
        }
        for (size_t i = 0; i < ev->n_errors; i++)
                free(ev->errors[i]);
        free(ev->findings);
        free(ev->token_first);
        free(ev->token_count);
        free(ev->notes);
        free(ev->errors);
        free(ev);
}

enum tw_severity tw_evaluation_token_severity(const struct tw_evaluation *ev, size_t token)
{
        enum tw_severity s = TW_SEVERITY_NONE;
        size_t first, n;

        if (!ev || token >= ev->n_tokens || !ev->token_first || !ev->token_count)
                return s;
        first = ev->token_first[token];
        n = ev->token_count[token];
        if (first > ev->n_findings || n > ev->n_findings - first)
                return s;
        for (size_t i = first; i < first + n; i++) {
                const struct tw_finding *f = &ev->findings[i];

                if (!f->suppressed && f->severity > s && f->severity < _TW_SEVERITY_MAX)
                        s = f->severity;
        }
        return s;
}
