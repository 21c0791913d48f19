// SPDX-License-Identifier: GPL-2.0
/*
 * A vault's key and its recovery slot (vaultkey.h says what they are), with libsodium only.
 *
 * Every buffer that holds key material, or a hash state that has absorbed some, is a struct cv_secret; the few
 * stack temporaries that touch it are wiped when they go out of scope (CV_CLEANUP_ERASE(), util/erase.h).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/erase.h"
#include "vault/vaultkey.h"

#define CV_KEY_CONTEXT		"camvault-v1-vault-key"
#define CV_CHECK_CONTEXT	"camvault-v1-check"
#define CV_RECOVERY_CONTEXT	"camvault-v1-recovery"
#define CV_WRAP_KEY_BYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define CV_CHECK_BYTES		16

/* The header's slot sizes are libsodium's; a libsodium that disagrees must not build. */
_Static_assert(CV_HDR_REC_SALT == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(CV_HDR_REC_NONCE == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(CV_HDR_REC_TAG == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");
_Static_assert(CV_WRAP_KEY_BYTES == 32, "W is 32 bytes");
_Static_assert(crypto_generichash_BYTES_MAX >= CV_HDR_KEY_MAX, "BLAKE2b-512 covers the largest key");
_Static_assert(CV_NV_BYTES >= crypto_generichash_KEYBYTES_MIN && CV_NV_BYTES <= crypto_generichash_KEYBYTES_MAX,
	       "N keys BLAKE2b");
_Static_assert(CV_RECOVERY_BYTES * 8 == CV_RECOVERY_CHARS * 5, "the text is exactly the key, no spare bits");
_Static_assert(sizeof(((struct cv_header *)0)->key_check) == CV_CHECK_BYTES, "check size");

/* Crockford's base 32: no I L O U, so that nothing reads as something else. */
static const char cv_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int cv_keys_init(char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "cannot initialise libsodium (no usable random source?): check that "
			 "/dev/urandom or getrandom() is available");
		return -1;
	}
	return 0;
}

int cv_key_derive(const struct cv_secret *m, const struct cv_secret *n, const struct cv_header *h,
		  struct cv_secret *k, char *err, size_t errlen)
{
	struct cv_secret work;
	crypto_generichash_state *st;
	unsigned char *out;

	memset(k, 0, sizeof(*k));
	if (!m->buf || m->len != CV_MASTER_BYTES || !n->buf || n->len != CV_NV_BYTES) {
		snprintf(err, errlen, "internal error: the master secret or NV secret has the wrong size (%zu and "
			 "%zu bytes, not %d and %d)", m->len, n->len, CV_MASTER_BYTES, CV_NV_BYTES);
		return -1;
	}
	if (h->key_bytes < 1 || h->key_bytes > CV_HDR_KEY_MAX) {
		snprintf(err, errlen, "a vault key of %u bytes is not possible: 1 to %d", h->key_bytes,
			 CV_HDR_KEY_MAX);
		return -1;
	}
	/*
	 * The hash state buffers M as it is absorbed, so it lives in locked memory like M, together with the
	 * 64-byte output of which K is a prefix. The mapping is page-aligned: the state's alignment holds.
	 */
	if (cv_secret_alloc(&work, sizeof(*st) + crypto_generichash_BYTES_MAX, err, errlen))
		return -1;
	st = (crypto_generichash_state *)work.buf;
	out = work.buf + sizeof(*st);
	if (crypto_generichash_init(st, n->buf, n->len, crypto_generichash_BYTES_MAX) ||
	    crypto_generichash_update(st, (const unsigned char *)CV_KEY_CONTEXT, strlen(CV_KEY_CONTEXT)) ||
	    crypto_generichash_update(st, h->uuid, sizeof(h->uuid)) ||
	    crypto_generichash_update(st, m->buf, m->len) ||
	    crypto_generichash_final(st, out, crypto_generichash_BYTES_MAX)) {
		snprintf(err, errlen, "internal error: BLAKE2b refused its parameters");
		cv_secret_free(&work);
		return -1;
	}
	if (cv_secret_alloc(k, h->key_bytes, err, errlen)) {
		cv_secret_free(&work);
		return -1;
	}
	memcpy(k->buf, out, h->key_bytes);
	cv_secret_free(&work);
	return 0;
}

void cv_key_check(const struct cv_secret *k, const struct cv_header *h, uint8_t out[CV_CHECK_BYTES])
{
	crypto_generichash_state st;
	CV_CLEANUP_ERASE(st);
	size_t klen = k->len;

	/*
	 * BLAKE2b takes keys of 16 to 64 bytes; vault keys are 32 or 64. A key out of that range (a bug) gets a
	 * check value no real key has: all ones, never what the hash of a real key is worth betting on.
	 */
	if (!k->buf || klen < crypto_generichash_KEYBYTES_MIN || klen > crypto_generichash_KEYBYTES_MAX) {
		memset(out, 0xff, CV_CHECK_BYTES);
		return;
	}
	/* The state buffers the key: a stack copy, wiped below. */
	crypto_generichash_init(&st, k->buf, klen, CV_CHECK_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)CV_CHECK_CONTEXT, strlen(CV_CHECK_CONTEXT));
	crypto_generichash_update(&st, h->uuid, sizeof(h->uuid));
	crypto_generichash_final(&st, out, CV_CHECK_BYTES);
}

