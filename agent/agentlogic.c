// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's pure decisions (agentlogic.h): replays, loss deltas, timer deadlines, the daily digest's
 * time, log line prefixes. No I/O here: tests/unit/test_agent.c checks each.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agentlogic.h"
#include "record.h"

#define NS_PER_S 1000000000LL

static void cv_replay_digest(const void *rec, size_t len, uint8_t d[32])
{
	crypto_hash_sha256(d, rec, len);
}

int cv_replay_add(struct cv_replay *rp, const void *rec, size_t len)
{
	if (rp->n == CV_REPLAY_MAX)
		return 0;
	if (!rp->d) {
		rp->d = calloc(CV_REPLAY_MAX, sizeof(*rp->d));
		if (!rp->d)
			return -1;
	}
	cv_replay_digest(rec, len, rp->d[rp->n++]);
	return 0;
}

bool cv_replay_done(const struct cv_replay *rp)
{
	return !rp->d;
}

bool cv_replay_skip(struct cv_replay *rp, const struct camvault_rec *r)
{
	uint8_t d[32];
	size_t i;

	if (!rp->d)
		return false;
	cv_replay_digest(r, sizeof(*r), d);
	if (!rp->anchored) {
		for (i = 0; i < rp->n && memcmp(rp->d[i], d, 32); i++)
			;
		rp->anchored = true;
		rp->next = i;
	}
	if (rp->next < rp->n && !memcmp(rp->d[rp->next], d, 32)) {
		if (++rp->next == rp->n)
			cv_replay_free(rp);
		return true;
	}
	cv_replay_free(rp);
	return false;
}

void cv_replay_free(struct cv_replay *rp)
{
	free(rp->d);
	memset(rp, 0, sizeof(*rp));
}

uint64_t cv_agent_lost_delta(uint64_t logged, uint64_t now)
{
	return now >= logged ? now - logged : now;
}

int64_t cv_agent_next_due(const struct cv_agent_due *d)
{
	const int64_t all[] = { d->checkpoint_ns, d->lost_check_ns, d->retry_ns };
	int64_t next = 0;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] > 0 && (!next || all[i] < next))
			next = all[i];
	return next;
}

int64_t cv_agent_checkpoint_due(int64_t rows, int64_t ckpt_rows, int64_t ckpt_mono_s, unsigned int every_s)
{
	if (rows <= ckpt_rows)
		return 0;
	return (ckpt_mono_s + (int64_t)every_s) * NS_PER_S;
}

void cv_agent_timer_spec(int64_t due_ns, struct itimerspec *its)
{
	memset(its, 0, sizeof(*its));
	if (due_ns <= 0)
		return;
	its->it_value.tv_sec = due_ns / NS_PER_S;
	its->it_value.tv_nsec = due_ns % NS_PER_S;
}

int cv_agent_parse_hhmm(const char *s)
{
	int h, m;

	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '9' || s[4] < '0' ||
	    s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

time_t cv_agent_next_daily(time_t now, int minutes)
{
	struct tm tm;
	time_t t;
	int day;

	localtime_r(&now, &tm);
	/* Today's, then the following days' (a DST gap can skip a day's time: take the next that exists). */
	for (day = 0; day < 3; day++) {
		struct tm want = tm;

		want.tm_mday += day;
		want.tm_hour = minutes / 60;
		want.tm_min = minutes % 60;
		want.tm_sec = 0;
		want.tm_isdst = -1;
		t = mktime(&want);
		if (t != (time_t)-1 && t > now)
			return t;
	}
	return now + 24 * 3600;
}

int cv_agent_format_line(char *buf, size_t len, int prio, bool journal, const char *msg)
{
	int n;

	if (journal)
		n = snprintf(buf, len, "<%d>", prio);
	else
		n = snprintf(buf, len, "%s: ", prio <= CV_AGENT_ERR ? "camvault" : "agent");
	if (n < 0 || (size_t)n + 2 > len)
		return n;
	/*
	 * msg names processes, paths and vaults: raw, a newline in it would start a journal line of the
	 * priority it chose ("\n<0>..."), an ESC would drive the terminal.
	 */
	cv_text_safe(msg, buf + n, len - (size_t)n - 1);
	n += (int)strlen(buf + n);
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}
