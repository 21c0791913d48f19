// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a vault's sector crypto. The plain64 IV, IEEE 1619 XTS known answers and an Adiantum
 * round trip, all through cv_crypt_sector, the function the I/O path uses: if these pass, a vault
 * writes exactly what dm-crypt's plain mode writes.
 */
#include <crypto/skcipher.h>
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../internal.h"
#include "xts_vectors.h"

static void cv_iv_zero_and_le(struct kunit *test)
{
	static const u8 want[CV_IV_MAX] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	u8 iv[CV_IV_MAX];

	memset(iv, 0xaa, sizeof(iv));
	cv_iv_plain64(iv, sizeof(iv), 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(iv, 0, sizeof(iv)));

	memset(iv, 0xaa, sizeof(iv));
	cv_iv_plain64(iv, sizeof(iv), 0x0102030405060708ULL);
	KUNIT_EXPECT_EQ(test, memcmp(iv, want, sizeof(want)), 0);
}

static void cv_iv_short(struct kunit *test)
{
	u8 iv[CV_IV_MAX];

	/* An IV of 16 bytes (XTS) is the sector then zeroes, and nothing beyond is touched. */
	memset(iv, 0xaa, sizeof(iv));
	cv_iv_plain64(iv, 16, 0xff);
	KUNIT_EXPECT_EQ(test, iv[0], 0xff);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(iv + 1, 0, 15));
	KUNIT_EXPECT_EQ(test, iv[16], 0xaa);
}

struct cv_crypt_ctx {
	struct crypto_skcipher *tfm;
	struct skcipher_request *req;
	struct page *pt, *ct;
	u8 *iv;
};

/* Suite exit: free what cv_ctx() set up (test->priv), whether the case passed or not. */
static void cv_ctx_exit(struct kunit *test)
{
	struct cv_crypt_ctx *c = test->priv;

	if (!c)
		return;
	skcipher_request_free(c->req);
	if (!IS_ERR_OR_NULL(c->tfm))
		crypto_free_skcipher(c->tfm);
	if (c->pt)
		__free_page(c->pt);
	if (c->ct)
		__free_page(c->ct);
	kfree(c->iv);
}

static struct cv_crypt_ctx *cv_ctx(struct kunit *test, enum cv_cipher cipher, const u8 *key,
				   unsigned int keylen)
{
	struct cv_crypt_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	char *error = NULL;

	KUNIT_ASSERT_NOT_NULL(test, c);
	test->priv = c;
	c->tfm = cv_crypt_alloc(cipher, &error);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(c->tfm), "%s", error);
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(c->tfm, key, keylen), 0);
	c->req = skcipher_request_alloc(c->tfm, GFP_KERNEL);
	c->pt = alloc_page(GFP_KERNEL);
	c->ct = alloc_page(GFP_KERNEL);
	c->iv = kmalloc(CV_IV_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->req);
	KUNIT_ASSERT_NOT_NULL(test, c->pt);
	KUNIT_ASSERT_NOT_NULL(test, c->ct);
	KUNIT_ASSERT_NOT_NULL(test, c->iv);
	return c;
}

static void cv_xts_known_answer(struct kunit *test, const u8 *key, unsigned int keylen,
				u64 sector, const u8 *want)
{
	struct cv_crypt_ctx *c = cv_ctx(test, CV_CIPHER_AES_XTS_PLAIN64, key, keylen);
	u8 *pt = page_address(c->pt), *ct = page_address(c->ct);
	unsigned int i;

	for (i = 0; i < 512; i++)
		pt[i] = i & 0xff;
	/* At an offset in the page, as a bio segment may be. */
	KUNIT_ASSERT_EQ(test, cv_crypt_sector(c->req, c->tfm, true, c->pt, 0, c->ct, 1024, 512,
					      sector, c->iv), 0);
	KUNIT_EXPECT_EQ(test, memcmp(ct + 1024, want, 512), 0);

	/* Decrypt in place, as reads do. */
	KUNIT_ASSERT_EQ(test, cv_crypt_sector(c->req, c->tfm, false, c->ct, 1024, c->ct, 1024, 512,
					      sector, c->iv), 0);
	KUNIT_EXPECT_EQ(test, memcmp(ct + 1024, pt, 512), 0);
}

static void cv_xts_ieee1619_vector4(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, sizeof(cv_xts4_key), 32);
	cv_xts_known_answer(test, cv_xts4_key, sizeof(cv_xts4_key), 0, cv_xts4_ct);
}

static void cv_xts_ieee1619_vector10(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, sizeof(cv_xts10_key), 64);
	cv_xts_known_answer(test, cv_xts10_key, sizeof(cv_xts10_key), 0xff, cv_xts10_ct);
}

static void cv_adiantum_round_trip(struct kunit *test)
{
	struct cv_crypt_ctx *c;
	u8 key[32], *pt, *ct, *first;

	get_random_bytes(key, sizeof(key));
	c = cv_ctx(test, CV_CIPHER_ADIANTUM_PLAIN64, key, sizeof(key));
	pt = page_address(c->pt);
	ct = page_address(c->ct);
	first = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	get_random_bytes(pt, PAGE_SIZE);

	/* A 4096-byte sector: the ciphertext is not the plaintext and depends on the sector. */
	KUNIT_ASSERT_EQ(test, cv_crypt_sector(c->req, c->tfm, true, c->pt, 0, c->ct, 0, PAGE_SIZE,
					      8, c->iv), 0);
	KUNIT_EXPECT_NE(test, memcmp(ct, pt, PAGE_SIZE), 0);
	memcpy(first, ct, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, cv_crypt_sector(c->req, c->tfm, true, c->pt, 0, c->ct, 0, PAGE_SIZE,
					      16, c->iv), 0);
	KUNIT_EXPECT_NE(test, memcmp(ct, first, PAGE_SIZE), 0);

	/* Wide-block: one flipped plaintext bit changes the whole sector, not one block of it. */
	pt[100] ^= 1;
	KUNIT_ASSERT_EQ(test, cv_crypt_sector(c->req, c->tfm, true, c->pt, 0, c->ct, 0, PAGE_SIZE,
					      8, c->iv), 0);
	KUNIT_EXPECT_NE(test, memcmp(ct + 2048, first + 2048, 2048), 0);
	pt[100] ^= 1;

	memcpy(ct, first, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, cv_crypt_sector(c->req, c->tfm, false, c->ct, 0, c->ct, 0, PAGE_SIZE,
					      8, c->iv), 0);
	KUNIT_EXPECT_EQ(test, memcmp(ct, pt, PAGE_SIZE), 0);
}

static struct kunit_case cv_crypt_cases[] = {
	KUNIT_CASE(cv_iv_zero_and_le),
	KUNIT_CASE(cv_iv_short),
	KUNIT_CASE(cv_xts_ieee1619_vector4),
	KUNIT_CASE(cv_xts_ieee1619_vector10),
	KUNIT_CASE(cv_adiantum_round_trip),
	{}
};

static struct kunit_suite cv_crypt_suite = {
	.name = "camvault-crypt",
	.exit = cv_ctx_exit,
	.test_cases = cv_crypt_cases,
};

kunit_test_suite(cv_crypt_suite);
