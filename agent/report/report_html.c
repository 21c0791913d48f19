// SPDX-License-Identifier: GPL-2.0
/*
 * camvault report's HTML: one self-contained file (inline CSS, inline SVG, no script, no external URL of any
 * kind), so that it can be mailed or kept as evidence and opens the same offline years later. It has the
 * summary, a timeline (one lane per executable, a mark per access from its open to its close, unexpected ones
 * red, the agent's gaps shaded) and the table of accesses.
 *
 * Every string from the log is escaped (& < > " ' as entities) and every byte outside printable ASCII is
 * written as the text \xNN: a file name is attacker-chosen, and must neither become markup nor break the
 * page's encoding.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/record.h"

#define CV_LANES	24		/* more executables than this share the last lane, "other" */
#define CV_W		1200		/* the SVG's width */
#define CV_LEFT		260		/* the lane labels' column */
#define CV_LANE_H	22
#define CV_TOP		30

static void cv_esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (c < 0x20 || c > 0x7e)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
}

static const char cv_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}"
	"h1{font-size:20px;margin:0 0 4px}p.summary{font-size:16px;font-weight:600}"
	"table{border-collapse:collapse;width:100%;margin-top:16px}"
	"th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}"
	"th{background:#f3f3f3}td.when{white-space:nowrap}td.path{font-family:monospace;word-break:break-all}"
	"tr.unexpected td{background:#fde8e8}tr.unexpected td.expected{color:#b00;font-weight:700}"
	"svg{border:1px solid #ccc;background:#fafafa}svg text{font:11px sans-serif;fill:#333}"
	"rect.mark{fill:#2a7ab8}rect.mark.unexpected{fill:#d22}rect.gap{fill:#999;fill-opacity:.35}"
	"line.axis{stroke:#666}line.lane{stroke:#e4e4e4}ul.gaps li{color:#555}";

/* The lane of a: its executable's, or "other" (the last) when CV_LANES are taken. */
static size_t cv_lane(const char lanes[][CAMVAULT_PATH_LEN], size_t *nlanes, const struct cv_report_access *a)
{
	const char *key = a->rec.exe[0] ? a->rec.exe : a->rec.comm;
	size_t i;

	for (i = 0; i < *nlanes; i++)
		if (!strcmp(lanes[i], key))
			return i;
	return CV_LANES;	/* not assigned: the caller assigns */
}

/* The span the timeline shows: the report's window, narrowed to where something happened in it. */
struct cv_view {
	int64_t t0, t1;
};

static void cv_view_of(const struct cv_report *r, struct cv_view *v)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN, pad;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct cv_report_access *a = &r->a[i];
		int64_t open = a->open_ns ? a->open_ns : a->time_ns, close = a->close_ns ? a->close_ns : a->time_ns;

		lo = open < lo ? open : lo;
		hi = close > hi ? close : hi;
	}
	for (i = 0; i < r->ngaps; i++) {
		lo = r->gaps[i].start_ns < lo ? r->gaps[i].start_ns : lo;
		hi = r->gaps[i].end_ns > hi ? r->gaps[i].end_ns : hi;
	}
	v->t0 = r->since_ns;
	v->t1 = r->until_ns;
	if (lo > hi)
		return;	/* nothing happened: the whole window */
	/* A twentieth of the span on each side, and at least a minute in all, so that a mark is not on the edge. */
	pad = (hi - lo) / 20;
	if (hi - lo + 2 * pad < 60 * 1000000000LL)
		pad = (60 * 1000000000LL - (hi - lo)) / 2;
	v->t0 = lo - pad > r->since_ns ? lo - pad : r->since_ns;
	v->t1 = hi + pad < r->until_ns ? hi + pad : r->until_ns;
	if (v->t1 <= v->t0) {
		v->t0 = r->since_ns;
		v->t1 = r->until_ns;
	}
}

static double cv_x(const struct cv_view *v, int64_t t)
{
	double span = (double)(v->t1 - v->t0);

	if (t < v->t0)
		t = v->t0;
	if (t > v->t1)
		t = v->t1;
	return CV_LEFT + (span > 0 ? (double)(t - v->t0) / span * (CV_W - CV_LEFT - 20) : 0);
}

