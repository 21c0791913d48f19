// SPDX-License-Identifier: GPL-2.0
/*
 * vault/vaultkey.c: the vault key's derivation and check value, the recovery key's text form, and the recovery slot.
 * The known answers were computed apart from libsodium (Python's hashlib.blake2b and int.to_bytes), so that
 * they pin the on-disk format, not just this implementation's agreement with itself.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vault/vaultkey.h"

#define FAST_KIB "1024"

static char err[1024];

static int setup(void **state)
{
	(void)state;
	if (cv_keys_init(err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* Argon2id at 1 MiB: the slot's logic is the same, and ASan makes 64 MiB slow. */
	return setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", FAST_KIB, 1);
}

static void secret_of(struct cv_secret *s, const uint8_t *bytes, size_t len)
{
	assert_int_equal(cv_secret_alloc(s, len, err, sizeof(err)), 0);
	memcpy(s->buf, bytes, len);
}

/* M = 00..3f, N = 80..9f, uuid = 10..1f: the known-answer inputs. */
static void kat_inputs(struct cv_secret *m, struct cv_secret *n, struct cv_header *h, uint32_t key_bytes)
{
	uint8_t b[64];
	int i;

	for (i = 0; i < 64; i++)
		b[i] = (uint8_t)i;
	secret_of(m, b, CV_MASTER_BYTES);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(0x80 + i);
	secret_of(n, b, CV_NV_BYTES);
	memset(h, 0, sizeof(*h));
	for (i = 0; i < 16; i++)
		h->uuid[i] = (uint8_t)(0x10 + i);
	strcpy(h->cipher, key_bytes == 64 ? "aes-xts-plain64" : "xchacha12,aes-adiantum-plain64");
	h->key_bytes = key_bytes;
}

static void hex_to(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
}

static const char kat_key[] = "c71e35b95bbd96c862a6930e28790edfbade84140d449c853a0a1f1a1dea0df3"
			      "707a8546859d941a6002f39e8d1db2ef7cadf63b520fa08468651b3422069d16";

