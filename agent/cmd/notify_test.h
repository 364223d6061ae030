#ifndef TW_AGENT_CMD_NOTIFY_TEST_H
#define TW_AGENT_CMD_NOTIFY_TEST_H

/* `tokenwatch -c FILE notify-test [SINK]`: sends one test notification to
 * SINK (NULL: every sink) and prints one line per sink.  Returns the exit
 * code: 0 all delivered, 1 a sink failed, 2 configuration error or unknown
 * sink. */
int tw_cmd_notify_test(const char *config_path, const char *sink);

#endif
