// SPDX-License-Identifier: GPL-2.0
/*
 * camvault agent [--db PATH] [--tier TIER] [--checkpoint-every S] [--digest-at HH:MM] [--verbose]
 *
 * The daemon (systemd: camvault-agent.service). At start it opens the access log (with the TPM: a first
 * start creates its signing key), loads the probes pinned in bpffs (or takes up those a previous agent left
 * there, with the records they kept meanwhile), writes "agent started", opens and mounts every vault of
 * vaults.conf that is not pin or noauto, watches the vaults and the cameras, logs what was already open or
 * mapped of them (preopen.h: what the probes cannot see), and subscribes to camvault.ko's events. Then it
 * sleeps in one epoll over the probes' ring buffer, the kernel's event socket, a signalfd and timerfds that
 * are armed only when something is due: idle, it never wakes up.
 *
 * Each record is committed to the log inside the ring buffer's callback, before the ring moves past it: a
 * kill -9 at any moment loses nothing. The one record that can then come twice (committed, the ring not yet
 * moved on) is recognised at the next start, byte for byte, and skipped. Losses the probes count become
 * 'lost' rows, never silence.
 *
 * SIGHUP re-reads vaults.conf (opens and watches new vaults, unwatches removed ones) and the alerts'
 * configuration; SIGTERM or SIGINT drains the ring, writes "agent stopped", closes the log with a checkpoint,
 * and leaves the probes pinned (sessions still open stay with them for the next agent). Vaults stay open and
 * mounted: the NVR keeps recording while the agent restarts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "policy/policy.h"
#include "probes/btf.h"
#include "probes/preopen.h"
#include "util/clock.h"
#include "util/opts.h"
#include "util/record.h"
#include "vault/dm.h"
#include "vault/registry.h"
#include "vault/secret.h"
#include "vault/vault.h"

#define NS_PER_S		1000000000LL
/* A look at the loss counters this long after the last records: losses without records still show. */
_Static_assert(CV_REPLAY_MAX == CV_PROBES_BATCH_MAX, "a whole batch may come again");

#define CV_AGENT_LOST_CHECK_NS	(NS_PER_S / 5)
/* A failed checkpoint (TPM busy) is tried again after this long. */
#define CV_AGENT_CKPT_RETRY_NS	(60 * NS_PER_S)
/* Records handed over at stop, at most, so that a workload that never pauses cannot hold the stop. */
#define CV_AGENT_DRAIN_ROUNDS	1000

enum { CV_EV_RING = 1, CV_EV_KERNEL, CV_EV_SIGNAL, CV_EV_TIMER, CV_EV_DIGEST, CV_EV_OUTBOX };

/* agent_say() and agent_event(): the line, and the event row when log_it. */
static void agent_vsay(struct agent *a, int prio, bool log_it, enum cv_log_event ev, const char *fmt, va_list ap)
{
	char msg[CV_LOG_TEXT_MAX], line[4 * CV_LOG_TEXT_MAX + 16], err[CV_ERRLEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (prio < CV_AGENT_DEBUG || a->verbose) {
		cv_agent_format_line(line, sizeof(line), prio, a->journal, msg);
		fputs(line, stderr);
	}
	if (log_it && a->log.db) {
		int ret = cv_log_append_event_code(&a->log, ev, msg, cv_wall_ns(), err, sizeof(err));

		if (ret != -1)
			a->rows++;
		if (ret) {
			cv_agent_format_line(line, sizeof(line), CV_AGENT_ERR, a->journal, err);
			fputs(line, stderr);
		}
	}
}

void agent_say(struct agent *a, int prio, bool log_it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	agent_vsay(a, prio, log_it, CV_EVENT_NONE, fmt, ap);
	va_end(ap);
}

void agent_event(struct agent *a, int prio, enum cv_log_event ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	agent_vsay(a, prio, true, ev, fmt, ap);
	va_end(ap);
}

/* err for the caller: vsnprintf, which truncates a long path quietly (the message stays readable). */
static void __attribute__((format(printf, 3, 4))) agent_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void cv_agent_usage(FILE *f)
{
	fprintf(f, "Usage: camvault agent [--db PATH] [--tier TIER] [--checkpoint-every S] [--digest-at HH:MM]\n"
		"                      [--verbose] [--foreground]\n\n"
		"The daemon (camvault-agent.service): opens and mounts the vaults of vaults.conf (not those marked\n"
		"pin or noauto), loads the access probes pinned in bpffs, and writes every record and kernel event\n"
		"to the access log. Runs in the foreground and logs to stderr (the journal under systemd).\n"
		"SIGHUP re-reads vaults.conf; SIGTERM stops it, leaving the vaults open and the probes pinned.\n"
		"  --db PATH             the access log (default $" CV_DB_ENV ", else %s)\n"
		"  --tier TIER           the probes' tier: lsm, fentry, kprobe or tracepoint (default: the best)\n"
		"  --checkpoint-every S  sign a checkpoint S seconds after rows came (default %d)\n"
		"  --digest-at HH:MM     local time of the daily digest (default 08:00)\n"
		"  --verbose             one line per record too\n", CV_DB_PATH, CV_LOG_EVERY_S);
}

/* Re-arms the monotonic timer for the earliest deadline, or disarms it. */
static void agent_arm(struct agent *a)
{
	struct itimerspec its;

	cv_agent_timer_spec(cv_agent_next_due(&a->due), &its);
	if (timerfd_settime(a->timerfd, TFD_TIMER_ABSTIME, &its, NULL))
		agent_say(a, CV_AGENT_ERR, false, "cannot arm the agent's timer: %s", strerror(errno));
}

/* The checkpoint's deadline, from what the log says now. */
static void agent_checkpoint_due(struct agent *a)
{
	a->due.checkpoint_ns = cv_agent_checkpoint_due(a->rows, a->log.ckpt_rows, a->log.ckpt_mono_s,
							a->log.opts.every_s);
	if (a->due.checkpoint_ns && a->due.checkpoint_ns < a->ckpt_not_before)
		a->due.checkpoint_ns = a->ckpt_not_before;
}

static void agent_arm_digest(struct agent *a)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = cv_agent_next_daily(time(NULL), a->digest_minutes);
	/* CANCEL_ON_SET: a clock set (NTP's first sync on a Pi without RTC) wakes us to aim again. */
	if (timerfd_settime(a->digestfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL))
		agent_say(a, CV_AGENT_ERR, false, "cannot arm the daily digest's timer: %s", strerror(errno));
}

