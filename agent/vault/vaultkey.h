/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a vault's key is made, and its recovery slot. All of it is libsodium.
 *
 *   M  master secret, CV_MASTER_BYTES: TPM2_GetRandom XOR getrandom(), sealed in the TPM object (header)
 *   N  NV secret, CV_NV_BYTES: TPM2_GetRandom XOR getrandom(), in the vault's TPM NV index, never on disk
 *   K  vault key = BLAKE2b-512 keyed with N over ("camvault-v1-vault-key" || uuid || M), first key_bytes bytes
 *
 * K exists only while a vault opens (and in camvault.ko's transforms). Destroying N (the NV index) makes M,
 * and so every copy of the header's TPM slot, useless: that is "shred".
 *
 * Recovery slot: R is the recovery key, CV_RECOVERY_BYTES random bytes shown once to the owner as
 * CV_RECOVERY_GROUPS groups of 5 Crockford base-32 characters (alphabet 0-9 A-Z without I L O U; 5 bits each,
 * most significant first: 200 bits, so every 40-character text is exactly one key). W = Argon2id(R, salt,
 * opslimit, memlimit), 32 bytes, R's raw bytes being the password; the slot is XChaCha20-Poly1305(W, nonce, K,
 * ad = "camvault-v1-recovery" || uuid || cipher (its characters, no NUL)). The slot wraps K itself, not M: a
 * copy of the header made before a shred still opens with R. docs/FORMAT.md says so.
 *
 * Key material lives in struct cv_secret (mlock'd, not dumped, wiped on free).
 */
#ifndef CV_KEYS_H
#define CV_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "vault/header.h"
#include "vault/secret.h"

#define CV_MASTER_BYTES		64
#define CV_NV_BYTES		32
#define CV_RECOVERY_BYTES	25			/* 200 bits */
#define CV_RECOVERY_GROUPS	8			/* 8 x 5 base-32 characters = 200 bits */
#define CV_RECOVERY_CHARS	(CV_RECOVERY_GROUPS * 5)	/* 40 characters of the alphabet */
#define CV_RECOVERY_TEXT	(CV_RECOVERY_GROUPS * 6)	/* "XXXXX-" x 8, last '-' is the NUL */

/* Initialises libsodium. Returns 0 or -1. Every function below needs it. */
int cv_keys_init(char *err, size_t errlen);

/*
 * K from M (CV_MASTER_BYTES) and N (CV_NV_BYTES) for header h (uuid, key_bytes, 1..CV_HDR_KEY_MAX): allocates k
 * (h->key_bytes). Returns 0 or -1.
 */
int cv_key_derive(const struct cv_secret *m, const struct cv_secret *n, const struct cv_header *h,
		  struct cv_secret *k, char *err, size_t errlen);

/* The 16-byte check value of key k for header h's uuid: BLAKE2b-128 keyed with k over "camvault-v1-check". */
void cv_key_check(const struct cv_secret *k, const struct cv_header *h, uint8_t out[16]);

/* Whether k matches h->key_check (constant time): 1 or 0. */
int cv_key_matches(const struct cv_secret *k, const struct cv_header *h);

/* A fresh recovery key into r (allocated, CV_RECOVERY_BYTES). Returns 0 or -1. */
int cv_recovery_new(struct cv_secret *r, char *err, size_t errlen);

/*
 * r (CV_RECOVERY_BYTES) as text: "ABCDE-FGHJK-..." (CV_RECOVERY_GROUPS groups, Crockford alphabet),
 * NUL-terminated. out holds the recovery key in clear: the caller wipes it after use (CV_CLEANUP_ERASE()).
 */
void cv_recovery_format(const struct cv_secret *r, char out[CV_RECOVERY_TEXT]);

/*
 * Parses a recovery key as a person types it: case-insensitive, dashes and spaces anywhere, O read as 0 and
 * I/L as 1 (Crockford); exactly CV_RECOVERY_CHARS characters of the alphabet besides. Allocates r
 * (CV_RECOVERY_BYTES). Returns 0, or -1 (r then holds nothing) naming the first wrong character and its
 * position in text (1-based, separators counted), or the wrong length.
 */
int cv_recovery_parse(const char *text, struct cv_secret *r, char *err, size_t errlen);

/*
 * Fills h's recovery slot (salt, nonce, limits, rec_ct) with k wrapped under r, and sets CV_HDR_F_RECOVERY.
 * h->uuid, h->cipher and h->key_bytes (== k->len) must be set. Argon2id limits: libsodium's "interactive" ones
 * unless CAMVAULT_ARGON2_MEMLIMIT_KIB is set (tests under emulation use it): then memlimit is that many KiB
 * (8 at least), opslimit still the interactive one. Returns 0 or -1.
 */
int cv_recovery_wrap(struct cv_header *h, const struct cv_secret *k, const struct cv_secret *r, char *err,
		     size_t errlen);

/*
 * Unwraps h's recovery slot with r into k (allocated, h->key_bytes). Returns 0; or -1 (k then holds nothing)
 * with "the recovery key does not open vault <uuid>: ..." when the AEAD refuses (wrong key, or a slot or
 * header field it covers changed), "vault <uuid> has no recovery slot ..." when CV_HDR_F_RECOVERY is clear.
 */
int cv_recovery_unwrap(const struct cv_header *h, const struct cv_secret *r, struct cv_secret *k, char *err,
		       size_t errlen);

#endif /* CV_KEYS_H */
