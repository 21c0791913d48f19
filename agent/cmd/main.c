// SPDX-License-Identifier: GPL-2.0
/*
 * camvault: the command-line tool of camvault.ko. "camvault <command> [<args>]", one file per command.
 *
 * Adding a command is one line in CV_COMMANDS below and one file, <name>.c, defining
 *	int cmd_<name>(int argc, char **argv);
 * which gets argv[0] = "<name>", prints its own usage for "--help", and returns the exit code: 0 ok, 1 error.
 * Errors go to stderr as "camvault: <what failed>: <how to fix it>".
 */
#include <stdio.h>
#include <string.h>

/* C(name, one-line help), in the order "camvault help" lists them. */
#define CV_COMMANDS(C) \
	C(status, "show camvault.ko, the TPM, and every vault: registered, open, locked") \
	C(init, "make a vault whose key only this machine's TPM releases, on an image or disk") \
	C(open, "open (and mount) a vault with the key from its TPM, or its recovery key") \
	C(close, "unmount and close a vault: its key leaves the kernel") \
	C(lock, "wipe a vault's key from the kernel now: its I/O fails from then on") \
	C(shred, "destroy a vault's key for good: its TPM secret and its header") \
	C(trace, "print every access to footage and cameras as the probes record it") \
	C(agent, "the daemon: open the vaults, load the probes, keep the access log (camvault-agent.service)") \
	C(create, "create a vault from a raw key file (testing; no TPM)") \
	C(remove, "remove a vault's device (and the loop device of its image)") \
	C(report, "who touched footage, expected or not, and the log's coverage (text, JSON, HTML)") \
	C(verify, "check the access log: altered, deleted, inserted, reordered or truncated rows") \
	C(key, "export the public key that signs the access log ('camvault key export')") \
	C(push, "alerts and digests for the owner: test the channels, show or flush the outbox")

#define CV_DECLARE(name, help) int cmd_##name(int argc, char **argv);
CV_COMMANDS(CV_DECLARE)

static const struct cv_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cv_commands[] = {
#define CV_ENTRY(name, help) { #name, cmd_##name, help },
	CV_COMMANDS(CV_ENTRY)
};

#define CV_NCOMMANDS (sizeof(cv_commands) / sizeof(cv_commands[0]))

static void cv_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: camvault <command> [<args>]\n\nCommands:\n");
	for (i = 0; i < CV_NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", cv_commands[i].name, cv_commands[i].help);
	fprintf(f, "  %-10s %s\n", "help", "show this help; \"camvault help <command>\" shows a command's");
	fprintf(f, "\n\"camvault --version\" shows the version. See camvault(8).\n");
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
	return 1;
}

int main(int argc, char **argv)
{
	const struct cv_command *cmd;

	if (argc < 2) {
		cv_usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("camvault %s\n", CAMVAULT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		char help[] = "--help";

		if (argc < 3) {
			cv_usage(stdout);
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