int cv_key_matches(const struct cv_secret *k, const struct cv_header *h)
{
	uint8_t check[CV_CHECK_BYTES];
	CV_CLEANUP_ERASE(check);
	int same;

	cv_key_check(k, h, check);
	same = sodium_memcmp(check, h->key_check, sizeof(check)) == 0;
	return same;
}

int cv_recovery_new(struct cv_secret *r, char *err, size_t errlen)
{
	if (cv_secret_alloc(r, CV_RECOVERY_BYTES, err, errlen))
		return -1;
	randombytes_buf(r->buf, r->len);
	return 0;
}

/* The 5-bit group i of the CV_RECOVERY_BYTES key b, most significant bits first. */
static unsigned int cv_group(const unsigned char *b, unsigned int i)
{
	unsigned int bit = i * 5, j = bit / 8;
	unsigned int w = (unsigned int)b[j] << 8 | (j + 1 < CV_RECOVERY_BYTES ? b[j + 1] : 0);

	return (w >> (11 - bit % 8)) & 31;
}

void cv_recovery_format(const struct cv_secret *r, char out[CV_RECOVERY_TEXT])
{
	unsigned int i;
	char *p = out;

	if (!r->buf || r->len != CV_RECOVERY_BYTES) {
		/* A bug: print nothing that could pass for a key. */
		out[0] = '\0';
		return;
	}
	for (i = 0; i < CV_RECOVERY_CHARS; i++) {
		if (i && i % 5 == 0)
			*p++ = '-';
		*p++ = cv_crockford[cv_group(r->buf, i)];
	}
	*p = '\0';
}

/* The value of the recovery character c as typed, or -1: case-insensitive, O is 0, I and L are 1. */
static int cv_crockford_value(unsigned char c)
{
	const char *at;

	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	if (!c)
		return -1;
	at = strchr(cv_crockford, c);
	return at ? (int)(at - cv_crockford) : -1;
}

int cv_recovery_parse(const char *text, struct cv_secret *r, char *err, size_t errlen)
{
	size_t pos, count = 0;

	if (cv_secret_alloc(r, CV_RECOVERY_BYTES, err, errlen))
		return -1;
	for (pos = 0; text[pos]; pos++) {
		unsigned char c = (unsigned char)text[pos];
		unsigned int bit, w;
		int v;

		if (c == '-' || c == ' ')
			continue;
		v = cv_crockford_value(c);
		if (v < 0) {
			/* A byte that is not printable ASCII is named by its value: the message stays one line. */
			if (c > 0x20 && c < 0x7f)
				snprintf(err, errlen, "recovery key: character '%c' at position %zu is not in the "
					 "recovery alphabet: check the printed key", c, pos + 1);
			else
				snprintf(err, errlen, "recovery key: byte 0x%02x at position %zu is not in the "
					 "recovery alphabet: check the printed key", c, pos + 1);
			cv_secret_free(r);
			return -1;
		}
		/* Past 40 characters only the count goes on, for the message. */
		if (count < CV_RECOVERY_CHARS) {
			bit = (unsigned int)count * 5;
			w = (unsigned int)v << (11 - bit % 8);
			r->buf[bit / 8] |= (unsigned char)(w >> 8);
			if (bit / 8 + 1 < CV_RECOVERY_BYTES)
				r->buf[bit / 8 + 1] |= (unsigned char)w;
		}
		count++;
	}
	if (count != CV_RECOVERY_CHARS) {
		snprintf(err, errlen, "recovery key has %zu character%s, not %d: check the printed key", count,
			 count == 1 ? "" : "s", CV_RECOVERY_CHARS);
		cv_secret_free(r);
		return -1;
	}
	return 0;
}

