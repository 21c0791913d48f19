// SPDX-License-Identifier: GPL-2.0
/*
 * nvrgen's core: the rows waiting in time order, their append through the log's batch API (as the agent's
 * agent_batch(): cv_log_begin(), cv_log_append_*(), cv_log_commit(), which takes the checkpoint that came due),
 * the agent's own events (starts, a clean restart, a crash, lost-record notes), and the run, hour by hour.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_impl.h"

#define AGENT_VERSION	"0.1.0"		/* daemon.c's CAMVAULT_AGENT_VERSION */
#define DEADMAN_S	300u

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

struct rng rng_for(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	struct rng r = { seed };

	r.s = rng_next(&r) ^ a * UINT64_C(0x100000001B3);
	r.s = rng_next(&r) ^ b * UINT64_C(0xC2B2AE3D27D4EB4F);
	r.s = rng_next(&r) ^ c * UINT64_C(0x165667B19E3779F9);
	return r;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo + 1));
}

double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

uint64_t gen_ino(const char *path)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *path; path++)
		h = (h ^ (uint8_t)*path) * UINT64_C(1099511628211);
	return 12 + h % 30000000;	/* ext4's first free inode is 11 */
}

uint32_t gen_pid(struct gen *g)
{
	g->next_pid += 1 + (uint32_t)rng_below(&g->rng, 3);	/* other processes take pids too */
	if (g->next_pid >= 4194304)
		g->next_pid = 300;
	return g->next_pid;
}

static struct item *gen_item(struct gen *g, int64_t t, enum cv_log_kind kind)
{
	struct item *it;

	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 4096;
		struct item *v = realloc(g->items, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "nvrgen: out of memory\n");
			exit(1);
		}
		g->items = v;
		g->cap = cap;
	}
	it = &g->items[g->n++];
	it->t = t;
	it->seq = g->seq++;
	it->kind = kind;
	it->snooper = false;
	it->lost = 0;
	it->text[0] = 0;
	return it;
}

struct camvault_rec *gen_rec(struct gen *g, const struct proc *p, uint16_t type, const char *path,
			     int64_t open_wall, int64_t close_wall, bool snooper)
{
	struct item *it = gen_item(g, close_wall, CV_LOG_ACCESS);
	struct camvault_rec *r = &it->rec;

	it->snooper = snooper;
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->tier = CAMVAULT_TIER_LSM;
	r->pid = p->pid;
	r->tid = p->tid ? p->tid : p->pid;
	r->ppid = p->ppid;
	r->uid = p->uid;
	r->gid = p->gid;
	r->loginuid = p->loginuid;
	r->sessionid = p->sessionid;
	r->open_ns = (uint64_t)(open_wall - g->boot_wall_ns);
	r->close_ns = type == CAMVAULT_REC_SESSION ? (uint64_t)(close_wall - g->boot_wall_ns) : r->open_ns;
	r->cgroup_id = p->cgroup_id;
	r->dev = DEV_VAULT;
	r->ino = type == CAMVAULT_REC_SESSION ? gen_ino(path) : 0;
	snprintf(r->comm, sizeof(r->comm), "%s", p->comm);
	snprintf(r->exe, sizeof(r->exe), "%s", p->exe);
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->exe_dev = p->exe_dev;
	r->exe_ino = p->exe_ino;
	r->mnt_ns = p->mnt_ns;
	r->user_ns = p->user_ns;
	r->aflags = p->aflags;
	return r;
}

void gen_event(struct gen *g, int64_t t, const char *fmt, ...)
{
	struct item *it = gen_item(g, t, CV_LOG_EVENT);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
}

