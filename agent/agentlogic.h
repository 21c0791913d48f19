/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decisions of "camvault agent" that need no kernel, TPM or database, apart so that the unit tests can
 * pin them down: is a record the one the last agent already committed, how many losses are new, when must
 * the event loop wake up next (never, when idle), when is the next daily digest, and how a line goes to the
 * journal.
 */
#ifndef CV_AGENTLOGIC_H
#define CV_AGENTLOGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>

#include "uapi/camvault.h"

/*
 * Whether r is byte for byte the record the log's last access row holds (last, last_len bytes): the ring
 * buffer hands a record again when the agent was killed after committing it and before the ring moved on.
 * last NULL (no access row yet) is never a replay.
 */
bool cv_agent_is_replay(const void *last, size_t last_len, const struct camvault_rec *r);

/*
 * How many losses the probes counted since what was logged: now - logged, or now when the counters went
 * back (the probes were replaced and count from 0 again).
 */
uint64_t cv_agent_lost_delta(uint64_t logged, uint64_t now);

/* The deadlines the agent waits for, CLOCK_MONOTONIC ns; 0: nothing due. */
struct cv_agent_due {
	int64_t checkpoint_ns;	/* a checkpoint by time, once rows came since the last */
	int64_t lost_check_ns;	/* a look at the loss counters, a moment after the last records */
	int64_t retry_ns;	/* the outbox's next delivery attempt (alerts) */
};

/* The earliest deadline, or 0 when none: the timer is then disarmed and the loop sleeps until an event. */
int64_t cv_agent_next_due(const struct cv_agent_due *d);

/*
 * When a checkpoint falls due by time (cv_log_tick()): with rows beyond those the last checkpoint covers,
 * every_s seconds after that checkpoint (ckpt_mono_s, CLOCK_MONOTONIC seconds); without, 0.
 */
int64_t cv_agent_checkpoint_due(int64_t rows, int64_t ckpt_rows, int64_t ckpt_mono_s, unsigned int every_s);

/* The absolute timerfd setting for deadline due_ns (0: disarmed). */
void cv_agent_timer_spec(int64_t due_ns, struct itimerspec *its);

/* "HH:MM" (00:00 to 23:59) as minutes after midnight; -1 for anything else. */
int cv_agent_parse_hhmm(const char *s);

/*
 * The first time after now when the local clock (TZ) reads minutes after midnight: today's, or tomorrow's
 * once today's has passed. Across a DST change, the hour as the clock then shows it.
 */
time_t cv_agent_next_daily(time_t now, int minutes);

/* Syslog priorities used by the agent's log lines (what sd-daemon's "<N>" prefixes carry). */
#define CV_AGENT_ERR	3
#define CV_AGENT_WARNING 4
#define CV_AGENT_INFO	6
#define CV_AGENT_DEBUG	7

/*
 * One line for stderr, with its newline: "<N>msg" when journal (stderr is the journal's stream: journald
 * reads the priority from the prefix), else "camvault: msg" for errors and "agent: msg" for the rest.
 * Returns the length it needed (like snprintf).
 */
int cv_agent_format_line(char *buf, size_t len, int prio, bool journal, const char *msg);

#endif /* CV_AGENTLOGIC_H */