/* Appends a 'lost' row for what the probes lost since the last one (and records the log could not take). */
static void agent_check_lost(struct agent *a)
{
	struct cv_probes_loss loss;
	char err[CV_ERRLEN];
	uint64_t now, delta;
	int ret;

	if (cv_probes_lost_counts(a->probes, &loss)) {
		agent_say(a, CV_AGENT_WARNING, false, "cannot read the probes' loss counters");
		return;
	}
	now = loss.records + loss.sessions;
	delta = cv_agent_lost_delta(a->lost_logged, now) + a->unlogged;
	if (!delta)
		return;
	ret = cv_log_append_lost(&a->log, delta, cv_wall_ns(), err, sizeof(err));
	if (ret == -1) {
		agent_say(a, CV_AGENT_ERR, false, "%" PRIu64 " records lost and the loss not logged: %s", delta, err);
		return;
	}
	a->rows++;
	agent_say(a, CV_AGENT_WARNING, false, "lost %" PRIu64 " records (total since the probes were pinned: %"
		  PRIu64 " ring buffer full, %" PRIu64 " sessions table full; %" PRIu64 " not logged)", delta,
		  loss.records, loss.sessions, a->unlogged);
	a->lost_logged = now;
	a->unlogged = 0;
}

/*
 * When a record happened, CLOCK_BOOTTIME: its close, else its open; a record with neither (found open at start,
 * preopen.h) happened when it was found: now, not at boot.
 */
