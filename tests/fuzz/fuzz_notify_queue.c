/* libFuzzer target: one queued notification of the state file, as the
 * sinks load them (tw_sink_item_from_json), and back to JSON. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "exporters/notify/sink_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        cJSON *j = cJSON_ParseWithLength((const char *)data, size), *back;
        struct tw_sink_item *it = NULL;
        const cJSON *el;

        /* an item, or an array of them */
        if (cJSON_IsArray(j)) {
                cJSON_ArrayForEach (el, j) {
                        if (tw_sink_item_from_json(el, &it) == 0) {
                                back = tw_sink_item_to_json(it);
                                cJSON_Delete(back);
                                tw_sink_item_free(it);
                        }
                }
        } else if (tw_sink_item_from_json(j, &it) == 0) {
                back = tw_sink_item_to_json(it);
                cJSON_Delete(back);
                tw_sink_item_free(it);
        }
        cJSON_Delete(j);
        return 0;
}
