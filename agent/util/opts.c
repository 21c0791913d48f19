// SPDX-License-Identifier: GPL-2.0
/* The commands' option parser (opts.h): getopt_long and what every command shares around it. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/opts.h"

void cv_opts_fail(struct cv_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
}

static const struct option *cv_opts_by_val(const struct cv_opts *o, int val)
{
	const struct option *l;

	for (l = o->longopts; l->name; l++)
		if (!l->flag && l->val == val)
			return l;
	return NULL;
}

/* Whether the command has --format (and so once had --json, or --binary). */
static bool cv_opts_has_format(const struct cv_opts *o)
{
	const struct option *l;

	for (l = o->longopts; l->name; l++)
		if (!strcmp(l->name, "format"))
			return true;
	return false;
}

/* o->name: the option getopt_long matched (long index li, or the short option c), as given. */
static void cv_opts_set_name(struct cv_opts *o, const char *elem, int li, int c)
{
	const struct option *l = li >= 0 ? &o->longopts[li] : NULL;

	if (!l && elem && !strncmp(elem, "--", 2))
		l = cv_opts_by_val(o, c);
	if (l)
		snprintf(o->name, sizeof(o->name), "--%s", l->name);
	else
		snprintf(o->name, sizeof(o->name), "-%c", c);
}

/* Whether the option just matched takes a value. */
static bool cv_opts_takes_value(const struct cv_opts *o, int li, int c)
{
	const char *s;

	if (li >= 0)
		return o->longopts[li].has_arg == required_argument;
	s = strchr(o->shortopts, c);
	return s && s[1] == ':';
}

int cv_opts_next(struct cv_opts *o, int argc, char **argv)
{
	const char *elem;
	int c, li;

	if (!o->optstring[0]) {
		/* glibc's full reset: test_cli runs one command after another in one process. */
		optind = 0;
		opterr = 0;
		snprintf(o->optstring, sizeof(o->optstring), ":h%s", o->shortopts);
	}
	for (;;) {
		li = -1;
		c = getopt_long(argc, argv, o->optstring, o->longopts, &li);
		if (c == -1)
			return -1;
		o->arg = optarg;
		elem = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
		if (c == 'h') {
			o->help = true;
			continue;
		}
		if (c == '?') {
			/* A long option unknown (optopt 0), or given a value it does not take: as typed. */
			if (elem && (!strcmp(elem, "--json") || !strcmp(elem, "--binary")) && cv_opts_has_format(o))
				cv_opts_fail(o, "unknown option '%s': machine output is asked for with --format now: "
					     "see 'camvault %s --help'", elem, o->cmd);
			else if (elem && !strncmp(elem, "--", 2) && (!optopt || cv_opts_by_val(o, optopt)))
				cv_opts_fail(o, "unknown option '%s': see 'camvault %s --help'", elem, o->cmd);
			else
				cv_opts_fail(o, "unknown option '-%c': see 'camvault %s --help'", optopt, o->cmd);
			continue;
		}
		cv_opts_set_name(o, elem, li, c == ':' ? optopt : c);
		if (c == ':' || (cv_opts_takes_value(o, li, c) && !*optarg)) {
			/* "--size=" too: nothing is no value. */
			cv_opts_fail(o, "%s needs a value: see 'camvault %s --help'", o->name, o->cmd);
			continue;
		}
		if (!o->err[0])
			return c;
	}
}

int cv_opts_number(struct cv_opts *o, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(o->arg, &end, 10);
	if (errno || end == o->arg || *end || *v < min || *v > max) {
		if (max == LONG_MAX)
			cv_opts_fail(o, "%s needs a whole number of at least %ld, not '%s'", o->name, min, o->arg);
		else
			cv_opts_fail(o, "%s needs a whole number from %ld to %ld, not '%s'", o->name, min, max,
				     o->arg);
		return -1;
	}
	return 0;
}

int cv_opts_choice(struct cv_opts *o, const char *const *choices, int *v)
{
	char list[256] = "";
	size_t n = 0;
	int i;

	for (i = 0; choices[i]; i++) {
		if (!strcmp(o->arg, choices[i])) {
			*v = i;
			return 0;
		}
	}
	for (i = 0; choices[i] && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? choices[i + 1] ? ", " : " or " : "",
			      choices[i]);
	cv_opts_fail(o, "unknown %s '%s': give %s", o->name + strspn(o->name, "-"), o->arg, list);
	return -1;
}

void cv_opts_name(struct cv_opts *o, int argc, char **argv, const char **name, bool required)
{
	int n = argc - optind;

	if (name)
		*name = n > 0 ? argv[optind] : NULL;
	if (!name && n > 0)
		cv_opts_fail(o, "unexpected argument '%s': see 'camvault %s --help'", argv[optind], o->cmd);
	else if (n > 1)
		cv_opts_fail(o, "one vault at a time, not '%s' and '%s': see 'camvault %s --help'", argv[optind],
			     argv[optind + 1], o->cmd);
	else if (name && !n && required)
		cv_opts_fail(o, "missing the vault's NAME: 'camvault %s %s'", o->cmd,
			     o->synopsis ? o->synopsis : "NAME");
}

int cv_opts_exit(const struct cv_opts *o, void (*usage)(FILE *f))
{
	if (o->help) {
		usage(stdout);
		return CV_EXIT_OK;
	}
	if (o->err[0]) {
		fprintf(stderr, "camvault %s: %s\n", o->cmd, o->err);
		return CV_EXIT_USAGE;
	}
	return -1;
}

int cv_opts_name_only(int argc, char **argv, const char **name, void (*usage)(FILE *f))
{
	static const struct option opts[] = { CV_OPT_HELP, { 0 } };
	struct cv_opts o = CV_OPTS(argv[0], "", opts);

	while (cv_opts_next(&o, argc, argv) != -1)
		;
	cv_opts_name(&o, argc, argv, name, true);
	return cv_opts_exit(&o, usage);
}