static int64_t agent_rec_time(const struct camvault_rec *r)
{
	struct timespec ts;

	if (r->close_ns || r->open_ns)
		return (int64_t)(r->close_ns ? r->close_ns : r->open_ns);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/*
 * One record into the log (in the batch's transaction when batch): 0, or -1 when the log refused it. What the
 * agent checks of who the process is goes with it (cv_rec_check_host: now, while the file at exe's path is
 * what it was when the process ran it), so that a report years on judges it as the alert did.
 */
static int agent_record(struct agent *a, const struct camvault_rec *probe_rec, bool batch)
{
	struct camvault_rec checked = *probe_rec, *r = &checked;
	char err[CV_ERRLEN];
	int ret;

	cv_rec_check_host(r, getenv(CV_HOST_PROC_ENV));
	ret = cv_log_append_rec(&a->log, r, agent_rec_time(r) + a->offset, err, sizeof(err));
	if (ret == -1) {
		if (!batch)
			agent_say(a, CV_AGENT_ERR, false, "a record could not be logged: %s", err);
		return -1;
	}
	a->rows++;
	a->batch++;
	if (ret == -2)
		agent_say(a, CV_AGENT_ERR, false, "%s", err);
	if (a->verbose) {
		char line[4096];

		cv_rec_format_text(r, a->offset, line, sizeof(line));
		agent_say(a, CV_AGENT_DEBUG, false, "%s", line);
	}
	agent_on_record(a, r, a->rows);
	return 0;
}

/*
 * The probes' batch: every record (and what agent_on_record queues for the owner) is committed to the log in one
 * transaction before the ring buffer lets the records go, so a kill at any moment loses none; the records a
 * killed agent had committed come again, and are skipped (cv_replay). Should the batch fail as a whole, each
 * record is tried on its own; one the log still refuses is counted, and logged as lost.
 */
static int agent_batch(const struct camvault_rec *const *recs, size_t n, void *ctx)
{
	struct agent *a = ctx;
	bool skip[CV_PROBES_BATCH_MAX];
	int64_t rows = a->rows;
	unsigned int batch = a->batch;
	char err[CV_ERRLEN];
	size_t i, skipped = 0;
	int ret;

	for (i = 0; i < n; i++)
		skipped += skip[i] = cv_replay_skip(&a->replay, recs[i]);
	if (skipped)
		agent_say(a, CV_AGENT_INFO, false, "skipped %zu records the previous agent had logged just before it "
			  "ended", skipped);
	ret = cv_log_begin(&a->log, err, sizeof(err));
	for (i = 0; !ret && i < n; i++)
		ret = skip[i] ? 0 : agent_record(a, recs[i], true);
	if (!ret) {
		ret = cv_log_commit(&a->log, err, sizeof(err));
		if (ret == -2)
			agent_say(a, CV_AGENT_ERR, false, "%s", err);
		if (ret != -1)
			return 0;
	} else {
		cv_log_rollback(&a->log);
	}
	agent_say(a, CV_AGENT_WARNING, false, "a batch of %zu records could not be logged (%s): one at a time", n,
		  err);
	a->rows = rows;
	a->batch = batch;
	for (i = 0; i < n; i++)
		if (!skip[i] && agent_record(a, recs[i], false))
			a->unlogged++;
	return 0;
}

/* Logs every waiting record; then losses and deadlines. Returns how many records there were. */
static int agent_read_records(struct agent *a)
{
	int ret, n = 0;

	a->offset = cv_boot_to_wall_offset();
	a->batch = 0;
	do {
		ret = cv_probes_consume(a->probes, 0, agent_batch, a);
		n += ret > 0 ? ret : 0;
	} while (ret == (int)CV_PROBES_BATCH_MAX);
	if (ret < 0)
		agent_say(a, CV_AGENT_ERR, false, "reading the probes' records failed: %s", strerror(-ret));
	if (n > 0) {
		agent_check_lost(a);
		/*
		 * The probes wake the agent for the first record after a quiet millisecond only: look again in a
		 * moment for records that came without a wakeup (and at the loss counters).
		 */
		a->due.lost_check_ns = cv_clock_ns(CLOCK_MONOTONIC) + CV_AGENT_LOST_CHECK_NS;
	}
	return n;
}

static struct cv_watch *agent_watched(struct agent *a, const char *name);
static void agent_deadman(struct agent *a, struct cv_watch *w, unsigned int deadman_s);

static void agent_kernel_event(const struct cv_event *e, void *ctx)
{
	struct agent *a = ctx;
	struct cv_watch *w;
	char text[256];

	cv_event_format(e, text, sizeof(text));
	agent_event(a, e->event == CAMVAULT_EVENT_OPENED || e->event == CAMVAULT_EVENT_CLOSED ? CV_AGENT_INFO :
		    CV_AGENT_WARNING, CV_EVENT_KERNEL, "%s", text);
	/* A table loaded anew (camvault open of a pin vault, a reopen) starts disarmed: arm it again. */
	w = e->event == CAMVAULT_EVENT_OPENED ? agent_watched(a, e->vault) : NULL;
	if (w && w->deadman_s)
		agent_deadman(a, w, w->deadman_s);
}

static void agent_read_events(struct agent *a)
{
	unsigned int bad = 0;
	int ret = cv_ipc_events_read(&a->events, agent_kernel_event, a, &bad);

	if (ret == -ENOBUFS)
		agent_event(a, CV_AGENT_WARNING, CV_EVENT_KERNEL_EVENTS_LOST,
			    "kernel: events lost (the event socket's buffer was full)");
	else if (ret < 0)
		agent_say(a, CV_AGENT_ERR, false, "reading camvault.ko's events failed: %s", strerror(-ret));
	if (bad)
		agent_event(a, CV_AGENT_WARNING, CV_EVENT_KERNEL_EVENTS_LOST,
			    "kernel: %u malformed event messages ignored: the tool and the "
			    "module do not match, install both from the same camvault release", bad);
}

/* Opens (and mounts) vault e with its TPM key unless pin/noauto or open already. 0, or -1 with err. */
static int agent_open_vault(struct agent *a, const struct cv_vault_entry *e, char *err, size_t errlen)
{
	struct cv_secret k = { 0 };
	struct cv_header h;
	char dir[PATH_MAX], why[CV_ERRLEN];
	int ret;

	if (e->pin || e->noauto) {
		agent_say(a, CV_AGENT_INFO, false, "vault %s: not opened by the agent (%s): 'camvault open %s'", e->name,
			  e->pin ? "pin" : "noauto", e->name);
		return 0;
	}
	ret = cv_dm_exists(e->name, NULL, err, errlen);
	if (ret < 0)
		return -1;
	if (!ret) {
		if (cv_vault_header(e, &h, err, errlen) || cv_vault_key_from_tpm(e, &h, &k, err, errlen))
			return -1;
		ret = cv_vault_activate(e, &h, &k, err, errlen);
		cv_secret_free(&k);
		if (ret)
			return -1;
		agent_say(a, CV_AGENT_INFO, true, "vault %s opened: %s/%s", e->name, CV_DM_DIR, e->name);
	}
	if (!e->mountpoint[0] || cv_vault_mounted(e->name, dir, sizeof(dir), why, sizeof(why)) != 0)
		return 0;
	if (cv_vault_mount(e, err, errlen))
		return -1;
	agent_say(a, CV_AGENT_INFO, true, "vault %s mounted on %s", e->name, e->mountpoint);
	return 0;
}

static struct cv_watch *agent_watched(struct agent *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nwatched; i++)
		if (!strcmp(a->watched[i].name, name))
			return &a->watched[i];
	return NULL;
}

/*
 * The dead-man lock of watched vault w: armed with a grace of deadman_s seconds (0: disarmed if it was armed),
 * bound to a->ctl, a socket that lives as long as the agent: when the agent is gone (killed, crashed, stopped)
 * and no agent arms it again within the grace, camvault.ko locks the vault. A closed vault is armed when the
 * kernel says it opened. A failure is an event; the agent goes on.
 */
static void agent_deadman(struct agent *a, struct cv_watch *w, unsigned int deadman_s)
{
	char err[CV_ERRLEN];
	int ret;

	unsigned int was = w->deadman_s;

	/* What the entry asks for: a vault that is closed, or could not be armed, is armed when it opens. */
	w->deadman_s = deadman_s;
	if (!deadman_s && !was)
		return;
	ret = cv_dm_exists(w->name, NULL, err, sizeof(err));
	if (ret <= 0) {
		if (ret < 0)
			agent_say(a, CV_AGENT_ERR, true, "vault %s: dead-man lock not %s: %s", w->name,
				  deadman_s ? "armed" : "disarmed", err);
		return;
	}
	if (!a->ctl.sk && cv_ipc_open(&a->ctl, err, sizeof(err))) {
		a->ctl.sk = NULL;
		agent_say(a, CV_AGENT_ERR, true, "vault %s: dead-man lock not %s: %s", w->name,
			  deadman_s ? "armed" : "disarmed", err);
		return;
	}
	ret = cv_ipc_arm(&a->ctl, w->name, deadman_s * 1000u, err, sizeof(err));
	if (ret) {
		agent_say(a, CV_AGENT_ERR, true, "vault %s: dead-man lock not %s: %s", w->name,
			  deadman_s ? "armed" : "disarmed", err);
		return;
	}
	if (deadman_s)
		agent_say(a, CV_AGENT_INFO, true, "vault %s: dead-man lock armed: it locks itself %u s after this agent "
			  "is gone", w->name, deadman_s);
	else
		agent_say(a, CV_AGENT_INFO, true, "vault %s: dead-man lock disarmed", w->name);
}

