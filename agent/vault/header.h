/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vault header: the first CV_HDR_SIZE bytes of a vault's backing store, in a reserved area of
 * CV_HDR_AREA_SECTORS sectors after which the encrypted data starts. docs/FORMAT.md is its specification;
 * this is its only encoder and decoder.
 *
 * Functions that can fail write into err one sentence naming what failed and how to fix it, without the
 * "camvault: " prefix.
 */
#ifndef CV_HEADER_H
#define CV_HEADER_H

#include <stddef.h>
#include <stdint.h>

#define CV_HDR_MAGIC		"CAMVAULT"	/* 8 bytes, no NUL on disk */
#define CV_HDR_VERSION		1
#define CV_HDR_SIZE		4096		/* the header block; its last 32 bytes are its SHA-256 */
#define CV_HDR_AREA_SECTORS	2048		/* 1 MiB reserved at the start; the data area follows */

#define CV_HDR_CIPHER_MAX	48		/* kernel cipher name, NUL included */
#define CV_HDR_BLOB_MAX		1024		/* a marshalled TPM2B_PUBLIC or TPM2B_PRIVATE */
#define CV_HDR_PCRS		24		/* PCRs 0..23 */
#define CV_HDR_KEY_MAX		64		/* vault key: 64 bytes AES-256-XTS, 32 Adiantum */
#define CV_HDR_REC_SALT		16		/* crypto_pwhash_SALTBYTES */
#define CV_HDR_REC_NONCE	24		/* crypto_aead_xchacha20poly1305_ietf_NPUBBYTES */
#define CV_HDR_REC_TAG		16		/* crypto_aead_xchacha20poly1305_ietf_ABYTES */
#define CV_HDR_REC_OPS_MAX	64		/* Argon2id passes a header may ask for */
#define CV_HDR_REC_MEM_MAX_KIB	(1 << 20)	/* Argon2id memory a header may ask for: 1 GiB */

/* flags */
#define CV_HDR_F_TPM		0x1u	/* the TPM slot is used (always, in version 1) */
#define CV_HDR_F_PIN		0x2u	/* the sealed object needs a PIN (PolicyAuthValue) */
#define CV_HDR_F_PCRS		0x4u	/* the sealed object is bound to PCR values (PolicyPCR) */
#define CV_HDR_F_RECOVERY	0x8u	/* the recovery slot is used */
#define CV_HDR_F_ALL		0xfu

struct cv_header {
	uint16_t version;			/* CV_HDR_VERSION */
	uint32_t flags;				/* CV_HDR_F_* */
	uint8_t uuid[16];			/* random, RFC 4122 version 4 */
	uint64_t created;			/* seconds since the epoch */
	char cipher[CV_HDR_CIPHER_MAX];		/* the table's cipher: "aes-xts-plain64" */
	uint32_t key_bytes;			/* vault key size: 64 for aes-xts-plain64, 32 for Adiantum */
	uint32_t sector_size;			/* 512 or 4096 */
	uint64_t data_offset;			/* first data sector, in 512-byte sectors (>= CV_HDR_AREA_SECTORS) */
	uint64_t data_sectors;			/* data area length in 512-byte sectors, a whole number of sectors */
	uint8_t key_check[16];			/* cv_key_check() of the vault key: tells a wrong key before use */

	/* TPM slot: the sealed master secret and where the NV secret lives (vaultkey.h says how they combine) */
	uint32_t nv_index;			/* TPM NV index of the shred secret, 0x01000000..0x01ffffff */
	uint16_t srk_alg;			/* parent: TPM2_ALG_ECC (SRK template P-256) or TPM2_ALG_RSA */
	uint16_t pcr_bank;			/* TPM2_ALG_SHA256 when CV_HDR_F_PCRS, else 0 */
	uint32_t pcr_mask;			/* bit n: PCR n is in the policy; 0 without CV_HDR_F_PCRS */
	uint8_t pcr_values[CV_HDR_PCRS][32];	/* each selected PCR's value at sealing, to name one that changed */
	uint16_t pub_len;			/* marshalled TPM2B_PUBLIC of the sealed object */
	uint8_t pub[CV_HDR_BLOB_MAX];
	uint16_t priv_len;			/* marshalled TPM2B_PRIVATE of the sealed object */
	uint8_t priv[CV_HDR_BLOB_MAX];

	/* recovery slot: the vault key, wrapped with a key derived from the recovery key (CV_HDR_F_RECOVERY) */
	uint32_t rec_opslimit;			/* Argon2id passes */
	uint32_t rec_memlimit_kib;		/* Argon2id memory, KiB */
	uint8_t rec_salt[CV_HDR_REC_SALT];
	uint8_t rec_nonce[CV_HDR_REC_NONCE];
	uint16_t rec_ct_len;			/* key_bytes + CV_HDR_REC_TAG */
	uint8_t rec_ct[CV_HDR_KEY_MAX + CV_HDR_REC_TAG];
};

/*
 * Checks h (every rule cv_header_decode() checks) and encodes it into out, checksum included. Returns 0, or
 * -1 when h breaks a rule.
 */
int cv_header_encode(const struct cv_header *h, uint8_t out[CV_HDR_SIZE], char *err, size_t errlen);

/*
 * Decodes and checks a header block of len bytes (len < CV_HDR_SIZE is a truncated header). Distinguishes,
 * in its message: no magic (not a vault, or a shredded one), a newer version, a checksum mismatch (damaged),
 * and each field out of range. Returns 0, or -1 with *h unspecified.
 */
int cv_header_decode(const uint8_t *buf, size_t len, struct cv_header *h, char *err, size_t errlen);

/*
 * Reads and decodes the header of the backing store open as fd; path names it in messages. A store smaller
 * than the header area, or whose header's data area runs past its end, is refused. Returns 0 or -1.
 */
int cv_header_read(int fd, const char *path, struct cv_header *h, char *err, size_t errlen);

/* Encodes h and writes it at offset 0 of fd, then fdatasync()s. Returns 0 or -1. */
int cv_header_write(int fd, const char *path, const struct cv_header *h, char *err, size_t errlen);

/*
 * Overwrites the whole header area (CV_HDR_AREA_SECTORS sectors) of fd with random bytes and fsync()s: what
 * "camvault shred" does to the slots on this store. Returns 0 or -1.
 */
int cv_header_wipe(int fd, const char *path, char *err, size_t errlen);

/* The UUID as 36 characters "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus NUL. */
void cv_uuid_format(const uint8_t uuid[16], char out[37]);

#endif /* CV_HEADER_H */
