// SPDX-License-Identifier: GPL-2.0
/*
 * The owner's side of "camvault agent" (daemon.h's hooks): each record the log took is matched against the
 * policy (policy.h); an unexpected one becomes an alert in the outbox (outbox.h), in the same transaction as
 * its row, so that an alert is never lost nor sent for a record the log does not have. Deliveries run from the
 * agent's timer, after the commit, never inside a batch, and in a thread of their own with its own database
 * connection: a server that takes 30 s to time out must not hold up the records (the ring buffer fills in
 * seconds under a copy of the whole store). One run at a time; the thread ends with the run, so an idle agent
 * has none. Once a day the digest: the last 24 hours' report, as text, through the channels that take it.
 *
 * Alert storms (agentlogic.h): the first CV_STORM_BURST unexpected accesses of a minute go out one by one;
 * the rest of that minute are held, and one alert says how many more there were and which actors (executable,
 * uid, cgroup) made them, so that decoys cannot hide another reader ("camvault report --unexpected" lists
 * them; the digest counts them all).
 *
 * Names in titles and texts are escaped (record.h's cv_text_escape()): a process or file name is the
 * attacker's to choose, and neither a receiver nor the owner's terminal must take it for anything but text.
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "daemon/agentlogic.h"
#include "daemon/daemon.h"
#include "policy/policy.h"
#include "push/channels.h"
#include "push/outbox.h"
#include "report/report.h"
#include "util/clock.h"
#include "util/record.h"
#include "vault/registry.h"

#define CV_DAY_NS		(24 * 3600 * 1000000000LL)

struct cv_alerts {
	struct cv_policy *policy;
	struct cv_registry reg;
	struct cv_push *push;
	struct cv_storm storm;	/* the current minute of alerts */
};

/* A delivery run in its thread: what it needs, and what it found. */
struct cv_delivery {
	pthread_t thread;
	bool running;		/* started, not yet joined */
	bool again;		/* another run was asked for meanwhile */
	struct cv_alerts *al;	/* the configuration it runs with: kept until it is joined */
	char db[4096];
	int efd;		/* written when the run ends */
	int64_t next_ms;	/* cv_outbox_run()'s result */
	char err[1024];
};

static struct cv_delivery cv_delivery;

/* A delivery is due now: the loop's timer fires at once, after the batch's commit. */
static void cv_alerts_kick(struct agent *a)
{
	a->due.retry_ns = cv_clock_ns(CLOCK_MONOTONIC);
}

static void cv_alerts_free(struct cv_alerts *al)
{
	if (!al)
		return;
	cv_policy_free(al->policy);
	cv_registry_free(&al->reg);
	cv_push_free(al->push);
	free(al);
}

/* Policy, vaults and channels, all or nothing: a new set to replace the old, or NULL with err. */
static struct cv_alerts *cv_alerts_load(char *err, size_t errlen)
{
	struct cv_alerts *al = calloc(1, sizeof(*al));
	char path[4096];

	if (!al) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cv_policy_load(NULL, &al->policy, err, errlen) ||
	    !cv_registry_path(path, sizeof(path)) || cv_registry_load(path, &al->reg, err, errlen) ||
	    cv_push_load(NULL, &al->push, err, errlen)) {
		cv_alerts_free(al);
		return NULL;
	}
	return al;
}

int agent_on_start(struct agent *a, char *err, size_t errlen)
{
	struct cv_alerts *al = cv_alerts_load(err, errlen);

	if (!al)
		return -1;
	a->alerts = al;
	agent_say(a, CV_AGENT_INFO, false, "alerts: %zu policy rules, %zu push channels", cv_policy_count(al->policy),
		  al->push->n);
	/* Messages a previous agent left in the outbox: try them now. */
	cv_alerts_kick(a);
	return 0;
}

/* Queues one message; errors are said, never fatal (the row is in the log whatever happens here). */
static void cv_alerts_queue(struct agent *a, const struct cv_push_msg *m)
{
	struct cv_alerts *al = a->alerts;
	char err[1024];

	if (!al->push->n)
		return;
	if (cv_outbox_add(a->log.db, al->push, m, err, sizeof(err)))
		agent_say(a, CV_AGENT_ERR, false, "an alert could not be queued: %s", err);
	else
		cv_alerts_kick(a);
}

