/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What "camvault status" says of the agent: is it running (its pid file, locked while it runs), how many rows
 * its access log holds, when the last checkpoint was signed. Reads only; needs no TPM.
 */
#ifndef CV_AGENTINFO_H
#define CV_AGENTINFO_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct cv_agent_info {
	int pid;			/* the running agent's, 0: none runs */
	int64_t rows;			/* rows in the access log, -1: no log (or unreadable: why says) */
	int64_t last_ckpt_ns;		/* wall clock of the last checkpoint, 0: none */
	int64_t waiting;		/* alerts and digests waiting in the outbox to be delivered */
	int64_t oldest_ms;		/* when the oldest of them was queued (wall clock ms), 0: none */
	char db[4096];			/* the access log's path */
	char why[256];			/* why the log could not be read */
};

/* Fills info from the pid file ($CAMVAULT_RUNDIR or /run/camvault) and the access log ($CAMVAULT_DB). */
void cv_agent_info(struct cv_agent_info *info);

/*
 * "agent: running (pid 412), 1234 rows in /var/lib/camvault/access.db, last checkpoint 2026-...Z", or
 * "agent: not running, ..." (the log's part the same), then "; 3 messages to the owner not delivered yet (the
 * oldest queued 2026-...Z): camvault push status" when some wait, for status's text output.
 */
void cv_agent_status_line(const struct cv_agent_info *info, char *buf, size_t len);

/* The same as the "agent" member of status --format json: {"running":..,"pid":..,"db":..,"rows":..,...}. */
void cv_agent_status_json(const struct cv_agent_info *info, FILE *f);

#endif /* CV_AGENTINFO_H */
