#ifndef TW_COLLECTORS_AUDITLOG_AUDITLOG_H
#define TW_COLLECTORS_AUDITLOG_AUDITLOG_H

/*
 * Incremental fetching of Astro audit logs (see "Audit
 * logs" in shared/astro-api.md): GET {base}/organizations/{org}/audit-logs
 * ?startDate=..., streamed through lib/http_stream (gzip inflated, never
 * the whole body in memory), split into NDJSON lines (over 1 MiB or
 * malformed: skipped and counted by reason, never fatal), each entry fed to
 * a core/usage index.
 *
 * Each fetch asks for [startDate, endDate = the request time).  The cursor
 * (collectors/auditlog/cursor_internal.h) is a floor and the identities of the
 * entries taken since: a fetch that read its whole window moves the floor
 * to the request time less an overlap (5 minutes), so entries that reach the
 * logs late with an earlier time are read on the next fetch, and the
 * identities ("requestId" and time, else the line's hash) keep every entry
 * counted once, thousands in one millisecond included.  A fetch that fails
 * part-way leaves the floor where the stream was complete.  An entry dated
 * after the request time plus a skew (5 minutes) is skipped and counted
 * ("future"): it neither counts as usage nor moves the cursor, which never
 * passes the request time (a loaded one is brought back).  Cursor and usage
 * index are persisted together in one state file per organization (one
 * atomic file: they never disagree after a crash), which names the
 * organization and API URL it belongs to: a file of another one is moved
 * aside, never merged.  The first fetch goes back `backfill`.
 *
 * Rate: never more than 2 calls per rate window (60 s, the documented
 * limit), retries included; a 429's Retry-After is honoured on top.  A 403
 * (the credential is not an Organization Owner) is -EACCES, distinct from
 * other failures: the caller turns the feature off with one log line.
 *
 * Usage:
 *   tw_auditlog_collector_new(&opts, &c);           // loads the state
 *   tw_usage_set_known_tokens(tw_auditlog_collector_usage(c), ids, n);
 *   r = tw_auditlog_fetch(c, now, &res);            // each interval
 *   ... read tw_auditlog_collector_usage(c) ...
 *   tw_auditlog_collector_free(c);
 *
 * Library code: no logging.  A collector is used by one thread at a time;
 * it sleeps on that thread (polling cancel) to keep the rate.
 * curl_global_init() must have been called.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/usage/auditlog_entry.h"

struct tw_usage;
struct tw_auditlog_collector;

#define TW_AUDITLOG_BACKFILL_DEFAULT_S ((int64_t)30 * 86400)
#define TW_AUDITLOG_BACKFILL_MAX_S ((int64_t)90 * 86400) /* the retention */
#define TW_AUDITLOG_CALLS_PER_WINDOW 2
#define TW_AUDITLOG_STATE_FILE "audit-usage.json" /* for [astro]; see tw_auditlog_state_file() */

struct tw_auditlog_options {
        const char *base_url;        /* "https://api.astronomer.io/v1", or the platform
                                        v1beta1 base; no trailing slash needed */
        const char *organization_id; /* required */
        const char *api_url;         /* the server as configured, named in the state file with the
                                        organization; NULL: base_url */
        const char *state_file;      /* its name in state_dir; NULL: TW_AUDITLOG_STATE_FILE */
        const char *bearer;          /* copied, wiped on free, never logged */
        const char *state_dir;       /* NULL: nothing persisted */
        const char *user_agent;      /* NULL: "tokenwatch/<version>" */
        int64_t backfill_s;          /* <= 0: 30 days; capped at 90 days */
        int64_t timeout_ms;          /* per call; <= 0: 10 minutes */
        int64_t rate_window_ms;      /* <= 0: 60000 (2 calls per window) */
        int max_retries;             /* <= 0: 2; 429, 5xx, timeouts, connection failures */
        size_t max_line;             /* 0: TW_AUDITLOG_MAX_LINE */
        int64_t overlap_ms; /* <= 0: 5 minutes read again by each fetch, for late entries */
        int64_t skew_ms;    /* <= 0: 5 minutes: entries later than the request time + this are
                               skipped as "future" */
        const struct tw_usage_limits *limits; /* NULL: the defaults */
        volatile sig_atomic_t *cancel;        /* may be NULL */
        /* NULL, or called on the fetching thread after each piece of body
         * read, with the fetch's entries and bytes so far (for a progress
         * line: the callee keeps its own pace). */
        void (*progress)(void *ctx, uint64_t entries, uint64_t bytes);
        void *progress_ctx;
};

