/* SPDX-License-Identifier: GPL-2.0 */
/* camvault status: how it writes a vault (pure, for the unit tests). */
#ifndef CV_STATUS_H
#define CV_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "vault/header.h"
#include "vault/ipc.h"
#include "vault/registry.h"

/*
 * The status line of a vault, without the newline:
 *	vault cam0 (dm-0, 254:0) aes-xts-plain64 open, read 1.2 MiB, written 3.4 MiB, 0 I/O errors
 * with LOCKED for open once its key was wiped, and "1 I/O error" for one.
 */
void cv_vault_line(const struct cv_kernel_vault *v, char *buf, size_t len);

/*
 * The status line of a registered vault, without the newline:
 *	registered cam0: /srv/cam0.img, mountpoint /media/frigate, aes-xts-plain64, TPM-bound (NV 0x01812345
 *	present),
 *	no PIN, no PCRs, recovery slot, open
 * h is NULL when the header could not be read (why says why); nv_present is 1, 2 (present, of the old kind
 * anyone with TPM access can write: the line says so), 0 or -1 (no TPM to ask);
 * state is "open", "LOCKED" or "closed".
 */
void cv_registered_line(const struct cv_vault_entry *e, const struct cv_header *h, const char *why,
			int nv_present, const char *state, char *buf, size_t len);

/*
 * What status says of the probes pinned in dir, without the last newline: ret and info from
 * cv_probes_pinned_info(dir), why its err. One line when none are pinned (ret -ENOENT), or they cannot
 * be read (why says why):
 *	probes: not running (no agent)
 *	probes: not running (<why>)		a set pinned in part, or another version's
 *	probes: unknown (<why>)			cannot look (not root)
 * two when they are:
 *	probes: lsm tier, 27 attached, pinned in /sys/fs/bpf/camvault since 2026-11-25T15:04:05.000Z, read by pid 412
 *	probes: lost: 0 records (ring buffer full), 0 sessions (table full); denied: 0 opens; sessions open: 3;
 *	waiting: 1.2 KiB of 256.0 KiB
 * where "read by pid N" is "not read (no agent): records wait in the ring buffer" when no process uses them;
 * ", record-or-deny" follows the time when they enforce it, and "; another build's: the next start replaces
 * them" ends the line when they are not this build's.
 */
struct cv_probes_pinned;
void cv_probes_status(int ret, const struct cv_probes_pinned *info, const char *dir, const char *why, char *buf,
		      size_t len);

#endif /* CV_STATUS_H */
