// SPDX-License-Identifier: GPL-2.0
/*
 * The agent as "camvault status" sees it (agentinfo.h): its pid file's lock says whether it runs (a pid file
 * left by a killed agent is not locked), the access log's read-only view (log.h's cv_log_stats()) says how much
 * it logged, the outbox what waits for the owner.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon/agentinfo.h"
#include "daemon/daemon.h"
#include "log/log.h"
#include "push/outbox.h"
#include "util/json.h"
#include "util/record.h"

static int cv_agent_running_pid(void)
{
	const char *dir = getenv(CV_AGENT_RUNDIR_ENV);
	char path[4096], buf[32];
	int fd, n, pid = 0;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : CV_AGENT_RUNDIR, CV_AGENT_PIDFILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* The agent holds an exclusive lock while it runs: taking a shared one means none runs. */
	if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		pid = atoi(buf);
	}
	close(fd);
	return pid;
}

void cv_agent_info(struct cv_agent_info *info)
{
	struct cv_log log;
	struct cv_log_stats stats;
	char why[200], err[256];

	memset(info, 0, sizeof(*info));
	info->pid = cv_agent_running_pid();
	info->rows = -1;
	snprintf(info->db, sizeof(info->db), "%s", cv_db_path());
	if (access(info->db, F_OK)) {
		snprintf(info->why, sizeof(info->why), "no access log yet");
		return;
	}
	if (cv_log_open_peek(&log, info->db, why, sizeof(why)) || cv_log_stats(&log, &stats, why, sizeof(why))) {
		snprintf(info->why, sizeof(info->why), "unreadable: %s", why);
	} else {
		info->rows = stats.rows;
		info->last_ckpt_ns = stats.last_ckpt_ns;
		/* The outbox's tables, in the log's database: asked through the same handle. */
		cv_outbox_waiting(log.db, &info->waiting, &info->oldest_ms);
	}
	cv_log_close(&log, err, sizeof(err));
}

void cv_agent_status_line(const struct cv_agent_info *info, char *buf, size_t len)
{
	char when[32];
	int n;

	if (info->pid)
		n = snprintf(buf, len, "agent: running (pid %d), ", info->pid);
	else
		n = snprintf(buf, len, "agent: not running, ");
	if (n < 0 || (size_t)n >= len)
		return;
	if (info->rows < 0) {
		snprintf(buf + n, len - n, "access log %s: %s", info->db, info->why);
		return;
	}
	if (info->last_ckpt_ns)
		cv_wall_format(info->last_ckpt_ns, when, sizeof(when));
	n += snprintf(buf + n, len - n, "%" PRId64 " rows in %s, last checkpoint %s", info->rows, info->db,
		      info->last_ckpt_ns ? when : "none");
	if (n < 0 || (size_t)n >= len || !info->waiting)
		return;
	cv_wall_format(info->oldest_ms * 1000000, when, sizeof(when));
	snprintf(buf + n, len - n, "; %" PRId64 " message%s to the owner not delivered yet (the oldest queued %s): "
		 "camvault push status", info->waiting, info->waiting == 1 ? "" : "s", when);
}

void cv_agent_status_json(const struct cv_agent_info *info, FILE *f)
{
	char when[32];

	fprintf(f, "{\"running\":%s,\"pid\":", info->pid ? "true" : "false");
	if (info->pid)
		fprintf(f, "%d", info->pid);
	else
		fputs("null", f);
	fputs(",\"db\":", f);
	cv_json_fputs(f, info->db);
	if (info->rows < 0) {
		fputs(",\"rows\":null,\"db_error\":", f);
		cv_json_fputs(f, info->why);
		fputc('}', f);
		return;
	}
	fprintf(f, ",\"rows\":%" PRId64 ",\"last_checkpoint\":", info->rows);
	if (info->last_ckpt_ns) {
		cv_wall_format(info->last_ckpt_ns, when, sizeof(when));
		fprintf(f, "\"%s\"", when);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\"outbox_waiting\":%" PRId64 "}", info->waiting);
}
