#ifndef TW_CORE_NOTIFY_MARKS_INTERNAL_H
#define TW_CORE_NOTIFY_MARKS_INTERNAL_H

/*
 * The stage marks a sink state keeps (struct tw_notify_stage_mark in
 * core/notify/state.h): the last expiry stage notified per token, sorted by
 * token id.  Their memory and their JSON; the step that moves them is
 * core/notify/state_stages.c.  Pure; not thread-shared while being built.
 */

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct tw_arena;
struct tw_notify_stage_mark;
struct tw_notify_sink_state;

/* Marks under construction: add, then install into a sink state.  The ids
 * are copied into arena (the state's). */
struct tw_notify_marks {
        struct tw_arena *arena;
        struct tw_notify_stage_mark *v;
        size_t n, cap;
};

/* Appends (a copy of id, end_at, lead).  0 or -ENOMEM. */
int tw_notify_marks_add(struct tw_notify_marks *m, const char *id, int64_t end_at, int64_t lead);
/* Sorts m by token id and gives it to dst (whose old marks array is freed);
 * m is empty again.  -EBADMSG (m is freed) when two marks name one token. */
int tw_notify_marks_install(struct tw_notify_marks *m, struct tw_notify_sink_state *dst);
void tw_notify_marks_done(struct tw_notify_marks *m);

/* The mark of token id in s, or NULL (binary search). */
const struct tw_notify_stage_mark *tw_notify_stage_mark_find(const struct tw_notify_sink_state *s,
                                                             const char *id);

/* Replaces dst's marks with copies of old's (none when old is NULL), their
 * ids in arena.  -ENOMEM. */
int tw_notify_stages_revert(struct tw_notify_sink_state *dst,
                            const struct tw_notify_sink_state *old, struct tw_arena *arena);

/* The marks as a JSON array / from one (into out, sorted, ids in arena).
 * -EBADMSG, -ENOMEM. */
struct cJSON *tw_notify_stage_marks_to_json(const struct tw_notify_sink_state *s);
int tw_notify_stage_marks_from_json(const struct cJSON *arr, struct tw_notify_sink_state *out,
                                    struct tw_arena *arena);

#endif
