// SPDX-License-Identifier: GPL-2.0
/*
 * Sector crypto of a vault: the transform, the key from the keyring, the plain64 IV, and one
 * sector encrypted or decrypted. The on-disk format is dm-crypt's plain mode for the same cipher,
 * IV and sector size, so "cryptsetup open --type plain" with the key always rescues the footage.
 */
#include <crypto/skcipher.h>
#include <keys/user-type.h>
#include <linux/key.h>
#include <linux/module.h>
#include <linux/scatterlist.h>

#include "internal.h"

static const char * const cv_crypto_names[] = {
	[CV_CIPHER_AES_XTS_PLAIN64] = "xts(aes)",
	[CV_CIPHER_ADIANTUM_PLAIN64] = "adiantum(xchacha12,aes)",
};

/*
 * plain64: the little-endian number of the first 512-byte sector of the block, counted from the
 * start of the vault, zero-padded to the IV size (as dm-crypt does without iv_large_sectors).
 */
void cv_iv_plain64(u8 *iv, unsigned int ivsize, u64 sector)
{
	__le64 le = cpu_to_le64(sector);

	memset(iv, 0, ivsize);
	memcpy(iv, &le, min_t(unsigned int, ivsize, sizeof(le)));
}
EXPORT_SYMBOL_CV_KUNIT(cv_iv_plain64);

struct crypto_skcipher *cv_crypt_alloc(enum cv_cipher cipher, char **error)
{
	struct crypto_skcipher *tfm;

	tfm = crypto_alloc_skcipher(cv_crypto_names[cipher], 0, 0);
	if (IS_ERR(tfm)) {
		*error = "Cannot allocate the cipher (kernel without xts/aes or adiantum?)";
		return tfm;
	}
	if (crypto_skcipher_ivsize(tfm) > CV_IV_MAX) {
		crypto_free_skcipher(tfm);
		*error = "Cipher IV is larger than supported";
		return ERR_PTR(-EINVAL);
	}
	return tfm;
}
EXPORT_SYMBOL_CV_KUNIT(cv_crypt_alloc);

/*
 * Key the transform from the logon key @desc in the caller's keyrings. The key bytes go from the
 * key's payload straight into the transform: no copy of them stays here.
 */
int cv_crypt_set_key(struct crypto_skcipher *tfm, const char *desc, unsigned int size,
		     char **error)
{
	const struct user_key_payload *ukp;
	struct key *key;
	int ret;

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key)) {
		*error = "Key not found: add it as a logon key with the table's description";
		return PTR_ERR(key);
	}
	down_read(&key->sem);
	ukp = user_key_payload_locked(key);
	if (!ukp) {
		*error = "Key was revoked";
		ret = -EKEYREVOKED;
	} else if (ukp->datalen != size) {
		*error = "Key in the keyring has another size than the table says";
		ret = -EINVAL;
	} else {
		ret = crypto_skcipher_setkey(tfm, ukp->data, size);
		if (ret)
			*error = "Cipher refused the key";
	}
	up_read(&key->sem);
	key_put(key);
	return ret;
}

/*
 * Encrypt or decrypt @len bytes (one vault sector) from @src at @soff into @dst at @doff (may be
 * the same place), with the IV of 512-byte sector @sector. Sleeps: async transforms are waited for.
 * @iv must stay valid during the call and not live on the stack (async drivers may DMA from it).
 */
int cv_crypt_sector(struct skcipher_request *req, struct crypto_skcipher *tfm, bool encrypt,
		    struct page *src, unsigned int soff, struct page *dst, unsigned int doff,
		    unsigned int len, u64 sector, u8 *iv)
{
	struct scatterlist sg_in, sg_out;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	cv_iv_plain64(iv, crypto_skcipher_ivsize(tfm), sector);
	sg_init_table(&sg_in, 1);
	sg_set_page(&sg_in, src, len, soff);
	sg_init_table(&sg_out, 1);
	sg_set_page(&sg_out, dst, len, doff);
	skcipher_request_set_tfm(req, tfm);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg_in, &sg_out, len, iv);
	ret = encrypt ? crypto_skcipher_encrypt(req) : crypto_skcipher_decrypt(req);
	return crypto_wait_req(ret, &wait);
}
EXPORT_SYMBOL_CV_KUNIT(cv_crypt_sector);