static void test_derive_known_answer(void **state)
{
	struct cv_secret m, n, k;
	struct cv_header h;
	uint8_t want[64];

	(void)state;
	hex_to(kat_key, want, sizeof(want));
	kat_inputs(&m, &n, &h, 64);
	assert_int_equal(cv_key_derive(&m, &n, &h, &k, err, sizeof(err)), 0);
	assert_int_equal(k.len, 64);
	assert_memory_equal(k.buf, want, 64);
	cv_secret_free(&k);

	/* A 32-byte key is the first half of the same hash. */
	h.key_bytes = 32;
	assert_int_equal(cv_key_derive(&m, &n, &h, &k, err, sizeof(err)), 0);
	assert_int_equal(k.len, 32);
	assert_memory_equal(k.buf, want, 32);
	cv_secret_free(&k);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

/* Derives with one byte of M, N or the uuid flipped (which: 0 none, 1 M, 2 N, 3 uuid) into out. */
static void derive_flipped(int which, uint32_t key_bytes, uint8_t out[64])
{
	struct cv_secret m, n, k;
	struct cv_header h;

	kat_inputs(&m, &n, &h, key_bytes);
	if (which == 1)
		m.buf[37] ^= 0x01;
	else if (which == 2)
		n.buf[31] ^= 0x80;
	else if (which == 3)
		h.uuid[0] ^= 0x40;
	assert_int_equal(cv_key_derive(&m, &n, &h, &k, err, sizeof(err)), 0);
	assert_int_equal(k.len, key_bytes);
	memset(out, 0, 64);
	memcpy(out, k.buf, k.len);
	cv_secret_free(&k);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

static void test_derive_depends_on_each_input(void **state)
{
	uint8_t base[64], again[64], other[64];
	uint32_t sizes[] = { 64, 32 };
	int s, which;

	(void)state;
	for (s = 0; s < 2; s++) {
		derive_flipped(0, sizes[s], base);
		derive_flipped(0, sizes[s], again);
		assert_memory_equal(base, again, sizes[s]);
		for (which = 1; which <= 3; which++) {
			derive_flipped(which, sizes[s], other);
			assert_memory_not_equal(base, other, sizes[s]);
		}
	}
}

static void test_derive_refuses_bad_sizes(void **state)
{
	struct cv_secret m, n, k, small;
	struct cv_header h;

	(void)state;
	kat_inputs(&m, &n, &h, 0);
	assert_int_equal(cv_key_derive(&m, &n, &h, &k, err, sizeof(err)), -1);
	assert_null(k.buf);
	assert_string_equal(err, "a vault key of 0 bytes is not possible: 1 to 64");
	h.key_bytes = 65;
	assert_int_equal(cv_key_derive(&m, &n, &h, &k, err, sizeof(err)), -1);
	assert_null(k.buf);

	h.key_bytes = 64;
	assert_int_equal(cv_secret_alloc(&small, 16, err, sizeof(err)), 0);
	assert_int_equal(cv_key_derive(&small, &n, &h, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wrong size"));
	assert_int_equal(cv_key_derive(&m, &small, &h, &k, err, sizeof(err)), -1);
	assert_null(k.buf);
	cv_secret_free(&small);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

static void test_key_check(void **state)
{
	uint8_t want64[16], want32[16], out[16];
	struct cv_secret m, n, k, k32;
	struct cv_header h;

	(void)state;
	hex_to("b9fa3382408e24a9bd1990a57f7bd526", want64, 16);
	hex_to("e5d2c676e73bd7a8a978cb8085d83b6c", want32, 16);
	kat_inputs(&m, &n, &h, 64);
	assert_int_equal(cv_key_derive(&m, &n, &h, &k, err, sizeof(err)), 0);
	cv_key_check(&k, &h, out);
	assert_memory_equal(out, want64, 16);

	/* Not set yet: no match. Set: a match. */
	assert_int_equal(cv_key_matches(&k, &h), 0);
	memcpy(h.key_check, out, 16);
	assert_int_equal(cv_key_matches(&k, &h), 1);

	/* Another key, even its own first half, does not match. */
	h.key_bytes = 32;
	assert_int_equal(cv_key_derive(&m, &n, &h, &k32, err, sizeof(err)), 0);
	cv_key_check(&k32, &h, out);
	assert_memory_equal(out, want32, 16);
	assert_int_equal(cv_key_matches(&k32, &h), 0);
	k.buf[63] ^= 1;
	assert_int_equal(cv_key_matches(&k, &h), 0);
	k.buf[63] ^= 1;
	assert_int_equal(cv_key_matches(&k, &h), 1);

	/* The check is per vault: the same key under another uuid has another check value. */
	h.uuid[15] ^= 1;
	assert_int_equal(cv_key_matches(&k, &h), 0);

	cv_secret_free(&k32);
	cv_secret_free(&k);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

static void assert_recovery_text(const char *t)
{
	size_t i;

	assert_int_equal(strlen(t), CV_RECOVERY_TEXT - 1);
	for (i = 0; t[i]; i++) {
		if (i % 6 == 5)
			assert_int_equal(t[i], '-');
		else
			assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", t[i]));
	}
}

static void test_recovery_format_known_answers(void **state)
{
	char text[CV_RECOVERY_TEXT];
	struct cv_secret r;
	int i;

	(void)state;
	assert_int_equal(cv_secret_alloc(&r, CV_RECOVERY_BYTES, err, sizeof(err)), 0);
	cv_recovery_format(&r, text);
	assert_string_equal(text, "00000-00000-00000-00000-00000-00000-00000-00000");
	memset(r.buf, 0xff, r.len);
	cv_recovery_format(&r, text);
	assert_string_equal(text, "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ");
	for (i = 0; i < CV_RECOVERY_BYTES; i++)
		r.buf[i] = (uint8_t)i;
	cv_recovery_format(&r, text);
	assert_string_equal(text, "000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR");
	for (i = 0; i < CV_RECOVERY_BYTES; i++)
		r.buf[i] = (uint8_t)(0xe7 + i);
	cv_recovery_format(&r, text);
	assert_string_equal(text, "WZMEK-TQBXK-PYXVZ-GY7SF-7X7NY-VVZHY-FTZFY-FVZQZ");
	cv_secret_free(&r);
}

static void test_recovery_round_trip(void **state)
{
	char text[CV_RECOVERY_TEXT];
	struct cv_secret r, back, other;
	int i;

	(void)state;
	for (i = 0; i < 500; i++) {
		assert_int_equal(cv_recovery_new(&r, err, sizeof(err)), 0);
		assert_int_equal(r.len, CV_RECOVERY_BYTES);
		cv_recovery_format(&r, text);
		assert_recovery_text(text);
		assert_int_equal(cv_recovery_parse(text, &back, err, sizeof(err)), 0);
		assert_int_equal(back.len, CV_RECOVERY_BYTES);
		assert_memory_equal(back.buf, r.buf, CV_RECOVERY_BYTES);
		cv_secret_free(&back);
		cv_secret_free(&r);
	}
	/* Fresh keys are fresh. */
	assert_int_equal(cv_recovery_new(&r, err, sizeof(err)), 0);
	assert_int_equal(cv_recovery_new(&other, err, sizeof(err)), 0);
	assert_memory_not_equal(r.buf, other.buf, CV_RECOVERY_BYTES);
	cv_secret_free(&other);
	cv_secret_free(&r);
}

/* text parses to the bytes 00 01 .. 18 (the known answer "000G4-0R40M-...") */
static void assert_parses_to_counting(const char *text)
{
	struct cv_secret r;
	int i;

	if (cv_recovery_parse(text, &r, err, sizeof(err)))
		fail_msg("'%s' does not parse: %s", text, err);
	assert_int_equal(r.len, CV_RECOVERY_BYTES);
	for (i = 0; i < CV_RECOVERY_BYTES; i++)
		assert_int_equal(r.buf[i], i);
	cv_secret_free(&r);
}

static void test_recovery_parse_normalises(void **state)
{
	(void)state;
	assert_parses_to_counting("000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR");
	assert_parses_to_counting("000g4-0r40m-30e20-9185g-r38e1-w8124-gk2ga-hc5rr");
	assert_parses_to_counting("000G40R40M30E209185GR38E1W8124GK2GAHC5RR");
	assert_parses_to_counting("000G4 0R40M 30E20 9185G R38E1 W8124 GK2GA HC5RR");
	assert_parses_to_counting("  000G4--0R40M - 30E20-9185G-R38E1-W8124-GK2GA-HC5RR- ");
	/* O is 0; I, L are 1, either case. */
	assert_parses_to_counting("oOoG4-OR4OM-3OE2O-9I85G-R38El-W8l24-GK2GA-HC5RR");
	assert_parses_to_counting("000G4-0R40M-30E20-9i85G-R38EL-W8124-GK2GA-HC5RR");
}

static void assert_parse_error(const char *text, const char *want)
{
	struct cv_secret r;

	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(cv_recovery_parse(text, &r, err, sizeof(err)), -1);
	assert_null(r.buf);
	assert_string_equal(err, want);
}

static void test_recovery_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("000G4-U0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR",
			   "recovery key: character 'U' at position 7 is not in the recovery alphabet: check the "
			   "printed key");
	assert_parse_error("000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5Ru",
			   "recovery key: character 'u' at position 47 is not in the recovery alphabet: check the "
			   "printed key");
	assert_parse_error("000G4_0R40M", "recovery key: character '_' at position 6 is not in the recovery "
			   "alphabet: check the printed key");
	assert_parse_error("000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR\n", "recovery key: byte 0x0a at "
			   "position 48 is not in the recovery alphabet: check the printed key");
	assert_parse_error("\xc3\x98", "recovery key: byte 0xc3 at position 1 is not in the recovery alphabet: "
			   "check the printed key");
	assert_parse_error("000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5",
			   "recovery key has 38 characters, not 40: check the printed key");
	assert_parse_error("000G4-0R40M-30E20-9185G-R38E1-W8124-GK2GA-HC5RR-0",
			   "recovery key has 41 characters, not 40: check the printed key");
	assert_parse_error("", "recovery key has 0 characters, not 40: check the printed key");
	assert_parse_error(" - ", "recovery key has 0 characters, not 40: check the printed key");
	assert_parse_error("7", "recovery key has 1 character, not 40: check the printed key");
	/* A wrong character is named before a wrong length. */
	assert_parse_error("00U", "recovery key: character 'U' at position 3 is not in the recovery alphabet: "
			   "check the printed key");
}

/* A vault key, a recovery key and a header ready for wrapping. */
static void slot_inputs(struct cv_header *h, struct cv_secret *k, struct cv_secret *r, uint32_t key_bytes)
{
	memset(h, 0, sizeof(*h));
	randombytes_buf(h->uuid, sizeof(h->uuid));
	strcpy(h->cipher, key_bytes == 64 ? "aes-xts-plain64" : "xchacha12,aes-adiantum-plain64");
	h->key_bytes = key_bytes;
	h->flags = CV_HDR_F_TPM;
	assert_int_equal(cv_secret_alloc(k, key_bytes, err, sizeof(err)), 0);
	randombytes_buf(k->buf, k->len);
	assert_int_equal(cv_recovery_new(r, err, sizeof(err)), 0);
}

static void assert_unwraps(const struct cv_header *h, const struct cv_secret *r, const struct cv_secret *want)
{
	struct cv_secret k;

	if (cv_recovery_unwrap(h, r, &k, err, sizeof(err)))
		fail_msg("unwrap: %s", err);
	assert_int_equal(k.len, want->len);
	assert_memory_equal(k.buf, want->buf, want->len);
	cv_secret_free(&k);
}

static void assert_does_not_open(const struct cv_header *h, const struct cv_secret *r)
{
	char uuid[37], want[256];
	struct cv_secret k;

	cv_uuid_format(h->uuid, uuid);
	snprintf(want, sizeof(want), "the recovery key does not open vault %s: check it, character by character",
		 uuid);
	memset(&k, 0x5a, sizeof(k));
	assert_int_equal(cv_recovery_unwrap(h, r, &k, err, sizeof(err)), -1);
	assert_null(k.buf);
	assert_string_equal(err, want);
}

static void test_wrap_round_trip(void **state)
{
	uint32_t sizes[] = { 64, 32 };
	struct cv_secret k, r, r2;
	char text[CV_RECOVERY_TEXT];
	struct cv_header h;
	int s;

	(void)state;
	for (s = 0; s < 2; s++) {
		slot_inputs(&h, &k, &r, sizes[s]);
		assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), 0);
		assert_int_equal(h.flags, CV_HDR_F_TPM | CV_HDR_F_RECOVERY);
		assert_int_equal(h.rec_ct_len, sizes[s] + CV_HDR_REC_TAG);
		assert_int_equal(h.rec_opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
		assert_int_equal(h.rec_memlimit_kib, atoi(FAST_KIB));
		/* The key is not in the slot in clear. */
		assert_memory_not_equal(h.rec_ct, k.buf, k.len);
		assert_unwraps(&h, &r, &k);

		/* The key as the owner types it back. */
		cv_recovery_format(&r, text);
		assert_int_equal(cv_recovery_parse(text, &r2, err, sizeof(err)), 0);
		assert_unwraps(&h, &r2, &k);
		cv_secret_free(&r2);
		cv_secret_free(&k);
		cv_secret_free(&r);
	}
}

static void test_wrap_default_limits(void **state)
{
	struct cv_secret k, r;
	struct cv_header h;

	(void)state;
	assert_int_equal(unsetenv("CAMVAULT_ARGON2_MEMLIMIT_KIB"), 0);
	slot_inputs(&h, &k, &r, 64);
	assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), 0);
	assert_int_equal(setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", FAST_KIB, 1), 0);
	assert_int_equal(h.rec_opslimit, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_int_equal(h.rec_memlimit_kib, crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024);
	/* Unwrapping follows the header's limits, not the environment's. */
	assert_unwraps(&h, &r, &k);
	cv_secret_free(&k);
	cv_secret_free(&r);
}

static void test_wrap_memlimit_env(void **state)
{
	const char *bad[] = { "abc", "7", "0", "-1024", " 1024", "1024k", "99999999999999999999", "4294967296" };
	struct cv_secret k, r;
	struct cv_header h;
	size_t i;

	(void)state;
	slot_inputs(&h, &k, &r, 32);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", bad[i], 1), 0);
		assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), -1);
		assert_true(strncmp(err, "CAMVAULT_ARGON2_MEMLIMIT_KIB='", 30) == 0);
		assert_non_null(strstr(err, "is not a memory size in KiB from 8 to "));
		assert_int_equal(h.flags & CV_HDR_F_RECOVERY, 0);
	}
	/* The floor itself works. */
	assert_int_equal(setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", "8", 1), 0);
	assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), 0);
	assert_int_equal(h.rec_memlimit_kib, 8);
	assert_unwraps(&h, &r, &k);
	assert_int_equal(setenv("CAMVAULT_ARGON2_MEMLIMIT_KIB", FAST_KIB, 1), 0);
	cv_secret_free(&k);
	cv_secret_free(&r);
}

