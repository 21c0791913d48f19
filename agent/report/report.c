// SPDX-License-Identifier: GPL-2.0
/*
 * camvault report: reads the access log's window into a model (report.h), classifies every access against the
 * policy, finds the agent's downtime, and hands the model to a renderer (report_text.c, report_json.c,
 * report_html.c). The command line is here too.
 *
 * Rows come from the log's cursor (log.h's cv_log_rows(): the report needs no SQL), selected by time; what is
 * shown comes from each row's rec blob, the bytes the hash chain covers, so a report says what "camvault
 * verify" checks. A row whose blob is not a well-formed record is counted as malformed and named in the
 * coverage, never silently dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report.h"
#include "util/clock.h"
#include "util/record.h"

#define NS 1000000000LL

const char *cv_report_tier_name(unsigned int tier)
{
	return cv_rec_tier_name(tier);
}

void cv_report_duration(int64_t ns, char *buf, size_t len)
{
	int64_t s = ns / NS;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRId64 "h %" PRId64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%" PRId64 "d %" PRId64 "h", s / 86400, s / 3600 % 24);
}

/* n digits at s into *v; false unless all are digits. */
static bool cv_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/*
 * "YYYY-MM-DD" at s (10 bytes) into y, m, d; checked for a real date's ranges, years 1970 to 2200 (ns since
 * the epoch in an int64 end in 2262).
 */
