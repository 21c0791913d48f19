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

/*
 * Alert storms: a copy of a whole day of footage is thousands of unexpected accesses. The first
 * CV_STORM_BURST of a minute are alerts of their own; the rest of that minute are held, and one summary says
 * how many there were and by whom: each distinct actor (executable, uid, cgroup, which is the container) with
 * its count, the fewest first, so that a flood of decoy reads by one program cannot hide the read of another.
 * At most CV_STORM_LIST are named, then how many other actors there were; beyond CV_STORM_ACTORS actors,
 * the rest are counted together.
 */
#define CV_STORM_BURST		5
#define CV_STORM_WINDOW_NS	(60 * 1000000000LL)
#define CV_STORM_LIST		8
#define CV_STORM_ACTORS		64
#define CV_STORM_TEXT_MAX	10240	/* holds a summary whole, every name escaped at its longest */

struct cv_storm_actor {
	char exe[CAMVAULT_PATH_LEN];
	uint32_t uid;
	uint64_t cgroup_id;
	uint64_t held;			/* its accesses held in the minute */
};

struct cv_storm {
	int64_t window_ns;		/* CLOCK_MONOTONIC start of the current minute; 0: none */
	unsigned int sent;		/* alerts of their own in it */
	uint64_t held;			/* accesses held in it */
	char vault[CAMVAULT_NAME_MAXLEN];	/* the vault of the last one held ("" for a camera or none) */
	struct cv_storm_actor actor[CV_STORM_ACTORS];
	size_t nactors;
	uint64_t uncounted;		/* held accesses of actors beyond CV_STORM_ACTORS */
};

/* Whether the minute of alerts that s counts is over at now_ns: its summary is then due. */
bool cv_storm_over(const struct cv_storm *s, int64_t now_ns);

/*
 * An unexpected access r, on vault (NULL or "": none), at now_ns (CLOCK_MONOTONIC): true to alert on it on its
 * own, false when it is held for the minute's summary. Starts a minute when none runs.
 */
bool cv_storm_admit(struct cv_storm *s, const struct camvault_rec *r, const char *vault, int64_t now_ns);

/*
 * The summary of the accesses held, into title (tlen bytes) and text (len bytes; CV_STORM_TEXT_MAX holds it
 * whole), the executables' names escaped by record.h's cv_text_escape(); it ends the minute. Returns false,
 * writing nothing, when none were held.
 */
bool cv_storm_summary(struct cv_storm *s, char *title, size_t tlen, char *text, size_t len);

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
