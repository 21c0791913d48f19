/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The owner's report of the access log: who touched footage (exe, pid, uid, comm, container), what (vault,
 * path, camera, the clip's own time when the path follows Frigate's or motionEye's layout), when, how much,
 * how, and whether the policy expected it and by which rule; plus the coverage: the probes' tiers seen, the
 * events lost, and the gaps when the agent was down. "camvault report" and the agent's daily digest both call
 * cv_report_write(); text for terminals, JSON (docs/report-schema.json) for programs, HTML (one
 * self-contained file with an SVG timeline) for people.
 *
 * Gaps: the agent logs its start and stop as events with codes (log.h: CV_EVENT_AGENT_START, _STOP,
 * _CRASH_DETECTED; in logs from before codes, by their text, "agent started ..." and "agent stopped ..."). A
 * clean stop opens a gap that the next start closes; a start with no stop since the previous start is a
 * crash, and the gap runs from the last row logged before it to the start. log.h's cv_log_gaps() finds them.
 */
#ifndef CV_REPORT_H
#define CV_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log/log.h"
#include "policy/policy.h"
#include "uapi/camvault.h"
#include "vault/registry.h"

enum cv_report_format { CV_REPORT_TEXT, CV_REPORT_JSON, CV_REPORT_HTML };

struct cv_report_opts {
	int64_t since_ns, until_ns;	/* wall clock, ns; rows with since_ns <= time < until_ns (0, 0: all) */
	const char *vault;		/* only accesses on this vault; NULL: all */
	bool unexpected_only;
	enum cv_report_format format;
};

/*
 * Writes the report of the rows of log in the window to out. pol and reg may be NULL (an empty policy: all
 * unexpected; no vaults known). Returns 0, or -1 with err (the database could not be read, out failed).
 */
int cv_report_write(struct cv_log *log, const struct cv_policy *pol, const struct cv_registry *reg,
		    const struct cv_report_opts *o, FILE *out, char *err, size_t errlen);

/*
 * A --since/--until value into wall-clock ns: "24h", "7d", "30m", "90s" (that long before now_ns), or a UTC
 * date "2026-11-25", "2026-11-25T12:00" or "2026-11-25T12:00:30" (an optional trailing Z). 0 or -1.
 */
int cv_report_parse_time(const char *s, int64_t now_ns, int64_t *out);

/* ---- The model, shared by the renderers (report_text.c, report_json.c, report_html.c) ---- */

/* A recording's place in an NVR's tree: its camera and the time the clip starts, from the path alone. */
struct cv_clip {
	char camera[CAMVAULT_PATH_LEN];
	char time[72];			/* "2026-11-25T10:05:00Z" (Frigate: UTC) or "2026-11-25T10:05:00" (local) */
	const char *layout;		/* "frigate", "motioneye" */
};

/* Fills clip from path when it follows Frigate's or motionEye's layout; false when it follows neither. */
bool cv_clip_parse(const char *path, struct cv_clip *clip);

struct cv_report_access {
	int64_t row;			/* the log's row id */
	int64_t time_ns;		/* the row's time (wall clock, at the close) */
	int64_t open_ns, close_ns;	/* wall clock; close 0 when still open */
	int64_t offset_ns;		/* boot-time to wall-clock offset of this record */
	struct camvault_rec rec;	/* strings NUL-terminated */
	unsigned int ops;		/* CV_OP_* */
	const struct cv_vault_entry *vault;
	const struct cv_policy_rule *rule;	/* NULL: unexpected */
	struct cv_policy_why why;		/* unexpected: a rule that would expect it but for who did it */
	bool camera, has_clip;
	struct cv_clip clip;
};

struct cv_report_gap {
	int64_t start_ns, end_ns;
	bool crash;			/* the agent did not stop cleanly */
	bool open_ended;		/* no start after the stop: ends at the window's end */
};

struct cv_report {
	const struct cv_report_opts *o;
	int64_t since_ns, until_ns;	/* the window as shown (until: now when open) */
	int64_t generated_ns;
	struct cv_report_access *a;
	size_t n, unexpected;
	uint64_t bytes_read, bytes_written;
	unsigned int tiers;		/* bit 1 << tier of every record in the window */
	uint64_t lost_events;		/* sum of 'lost' rows in the window */
	size_t lost_rows, malformed_rows, events;
	struct cv_report_gap *gaps;
	size_t ngaps;
};

/* "lsm", "fentry", "kprobe", "syscall-tracepoint". */
const char *cv_report_tier_name(unsigned int tier);

/* How the access went, for people: "read 1.2 MiB, copied to 10.0.0.5:443", "streamed 300 frames"... */
void cv_report_how(const struct cv_report_access *a, char *buf, size_t len);

/* "12 accesses, 3 unexpected, coverage: lsm tier, 0 lost, no gaps" */
void cv_report_summary(const struct cv_report *r, char *buf, size_t len);

/* Duration for people: "45s", "5m 0s", "2h 3m", "3d 4h". */
void cv_report_duration(int64_t ns, char *buf, size_t len);

int cv_report_text(const struct cv_report *r, FILE *out);
int cv_report_json(const struct cv_report *r, FILE *out);
int cv_report_html(const struct cv_report *r, FILE *out);

#endif /* CV_REPORT_H */
