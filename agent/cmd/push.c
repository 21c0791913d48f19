// SPDX-License-Identifier: GPL-2.0
/*
 * camvault push test [--channel N|NAME] | status | flush [--db FILE]: the owner's side of push.conf.
 * "test" sends a message through every channel now, not through the outbox, and says per channel "ok" or
 * what failed and how to fix it: what an owner runs right after writing push.conf. "status" shows the outbox
 * (what waits, since when, each channel's last error); "flush" delivers what waits now instead of at its next
 * retry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log/log.h"
#include "push/channels.h"
#include "push/outbox.h"
#include "util/clock.h"
#include "util/opts.h"
#include "util/record.h"

static void cv_push_usage(FILE *f)
{
	fprintf(f, "Usage: camvault push test [--channel N|NAME]\n"
		"       camvault push status [--db FILE]\n"
		"       camvault push flush [--db FILE]\n\n"
		"test    sends a test message through every channel of push.conf now (or only channel N,\n"
		"        counting from 1 in the file's order, or the one named NAME) and prints \"ok\" or the\n"
		"        error per channel\n"
		"status  shows the outbox: messages waiting, the oldest's age, each channel's last delivery and error\n"
		"flush   delivers every waiting message now, whatever its retry time\n\n"
		"push.conf is $" CV_ETC_ENV "/push.conf, else " CV_ETC_DIR "/push.conf; see push.conf(5).\n");
}

static int cv_load(struct cv_push **push)
{
	char err[1024];

	if (cv_push_load(NULL, push, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		return -1;
	}
	return 0;
}

static int cv_push_test(const char *only)
{
	struct cv_push *push;
	char host[128] = "this machine", id[40], err[1024];
	struct cv_push_msg m = { .kind = CV_PUSH_TEST, .vault = NULL, .title = "camvault test message",
				 .json = "[]" };
	char text[512];
	size_t i, tried = 0;
	int failed = 0;

	if (cv_load(&push))
		return 1;
	if (!push->n) {
		fprintf(stderr, "camvault: push.conf has no channels: add one (see push.conf(5))\n");
		cv_push_free(push);
		return 1;
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(text, sizeof(text), "camvault on %s can reach you through this channel. Alerts of unexpected "
		 "access to footage and the daily digest arrive the same way.", host);
	m.text = text;
	snprintf(id, sizeof(id), "test-%" PRId64 "-%ld", cv_wall_ns() / CV_NS_PER_MS, (long)getpid());
	for (i = 0; i < push->n; i++) {
		const struct cv_push_channel *c = &push->ch[i];
		char num[24];

		snprintf(num, sizeof(num), "%zu", i + 1);
		if (only && strcmp(only, num) && strcmp(only, c->id))
			continue;
		tried++;
		if (cv_push_send(c, &m, id, cv_wall_ns() / CV_NS_PER_MS, err, sizeof(err))) {
			size_t idl = strlen(c->id);

			/*
			 * The error starts with the channel's name, which the line already has. It may quote the
			 * server's reply: made safe for the terminal.
			 */
			cv_text_line(stdout, "%zu %s: %s", i + 1, c->id, !strncmp(err, c->id, idl) &&
				     !strncmp(err + idl, ": ", 2) ? err + idl + 2 : err);
			failed++;
		} else {
			printf("%zu %s: ok\n", i + 1, c->id);
		}
		fflush(stdout);
	}
	cv_push_free(push);
	if (!tried) {
		fprintf(stderr, "camvault: push.conf has no channel '%s': give its number (1 to %zu) or its name=\n",
			only, i);
		return 1;
	}
	return failed ? 1 : 0;
}

static int cv_open_db(const char *path, bool rw, struct sqlite3 **db)
{
	/* The log's path as log.h says, without linking the log's TPM code into a command that needs none. */
	if (!path)
		path = cv_db_path();
	if (sqlite3_open_v2(path, db, rw ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "camvault: cannot open the access log %s (%s): the agent creates it; give another "
			"with --db or $%s\n", path, *db ? sqlite3_errmsg(*db) : "out of memory", CV_DB_ENV);
		sqlite3_close(*db);
		return -1;
	}
	sqlite3_busy_timeout(*db, 5000);
	return 0;
}

/* "3 min", "2 h", "5 days": how long ago, for people. */
static void cv_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (s < 120)
		snprintf(buf, len, "%" PRId64 " s", s);
	else if (s < 7200)
		snprintf(buf, len, "%" PRId64 " min", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%" PRId64 " h", s / 3600);
	else
		snprintf(buf, len, "%" PRId64 " days", s / 86400);
}

