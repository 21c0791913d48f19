// SPDX-License-Identifier: GPL-2.0
/*
 * vault/seal.c (with tpm/) against real swtpms: sealing and unsealing, PIN and PCR policies, another TPM, shredding, and the
 * dictionary-attack logic under wrong PINs and power cuts.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "tpm/lockout.h"
#include "vault/seal.h"
#include "helpers.h"

/* Extra swtpms and the capture file a test made; the group teardown removes what a failed test left. */
static struct cv_swtpm extra[2];
static char pcap[] = "/tmp/camvault-unit-pcap.XXXXXX";

static int extra_teardown(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		cv_swtpm_remove(&extra[i]);
	if (!strstr(pcap, "XXXXXX"))
		unlink(pcap);
	return cv_swtpm_teardown(state);
}

/* Starts extra swtpm t (on dir, NULL for a new one) and points CAMVAULT_TCTI at it. */
static void extra_start(struct cv_swtpm *t, const char *dir)
{
	if (cv_swtpm_start(t, dir) < 0)
		fail_msg("cannot start another swtpm: %s", t->why);
	assert_int_equal(setenv("CAMVAULT_TCTI", t->tcti, 1), 0);
}

static void tpm_open(struct cv_tpm *tpm)
{
	char err[512] = "";

	if (cv_tpm_open(tpm, err, sizeof(err)) < 0)
		fail_msg("cv_tpm_open: %s", err);
}

/*
 * Per test: the group's swtpm opened, in *state (a struct cv_tpm), when it runs; else *state is NULL and the
 * test's cv_swtpm_require() skips or fails it, saying why. Closed after the test, whether it passed or not.
 */
static int tpm_setup(void **state)
{
	static struct cv_tpm tpm;

	*state = NULL;
	if (!cv_swtpm.pid || cv_swtpm.why[0])
		return 0;
	if (setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1))
		return -1;
	tpm_open(&tpm);
	*state = &tpm;
	return 0;
}

static int tpm_teardown(void **state)
{
	if (*state)
		cv_tpm_close(*state);
	return 0;
}

/* A header as cv_seal() gets it: a random uuid, the rest valid for cv_header_encode() once sealed. */
static void header_new(struct cv_header *h)
{
	memset(h, 0, sizeof(*h));
	h->version = CV_HDR_VERSION;
	assert_int_equal(getrandom(h->uuid, sizeof(h->uuid), 0), (ssize_t)sizeof(h->uuid));
	h->uuid[6] = (h->uuid[6] & 0x0f) | 0x40;
	h->uuid[8] = (h->uuid[8] & 0x3f) | 0x80;
	h->created = 1700000000;
	strcpy(h->cipher, "aes-xts-plain64");
	h->key_bytes = 64;
	h->sector_size = 4096;
	h->data_offset = CV_HDR_AREA_SECTORS;
	h->data_sectors = 8;
}

/* Fresh M and N, sealed for a new header h with opts. */
static void seal_new(struct cv_tpm *tpm, struct cv_header *h, const struct cv_seal_opts *opts, struct cv_secret *m,
		     struct cv_secret *n)
{
	char err[512] = "";
	int ret;

	header_new(h);
	ret = cv_seal_random(tpm, m, n, err, sizeof(err));
	if (ret)
		fail_msg("cv_seal_random: %d %s", ret, err);
	ret = cv_seal(tpm, h, opts, m, n, err, sizeof(err));
	if (ret)
		fail_msg("cv_seal: %d %s", ret, err);
}

/* Unseals h with pin and checks that M and N are m and n. */
static void unseal_ok(struct cv_tpm *tpm, const struct cv_header *h, const char *pin, const struct cv_secret *m,
		      const struct cv_secret *n)
{
	struct cv_secret m2, n2;
	char err[512] = "";
	int ret;

	ret = cv_unseal(tpm, h, pin, &m2, &n2, err, sizeof(err));
	if (ret)
		fail_msg("cv_unseal: %d %s", ret, err);
	assert_int_equal(m2.len, CV_MASTER_BYTES);
	assert_int_equal(n2.len, CV_NV_BYTES);
	assert_memory_equal(m2.buf, m->buf, CV_MASTER_BYTES);
	assert_memory_equal(n2.buf, n->buf, CV_NV_BYTES);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
}

/* Unseals h with pin, expecting the error want; its message goes into err. The secrets stay unallocated. */
static void unseal_fails(struct cv_tpm *tpm, const struct cv_header *h, const char *pin, int want, char *err,
			 size_t errlen)
{
	struct cv_secret m2, n2;
	int ret;

	err[0] = '\0';
	ret = cv_unseal(tpm, h, pin, &m2, &n2, err, errlen);
	if (ret != want)
		fail_msg("cv_unseal returned %d instead of %d: %s", ret, want, err);
	assert_null(m2.buf);
	assert_null(n2.buf);
	assert_true(strlen(err) > 0);
}

static TPMA_OBJECT object_attributes(const struct cv_header *h, TPM2B_DIGEST *policy)
{
	TPM2B_PUBLIC pub = { .size = 0 };
	size_t off = 0;

	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(h->pub, h->pub_len, &off, &pub), TSS2_RC_SUCCESS);
	assert_int_equal(off, h->pub_len);
	assert_int_equal(pub.publicArea.type, TPM2_ALG_KEYEDHASH);
	assert_int_equal(pub.publicArea.nameAlg, TPM2_ALG_SHA256);
	assert_int_equal(pub.publicArea.parameters.keyedHashDetail.scheme.scheme, TPM2_ALG_NULL);
	*policy = pub.publicArea.authPolicy;
	return pub.publicArea.objectAttributes;
}

