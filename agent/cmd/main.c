// SPDX-License-Identifier: GPL-2.0
/*
 * camvault: the command-line tool of camvault.ko. "camvault <command> [<args>]", one file per command.
 *
 * Adding a command is one line in CV_COMMANDS below and one file, <name>.c, defining
 *	int cmd_<name>(int argc, char **argv);
 * which gets argv[0] = "<name>", parses its options with util/opts.h (which prints its usage for "--help"), and
 * returns the exit code, util/opts.h's enum cv_exit: 0 ok, 1 error, 64 usage error. Errors go to stderr as
 * "camvault: <what failed>: <how to fix it>".
 */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "util/opts.h"

/*
 * C(name, one-line help, testing), in the order "camvault help" lists them. The testing commands are for the
 * tests, not the owner: "camvault help" leaves them out, "camvault --help-all" lists them.
 */
#define CV_COMMANDS(C) \
	C(status, "show camvault.ko, the TPM, and every vault: registered, open, locked", false) \
	C(init, "make a vault whose key only this machine's TPM releases, on an image or disk", false) \
	C(open, "open (and mount) a vault with the key from its TPM, or its recovery key", false) \
	C(close, "unmount and close a vault: its key leaves the kernel", false) \
	C(lock, "wipe a vault's key from the kernel now: its I/O fails from then on", false) \
	C(shred, "destroy a vault's key for good: its TPM secret and its header", false) \
	C(trace, "print every access to footage and cameras as the probes record it", false) \
	C(agent, "the daemon: open the vaults, load the probes, keep the access log (camvault-agent.service)", false) \
	C(create, "create a vault from a raw key file (testing; no TPM)", true) \
	C(remove, "remove a vault that create made, and the loop device of its image (testing)", true) \
	C(report, "who touched footage, expected or not, and the log's coverage (text, JSON, HTML)", false) \
	C(verify, "check the access log: altered, deleted, inserted, reordered or truncated rows", false) \
	C(key, "export the public key that signs the access log ('camvault key export')", false) \
	C(push, "alerts and digests for the owner: test the channels, show or flush the outbox", false)

#define CV_DECLARE(name, help, testing) int cmd_##name(int argc, char **argv);
CV_COMMANDS(CV_DECLARE)

static const struct cv_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	bool testing;
} cv_commands[] = {
#define CV_ENTRY(name, help, testing) { #name, cmd_##name, help, testing },
	CV_COMMANDS(CV_ENTRY)
};

#define CV_NCOMMANDS (sizeof(cv_commands) / sizeof(cv_commands[0]))

/* The commands; the testing ones too with all. */
static void cv_usage(FILE *f, bool all)
{
	size_t i;

	fprintf(f, "Usage: camvault <command> [<args>]\n\nCommands:\n");
	for (i = 0; i < CV_NCOMMANDS; i++)
		if (all || !cv_commands[i].testing)
			fprintf(f, "  %-10s %s\n", cv_commands[i].name, cv_commands[i].help);
	fprintf(f, "  %-10s %s\n", "help", "show this help; \"camvault help <command>\" shows a command's");
	fprintf(f, "\n\"camvault --version\" shows the version%s. See camvault(8).\n",
		all ? "" : "; \"camvault --help-all\" the testing commands too");
}

static const struct cv_command *cv_find(const char *name)
{
	size_t i;

	for (i = 0; i < CV_NCOMMANDS; i++)
		if (!strcmp(cv_commands[i].name, name))
			return &cv_commands[i];
	return NULL;
}

static int cv_unknown(const char *name)
{
	fprintf(stderr, "camvault: unknown command '%s': run 'camvault help' for the list\n", name);
	return CV_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const struct cv_command *cmd;

	if (argc < 2) {
		cv_usage(stderr, false);
		return CV_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("camvault %s\n", CAMVAULT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help-all")) {
		cv_usage(stdout, true);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		char help[] = "--help";

		if (argc < 3) {
			cv_usage(stdout, false);
			return 0;
		}
		cmd = cv_find(argv[2]);
		if (!cmd)
			return cv_unknown(argv[2]);
		return cmd->fn(2, (char *[]){ argv[2], help, NULL });
	}
	cmd = cv_find(argv[1]);
	if (!cmd)
		return cv_unknown(argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
