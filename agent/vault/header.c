// SPDX-License-Identifier: GPL-2.0
/*
 * The vault header: its byte layout (docs/FORMAT.md, section "Layout"), encoder, decoder, and its reading,
 * writing and wiping on a backing store.
 *
 * Every field is little-endian at a fixed offset. Every byte of the block is either a field's value or must be
 * zero (reserved bytes, a string's bytes after its NUL, a blob's bytes after its length, unselected PCRs'
 * values), so one header has exactly one encoding: decoding then encoding gives back the same bytes.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>
#include <sodium.h>
#include <tss2/tss2_tpm2_types.h>

#include "vault/device.h"
#include "vault/header.h"
#include "uapi/camvault.h"

/* Offsets in the block; each field follows the one before, with the padding FORMAT.md shows. */
enum {
	OFF_MAGIC		= 0,
	OFF_VERSION		= OFF_MAGIC + 8,
	OFF_RSVD0		= OFF_VERSION + 2,		/* 2 reserved bytes: flags 4-aligned */
	OFF_FLAGS		= OFF_RSVD0 + 2,
	OFF_UUID		= OFF_FLAGS + 4,
	OFF_CREATED		= OFF_UUID + 16,
	OFF_CIPHER		= OFF_CREATED + 8,
	OFF_KEY_BYTES		= OFF_CIPHER + CV_HDR_CIPHER_MAX,
	OFF_SECTOR_SIZE		= OFF_KEY_BYTES + 4,
	OFF_DATA_OFFSET		= OFF_SECTOR_SIZE + 4,
	OFF_DATA_SECTORS	= OFF_DATA_OFFSET + 8,
	OFF_KEY_CHECK		= OFF_DATA_SECTORS + 8,
	OFF_NV_INDEX		= OFF_KEY_CHECK + 16,
	OFF_SRK_ALG		= OFF_NV_INDEX + 4,
	OFF_PCR_BANK		= OFF_SRK_ALG + 2,
	OFF_PCR_MASK		= OFF_PCR_BANK + 2,
	OFF_RSVD1		= OFF_PCR_MASK + 4,		/* 4 reserved bytes: the PCR values 16-aligned */
	OFF_PCR_VALUES		= OFF_RSVD1 + 4,
	OFF_PUB_LEN		= OFF_PCR_VALUES + CV_HDR_PCRS * 32,
	OFF_PUB			= OFF_PUB_LEN + 2,
	OFF_PRIV_LEN		= OFF_PUB + CV_HDR_BLOB_MAX,
	OFF_PRIV		= OFF_PRIV_LEN + 2,
	OFF_REC_OPSLIMIT	= OFF_PRIV + CV_HDR_BLOB_MAX,
	OFF_REC_MEMLIMIT	= OFF_REC_OPSLIMIT + 4,
	OFF_REC_SALT		= OFF_REC_MEMLIMIT + 4,
	OFF_REC_NONCE		= OFF_REC_SALT + CV_HDR_REC_SALT,
	OFF_REC_CT_LEN		= OFF_REC_NONCE + CV_HDR_REC_NONCE,
	OFF_REC_CT		= OFF_REC_CT_LEN + 2,
	/* reserved up to the checksum */
	OFF_RSVD2		= OFF_REC_CT + CV_HDR_KEY_MAX + CV_HDR_REC_TAG,
	OFF_CHECKSUM		= CV_HDR_SIZE - 32,
};

/* The layout fits before the checksum. */
_Static_assert(OFF_RSVD2 <= OFF_CHECKSUM, "the vault header's fields overrun its checksum");
/*
 * And it is the one docs/FORMAT.md specifies: a change to a size in header.h must not move a field silently,
 * since every existing vault's header would stop decoding. A new layout is a new version.
 */
