/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The outbox: messages for the owner (channels.h) waiting for delivery, in the access log's database, so that
 * nothing is lost while the network, the server or the machine is down. Tables of their own, outside the
 * hash chain (the log's records and checkpoints are not touched). The outbox's schema is its own, and so is its
 * SQL, here; it shares the log's database, and the agent's handle on it (struct cv_log's db, so that an alert
 * commits with the row that caused it), but never reads or writes the log's tables, which log.h's API alone
 * does:
 *
 *	outbox(id INTEGER PRIMARY KEY, uid, channel, kind, vault, title, text, json, created_ms, tries, next_ms,
 *	       state, done_ms, last_error, claim_until)
 *		one row per message and channel; uid the message's delivery id (24 hex digits, the same for
 *		every channel and retry: receivers use it to drop duplicates); state 'queued', 'sent' or
 *		'dropped'; claim_until: a delivery in progress. Times are CLOCK_REALTIME ms.
 *	outbox_channels(channel PRIMARY KEY, last_ok_ms, last_error, last_error_ms)
 *		each channel's last delivery and last error, for status.
 *
 * Retries: a failed delivery is retried after 10 s, doubling up to 1 h, plus up to a fifth more (spread per
 * message, so that a queue does not hit a server that comes back all at once). Once one delivery to a channel
 * fails, the channel's other due messages wait for the same retry, so a dead server costs one timeout per run,
 * not one per message. A message the server refused itself (cv_push_send()'s CV_PUSH_REFUSED: an HTTP 4xx
 * that is not about the token, the URL or the rate) fails alone: another try would be refused the same, so it
 * is dropped at once (state 'dropped', "refused by the server" and the error in last_error) and never holds
 * up the channel's other messages, which a message built to be refused could otherwise delay for days.
 * A message still undelivered CV_OUTBOX_MAX_AGE_MS after it was queued is dropped: its row stays, state
 * 'dropped' and the reason in last_error, and status counts it (never silent). Sent and dropped rows are
 * removed CV_OUTBOX_KEEP_MS after they were done.
 *
 * A channel removed from push.conf while messages wait for it: they are kept (a channel put back, or a name=
 * fixed, gets them), retried like a failure with the error "no longer in push.conf", and dropped at the max
 * age like any other; status names the channel as not configured.
 *
 * A delivery in progress holds its row for CV_OUTBOX_CLAIM_MS (the agent and "camvault push flush" never
 * send the same row twice; a process killed mid-delivery leaves it due again after that). A server that took
 * a message whose answer never arrived gets it again: that is what the delivery id is for.
 */
#ifndef CV_OUTBOX_H
#define CV_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "push/channels.h"

struct sqlite3;

#define CV_OUTBOX_FIRST_RETRY_MS	(10 * 1000LL)
#define CV_OUTBOX_MAX_RETRY_MS		(3600 * 1000LL)
#define CV_OUTBOX_MAX_AGE_MS		(7 * 24 * 3600 * 1000LL)
#define CV_OUTBOX_KEEP_MS		(30 * 24 * 3600 * 1000LL)
#define CV_OUTBOX_CLAIM_MS		(5 * 60 * 1000LL)

/*
 * Queues m for every channel of push that takes its kind (CV_PUSH_ALERT or CV_PUSH_DIGEST), in the caller's
 * open transaction if there is one (it creates the tables if missing and INSERTs), so the agent can commit an
 * alert together with the log row that caused it. m->json, when set, must be a JSON array. No channel taking
 * the kind queues nothing. Returns 0, or -1.
 */
int cv_outbox_add(struct sqlite3 *db, const struct cv_push *push, const struct cv_push_msg *m, char *err,
		  size_t errlen);

/*
 * Tries every delivery due at now_ms (CLOCK_REALTIME ms). Call it outside any transaction: it sends over the
 * network between its statements. Returns ms until the next retry is due (0: due now), -1 when nothing
 * waits, or < -1 on a database error (err says which). Otherwise err is empty, or says that messages were
 * refused by their server and dropped, naming the channel, the answer and the fix: for the caller to log.
 */
int64_t cv_outbox_run(struct sqlite3 *db, const struct cv_push *push, int64_t now_ms, char *err, size_t errlen);

/* A channel's part of the outbox, for status. */
struct cv_outbox_chan {
	char channel[CV_PUSH_ID_MAX];
	bool configured;		/* in push.conf */
	int64_t waiting;		/* queued messages */
	int64_t oldest_ms;		/* when the oldest waiting one was queued; 0: none */
	int64_t next_ms;		/* the next retry; 0: none */
	int64_t last_ok_ms;		/* the last delivery; 0: never */
	int64_t last_error_ms;		/* 0: never */
	char last_error[512];
};

struct cv_outbox_status {
	int64_t waiting, sent, dropped;	/* sent and dropped: the last CV_OUTBOX_KEEP_MS */
	int64_t oldest_ms;		/* when the oldest waiting message was queued; 0: none */
	struct cv_outbox_chan *ch;	/* push's channels, then unconfigured ones that have messages waiting */
	size_t n;
};

/* Fills st (free with cv_outbox_status_free()); a database without an outbox is an empty one. 0 or -1. */
int cv_outbox_status(struct sqlite3 *db, const struct cv_push *push, struct cv_outbox_status *st, char *err,
		     size_t errlen);
void cv_outbox_status_free(struct cv_outbox_status *st);

/*
 * The queued messages: how many, and when the oldest was queued (0: none), for "camvault status". A database
 * without an outbox (or unreadable) has none. db may be the access log's handle (struct cv_log's db): read-only
 * is enough.
 */
void cv_outbox_waiting(struct sqlite3 *db, int64_t *waiting, int64_t *oldest_ms);

/*
 * Makes every queued message due now, whatever its backoff said ("camvault push flush": the owner asked); rows
 * being sent keep their claim. A database without an outbox has nothing to do. 0, or -1 with err.
 */
int cv_outbox_due_now(struct sqlite3 *db, char *err, size_t errlen);

/* The retry delay after tries failed attempts of row id: 10 s doubling to 1 h, plus 0..20 % by id. */
int64_t cv_outbox_backoff_ms(int64_t id, int64_t tries);

#endif /* CV_OUTBOX_H */
