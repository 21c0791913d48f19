/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the TPM-bound vault commands (init, open, close, shred, status) share: finding a vault, reading its
 * header, getting its key from the TPM or the recovery key, starting and stopping it, mounting it, and reading
 * a secret a person types.
 *
 * Failing functions write into err one sentence naming the vault, what failed and the fix, without the
 * "camvault: " prefix, and return -1.
 */
#ifndef CV_VAULT_H
#define CV_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "vault/header.h"
#include "vault/registry.h"
#include "vault/secret.h"

#define CV_ERRLEN 768

/* Scripts and tests may give the PIN and the recovery key in these; a person is asked on the terminal. */
#define CV_PIN_ENV		"CAMVAULT_PIN"
#define CV_RECOVERY_ENV		"CAMVAULT_RECOVERY_KEY"

/*
 * Reads a secret a person types into s (NUL-terminated, s->len without the NUL): from the environment variable
 * env when it is set, else from /dev/tty without echo (asked twice when confirm, and the two must match),
 * else one line of standard input. Returns 0 or -1.
 */
int cv_read_secret(const char *prompt, const char *env, bool confirm, struct cv_secret *s, char *err,
		   size_t errlen);

/*
 * The vault name: its line in the registry, or when backing is not NULL an unregistered vault on that store
 * (a copied image, a disk from another machine), with no mountpoint. Returns 0 or -1.
 */
int cv_vault_find(const char *name, const char *backing, struct cv_vault_entry *e, char *err, size_t errlen);

/* Reads e's header. Returns 0 or -1. */
int cv_vault_header(const struct cv_vault_entry *e, struct cv_header *h, char *err, size_t errlen);

/*
 * Vault e's key from the TPM into k: unseals (asking for the PIN when the vault has one), derives, checks it
 * against the header. Every failure names the vault and what to do. Returns 0 or -1.
 */
int cv_vault_key_from_tpm(const struct cv_vault_entry *e, const struct cv_header *h, struct cv_secret *k,
			  char *err, size_t errlen);

/* Vault e's key from its recovery key (asked for, or CAMVAULT_RECOVERY_KEY) into k. Returns 0 or -1. */
int cv_vault_key_from_recovery(const struct cv_vault_entry *e, const struct cv_header *h, struct cv_secret *k,
			       char *err, size_t errlen);

/* Starts e as /dev/mapper/<name> over its header's data area with key k. Returns 0 or -1. */
int cv_vault_activate(const struct cv_vault_entry *e, const struct cv_header *h, const struct cv_secret *k,
		      char *err, size_t errlen);

/* Mounts /dev/mapper/<name> on e->mountpoint (made when missing) as e->fstype. Returns 0 or -1. */
int cv_vault_mount(const struct cv_vault_entry *e, char *err, size_t errlen);

/*
 * Where /dev/mapper/<name> is mounted, into dir (first mount in /proc/self/mountinfo). Returns 1 when mounted,
 * 0 when not, -1 on error.
 */
int cv_vault_mounted(const char *name, char *dir, size_t len, char *err, size_t errlen);

/*
 * Stops vault name: unmounts every mount of it (a busy one is an error naming the directory), then removes the
 * device-mapper device (and with it the loop device of an image). A vault that is not open is not an error
 * when missing_ok. Returns 0 or -1.
 */
int cv_vault_stop(const char *name, bool missing_ok, char *err, size_t errlen);

/* Removes the camvault device-mapper device name (refusing other targets' devices). Returns 0 or -1. */
int cv_vault_remove(const char *name, char *err, size_t errlen);

#endif /* CV_VAULT_H */
