// SPDX-License-Identifier: GPL-2.0
/*
 * Key material in userspace: locked, undumpable, wiped buffers, and logon keys in the kernel keyring.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <keyutils.h>

#include "vault/secret.h"

void cv_secret_undumpable(void)
{
	/*
	 * MADV_DONTDUMP keeps the secret's own pages out of a core file, but not the copies the TPM stack, libc
	 * or the kernel keyring's caller leave elsewhere, and does nothing against ptrace. Cannot fail for 0.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int cv_secret_alloc(struct cv_secret *s, size_t len, char *err, size_t errlen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	cv_secret_undumpable();
	memset(s, 0, sizeof(*s));
	s->size = (len + page - 1) / page * page;
	if (!s->size)
		s->size = page;
	s->buf = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED) {
		s->buf = NULL;
		snprintf(err, errlen, "out of memory for key material: %s", strerror(errno));
		return -1;
	}
	if (mlock(s->buf, s->size)) {
		snprintf(err, errlen, "cannot lock key material's memory against swapping (mlock: %s): raise the "
			 "locked-memory limit ('ulimit -l')", strerror(errno));
		munmap(s->buf, s->size);
		memset(s, 0, sizeof(*s));
		return -1;
	}
	/* Not in core dumps either; best effort. */
	madvise(s->buf, s->size, MADV_DONTDUMP);
	s->len = len;
	return 0;
}

void cv_secret_free(struct cv_secret *s)
{
	if (s->buf) {
		explicit_bzero(s->buf, s->size);
		munlock(s->buf, s->size);
		munmap(s->buf, s->size);
	}
	memset(s, 0, sizeof(*s));
}

int32_t cv_key_add(const char *desc, const struct cv_secret *s, char *err, size_t errlen)
{
	key_serial_t key = add_key("logon", desc, s->buf, s->len, KEY_SPEC_PROCESS_KEYRING);

	if (key >= 0)
		return key;
	if (errno == EDQUOT)
		snprintf(err, errlen, "cannot add the key %s to the keyring: this user's key quota is full (see "
			 "/proc/key-users): remove unused keys or raise kernel.keys.maxkeys and maxbytes", desc);
	else if (errno == ENOSYS || errno == EOPNOTSUPP)
		snprintf(err, errlen, "cannot add the key %s: the kernel has no keyrings (it needs CONFIG_KEYS)",
			 desc);
	else
		snprintf(err, errlen, "cannot add the key %s to the keyring (add_key: %s)", desc, strerror(errno));
	return -1;
}

void cv_key_drop(int32_t serial)
{
	if (serial <= 0)
		return;
	/* Before Linux 3.5 there is no invalidate: revoke, then unlink. */
	if (keyctl_invalidate(serial) < 0) {
		keyctl_revoke(serial);
		keyctl_unlink(serial, KEY_SPEC_PROCESS_KEYRING);
	}
}