/* ad = "camvault-v1-recovery" || uuid || cipher: the slot opens only in the header it was made for. */
static size_t cv_recovery_ad(const struct cv_header *h, unsigned char *ad)
{
	size_t n = strlen(CV_RECOVERY_CONTEXT), clen = strnlen(h->cipher, sizeof(h->cipher));

	memcpy(ad, CV_RECOVERY_CONTEXT, n);
	memcpy(ad + n, h->uuid, sizeof(h->uuid));
	memcpy(ad + n + sizeof(h->uuid), h->cipher, clen);
	return n + sizeof(h->uuid) + clen;
}

#define CV_RECOVERY_AD_MAX	(sizeof(CV_RECOVERY_CONTEXT) - 1 + 16 + CV_HDR_CIPHER_MAX)

/* The Argon2id limits for a new slot: libsodium's interactive ones, or CAMVAULT_ARGON2_MEMLIMIT_KIB. */
static int cv_recovery_limits(uint32_t *opslimit, uint32_t *memlimit_kib, char *err, size_t errlen)
{
	const char *env = getenv("CAMVAULT_ARGON2_MEMLIMIT_KIB");
	unsigned long long kib, max = crypto_pwhash_memlimit_max() / 1024;
	char *end;

	*opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	*memlimit_kib = crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024;
	if (!env || !*env)
		return 0;
	errno = 0;
	kib = strtoull(env, &end, 10);
	/* 8 KiB is Argon2's floor; the header stores KiB in 32 bits; libsodium has its own ceiling. */
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	if (errno || *end || env[0] < '0' || env[0] > '9' || kib < 8 || kib > max) {
		snprintf(err, errlen, "CAMVAULT_ARGON2_MEMLIMIT_KIB='%.32s' is not a memory size in KiB from 8 to "
			 "%llu: fix it, or unset it for the default (%u KiB)", env, max,
			 (unsigned int)(crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024));
		return -1;
	}
	*memlimit_kib = (uint32_t)kib;
	return 0;
}

/* W from r and h's salt and limits, into w (allocated). */
static int cv_recovery_w(const struct cv_header *h, const struct cv_secret *r, struct cv_secret *w, char *err,
			 size_t errlen)
{
	unsigned long long memlimit = (unsigned long long)h->rec_memlimit_kib * 1024;
	char uuid[37];

	memset(w, 0, sizeof(*w));
	cv_uuid_format(h->uuid, uuid);
	/* The limits come from the header: ones libsodium would refuse mean damage, not a wrong key. */
	if (h->rec_opslimit < crypto_pwhash_opslimit_min() || h->rec_opslimit > crypto_pwhash_opslimit_max() ||
	    memlimit < crypto_pwhash_memlimit_min() || memlimit > crypto_pwhash_memlimit_max()) {
		snprintf(err, errlen, "the recovery slot of vault %s has impossible Argon2id limits (%u passes, %u "
			 "KiB): the header is damaged", uuid, h->rec_opslimit, h->rec_memlimit_kib);
		return -1;
	}
	if (cv_secret_alloc(w, CV_WRAP_KEY_BYTES, err, errlen))
		return -1;
	if (crypto_pwhash(w->buf, w->len, (const char *)r->buf, r->len, h->rec_salt, h->rec_opslimit,
			  (size_t)memlimit, crypto_pwhash_ALG_ARGON2ID13)) {
		snprintf(err, errlen, "cannot derive the recovery key's wrapping key for vault %s (Argon2id, %u KiB): "
			 "out of memory: free some, or lower CAMVAULT_ARGON2_MEMLIMIT_KIB when creating the vault",
			 uuid, h->rec_memlimit_kib);
		cv_secret_free(w);
		return -1;
	}
	return 0;
}