_Static_assert(OFF_CIPHER == 40 && OFF_KEY_CHECK == 112 && OFF_PCR_VALUES == 144 && OFF_PUB_LEN == 912 &&
	       OFF_PRIV_LEN == 1938 && OFF_REC_OPSLIMIT == 2964 && OFF_REC_CT == 3014 && OFF_RSVD2 == 3094 &&
	       OFF_CHECKSUM == 4064, "the vault header's layout differs from docs/FORMAT.md");
_Static_assert(CV_HDR_REC_SALT == crypto_pwhash_SALTBYTES &&
	       CV_HDR_REC_NONCE == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES &&
	       CV_HDR_REC_TAG == crypto_aead_xchacha20poly1305_ietf_ABYTES &&
	       crypto_hash_sha256_BYTES == CV_HDR_SIZE - OFF_CHECKSUM, "header.h's sizes differ from libsodium's");

#define AREA_BYTES	((uint64_t)CV_HDR_AREA_SECTORS * 512)

/* A header names one of the target's ciphers (device.c's cv_ciphers, from the uapi header), with its key. */
_Static_assert(sizeof(CAMVAULT_CIPHER_AES_XTS) <= CV_HDR_CIPHER_MAX &&
	       sizeof(CAMVAULT_CIPHER_ADIANTUM) <= CV_HDR_CIPHER_MAX, "a cipher's name overruns the header's field");
