// SPDX-License-Identifier: GPL-2.0
/*
 * Where the alerts plug into "camvault agent" (daemon.h): policy matching and the outbox on each record,
 * the outbox's retries, the daily digest, reloading their configuration. For now they do nothing: the
 * agent keeps the log; delivering reports is wired here, and only here.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>

#include "daemon.h"

/* HOOK: set up the alerts (a->alerts). */
int agent_on_start(struct agent *a, char *err, size_t errlen)
{
	(void)a;
	(void)err;
	(void)errlen;
	return 0;
}

/* HOOK: policy matching + outbox. Set a->due.retry_ns for a delivery to try. */
void agent_on_record(struct agent *a, const struct camvault_rec *r, int64_t rowid)
{
	(void)a;
	(void)r;
	(void)rowid;
}

/* HOOK: the outbox's retry time came. */
void agent_on_idle_due(struct agent *a)
{
	(void)a;
}

/* HOOK: the daily digest. */
void agent_on_digest(struct agent *a)
{
	(void)a;
}

/* HOOK: SIGHUP, policy and push configuration. */
int agent_on_reload(struct agent *a, char *summary, size_t len)
{
	(void)a;
	if (len)
		summary[0] = '\0';
	return 0;
}

/* HOOK: stopping. */
void agent_on_stop(struct agent *a)
{
	(void)a;
}
