#ifndef TW_EXPORTERS_NOTIFY_STORE_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_STORE_INTERNAL_H

/*
 * The notifier's files in state_dir, through one owner (lib/statefile.h
 * writes them atomically):
 *   notify-state.json  {"version":1,"next_id":N,"state":{...},"queues":{SINK:[item...]},
 *                      "digests":{SINK:period}}, rewritten once per cycle BEFORE any new
 *                      item may be sent (so a digest's period and its queued item are
 *                      written together);
 *   notify-acks.json   {SINK: last finished id}, rewritten after each item.
 * Loading validates every number before converting it (ids 0 .. 2^53,
 * times within int64_t, Idempotency-Keys without CR/LF); a file that is
 * unreadable, malformed or out of range is moved aside (*.corrupt-<time>)
 * and logged, and the notifier starts clean (it may repeat notifications,
 * never crash or drop them silently).
 * Thread-safety: tw_notify_store_ack() may be called from any thread;
 * everything else from the notifier's thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct tw_notify_state;
struct tw_notify_store;
struct tw_sink_item;

#define TW_NOTIFY_STATE_FILE "notify-state.json"
#define TW_NOTIFY_ACKS_FILE "notify-acks.json"

/* Reads both files from dir (nothing is read or written when dir is NULL:
 * dry-run).  now names quarantined files.  -ENOMEM. */
int tw_notify_store_open(const char *dir, int64_t now, struct tw_notify_store **ret);
void tw_notify_store_free(struct tw_notify_store *st);

/* The loaded state (ownership passes to the caller; NULL if none). */
struct tw_notify_state *tw_notify_store_take_state(struct tw_notify_store *st);
/* The highest id handed out or acknowledged, for any sink. */
uint64_t tw_notify_store_next_id(const struct tw_notify_store *st);
/* The last finished id of a sink (0: none). */
uint64_t tw_notify_store_acked(struct tw_notify_store *st, const char *sink);
/* Calls push(ud, item) for each of the sink's loaded items not yet
 * acknowledged, in order; push takes ownership.  -ENOMEM. */
int tw_notify_store_queue(struct tw_notify_store *st, const char *sink,
                          void (*push)(void *ud, struct tw_sink_item *it), void *ud);

/* A copy of the sink's loaded queue (an array, maybe empty), to save for a
 * sink that is not open.  NULL on -ENOMEM. */
struct cJSON *tw_notify_store_loaded_queue(struct tw_notify_store *st, const char *sink);

/* The period (tw_schedule_prev() instant) of the sink's last digest, or
 * TW_NO_TIME if none was recorded. */
int64_t tw_notify_store_digest(struct tw_notify_store *st, const char *sink);
/* Records it (TW_NO_TIME: forgets it), for the next tw_notify_store_save().
 * 0 or -ENOMEM. */
int tw_notify_store_set_digest(struct tw_notify_store *st, const char *sink, int64_t period);
/* {SINK: period} with every period a time within int64_t; -EBADMSG, -ENOMEM. */
int tw_notify_store_parse_digests(const struct cJSON *j, struct cJSON **ret_digests);
/* Appends a copy of it to the loaded queue of sink (one that is not open:
 * the item is saved with it and sent once the sink opens).  -ENOMEM. */
int tw_notify_store_append(struct tw_notify_store *st, const char *sink,
                           const struct tw_sink_item *it);

/* Writes notify-state.json: next_id, state, and queues (an object SINK:
 * array, ownership taken).  0 or -errno. */
int tw_notify_store_save(struct tw_notify_store *st, uint64_t next_id,
                         const struct tw_notify_state *state, struct cJSON *queues);
/* Records that sink finished id (delivered or rejected) and writes
 * notify-acks.json.  0 or -errno. */
int tw_notify_store_ack(struct tw_notify_store *st, const char *sink, uint64_t id);

/* The loaders for tests and fuzzing: parse one file's text as load does.
 * 0, -EBADMSG (wrong shape or out of range), -ENOMEM. */
int tw_notify_store_parse_state(const char *text, size_t len, struct tw_notify_state **ret_state,
                                uint64_t *ret_next_id, struct cJSON **ret_queues);
int tw_notify_store_parse_acks(const char *text, size_t len, struct cJSON **ret_acks);

#endif
