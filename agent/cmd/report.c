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

#include "cmd/args.h"
#include "log/log.h"
#include "policy/policy.h"
#include "report/report.h"
#include "util/clock.h"
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

static int cv_report_time_arg(const char *val, int64_t now, int64_t *t)
{
	if (val && !cv_report_parse_time(val, now, t))
		return 0;
	return cv_report_fail("bad time '%s': give a duration back from now (30m, 24h, 7d) or a UTC date, "
			      "2026-11-25 or 2026-11-25T12:00", val ? val : "");
}

int cmd_report(int argc, char **argv)
{
	struct cv_report_opts o = { .format = CV_REPORT_TEXT };
	const char *val, *db = NULL, *outpath = NULL, *polpath = NULL;
	char err[1024] = "", regpath[PATH_MAX];
	struct cv_registry reg = { 0 };
	struct cv_policy *pol = NULL;
	int64_t now = cv_wall_ns();
	struct cv_log log;
	FILE *out = stdout;
	int i, ret = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cv_report_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--unexpected")) {
			o.unexpected_only = true;
		} else if (cv_option(argc, argv, &i, "--since", &val)) {
			if (cv_report_time_arg(val, now, &o.since_ns))
				return 1;
		} else if (cv_option(argc, argv, &i, "--until", &val)) {
			if (cv_report_time_arg(val, now, &o.until_ns))
				return 1;
		} else if (cv_option(argc, argv, &i, "--vault", &val)) {
			if (!val || cv_vault_name_check(val, err, sizeof(err)))
				return cv_report_fail("--vault needs a vault's name: %s", err);
			o.vault = val;
		} else if (cv_option(argc, argv, &i, "--format", &val)) {
			if (val && !strcmp(val, "text"))
				o.format = CV_REPORT_TEXT;
			else if (val && !strcmp(val, "json"))
				o.format = CV_REPORT_JSON;
			else if (val && !strcmp(val, "html"))
				o.format = CV_REPORT_HTML;
			else
				return cv_report_fail("unknown format '%s': give text, json or html", val ? val : "");
		} else if (cv_option(argc, argv, &i, "-o", &val) || cv_option(argc, argv, &i, "--output", &val)) {
			if (!val || !*val)
				return cv_report_fail("%s-o needs a file: see 'camvault report --help'", "");
			outpath = val;
		} else if (cv_option(argc, argv, &i, "--db", &val)) {
			if (!val || !*val)
				return cv_report_fail("%s--db needs a file: see 'camvault report --help'", "");
			db = val;
		} else if (cv_option(argc, argv, &i, "--policy", &val)) {
			if (!val || !*val)
				return cv_report_fail("%s--policy needs a file: see 'camvault report --help'", "");
			polpath = val;
		} else {
			return cv_report_fail("unknown argument '%s': see 'camvault report --help'", argv[i]);
		}
	}
	if (o.until_ns && o.since_ns >= o.until_ns)
		return cv_report_fail("%s--since is not before --until: give a window that is not empty", "");
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
