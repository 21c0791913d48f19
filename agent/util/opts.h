/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One option parser for every command: getopt_long(3) over the command's own struct option table, and what
 * every command shares around it: --help/-h, "camvault CMD: unknown option 'X': see 'camvault CMD --help'",
 * "--opt needs a value", a positional NAME, numbers in a range, one of a few words (--format). A command:
 *
 *	static const struct option opts[] = {
 *		{ "backing", required_argument, NULL, 'b' },
 *		{ "yes", no_argument, NULL, 'y' },
 *		CV_OPT_HELP,
 *		{ 0 }
 *	};
 *	struct cv_opts o = CV_OPTS("shred", "", opts);
 *
 *	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
 *		switch (c) {
 *		case 'b': backing = o.arg; break;
 *		case 'y': yes = true; break;
 *		}
 *	}
 *	cv_opts_name(&o, argc, argv, &name, true);
 *	if ((ret = cv_opts_exit(&o, cv_shred_usage)) >= 0)
 *		return ret;
 *
 * Both "--opt VALUE" and "--opt=VALUE" work, options and arguments in any order (getopt_long permutes argv).
 * The first error is kept; parsing goes on only to see whether --help comes later: --help wins over whatever
 * else is wrong. Errors are usage errors: the command exits CV_EXIT_USAGE, having done nothing.
 */
#ifndef CV_OPTS_H
#define CV_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * The exit status of every command (camvault(8), EXIT STATUS). verify says what it found with 2 to 6 instead
 * of 1 (log/verify.h's CV_VERIFY_*): the usage error is 64, as sysexits.h's EX_USAGE, so that no command's
 * mistyped option reads as one of verify's findings.
 */
enum cv_exit {
	CV_EXIT_OK = 0,
	CV_EXIT_FAIL = 1,		/* it failed; stderr says what and how to fix it */
	CV_EXIT_USAGE = 64,		/* the command line is wrong (unknown option, no value...): nothing done */
};

/* Every table has it: --help and -h print the command's usage on stdout. */
#define CV_OPT_HELP { "help", no_argument, NULL, 'h' }

struct cv_opts {
	const char *cmd;		/* "open", "push test": the messages' "camvault <cmd>: " */
	const char *shortopts;		/* getopt's short options besides h ("o:"), "" for none */
	const struct option *longopts;	/* the command's table, with CV_OPT_HELP, ending with { 0 } */
	const char *synopsis;		/* what follows "camvault <cmd>" when NAME is missing; NULL: "NAME" */
	/* Set by cv_opts_next(): */
	const char *arg;		/* the value of the option it returned */
	char name[64];			/* that option as given: "--count", "-o" */
	bool help;			/* --help or -h came */
	char err[1024];			/* the first error, without "camvault <cmd>: "; "" for none */
	char optstring[48];
};

#define CV_OPTS(cmd_, shortopts_, longopts_) \
	{ .cmd = (cmd_), .shortopts = (shortopts_), .longopts = (longopts_) }

/*
 * The next option of argv (argv[0] being the command) as its table's val, with o->arg its value; -1 at the
 * end, where argv[optind..argc) are the positional arguments. --help, unknown options and missing or empty
 * values it handles itself (o->help, o->err); after an error it returns no more options.
 */
int cv_opts_next(struct cv_opts *o, int argc, char **argv);

/* Keeps the first error: fmt's message, about the option cv_opts_next() returned last (o->name). */
void cv_opts_fail(struct cv_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* o->arg as a whole number from min to max, into *v. Returns 0, or -1 with the error kept. */
int cv_opts_number(struct cv_opts *o, long min, long max, long *v);

/*
 * o->arg as one of the words of choices (NULL-terminated), its index into *v: "--format json". Returns 0, or
 * -1 with "unknown format 'pdf': give text, json or html" kept.
 */
int cv_opts_choice(struct cv_opts *o, const char *const *choices, int *v);

/*
 * After the options: the positional arguments. name NULL: there must be none. Else *name is the one NAME, or
 * NULL when there is none and !required. Errors are kept (missing NAME, a second one, an unexpected
 * argument).
 */
void cv_opts_name(struct cv_opts *o, int argc, char **argv, const char **name, bool required);

/*
 * The end of parsing: for --help, prints usage on stdout and returns CV_EXIT_OK; after an error, prints
 * "camvault <cmd>: <error>" on stderr and returns CV_EXIT_USAGE; else returns -1: the command goes on.
 */
int cv_opts_exit(const struct cv_opts *o, void (*usage)(FILE *f));

/*
 * The whole parser of a command taking one NAME and no option but --help ("close", "lock", "remove"; argv[0]
 * is the command): cv_opts_exit()'s value, or -1 with *name set.
 */
int cv_opts_name_only(int argc, char **argv, const char **name, void (*usage)(FILE *f));

#endif /* CV_OPTS_H */
