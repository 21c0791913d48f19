/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault agent: the daemon's state, and the hooks (alerts.c) through which the alerts (policy matching, the
 * outbox, the daily digest) plug into its event loop without touching it.
 */
#ifndef CV_DAEMON_H
#define CV_DAEMON_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/agentlogic.h"
#include "log/log.h"
#include "probes/probes.h"
#include "probes/watch.h"
#include "tpm/tpm.h"
#include "vault/ipc.h"

/* Where the agent's pid file is: $CAMVAULT_RUNDIR/agent.pid, else CV_AGENT_RUNDIR/agent.pid. */
#define CV_AGENT_RUNDIR_ENV	"CAMVAULT_RUNDIR"
#define CV_AGENT_RUNDIR		"/run/camvault"
#define CV_AGENT_PIDFILE	"agent.pid"

struct agent {
	struct cv_log log;
	struct cv_tpm tpm;
	struct cv_probes *probes;
	struct cv_ipc events;		/* the kernel's event group; events.sk NULL: not subscribed */
	struct cv_ipc ctl;		/* arms the dead-man locks: they are bound to it; ctl.sk NULL: not open */
	int epfd, sigfd, timerfd, digestfd, pidfd;
	int outbox_fd;			/* an eventfd: a delivery run (alerts.c's thread) ended */
	char pidfile[4096];

	bool rod;			/* the probes enforce record-or-deny */
	bool rod_swap;			/* ... not what vaults.conf asks: pinned so; replaced once the log is up */
	char rod_why[256];		/* why record-or-deny, asked for, is not enforced */

	struct cv_watch *watched;	/* the vaults watched, by name */
	size_t nwatched;

	struct cv_replay replay;	/* what the previous agent logged and may come again */
	int64_t rows;			/* rows in the log (ids have no gaps: the last id) */
	uint64_t lost_logged;		/* what the 'lost' rows since the probes were pinned add up to */
	uint64_t unlogged;		/* records that could not be appended (database errors): logged as lost */
	int64_t offset;			/* CLOCK_BOOTTIME to CLOCK_REALTIME, measured at each batch */
	unsigned int batch;		/* records appended in the current batch */

	struct cv_agent_due due;
	int64_t ckpt_not_before;	/* a checkpoint that was due and not taken: not again before this */
	int digest_minutes;		/* the daily digest, minutes after local midnight */
	bool verbose, journal, stop;

	void *alerts;			/* the alerts' own state: alerts.c's to set up and use */
};

/* A line on stderr (cv_agent_format_line()); an event row in the log too when log_it (with no code). */
void agent_say(struct agent *a, int prio, bool log_it, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The same, always logged, as an event row with the code ev (log.h's enum cv_log_event). */
void agent_event(struct agent *a, int prio, enum cv_log_event ev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * HOOKS, called by the event loop (daemon.c); defined in alerts.c, where the alerts are wired in.
 *
 * agent_on_start: after "agent started", before the vaults are opened: load the policy and push configuration,
 *	open the outbox (a->alerts). Returns 0, or -1 with err: the agent logs it and runs on without alerts.
 * agent_on_record: a record was committed to the log as row rowid: match it against the policy, queue what
 *	must be sent in the outbox, and set a->due.retry_ns when a delivery is to be tried (the loop arms its
 *	timer for it; 0 leaves the loop asleep).
 * agent_on_idle_due: a->due.retry_ns passed (cleared before the call): retry the outbox, set the next one.
 * agent_on_delivered: a->outbox_fd is readable: a delivery run that agent_on_idle_due started has ended.
 * agent_on_digest: the daily digest's time came (CLOCK_REALTIME, --digest-at).
 * agent_on_reload: SIGHUP: re-read the policy and push configuration; summary gets what changed, for the
 *	"agent reloaded: ..." event ("" when nothing). Returns 0, or -1 with summary saying what is wrong (the
 *	old configuration stays).
 * agent_on_stop: before the final "agent stopped": flush what can be flushed (nothing blocks long).
 */
int agent_on_start(struct agent *a, char *err, size_t errlen);
void agent_on_record(struct agent *a, const struct camvault_rec *r, int64_t rowid);
void agent_on_idle_due(struct agent *a);
void agent_on_delivered(struct agent *a);
void agent_on_digest(struct agent *a);
int agent_on_reload(struct agent *a, char *summary, size_t len);
void agent_on_stop(struct agent *a);

#endif /* CV_DAEMON_H */