/* "N more, by these actors" for the minute that ended; the minute ends with it. */
static void cv_alerts_flush_held(struct agent *a)
{
	struct cv_alerts *al = a->alerts;
	char title[256], text[CV_STORM_TEXT_MAX], vault[sizeof(al->storm.vault)];

	memcpy(vault, al->storm.vault, sizeof(vault));
	if (!cv_storm_summary(&al->storm, title, sizeof(title), text, sizeof(text)))
		return;
	cv_alerts_queue(a, &(struct cv_push_msg){ .kind = CV_PUSH_ALERT, .vault = vault[0] ? vault : NULL,
						  .title = title, .text = text });
}

/* The minute's summary is due when it ends: the timer wakes the loop then. */
static void cv_alerts_due_held(struct agent *a)
{
	struct cv_alerts *al = a->alerts;
	int64_t end = al->storm.window_ns + CV_STORM_WINDOW_NS;

	if (al->storm.held && (!a->due.retry_ns || a->due.retry_ns > end))
		a->due.retry_ns = end;
}

void agent_on_record(struct agent *a, const struct camvault_rec *r, int64_t rowid)
{
	struct cv_alerts *al = a->alerts;
	const struct cv_vault_entry *v;
	char title[768], text[8192], json[16384], comm[CAMVAULT_COMM_LEN * 4], vault[CAMVAULT_NAME_MAXLEN * 4];
	char esc[(CAMVAULT_PATH_LEN * 2 + 256) * 4];
	struct cv_policy_why why;
	int64_t now;
	int n;

	(void)rowid;
	if (!al)
		return;
	v = cv_rec_vault(&al->reg, r);
	if (cv_policy_match_why(al->policy, r, v, &why))
		return;
	now = cv_clock_ns(CLOCK_MONOTONIC);
	if (cv_storm_over(&al->storm, now))
		cv_alerts_flush_held(a);
	if (!cv_storm_admit(&al->storm, r, v ? v->name : NULL, now)) {
		cv_alerts_due_held(a);
		return;
	}
	cv_text_escape(v ? v->name : (strncmp(r->path, "/dev/video", 10) ? "footage" : "a camera"),
		       CV_ESC_BACKSLASH, vault, sizeof(vault));
	cv_text_escape(r->comm, CV_ESC_BACKSLASH, comm, sizeof(comm));
	snprintf(title, sizeof(title), "camvault: unexpected access to %s: %s (uid %u) %s", vault, comm, r->uid,
		 cv_rec_action(r));
	n = cv_rec_format_text(r, a->offset, text, sizeof(text));
	/* A rule that would have allowed it but for who did it: say so (someone passing as the NVR). */
	if (why.rule && n > 0 && (size_t)n < sizeof(text)) {
		char reason[CAMVAULT_PATH_LEN * 2 + 256];

		cv_policy_why_text(&why, r, reason, sizeof(reason));
		cv_text_escape(reason, CV_ESC_BACKSLASH, esc, sizeof(esc));
		snprintf(text + n, sizeof(text) - (size_t)n, "\nWhy unexpected: %s", esc);
	}
	json[0] = '[';
	cv_rec_format_json(r, a->offset, json + 1, sizeof(json) - 2);
	strcat(json, "]");
	cv_alerts_queue(a, &(struct cv_push_msg){ .kind = CV_PUSH_ALERT, .vault = v ? v->name : NULL,
						  .title = title, .text = text, .json = json });
}