/* How many NV indices the TPM has. */
static int nv_count(struct cv_tpm *tpm)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	int count;

	assert_int_equal(Esys_GetCapability(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES,
					    TPM2_HR_NV_INDEX, TPM2_MAX_CAP_HANDLES, &more, &cap), TSS2_RC_SUCCESS);
	count = (int)cap->data.handles.count;
	assert_false(more);
	Esys_Free(cap);
	return count;
}

static void da_state(struct cv_tpm *tpm, uint32_t *failed, uint32_t *max, uint32_t *recovery)
{
	char err[512] = "";

	if (cv_tpm_da_state(tpm, failed, max, recovery, err, sizeof(err)))
		fail_msg("cv_tpm_da_state: %s", err);
}

/* Clears the DA counter with the (empty) lockout authorization, for the tests after. */
static void da_reset(struct cv_tpm *tpm)
{
	assert_int_equal(Esys_DictionaryAttackLockReset(tpm->esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD,
							ESYS_TR_NONE, ESYS_TR_NONE), TSS2_RC_SUCCESS);
}

static void pcr16_reset(struct cv_tpm *tpm)
{
	assert_int_equal(Esys_PCR_Reset(tpm->esys, ESYS_TR_PCR16, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE),
			 TSS2_RC_SUCCESS);
}

static void pcr16_extend(struct cv_tpm *tpm)
{
	TPML_DIGEST_VALUES d = { .count = 1, .digests[0] = { .hashAlg = TPM2_ALG_SHA256 } };

	memset(d.digests[0].digest.sha256, 0xa5, 32);
	assert_int_equal(Esys_PCR_Extend(tpm->esys, ESYS_TR_PCR16, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d),
			 TSS2_RC_SUCCESS);
}

static void test_random(void **state)
{
	struct cv_tpm *tpm = *state;
	struct cv_secret m1, n1, m2, n2;
	static const uint8_t zero[CV_MASTER_BYTES];
	char err[512] = "";

	cv_swtpm_require();
	assert_int_equal(cv_seal_random(tpm, &m1, &n1, err, sizeof(err)), 0);
	assert_int_equal(cv_seal_random(tpm, &m2, &n2, err, sizeof(err)), 0);
	assert_int_equal(m1.len, CV_MASTER_BYTES);
	assert_int_equal(n1.len, CV_NV_BYTES);
	assert_memory_not_equal(m1.buf, zero, CV_MASTER_BYTES);
	assert_memory_not_equal(n1.buf, zero, CV_NV_BYTES);
	assert_memory_not_equal(m1.buf, m2.buf, CV_MASTER_BYTES);
	assert_memory_not_equal(n1.buf, n2.buf, CV_NV_BYTES);
	cv_secret_free(&m1);
	cv_secret_free(&n1);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
}

/* Sealed, written to disk as a header, read back, unsealed: the same M and N. */
static void test_round_trip(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts opts = { 0 };
	struct cv_header h, h2;
	struct cv_secret m, n;
	uint8_t block[CV_HDR_SIZE];
	char err[512] = "";

	cv_swtpm_require();
	seal_new(tpm, &h, &opts, &m, &n);
	assert_int_equal(h.flags, CV_HDR_F_TPM);
	assert_int_equal(h.srk_alg, TPM2_ALG_ECC);		/* swtpm has P-256 */
	assert_true(h.nv_index >= 0x01800000 && h.nv_index <= 0x01bfffff);
	assert_true(h.pub_len > 0 && h.pub_len <= CV_HDR_BLOB_MAX);
	assert_true(h.priv_len > 0 && h.priv_len <= CV_HDR_BLOB_MAX);
	assert_int_equal(h.pcr_bank, 0);
	assert_int_equal(h.pcr_mask, 0);
	assert_int_equal(cv_nv_exists(tpm, &h, err, sizeof(err)), 1);

	/* The blobs fit the header block and come back out of it whole. */
	if (cv_header_encode(&h, block, err, sizeof(err)))
		fail_msg("cv_header_encode: %s", err);
	if (cv_header_decode(block, sizeof(block), &h2, err, sizeof(err)))
		fail_msg("cv_header_decode: %s", err);
	assert_int_equal(h2.pub_len, h.pub_len);
	assert_int_equal(h2.priv_len, h.priv_len);
	unseal_ok(tpm, &h2, NULL, &m, &n);
	/* Again, and with a PIN given to a vault without one: ignored. */
	unseal_ok(tpm, &h2, "1234", &m, &n);

	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

/* Two vaults sealed one after the other get NV indices of their own. */
static void test_two_vaults(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts opts = { 0 };
	struct cv_secret m1, n1, m2, n2;
	struct cv_header h1, h2;
	char err[512];

	cv_swtpm_require();
	seal_new(tpm, &h1, &opts, &m1, &n1);
	/* The same uuid: the first free index after the first one's. */
	h2 = h1;
	cv_seal_random(tpm, &m2, &n2, err, sizeof(err));
	assert_int_equal(cv_seal(tpm, &h2, &opts, &m2, &n2, err, sizeof(err)), 0);
	assert_int_not_equal(h1.nv_index, h2.nv_index);
	unseal_ok(tpm, &h1, NULL, &m1, &n1);
	unseal_ok(tpm, &h2, NULL, &m2, &n2);
	assert_int_equal(cv_nv_destroy(tpm, &h1, err, sizeof(err)), 0);
	assert_int_equal(cv_nv_destroy(tpm, &h2, err, sizeof(err)), 0);
	cv_secret_free(&m1);
	cv_secret_free(&n1);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
}

/* The sealed object's attributes: NODA and userWithAuth only without a policy; NODA without a PIN. */
static void test_attributes(void **state)
{
	struct cv_tpm *tpm = *state;
	static const struct {
		struct cv_seal_opts opts;
		int noda, userwithauth;
	} cases[] = {
		{ { NULL, 0 }, 1, 1 },
		{ { "1234", 0 }, 0, 0 },
		{ { NULL, 1u << 16 }, 1, 0 },
		{ { "1234", 1u << 16 }, 0, 0 },
	};
	size_t i;

	cv_swtpm_require();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cv_secret m, n;
		TPM2B_DIGEST policy;
		struct cv_header h;
		TPMA_OBJECT a;
		char err[512];

		seal_new(tpm, &h, &cases[i].opts, &m, &n);
		a = object_attributes(&h, &policy);
		assert_true(a & TPMA_OBJECT_FIXEDTPM);
		assert_true(a & TPMA_OBJECT_FIXEDPARENT);
		assert_false(a & (TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT |
				  TPMA_OBJECT_RESTRICTED));
		assert_int_equal(!!(a & TPMA_OBJECT_NODA), cases[i].noda);
		assert_int_equal(!!(a & TPMA_OBJECT_USERWITHAUTH), cases[i].userwithauth);
		assert_int_equal(policy.size, cases[i].userwithauth ? 0 : 32);
		assert_int_equal(!!(h.flags & CV_HDR_F_PIN), cases[i].opts.pin != NULL);
		assert_int_equal(!!(h.flags & CV_HDR_F_PCRS), cases[i].opts.pcr_mask != 0);
		assert_int_equal(h.pcr_mask, cases[i].opts.pcr_mask);
		assert_int_equal(h.pcr_bank, cases[i].opts.pcr_mask ? TPM2_ALG_SHA256 : 0);
		assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
		cv_secret_free(&m);
		cv_secret_free(&n);
	}
}

