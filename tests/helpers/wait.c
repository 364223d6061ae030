#include "helpers/wait.h"

#include <errno.h>
#include <time.h>

#include "lib/timeutil.h"

void tw_test_sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int64_t tw_test_deadline(long timeout_ms)
{
        return tw_mono_ns() + (int64_t)timeout_ms * 1000000;
}

bool tw_test_poll_again(int64_t deadline)
{
        if (tw_mono_ns() >= deadline)
                return false;
        tw_test_sleep_ms(TW_TEST_POLL_MS);
        return true;
}
