// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <tss2/tss2_mu.h>

#include "uapi/camvault.h"
#include "helpers.h"

struct nl_msg *cv_test_genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, 1234, 1, CV_TEST_FAMILY, 0, 0, cmd, CAMVAULT_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

struct nl_msg *cv_test_status_reply(const char *version, uint32_t num_vaults)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);

	if (msg && (nla_put_string(msg, CAMVAULT_A_VERSION, version) ||
		    nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, num_vaults))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

struct nl_msg *cv_test_vault_msg(const struct cv_test_vault *v)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_GET_VAULTS);

	if (msg && (nla_put_string(msg, CAMVAULT_A_VAULT_NAME, v->name) ||
		    nla_put_u32(msg, CAMVAULT_A_VAULT_DEV_MAJOR, v->major) ||
		    nla_put_u32(msg, CAMVAULT_A_VAULT_DEV_MINOR, v->minor) ||
		    nla_put_string(msg, CAMVAULT_A_VAULT_CIPHER, v->cipher) ||
		    nla_put_u8(msg, CAMVAULT_A_VAULT_LOCKED, v->locked) ||
		    nla_put(msg, CAMVAULT_A_PAD, 0, NULL) ||
		    nla_put_u64(msg, CAMVAULT_A_VAULT_BYTES_READ, v->bytes_read) ||
		    nla_put_u64(msg, CAMVAULT_A_VAULT_BYTES_WRITTEN, v->bytes_written) ||
		    nla_put_u64(msg, CAMVAULT_A_VAULT_IO_ERRORS, v->io_errors))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

void cv_test_seed(const char *dir, struct nl_msg *msg)
{
	static int n;
	char path[4096];
	FILE *f;

	if (!msg) {
		fprintf(stderr, "seeds: cannot build message %d\n", n);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/seed-%02d", dir, n++);
	f = fopen(path, "wb");
	if (!f || fwrite(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, 1, f) != 1 || fclose(f)) {
		perror(path);
		exit(1);
	}
	nlmsg_free(msg);
}

int cv_seeds_main(int argc, char **argv, const char *name, const struct cv_seed *seeds, size_t n)
{
	char path[4096];
	size_t i, len;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", name);
		return 1;
	}
	for (i = 0; i < n; i++) {
		len = seeds[i].len ? seeds[i].len : strlen(seeds[i].text);
		snprintf(path, sizeof(path), "%s/seed-%02zu", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(seeds[i].text, len, 1, f) != 1 || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

struct cv_swtpm cv_swtpm;

/* Binds a TCP socket on 127.0.0.1:port (0: any); returns it, or -1. */
static int cv_bind(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int cv_port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	return ntohs(sa.sin_port);
}

int cv_closed_port(void)
{
	int fd = cv_bind(0);
	int port = fd < 0 ? -1 : cv_port_of(fd);

	if (fd >= 0)
		close(fd);
	return port;
}

/* A port P with P and P + 1 free. */
static int cv_free_port_pair(void)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		int fd = cv_bind(0);
		int port = fd < 0 ? -1 : cv_port_of(fd);
		int fd2 = port > 0 && port < 65535 ? cv_bind(port + 1) : -1;

		if (fd >= 0)
			close(fd);
		if (fd2 >= 0) {
			close(fd2);
			return port;
		}
	}
	return -1;
}

static int cv_connects(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int cv_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

static int cv_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int cv_test_rmtree(const char *dir)
{
	return nftw(dir, cv_rm, 8, FTW_DEPTH | FTW_PHYS);
}

int cv_swtpm_start(struct cv_swtpm *t, const char *dir)
{
	char server[96], ctrl[96], tpmstate[96], keep[sizeof(t->dir)] = "";
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int i, status;

	if (dir)
		snprintf(keep, sizeof(keep), "%s", dir);	/* dir may be t->dir */
	memset(t, 0, sizeof(*t));
	if (!cv_in_path("swtpm")) {
		t->missing = 1;
		snprintf(t->why, sizeof(t->why), "swtpm is not installed: apt-get install swtpm");
		return -1;
	}
	t->port = cv_free_port_pair();
	strcpy(t->dir, keep[0] ? keep : "/tmp/camvault-unit-swtpm.XXXXXX");
	if (t->port < 0 || (!keep[0] && !mkdtemp(t->dir))) {
		snprintf(t->why, sizeof(t->why), "no free port pair or temporary directory: %s", strerror(errno));
		if (!keep[0])
			t->dir[0] = '\0';
		return -1;
	}
	snprintf(server, sizeof(server), "type=tcp,port=%d,bindaddr=127.0.0.1", t->port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1", t->port + 1);
	snprintf(tpmstate, sizeof(tpmstate), "dir=%s", t->dir);
	snprintf(t->tcti, sizeof(t->tcti), "swtpm:host=127.0.0.1,port=%d", t->port);

	fflush(NULL);
	t->pid = fork();
	if (t->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* Never outlive the test, even when it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl, "--tpmstate",
		       tpmstate, "--flags", "not-need-init,startup-clear", (char *)NULL);
		_exit(127);
	}
	if (t->pid < 0) {
		snprintf(t->why, sizeof(t->why), "fork: %s", strerror(errno));
		t->pid = 0;
		return -1;
	}
	for (i = 0; i < 200; i++) {		/* 10 s */
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			snprintf(t->why, sizeof(t->why), "swtpm exited with status %d at start: see its message above",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			t->pid = 0;
			return -1;
		}
		if (cv_connects(t->port))
			return 0;
		nanosleep(&pause, NULL);
	}
	snprintf(t->why, sizeof(t->why), "swtpm does not listen on port %d after 10 s", t->port);
	return -1;
}

void cv_swtpm_stop(struct cv_swtpm *t, int sig)
{
	if (t->pid > 0) {
		kill(t->pid, sig);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
}

void cv_swtpm_remove(struct cv_swtpm *t)
{
	cv_swtpm_stop(t, SIGTERM);
	if (t->dir[0])
		cv_test_rmtree(t->dir);
	t->dir[0] = '\0';
}

int cv_swtpm_setup(void **state)
{
	(void)state;
	cv_swtpm_start(&cv_swtpm, NULL);
	return 0;
}

int cv_swtpm_teardown(void **state)
{
	(void)state;
	cv_swtpm_remove(&cv_swtpm);
	return 0;
}

void cv_swtpm_require(void)
{
	if (cv_swtpm.missing) {
		print_message("# SKIP: %s\n", cv_swtpm.why);
		skip();
	}
	if (!cv_swtpm.pid || cv_swtpm.why[0])
		fail_msg("swtpm is not running: %s", cv_swtpm.why);
	assert_int_equal(setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1), 0);
}

/* Reads what was written to fd, from its start, into buf. */
static void cv_slurp(int fd, char *buf, size_t len)
{
	ssize_t n;

	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

void cv_run(struct cv_run *r, int (*fn)(int argc, char **argv), const char *arg0, ...)
{
	char *argv[16];
	int argc = 0, out, err, saved_out, saved_err;
	char out_path[] = "/tmp/camvault-unit-out.XXXXXX", err_path[] = "/tmp/camvault-unit-err.XXXXXX";
	va_list ap;

	va_start(ap, arg0);
	for (argv[argc] = (char *)arg0; argv[argc] && argc < 15; argv[argc] = va_arg(ap, char *))
		argc++;
	argv[argc] = NULL;
	va_end(ap);

	out = mkstemp(out_path);
	err = mkstemp(err_path);
	assert_true(out >= 0 && err >= 0);
	unlink(out_path);
	unlink(err_path);

	fflush(NULL);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	r->rc = fn(argc, argv);
	fflush(NULL);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);

	cv_slurp(out, r->out, sizeof(r->out));
	cv_slurp(err, r->err, sizeof(r->err));
}

/* Whether buf[0..len) holds the complement of inv at off. */
static int cv_inverted_at(const uint8_t *buf, size_t off, const uint8_t *inv, size_t len)
{
	size_t k;

	for (k = 0; k < len; k++)
		if ((buf[off + k] ^ inv[k]) != 0xff)
			return 0;
	return 1;
}

#define CV_SCAN_CHUNK (1u << 20)
#define CV_SCAN_MAX_MAPPING (1ull << 30)	/* larger: a sanitizer's shadow, mostly never touched */

int cv_mem_find_inverted(const uint8_t *inv, size_t len, char *where, size_t wherelen)
{
	static uint8_t buf[CV_SCAN_CHUNK + 256];
	char line[512];
	FILE *maps;
	int mem, found = 0;

	if (!len || len > 256) {
		snprintf(where, wherelen, "needle of %zu bytes", len);
		return -1;
	}
	maps = fopen("/proc/self/maps", "re");
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (!maps || mem < 0) {
		snprintf(where, wherelen, "cannot open /proc/self/maps or mem: %s", strerror(errno));
		if (maps)
			fclose(maps);
		if (mem >= 0)
			close(mem);
		return -1;
	}
	while (!found && fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, at;
		char perms[8], name[256] = "";
		size_t carry = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %255[^\n]", &start, &end, perms, name) < 3)
			continue;
		if (perms[0] != 'r' || end - start > CV_SCAN_MAX_MAPPING || !strcmp(name, "[vvar]") ||
		    !strcmp(name, "[vsyscall]") || !strcmp(name, "[vvar_vclock]"))
			continue;
		/* Chunks, each starting with the previous one's last len - 1 bytes. */
		for (at = start; !found && at < end;) {
			size_t want = end - at < CV_SCAN_CHUNK ? end - at : CV_SCAN_CHUNK, total, i;
			ssize_t got = pread(mem, buf + carry, want, (off_t)at);
			const int first = inv[0] ^ 0xff;

			if (got <= 0)
				break;	/* unreadable (a guard page, I/O memory): the mapping's rest */
			total = carry + (size_t)got;
			for (i = 0; i + len <= total; i++) {
				const uint8_t *p = memchr(buf + i, first, total - len + 1 - i);

				if (!p)
					break;
				i = (size_t)(p - buf);
				if (cv_inverted_at(buf, i, inv, len)) {
					snprintf(where, wherelen, "%s %s +0x%llx", name[0] ? name : "[anon]", perms,
						 at - carry + i - start);
					found = 1;
					break;
				}
			}
			at += (unsigned long long)got;
			carry = total < len - 1 ? total : len - 1;
			memmove(buf, buf + total - carry, carry);
		}
	}
	explicit_bzero(buf, sizeof(buf));
	fclose(maps);
	close(mem);
	return found;
}

static void cv_expect_hex(const char *what, const uint8_t *b, size_t len, const char *want)
{
	char got[2 * sizeof(TPMT_PUBLIC) + 1];
	size_t i;

	assert_true(2 * len < sizeof(got));
	for (i = 0; i < len; i++)
		snprintf(got + 2 * i, 3, "%02x", b[i]);
	got[2 * len] = '\0';
	if (strcmp(got, want))
		fail_msg("%s drifted:\n  now %s\n  was %s", what, got, want);
}

void cv_expect_public(const char *what, TPMT_PUBLIC *pub, const char *want)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;

	memset(&pub->unique, 0, sizeof(pub->unique));
	assert_int_equal(Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off), TSS2_RC_SUCCESS);
	cv_expect_hex(what, buf, off, want);
}

void cv_expect_nv_public(ESYS_CONTEXT *esys, uint32_t index, const char *what, const char *want)
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	TPM2B_NV_PUBLIC *pub = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	size_t off = 0;

	assert_int_equal(Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv),
			 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_ReadPublic(esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL),
			 TSS2_RC_SUCCESS);
	Esys_TR_Close(esys, &nv);
	pub->nvPublic.nvIndex = 0;
	pub->nvPublic.attributes &= ~TPMA_NV_WRITTEN;
	assert_int_equal(Tss2_MU_TPMS_NV_PUBLIC_Marshal(&pub->nvPublic, buf, sizeof(buf), &off), TSS2_RC_SUCCESS);
	Esys_Free(pub);
	cv_expect_hex(what, buf, off, want);
}

int cv_auth_refused(TSS2_RC rc)
{
	TSS2_RC base = rc & 0xffff;

	if (base & TPM2_RC_FMT1)
		base &= TPM2_RC_FMT1 | 0x3f;
	return base == TPM2_RC_AUTH_FAIL || base == TPM2_RC_BAD_AUTH || base == TPM2_RC_POLICY_FAIL ||
	       base == TPM2_RC_AUTH_UNAVAILABLE || base == TPM2_RC_NV_AUTHORIZATION;
}
