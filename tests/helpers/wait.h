#ifndef TW_TESTS_HELPERS_WAIT_H
#define TW_TESTS_HELPERS_WAIT_H

/*
 * The one way the C tests wait: poll a condition until it holds, with a
 * bound that is a deadline (a hung test fails), never a timing assertion.
 * No test sleeps a fixed time and then asserts that nothing happened: it
 * waits for a positive signal that the system got past the point where it
 * would have happened (the daemon's tokenwatch_cycles_total, a sink's queue
 * drained, a request seen by the server), then asserts.
 */

#include <stdbool.h>
#include <stdint.h>

#define TW_TEST_WAIT_MS 30000 /* the usual bound */
#define TW_TEST_POLL_MS 10

/* Sleeps ms milliseconds, through signals: between two polls, or where a
 * test must let real time pass (a rate limit's window), never to wait for
 * something to happen. */
void tw_test_sleep_ms(long ms);

/* The tw_mono_ns() deadline timeout_ms from now. */
int64_t tw_test_deadline(long timeout_ms);
/* false once deadline has passed; else sleeps one poll interval and
 * returns true (poll again). */
bool tw_test_poll_again(int64_t deadline);

/* Evaluates cond until it is true; fails the test (cmocka's fail_msg, the
 * caller includes cmocka.h) naming cond after timeout_ms. */
#define TW_TEST_WAIT_FOR(cond, timeout_ms)                                        \
        do {                                                                      \
                int64_t tw_deadline_ = tw_test_deadline(timeout_ms);              \
                while (!(cond))                                                   \
                        if (!tw_test_poll_again(tw_deadline_))                    \
                                fail_msg("timed out after %ld ms waiting for %s", \
                                         (long)(timeout_ms), #cond);              \
        } while (0)

#endif