/* Record-or-deny for vault e: its recorders allowed when the probes enforce it, else why they do not. */
static void agent_record_or_deny(struct agent *a, const struct cv_vault_entry *e)
{
	int tier = cv_probes_tier(a->probes);
	unsigned int i;

	if (!e->record_or_deny)
		return;
	if (!a->rod) {
		if (tier != CAMVAULT_TIER_LSM)
			agent_event(a, CV_AGENT_ERR, CV_EVENT_ROD_OFF,
				    "vault %s: record-or-deny needs the lsm tier; these probes run "
				    "at %s: not enforced", e->name, cv_probes_tier_name(tier));
		else
			agent_event(a, CV_AGENT_ERR, CV_EVENT_ROD_OFF,
				    "vault %s: record-or-deny not enforced: %s", e->name, a->rod_why[0] ? a->rod_why :
				    "the probes were loaded without it: restart the agent");
		return;
	}
	for (i = 0; i < e->nrecorders; i++) {
		int ret = cv_probes_allow_recorder(a->probes, e->recorders[i]);

		if (ret)
			agent_event(a, CV_AGENT_ERR, CV_EVENT_ROD_OFF,
				    "vault %s: recorder %s not allowed: %s: its reads are refused "
				    "when they cannot be recorded; check the path (vaults.conf line %u)", e->name,
				    e->recorders[i], strerror(-ret), e->line);
	}
	agent_event(a, CV_AGENT_INFO, CV_EVENT_ROD_ON,
		    "vault %s: record-or-deny enforced (the probes refuse every read-open "
		    "of watched footage they could not record)%s%s", e->name, e->nrecorders ? "; never refused: " : "",
		    e->nrecorders ? e->recorders[0] : "");
	for (i = 1; i < e->nrecorders; i++)
		agent_say(a, CV_AGENT_INFO, false, "vault %s: never refused: %s", e->name, e->recorders[i]);
}

/* What agent_preopen_found() gathers for the summary line. */
struct agent_preopen {
	struct agent *a;
	size_t n, len;
	char list[1024];
};

/* A file found open before the probes: logged as any record (alerts and policy apply), and listed. */
static void agent_preopen_found(const struct camvault_rec *r, void *ctx)
{
	struct agent_preopen *p = ctx;
	char comm[4 * CAMVAULT_COMM_LEN + 1], path[4 * CAMVAULT_PATH_LEN + 1];
	size_t room = sizeof(p->list) - p->len;
	int n;

	if (agent_record(p->a, r, false))
		p->a->unlogged++;
	p->n++;
	if (room < 5)
		return;
	n = snprintf(p->list + p->len, room, "%s%s (pid %u) %s%s", p->n > 1 ? ", " : "",
		     cv_text_safe(r->comm, comm, sizeof(comm)), r->pid, cv_text_safe(r->path, path, sizeof(path)),
		     r->mmaps ? " mapped" : "");
	if (n < 0 || (size_t)n >= room)
		snprintf(p->list + sizeof(p->list) - 5, 5, "...");
	p->len = n < 0 || (size_t)n >= room ? sizeof(p->list) : p->len + (size_t)n;
}

/* A session the probes follow already (cv_probes_flush): the scan leaves it to them. */
struct agent_seen {
	struct cv_preopen_seen *v;
	size_t n, cap;
};

static void agent_seen_add(const struct camvault_rec *r, void *ctx)
{
	struct agent_seen *s = ctx;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct cv_preopen_seen *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;	/* the scan may then record one of them twice: no loss */
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct cv_preopen_seen){ .pid = r->pid, .dev = r->dev, .ino = r->ino };
}

/*
 * The probes watch, since before's snapshot of their keys, more: record what is already open or mapped of it
 * (preopen.h). At start, freshly loaded probes watched nothing before, so all; pinned probes taken up again
 * watched what the last agent had, and saw what was opened since: only what was added (a vault new in
 * vaults.conf). The same after a SIGHUP that added vaults.
 */
static void agent_preopen(struct agent *a, const struct cv_probes_keys *before)
{
	struct cv_probes_keys after, added;
	struct agent_preopen found = { .a = a };
	struct agent_seen seen = { 0 };
	struct cv_preopen_opts o = { .tier = cv_probes_tier(a->probes) };
	int ret;

	ret = cv_probes_keys(a->probes, &after);
	if (!ret) {
		ret = cv_preopen_keys_new(&after, before, &added);
		cv_probes_keys_free(&after);
	}
	if (ret) {
		agent_event(a, CV_AGENT_WARNING, CV_EVENT_WATCH_DEGRADED,
			    "files open before the probes not looked for: reading the probes' "
			    "watches failed: %s: run the agent as root (CAP_BPF, CAP_SYS_ADMIN)", strerror(-ret));
		return;
	}
	if (added.nfiles + added.nsbs + added.nmajors) {
		cv_probes_flush(a->probes, agent_seen_add, &seen);
		o.keys = &added;
		o.seen = seen.v;
		o.nseen = seen.n;
		a->offset = cv_boot_to_wall_offset();
		ret = cv_preopen_scan("/proc", &o, agent_preopen_found, &found);
		free(seen.v);
		if (ret < 0)
			agent_event(a, CV_AGENT_WARNING, CV_EVENT_WATCH_DEGRADED,
				    "files open before the probes not looked for: /proc: %s: "
				    "mount proc on /proc", strerror(-ret));
		else if (found.n)
			agent_event(a, CV_AGENT_WARNING, CV_EVENT_PREOPEN_FOUND,
				    "found %zu files of footage open before the probes: %s",
				    found.n, found.list);
	}
	cv_probes_keys_free(&added);
}