static int cv_push_status(const char *dbpath)
{
	struct cv_outbox_status st;
	struct cv_push *push;
	struct sqlite3 *db = NULL;
	int64_t now = cv_wall_ns() / CV_NS_PER_MS;
	char err[1024], age[32], when[32];
	size_t i;

	if (cv_load(&push))
		return 1;
	if (cv_open_db(dbpath, false, &db)) {
		cv_push_free(push);
		return 1;
	}
	if (cv_outbox_status(db, push, &st, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		sqlite3_close(db);
		cv_push_free(push);
		return 1;
	}
	cv_age(now - st.oldest_ms, age, sizeof(age));
	printf("outbox: %" PRId64 " waiting%s%s%s, %" PRId64 " sent and %" PRId64 " dropped in the last %d days\n",
	       st.waiting, st.waiting ? " (oldest queued " : "", st.waiting ? age : "", st.waiting ? " ago)" : "",
	       st.sent, st.dropped, (int)(CV_OUTBOX_KEEP_MS / 86400000));
	for (i = 0; i < st.n; i++) {
		const struct cv_outbox_chan *c = &st.ch[i];

		printf("%s:%s %" PRId64 " waiting", c->channel, c->configured ? "" : " NOT in push.conf,", c->waiting);
		if (c->waiting) {
			cv_age(c->next_ms > now ? c->next_ms - now : 0, age, sizeof(age));
			printf(", next try in %s", age);
		}
		if (c->last_ok_ms) {
			cv_wall_format(c->last_ok_ms * 1000000, when, sizeof(when));
			printf(", last delivery %s", when);
		}
		if (c->last_error_ms > c->last_ok_ms && c->last_error[0]) {
			char safe[4 * sizeof(c->last_error)];

			/* A server's reply, as the channel kept it: made safe for the terminal. */
			cv_wall_format(c->last_error_ms * 1000000, when, sizeof(when));
			printf("\n  last error %s: %s", when, cv_text_safe(c->last_error, safe, sizeof(safe)));
		}
		printf("\n");
	}
	cv_outbox_status_free(&st);
	sqlite3_close(db);
	cv_push_free(push);
	return 0;
}

static int cv_push_flush(const char *dbpath)
{
	struct cv_push *push;
	struct sqlite3 *db = NULL;
	char err[1024] = "";
	int64_t next;

	if (cv_load(&push))
		return 1;
	if (cv_open_db(dbpath, true, &db)) {
		cv_push_free(push);
		return 1;
	}
	/* Due now, whatever the backoff said: the owner asked. Rows the agent is sending keep their claim. */
	if (cv_outbox_due_now(db, err, sizeof(err))) {
		fprintf(stderr, "camvault: %s\n", err);
		next = -2;
	} else {
		next = cv_outbox_run(db, push, cv_wall_ns() / CV_NS_PER_MS, err, sizeof(err));
		/* A database error, or messages their server refused, which were dropped: said either way. */
		if (next < -1 || err[0])
			fprintf(stderr, "camvault: %s\n", err);
	}
	sqlite3_close(db);
	cv_push_free(push);
	if (next < -1)
		return 1;
	if (next >= 0) {
		printf("some messages are still waiting: 'camvault push status' says why\n");
		return 1;
	}
	if (err[0]) {
		printf("outbox empty, but messages were refused and dropped (above)\n");
		return 1;
	}
	printf("outbox empty: everything delivered\n");
	return 0;
}

int cmd_push(int argc, char **argv)
{
	static const struct option test_opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		CV_OPT_HELP,
		{ 0 }
	};
	static const struct option outbox_opts[] = {
		{ "db", required_argument, NULL, 'd' },
		CV_OPT_HELP,
		{ 0 }
	};
	const char *sub = argc >= 2 ? argv[1] : "", *db = NULL, *channel = NULL;
	bool test = !strcmp(sub, "test"), known = test || !strcmp(sub, "status") || !strcmp(sub, "flush");
	struct cv_opts o = CV_OPTS("push", "", test ? test_opts : outbox_opts);
	char cmd[32];
	int c;

	if (!known && sub[0] != '-') {
		if (sub[0])
			fprintf(stderr, "camvault push: unknown subcommand '%s': use test, status or flush\n", sub);
		else
			cv_push_usage(stderr);
		return CV_EXIT_USAGE;
	}
	if (known) {
		snprintf(cmd, sizeof(cmd), "push %s", sub);
		o.cmd = cmd;
		argc--;
		argv++;
	}
	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'c': channel = o.arg; break;
		case 'd': db = o.arg; break;
		}
	}
	cv_opts_name(&o, argc, argv, NULL, false);
	if (!known)
		cv_opts_fail(&o, "missing the subcommand: test, status or flush");
	c = cv_opts_exit(&o, cv_push_usage);
	if (c >= 0)
		return c;
	if (test)
		return cv_push_test(channel);
	return !strcmp(sub, "status") ? cv_push_status(db) : cv_push_flush(db);
}