static void test_unwrap_wrong_key(void **state)
{
	struct cv_secret k, r, wrong;
	struct cv_header h;

	(void)state;
	slot_inputs(&h, &k, &r, 64);
	assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), 0);
	assert_int_equal(cv_recovery_new(&wrong, err, sizeof(err)), 0);
	assert_does_not_open(&h, &wrong);
	/* One bit off is as wrong. */
	memcpy(wrong.buf, r.buf, r.len);
	wrong.buf[24] ^= 1;
	assert_does_not_open(&h, &wrong);
	cv_secret_free(&wrong);
	cv_secret_free(&k);
	cv_secret_free(&r);
}

static void test_unwrap_tampered(void **state)
{
	struct cv_header h, t;
	struct cv_secret k, r;
	int i;

	(void)state;
	slot_inputs(&h, &k, &r, 64);
	assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), 0);
	assert_unwraps(&h, &r, &k);

	for (i = 0; i < h.rec_ct_len; i += 13) {
		t = h;
		t.rec_ct[i] ^= 0x20;
		assert_does_not_open(&t, &r);
	}
	t = h;
	t.rec_salt[3] ^= 1;
	assert_does_not_open(&t, &r);
	t = h;
	t.rec_nonce[23] ^= 0x80;
	assert_does_not_open(&t, &r);
	t = h;
	t.uuid[8] ^= 4;
	assert_does_not_open(&t, &r);
	t = h;
	strcpy(t.cipher, "aes-xts-plain");
	assert_does_not_open(&t, &r);
	t = h;
	t.cipher[0] = 'A';
	assert_does_not_open(&t, &r);
	/* Other Argon2id limits make another W. */
	t = h;
	t.rec_memlimit_kib *= 2;
	assert_does_not_open(&t, &r);
	t = h;
	t.rec_opslimit += 1;
	assert_does_not_open(&t, &r);

	/* Limits libsodium refuses, and a slot that does not fit the key size, are damage. */
	t = h;
	t.rec_memlimit_kib = 1;
	assert_int_equal(cv_recovery_unwrap(&t, &r, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "has impossible Argon2id limits (2 passes, 1 KiB): the header is damaged"));
	t = h;
	t.rec_ct_len = 48;
	assert_int_equal(cv_recovery_unwrap(&t, &r, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is damaged (48 bytes for a 64-byte key)"));
	t = h;
	t.key_bytes = 32;
	assert_int_equal(cv_recovery_unwrap(&t, &r, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is damaged (80 bytes for a 32-byte key)"));
	assert_null(k.buf);

	cv_secret_free(&k);
	cv_secret_free(&r);
}

static void test_unwrap_no_recovery_slot(void **state)
{
	struct cv_secret k, r, out;
	char uuid[37], want[160];
	struct cv_header h;

	(void)state;
	slot_inputs(&h, &k, &r, 64);
	cv_uuid_format(h.uuid, uuid);
	snprintf(want, sizeof(want), "vault %s has no recovery slot (it was created with --no-recovery)", uuid);
	assert_int_equal(cv_recovery_unwrap(&h, &r, &out, err, sizeof(err)), -1);
	assert_null(out.buf);
	assert_string_equal(err, want);

	/* A wrapped slot whose flag is cleared is not used either. */
	assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), 0);
	h.flags &= ~CV_HDR_F_RECOVERY;
	assert_int_equal(cv_recovery_unwrap(&h, &r, &out, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	cv_secret_free(&k);
	cv_secret_free(&r);
}

static void test_wrap_refuses_mismatched_key(void **state)
{
	struct cv_secret k, r;
	struct cv_header h;

	(void)state;
	slot_inputs(&h, &k, &r, 64);
	h.key_bytes = 32;
	assert_int_equal(cv_recovery_wrap(&h, &k, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "internal error"));
	assert_int_equal(h.flags & CV_HDR_F_RECOVERY, 0);
	cv_secret_free(&k);
	cv_secret_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_known_answer),
		cmocka_unit_test(test_derive_depends_on_each_input),
		cmocka_unit_test(test_derive_refuses_bad_sizes),
		cmocka_unit_test(test_key_check),
		cmocka_unit_test(test_recovery_format_known_answers),
		cmocka_unit_test(test_recovery_round_trip),
		cmocka_unit_test(test_recovery_parse_normalises),
		cmocka_unit_test(test_recovery_parse_errors),
		cmocka_unit_test(test_wrap_round_trip),
		cmocka_unit_test(test_wrap_default_limits),
		cmocka_unit_test(test_wrap_memlimit_env),
		cmocka_unit_test(test_unwrap_wrong_key),
		cmocka_unit_test(test_unwrap_tampered),
		cmocka_unit_test(test_unwrap_no_recovery_slot),
		cmocka_unit_test(test_wrap_refuses_mismatched_key),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
