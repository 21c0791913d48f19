// SPDX-License-Identifier: GPL-2.0
/*
 * The vault header (agent/vault/header.c): its layout as docs/FORMAT.md gives it, round trips, each decoding rule
 * with its own message, and reading, writing and wiping it on a temporary file.
 *
 * The offsets below are copied from docs/FORMAT.md, not from header.c: the layout test checks that the code
 * writes what the specification says.
 */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "vault/header.h"
#include "helpers.h"

/* docs/FORMAT.md, "Layout". */
enum {
	F_MAGIC = 0, F_VERSION = 8, F_FLAGS = 12, F_UUID = 16, F_CREATED = 32, F_CIPHER = 40, F_KEY_BYTES = 88,
	F_SECTOR_SIZE = 92, F_DATA_OFFSET = 96, F_DATA_SECTORS = 104, F_KEY_CHECK = 112, F_NV_INDEX = 128,
	F_SRK_ALG = 132, F_PCR_BANK = 134, F_PCR_MASK = 136, F_PCR_VALUES = 144, F_PUB_LEN = 912, F_PUB = 914,
	F_PRIV_LEN = 1938, F_PRIV = 1940, F_REC_OPSLIMIT = 2964, F_REC_MEMLIMIT = 2968, F_REC_SALT = 2972,
	F_REC_NONCE = 2988, F_REC_CT_LEN = 3012, F_REC_CT = 3014, F_RESERVED = 3094, F_CHECKSUM = 4064,
};

#define MIB (1024 * 1024)

static char err[4096];

/* The kinds of header the tests start from. */
enum kind {
	FULL_AES,	/* aes-xts, 4096-byte sectors, PIN, PCRs 0 2 4 7, recovery slot, RSA parent */
	FULL_ADIANTUM,	/* Adiantum, 512-byte sectors, PCR 7, recovery slot, ECC parent, blobs at their maximum */
	MINIMAL,	/* aes-xts, 512-byte sectors, TPM slot only */
};

static void fill(struct cv_header *h, enum kind kind)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->version = CV_HDR_VERSION;
	h->flags = CV_HDR_F_TPM;
	for (i = 0; i < 16; i++)
		h->uuid[i] = (uint8_t)(0xa0 + i);
	h->uuid[6] = 0x4a;	/* RFC 4122 version 4, variant 1 */
	h->uuid[8] = 0x9b;
	h->created = 1735689600;
	strcpy(h->cipher, "aes-xts-plain64");
	h->key_bytes = 64;
	h->sector_size = 512;
	h->data_offset = CV_HDR_AREA_SECTORS;
	h->data_sectors = 2048;
	for (i = 0; i < 16; i++)
		h->key_check[i] = (uint8_t)(0x30 + i);
	h->nv_index = 0x01812345;
	h->srk_alg = 0x0023;
	h->pub_len = 90;
	for (i = 0; i < h->pub_len; i++)
		h->pub[i] = (uint8_t)(i * 3 + 1);
	h->priv_len = 126;
	for (i = 0; i < h->priv_len; i++)
		h->priv[i] = (uint8_t)(i * 5 + 2);
	if (kind == MINIMAL)
		return;

	h->flags |= CV_HDR_F_PCRS | CV_HDR_F_RECOVERY;
	h->pcr_bank = 0x000b;
	h->rec_opslimit = 2;
	h->rec_memlimit_kib = 65536;
	for (i = 0; i < CV_HDR_REC_SALT; i++)
		h->rec_salt[i] = (uint8_t)(0x50 + i);
	for (i = 0; i < CV_HDR_REC_NONCE; i++)
		h->rec_nonce[i] = (uint8_t)(0x70 + i);
	if (kind == FULL_AES) {
		h->flags |= CV_HDR_F_PIN;
		h->sector_size = 4096;
		h->data_sectors = 8 * 1000;
		h->srk_alg = 0x0001;
		h->pcr_mask = 1u << 0 | 1u << 2 | 1u << 4 | 1u << 7;
		/* Lengths other than the maximum: what follows them in the block stays zero. */
	} else {
		strcpy(h->cipher, "xchacha12,aes-adiantum-plain64");
		h->key_bytes = 32;
		h->data_offset = 4096;
		h->data_sectors = (1ull << 40) + 1;
		h->pcr_mask = 1u << 7 | 1u << 23;
		h->pub_len = CV_HDR_BLOB_MAX;
		h->priv_len = CV_HDR_BLOB_MAX;
		for (i = 0; i < CV_HDR_BLOB_MAX; i++)
			h->pub[i] = h->priv[i] = (uint8_t)(0xff - i);
	}
	for (i = 0; i < CV_HDR_PCRS; i++)
		if (h->pcr_mask & 1u << i)
			memset(h->pcr_values[i], 0x10 + (int)i, 32);
	h->rec_ct_len = (uint16_t)(h->key_bytes + CV_HDR_REC_TAG);
	for (i = 0; i < h->rec_ct_len; i++)
		h->rec_ct[i] = (uint8_t)(0xc0 ^ i);
}

