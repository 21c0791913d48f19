// SPDX-License-Identifier: GPL-2.0
/*
 * camvault report's text: for a terminal, a summary header, the agent's gaps, then one block per access with
 * aligned columns. Strings from the log (paths, names) can hold anything a file name can: they are escaped as
 * record.h's cv_text_escape() says (valid UTF-8 kept, other bytes and control characters as \xNN, a
 * backslash doubled), so a crafted file name cannot move the cursor or forge a line.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/record.h"

int cv_report_text(const struct cv_report *r, FILE *out)
{
	char a[40], b[40], line[512], s1[CAMVAULT_PATH_LEN * 4 + 8], s2[CAMVAULT_PATH_LEN * 4 + 8];
	size_t i;

	cv_wall_format(r->since_ns, a, sizeof(a));
	cv_wall_format(r->until_ns, b, sizeof(b));
	fprintf(out, "camvault report, %s to %s", a, b);
	if (r->o->vault)
		fprintf(out, ", vault %s", cv_text_safe(r->o->vault, s1, sizeof(s1)));
	if (r->o->unexpected_only)
		fprintf(out, ", unexpected accesses only");
	fputc('\n', out);
	cv_report_summary(r, line, sizeof(line));
	fprintf(out, "%s\n", line);
	cv_human_bytes(r->bytes_read, a, sizeof(a));
	cv_human_bytes(r->bytes_written, b, sizeof(b));
	fprintf(out, "in all: read %s, wrote %s\n", a, b);
	if (r->lost_rows)
		fprintf(out, "lost: %" PRIu64 " events the probes could not record (%zu report%s)\n", r->lost_events,
			r->lost_rows, r->lost_rows == 1 ? "" : "s");
	if (r->malformed_rows)
		fprintf(out, "malformed: %zu rows are not well-formed records: run 'camvault verify'\n",
			r->malformed_rows);
	for (i = 0; i < r->ngaps; i++) {
		const struct cv_report_gap *g = &r->gaps[i];
		char d[32];

		cv_wall_format(g->start_ns, a, sizeof(a));
		cv_wall_format(g->end_ns, b, sizeof(b));
		cv_report_duration(g->end_ns - g->start_ns, d, sizeof(d));
		fprintf(out, "gap: agent down %s to %s%s (%s), %s\n", a, b, g->open_ended ? " (report's end)" : "", d,
			g->crash ? "it crashed (no clean stop)" : g->open_ended ? "stopped, not started again" :
			"stopped cleanly");
	}
	if (!r->n)
		return ferror(out) ? -1 : 0;
	fprintf(out, "\n%-24s  %-10s  %-40s  %-32s  %s\n", "WHEN (UTC)", "VAULT", "WHO", "HOW", "EXPECTED");
	for (i = 0; i < r->n; i++) {
		const struct cv_report_access *x = &r->a[i];
		const struct camvault_rec *rec = &x->rec;
		char who[128], how[CAMVAULT_PATH_LEN * 4 + 64], exp[96], comm[CAMVAULT_COMM_LEN * 4];

		if (x->open_ns)
			cv_wall_format(x->open_ns, a, sizeof(a));
		else
			snprintf(a, sizeof(a), "(before the probes)");
		snprintf(who, sizeof(who), "%s pid %" PRIu32 " uid %" PRIu32 " cgroup %" PRIu64,
			 cv_text_safe(rec->comm, comm, sizeof(comm)), rec->pid, rec->uid, (uint64_t)rec->cgroup_id);
		cv_report_how(x, line, sizeof(line));
		cv_text_safe(line, how, sizeof(how));
		if (x->rule)
			snprintf(exp, sizeof(exp), "yes (%s, line %u)", cv_policy_rule_name(x->rule),
				 cv_policy_rule_line(x->rule));
		else if (x->why.rule)
			snprintf(exp, sizeof(exp), "UNEXPECTED (who: see below)");
		else
			snprintf(exp, sizeof(exp), "UNEXPECTED");
		fprintf(out, "%-24s  %-10s  %-40s  %-32s  %s\n", a,
			x->vault ? cv_text_safe(x->vault->name, s2, sizeof(s2)) : x->camera ? "(camera)" : "-", who,
			how, exp);
		fprintf(out, "%-24s  %s", "", cv_text_safe(rec->path, s1, sizeof(s1)));
		if (x->has_clip)
			fprintf(out, " (camera %s, clip of %s)", cv_text_safe(x->clip.camera, s2, sizeof(s2)),
				x->clip.time);
		fputc('\n', out);
		if (x->close_ns)
			cv_wall_format(x->close_ns, b, sizeof(b));
		else
			snprintf(b, sizeof(b), "still open");
		fprintf(out, "%-24s  by %s, parent %" PRIu32 ", closed %s (%s tier)\n", "",
			rec->exe[0] ? cv_text_safe(rec->exe, s2, sizeof(s2)) : "?", rec->ppid, b,
			cv_report_tier_name(rec->tier));
		if (!x->rule && x->why.rule) {
			char why[CAMVAULT_PATH_LEN * 2 + 256], safe[sizeof(why) * 4];

			cv_policy_why_text(&x->why, rec, why, sizeof(why));
			fprintf(out, "%-24s  why unexpected: %s\n", "", cv_text_safe(why, safe, sizeof(safe)));
		}
	}
	return ferror(out) ? -1 : 0;
}