int cv_recovery_wrap(struct cv_header *h, const struct cv_secret *k, const struct cv_secret *r, char *err,
		     size_t errlen)
{
	unsigned char ad[CV_RECOVERY_AD_MAX];
	uint32_t opslimit, memlimit_kib;
	unsigned long long ctlen;
	struct cv_secret w;
	size_t adlen;

	if (!k->buf || k->len != h->key_bytes || k->len < 1 || k->len > CV_HDR_KEY_MAX || !r->buf ||
	    r->len != CV_RECOVERY_BYTES) {
		snprintf(err, errlen, "internal error: cannot wrap a %zu-byte key for a %u-byte vault key with a "
			 "%zu-byte recovery key", k->len, h->key_bytes, r->len);
		return -1;
	}
	/* h is left alone until the slot is sure to be made. */
	if (cv_recovery_limits(&opslimit, &memlimit_kib, err, errlen))
		return -1;
	h->rec_opslimit = opslimit;
	h->rec_memlimit_kib = memlimit_kib;
	randombytes_buf(h->rec_salt, sizeof(h->rec_salt));
	randombytes_buf(h->rec_nonce, sizeof(h->rec_nonce));
	if (cv_recovery_w(h, r, &w, err, errlen))
		return -1;
	adlen = cv_recovery_ad(h, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(h->rec_ct, &ctlen, k->buf, k->len, ad, adlen, NULL,
						   h->rec_nonce, w.buf);
	cv_secret_free(&w);
	h->rec_ct_len = (uint16_t)ctlen;
	h->flags |= CV_HDR_F_RECOVERY;
	return 0;
}

int cv_recovery_unwrap(const struct cv_header *h, const struct cv_secret *r, struct cv_secret *k, char *err,
		       size_t errlen)
{
	unsigned char ad[CV_RECOVERY_AD_MAX];
	struct cv_secret w;
	char uuid[37];
	size_t adlen;

	memset(k, 0, sizeof(*k));
	cv_uuid_format(h->uuid, uuid);
	if (!(h->flags & CV_HDR_F_RECOVERY)) {
		snprintf(err, errlen, "vault %s has no recovery slot (it was created with --no-recovery)", uuid);
		return -1;
	}
	if (!r->buf || r->len != CV_RECOVERY_BYTES) {
		snprintf(err, errlen, "internal error: a recovery key of %zu bytes, not %d", r->len,
			 CV_RECOVERY_BYTES);
		return -1;
	}
	/* The header is untrusted input: a slot whose length disagrees with the key size is damage. */
	if (h->key_bytes < 1 || h->key_bytes > CV_HDR_KEY_MAX || h->rec_ct_len != h->key_bytes + CV_HDR_REC_TAG) {
		snprintf(err, errlen, "the recovery slot of vault %s is damaged (%u bytes for a %u-byte key): the "
			 "recovery key cannot open it", uuid, h->rec_ct_len, h->key_bytes);
		return -1;
	}
	if (cv_recovery_w(h, r, &w, err, errlen))
		return -1;
	if (cv_secret_alloc(k, h->key_bytes, err, errlen)) {
		cv_secret_free(&w);
		return -1;
	}
	adlen = cv_recovery_ad(h, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(k->buf, NULL, NULL, h->rec_ct, h->rec_ct_len, ad, adlen,
						       h->rec_nonce, w.buf)) {
		snprintf(err, errlen, "the recovery key does not open vault %s: check it, character by character",
			 uuid);
		cv_secret_free(&w);
		cv_secret_free(k);
		return -1;
	}
	cv_secret_free(&w);
	return 0;
}
