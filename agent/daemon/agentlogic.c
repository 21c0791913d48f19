// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's pure decisions (agentlogic.h): replays, loss deltas, timer deadlines, the daily digest's
 * time, log line prefixes, alert storms. No I/O here: tests/unit/test_agent.c checks each.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon/agentlogic.h"
#include "util/record.h"

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
	cv_text_escape(msg, 0, buf + n, len - (size_t)n - 1);
	n += (int)strlen(buf + n);
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

bool cv_storm_over(const struct cv_storm *s, int64_t now_ns)
{
	return s->window_ns && now_ns - s->window_ns >= CV_STORM_WINDOW_NS;
}

/* Counts a held access against its actor: the same executable, uid and cgroup. */
static void cv_storm_count(struct cv_storm *s, const struct camvault_rec *r)
{
	struct cv_storm_actor *a;
	size_t i;

	for (i = 0; i < s->nactors; i++) {
		a = &s->actor[i];
		if (a->uid == r->uid && a->cgroup_id == r->cgroup_id && !strncmp(a->exe, r->exe, sizeof(a->exe))) {
			a->held++;
			return;
		}
	}
	if (s->nactors == CV_STORM_ACTORS) {
		s->uncounted++;
		return;
	}
	a = &s->actor[s->nactors++];
	snprintf(a->exe, sizeof(a->exe), "%.*s", (int)sizeof(r->exe), r->exe);
	a->uid = r->uid;
	a->cgroup_id = r->cgroup_id;
	a->held = 1;
}

bool cv_storm_admit(struct cv_storm *s, const struct camvault_rec *r, const char *vault, int64_t now_ns)
{
	if (!s->window_ns) {
		s->window_ns = now_ns;
		s->sent = 0;
	}
	if (s->sent < CV_STORM_BURST) {
		s->sent++;
		return true;
	}
	s->held++;
	snprintf(s->vault, sizeof(s->vault), "%s", vault ? vault : "");
	cv_storm_count(s, r);
	return false;
}

/* The actors' indexes, fewest accesses first, the first seen first among equals: the odd one out on top. */
static void cv_storm_order(const struct cv_storm *s, size_t *order)
{
	size_t i, j;

	for (i = 0; i < s->nactors; i++) {
		for (j = i; j > 0 && s->actor[order[j - 1]].held > s->actor[i].held; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

bool cv_storm_summary(struct cv_storm *s, char *title, size_t tlen, char *text, size_t len)
{
	size_t order[CV_STORM_ACTORS], i, shown;
	uint64_t rest = 0;
	FILE *f;

	if (!s->held) {
		s->window_ns = 0;
		return false;
	}
	shown = s->nactors < CV_STORM_LIST ? s->nactors : CV_STORM_LIST;
	snprintf(title, tlen, "camvault: %" PRIu64 " more unexpected accesses by %s%zu actor%s", s->held,
		 s->uncounted ? "more than " : "", s->nactors, s->nactors == 1 && !s->uncounted ? "" : "s");
	cv_storm_order(s, order);
	f = len ? fmemopen(text, len, "w") : NULL;
	if (f) {
		fprintf(f, "%" PRIu64 " more unexpected accesses to footage in the minute after the last alert, by:\n",
			s->held);
		for (i = 0; i < shown; i++) {
			const struct cv_storm_actor *a = &s->actor[order[i]];
			char exe[CAMVAULT_PATH_LEN * 4];

			cv_text_escape(a->exe[0] ? a->exe : "?", CV_ESC_BACKSLASH, exe, sizeof(exe));
			fprintf(f, "%" PRIu64 " by %s uid %" PRIu32 " cgroup %" PRIu64 "\n", a->held, exe, a->uid,
				a->cgroup_id);
		}
		for (i = shown; i < s->nactors; i++)
			rest += s->actor[order[i]].held;
		if (shown < s->nactors)
			fprintf(f, "and %zu other actor%s (%" PRIu64 " accesses)\n", s->nactors - shown,
				s->nactors - shown == 1 ? "" : "s", rest);
		if (s->uncounted)
			fprintf(f, "and more actors, not counted apart (%" PRIu64 " accesses)\n", s->uncounted);
		fprintf(f, "See them with: camvault report --unexpected --since 1h");
		fclose(f);
		text[len - 1] = '\0';
	}
	memset(s, 0, offsetof(struct cv_storm, actor));
	s->nactors = 0;
	s->uncounted = 0;
	return true;
}