static void cv_timeline(const struct cv_report *r, FILE *out)
{
	static char lanes[CV_LANES][CAMVAULT_PATH_LEN];
	size_t nlanes = 0, i, k, lane_of_other = CV_LANES;
	struct cv_view v;
	int height, t;
	char when[40];

	cv_view_of(r, &v);
	/* Lanes in order of first appearance; the last one becomes "other" when there are more. */
	for (i = 0; i < r->n; i++) {
		const struct cv_report_access *a = &r->a[i];

		if (cv_lane(lanes, &nlanes, a) == CV_LANES && nlanes < CV_LANES) {
			snprintf(lanes[nlanes], CAMVAULT_PATH_LEN, "%s", a->rec.exe[0] ? a->rec.exe : a->rec.comm);
			nlanes++;
		}
	}
	if (nlanes == CV_LANES) {
		lane_of_other = CV_LANES - 1;
		snprintf(lanes[lane_of_other], CAMVAULT_PATH_LEN, "(other programs)");
	}
	height = CV_TOP + (int)(nlanes ? nlanes : 1) * CV_LANE_H + 30;
	fprintf(out, "<svg class=\"timeline\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline of accesses\">\n", CV_W, height, CV_W,
		height);
	for (i = 0; i < r->ngaps; i++) {
		const struct cv_report_gap *g = &r->gaps[i];
		double x0 = cv_x(&v, g->start_ns), x1 = cv_x(&v, g->end_ns);
		char d[32];

		cv_report_duration(g->end_ns - g->start_ns, d, sizeof(d));
		fprintf(out, "<rect class=\"gap\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>agent down "
			"%s (%s)</title></rect>\n", x0, CV_TOP - 6, x1 - x0 > 2 ? x1 - x0 : 2,
			height - CV_TOP - 18, d, g->crash ? "crashed" : "stopped");
	}
	for (k = 0; k < (nlanes ? nlanes : 1); k++) {
		int y = CV_TOP + (int)k * CV_LANE_H;

		fprintf(out, "<line class=\"lane\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", CV_LEFT,
			y + CV_LANE_H - 2, CV_W - 20, y + CV_LANE_H - 2);
		fprintf(out, "<text class=\"lane-label\" x=\"6\" y=\"%d\">", y + 14);
		if (nlanes) {
			const char *label = lanes[k];
			size_t len = strlen(label);

			/* The end of a path says the most: keep its last 40 bytes. */
			if (len > 40) {
				fputs("...", out);
				label += len - 40;
			}
			cv_esc(out, label);
		} else {
			fputs("(no accesses)", out);
		}
		fputs("</text>\n", out);
	}
	for (i = 0; i < r->n; i++) {
		const struct cv_report_access *a = &r->a[i];
		size_t lane = cv_lane(lanes, &nlanes, a);
		int64_t open = a->open_ns ? a->open_ns : a->time_ns, close = a->close_ns ? a->close_ns : a->time_ns;
		double x0 = cv_x(&v, open), x1 = cv_x(&v, close);
		char how[CAMVAULT_PATH_LEN + 512];

		if (lane >= nlanes)
			lane = lane_of_other;
		cv_wall_format(open, when, sizeof(when));
		cv_report_how(a, how, sizeof(how));
		fprintf(out, "<rect class=\"mark%s\" data-row=\"%" PRId64 "\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			"height=\"14\"><title>", a->rule ? "" : " unexpected", a->row, x0,
			CV_TOP + (int)lane * CV_LANE_H + 2, x1 - x0 > 3 ? x1 - x0 : 3);
		fprintf(out, "%s ", when);
		cv_esc(out, a->rec.comm);
		fprintf(out, " pid %" PRIu32 ": ", a->rec.pid);
		cv_esc(out, how);
		fputs(" ", out);
		cv_esc(out, a->rec.path);
		fputs(a->rule ? "" : " (UNEXPECTED)", out);
		fputs("</title></rect>\n", out);
	}
	/* The time axis: six ticks. */
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", CV_LEFT, height - 24,
		CV_W - 20, height - 24);
	for (t = 0; t <= 5; t++) {
		int64_t at = v.t0 + (v.t1 - v.t0) / 5 * t;
		double x = cv_x(&v, at);

		cv_wall_format(at, when, sizeof(when));
		/* 2026-11-25T10:00, or with the seconds when the ticks are less than two minutes apart. */
		when[(v.t1 - v.t0) / 5 < 120 * 1000000000LL ? 19 : 16] = '\0';
		fprintf(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/><text class=\"tick\" "
			"x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n", x, height - 28, x, height - 20, x,
			height - 8, t == 0 ? "start" : t == 5 ? "end" : "middle", when);
	}
	fputs("</svg>\n", out);
}

