#ifndef TW_TESTS_HELPERS_DAEMON_PROBE_H
#define TW_TESTS_HELPERS_DAEMON_PROBE_H

/*
 * Watching a running daemon from a test: its port file, its /metrics page,
 * one sample of it, and its cycle counter (tokenwatch_cycles_total), the
 * positive signal that a cycle is over.  The caller runs curl_global_init()
 * once.  Failures fail the test (cmocka).
 */

#include <stdbool.h>
#include <stdint.h>

/* The port the daemon wrote to path (--port-file), once it is there;
 * fails the test after TW_TEST_WAIT_MS. */
unsigned short tw_test_read_port(const char *path);

/* GET /metrics of 127.0.0.1:port: the body (caller frees), NULL unless 200. */
char *tw_test_scrape(unsigned short port);

/* The value of the sample named exactly series ("name" or "name{labels}")
 * on page; false if it is not there. */
bool tw_test_metric(const char *page, const char *series, double *ret);

/* Polls /metrics until tokenwatch_cycles_total is above n: cycle n + 1 is
 * over (the page of cycle n + 1 is published after cycle n queued its
 * notifications).  Returns the count; fails the test after
 * TW_TEST_WAIT_MS. */
uint64_t tw_test_wait_cycles(unsigned short port, uint64_t n);

/* Polls /metrics until series has the value want; fails the test after
 * TW_TEST_WAIT_MS (naming the series). */
void tw_test_wait_metric(unsigned short port, const char *series, double want);

#endif
