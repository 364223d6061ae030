/* Step 5, finish: the old token of a replacement goes once it has been
 * quiet for retire_after (held while it is not, with one warning naming
 * who still uses it, the first time), then the journal goes. */
#include "agent/rotate/rotate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectors/astro/manage.h"
#include "core/rotation/rotation.h"
#include "lib/timeutil.h"

int rotate_retire(struct rotate_run *x)
{
        const struct tw_rotate_usage *u = x->o->usage;
        struct tw_retire_input in = {.delivered_at = x->r.delivered_at,
                                     .retire_after = x->r.retire_after,
                                     .old_end_at = x->r.old.end_at,
                                     .usage_known = u && u->known,
                                     .last_used_at = u ? u->last_used_at : TW_NO_TIME};
        int64_t now = tw_now(), at = TW_NO_TIME;
        char when[TW_RFC3339_LEN];
        int r;

        switch (tw_rotation_retire(&in, now, &at)) {
        case TW_RETIRE_WAIT:
                x->r.next_attempt = at;
                return rotate_journal_save(x, "waiting");
        case TW_RETIRE_HOLD:
                x->r.next_attempt = at;
                if (x->r.held_at != TW_NO_TIME) /* said once already: wait quietly */
                        return rotate_journal_save(x, "held again");
                x->r.held_at = now;
                x->out->result = TW_ROTATE_HELD;
                tw_buf_reset(&x->err);
                tw_buf_printf(&x->err,
                              "the old token %s is still used (last %s, by %s) although every "
                              "copy holds the new value since %s: its deletion is held until it "
                              "has been unused for retire_after; find and update what still "
                              "uses it",
                              x->r.old.id, tw_time_format(in.last_used_at, when),
                              u && u->sources[0] ? u->sources : "unknown sources",
                              tw_time_format(x->r.delivered_at, (char[TW_RFC3339_LEN]){0}));
                return rotate_journal_save(x, "held");
        case TW_RETIRE_DELETE:
                break;
        }
        r = tw_astro_token_delete(x->m, x->r.old.id, x->r.old.scope, &x->err);
        if (r < 0 && r != -ENOENT)
                return r;
        x->r.step = TW_RENEWAL_RETIRED;
        x->r.retired_at = now;
        x->r.next_attempt = TW_NO_TIME;
        return rotate_journal_save(x, "retired");
}

int rotate_finish(struct rotate_run *x)
{
        int r = rotate_journal_remove(x);

        if (r == 0)
                x->out->result = TW_ROTATE_FINISHED;
        return r;
}