static void test_pin(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts opts = { .pin = "246810" };
	uint32_t failed, failed2, max, recovery;
	struct cv_secret m, n;
	struct cv_header h;
	char err[512];

	cv_swtpm_require();
	da_reset(tpm);
	seal_new(tpm, &h, &opts, &m, &n);
	assert_int_equal(h.flags, CV_HDR_F_TPM | CV_HDR_F_PIN);
	unseal_ok(tpm, &h, "246810", &m, &n);

	da_state(tpm, &failed, &max, &recovery);
	assert_int_equal(failed, 0);
	unseal_fails(tpm, &h, "246811", CV_SEAL_EPIN, err, sizeof(err));
	assert_non_null(strstr(err, "wrong PIN"));
	assert_non_null(strstr(err, "tries"));
	assert_non_null(strstr(err, "recovery key"));
	da_state(tpm, &failed2, &max, &recovery);
	assert_int_equal(failed2, failed + 1);

	unseal_fails(tpm, &h, NULL, CV_SEAL_ENEED_PIN, err, sizeof(err));
	assert_non_null(strstr(err, "PIN"));
	/* A PIN no seal accepts is wrong without costing a try. */
	unseal_fails(tpm, &h, "012345678901234567890123456789012", CV_SEAL_EPIN, err, sizeof(err));
	unseal_fails(tpm, &h, "", CV_SEAL_EPIN, err, sizeof(err));
	da_state(tpm, &failed, &max, &recovery);
	assert_int_equal(failed, failed2);

	unseal_ok(tpm, &h, "246810", &m, &n);
	da_reset(tpm);
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

/* Sealed to PCR 16 (the debug PCR, resettable at locality 0): extended, refused; reset, unsealed again. */
static void test_pcr(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts opts = { .pcr_mask = 1u << 16 }, both = { .pin = "1357", .pcr_mask = 1u << 16 };
	static const uint8_t zero[32];
	uint32_t failed, failed2, max, recovery;
	struct cv_secret m, n, m2, n2;
	struct cv_header h, h2;
	char err[512];
	unsigned int i;

	cv_swtpm_require();
	pcr16_reset(tpm);
	seal_new(tpm, &h, &opts, &m, &n);
	assert_int_equal(h.flags, CV_HDR_F_TPM | CV_HDR_F_PCRS);
	assert_int_equal(h.pcr_bank, TPM2_ALG_SHA256);
	assert_int_equal(h.pcr_mask, 1u << 16);
	for (i = 0; i < CV_HDR_PCRS; i++)
		assert_memory_equal(h.pcr_values[i], zero, 32);		/* PCR 16 after a reset: zero */
	unseal_ok(tpm, &h, NULL, &m, &n);

	pcr16_extend(tpm);
	unseal_fails(tpm, &h, NULL, CV_SEAL_EPCR, err, sizeof(err));
	assert_non_null(strstr(err, "PCR 16 changed"));
	assert_null(strstr(err, "PCR 1 "));
	assert_non_null(strstr(err, "recovery key"));

	pcr16_reset(tpm);
	unseal_ok(tpm, &h, NULL, &m, &n);

	/* Sealed while PCR 16 is not zero: its value is in the header. */
	pcr16_extend(tpm);
	header_new(&h2);
	assert_int_equal(cv_seal_random(tpm, &m2, &n2, err, sizeof(err)), 0);
	da_reset(tpm);
	assert_int_equal(cv_seal(tpm, &h2, &both, &m2, &n2, err, sizeof(err)), 0);
	assert_memory_not_equal(h2.pcr_values[16], zero, 32);
	unseal_ok(tpm, &h2, "1357", &m2, &n2);
	/* A PCR that changed fails before the PIN is checked: no try is used up, whatever the PIN. */
	pcr16_reset(tpm);
	da_state(tpm, &failed, &max, &recovery);
	unseal_fails(tpm, &h2, "1357", CV_SEAL_EPCR, err, sizeof(err));
	unseal_fails(tpm, &h2, "7531", CV_SEAL_EPCR, err, sizeof(err));
	assert_non_null(strstr(err, "PCR 16 changed"));
	da_state(tpm, &failed2, &max, &recovery);
	assert_int_equal(failed2, failed);
	pcr16_extend(tpm);
	unseal_ok(tpm, &h2, "1357", &m2, &n2);
	unseal_fails(tpm, &h2, "7531", CV_SEAL_EPIN, err, sizeof(err));

	da_reset(tpm);
	pcr16_reset(tpm);
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_nv_destroy(tpm, &h2, err, sizeof(err)), 0);
	cv_secret_free(&m);
	cv_secret_free(&n);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
}