static void cv_row(const struct cv_report_access *a, FILE *out)
{
	const struct camvault_rec *rec = &a->rec;
	char when[40], how[CAMVAULT_PATH_LEN + 512];

	fprintf(out, "<tr class=\"access%s\" data-row=\"%" PRId64 "\"><td class=\"when\">", a->rule ? "" : " unexpected",
		a->row);
	if (a->open_ns) {
		cv_wall_format(a->open_ns, when, sizeof(when));
		fputs(when, out);
	} else {
		fputs("(before the probes)", out);
	}
	fputs("<br>", out);
	if (a->close_ns) {
		cv_wall_format(a->close_ns, when, sizeof(when));
		fputs(when, out);
	} else {
		fputs("still open", out);
	}
	fputs("</td><td>", out);
	cv_esc(out, a->vault ? a->vault->name : a->camera ? "(camera)" : "-");
	fputs("</td><td>", out);
	cv_esc(out, rec->comm);
	fprintf(out, " pid %" PRIu32 " uid %" PRIu32 "<br>container (cgroup) %" PRIu64 "<br>", rec->pid, rec->uid,
		(uint64_t)rec->cgroup_id);
	cv_esc(out, rec->exe[0] ? rec->exe : "?");
	fputs("</td><td class=\"path\">", out);
	cv_esc(out, rec->path);
	if (a->has_clip) {
		fputs("<br>camera ", out);
		cv_esc(out, a->clip.camera);
		fprintf(out, ", clip of %s", a->clip.time);
	}
	fputs("</td><td>", out);
	cv_report_how(a, how, sizeof(how));
	cv_esc(out, how);
	fputs("</td><td class=\"expected\">", out);
	if (a->rule) {
		fputs("expected: ", out);
		cv_esc(out, cv_policy_rule_name(a->rule));
		fprintf(out, " (line %u)", cv_policy_rule_line(a->rule));
	} else {
		fputs("UNEXPECTED", out);
		if (a->why.rule) {
			char why[CAMVAULT_PATH_LEN * 2 + 256];

			cv_policy_why_text(&a->why, rec, why, sizeof(why));
			fputs(": ", out);
			cv_esc(out, why);
		}
	}
	fprintf(out, "</td><td>%s</td></tr>\n", cv_report_tier_name(rec->tier));
}

int cv_report_html(const struct cv_report *r, FILE *out)
{
	char a[40], b[40], line[512];
	size_t i;

	cv_wall_format(r->since_ns, a, sizeof(a));
	cv_wall_format(r->until_ns, b, sizeof(b));
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width\">"
		"<title>camvault report %s to %s</title><style>%s</style></head><body>\n", a, b, cv_css);
	fprintf(out, "<h1>camvault report</h1><p class=\"window\">%s to %s (UTC)", a, b);
	if (r->o->vault) {
		fputs(", vault ", out);
		cv_esc(out, r->o->vault);
	}
	if (r->o->unexpected_only)
		fputs(", unexpected accesses only", out);
	cv_report_summary(r, line, sizeof(line));
	fputs("</p>\n<p class=\"summary\">", out);
	cv_esc(out, line);
	cv_human_bytes(r->bytes_read, a, sizeof(a));
	cv_human_bytes(r->bytes_written, b, sizeof(b));
	fprintf(out, "</p>\n<p>In all: read %s, wrote %s.", a, b);
	if (r->lost_rows)
		fprintf(out, " Lost: %" PRIu64 " events the probes could not record.", r->lost_events);
	if (r->malformed_rows)
		fprintf(out, " %zu rows are not well-formed records: run camvault verify.", r->malformed_rows);
	fputs("</p>\n", out);
	if (r->ngaps) {
		fputs("<ul class=\"gaps\">", out);
		for (i = 0; i < r->ngaps; i++) {
			char d[32];

			cv_wall_format(r->gaps[i].start_ns, a, sizeof(a));
			cv_wall_format(r->gaps[i].end_ns, b, sizeof(b));
			cv_report_duration(r->gaps[i].end_ns - r->gaps[i].start_ns, d, sizeof(d));
			fprintf(out, "<li>agent down %s to %s (%s): %s</li>", a, b, d,
				r->gaps[i].crash ? "it crashed" : "stopped");
		}
		fputs("</ul>\n", out);
	}
	cv_timeline(r, out);
	fputs("<table class=\"accesses\"><thead><tr><th>opened / closed (UTC)</th><th>vault</th><th>who</th>"
	      "<th>what</th><th>how</th><th>expected</th><th>tier</th></tr></thead><tbody>\n", out);
	for (i = 0; i < r->n; i++)
		cv_row(&r->a[i], out);
	fputs("</tbody></table>\n</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}
