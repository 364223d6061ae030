/* libFuzzer target: the notifier's state file (notify-state.json) and ack
 * file (notify-acks.json) loaders.  Every number is bounded before it is
 * converted: UBSan reports any float-to-integer overflow. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core/notify/state.h"
#include "exporters/notify/store_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_notify_state *st = NULL;
        cJSON *queues = NULL, *acks = NULL, *back;
        uint64_t next_id = 0;

        if (tw_notify_store_parse_state((const char *)data, size, &st, &next_id, &queues) == 0) {
                /* what loads must save and load again */
                back = tw_notify_state_to_json(st);
                cJSON_Delete(back);
                tw_notify_state_free(st);
                cJSON_Delete(queues);
        }
        if (tw_notify_store_parse_acks((const char *)data, size, &acks) == 0)
                cJSON_Delete(acks);
        back = cJSON_ParseWithLength((const char *)data, size); /* the digests' periods */
        if (back && tw_notify_store_parse_digests(cJSON_GetObjectItem(back, "digests"), &acks) == 0)
                cJSON_Delete(acks);
        cJSON_Delete(back);
        return 0;
}