/* Sealed on one TPM, unsealed on another: its storage key cannot load the object. */
static void test_other_tpm(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts opts = { 0 };
	struct cv_secret m, n;
	struct cv_header h;
	struct cv_tpm other;
	char err[512];

	cv_swtpm_require();
	seal_new(tpm, &h, &opts, &m, &n);

	extra_start(&extra[0], NULL);
	tpm_open(&other);
	unseal_fails(&other, &h, NULL, CV_SEAL_EOTHER_TPM, err, sizeof(err));
	assert_non_null(strstr(err, "different TPM"));
	assert_non_null(strstr(err, "camvault open --recovery"));
	assert_int_equal(cv_nv_exists(&other, &h, err, sizeof(err)), 0);
	cv_tpm_close(&other);
	cv_swtpm_remove(&extra[0]);

	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

/* Shred: once the NV index is gone, the sealed object alone opens nothing. */
static void test_shred(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts opts = { 0 };
	struct cv_secret m, n;
	struct cv_header h;
	char err[512] = "", want[128];

	cv_swtpm_require();
	seal_new(tpm, &h, &opts, &m, &n);
	assert_int_equal(cv_nv_exists(tpm, &h, err, sizeof(err)), 1);
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_nv_exists(tpm, &h, err, sizeof(err)), 0);

	unseal_fails(tpm, &h, NULL, CV_SEAL_ENO_NV, err, sizeof(err));
	snprintf(want, sizeof(want), "NV index 0x%08x) is gone", h.nv_index);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "shredded"));
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), CV_SEAL_ENO_NV);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

/* cv_nv_destroy() leaves alone an index that is not a camvault secret, though the header names it. */
static void test_destroy_foreign_index(void **state)
{
	struct cv_tpm *tpm = *state;
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = 0x01bffff0,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD,
			.dataSize = 32,
		},
	};
	const TPM2B_AUTH auth = { .size = 0 };
	ESYS_TR nv;
	struct cv_header h;
	char err[512];

	cv_swtpm_require();
	assert_int_equal(Esys_NV_DefineSpace(tpm->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
					     &auth, &pub, &nv), TSS2_RC_SUCCESS);
	/* ESAPI would hand this ESYS_TR to cv_nv_destroy(), which closes the one it uses. */
	assert_int_equal(Esys_TR_Close(tpm->esys, &nv), TSS2_RC_SUCCESS);
	header_new(&h);
	h.nv_index = pub.nvPublic.nvIndex;
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), CV_SEAL_ENO_NV);
	assert_non_null(strstr(err, "not a camvault secret"));
	assert_int_equal(cv_nv_exists(tpm, &h, err, sizeof(err)), 1);
	assert_int_equal(Esys_TR_FromTPMPublic(tpm->esys, pub.nvPublic.nvIndex, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       &nv), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_NV_UndefineSpace(tpm->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					       ESYS_TR_NONE), TSS2_RC_SUCCESS);
}