/* Opens (as agent_open_vault) and watches vault e. A failure is an event; the agent goes on. 0 or -1. */
static int agent_add_vault(struct agent *a, const struct cv_vault_entry *e)
{
	char err[CV_ERRLEN], desc[3 * PATH_MAX + 64];
	struct cv_watch *w;

	if (agent_open_vault(a, e, err, sizeof(err)))
		agent_say(a, CV_AGENT_ERR, true, "vault %s not opened: %s", e->name, err);
	w = realloc(a->watched, (a->nwatched + 1) * sizeof(*w));
	if (!w) {
		agent_say(a, CV_AGENT_ERR, true, "vault %s not watched: out of memory", e->name);
		return -1;
	}
	a->watched = w;
	/* Even closed, its store is watched: copying the ciphertext away is an access too. */
	if (cv_watch_vault(a->probes, e, &w[a->nwatched], desc, sizeof(desc), err, sizeof(err))) {
		agent_say(a, CV_AGENT_ERR, true, "vault %s not watched: %s", e->name, err);
		return -1;
	}
	a->nwatched++;
	agent_say(a, CV_AGENT_INFO, false, "vault %s watched: %s", e->name, desc);
	agent_record_or_deny(a, e);
	agent_deadman(a, &w[a->nwatched - 1], e->deadman_s);
	return 0;
}

static void agent_remove_vault(struct agent *a, struct cv_watch *w)
{
	int ret;

	/* Out of vaults.conf: no longer the agent's to lock when it goes. */
	agent_deadman(a, w, 0);
	ret = cv_unwatch_vault(a->probes, w);

	if (ret)
		agent_say(a, CV_AGENT_WARNING, false, "vault %s: unwatching it failed: %s", w->name, strerror(-ret));
	*w = a->watched[--a->nwatched];
}

/* Whether watched vault w is still the vault e (same store, same mount). */
static bool agent_same_vault(const struct cv_watch *w, const struct cv_vault_entry *e)
{
	return !strcmp(w->backing, e->backing);
}

static int agent_load_registry(struct cv_registry *reg, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (!cv_registry_path(path, sizeof(path))) {
		agent_err(err, errlen, "the registry's path is too long: shorten %s", CV_ETC_ENV);
		return -1;
	}
	return cv_registry_load(path, reg, err, errlen);
}

/* SIGHUP: vaults.conf again, then the alerts' configuration. */
static void agent_reload(struct agent *a)
{
	struct cv_registry reg = { 0 };
	struct cv_probes_keys before;
	char err[CV_ERRLEN], added[1024] = "", removed[1024] = "", hook[1024];
	size_t i, na = 0, nr = 0;

	if (agent_load_registry(&reg, err, sizeof(err))) {
		agent_event(a, CV_AGENT_ERR, CV_EVENT_AGENT_RELOAD_FAILED,
			    "agent reload failed: %s (the vaults stay as they were)", err);
		return;
	}
	for (i = 0; i < a->nwatched;) {
		const struct cv_vault_entry *e = cv_registry_find(&reg, a->watched[i].name);

		if (e && agent_same_vault(&a->watched[i], e)) {
			if (e->deadman_s != a->watched[i].deadman_s)
				agent_deadman(a, &a->watched[i], e->deadman_s);
			if (e->record_or_deny && !a->rod)
				agent_record_or_deny(a, e);
			i++;
			continue;
		}
		nr += snprintf(removed + nr, nr < sizeof(removed) ? sizeof(removed) - nr : 0, "%s%s", nr ? " " : "",
			       a->watched[i].name);
		agent_remove_vault(a, &a->watched[i]);
	}
	if (cv_probes_keys(a->probes, &before))
		memset(&before, 0, sizeof(before));	/* scan for all: a file twice rather than none */
	for (i = 0; i < reg.n; i++) {
		if (agent_watched(a, reg.v[i].name))
			continue;
		agent_add_vault(a, &reg.v[i]);
		na += snprintf(added + na, na < sizeof(added) ? sizeof(added) - na : 0, "%s%s", na ? " " : "",
			       reg.v[i].name);
	}
	if (na)
		agent_preopen(a, &before);
	cv_probes_keys_free(&before);
	if (agent_on_reload(a, hook, sizeof(hook)))
		agent_event(a, CV_AGENT_ERR, CV_EVENT_AGENT_RELOAD_FAILED,
			    "agent reload: %s (the old alert configuration stays)", hook);
	agent_event(a, CV_AGENT_INFO, CV_EVENT_AGENT_RELOAD,
		    "agent reloaded: %zu vaults watched; added: %s; removed: %s%s%s", a->nwatched,
		    na ? added : "none", nr ? removed : "none", hook[0] ? "; " : "", hook);
	cv_registry_free(&reg);
	agent_checkpoint_due(a);
}

/* What the log says of the last run: its last access rows, its row count, whether it ended with a stop. */
static int agent_read_log_tail(struct agent *a, bool *clean, char *err, size_t errlen)
{
	struct cv_log_cursor c;
	struct cv_log_tail tail;
	int ret;

	if (cv_log_tail(&a->log, &tail, err, errlen))
		return -1;
	a->rows = tail.last_id;
	*clean = tail.clean;
	/* The records that may come again: the last batch's worth of access rows, oldest first. */
	if (cv_log_last_access(&a->log, &c, CV_REPLAY_MAX, err, errlen))
		return -1;
	while ((ret = cv_log_next(&c, err, errlen)) > 0) {
		struct camvault_rec r;

		if (cv_rec_from_blob(&r, c.row.rec, c.row.rec_len))
			continue;	/* not a record: it cannot come again */
		r.aflags = 0;	/* the agent's: the probes' copy has none */
		if (cv_replay_add(&a->replay, &r, sizeof(r))) {
			agent_err(err, errlen, "out of memory");
			ret = -1;
			break;
		}
	}
	cv_log_cursor_close(&c);
	return ret < 0 ? -1 : 0;
}