void gen_lost(struct gen *g, int64_t t, uint64_t count)
{
	gen_item(g, t, CV_LOG_LOST)->lost = count;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int gen_commit(struct gen *g)
{
	int ret;

	if (!g->in_batch)
		return 0;
	g->in_batch = 0;
	ret = cv_log_commit(g->log, g->err, g->errlen);
	if (ret)
		return -1;
	if (g->o->progress)
		g->o->progress(g->st, g->o->ctx);
	return 0;
}

/* Appends one waiting row (in the open batch, or a new one). */
static int gen_append(struct gen *g, struct item *it)
{
	struct nvr_row row = { .kind = it->kind, .wall_ns = it->t, .snooper = it->snooper };
	int ret;

	if (!g->in_batch && cv_log_begin(g->log, g->err, g->errlen))
		return -1;
	g->in_batch++;
	switch (it->kind) {
	case CV_LOG_ACCESS:
		ret = cv_log_append_rec(g->log, &it->rec, it->t, g->err, g->errlen);
		row.rec = &it->rec;
		g->st->access++;
		g->st->snoop_rows += it->snooper;
		break;
	case CV_LOG_EVENT:
		ret = cv_log_append_event(g->log, CV_LOG_EVENT, it->text, it->t, g->err, g->errlen);
		row.text = it->text;
		g->st->events++;
		break;
	default:
		ret = cv_log_append_lost(g->log, it->lost, it->t, g->err, g->errlen);
		row.lost = it->lost;
		g->st->lost_rows++;
		break;
	}
	if (ret) {
		cv_log_rollback(g->log);
		g->in_batch = 0;
		return -1;
	}
	if (!g->st->rows)
		g->st->first_ns = it->t;
	g->st->rows++;
	g->st->last_ns = it->t;
	if (g->o->on_row)
		g->o->on_row(&row, g->o->ctx);
	if (g->in_batch >= g->o->batch)
		return gen_commit(g);
	return 0;
}

/*
 * Appends the waiting rows before watermark (wall ns), oldest first. Records that closed while the agent was
 * down are counted, not appended: the row after the window that carries the count (a lost row of 0 made by
 * agent_down()) gets it.
 */
static int gen_flush(struct gen *g, int64_t watermark)
{
	size_t i, k, kept = 0;

	if (g->order_cap < g->n) {
		struct item **v = realloc(g->order, g->n * sizeof(*v));

		if (!v) {
			fprintf(stderr, "nvrgen: out of memory\n");
			exit(1);
		}
		g->order = v;
		g->order_cap = g->n;
	}
	for (i = 0; i < g->n; i++)
		g->order[i] = &g->items[i];
	qsort(g->order, g->n, sizeof(*g->order), item_cmp);
	for (k = 0; k < g->n && g->order[k]->t < watermark; k++) {
		struct item *it = g->order[k];

		if (it->kind == CV_LOG_ACCESS && it->t > g->down_from && it->t < g->down_to) {
			g->dropped++;
			continue;
		}
		if (it->kind == CV_LOG_LOST && !it->lost) {
			/* The note after a window: the records the window took, if any. */
			if (!g->dropped)
				continue;
			it->lost = g->dropped;
			g->st->dropped += (int64_t)g->dropped;
			g->dropped = 0;
		}
		if (gen_append(g, it))
			return -1;
	}
	/* The batch stays open for the next hour's rows, as records wait in the probes' ring: but the last. */
	if (watermark == INT64_MAX && gen_commit(g))
		return -1;
	/* Keep the rest, in order (the sort is stable by seq anyway). */
	{
		struct item *rest = malloc((g->n - k + 1) * sizeof(*rest));

		if (!rest) {
			fprintf(stderr, "nvrgen: out of memory\n");
			exit(1);
		}
		for (i = k; i < g->n; i++)
			rest[kept++] = *g->order[i];
		memcpy(g->items, rest, kept * sizeof(*rest));
		free(rest);
	}
	g->n = kept;
	return 0;
}

const char *nvr_media_dir(enum nvr_kind nvr)
{
	return nvr == NVR_MOTIONEYE ? "/var/lib/motioneye" : "/media/frigate";
}

static const char *vault_name(const struct gen *g)
{
	return g->o->nvr == NVR_MOTIONEYE ? "motioneye" : "frigate";
}

/*
 * The agent, as daemon.c logs itself: "agent started (pid N, tier lsm, camvault V[; the previous agent ended
 * without 'agent stopped'])", each vault's dead-man lock, and "agent stopped (pid N)" at a clean stop.
 */
static uint32_t agent_pid;

static void agent_start(struct gen *g, int64_t t, bool after_crash)
{
	agent_pid = gen_pid(g);
	gen_event(g, t, "agent started (pid %u, tier lsm, camvault %s%s)", agent_pid, AGENT_VERSION,
		  after_crash ? "; the previous agent ended without 'agent stopped'" : "");
	gen_event(g, t + 180 * MS, "vault %s: dead-man lock armed: it locks itself %u s after this agent is gone",
		  vault_name(g), DEADMAN_S);
}

/* The agent is down from t for len ns: what closes meanwhile is lost to the log (and said so after). */
static void agent_down(struct gen *g, int64_t t, int64_t len, bool crash)
{
	if (!crash)
		gen_event(g, t, "agent stopped (pid %u)", agent_pid);
	g->down_from = t;
	g->down_to = t + len;
	agent_start(g, t + len, crash);
	gen_lost(g, t + len + 250 * MS, 0);	/* filled at the flush, or left out */
}

/*
 * The agent's hour: its first start, a clean restart (an upgrade, in the morning of the middle day), a crash
 * (restarted by systemd 5 s later, in the afternoon of the last day), and now and then a note of records lost
 * when the probes' ring buffer overflowed.
 */
static void agent_hour(struct gen *g, int day, int64_t hour_t)
{
	struct rng r = rng_for(g->o->seed, 0, (uint64_t)day, 'A');
	int restart_day = (g->o->days - 1) / 2, crash_day = g->o->days - 1;
	int64_t restart_t = ((int64_t)6 * HOUR_S + rng_range(&r, 20 * 60, 50 * 60)) * NS + rng_range(&r, 0, NS);
	int64_t crash_t = ((int64_t)rng_range(&r, 13, 16) * HOUR_S + rng_range(&r, 0, HOUR_S - 1)) * NS +
			  rng_range(&r, 0, NS);
	int64_t lost_t = ((int64_t)rng_range(&r, 8, 21) * HOUR_S + rng_range(&r, 0, HOUR_S - 1)) * NS;
	bool lost = rng_unit(&r) < 0.35;
	int64_t h0 = hour_t * NS, h1 = h0 + HOUR_S * NS, day0 = (g->o->start_s + (int64_t)day * DAY_S) * NS;

	if (day == 0 && hour_t == g->o->start_s)
		agent_start(g, h0 + 400 * MS, false);
	if (day == restart_day && day0 + restart_t >= h0 && day0 + restart_t < h1)
		agent_down(g, day0 + restart_t, 1200 * MS, false);
	if (day == crash_day && day0 + crash_t >= h0 && day0 + crash_t < h1)
		agent_down(g, day0 + crash_t, 5300 * MS, true);
	if (lost && day0 + lost_t >= h0 && day0 + lost_t < h1)
		gen_lost(g, day0 + lost_t, (uint64_t)rng_range(&r, 1, 64));
}

int nvr_gen_run(struct cv_log *log, const struct nvr_gen_opts *opts, struct nvr_gen_stats *stats, char *err,
		size_t errlen)
{
	struct nvr_gen_opts o = *opts;
	struct gen g = { 0 };
	int day, h, ret = 0;

	if (!o.retention_days)
		o.retention_days = 7;
	if (!o.batch)
		o.batch = 1024;
	if (o.cameras < 1 || o.cameras > 64 || o.days < 1) {
		snprintf(err, errlen, "cameras must be 1..64 and days at least 1");
		return -1;
	}
	memset(stats, 0, sizeof(*stats));
	g.o = &o;
	g.log = log;
	g.st = stats;
	g.err = err;
	g.errlen = errlen;
	g.rng = rng_for(o.seed, 0, 0, 'G');
	/* Up since 3 days and some before the first day. */
	g.boot_wall_ns = (o.start_s - 3 * DAY_S - rng_range(&g.rng, 0, DAY_S)) * NS;
	g.next_pid = 1800 + (uint32_t)rng_below(&g.rng, 400);
	if (o.nvr == NVR_MOTIONEYE)
		motioneye_init(&g);
	else
		frigate_init(&g);
	for (day = 0; day < o.days && !ret; day++) {
		for (h = 0; h < 24 && !ret; h++) {
			int64_t hour_t = o.start_s + (int64_t)day * DAY_S + (int64_t)h * HOUR_S;

			agent_hour(&g, day, hour_t);
			if (o.nvr == NVR_MOTIONEYE)
				motioneye_hour(&g, day, hour_t);
			else
				frigate_hour(&g, day, hour_t);
			snoop_hour(&g, day, hour_t);
			ret = gen_flush(&g, (hour_t + HOUR_S) * NS);
		}
	}
	if (!ret)
		ret = gen_flush(&g, INT64_MAX);
	free(g.items);
	free(g.order);
	return ret;
}

int nvr_snoopers_parse(const char *list, unsigned int *set, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {
		{ "cp", NVR_SNOOP_CP }, { "scp", NVR_SNOOP_SCP }, { "userns", NVR_SNOOP_USERNS },
		{ "camera", NVR_SNOOP_CAMERA }, { "status", NVR_SNOOP_STATUS }, { "all", NVR_SNOOP_ALL },
		{ "none", 0 },
	};
	const char *p = list;

	*set = 0;
	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && !strncmp(names[i].name, p, len))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			snprintf(err, errlen, "unknown snooper '%.*s': cp, scp, userns, camera, status, all or none",
				 (int)len, p);
			return -1;
		}
		*set |= names[i].bit;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int nvr_parse_date(const char *s, int64_t *epoch_s)
{
	struct tm tm = { 0 };
	int y, m, d, n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] || y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*epoch_s = (int64_t)timegm(&tm);
	return 0;
}
