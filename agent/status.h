/* SPDX-License-Identifier: GPL-2.0 */
/* camvault status: how it writes a vault (pure, for the unit tests). */
#ifndef CV_STATUS_H
#define CV_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "header.h"
#include "ipc.h"
#include "registry.h"

/*
 * The status line of a vault, without the newline:
 *	vault cam0 (dm-0, 254:0) aes-xts-plain64 open, read 1.2 MiB, written 3.4 MiB, 0 I/O errors
 * with LOCKED for open once its key was wiped, and "1 I/O error" for one.
 */
void cv_vault_line(const struct cv_vault_info *v, char *buf, size_t len);

/*
 * The status line of a registered vault, without the newline:
 *	registered cam0: /srv/cam0.img, mountpoint /media/frigate, aes-xts-plain64, TPM-bound (NV 0x01812345
 *	present),
 *	no PIN, no PCRs, recovery slot, open
 * h is NULL when the header could not be read (why says why); nv_present is 1, 0 or -1 (no TPM to ask);
 * state is "open", "LOCKED" or "closed".
 */
void cv_registered_line(const struct cv_vault_entry *e, const struct cv_header *h, const char *why,
			int nv_present, const char *state, char *buf, size_t len);

#endif /* CV_STATUS_H */