static void *cv_delivery_run(void *arg)
{
	struct cv_delivery *d = arg;
	const uint64_t one = 1;
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(d->db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(d->err, sizeof(d->err), "cannot open the log for the deliveries: %s: check %.512s",
			 db ? sqlite3_errmsg(db) : "out of memory", d->db);
		d->next_ms = -2;
	} else {
		/* The agent's batches hold the write lock for milliseconds; wait for them. */
		sqlite3_busy_timeout(db, 10000);
		d->next_ms = cv_outbox_run(db, d->al->push, cv_wall_ns() / CV_NS_PER_MS, d->err,
					   sizeof(d->err));
	}
	sqlite3_close(db);
	if (write(d->efd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd takes a write of 8 bytes: cannot happen */
	return NULL;
}

/* Waits for the run in progress, if any (SIGHUP, stop: at most the channels' timeouts). */
static void cv_delivery_join(struct agent *a)
{
	uint64_t v;

	if (!cv_delivery.running)
		return;
	pthread_join(cv_delivery.thread, NULL);
	cv_delivery.running = false;
	if (read(a->outbox_fd, &v, sizeof(v)) < 0)
		v = 0;	/* already read: nothing to do */
	if (cv_delivery.al != a->alerts)
		cv_alerts_free(cv_delivery.al);
	cv_delivery.al = NULL;
}

void agent_on_idle_due(struct agent *a)
{
	struct cv_alerts *al = a->alerts;
	int64_t now;
	int e;

	if (!al)
		return;
	now = cv_clock_ns(CLOCK_MONOTONIC);
	if (cv_storm_over(&al->storm, now))
		cv_alerts_flush_held(a);
	cv_alerts_due_held(a);
	if (!al->push->n)
		return;
	if (cv_delivery.running) {
		cv_delivery.again = true;
		return;
	}
	cv_delivery.al = al;
	cv_delivery.efd = a->outbox_fd;
	cv_delivery.again = false;
	cv_delivery.err[0] = '\0';
	snprintf(cv_delivery.db, sizeof(cv_delivery.db), "%s", a->log.path);
	e = pthread_create(&cv_delivery.thread, NULL, cv_delivery_run, &cv_delivery);
	if (e) {
		agent_say(a, CV_AGENT_ERR, false, "cannot start a delivery: %s (trying again in a minute)", strerror(e));
		a->due.retry_ns = now + CV_STORM_WINDOW_NS;
		return;
	}
	cv_delivery.running = true;
}

void agent_on_delivered(struct agent *a)
{
	bool again = cv_delivery.again;
	int64_t next = cv_delivery.next_ms;

	cv_delivery_join(a);
	/* A database error, or messages a server refused and the outbox dropped: either is the owner's to know. */
	if (next < -1 || cv_delivery.err[0])
		agent_say(a, CV_AGENT_ERR, false, "the outbox: %s", cv_delivery.err);
	else if (next >= 0 && (!a->due.retry_ns || a->due.retry_ns > cv_clock_ns(CLOCK_MONOTONIC) + next * 1000000))
		a->due.retry_ns = cv_clock_ns(CLOCK_MONOTONIC) + next * 1000000;
	if (again)
		cv_alerts_kick(a);
}

void agent_on_digest(struct agent *a)
{
	struct cv_alerts *al = a->alerts;
	struct cv_report_opts o = { .format = CV_REPORT_TEXT };
	char err[1024], title[128];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!al || !al->push->n)
		return;
	o.until_ns = cv_wall_ns();
	o.since_ns = o.until_ns - CV_DAY_NS;
	f = open_memstream(&text, &len);
	if (!f || cv_report_write(&a->log, al->policy, &al->reg, &o, f, err, sizeof(err))) {
		if (f)
			fclose(f);
		free(text);
		agent_say(a, CV_AGENT_ERR, true, "the daily digest could not be written: %s", f ? err : "out of memory");
		return;
	}
	fclose(f);
	snprintf(title, sizeof(title), "camvault: the last 24 hours");
	cv_alerts_queue(a, &(struct cv_push_msg){ .kind = CV_PUSH_DIGEST, .title = title, .text = text });
	free(text);
}

int agent_on_reload(struct agent *a, char *summary, size_t len)
{
	struct cv_alerts *al = cv_alerts_load(summary, len), *old = a->alerts;

	if (!al)
		return -1;
	if (old) {
		/* The minute of alerts goes on. */
		al->storm = old->storm;
	}
	a->alerts = al;
	/* A delivery run in progress keeps the old configuration until it ends. */
	if (!(cv_delivery.running && cv_delivery.al == old))
		cv_alerts_free(old);
	snprintf(summary, len, "alerts: %zu policy rules, %zu push channels", cv_policy_count(al->policy),
		 al->push->n);
	cv_alerts_kick(a);
	return 0;
}

void agent_on_stop(struct agent *a)
{
	struct cv_alerts *al = a->alerts;

	/* What is queued stays in the outbox for the next agent; the held count goes out with it. */
	if (al)
		cv_alerts_flush_held(a);
	cv_delivery_join(a);
	cv_alerts_free(al);
	a->alerts = NULL;
}