/* What the 'lost' rows logged since the probes were pinned add up to: the counters' value they account for. */
static void agent_lost_baseline(struct agent *a)
{
	struct cv_probes_pinned info;
	char err[CV_ERRLEN];

	a->lost_logged = 0;
	if (cv_probes_pinned_info(cv_probes_pin_dir(), &info, err, sizeof(err)))
		return;
	cv_log_lost_since(&a->log, info.since * NS_PER_S, &a->lost_logged, err, sizeof(err));
}

/* The pid file, locked while the agent runs: a second agent is refused. 0 or -1 with err. */
static int agent_pidfile(struct agent *a, char *err, size_t errlen)
{
	const char *dir = getenv(CV_AGENT_RUNDIR_ENV);
	char pid[32];
	int n;

	if (!dir || !*dir)
		dir = CV_AGENT_RUNDIR;
	snprintf(a->pidfile, sizeof(a->pidfile), "%s/%s", dir, CV_AGENT_PIDFILE);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		agent_err(err, errlen, "cannot create %s: %s: run the agent as root", dir, strerror(errno));
		return -1;
	}
	a->pidfd = open(a->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (a->pidfd < 0) {
		agent_err(err, errlen, "cannot open %s: %s: run the agent as root", a->pidfile, strerror(errno));
		return -1;
	}
	if (flock(a->pidfd, LOCK_EX | LOCK_NB)) {
		n = (int)read(a->pidfd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		agent_err(err, errlen, "another agent runs (pid %.*s, %s): stop it first ('systemctl stop "
			 "camvault-agent')", (int)strcspn(pid, "\n"), pid, a->pidfile);
		close(a->pidfd);
		a->pidfd = -1;
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(a->pidfd, 0) || pwrite(a->pidfd, pid, n, 0) != n) {
		agent_err(err, errlen, "cannot write %s: %s", a->pidfile, strerror(errno));
		return -1;
	}
	return 0;
}

static int agent_epoll_add(struct agent *a, int fd, uint32_t tag, char *err, size_t errlen, const char *what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		agent_err(err, errlen, "cannot wait for %s: epoll: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The probes, with record-or-deny when want_rod (a vault of vaults.conf asks for it). Without the lsm tier (or
 * when loading them so fails) they are loaded without it, a->rod_why saying why. Probes pinned by an earlier
 * agent with the other setting are taken as they are, for now (a->rod_swap): agent_swap_probes() replaces them
 * once their waiting records can go to the log. 0, or -1 with err.
 */
static int agent_open_probes(struct agent *a, const struct cv_probes_opts *opts, bool want_rod, char *err,
			     size_t errlen)
{
	struct cv_probes_opts o = *opts;
	struct cv_probes_pinned info;
	char why[CV_ERRLEN];
	int e;

	o.record_or_deny = want_rod;
	a->probes = cv_probes_open_opts(&o, err, errlen);
	if (a->probes) {
		a->rod = want_rod;
		return 0;
	}
	e = errno;
	if (e == EEXIST && !cv_probes_pinned_info(o.pin_dir, &info, why, sizeof(why)) &&
	    !info.record_or_deny != !want_rod) {
		o.record_or_deny = !want_rod;
		a->probes = cv_probes_open_opts(&o, err, errlen);
		if (!a->probes)
			return -1;
		a->rod = !want_rod;
		a->rod_swap = true;
		return 0;
	}
	if (!want_rod)
		return -1;
	agent_err(a->rod_why, sizeof(a->rod_why), "%s", err);
	o.record_or_deny = false;
	a->probes = cv_probes_open_opts(&o, err, errlen);
	if (!a->probes)
		return -1;
	a->rod = false;
	return 0;
}

/*
 * The probes pinned by an earlier agent enforce record-or-deny and vaults.conf no longer asks for it, or the
 * other way round: their waiting records go to the log, then they are unpinned and loaded anew. Accesses in
 * between (the load: seconds) are not recorded: an event says so. 0, or -1 with err.
 */
static int agent_swap_probes(struct agent *a, const struct cv_probes_opts *opts, bool want_rod, char *err,
			     size_t errlen)
{
	const char *dir = cv_probes_pin_dir();
	int i, ret;

	for (i = 0; i < CV_AGENT_DRAIN_ROUNDS && agent_read_records(a) > 0; i++)
		;
	agent_check_lost(a);
	agent_event(a, CV_AGENT_WARNING, CV_EVENT_PROBES_DEGRADED,
		    "the probes pinned in %s %s record-or-deny, which vaults.conf %s: "
		    "replacing them (accesses while they load are not recorded)", dir, a->rod ? "enforce" : "do not "
		    "enforce", want_rod ? "asks for" : "no longer asks for");
	cv_probes_close(a->probes);
	a->probes = NULL;
	a->rod_swap = false;
	ret = cv_probes_unpin(dir, err, errlen);
	if (ret && ret != -ENOENT)
		return -1;
	ret = agent_open_probes(a, opts, want_rod, err, errlen);
	if (ret)
		return -1;
	if (a->rod_swap) {
		agent_err(err, errlen, "the probes pinned in %s came back with the other record-or-deny setting: "
			  "another process pins them; stop it, then restart the agent", dir);
		return -1;
	}
	agent_lost_baseline(a);
	agent_event(a, CV_AGENT_INFO, CV_EVENT_PROBES_REPLACED,
		    "probes replaced (tier %s, record-or-deny %s)",
		    cv_probes_tier_name(cv_probes_tier(a->probes)), a->rod ? "enforced" : "off");
	return 0;
}

/* Everything up to the loop. 0, or -1 with err (what started is undone by agent_stop()). */
static int agent_start(struct agent *a, const char *db, const struct cv_probes_opts *popts,
		       const struct cv_log_opts *lopts, char *err, size_t errlen)
{
	struct cv_probes_opts opts = *popts;
	struct cv_probes_keys before;
	struct cv_registry reg = { 0 };
	char btf[PATH_MAX], regerr[CV_ERRLEN];
	sigset_t mask;
	bool clean, want_rod = false, reg_failed = false;
	size_t i;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		agent_err(err, errlen, "cannot block signals: %s", strerror(errno));
		return -1;
	}
	a->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	a->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->digestfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->outbox_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->sigfd < 0 || a->timerfd < 0 || a->digestfd < 0 || a->epfd < 0 || a->outbox_fd < 0) {
		agent_err(err, errlen, "cannot create the agent's signalfd, timerfds, eventfd and epoll: %s",
			  strerror(errno));
		return -1;
	}
	if (agent_pidfile(a, err, errlen))
		return -1;

	if (cv_tpm_open(&a->tpm, err, errlen))
		return -1;
	if (cv_log_open(&a->log, db, &a->tpm, lopts, err, errlen))
		return -1;
	if (agent_read_log_tail(a, &clean, err, errlen))
		return -1;

	errno = 0;
	opts.btf_path = cv_btf_path(btf, sizeof(btf));
	if (!opts.btf_path && errno) {
		agent_err(err, errlen, "%s", btf);
		return -1;
	}
	opts.pin_dir = cv_probes_pin_dir();
	/* Before the probes: whether a vault asks for record-or-deny is decided at their load. */
	reg_failed = agent_load_registry(&reg, regerr, sizeof(regerr)) != 0;
	for (i = 0; i < reg.n; i++)
		want_rod |= reg.v[i].record_or_deny;
	if (agent_open_probes(a, &opts, want_rod, err, errlen)) {
		cv_registry_free(&reg);
		return -1;
	}
	agent_lost_baseline(a);
	agent_event(a, CV_AGENT_INFO, clean ? CV_EVENT_AGENT_START : CV_EVENT_AGENT_CRASH_DETECTED,
		    "agent started (pid %d, tier %s, camvault %s%s)", (int)getpid(),
		  cv_probes_tier_name(cv_probes_tier(a->probes)), CAMVAULT_VERSION,
		  clean ? "" : "; the previous agent ended without 'agent stopped'");
	agent_say(a, CV_AGENT_INFO, false, "access log %s; %s", a->log.path, cv_probes_pin_note(a->probes));
	if (*cv_probes_fallback(a->probes))
		agent_say(a, CV_AGENT_INFO, false, "better tiers not available: %s", cv_probes_fallback(a->probes));

	if (agent_on_start(a, err, errlen))
		agent_say(a, CV_AGENT_ERR, true, "alerts not started: %s", err);
	if (a->rod_swap && agent_swap_probes(a, &opts, want_rod, err, errlen)) {
		cv_registry_free(&reg);
		return -1;
	}
	if (reg_failed)
		agent_say(a, CV_AGENT_ERR, true, "no vault opened: %s", regerr);
	if (cv_probes_keys(a->probes, &before))
		memset(&before, 0, sizeof(before));	/* scan for all: a file twice rather than none */
	for (i = 0; i < reg.n; i++)
		agent_add_vault(a, &reg.v[i]);
	cv_registry_free(&reg);
	if (cv_probes_watch_major(a->probes, CV_PROBES_VIDEO_MAJOR))
		agent_event(a, CV_AGENT_WARNING, CV_EVENT_WATCH_DEGRADED,
			    "cameras (char major %u) not watched", CV_PROBES_VIDEO_MAJOR);
	agent_preopen(a, &before);
	cv_probes_keys_free(&before);

	/* After the vaults: opening one may be what loaded camvault.ko. Without the module: no events. */
	if (cv_ipc_events_open(&a->events, err, errlen)) {
		agent_event(a, CV_AGENT_WARNING, CV_EVENT_KERNEL_EVENTS_OFF,
			    "kernel events not received: %s", err);
		a->events.sk = NULL;
	}

	if (agent_epoll_add(a, cv_probes_fd(a->probes), CV_EV_RING, err, errlen, "the probes' records") ||
	    agent_epoll_add(a, a->sigfd, CV_EV_SIGNAL, err, errlen, "signals") ||
	    agent_epoll_add(a, a->timerfd, CV_EV_TIMER, err, errlen, "the timer") ||
	    agent_epoll_add(a, a->digestfd, CV_EV_DIGEST, err, errlen, "the digest's timer") ||
	    agent_epoll_add(a, a->outbox_fd, CV_EV_OUTBOX, err, errlen, "the deliveries") ||
	    (a->events.sk && agent_epoll_add(a, cv_ipc_events_fd(&a->events), CV_EV_KERNEL, err, errlen,
					     "camvault.ko's events")))
		return -1;
	agent_arm_digest(a);
	agent_checkpoint_due(a);
	agent_arm(a);
	agent_say(a, CV_AGENT_INFO, false, "ready: %zu vaults watched", a->nwatched);
	return 0;
}

