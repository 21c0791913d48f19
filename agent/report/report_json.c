// SPDX-License-Identifier: GPL-2.0
/*
 * camvault report's JSON: one document, its schema in docs/report-schema.json ("schema": "camvault-report/1").
 * Each access carries the record exactly as "camvault trace --format json" writes it (cv_rec_format_json), plus what
 * the report adds: the vault, the camera and clip time, how, the operations and the rule that expected it.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/json.h"
#include "util/record.h"

static void cv_jstr_or_null(FILE *out, const char *s)
{
	if (s)
		cv_json_fputs(out, s);
	else
		fputs("null", out);
}

static void cv_jtime(FILE *out, int64_t ns)
{
	char t[40];

	if (!ns) {
		fputs("null", out);
		return;
	}
	cv_wall_format(ns, t, sizeof(t));
	cv_json_fputs(out, t);
}

static int cv_json_access(const struct cv_report_access *a, FILE *out)
{
	char how[CAMVAULT_PATH_LEN + 512], small[16384], *rec = small;
	unsigned int k;
	int n, first = 1;

	n = cv_rec_format_json(&a->rec, a->offset_ns, small, sizeof(small));
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		rec = malloc((size_t)n + 1);
		if (!rec)
			return -1;
		cv_rec_format_json(&a->rec, a->offset_ns, rec, (size_t)n + 1);
	}
	fprintf(out, "{\"row\":%" PRId64 ",\"expected\":%s,\"rule\":", a->row, a->rule ? "true" : "false");
	cv_jstr_or_null(out, a->rule ? cv_policy_rule_name(a->rule) : NULL);
	if (a->rule)
		fprintf(out, ",\"rule_line\":%u", cv_policy_rule_line(a->rule));
	else
		fputs(",\"rule_line\":null", out);
	if (!a->rule && a->why.rule) {
		char why[CAMVAULT_PATH_LEN * 2 + 256];

		cv_policy_why_text(&a->why, &a->rec, why, sizeof(why));
		fputs(",\"why_unexpected\":", out);
		cv_json_fputs(out, why);
	}
	fputs(",\"vault\":", out);
	cv_jstr_or_null(out, a->vault ? a->vault->name : NULL);
	fputs(",\"camera\":", out);
	cv_jstr_or_null(out, a->has_clip ? a->clip.camera : a->camera ? a->rec.path : NULL);
	fputs(",\"clip_time\":", out);
	cv_jstr_or_null(out, a->has_clip ? a->clip.time : NULL);
	fputs(",\"open_time\":", out);
	cv_jtime(out, a->open_ns);
	fputs(",\"close_time\":", out);
	cv_jtime(out, a->close_ns);
	cv_report_how(a, how, sizeof(how));
	fputs(",\"how\":", out);
	cv_json_fputs(out, how);
	fputs(",\"operations\":[", out);
	for (k = 0; k < CV_OP_COUNT; k++)
		if (a->ops & 1u << k) {
			fprintf(out, "%s\"%s\"", first ? "" : ",", cv_op_name(1u << k));
			first = 0;
		}
	fprintf(out, "],\"record\":%s}", rec);
	if (rec != small)
		free(rec);
	return 0;
}

int cv_report_json(const struct cv_report *r, FILE *out)
{
	unsigned int t;
	size_t i;
	int first = 1;

	fputs("{\"schema\":\"camvault-report/1\",\"generated\":", out);
	cv_jtime(out, r->generated_ns);
	fputs(",\"since\":", out);
	cv_jtime(out, r->since_ns);
	fputs(",\"until\":", out);
	cv_jtime(out, r->until_ns);
	fputs(",\"filter\":{\"vault\":", out);
	cv_jstr_or_null(out, r->o->vault);
	fprintf(out, ",\"unexpected_only\":%s}", r->o->unexpected_only ? "true" : "false");
	fprintf(out, ",\"summary\":{\"accesses\":%zu,\"unexpected\":%zu,\"expected\":%zu,\"bytes_read\":%" PRIu64
		",\"bytes_written\":%" PRIu64 "}", r->n, r->unexpected, r->n - r->unexpected, r->bytes_read,
		r->bytes_written);
	fputs(",\"coverage\":{\"tiers\":[", out);
	for (t = 1; t <= CAMVAULT_TIER_SYSCALL_TP; t++)
		if (r->tiers & 1u << t) {
			fprintf(out, "%s\"%s\"", first ? "" : ",", cv_report_tier_name(t));
			first = 0;
		}
	fprintf(out, "],\"lost_events\":%" PRIu64 ",\"lost_rows\":%zu,\"malformed_rows\":%zu,\"events\":%zu,"
		"\"gaps\":[", r->lost_events, r->lost_rows, r->malformed_rows, r->events);
	for (i = 0; i < r->ngaps; i++) {
		const struct cv_report_gap *g = &r->gaps[i];

		fprintf(out, "%s{\"start\":", i ? "," : "");
		cv_jtime(out, g->start_ns);
		fputs(",\"end\":", out);
		cv_jtime(out, g->end_ns);
		fprintf(out, ",\"seconds\":%" PRId64 ",\"reason\":\"%s\",\"open_ended\":%s}",
			(int64_t)((g->end_ns - g->start_ns) / 1000000000), g->crash ? "crash" : "stopped",
			g->open_ended ? "true" : "false");
	}
	fputs("]},\"accesses\":[", out);
	for (i = 0; i < r->n; i++) {
		if (i)
			fputc(',', out);
		if (cv_json_access(&r->a[i], out))
			return -1;
	}
	fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}