_Static_assert(CAMVAULT_CIPHER_AES_XTS_KEY_SIZE <= CV_HDR_KEY_MAX &&
	       CAMVAULT_CIPHER_ADIANTUM_KEY_SIZE <= CV_HDR_KEY_MAX, "a cipher's key overruns the header's key fields");

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int sodium_ready(char *err, size_t errlen)
{
	if (sodium_init() < 0)
		return fail(err, errlen, "libsodium does not initialise (no usable random source?): check that "
			    "/dev/urandom or getrandom() works");
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* What messages call the header: "<what> <prep> PATH", or just "<what>" when there is no path. */
static void subject(char *out, size_t outlen, const char *what, const char *prep, const char *path)
{
	if (path)
		snprintf(out, outlen, "%s %s %s", what, prep, path);
	else
		snprintf(out, outlen, "%s", what);
}

/*
 * The rules on the fields' values (docs/FORMAT.md, column "rule"), shared by the encoder and the decoder. s
 * names the header, fix says what to do about a broken rule: it differs between a header read (restore it)
 * and one about to be written (a bug).
 */
static int check_fields(const struct cv_header *h, const char *s, const char *fix, char *err, size_t errlen)
{
	const char *nul = memchr(h->cipher, '\0', sizeof(h->cipher));
	uint32_t spb;	/* 512-byte sectors per data sector */
	uint32_t mask;
	size_t i;

	if (h->version != CV_HDR_VERSION)
		return fail(err, errlen, "%s has version %u, but this camvault writes and reads version %u: %s", s,
			    h->version, CV_HDR_VERSION, fix);
	if (h->flags & ~CV_HDR_F_ALL)
		return fail(err, errlen, "%s has unknown flags 0x%" PRIx32 " (version 1 knows 0x%x): %s", s,
			    h->flags & ~CV_HDR_F_ALL, CV_HDR_F_ALL, fix);
	if (!(h->flags & CV_HDR_F_TPM))
		return fail(err, errlen, "%s has no TPM slot (flag 0x%x clear), which version 1 requires: %s", s,
			    CV_HDR_F_TPM, fix);

	if (!nul)
		return fail(err, errlen, "%s has a cipher that is not NUL-terminated within its %d bytes: %s", s,
			    CV_HDR_CIPHER_MAX, fix);
	for (i = 0; i < cv_nciphers; i++)
		if (!strcmp(h->cipher, cv_ciphers[i].kernel))
			break;
	if (i == cv_nciphers) {
		/* Named only when printable: the field may hold anything. */
		for (const char *c = h->cipher; c < nul; c++)
			if (*c < 0x20 || *c > 0x7e)
				return fail(err, errlen, "%s has an unknown, unprintable cipher (known: %s, %s): %s", s,
					    CAMVAULT_CIPHER_AES_XTS, CAMVAULT_CIPHER_ADIANTUM, fix);
		return fail(err, errlen, "%s has an unknown cipher '%s' (known: %s, %s): %s", s, h->cipher,
			    CAMVAULT_CIPHER_AES_XTS, CAMVAULT_CIPHER_ADIANTUM, fix);
	}
	if (h->key_bytes != cv_ciphers[i].key_bytes)
		return fail(err, errlen, "%s has key_bytes %" PRIu32 ", but cipher %s takes a %zu-byte key: %s",
			    s, h->key_bytes, h->cipher, cv_ciphers[i].key_bytes, fix);

	if (h->sector_size != 512 && h->sector_size != 4096)
		return fail(err, errlen, "%s has sector_size %" PRIu32 ", not 512 or 4096: %s", s, h->sector_size, fix);
	spb = h->sector_size / 512;
	if (h->data_offset < CV_HDR_AREA_SECTORS)
		return fail(err, errlen, "%s has data_offset %" PRIu64 ", inside the %d-sector header area: %s", s,
			    h->data_offset, CV_HDR_AREA_SECTORS, fix);
	if (h->data_offset % spb)
		return fail(err, errlen, "%s has data_offset %" PRIu64 ", not a whole number of its %" PRIu32
			    "-byte sectors: %s", s, h->data_offset, h->sector_size, fix);
	if (!h->data_sectors)
		return fail(err, errlen, "%s has data_sectors 0, an empty data area: %s", s, fix);
	if (h->data_sectors % spb)
		return fail(err, errlen, "%s has data_sectors %" PRIu64 ", not a whole number of its %" PRIu32
			    "-byte sectors: %s", s, h->data_sectors, h->sector_size, fix);
	/* The data area's end, in bytes, fits in 64 bits: what cv_header_read() compares with the store's size. */
	if (h->data_offset > UINT64_MAX / 512 || h->data_sectors > UINT64_MAX / 512 - h->data_offset)
		return fail(err, errlen, "%s has data_offset %" PRIu64 " plus data_sectors %" PRIu64 " at or past "
			    "2^55 sectors (2^64 bytes), more than any store holds: %s", s, h->data_offset,
			    h->data_sectors, fix);

	if (h->nv_index < 0x01000000 || h->nv_index > 0x01ffffff)
		return fail(err, errlen, "%s has nv_index 0x%08" PRIx32 ", outside the NV index range "
			    "0x01000000..0x01ffffff: %s", s, h->nv_index, fix);
	if (h->srk_alg != TPM2_ALG_ECC && h->srk_alg != TPM2_ALG_RSA)
		return fail(err, errlen, "%s has srk_alg 0x%04x, not ECC (0x%04x) or RSA (0x%04x): %s", s,
			    h->srk_alg, TPM2_ALG_ECC, TPM2_ALG_RSA, fix);
	if (h->flags & CV_HDR_F_PCRS) {
		if (h->pcr_bank != TPM2_ALG_SHA256)
			return fail(err, errlen, "%s has pcr_bank 0x%04x, not SHA-256 (0x%04x), for its PCR policy: "
				    "%s", s, h->pcr_bank, TPM2_ALG_SHA256, fix);
		if (!h->pcr_mask || h->pcr_mask >= 1u << CV_HDR_PCRS)
			return fail(err, errlen, "%s has pcr_mask 0x%" PRIx32 " for its PCR policy, not a non-empty "
				    "set of PCRs 0..%d: %s", s, h->pcr_mask, CV_HDR_PCRS - 1, fix);
	} else if (h->pcr_bank || h->pcr_mask) {
		return fail(err, errlen, "%s has pcr_bank 0x%04x and pcr_mask 0x%" PRIx32 " without the PCR flag "
			    "0x%x (both must be 0): %s", s, h->pcr_bank, h->pcr_mask, CV_HDR_F_PCRS, fix);
	}
	mask = h->flags & CV_HDR_F_PCRS ? h->pcr_mask : 0;
	for (i = 0; i < CV_HDR_PCRS; i++)
		if (!(mask & 1u << i) && !all_zero(h->pcr_values[i], 32))
			return fail(err, errlen, "%s has pcr_values for PCR %zu, which is not in its policy (pcr_mask "
				    "0x%" PRIx32 "): %s", s, i, mask, fix);

	if (h->pub_len < 1 || h->pub_len > CV_HDR_BLOB_MAX)
		return fail(err, errlen, "%s has pub_len %u, not 1..%d: %s", s, h->pub_len, CV_HDR_BLOB_MAX, fix);
	if (h->priv_len < 1 || h->priv_len > CV_HDR_BLOB_MAX)
		return fail(err, errlen, "%s has priv_len %u, not 1..%d: %s", s, h->priv_len, CV_HDR_BLOB_MAX, fix);

	if (h->flags & CV_HDR_F_RECOVERY) {
		if (h->rec_opslimit < 1)
			return fail(err, errlen, "%s has rec_opslimit 0, but Argon2id makes at least 1 pass: %s", s,
				    fix);
		/* Ceilings too: a forged header must not make a recovery hang or eat the machine's memory. */
		if (h->rec_opslimit > CV_HDR_REC_OPS_MAX)
			return fail(err, errlen, "%s has rec_opslimit %" PRIu32 ", more than the %d passes camvault "
				    "ever sets: %s", s, h->rec_opslimit, CV_HDR_REC_OPS_MAX, fix);
		if (h->rec_memlimit_kib < 8 || h->rec_memlimit_kib > CV_HDR_REC_MEM_MAX_KIB)
			return fail(err, errlen, "%s has rec_memlimit_kib %" PRIu32 ", but Argon2id takes 8 KiB to "
				    "%d KiB here: %s", s, h->rec_memlimit_kib, CV_HDR_REC_MEM_MAX_KIB, fix);
		if (h->rec_ct_len != h->key_bytes + CV_HDR_REC_TAG)
			return fail(err, errlen, "%s has rec_ct_len %u, but a %" PRIu32 "-byte key wraps into %" PRIu32
				    " bytes: %s", s, h->rec_ct_len, h->key_bytes, h->key_bytes + CV_HDR_REC_TAG, fix);
	} else if (h->rec_opslimit || h->rec_memlimit_kib || h->rec_ct_len ||
		   !all_zero(h->rec_salt, sizeof(h->rec_salt)) || !all_zero(h->rec_nonce, sizeof(h->rec_nonce))) {
		return fail(err, errlen, "%s has recovery slot fields set without the recovery flag 0x%x (all must be "
			    "0): %s", s, CV_HDR_F_RECOVERY, fix);
	}
	return 0;
}

static const char encode_fix[] = "this is a bug in camvault, please report it";
static const char decode_fix[] = "the header was not written by camvault; restore it from a header backup";

static int encode(const struct cv_header *h, const char *path, uint8_t out[CV_HDR_SIZE], char *err, size_t errlen)
{
	char s[4200];
	size_t i;

	if (sodium_ready(err, errlen))
		return -1;
	subject(s, sizeof(s), "the vault header to write", "to", path);
	if (check_fields(h, s, encode_fix, err, errlen))
		return -1;

	/*
	 * Only what the rules let through is written: the cipher up to its NUL, the blobs up to their lengths,
	 * the selected PCRs; everything else stays zero.
	 */
	memset(out, 0, CV_HDR_SIZE);
	memcpy(out + OFF_MAGIC, CV_HDR_MAGIC, 8);
	put16(out + OFF_VERSION, h->version);
	put32(out + OFF_FLAGS, h->flags);
	memcpy(out + OFF_UUID, h->uuid, 16);
	put64(out + OFF_CREATED, h->created);
	memcpy(out + OFF_CIPHER, h->cipher, strlen(h->cipher));
	put32(out + OFF_KEY_BYTES, h->key_bytes);
	put32(out + OFF_SECTOR_SIZE, h->sector_size);
	put64(out + OFF_DATA_OFFSET, h->data_offset);
	put64(out + OFF_DATA_SECTORS, h->data_sectors);
	memcpy(out + OFF_KEY_CHECK, h->key_check, 16);
	put32(out + OFF_NV_INDEX, h->nv_index);
	put16(out + OFF_SRK_ALG, h->srk_alg);
	put16(out + OFF_PCR_BANK, h->pcr_bank);
	put32(out + OFF_PCR_MASK, h->pcr_mask);
	for (i = 0; i < CV_HDR_PCRS; i++)
		memcpy(out + OFF_PCR_VALUES + 32 * i, h->pcr_values[i], 32);
	put16(out + OFF_PUB_LEN, h->pub_len);
	memcpy(out + OFF_PUB, h->pub, h->pub_len);
	put16(out + OFF_PRIV_LEN, h->priv_len);
	memcpy(out + OFF_PRIV, h->priv, h->priv_len);
	put32(out + OFF_REC_OPSLIMIT, h->rec_opslimit);
	put32(out + OFF_REC_MEMLIMIT, h->rec_memlimit_kib);
	memcpy(out + OFF_REC_SALT, h->rec_salt, CV_HDR_REC_SALT);
	memcpy(out + OFF_REC_NONCE, h->rec_nonce, CV_HDR_REC_NONCE);
	put16(out + OFF_REC_CT_LEN, h->rec_ct_len);
	memcpy(out + OFF_REC_CT, h->rec_ct, h->rec_ct_len);
	crypto_hash_sha256(out + OFF_CHECKSUM, out, OFF_CHECKSUM);
	return 0;
}

int cv_header_encode(const struct cv_header *h, uint8_t out[CV_HDR_SIZE], char *err, size_t errlen)
{
	return encode(h, NULL, out, err, errlen);
}

/* The reserved bytes, which the encoder leaves zero. */
static const struct {
	size_t off, len;
} reserved[] = {
	{ OFF_RSVD0, OFF_FLAGS - OFF_RSVD0 },
	{ OFF_RSVD1, OFF_PCR_VALUES - OFF_RSVD1 },
	{ OFF_RSVD2, OFF_CHECKSUM - OFF_RSVD2 },
};

/* Bytes the encoder leaves zero: a non-zero one means another writer (or a forgery), not damage. */
static int check_zero(const uint8_t *buf, size_t off, size_t len, const char *s, const char *what, char *err,
		      size_t errlen)
{
	for (size_t i = off; i < off + len; i++)
		if (buf[i])
			return fail(err, errlen, "%s has a non-zero byte at offset %zu, in %s: %s", s, i, what,
				    decode_fix);
	return 0;
}

static int decode(const uint8_t *buf, size_t len, const char *path, struct cv_header *h, char *err,
		  size_t errlen)
{
	uint8_t sum[crypto_hash_sha256_BYTES];
	unsigned int version;
	char s[4200];
	size_t i, n;

	if (sodium_ready(err, errlen))
		return -1;
	subject(s, sizeof(s), "vault header", "in", path);
	if (len < CV_HDR_SIZE)
		return fail(err, errlen, "%s is truncated (%zu of %d bytes): restore it from a header backup", s, len,
			    CV_HDR_SIZE);
	if (memcmp(buf + OFF_MAGIC, CV_HDR_MAGIC, 8)) {
		if (path)
			return fail(err, errlen, "no camvault header in %s: not a vault, or its header was shredded "
				    "(check the path; a shredded vault's header comes back only from a backup)", path);
		return fail(err, errlen, "no camvault header: not a vault, or its header was shredded (a shredded "
			    "vault's header comes back only from a backup)");
	}
	/* Before the checksum: a newer version may checksum differently, and its message is the useful one. */
	version = get16(buf + OFF_VERSION);
	if (version > CV_HDR_VERSION)
		return fail(err, errlen, "%s is version %u, newer than this camvault understands (%d): upgrade "
			    "camvault", s, version, CV_HDR_VERSION);
	crypto_hash_sha256(sum, buf, OFF_CHECKSUM);
	if (memcmp(sum, buf + OFF_CHECKSUM, sizeof(sum)))
		return fail(err, errlen, "%s is damaged (checksum mismatch): open it with its recovery key from a "
			    "header backup, or restore the header", s);

	memset(h, 0, sizeof(*h));
	h->version = (uint16_t)version;
	h->flags = get32(buf + OFF_FLAGS);
	memcpy(h->uuid, buf + OFF_UUID, 16);
	h->created = get64(buf + OFF_CREATED);
	memcpy(h->cipher, buf + OFF_CIPHER, CV_HDR_CIPHER_MAX);
	h->key_bytes = get32(buf + OFF_KEY_BYTES);
	h->sector_size = get32(buf + OFF_SECTOR_SIZE);
	h->data_offset = get64(buf + OFF_DATA_OFFSET);
	h->data_sectors = get64(buf + OFF_DATA_SECTORS);
	memcpy(h->key_check, buf + OFF_KEY_CHECK, 16);
	h->nv_index = get32(buf + OFF_NV_INDEX);
	h->srk_alg = get16(buf + OFF_SRK_ALG);
	h->pcr_bank = get16(buf + OFF_PCR_BANK);
	h->pcr_mask = get32(buf + OFF_PCR_MASK);
	memcpy(h->pcr_values, buf + OFF_PCR_VALUES, sizeof(h->pcr_values));
	h->pub_len = get16(buf + OFF_PUB_LEN);
	h->priv_len = get16(buf + OFF_PRIV_LEN);
	h->rec_opslimit = get32(buf + OFF_REC_OPSLIMIT);
	h->rec_memlimit_kib = get32(buf + OFF_REC_MEMLIMIT);
	memcpy(h->rec_salt, buf + OFF_REC_SALT, CV_HDR_REC_SALT);
	memcpy(h->rec_nonce, buf + OFF_REC_NONCE, CV_HDR_REC_NONCE);
	h->rec_ct_len = get16(buf + OFF_REC_CT_LEN);
	if (check_fields(h, s, decode_fix, err, errlen))
		return -1;
	/* The lengths are in range now. */
	memcpy(h->pub, buf + OFF_PUB, h->pub_len);
	memcpy(h->priv, buf + OFF_PRIV, h->priv_len);
	memcpy(h->rec_ct, buf + OFF_REC_CT, h->rec_ct_len);

	/* What the encoder leaves zero, so that one header has one encoding. */
	n = strlen(h->cipher);
	if (check_zero(buf, OFF_CIPHER + n, CV_HDR_CIPHER_MAX - n, s, "cipher, after its NUL", err, errlen) ||
	    check_zero(buf, OFF_PUB + h->pub_len, CV_HDR_BLOB_MAX - h->pub_len, s, "pub, after its pub_len bytes",
		       err, errlen) ||
	    check_zero(buf, OFF_PRIV + h->priv_len, CV_HDR_BLOB_MAX - h->priv_len, s,
		       "priv, after its priv_len bytes", err, errlen) ||
	    check_zero(buf, OFF_REC_CT + h->rec_ct_len, CV_HDR_KEY_MAX + CV_HDR_REC_TAG - h->rec_ct_len, s,
		       "rec_ct, after its rec_ct_len bytes", err, errlen))
		return -1;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (check_zero(buf, reserved[i].off, reserved[i].len, s, "reserved bytes", err, errlen))
			return -1;
	return 0;
}

int cv_header_decode(const uint8_t *buf, size_t len, struct cv_header *h, char *err, size_t errlen)
{
	return decode(buf, len, NULL, h, err, errlen);
}

/* The size in bytes of the store open as fd: a regular file's or a block device's. */
static int store_size(int fd, const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st))
		return fail(err, errlen, "cannot stat %s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size))
			return fail(err, errlen, "cannot get the size of block device %s (BLKGETSIZE64: %s)", path,
				    strerror(errno));
		return 0;
	}
	return fail(err, errlen, "%s is neither a regular file nor a block device, so it cannot hold a vault: give "
		    "an image file or a block device", path);
}