/* What one fetch did. */
struct tw_auditlog_fetch_result {
        uint64_t entries;                     /* entries fed to the usage index */
        uint64_t duplicates;                  /* entries the cursor covers, skipped */
        uint64_t evicted;                     /* identities the cursor forgot for room */
        uint64_t skipped[_TW_AUDIT_SKIP_MAX]; /* lines skipped, by reason */
        uint64_t bytes;                       /* inflated body bytes */
        int calls;                            /* HTTP calls made, retries included */
        long status;                          /* HTTP status of the last call, 0 if none */
        int64_t retry_after_s;                /* Retry-After of the last call, 0 if none */
        int64_t waited_ms;                    /* slept to keep the rate or Retry-After */
        int64_t cursor_ms;      /* the cursor's floor after the fetch, TW_NO_TIME: none */
        bool complete;          /* the whole window was read (the state may not be written) */
        char request_id[64];    /* "requestId" of an error body, or "" */
        const char *error_text; /* for a person, or NULL; valid until the next fetch */
};
/* Note: a retried attempt reads the body again; entries already taken are
 * skipped (as duplicates), but its skipped lines are counted again. */

/* A state file moved aside when a collector was made. */
struct tw_auditlog_moved {
        char *path;      /* where it went (free it), or NULL: nothing moved */
        bool other;      /* it names another organization or API URL (else: it did not parse) */
        char named[256]; /* with other: the organization id and API URL it names */
};

/* The state file's name for the organization of section [astro] (name NULL)
 * or [astro.NAME]: "audit-usage.json" or "audit-usage.NAME.json". */
void tw_auditlog_state_file(const char *name, char *buf, size_t size);

/*
 * Creates a collector and loads its state file.  A state file that does not
 * parse, or names another organization or API URL, is moved aside
 * (tw_statefile_quarantine) and the collector starts empty: *ret_moved (may
 * be NULL) says so, for the caller to log; its path is NULL otherwise.  0,
 * -EINVAL (options), -ENOMEM, or an I/O error reading the state.
 */
int tw_auditlog_collector_new(const struct tw_auditlog_options *o, int64_t now,
                              struct tw_auditlog_collector **ret,
                              struct tw_auditlog_moved *ret_moved);
/* Wipes the bearer and frees everything, the usage index included. */
void tw_auditlog_collector_free(struct tw_auditlog_collector *c);

/* The usage index (owned by the collector): set its known tokens before a
 * fetch, read it after. */
struct tw_usage *tw_auditlog_collector_usage(struct tw_auditlog_collector *c);

/*
 * One incremental fetch from the cursor (or now - backfill) to now.  Fills
 * *ret on every path.  Entries taken before a failure stay counted (and are
 * persisted as taken); the floor stays.  Returns 0, -EACCES (403: not an
 * Organization Owner), -EPERM (401), -EAGAIN (429 after the retries),
 * -ETIMEDOUT, -EPROTO (another HTTP status or transport failure), -EBADMSG
 * (a gzip body that does not inflate), -ECANCELED, -ENOMEM, or the error of
 * writing the state file (the entries are counted in memory all the same).
 */
int tw_auditlog_fetch(struct tw_auditlog_collector *c, int64_t now,
                      struct tw_auditlog_fetch_result *ret);

/*
 * Reads the usage index of state_dir/file read-only, for a reviewer's
 * command: the file is never moved, whatever it holds.  organization_id and
 * api_url (each NULL: not checked) must be those the file names.  0 with a
 * new *ret, -ENOENT (no file), -EBADMSG (not the format), -ESRCH (another
 * organization's), -E2BIG, -ENOMEM or another -errno reading it.
 */
int tw_usage_view_read(const char *state_dir, const char *file, const char *organization_id,
                       const char *api_url, struct tw_usage **ret);

/* A state file's index and what it covers: every entry in [from_ms, to_ms)
 * was read (from_ms TW_NO_TIME: unknown, a file written before it was kept;
 * to_ms TW_NO_TIME: no whole window read yet). */
struct tw_auditlog_view {
        struct tw_usage *usage; /* the caller's: tw_usage_free() */
        int64_t from_ms, to_ms;
};

/* tw_usage_view_read() with the times: *ret filled on success only. */
int tw_auditlog_state_view(const char *state_dir, const char *file, const char *organization_id,
                           const char *api_url, struct tw_auditlog_view *ret);

#endif