static bool cv_date(const char *s, int *y, int *m, int *d)
{
	return cv_digits(s, 4, y) && s[4] == '-' && cv_digits(s + 5, 2, m) && s[7] == '-' && cv_digits(s + 8, 2, d) &&
	       *y >= 1970 && *y <= 2200 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

int cv_report_parse_time(const char *s, int64_t now_ns, int64_t *out)
{
	size_t n = strlen(s);
	int y, mo, d, h = 0, mi = 0, sec = 0;
	struct tm tm;
	time_t t;

	if (n >= 2 && n <= 7 && strspn(s, "0123456789") == n - 1 && strchr("smhd", s[n - 1])) {
		static const int64_t unit[] = { 1, 60, 3600, 86400 };
		int64_t secs = strtoll(s, NULL, 10) * unit[strchr("smhd", s[n - 1]) - "smhd"];

		/* A century back at most: further would leave the range of ns in an int64. */
		if (secs > 36500 * 86400LL)
			return -1;
		*out = now_ns - secs * NS;
		return 0;
	}
	if (n && s[n - 1] == 'Z')
		n--;
	if (n < 10 || !cv_date(s, &y, &mo, &d))
		return -1;
	if (n == 16 || n == 19) {
		if (s[10] != 'T' || !cv_digits(s + 11, 2, &h) || s[13] != ':' || !cv_digits(s + 14, 2, &mi) ||
		    h > 23 || mi > 59)
			return -1;
		if (n == 19 && (s[16] != ':' || !cv_digits(s + 17, 2, &sec) || sec > 60))
			return -1;
	} else if (n != 10) {
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t * NS;
	return 0;
}

/* The path's last k components (k <= 4), as pointers and lengths; false when it has fewer. */
static bool cv_tail(const char *path, int k, const char *c[4], size_t cl[4])
{
	const char *end = path + strlen(path), *p = end;
	int i;

	for (i = k - 1; i >= 0; i--) {
		const char *stop = p;

		while (p > path && p[-1] != '/')
			p--;
		if (p == path || p == stop)	/* no '/' before it, or an empty component */
			return false;
		c[i] = p;
		cl[i] = (size_t)(stop - p);
		p--;			/* over the '/' */
	}
	return true;
}

bool cv_clip_parse(const char *path, struct cv_clip *clip)
{
	const char *c[4];
	size_t cl[4];
	int y, mo, d, h, mi, s;

	/* Frigate: .../YYYY-MM-DD/HH/<camera>/MM.SS.mp4, in UTC. */
	if (cv_tail(path, 4, c, cl) && cl[0] == 10 && cv_date(c[0], &y, &mo, &d) && cl[1] == 2 &&
	    cv_digits(c[1], 2, &h) && h <= 23 && cl[3] == 9 && cv_digits(c[3], 2, &mi) && c[3][2] == '.' &&
	    cv_digits(c[3] + 3, 2, &s) && !memcmp(c[3] + 5, ".mp4", 4) && mi <= 59 && s <= 60 &&
	    cl[2] < sizeof(clip->camera)) {
		memcpy(clip->camera, c[2], cl[2]);
		clip->camera[cl[2]] = '\0';
		snprintf(clip->time, sizeof(clip->time), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
		clip->layout = "frigate";
		return true;
	}
	/* motionEye: .../<Camera>/YYYY-MM-DD/HH-MM-SS.ext, in the machine's local time. */
	if (cv_tail(path, 3, c, cl) && cl[1] == 10 && cv_date(c[1], &y, &mo, &d) && cl[2] > 9 && c[2][8] == '.' &&
	    cv_digits(c[2], 2, &h) && c[2][2] == '-' && cv_digits(c[2] + 3, 2, &mi) && c[2][5] == '-' &&
	    cv_digits(c[2] + 6, 2, &s) && h <= 23 && mi <= 59 && s <= 60 && cl[0] < sizeof(clip->camera) &&
	    (!strcmp(c[2] + 9, "mp4") || !strcmp(c[2] + 9, "avi") || !strcmp(c[2] + 9, "mkv") ||
	     !strcmp(c[2] + 9, "jpg"))) {
		memcpy(clip->camera, c[0], cl[0]);
		clip->camera[cl[0]] = '\0';
		snprintf(clip->time, sizeof(clip->time), "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
		clip->layout = "motioneye";
		return true;
	}
	return false;
}

void cv_report_how(const struct cv_report_access *a, char *buf, size_t len)
{
	const struct camvault_rec *r = &a->rec;
	char b[32], peer[80];
	size_t used = 0;

#define CV_ADD(...) do { \
		int n_ = snprintf(buf + used, len - used, "%s", used ? ", " : ""); \
		if (n_ > 0 && (size_t)n_ < len - used) used += (size_t)n_; \
		n_ = snprintf(buf + used, len - used, __VA_ARGS__); \
		if (n_ > 0) used = (size_t)n_ < len - used ? used + (size_t)n_ : len - 1; \
	} while (0)

	if (!len)
		return;
	buf[0] = '\0';
	switch (r->type) {
	case CAMVAULT_REC_UNLINK:
		CV_ADD("deleted");
		return;
	case CAMVAULT_REC_RENAME:
		CV_ADD("renamed to %s", r->path2);
		return;
	case CAMVAULT_REC_TRUNCATE:
		CV_ADD("truncated");
		return;
	}
	if (a->ops & CV_OP_STREAM)
		CV_ADD("streamed %" PRIu32 " frame%s", r->dqbufs, r->dqbufs == 1 ? "" : "s");
	if (a->ops & CV_OP_READ) {
		cv_human_bytes(r->bytes_read, b, sizeof(b));
		CV_ADD("read %s", b);
	}
	if (a->ops & CV_OP_WRITE) {
		cv_human_bytes(r->bytes_written, b, sizeof(b));
		CV_ADD("wrote %s", b);
	}
	if (a->ops & CV_OP_MMAP)
		CV_ADD("mapped %" PRIu32 " time%s", r->mmaps, r->mmaps == 1 ? "" : "s");
	if (a->ops & CV_OP_PEER) {
		cv_rec_peer(r, peer, sizeof(peer));
		CV_ADD("copied to peer %s", peer);
	}
	if (a->ops == CV_OP_OPEN)
		CV_ADD("opened, nothing more");
#undef CV_ADD
}

void cv_report_summary(const struct cv_report *r, char *buf, size_t len)
{
	char tiers[96] = "", gaps[64];
	unsigned int t, nt = 0;
	int64_t down = 0;
	size_t i;

	for (t = 1; t <= CAMVAULT_TIER_SYSCALL_TP; t++) {
		if (!(r->tiers & 1u << t))
			continue;
		snprintf(tiers + strlen(tiers), sizeof(tiers) - strlen(tiers), "%s%s", nt ? " and " : "",
			 cv_report_tier_name(t));
		nt++;
	}
	for (i = 0; i < r->ngaps; i++)
		down += r->gaps[i].end_ns - r->gaps[i].start_ns;
	if (r->ngaps) {
		char d[32];

		cv_report_duration(down, d, sizeof(d));
		snprintf(gaps, sizeof(gaps), "%zu gap%s (agent down %s)", r->ngaps, r->ngaps == 1 ? "" : "s", d);
	} else {
		snprintf(gaps, sizeof(gaps), "no gaps");
	}
	snprintf(buf, len, "%zu access%s, %zu unexpected, coverage: %s%s, %" PRIu64 " lost, %s%s", r->n,
		 r->n == 1 ? "" : "es", r->unexpected, nt ? tiers : "no records", nt > 1 ? " tiers" : nt ? " tier" : "",
		 r->lost_events, gaps, r->malformed_rows ? ", MALFORMED ROWS (run camvault verify)" : "");
}

/* Appends a to r (which owns the array). */
static int cv_push(struct cv_report *r, size_t *cap, const struct cv_report_access *a)
{
	if (r->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct cv_report_access *v = realloc(r->a, ncap * sizeof(*v));

		if (!v)
			return -1;
		r->a = v;
		*cap = ncap;
	}
	r->a[r->n++] = *a;
	return 0;
}

static int cv_load_rows(struct cv_log *log, const struct cv_policy *pol, const struct cv_registry *reg,
			struct cv_report *r, char *err, size_t errlen)
{
	const struct cv_report_opts *o = r->o;
	struct cv_log_cursor c;
	int64_t offset = 0;
	bool have_offset = false;
	size_t cap = 0;
	int rc;

	if (cv_log_rows(log, &c, o->since_ns, o->until_ns, err, errlen))
		return -1;
	while ((rc = cv_log_next(&c, err, errlen)) > 0) {
		const struct cv_log_row *row = &c.row;
		struct cv_report_access a;

		if (row->kind == CV_LOG_EVENT) {
			r->events++;
			continue;
		}
		if (row->kind == CV_LOG_LOST) {
			r->lost_rows++;
			r->lost_events += row->lost;
			continue;
		}
		memset(&a, 0, sizeof(a));
		if (row->kind != CV_LOG_ACCESS || cv_rec_from_blob(&a.rec, row->rec, row->rec_len) ||
		    !cv_rec_valid(&a.rec)) {
			r->malformed_rows++;
			continue;
		}
		a.row = row->id;
		a.time_ns = row->time_ns;
		/* The row's time is the close on the wall clock: that gives this boot's offset. */
		if (a.rec.close_ns) {
			offset = a.time_ns - (int64_t)a.rec.close_ns;
			have_offset = true;
		} else if (!have_offset) {
			offset = a.time_ns - (int64_t)a.rec.open_ns;
		}
		a.offset_ns = offset;
		a.open_ns = a.rec.open_ns ? (int64_t)a.rec.open_ns + offset : 0;
		a.close_ns = a.rec.close_ns ? (int64_t)a.rec.close_ns + offset : 0;
		r->tiers |= a.rec.tier <= CAMVAULT_TIER_SYSCALL_TP ? 1u << a.rec.tier : 0;
		a.ops = cv_rec_ops(&a.rec);
		a.vault = cv_rec_vault(reg, &a.rec);
		a.rule = cv_policy_match_why(pol, &a.rec, a.vault, &a.why);
		a.camera = a.rec.rflags & CAMVAULT_RF_CAMERA || !strncmp(a.rec.path, "/dev/video", 10);
		a.has_clip = cv_clip_parse(a.rec.path, &a.clip);
		if (o->vault && (!a.vault || strcmp(a.vault->name, o->vault)))
			continue;
		if (o->unexpected_only && a.rule)
			continue;
		if (cv_push(r, &cap, &a)) {
			snprintf(err, errlen, "out of memory for %zu accesses: narrow the report with --since", r->n);
			rc = -1;
			break;
		}
		r->unexpected += !a.rule;
		r->bytes_read += a.rec.bytes_read;
		r->bytes_written += a.rec.bytes_written;
	}
	cv_log_cursor_close(&c);
	return rc < 0 ? -1 : 0;
}

static int cv_add_gap(struct cv_report *r, int64_t start, int64_t end, bool crash, bool open_ended)
{
	struct cv_report_gap *g;

	if (end <= r->o->since_ns || (r->o->until_ns && start >= r->o->until_ns))
		return 0;
	g = realloc(r->gaps, (r->ngaps + 1) * sizeof(*g));
	if (!g)
		return -1;
	r->gaps = g;
	g[r->ngaps++] = (struct cv_report_gap){ start, end, crash, open_ended };
	return 0;
}

static int cv_gap_cb(void *ctx, const struct cv_log_gap *g)
{
	struct cv_report *r = ctx;

	/* Open-ended (stopped, no start since): down until the window as shown ends. */
	if (g->open_ended)
		return g->start_ns < r->until_ns ? cv_add_gap(r, g->start_ns, r->until_ns, false, true) : 0;
	return cv_add_gap(r, g->start_ns, g->end_ns, g->crash, false);
}

/* The agent's downtime (log.h's cv_log_gaps(): from its start and stop events over the whole log). */
static int cv_load_gaps(struct cv_log *log, struct cv_report *r, char *err, size_t errlen)
{
	err[0] = '\0';
	if (cv_log_gaps(log, r->o->since_ns, r->o->until_ns, cv_gap_cb, r, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "out of memory for the agent's gaps");
		return -1;
	}
	return 0;
}

/* The window as shown: the options', or from the first access to now. */
static void cv_window(struct cv_report *r)
{
	const struct cv_report_opts *o = r->o;
	size_t i;

	r->until_ns = o->until_ns ? o->until_ns : r->generated_ns;
	for (i = 0; i < r->n; i++)
		if (!o->until_ns && r->a[i].time_ns > r->until_ns)
			r->until_ns = r->a[i].time_ns;
	r->since_ns = o->since_ns;
	if (!r->since_ns) {
		r->since_ns = r->until_ns - 24 * 3600 * NS;
		for (i = 0; i < r->n; i++)
			if (r->a[i].open_ns && r->a[i].open_ns < r->since_ns)
				r->since_ns = r->a[i].open_ns;
	}
}

int cv_report_write(struct cv_log *log, const struct cv_policy *pol, const struct cv_registry *reg,
		    const struct cv_report_opts *o, FILE *out, char *err, size_t errlen)
{
	struct cv_report r = { .o = o, .generated_ns = cv_wall_ns() };
	int ret = -1;

	if (cv_load_rows(log, pol, reg, &r, err, errlen))
		goto out;
	cv_window(&r);
	if (cv_load_gaps(log, &r, err, errlen))
		goto out;
	if (o->format == CV_REPORT_JSON)
		ret = cv_report_json(&r, out);
	else if (o->format == CV_REPORT_HTML)
		ret = cv_report_html(&r, out);
	else
		ret = cv_report_text(&r, out);
	if (ret || fflush(out) || ferror(out)) {
		snprintf(err, errlen, "cannot write the report: %s: check the disk or the output", strerror(errno));
		ret = -1;
	}
out:
	free(r.a);
	free(r.gaps);
	return ret;
}