/* fill() then encode: must work. */
static void encoded(uint8_t buf[CV_HDR_SIZE], enum kind kind)
{
	struct cv_header h;

	fill(&h, kind);
	err[0] = '\0';
	if (cv_header_encode(&h, buf, err, sizeof(err)))
		fail_msg("encoding a good header failed: %s", err);
}

/* Recomputes the checksum after a test changed a field, so that the field's rule, not the checksum, fails. */
static void rehash(uint8_t buf[CV_HDR_SIZE])
{
	crypto_hash_sha256(buf + F_CHECKSUM, buf, F_CHECKSUM);
}

static void le(uint8_t *p, int width, uint64_t v)
{
	for (int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint64_t get_le(const uint8_t *p, int width)
{
	uint64_t v = 0;

	for (int i = width - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Decoding buf (len bytes) must fail with want in the message. */
static void decode_fails_len(const uint8_t *buf, size_t len, const char *want)
{
	struct cv_header h;

	err[0] = '\0';
	assert_int_equal(cv_header_decode(buf, len, &h, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
	/* One sentence, without the command's prefix: the caller adds that. */
	assert_null(strstr(err, "camvault: "));
	assert_null(strchr(err, '\n'));
}

static void decode_fails(const uint8_t *buf, const char *want)
{
	decode_fails_len(buf, CV_HDR_SIZE, want);
}

static void assert_header_equal(const struct cv_header *a, const struct cv_header *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->flags, b->flags);
	assert_memory_equal(a->uuid, b->uuid, 16);
	assert_int_equal(a->created, b->created);
	assert_memory_equal(a->cipher, b->cipher, CV_HDR_CIPHER_MAX);
	assert_int_equal(a->key_bytes, b->key_bytes);
	assert_int_equal(a->sector_size, b->sector_size);
	assert_int_equal(a->data_offset, b->data_offset);
	assert_int_equal(a->data_sectors, b->data_sectors);
	assert_memory_equal(a->key_check, b->key_check, 16);
	assert_int_equal(a->nv_index, b->nv_index);
	assert_int_equal(a->srk_alg, b->srk_alg);
	assert_int_equal(a->pcr_bank, b->pcr_bank);
	assert_int_equal(a->pcr_mask, b->pcr_mask);
	assert_memory_equal(a->pcr_values, b->pcr_values, sizeof(a->pcr_values));
	assert_int_equal(a->pub_len, b->pub_len);
	assert_memory_equal(a->pub, b->pub, sizeof(a->pub));
	assert_int_equal(a->priv_len, b->priv_len);
	assert_memory_equal(a->priv, b->priv, sizeof(a->priv));
	assert_int_equal(a->rec_opslimit, b->rec_opslimit);
	assert_int_equal(a->rec_memlimit_kib, b->rec_memlimit_kib);
	assert_memory_equal(a->rec_salt, b->rec_salt, sizeof(a->rec_salt));
	assert_memory_equal(a->rec_nonce, b->rec_nonce, sizeof(a->rec_nonce));
	assert_int_equal(a->rec_ct_len, b->rec_ct_len);
	assert_memory_equal(a->rec_ct, b->rec_ct, sizeof(a->rec_ct));
}

static void round_trip(enum kind kind)
{
	uint8_t buf[CV_HDR_SIZE], again[CV_HDR_SIZE];
	struct cv_header h, back;

	fill(&h, kind);
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), 0);
	memset(&back, 0x5a, sizeof(back));
	if (cv_header_decode(buf, sizeof(buf), &back, err, sizeof(err)))
		fail_msg("decoding what was encoded failed: %s", err);
	assert_header_equal(&back, &h);
	/* One header, one encoding. */
	assert_int_equal(cv_header_encode(&back, again, err, sizeof(err)), 0);
	assert_memory_equal(again, buf, CV_HDR_SIZE);
	/* A longer buffer (a whole header area) decodes the same. */
	{
		uint8_t *area = calloc(1, MIB);

		assert_non_null(area);
		memcpy(area, buf, CV_HDR_SIZE);
		assert_int_equal(cv_header_decode(area, MIB, &back, err, sizeof(err)), 0);
		assert_header_equal(&back, &h);
		free(area);
	}
}

static void test_round_trip_aes(void **state)
{
	(void)state;
	round_trip(FULL_AES);
}

static void test_round_trip_adiantum(void **state)
{
	(void)state;
	round_trip(FULL_ADIANTUM);
}

static void test_round_trip_minimal(void **state)
{
	(void)state;
	round_trip(MINIMAL);
}

/* Every field where docs/FORMAT.md puts it, little-endian, and zeros wherever no field is. */
static void test_layout(void **state)
{
	uint8_t buf[CV_HDR_SIZE], sum[32];
	struct cv_header h;
	size_t i;

	(void)state;
	fill(&h, FULL_AES);
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), 0);
	assert_memory_equal(buf + F_MAGIC, "CAMVAULT", 8);
	assert_int_equal(get_le(buf + F_VERSION, 2), 1);
	assert_int_equal(get_le(buf + 10, 2), 0);
	assert_int_equal(get_le(buf + F_FLAGS, 4), 0xf);
	assert_memory_equal(buf + F_UUID, h.uuid, 16);
	assert_int_equal(get_le(buf + F_CREATED, 8), 1735689600);
	assert_string_equal((const char *)buf + F_CIPHER, "aes-xts-plain64");
	assert_int_equal(get_le(buf + F_KEY_BYTES, 4), 64);
	assert_int_equal(get_le(buf + F_SECTOR_SIZE, 4), 4096);
	assert_int_equal(get_le(buf + F_DATA_OFFSET, 8), 2048);
	assert_int_equal(get_le(buf + F_DATA_SECTORS, 8), 8000);
	assert_memory_equal(buf + F_KEY_CHECK, h.key_check, 16);
	assert_int_equal(get_le(buf + F_NV_INDEX, 4), 0x01812345);
	assert_int_equal(get_le(buf + F_SRK_ALG, 2), 0x0001);
	assert_int_equal(get_le(buf + F_PCR_BANK, 2), 0x000b);
	assert_int_equal(get_le(buf + F_PCR_MASK, 4), 0x95);
	assert_int_equal(get_le(buf + 140, 4), 0);
	for (i = 0; i < CV_HDR_PCRS; i++)
		assert_memory_equal(buf + F_PCR_VALUES + 32 * i, h.pcr_values[i], 32);
	assert_int_equal(get_le(buf + F_PUB_LEN, 2), 90);
	assert_memory_equal(buf + F_PUB, h.pub, 90);
	assert_int_equal(get_le(buf + F_PRIV_LEN, 2), 126);
	assert_memory_equal(buf + F_PRIV, h.priv, 126);
	assert_int_equal(get_le(buf + F_REC_OPSLIMIT, 4), 2);
	assert_int_equal(get_le(buf + F_REC_MEMLIMIT, 4), 65536);
	assert_memory_equal(buf + F_REC_SALT, h.rec_salt, 16);
	assert_memory_equal(buf + F_REC_NONCE, h.rec_nonce, 24);
	assert_int_equal(get_le(buf + F_REC_CT_LEN, 2), 80);
	assert_memory_equal(buf + F_REC_CT, h.rec_ct, 80);
	for (i = F_RESERVED; i < F_CHECKSUM; i++)
		assert_int_equal(buf[i], 0);
	/* After the blobs' lengths: zeros. */
	for (i = F_PUB + 90; i < F_PRIV_LEN; i++)
		assert_int_equal(buf[i], 0);
	for (i = F_PRIV + 126; i < F_REC_OPSLIMIT; i++)
		assert_int_equal(buf[i], 0);
	for (i = F_CIPHER + 15; i < F_KEY_BYTES; i++)
		assert_int_equal(buf[i], 0);
	crypto_hash_sha256(sum, buf, F_CHECKSUM);
	assert_memory_equal(buf + F_CHECKSUM, sum, 32);
}

/* The encoder writes only what the lengths cover: junk after them in the struct does not reach the disk. */
static void test_encode_ignores_slack(void **state)
{
	uint8_t a[CV_HDR_SIZE], b[CV_HDR_SIZE];
	struct cv_header h;

	(void)state;
	fill(&h, FULL_AES);
	assert_int_equal(cv_header_encode(&h, a, err, sizeof(err)), 0);
	memset(h.pub + h.pub_len, 0xee, CV_HDR_BLOB_MAX - h.pub_len);
	memset(h.priv + h.priv_len, 0xee, CV_HDR_BLOB_MAX - h.priv_len);
	memset(h.cipher + 16, 0xee, CV_HDR_CIPHER_MAX - 16);
	assert_int_equal(cv_header_encode(&h, b, err, sizeof(err)), 0);
	assert_memory_equal(a, b, CV_HDR_SIZE);
}

/* The encoder checks the rules too, and calls a broken one a bug. */
static void test_encode_refuses(void **state)
{
	uint8_t buf[CV_HDR_SIZE];
	struct cv_header h;

	(void)state;
	fill(&h, MINIMAL);
	h.sector_size = 1000;
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), -1);
	assert_string_equal(err, "the vault header to write has sector_size 1000, not 512 or 4096: this is a bug in "
			    "camvault, please report it");

	fill(&h, MINIMAL);
	h.pub_len = CV_HDR_BLOB_MAX + 1;
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has pub_len 1025, not 1..1024"));

	fill(&h, MINIMAL);
	memset(h.cipher, 'a', sizeof(h.cipher));
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has a cipher that is not NUL-terminated within its 48 bytes"));

	fill(&h, MINIMAL);
	h.version = 2;
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has version 2, but this camvault writes and reads version 1"));

	fill(&h, MINIMAL);
	h.rec_nonce[3] = 1;
	assert_int_equal(cv_header_encode(&h, buf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has recovery slot fields set without the recovery flag 0x8"));
}

/* One changed field, checksum fixed: the field's rule must say what is wrong. */
static const struct rule {
	enum kind kind;
	size_t off;
	int width;
	uint64_t value;
	const char *want;
} rules[] = {
	{ MINIMAL, F_VERSION, 2, 0, "vault header has version 0, but this camvault writes and reads version 1" },
	{ FULL_AES, F_FLAGS, 4, 0x1f, "vault header has unknown flags 0x10 (version 1 knows 0xf): the header was "
	  "not written by camvault; restore it from a header backup" },
	{ FULL_AES, F_FLAGS, 4, 0x8000000f, "has unknown flags 0x80000000" },
	{ FULL_AES, F_FLAGS, 4, 0xe, "has no TPM slot (flag 0x1 clear), which version 1 requires" },
	{ MINIMAL, F_KEY_BYTES, 4, 32, "has key_bytes 32, but cipher aes-xts-plain64 takes a 64-byte key" },
	{ FULL_ADIANTUM, F_KEY_BYTES, 4, 64, "has key_bytes 64, but cipher xchacha12,aes-adiantum-plain64 takes a "
	  "32-byte key" },
	{ MINIMAL, F_SECTOR_SIZE, 4, 1024, "has sector_size 1024, not 512 or 4096" },
	{ MINIMAL, F_SECTOR_SIZE, 4, 0, "has sector_size 0, not 512 or 4096" },
	{ MINIMAL, F_DATA_OFFSET, 8, 2047, "has data_offset 2047, inside the 2048-sector header area" },
	{ MINIMAL, F_DATA_OFFSET, 8, 0, "has data_offset 0, inside the 2048-sector header area" },
	{ FULL_AES, F_DATA_OFFSET, 8, 2052, "has data_offset 2052, not a whole number of its 4096-byte sectors" },
	{ MINIMAL, F_DATA_SECTORS, 8, 0, "has data_sectors 0, an empty data area" },
	{ FULL_AES, F_DATA_SECTORS, 8, 8001, "has data_sectors 8001, not a whole number of its 4096-byte sectors" },
	{ MINIMAL, F_DATA_SECTORS, 8, (1ull << 55) - 2048 + 1, "plus data_sectors 36028797018961921 at or past "
	  "2^55 sectors" },
	{ MINIMAL, F_DATA_SECTORS, 8, UINT64_MAX, "at or past 2^55 sectors" },
	{ MINIMAL, F_DATA_OFFSET, 8, 1ull << 60, "has data_offset 1152921504606846976 plus data_sectors 2048 at or "
	  "past 2^55 sectors" },
	{ MINIMAL, F_NV_INDEX, 4, 0x00ffffff, "has nv_index 0x00ffffff, outside the NV index range "
	  "0x01000000..0x01ffffff" },
	{ MINIMAL, F_NV_INDEX, 4, 0x02000000, "has nv_index 0x02000000, outside the NV index range" },
	{ MINIMAL, F_SRK_ALG, 2, 0x0004, "has srk_alg 0x0004, not ECC (0x0023) or RSA (0x0001)" },
	{ FULL_AES, F_PCR_BANK, 2, 0x0004, "has pcr_bank 0x0004, not SHA-256 (0x000b), for its PCR policy" },
	{ FULL_AES, F_PCR_MASK, 4, 0, "has pcr_mask 0x0 for its PCR policy, not a non-empty set of PCRs 0..23" },
	{ FULL_AES, F_PCR_MASK, 4, 0x1000095, "has pcr_mask 0x1000095 for its PCR policy" },
	{ MINIMAL, F_PCR_BANK, 2, 0x000b, "has pcr_bank 0x000b and pcr_mask 0x0 without the PCR flag 0x4 (both must "
	  "be 0)" },
	{ MINIMAL, F_PCR_MASK, 4, 0x80, "has pcr_bank 0x0000 and pcr_mask 0x80 without the PCR flag 0x4" },
	{ MINIMAL, F_PCR_VALUES + 31, 1, 1, "has pcr_values for PCR 0, which is not in its policy (pcr_mask 0x0)" },
	{ FULL_AES, F_PCR_VALUES + 5 * 32, 1, 1, "has pcr_values for PCR 5, which is not in its policy (pcr_mask "
	  "0x95)" },
	{ MINIMAL, F_PUB_LEN, 2, 0, "has pub_len 0, not 1..1024" },
	{ MINIMAL, F_PUB_LEN, 2, 1025, "has pub_len 1025, not 1..1024" },
	{ MINIMAL, F_PRIV_LEN, 2, 0, "has priv_len 0, not 1..1024" },
	{ MINIMAL, F_PRIV_LEN, 2, 0xffff, "has priv_len 65535, not 1..1024" },
	{ FULL_AES, F_REC_CT_LEN, 2, 64, "has rec_ct_len 64, but a 64-byte key wraps into 80 bytes" },
	{ FULL_ADIANTUM, F_REC_CT_LEN, 2, 80, "has rec_ct_len 80, but a 32-byte key wraps into 48 bytes" },
	{ FULL_AES, F_REC_OPSLIMIT, 4, 0, "has rec_opslimit 0, but Argon2id makes at least 1 pass" },
	{ FULL_AES, F_REC_MEMLIMIT, 4, 7, "has rec_memlimit_kib 7, but Argon2id takes 8 KiB to 1048576 KiB" },
	{ FULL_AES, F_REC_MEMLIMIT, 4, 1048577, "has rec_memlimit_kib 1048577, but Argon2id takes 8 KiB to" },
	{ FULL_AES, F_REC_OPSLIMIT, 4, 65, "has rec_opslimit 65, more than the 64 passes camvault ever sets" },
	{ MINIMAL, F_REC_OPSLIMIT, 4, 2, "has recovery slot fields set without the recovery flag 0x8 (all must be 0)" },
	{ MINIMAL, F_REC_MEMLIMIT, 4, 8, "has recovery slot fields set without the recovery flag" },
	{ MINIMAL, F_REC_SALT + 15, 1, 1, "has recovery slot fields set without the recovery flag" },
	{ MINIMAL, F_REC_NONCE, 1, 1, "has recovery slot fields set without the recovery flag" },
	{ MINIMAL, F_REC_CT_LEN, 2, 80, "has recovery slot fields set without the recovery flag" },
	/* The bytes that must be zero. */
	{ MINIMAL, F_CIPHER + 16, 1, 'x', "has a non-zero byte at offset 56, in cipher, after its NUL" },
	{ MINIMAL, F_PUB + 90, 1, 1, "has a non-zero byte at offset 1004, in pub, after its pub_len bytes" },
	{ MINIMAL, F_PRIV_LEN - 1, 1, 1, "has a non-zero byte at offset 1937, in pub, after its pub_len bytes" },
	{ FULL_AES, F_PRIV + 126, 1, 1, "has a non-zero byte at offset 2066, in priv, after its priv_len bytes" },
	{ FULL_ADIANTUM, F_REC_CT + 48, 1, 1, "has a non-zero byte at offset 3062, in rec_ct, after its rec_ct_len "
	  "bytes" },
	{ MINIMAL, F_REC_CT, 1, 1, "has a non-zero byte at offset 3014, in rec_ct, after its rec_ct_len bytes" },
	{ MINIMAL, 10, 1, 1, "has a non-zero byte at offset 10, in reserved bytes" },
	{ MINIMAL, 11, 1, 1, "has a non-zero byte at offset 11, in reserved bytes" },
	{ FULL_AES, 143, 1, 1, "has a non-zero byte at offset 143, in reserved bytes" },
	{ MINIMAL, F_RESERVED, 1, 1, "has a non-zero byte at offset 3094, in reserved bytes" },
	{ FULL_AES, F_CHECKSUM - 1, 1, 0x80, "has a non-zero byte at offset 4063, in reserved bytes" },
};

static void test_rules(void **state)
{
	uint8_t buf[CV_HDR_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		encoded(buf, rules[i].kind);
		le(buf + rules[i].off, rules[i].width, rules[i].value);
		rehash(buf);
		decode_fails(buf, rules[i].want);
	}
}

static void set_cipher(uint8_t *buf, const char *bytes, size_t n)
{
	memset(buf + F_CIPHER, 0, CV_HDR_CIPHER_MAX);
	memcpy(buf + F_CIPHER, bytes, n);
	rehash(buf);
}

static void test_cipher_rules(void **state)
{
	uint8_t buf[CV_HDR_SIZE];
	char all[CV_HDR_CIPHER_MAX];

	(void)state;
	encoded(buf, MINIMAL);
	memset(all, 'a', sizeof(all));
	set_cipher(buf, all, sizeof(all));
	decode_fails(buf, "vault header has a cipher that is not NUL-terminated within its 48 bytes");

	set_cipher(buf, "aes-cbc-essiv:sha256", 20);
	decode_fails(buf, "vault header has an unknown cipher 'aes-cbc-essiv:sha256' (known: aes-xts-plain64, "
		     "xchacha12,aes-adiantum-plain64)");
	/* Close is not enough: exactly the kernel's name. */
	set_cipher(buf, "AES-XTS-PLAIN64", 15);
	decode_fails(buf, "unknown cipher 'AES-XTS-PLAIN64'");
	set_cipher(buf, "aes-xts-plain", 13);
	decode_fails(buf, "unknown cipher 'aes-xts-plain'");
	set_cipher(buf, "", 0);
	decode_fails(buf, "unknown cipher ''");
	/* A terminal escape is not printed. */
	set_cipher(buf, "\033[2Jaes", 7);
	decode_fails(buf, "has an unknown, unprintable cipher (known: aes-xts-plain64, "
		     "xchacha12,aes-adiantum-plain64)");

	/* Adiantum's name with AES's key size is caught by key_bytes. */
	set_cipher(buf, "xchacha12,aes-adiantum-plain64", 30);
	decode_fails(buf, "has key_bytes 64, but cipher xchacha12,aes-adiantum-plain64 takes a 32-byte key");
}

/* Magic, version and checksum, in that order, before any field. */
static void test_magic_version_checksum(void **state)
{
	uint8_t buf[CV_HDR_SIZE];

	(void)state;
	encoded(buf, FULL_AES);
	buf[F_MAGIC + 7] = 't';
	decode_fails(buf, "no camvault header: not a vault, or its header was shredded");
	memset(buf, 0, sizeof(buf));
	decode_fails(buf, "no camvault header");
	randombytes_buf(buf, sizeof(buf));
	decode_fails(buf, "no camvault header");

	/* A newer version is named even though its checksum (maybe computed otherwise) does not match. */
	encoded(buf, FULL_AES);
	le(buf + F_VERSION, 2, 2);
	decode_fails(buf, "vault header is version 2, newer than this camvault understands (1): upgrade camvault");
	le(buf + F_VERSION, 2, 0xffff);
	rehash(buf);
	decode_fails(buf, "vault header is version 65535, newer than this camvault understands (1)");

	encoded(buf, FULL_AES);
	buf[F_PUB + 7] ^= 0x01;
	decode_fails(buf, "vault header is damaged (checksum mismatch): open it with its recovery key from a header "
		     "backup, or restore the header");
	encoded(buf, MINIMAL);
	buf[F_CHECKSUM + 31] ^= 0x80;
	decode_fails(buf, "is damaged (checksum mismatch)");
	/* A field out of range without a fixed checksum is damage, not a broken rule. */
	encoded(buf, MINIMAL);
	le(buf + F_SECTOR_SIZE, 4, 1024);
	decode_fails(buf, "is damaged (checksum mismatch)");
	/* Damage in the reserved bytes too. */
	encoded(buf, MINIMAL);
	buf[F_RESERVED + 100] = 1;
	decode_fails(buf, "is damaged (checksum mismatch)");
}

static void test_truncated(void **state)
{
	uint8_t buf[CV_HDR_SIZE];

	(void)state;
	encoded(buf, FULL_AES);
	decode_fails_len(buf, CV_HDR_SIZE - 1, "vault header is truncated (4095 of 4096 bytes)");
	decode_fails_len(buf, 512, "is truncated (512 of 4096 bytes)");
	decode_fails_len(buf, 0, "is truncated (0 of 4096 bytes)");
}

/* A temporary file of size bytes, each byte pattern(offset); returns its fd, with its path in path. */
static uint8_t pattern(size_t off)
{
	return (uint8_t)(off * 7 + off / 4096);
}

static int temp_store(char *path, size_t pathlen, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	int fd;

	assert_non_null(buf);
	snprintf(path, pathlen, "/tmp/camvault-test-header-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (size_t i = 0; i < size; i++)
		buf[i] = pattern(i);
	assert_int_equal(pwrite(fd, buf, size, 0), (ssize_t)size);
	free(buf);
	return fd;
}

/*
 * A store for a test, in *state: 2 MiB (the header area and 2048 sectors of data) of pattern() bytes, open;
 * closed and removed after the test, whether it passed or not.
 */
struct store {
	char path[64];
	int fd;
};

static int store_setup(void **state)
{
	static struct store store;

	store.fd = temp_store(store.path, sizeof(store.path), 2 * MIB);
	*state = &store;
	return 0;
}

static int store_teardown(void **state)
{
	struct store *store = *state;

	close(store->fd);
	return unlink(store->path);
}

static void test_write_read_wipe(void **state)
{
	const struct store *store = *state;
	const char *path = store->path;
	int fd = store->fd;
	struct cv_header h, back;
	char want[512];
	uint8_t *before = malloc(2 * MIB), *after = malloc(2 * MIB);
	struct stat st;
	size_t off;

	assert_non_null(before);
	assert_non_null(after);
	fill(&h, FULL_AES);
	h.data_sectors = 2048;	/* exactly to the end of the 2 MiB */
	assert_int_equal(cv_header_write(fd, path, &h, err, sizeof(err)), 0);
	memset(&back, 0, sizeof(back));
	if (cv_header_read(fd, path, &back, err, sizeof(err)))
		fail_msg("reading back failed: %s", err);
	assert_header_equal(&back, &h);
	/* The header is 4096 bytes: the rest of the header area and the data are untouched. */
	assert_int_equal(pread(fd, before, 2 * MIB, 0), 2 * MIB);
	for (off = CV_HDR_SIZE; off < 2 * MIB; off++)
		if (before[off] != pattern(off))
			fail_msg("byte %zu changed by writing the header", off);

	assert_int_equal(cv_header_wipe(fd, path, err, sizeof(err)), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 2 * MIB);
	assert_int_equal(pread(fd, after, 2 * MIB, 0), 2 * MIB);
	/* Every 4 KiB of the header area is new (random: equal by chance with probability 2^-32768). */
	for (off = 0; off < MIB; off += 4096)
		if (!memcmp(before + off, after + off, 4096))
			fail_msg("the wipe left the 4 KiB at byte %zu as they were", off);
	assert_memory_equal(before + MIB, after + MIB, MIB);
	assert_int_equal(cv_header_read(fd, path, &back, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "no camvault header in %s: not a vault, or its header was shredded", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("error '%s' is not '%s...'", err, want);

	/* Written again over the random bytes: readable again. */
	assert_int_equal(cv_header_write(fd, path, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_header_read(fd, path, &back, err, sizeof(err)), 0);
	assert_header_equal(&back, &h);
	free(before);
	free(after);
}

/* Messages from cv_header_read() name the store. */
static void test_read_names_path(void **state)
{
	const struct store *store = *state;
	const char *path = store->path;
	int fd = store->fd;
	uint8_t buf[CV_HDR_SIZE];
	char want[512];
	struct cv_header h;

	encoded(buf, MINIMAL);
	buf[F_PUB] ^= 1;
	assert_int_equal(pwrite(fd, buf, sizeof(buf), 0), CV_HDR_SIZE);
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "vault header in %s is damaged (checksum mismatch)", path);
	assert_non_null(strstr(err, want));

	encoded(buf, MINIMAL);
	le(buf + F_VERSION, 2, 3);
	assert_int_equal(pwrite(fd, buf, sizeof(buf), 0), CV_HDR_SIZE);
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "vault header in %s is version 3, newer than this camvault understands (1): "
		 "upgrade camvault", path);
	assert_string_equal(err, want);

	encoded(buf, MINIMAL);
	le(buf + F_NV_INDEX, 4, 0x81000001);	/* a persistent object's handle, not an NV index */
	rehash(buf);
	assert_int_equal(pwrite(fd, buf, sizeof(buf), 0), CV_HDR_SIZE);
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "vault header in %s has nv_index 0x81000001, outside", path);
	assert_non_null(strstr(err, want));
}

static void test_store_too_small(void **state)
{
	static const size_t sizes[] = { 0, 100, CV_HDR_SIZE, MIB - 512 };
	uint8_t buf[CV_HDR_SIZE];
	char path[64], want[512];
	struct cv_header h;
	size_t i;
	int fd;

	(void)state;
	encoded(buf, MINIMAL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fd = temp_store(path, sizeof(path), sizes[i]);
		/* A good header where there is room for one: still too small. */
		if (sizes[i] >= CV_HDR_SIZE)
			assert_int_equal(pwrite(fd, buf, sizeof(buf), 0), CV_HDR_SIZE);
		assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s is too small to be a vault (%zu bytes; a vault starts with a "
			 "1048576-byte header area)", path, sizes[i]);
		if (strncmp(err, want, strlen(want)))
			fail_msg("error '%s' is not '%s...'", err, want);
		close(fd);
		unlink(path);
	}
}

static void test_data_past_end(void **state)
{
	struct cv_header h;
	char path[64], want[512];
	int fd;

	(void)state;
	/* The header area alone: the data area is missing entirely. */
	fd = temp_store(path, sizeof(path), MIB);
	fill(&h, MINIMAL);
	assert_int_equal(cv_header_write(fd, path, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "vault header in %s has its data area (data_offset 2048, data_sectors 2048) end "
		 "at byte 2097152, past the store's end (1048576 bytes): the store was truncated, or the header "
		 "belongs to another store", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("error '%s' is not '%s...'", err, want);
	close(fd);
	unlink(path);

	/* One sector short. */
	fd = temp_store(path, sizeof(path), 2 * MIB - 512);
	fill(&h, MINIMAL);
	assert_int_equal(cv_header_write(fd, path, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "end at byte 2097152, past the store's end (2096640 bytes)"));
	/* A store larger than the data area is fine: the data area need not fill it. */
	assert_int_equal(ftruncate(fd, 3 * MIB), 0);
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), 0);
	close(fd);
	unlink(path);
}

static void test_store_errors(void **state)
{
	struct cv_header h;
	char path[64], want[512];
	struct stat st;
	int fd;

	(void)state;
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(cv_header_read(fd, "/dev/null", &h, err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/null is neither a regular file nor a block device, so it cannot hold a vault: "
			    "give an image file or a block device");
	assert_int_equal(cv_header_wipe(fd, "/dev/null", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/dev/null is neither a regular file nor a block device"));
	close(fd);

	/* Writing through a read-only descriptor fails and says where. */
	fd = temp_store(path, sizeof(path), 2 * MIB);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	fill(&h, MINIMAL);
	assert_int_equal(cv_header_write(fd, path, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot write the vault header to %s: Bad file descriptor", path);
	assert_string_equal(err, want);
	assert_int_equal(cv_header_wipe(fd, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot overwrite the header area of %s at byte 0: Bad file descriptor", path);
	if (strncmp(err, want, strlen(want)))
		fail_msg("error '%s' is not '%s...'", err, want);
	/* A header that breaks a rule is not written, and the message names the store. */
	close(fd);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	h.nv_index = 0;
	assert_int_equal(cv_header_write(fd, path, &h, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "the vault header to write to %s has nv_index 0x00000000", path);
	assert_non_null(strstr(err, want));
	assert_int_equal(cv_header_read(fd, path, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no camvault header in"));
	close(fd);
	unlink(path);

	/* Wiping a store smaller than the header area does not grow it. */
	fd = temp_store(path, sizeof(path), 8192);
	assert_int_equal(cv_header_wipe(fd, path, err, sizeof(err)), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 8192);
	close(fd);
	unlink(path);
}

static void test_uuid_format(void **state)
{
	static const uint8_t a[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x46, 0x07,
				       0x88, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	static const uint8_t b[16] = { 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0x4a, 0xce,
				       0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa };
	char out[37];

	(void)state;
	memset(out, 'x', sizeof(out));
	cv_uuid_format(a, out);
	assert_string_equal(out, "00010203-0405-4607-8809-0a0b0c0d0e0f");
	cv_uuid_format(b, out);
	assert_string_equal(out, "deadbeef-feed-4ace-bfff-fffffffffffa");
	assert_int_equal(strlen(out), 36);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_aes),
		cmocka_unit_test(test_round_trip_adiantum),
		cmocka_unit_test(test_round_trip_minimal),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_encode_ignores_slack),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_cipher_rules),
		cmocka_unit_test(test_magic_version_checksum),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test_setup_teardown(test_write_read_wipe, store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_read_names_path, store_setup, store_teardown),
		cmocka_unit_test(test_store_too_small),
		cmocka_unit_test(test_data_past_end),
		cmocka_unit_test(test_store_errors),
		cmocka_unit_test(test_uuid_format),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "libsodium does not initialise\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
