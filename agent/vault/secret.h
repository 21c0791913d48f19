/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key material in userspace: a buffer that is never swapped nor dumped and is wiped when freed, and the
 * kernel keyring, through which a vault key reaches camvault.ko as a "logon" key (userspace cannot read it
 * back).
 */
#ifndef CV_SECRET_H
#define CV_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* A key in memory that is never swapped nor dumped. */
struct cv_secret {
	unsigned char *buf;		/* NULL when not allocated */
	size_t len;			/* bytes used */
	size_t size;			/* bytes mapped */
};

/*
 * Makes this process undumpable for the rest of its life (prctl PR_SET_DUMPABLE 0): no core file, and no
 * ptrace, /proc/PID/mem or process_vm_readv by processes of its user that lack CAP_SYS_PTRACE. Called before
 * any secret enters the process; never undone, since copies a library made (and this process cannot know
 * of) may outlive the secret.
 */
void cv_secret_undumpable(void);

/*
 * Maps a zeroed, mlock'd buffer of at least len bytes (whole pages), excluded from core dumps, and sets
 * s->len = len; the process is undumpable from then on (cv_secret_undumpable()). Returns 0 or -1 (s then
 * holds nothing).
 */
int cv_secret_alloc(struct cv_secret *s, size_t len, char *err, size_t errlen);

/* Wipes and frees s; for a zeroed or freed s too. */
void cv_secret_free(struct cv_secret *s);

/* Adds s as a logon key of description desc to this process's keyring. Returns its serial, or -1. */
int32_t cv_key_add(const char *desc, const struct cv_secret *s, char *err, size_t errlen);

/* Invalidates the key: it leaves every keyring at once. */
void cv_key_drop(int32_t serial);

#endif /* CV_SECRET_H */
