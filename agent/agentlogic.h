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
 * The records the previous agent committed and the ring buffer may hand again: the agent commits a batch, then
 * lets it leave the ring buffer, so an agent killed between the two leaves that whole batch to the next. The
 * next agent starts with the digests of the log's last access rows (oldest first); records that match a run
 * of them, from where the first one matches to the end, are skipped; the first that does not ends the replay.
 */
#define CV_REPLAY_MAX 1024	/* = CV_PROBES_BATCH_MAX: a batch is what can come again */

struct cv_replay {
	uint8_t (*d)[32];	/* SHA-256 of each row's record, oldest first */
	size_t n;
	size_t next;		/* the next to match once anchored */
	bool anchored;		/* the first record matched one of them */
};

/* Adds a row's record (the last rows, oldest first, at most CV_REPLAY_MAX): 0, or -1 (out of memory). */
int cv_replay_add(struct cv_replay *rp, const void *rec, size_t len);

/* Whether r is the next record of the log's tail: already logged, to be skipped. Ends the replay when not. */
bool cv_replay_skip(struct cv_replay *rp, const struct camvault_rec *r);

/* Whether the replay is over (nothing more can be skipped). */
bool cv_replay_done(const struct cv_replay *rp);

void cv_replay_free(struct cv_replay *rp);

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
 * reads the priority from the prefix), else "camvault: msg" for errors and "agent: msg" for the rest. msg
 * as cv_text_safe() writes it: one line, whatever it holds. Returns the line's length; a short buf cuts msg
 * (never an escape, nor the newline): 4 * strlen(msg) + 16 bytes hold any line.
 */
int cv_agent_format_line(char *buf, size_t len, int prio, bool journal, const char *msg);

#endif /* CV_AGENTLOGIC_H */
