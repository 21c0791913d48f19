// SPDX-License-Identifier: GPL-2.0
/*
 * camvault report [--since ...] [--until ...] [--vault NAME] [--unexpected] [--format text|json|html] [-o FILE]
 *                 [--db FILE] [--policy FILE]: the command's options, the configuration and the log opened;
 * cv_report_write() (report/report.c) does the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log/log.h"
#include "policy/policy.h"
#include "report/report.h"
#include "util/clock.h"
#include "util/opts.h"
#include "vault/registry.h"

static void cv_report_usage(FILE *f)
{
	fprintf(f, "Usage: camvault report [--since 24h|7d|2026-11-25[T12:00]] [--until ...] [--vault NAME]\n"
		   "                       [--unexpected] [--format text|json|html] [-o FILE] [--db FILE]\n"
		   "                       [--policy FILE]\n"
		   "Who touched footage and cameras, from the access log: what, when, how much, how, and whether\n"
		   "the policy (policy.conf) expected it; with the probes' coverage, lost events and the times the\n"
		   "agent was down. Times are UTC. See camvault(8).\n");
}

static int cv_report_fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "camvault report: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

/* o->arg as a time, into *t. */
static void cv_report_time_arg(struct cv_opts *o, int64_t now, int64_t *t)
{
	if (cv_report_parse_time(o->arg, now, t))
		cv_opts_fail(o, "bad time '%s': give a duration back from now (30m, 24h, 7d) or a UTC date, "
			     "2026-11-25 or 2026-11-25T12:00", o->arg);
}

/* Parses report's command line into r and the paths. Returns -1 to go on, or cv_opts_exit()'s status. */
static int cv_report_parse(int argc, char **argv, struct cv_report_opts *r, const char **db,
			   const char **outpath, const char **polpath)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "vault", required_argument, NULL, 'V' },
		{ "unexpected", no_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ "policy", required_argument, NULL, 'p' },
		CV_OPT_HELP,
		{ 0 }
	};
	/* In enum cv_report_format's order. */
	static const char *const formats[] = { "text", "json", "html", NULL };
	struct cv_opts o = CV_OPTS("report", "o:", opts);
	int64_t now = cv_wall_ns();
	char err[512];
	int c, format = 0;

	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 's': cv_report_time_arg(&o, now, &r->since_ns); break;
		case 'u': cv_report_time_arg(&o, now, &r->until_ns); break;
		case 'x': r->unexpected_only = true; break;
		case 'o': *outpath = o.arg; break;
		case 'd': *db = o.arg; break;
		case 'p': *polpath = o.arg; break;
		case 'F': cv_opts_choice(&o, formats, &format); break;
		case 'V':
			if (cv_vault_name_check(o.arg, err, sizeof(err)))
				cv_opts_fail(&o, "--vault needs a vault's name: %s", err);
			r->vault = o.arg;
			break;
		}
	}
	cv_opts_name(&o, argc, argv, NULL, false);
	if (!o.err[0] && r->until_ns && r->since_ns >= r->until_ns)
		cv_opts_fail(&o, "--since is not before --until: give a window that is not empty");
	r->format = (enum cv_report_format)format;
	return cv_opts_exit(&o, cv_report_usage);
}

int cmd_report(int argc, char **argv)
{
	struct cv_report_opts o = { .format = CV_REPORT_TEXT };
	const char *db = NULL, *outpath = NULL, *polpath = NULL;
	char err[1024] = "", regpath[PATH_MAX];
	struct cv_registry reg = { 0 };
	struct cv_policy *pol = NULL;
	struct cv_log log;
	FILE *out = stdout;
	int ret = cv_report_parse(argc, argv, &o, &db, &outpath, &polpath);

	if (ret >= 0)
		return ret;
	ret = 1;
	if (!cv_registry_path(regpath, sizeof(regpath)) || cv_registry_load(regpath, &reg, err, sizeof(err)) ||
	    cv_policy_load(polpath, &pol, err, sizeof(err)))
		return cv_report_fail("%s", err[0] ? err : "the configuration's path is too long: shorten "
				      CV_ETC_ENV);
	if (cv_log_open_ro(&log, db, err, sizeof(err))) {
		cv_report_fail("%s", err);
		goto out;
	}
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "camvault report: cannot write %s: %s: give a writable file\n", outpath,
			strerror(errno));
		out = stdout;
	} else if (cv_report_write(&log, pol, &reg, &o, out, err, sizeof(err))) {
		cv_report_fail("%s", err);
	} else {
		ret = 0;
	}
	if (out != stdout && fclose(out) && !ret)
		ret = cv_report_fail("cannot write the report: %s: check the disk", strerror(errno));
	cv_log_close(&log, err, sizeof(err));
out:
	cv_policy_free(pol);
	cv_registry_free(&reg);
	return ret;
}
