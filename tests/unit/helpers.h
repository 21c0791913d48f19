/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the unit tests share: generic netlink messages built in memory, a real swtpm, and running a command
 * function with its output captured.
 */
#ifndef CV_TEST_HELPERS_H
#define CV_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tss2/tss2_esys.h>

struct nl_msg;

/* The family id the test messages carry; any id >= NLMSG_MIN_TYPE does. */
#define CV_TEST_FAMILY 0x20

/* A generic netlink message of family CV_TEST_FAMILY with command cmd and no attributes yet. */
struct nl_msg *cv_test_genl_msg(uint8_t cmd);

/* The reply camvault.ko sends to CAMVAULT_CMD_GET_STATUS. */
struct nl_msg *cv_test_status_reply(const char *version, uint32_t num_vaults);

/* A vault as camvault.ko describes it in a CAMVAULT_CMD_GET_VAULTS message. */
struct cv_test_vault {
	const char *name;
	uint32_t major, minor;
	const char *cipher;
	uint8_t locked;
	uint64_t bytes_read, bytes_written, io_errors;
};

/*
 * The dump message camvault.ko sends for v: every attribute, in the module's order, with an empty
 * CAMVAULT_A_PAD before the u64s as nla_put_u64_64bit() puts where it aligns them.
 */
struct nl_msg *cv_test_vault_msg(const struct cv_test_vault *v);

/*
 * For the seeders of the fuzzers: writes msg (freed) as the next seed file, DIR/seed-NN; exits with a message
 * when msg is NULL (it could not be built) or the file cannot be written.
 */
void cv_test_seed(const char *dir, struct nl_msg *msg);

/* Whether prog (a path, or a name looked up in $PATH) can be run. */
int cv_in_path(const char *prog);

/* A seed of text (len bytes; 0: strlen(text)). */
struct cv_seed {
	const char *text;
	size_t len;
};

/* The main() of a seeder of text seeds: "NAME DIR" writes DIR/seed-NN for each; 0, or 1 with a message. */
int cv_seeds_main(int argc, char **argv, const char *name, const struct cv_seed *seeds, size_t n);

/*
 * A swtpm listening on 127.0.0.1, for cmocka group setup/teardown. Tests call cv_swtpm_require() first: it
 * skips the test when swtpm is not installed, fails it when swtpm did not start, and otherwise points
 * CAMVAULT_TCTI at it.
 */
struct cv_swtpm {
	pid_t pid;
	int port;			/* the TPM's port; the control port is port + 1 */
	char dir[64];			/* its state directory */
	char tcti[64];			/* "swtpm:host=127.0.0.1,port=<port>" */
	char why[256];			/* why it is not running, when pid is 0 */
	int missing;			/* swtpm is not installed */
};
extern struct cv_swtpm cv_swtpm;
int cv_swtpm_setup(void **state);
int cv_swtpm_teardown(void **state);
void cv_swtpm_require(void);

/*
 * Another swtpm, for tests that need a second TPM or that cut a TPM's power: starts one on a fresh port pair
 * with state directory dir, or a new temporary one when dir is NULL (t->dir, kept by cv_swtpm_stop() so that
 * cv_swtpm_start(t, t->dir) restarts the same TPM). Returns 0, or -1 with t->why (and t->missing).
 */
int cv_swtpm_start(struct cv_swtpm *t, const char *dir);

/* Sends t's swtpm sig (SIGKILL: a power cut, no TPM2_Shutdown) and waits for it to end; keeps its state. */
void cv_swtpm_stop(struct cv_swtpm *t, int sig);

/* Stops t's swtpm and removes its state directory. */
void cv_swtpm_remove(struct cv_swtpm *t);

/* Removes dir and everything under it (not following symlinks). 0, or -1 with errno. */
int cv_test_rmtree(const char *dir);

/* A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
int cv_closed_port(void);

/* What a command function printed and returned. */
struct cv_run {
	int rc;
	char out[8192];
	char err[8192];
};

/* Runs fn(argc, argv) for the NULL-terminated arguments, with stdout and stderr captured into r. */
void cv_run(struct cv_run *r, int (*fn)(int argc, char **argv), const char *arg0, ...);

/*
 * Searches every readable mapping of this process (heap, stacks, anonymous and library data; not the
 * huge sanitizer shadows) for the len bytes whose complements are inv[]: a test keeps a secret it looks
 * for only inverted, so that its own copy is not found. Read through /proc/self/mem, which neither
 * faults nor trips AddressSanitizer on poisoned (freed) memory. Returns 1 when found, with where
 * ("[heap] +0x1234") written, 0 when not, -1 when the memory could not be read (where says why).
 */
int cv_mem_find_inverted(const uint8_t *inv, size_t len, char *where, size_t wherelen);

/*
 * Pinned TPM objects: fails the test when the public area (unique cleared), or the NV index's public area at
 * index (its handle and TPMA_NV_WRITTEN cleared), marshalled to hex, is not want. what names it in the message.
 */
void cv_expect_public(const char *what, TPMT_PUBLIC *pub, const char *want);
void cv_expect_nv_public(ESYS_CONTEXT *esys, uint32_t index, const char *what, const char *want);

/* Whether rc is the TPM refusing an authorization (and not success, nor another failure). */
int cv_auth_refused(TSS2_RC rc);

#endif /* CV_TEST_HELPERS_H */