static void agent_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			agent_reload(a);
		else
			a->stop = true;
	}
}

static void agent_timer(struct agent *a)
{
	char err[CV_ERRLEN];
	uint64_t ticks;
	int64_t now = cv_clock_ns(CLOCK_MONOTONIC);

	if (read(a->timerfd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	if (a->due.lost_check_ns && now >= a->due.lost_check_ns) {
		a->due.lost_check_ns = 0;
		if (!agent_read_records(a))
			agent_check_lost(a);
	}
	if (a->due.checkpoint_ns && now >= a->due.checkpoint_ns) {
		bool failed = cv_log_tick(&a->log, err, sizeof(err)) != 0;

		if (failed)
			agent_say(a, CV_AGENT_ERR, false, "%s (trying again in a minute)", err);
		/* Not taken (failed, or not quite due by the log's whole seconds): later, not at once. */
		a->ckpt_not_before = now + (failed ? CV_AGENT_CKPT_RETRY_NS : NS_PER_S / 4);
		agent_checkpoint_due(a);
	}
	if (a->due.retry_ns && now >= a->due.retry_ns) {
		a->due.retry_ns = 0;
		agent_on_idle_due(a);
	}
}

static void agent_digest(struct agent *a)
{
	uint64_t ticks;

	/* ECANCELED: the clock was set; aim again without a digest. */
	if (read(a->digestfd, &ticks, sizeof(ticks)) == sizeof(ticks))
		agent_on_digest(a);
	agent_arm_digest(a);
}

static int agent_loop(struct agent *a)
{
	struct epoll_event evs[8];
	int i, n;

	while (!a->stop) {
		n = epoll_wait(a->epfd, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			agent_say(a, CV_AGENT_ERR, false, "epoll_wait failed: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case CV_EV_RING:
				agent_read_records(a);
				break;
			case CV_EV_KERNEL:
				agent_read_events(a);
				break;
			case CV_EV_SIGNAL:
				agent_signal(a);
				break;
			case CV_EV_TIMER:
				agent_timer(a);
				break;
			case CV_EV_DIGEST:
				agent_digest(a);
				break;
			case CV_EV_OUTBOX:
				agent_on_delivered(a);
				break;
			}
		}
		agent_checkpoint_due(a);
		agent_arm(a);
	}
	return 0;
}

/* The end: drain, "agent stopped", the final checkpoint; probes stay pinned, vaults open. */
static int agent_stop(struct agent *a, bool started)
{
	char err[CV_ERRLEN];
	int i, ret = 0;

	if (started) {
		for (i = 0; i < CV_AGENT_DRAIN_ROUNDS && agent_read_records(a) > 0; i++)
			;
		agent_check_lost(a);
		if (a->events.sk)
			agent_read_events(a);
		agent_on_stop(a);
		agent_event(a, CV_AGENT_INFO, CV_EVENT_AGENT_STOP,
			    "agent stopped (pid %d)", (int)getpid());
	}
	if (a->log.db && cv_log_close(&a->log, err, sizeof(err))) {
		agent_say(a, CV_AGENT_ERR, false, "%s", err);
		ret = -1;
	}
	cv_probes_close(a->probes);
	if (a->events.sk)
		cv_ipc_close(&a->events);
	/* The dead-man locks' socket: from here on, their grace runs out unless an agent arms them again. */
	if (a->ctl.sk)
		cv_ipc_close(&a->ctl);
	if (a->tpm.esys)
		cv_tpm_close(&a->tpm);
	free(a->watched);
	cv_replay_free(&a->replay);
	if (a->pidfd >= 0) {
		unlink(a->pidfile);
		close(a->pidfd);
	}
	for (i = 0; i < 5; i++) {
		int fd = i == 0 ? a->epfd : i == 1 ? a->sigfd : i == 2 ? a->timerfd : i == 3 ? a->digestfd :
			 a->outbox_fd;

		if (fd >= 0)
			close(fd);
	}
	return ret;
}

/* Parses the agent's command line. Returns -1 to go on, or cv_opts_exit()'s exit status. */
static int cv_agent_parse(int argc, char **argv, const char **db, struct cv_probes_opts *popts,
			  struct cv_log_opts *lopts, int *digest_minutes, bool *verbose)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "tier", required_argument, NULL, 't' },
		{ "checkpoint-every", required_argument, NULL, 'c' },
		{ "digest-at", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		/* The only way it runs: systemd (Type=simple) keeps it in the foreground. */
		{ "foreground", no_argument, NULL, 'f' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("agent", "v", opts);
	long n;
	int c;

	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'd': *db = o.arg; break;
		case 'v': *verbose = true; break;
		case 'c':
			if (!cv_opts_number(&o, 1, 86400, &n))
				lopts->every_s = (unsigned int)n;
			break;
		case 't':
			popts->tier = cv_probes_tier_parse(o.arg);
			if (popts->tier < 0)
				cv_opts_fail(&o, "unknown tier '%s': give auto, lsm, fentry, kprobe or tracepoint",
					     o.arg);
			break;
		case 'D':
			*digest_minutes = cv_agent_parse_hhmm(o.arg);
			if (*digest_minutes < 0)
				cv_opts_fail(&o, "--digest-at needs a time of day, HH:MM, not '%s'", o.arg);
			break;
		}
	}
	cv_opts_name(&o, argc, argv, NULL, false);
	return cv_opts_exit(&o, cv_agent_usage);
}

