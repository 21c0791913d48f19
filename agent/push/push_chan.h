/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The channels' senders, one file each (push_http.c: ntfy, Gotify, webhook; push_smtp.c; push_mqtt.c), which
 * cv_push_send() (push_http.c) dispatches to, with the message already escaped. Same contract as
 * cv_push_send(): 0, or CV_PUSH_RETRY or CV_PUSH_REFUSED with err.
 */
#ifndef CV_PUSH_CHAN_H
#define CV_PUSH_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "push/channels.h"

#define CV_PUSH_CONNECT_S	10	/* connecting, TLS included */
#define CV_PUSH_TOTAL_S		30	/* a whole delivery */

int cv_push_send_smtp(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
		      int64_t now_ms, char *err, size_t errlen);
int cv_push_send_mqtt(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
		      int64_t now_ms, char *err, size_t errlen);

/* What a curl failure means for the owner: the fix to write after the error. */
const char *cv_push_curl_fix(int curl_code);

#endif /* CV_PUSH_CHAN_H */