/* A cv_seal() that fails leaves no NV index behind, and says why. */
static void test_failed_seal_defines_nothing(void **state)
{
	struct cv_tpm *tpm = *state;
	static const struct {
		struct cv_seal_opts opts;
		const char *msg;
	} cases[] = {
		{ { "012345678901234567890123456789012", 0 }, "the PIN is 33 bytes long and the TPM takes at most 32" },
		{ { "", 0 }, "the PIN is empty" },
		{ { NULL, 1u << 24 }, "PCR 24 does not exist" },
	};
	struct cv_secret m, n, short_m;
	const struct cv_seal_opts none = { 0 };
	struct cv_header h;
	char err[512];
	int before;
	size_t i;

	cv_swtpm_require();
	before = nv_count(tpm);
	assert_int_equal(cv_seal_random(tpm, &m, &n, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		header_new(&h);
		err[0] = '\0';
		assert_int_equal(cv_seal(tpm, &h, &cases[i].opts, &m, &n, err, sizeof(err)), CV_SEAL_EFAIL);
		assert_non_null(strstr(err, cases[i].msg));
		assert_int_equal(h.nv_index, 0);
		assert_int_equal(h.flags, 0);
		assert_int_equal(nv_count(tpm), before);
	}
	/* M of the wrong size: refused before the TPM sees it. */
	assert_int_equal(cv_secret_alloc(&short_m, 16, err, sizeof(err)), 0);
	assert_int_equal(cv_seal(tpm, &h, &none, &short_m, &n, err, sizeof(err)), CV_SEAL_EFAIL);
	assert_int_equal(nv_count(tpm), before);
	/* The same opts, valid, do define one. */
	assert_int_equal(cv_seal(tpm, &h, &none, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(nv_count(tpm), before + 1);
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	assert_int_equal(nv_count(tpm), before);
	cv_secret_free(&short_m);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

/*
 * Three wrong PINs: each costs one try and says how many are left, then the TPM is in lockout, for the right PIN
 * too. A PIN-less vault still opens meanwhile (NODA).
 */
static void test_lockout(void **state)
{
	const struct cv_seal_opts pin = { .pin = "8642" }, none = { 0 };
	uint32_t failed, failed0, max, recovery;
	struct cv_secret m, n, m2, n2;
	struct cv_header h, h2;
	struct cv_tpm tpm;
	char err[512];
	unsigned int i;

	(void)state;
	cv_swtpm_require();
	extra_start(&extra[0], NULL);
	tpm_open(&tpm);
	seal_new(&tpm, &h, &pin, &m, &n);
	seal_new(&tpm, &h2, &none, &m2, &n2);
	da_state(&tpm, &failed0, &max, &recovery);
	assert_int_equal(failed0, 0);
	assert_true(max > 0);
	assert_true(max <= 32);
	assert_true(recovery > 0);
	for (i = 1; i <= max; i++) {
		char want[64];

		unseal_fails(&tpm, &h, "0000", CV_SEAL_EPIN, err, sizeof(err));
		assert_non_null(strstr(err, "wrong PIN"));
		da_state(&tpm, &failed, &max, &recovery);
		assert_int_equal(failed, i);
		if (i < max) {
			snprintf(want, sizeof(want), "(TPM lockout in %u tr", max - i);
			assert_non_null(strstr(err, want));
		} else {
			assert_non_null(strstr(err, "no tries left"));
			assert_non_null(strstr(err, "tpm-lockout-auth when made with --no-recovery"));
		}
	}
	unseal_fails(&tpm, &h, "8642", CV_SEAL_ELOCKOUT, err, sizeof(err));
	assert_non_null(strstr(err, "dictionary-attack lockout"));
	assert_non_null(strstr(err, "tpm2_dictionarylockout -c"));
	/* Where the lockout authorization camvault sets is kept. */
	assert_non_null(strstr(err, "printed it with the recovery key"));
	assert_non_null(strstr(err, "/tpm-lockout-auth when made with --no-recovery"));
	if (max == 3 && recovery == 1000)	/* libtpms' defaults */
		assert_non_null(strstr(err, "wait 1000 s"));
	unseal_ok(&tpm, &h2, NULL, &m2, &n2);

	da_reset(&tpm);
	unseal_ok(&tpm, &h, "8642", &m, &n);
	cv_secret_free(&m);
	cv_secret_free(&n);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
	cv_tpm_close(&tpm);
	cv_swtpm_remove(&extra[0]);
}

/* Starts a session and leaves it open: what a power cut in the middle of an unseal leaves. */
static void session_in_flight(struct cv_tpm *tpm)
{
	const TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	ESYS_TR s;

	assert_int_equal(Esys_StartAuthSession(tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					       ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &none, TPM2_ALG_SHA256, &s),
			 TSS2_RC_SUCCESS);
}

/*
 * Ten power cuts (swtpm killed with a session open, no TPM2_Shutdown) right after unseals. A TPM counts a power
 * cut after a DA-protected authorization as a failed try, so the PIN vault ends up in lockout; the PIN-less
 * vault (NODA) opens every time all the same.
 */
static void test_power_cuts(void **state)
{
	const struct cv_seal_opts pin = { .pin = "97531" }, none = { 0 };
	uint32_t failed = 0, max, recovery;
	struct cv_secret m, n, m2, n2;
	struct cv_header h, h2;
	struct cv_tpm tpm;
	char err[512];
	int i;

	(void)state;
	cv_swtpm_require();
	extra_start(&extra[1], NULL);
	tpm_open(&tpm);
	seal_new(&tpm, &h, &none, &m, &n);
	seal_new(&tpm, &h2, &pin, &m2, &n2);
	cv_tpm_close(&tpm);

	for (i = 0; i < 10; i++) {
		tpm_open(&tpm);
		da_state(&tpm, &failed, &max, &recovery);
		unseal_ok(&tpm, &h, NULL, &m, &n);
		if (failed < max)
			unseal_ok(&tpm, &h2, "97531", &m2, &n2);
		else
			unseal_fails(&tpm, &h2, "97531", CV_SEAL_ELOCKOUT, err, sizeof(err));
		session_in_flight(&tpm);
		cv_swtpm_stop(&extra[1], SIGKILL);
		cv_tpm_close(&tpm);
		extra_start(&extra[1], extra[1].dir);
	}
	tpm_open(&tpm);
	da_state(&tpm, &failed, &max, &recovery);
	print_message("# after 10 power cuts: DA counter %u of %u\n", failed, max);
	assert_true(max <= 10);
	assert_int_equal(failed, max);
	unseal_ok(&tpm, &h, NULL, &m, &n);
	unseal_fails(&tpm, &h2, "97531", CV_SEAL_ELOCKOUT, err, sizeof(err));
	cv_secret_free(&m);
	cv_secret_free(&n);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
	cv_tpm_close(&tpm);
	cv_swtpm_remove(&extra[1]);
}

/* Whether the n bytes at p, or any 8 of them in a row, are in the file at path. */
static int file_has(const char *path, const uint8_t *p, size_t n)
{
	static uint8_t buf[1 << 20];
	size_t len, i, j;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	assert_true(len > 0 && len < sizeof(buf));
	fclose(f);
	for (j = 0; j + 8 <= n; j++)
		for (i = 0; i + 8 <= len; i++)
			if (!memcmp(buf + i, p + j, 8))
				return 1;
	return 0;
}

/*
 * What crosses the bus, captured by tpm2-tss's pcap TCTI in front of the swtpm: sealing and unsealing with a
 * PIN, and without. Neither M, nor N, nor the PIN are in it, though the sealed object's blobs are.
 */
static void test_bus_encrypted(void **state)
{
	const struct cv_seal_opts pin = { .pin = "correct-horse-battery" }, none = { 0 };
	char tcti[128], err[512];
	struct cv_secret m, n, m2, n2;
	struct cv_header h, h2;
	struct cv_tpm tpm;
	int fd;

	(void)state;
	cv_swtpm_require();
	fd = mkstemp(pcap);
	assert_true(fd >= 0);
	close(fd);
	snprintf(tcti, sizeof(tcti), "pcap:%s", cv_swtpm.tcti);
	assert_int_equal(setenv("CAMVAULT_TCTI", tcti, 1), 0);
	assert_int_equal(setenv("TCTI_PCAP_FILE", pcap, 1), 0);
	tpm_open(&tpm);
	seal_new(&tpm, &h, &pin, &m, &n);
	seal_new(&tpm, &h2, &none, &m2, &n2);
	unseal_ok(&tpm, &h, pin.pin, &m, &n);
	unseal_ok(&tpm, &h2, NULL, &m2, &n2);
	assert_int_equal(cv_nv_destroy(&tpm, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_nv_destroy(&tpm, &h2, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	unsetenv("TCTI_PCAP_FILE");
	assert_int_equal(setenv("CAMVAULT_TCTI", cv_swtpm.tcti, 1), 0);

	assert_true(file_has(pcap, h.pub, h.pub_len));		/* the capture works */
	assert_true(file_has(pcap, h2.priv, h2.priv_len));
	assert_false(file_has(pcap, m.buf, m.len));
	assert_false(file_has(pcap, n.buf, n.len));
	assert_false(file_has(pcap, m2.buf, m2.len));
	assert_false(file_has(pcap, n2.buf, n2.len));
	assert_false(file_has(pcap, (const uint8_t *)pin.pin, strlen(pin.pin)));
	cv_secret_free(&m);
	cv_secret_free(&n);
	cv_secret_free(&m2);
	cv_secret_free(&n2);
}

/* Reads exactly len bytes from fd. */
static void read_all(int fd, void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, (char *)buf + off, len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
}

/*
 * A vault sealed in a child process (so that sealing leaves nothing in this one): its header, and its M and N
 * complemented, which is how this process keeps them.
 */
static void seal_in_child(struct cv_header *h, uint8_t m_inv[CV_MASTER_BYTES], uint8_t n_inv[CV_NV_BYTES])
{
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		const struct cv_seal_opts opts = { 0 };
		struct cv_secret m, n;
		struct cv_tpm tpm;
		size_t i;

		close(fds[0]);
		tpm_open(&tpm);
		seal_new(&tpm, h, &opts, &m, &n);
		for (i = 0; i < m.len; i++)
			m.buf[i] ^= 0xff;
		for (i = 0; i < n.len; i++)
			n.buf[i] ^= 0xff;
		if (write(fds[1], h, sizeof(*h)) != (ssize_t)sizeof(*h) ||
		    write(fds[1], m.buf, CV_MASTER_BYTES) != CV_MASTER_BYTES ||
		    write(fds[1], n.buf, CV_NV_BYTES) != CV_NV_BYTES)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	read_all(fds[0], h, sizeof(*h));
	read_all(fds[0], m_inv, CV_MASTER_BYTES);
	read_all(fds[0], n_inv, CV_NV_BYTES);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Whether s holds the complement of inv. */
static int secret_is_inverted(const struct cv_secret *s, const uint8_t *inv, size_t len)
{
	size_t i;

	if (s->len != len)
		return 0;
	for (i = 0; i < len; i++)
		if ((s->buf[i] ^ inv[i]) != 0xff)
			return 0;
	return 1;
}

static void assert_not_in_memory(const uint8_t *inv, size_t len, const char *what)
{
	char where[512] = "";
	int ret = cv_mem_find_inverted(inv, len, where, sizeof(where));

	if (ret < 0)
		fail_msg("cannot scan this process's memory: %s", where);
	if (ret)
		fail_msg("%s is still in this process's memory after the unseal: %s", what, where);
}

/*
 * After an unseal, once the caller freed M and N: the process cannot be dumped (nor ptraced by its user),
 * and neither M nor N is left anywhere in its memory, heap (freed or not), stack or tpm2-tss's buffers,
 * with the TPM context still open (as the agent keeps it) and after it is closed.
 */
static void test_unseal_leaves_nothing(void **state)
{
	uint8_t m_inv[CV_MASTER_BYTES], n_inv[CV_NV_BYTES];
	struct cv_secret m, n;
	struct cv_header h;
	struct cv_tpm tpm;
	char err[512] = "";
	int ret;

	(void)state;
	cv_swtpm_require();
	seal_in_child(&h, m_inv, n_inv);
	/* The scan finds what is there: a copy of N made here is found. */
	assert_int_equal(cv_secret_alloc(&n, CV_NV_BYTES, err, sizeof(err)), 0);
	for (ret = 0; ret < CV_NV_BYTES; ret++)
		n.buf[ret] = n_inv[ret] ^ 0xff;
	assert_int_equal(cv_mem_find_inverted(n_inv, CV_NV_BYTES, err, sizeof(err)), 1);
	cv_secret_free(&n);
	assert_not_in_memory(n_inv, CV_NV_BYTES, "a freed cv_secret's N");

	/* Dumpable until a secret comes in (earlier tests of this process held some). */
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	tpm_open(&tpm);
	ret = cv_unseal(&tpm, &h, NULL, &m, &n, err, sizeof(err));
	if (ret)
		fail_msg("cv_unseal: %d %s", ret, err);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_true(secret_is_inverted(&m, m_inv, CV_MASTER_BYTES));
	assert_true(secret_is_inverted(&n, n_inv, CV_NV_BYTES));
	cv_secret_free(&m);
	cv_secret_free(&n);
	assert_not_in_memory(n_inv, CV_NV_BYTES, "the NV secret N (TPM context open)");
	assert_not_in_memory(m_inv, CV_MASTER_BYTES, "the sealed secret M (TPM context open)");
	assert_int_equal(cv_nv_destroy(&tpm, &h, err, sizeof(err)), 0);
	cv_tpm_close(&tpm);
	assert_not_in_memory(n_inv, CV_NV_BYTES, "the NV secret N (TPM context closed)");
	assert_not_in_memory(m_inv, CV_MASTER_BYTES, "the sealed secret M (TPM context closed)");
	/* Still not dumpable: remnants the process cannot know of (a library's copies) may be left. */
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

static void test_no_tpm_slot(void **state)
{
	struct cv_tpm *tpm = *state;
	struct cv_header h;
	char err[512];

	cv_swtpm_require();
	header_new(&h);
	unseal_fails(tpm, &h, NULL, CV_SEAL_EFAIL, err, sizeof(err));
	assert_non_null(strstr(err, "no TPM slot"));
	assert_int_equal(cv_nv_exists(tpm, &h, err, sizeof(err)), CV_SEAL_EFAIL);
}

/*
 * Someone who reaches the TPM (the tss group) but cannot unseal M tries to overwrite the vault's N, which would
 * lose the footage for good, and to read it: with the index's empty authValue in a password session, in a
 * PolicyAuthValue session, and with the owner's authorization. All are refused, N stays, the vault opens.
 */
static void test_nv_write_protected(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts pin = { .pin = "2468" }, none = { 0 };
	const struct cv_seal_opts *cases[] = { &none, &pin };
	struct cv_tpm attacker;
	size_t i;

	cv_swtpm_require();
	tpm_open(&attacker);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
		TPM2B_MAX_NV_BUFFER zeros = { .size = CV_NV_BYTES };
		TPM2B_MAX_NV_BUFFER *data = NULL;
		ESYS_TR nv = ESYS_TR_NONE, policy = ESYS_TR_NONE;
		struct cv_secret m, n;
		struct cv_header h;
		char err[512];
		TSS2_RC rc;

		seal_new(tpm, &h, cases[i], &m, &n);
		assert_int_equal(cv_nv_weak(tpm, &h, err, sizeof(err)), 0);
		assert_int_equal(Esys_TR_FromTPMPublic(attacker.esys, h.nv_index, ESYS_TR_NONE, ESYS_TR_NONE,
						       ESYS_TR_NONE, &nv), TSS2_RC_SUCCESS);
		rc = Esys_NV_Write(attacker.esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &zeros, 0);
		print_message("write with the empty authValue: %s\n", Tss2_RC_Decode(rc));
		assert_true(cv_auth_refused(rc));
		rc = Esys_NV_Write(attacker.esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				   &zeros, 0);
		print_message("write with the owner's authorization: %s\n", Tss2_RC_Decode(rc));
		assert_true(cv_auth_refused(rc));
		assert_int_equal(Esys_StartAuthSession(attacker.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
						       ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym,
						       TPM2_ALG_SHA256, &policy), TSS2_RC_SUCCESS);
		assert_int_equal(Esys_PolicyAuthValue(attacker.esys, policy, ESYS_TR_NONE, ESYS_TR_NONE,
						      ESYS_TR_NONE), TSS2_RC_SUCCESS);
		rc = Esys_NV_Write(attacker.esys, nv, nv, policy, ESYS_TR_NONE, ESYS_TR_NONE, &zeros, 0);
		print_message("write in a PolicyAuthValue session with the empty authValue: %s\n",
			      Tss2_RC_Decode(rc));
		assert_true(cv_auth_refused(rc));
		Esys_FlushContext(attacker.esys, policy);
		rc = Esys_NV_Read(attacker.esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, CV_NV_BYTES, 0,
				  &data);
		print_message("read with the empty authValue: %s\n", Tss2_RC_Decode(rc));
		assert_true(cv_auth_refused(rc));
		assert_null(data);
		Esys_TR_Close(attacker.esys, &nv);

		unseal_ok(tpm, &h, cases[i]->pin, &m, &n);
		assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
		cv_secret_free(&m);
		cv_secret_free(&n);
	}
	cv_tpm_close(&attacker);
}

/* test_templates()'s pinned values (marshalled TPMT_PUBLIC / TPMS_NV_PUBLIC, unique and nvIndex cleared). */
#define PRIMARY_ECC	"0023000b00030472000000060080004300100003001000000000"
#define PRIMARY_RSA	"0001000b00030472000000060080004300100800000000000000"
#define SEALED_NONE	"0008000b00000452000000100000"
#define SEALED_PIN \
	"0008000b0000001200208fcd2169ab92694e0c633f1ab7" \
	"72842b8241bbc20288981fc7ac1eddc1fddb0e00100000"
#define SEALED_PCR16 \
	"0008000b000004120020bff2d58e9813f97cefc14f72ad" \
	"8133bc7092d652b7c877959254af140c841f3600100000"
#define SEALED_PIN_PCR16 \
	"0008000b000000120020195146253886976ba9784dcbb4" \
	"2c70095c3af977b902eee23254f5ccc5ba3a5600100000"
#define NV_VAULT \
	"00000000000b0204000800208fcd2169ab92694e0c633f" \
	"1ab772842b8241bbc20288981fc7ac1eddc1fddb0e0020"
/*
 * The TPM objects camvault makes must not change, or what was sealed before no longer opens: a vault's sealed
 * object is loaded under a primary remade from its template, its NV index is recognised by its attributes. These
 * are their public areas as the TPM reports them, with what the TPM or chance picks (unique, the index's
 * handle, TPMA_NV_WRITTEN) cleared, marshalled and compared with what camvault made when the values were pinned.
 */
static void test_templates(void **state)
{
	static const struct {
		struct cv_seal_opts opts;
		const char *want;
	} sealed[] = {
		{ { NULL, 0 }, SEALED_NONE },
		{ { "1234", 0 }, SEALED_PIN },
		{ { NULL, 1u << 16 }, SEALED_PCR16 },
		{ { "1234", 1u << 16 }, SEALED_PIN_PCR16 },
	};
	static const struct {
		uint16_t alg;
		const char *want;
	} primaries[] = {
		{ TPM2_ALG_ECC, PRIMARY_ECC },
		{ TPM2_ALG_RSA, PRIMARY_RSA },
	};
	struct cv_tpm *tpm = *state;
	char err[512] = "";
	size_t i;

	cv_swtpm_require();
	for (i = 0; i < sizeof(primaries) / sizeof(primaries[0]); i++) {
		ESYS_TR primary = ESYS_TR_NONE;
		TPM2B_PUBLIC *pub = NULL;

		if (cv_primary_load(tpm, primaries[i].alg, &primary, err, sizeof(err)))
			fail_msg("cv_primary_load: %s", err);
		assert_int_equal(Esys_ReadPublic(tpm->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL,
						 NULL), TSS2_RC_SUCCESS);
		cv_expect_public("the storage primary's template", &pub->publicArea, primaries[i].want);
		Esys_Free(pub);
		cv_flush(tpm, &primary);
	}
	pcr16_reset(tpm);
	for (i = 0; i < sizeof(sealed) / sizeof(sealed[0]); i++) {
		TPM2B_PUBLIC pub = { .size = 0 };
		struct cv_secret m, n;
		struct cv_header h;
		size_t off = 0;

		seal_new(tpm, &h, &sealed[i].opts, &m, &n);
		assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(h.pub, h.pub_len, &off, &pub), TSS2_RC_SUCCESS);
		cv_expect_public("the sealed object's public area", &pub.publicArea, sealed[i].want);
		assert_true(h.nv_index >= 0x01800000u && h.nv_index <= 0x01bfffffu);
		cv_expect_nv_public(tpm->esys, h.nv_index, "the vault's NV index", NV_VAULT);
		assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
		cv_secret_free(&m);
		cv_secret_free(&n);
	}
}

/* A vault sealed before (NV index AUTHREAD|AUTHWRITE, empty authValue) still opens and shreds, and is weak. */
static void test_nv_old_kind(void **state)
{
	struct cv_tpm *tpm = *state;
	const struct cv_seal_opts none = { 0 };
	const TPM2B_AUTH empty = { .size = 0 };
	TPM2B_MAX_NV_BUFFER data = { .size = CV_NV_BYTES };
	struct cv_secret m, n;
	struct cv_header h;
	ESYS_TR nv = ESYS_TR_NONE;
	char err[512];

	cv_swtpm_require();
	seal_new(tpm, &h, &none, &m, &n);
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	{
		TPM2B_NV_PUBLIC pub = {
			.nvPublic = {
				.nvIndex = h.nv_index,
				.nameAlg = TPM2_ALG_SHA256,
				.attributes = TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA |
					      (TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT),
				.dataSize = CV_NV_BYTES,
			},
		};

		assert_int_equal(Esys_NV_DefineSpace(tpm->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
						     ESYS_TR_NONE, &empty, &pub, &nv), TSS2_RC_SUCCESS);
	}
	memcpy(data.buffer, n.buf, CV_NV_BYTES);
	assert_int_equal(Esys_NV_Write(tpm->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0),
			 TSS2_RC_SUCCESS);
	Esys_TR_Close(tpm->esys, &nv);
	assert_int_equal(cv_nv_weak(tpm, &h, err, sizeof(err)), 1);
	unseal_ok(tpm, &h, NULL, &m, &n);
	assert_int_equal(cv_nv_destroy(tpm, &h, err, sizeof(err)), 0);
	assert_int_equal(cv_nv_exists(tpm, &h, err, sizeof(err)), 0);
	cv_secret_free(&m);
	cv_secret_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_two_vaults, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_attributes, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_pin, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_pcr, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_other_tpm, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_shred, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_foreign_index, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_failed_seal_defines_nothing, tpm_setup, tpm_teardown),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_power_cuts),
		cmocka_unit_test(test_bus_encrypted),
		cmocka_unit_test(test_unseal_leaves_nothing),
		cmocka_unit_test_setup_teardown(test_no_tpm_slot, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_nv_write_protected, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_nv_old_kind, tpm_setup, tpm_teardown),
		cmocka_unit_test_setup_teardown(test_templates, tpm_setup, tpm_teardown),
	};

	return cmocka_run_group_tests(tests, cv_swtpm_setup, extra_teardown);
}