int cmd_agent(int argc, char **argv)
{
	struct agent *a;
	struct cv_probes_opts popts = { 0 };
	struct cv_log_opts lopts = { 0 };
	const char *db = NULL;
	char err[CV_ERRLEN];
	bool verbose = false;
	int digest_minutes = 8 * 60;
	int ret = cv_agent_parse(argc, argv, &db, &popts, &lopts, &digest_minutes, &verbose);

	if (ret >= 0)
		return ret;

	/*
	 * Undumpable for its whole life, before anything else: it unseals vault keys and the log's signing key,
	 * and keeps the TPM context (and so tpm2-tss's buffers) open; no core file or ptrace of its user must
	 * show them.
	 */
	cv_secret_undumpable();
	a = calloc(1, sizeof(*a));
	if (!a) {
		fprintf(stderr, "camvault: out of memory\n");
		return 1;
	}
	a->epfd = a->sigfd = a->timerfd = a->digestfd = a->outbox_fd = a->pidfd = -1;
	a->verbose = verbose;
	a->journal = getenv("JOURNAL_STREAM") != NULL;
	a->digest_minutes = digest_minutes;
	/* Under systemd, stderr is the journal: one line per write, at once. */
	setvbuf(stderr, NULL, _IOLBF, 0);

	if (agent_start(a, db, &popts, &lopts, err, sizeof(err))) {
		agent_say(a, CV_AGENT_ERR, false, "%s", err);
		agent_stop(a, a->probes != NULL);
		free(a);
		return 1;
	}
	ret = agent_loop(a);
	ret |= agent_stop(a, true);
	free(a);
	return ret ? 1 : 0;
}
