// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_header into the directory given: valid headers of each kind (both ciphers,
 * with and without PIN, PCRs and recovery slot), from which the fuzzer mutates its way to every rule.
 * The headers come from the one encoder there is, vault/header.c.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "vault/header.h"

static void seed(const char *dir, const struct cv_header *h)
{
	static int n;
	uint8_t buf[CV_HDR_SIZE];
	char err[1024], path[4096];
	FILE *f;

	if (cv_header_encode(h, buf, err, sizeof(err))) {
		fprintf(stderr, "seeds_header: header %d: %s\n", n, err);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/seed-%02d", dir, n++);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, sizeof(buf), 1, f) != 1 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct cv_header h;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_header DIR\n");
		return 1;
	}

	/* The smallest: TPM slot only, ECC parent, AES-XTS, 512-byte sectors. */
	memset(&h, 0, sizeof(h));
	h.version = CV_HDR_VERSION;
	h.flags = CV_HDR_F_TPM;
	for (i = 0; i < sizeof(h.uuid); i++)
		h.uuid[i] = (uint8_t)(i * 17);
	h.created = 1735689600;
	strcpy(h.cipher, "aes-xts-plain64");
	h.key_bytes = 64;
	h.sector_size = 512;
	h.data_offset = CV_HDR_AREA_SECTORS;
	h.data_sectors = 2048;
	memset(h.key_check, 0x3c, sizeof(h.key_check));
	h.nv_index = 0x01800000;
	h.srk_alg = TPM2_ALG_ECC;
	h.pub_len = 90;
	memset(h.pub, 0x11, h.pub_len);
	h.priv_len = 126;
	memset(h.priv, 0x22, h.priv_len);
	seed(argv[1], &h);

	/* With a PIN and a recovery slot. */
	h.flags |= CV_HDR_F_PIN | CV_HDR_F_RECOVERY;
	h.rec_opslimit = 2;
	h.rec_memlimit_kib = 65536;
	memset(h.rec_salt, 0x55, sizeof(h.rec_salt));
	memset(h.rec_nonce, 0x66, sizeof(h.rec_nonce));
	h.rec_ct_len = h.key_bytes + CV_HDR_REC_TAG;
	memset(h.rec_ct, 0x77, h.rec_ct_len);
	seed(argv[1], &h);

	/* Adiantum, 4096-byte sectors, PCRs 0 and 7, RSA parent, full-size blobs. */
	strcpy(h.cipher, "xchacha12,aes-adiantum-plain64");
	h.key_bytes = 32;
	h.rec_ct_len = h.key_bytes + CV_HDR_REC_TAG;
	memset(h.rec_ct + h.rec_ct_len, 0, sizeof(h.rec_ct) - h.rec_ct_len);
	h.sector_size = 4096;
	h.data_offset = 4096;
	h.data_sectors = 8ull << 30;
	h.srk_alg = TPM2_ALG_RSA;
	h.flags = CV_HDR_F_TPM | CV_HDR_F_PCRS | CV_HDR_F_RECOVERY;
	h.pcr_bank = TPM2_ALG_SHA256;
	h.pcr_mask = 1u << 0 | 1u << 7;
	memset(h.pcr_values[0], 0xa0, 32);
	memset(h.pcr_values[7], 0xa7, 32);
	h.pub_len = h.priv_len = CV_HDR_BLOB_MAX;
	memset(h.pub, 0x33, sizeof(h.pub));
	memset(h.priv, 0x44, sizeof(h.priv));
	h.nv_index = 0x01ffffff;
	seed(argv[1], &h);

	/* Every flag, every PCR. */
	h.flags = CV_HDR_F_ALL;
	h.pcr_mask = (1u << CV_HDR_PCRS) - 1;
	for (i = 0; i < CV_HDR_PCRS; i++)
		memset(h.pcr_values[i], (int)i + 1, 32);
	h.nv_index = 0x01000000;
	seed(argv[1], &h);
	return 0;
}