int cv_header_read(int fd, const char *path, struct cv_header *h, char *err, size_t errlen)
{
	uint8_t buf[CV_HDR_SIZE];
	uint64_t size, end;
	size_t got = 0;
	ssize_t r;

	if (store_size(fd, path, &size, err, errlen))
		return -1;
	if (size < AREA_BYTES)
		return fail(err, errlen, "%s is too small to be a vault (%" PRIu64 " bytes; a vault starts with a %"
			    PRIu64 "-byte header area): check the path", path, size, AREA_BYTES);
	while (got < sizeof(buf)) {
		r = pread(fd, buf + got, sizeof(buf) - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(err, errlen, "cannot read the vault header of %s: %s", path, strerror(errno));
		if (r == 0)
			return fail(err, errlen, "%s is too small to be a vault (it ends at byte %zu, within the "
				    "header): check the path", path, got);
		got += (size_t)r;
	}
	if (decode(buf, sizeof(buf), path, h, err, errlen))
		return -1;
	/* decode() checked that this does not overflow. */
	end = (h->data_offset + h->data_sectors) * 512;
	if (end > size)
		return fail(err, errlen, "vault header in %s has its data area (data_offset %" PRIu64 ", data_sectors %"
			    PRIu64 ") end at byte %" PRIu64 ", past the store's end (%" PRIu64 " bytes): the store was "
			    "truncated, or the header belongs to another store; open the vault on the store it was "
			    "made on", path, h->data_offset, h->data_sectors, end, size);
	return 0;
}

/* Writes all of buf at off, retrying short writes. Returns 0, or -1 with errno. */
static int pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	ssize_t r;

	while (len) {
		r = pwrite(fd, buf, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ENOSPC;
			return -1;
		}
		buf += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int cv_header_write(int fd, const char *path, const struct cv_header *h, char *err, size_t errlen)
{
	uint8_t buf[CV_HDR_SIZE];

	if (encode(h, path, buf, err, errlen))
		return -1;
	if (pwrite_all(fd, buf, sizeof(buf), 0))
		return fail(err, errlen, "cannot write the vault header to %s: %s", path, strerror(errno));
	/* The header is what opens the vault: on disk before anyone is told it was written. */
	if (fdatasync(fd))
		return fail(err, errlen, "cannot flush the vault header to %s (fdatasync: %s): check the storage for "
			    "errors", path, strerror(errno));
	return 0;
}

int cv_header_wipe(int fd, const char *path, char *err, size_t errlen)
{
	uint8_t buf[65536];
	uint64_t size, off, len;
	size_t n;

	if (sodium_ready(err, errlen) || store_size(fd, path, &size, err, errlen))
		return -1;
	/*
	 * Random bytes rather than zeros, so that nothing tells a wiped area from a data area. Only as far as the
	 * store goes: wiping must not grow a (non-vault) file that is smaller than the header area.
	 */
	len = size < AREA_BYTES ? size : AREA_BYTES;
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		randombytes_buf(buf, n);
		if (pwrite_all(fd, buf, n, off))
			return fail(err, errlen, "cannot overwrite the header area of %s at byte %" PRIu64 ": %s; the "
				    "header may be partly intact, run this again", path, off, strerror(errno));
	}
	if (fsync(fd))
		return fail(err, errlen, "cannot flush the overwritten header area of %s (fsync: %s): the old header "
			    "may still be on the storage, run this again", path, strerror(errno));
	return 0;
}

void cv_uuid_format(const uint8_t uuid[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0], uuid[1],
		 uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11], uuid[12],
		 uuid[13], uuid[14], uuid[15]);
}
