/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault.ko internals shared between its files.
 */
#ifndef _CAMVAULT_H
#define _CAMVAULT_H

#include <linux/types.h>
#include <linux/kconfig.h>

#define CAMVAULT_MODULE_VERSION "0.1.0"

/* Ciphers a vault may use; both are on-disk compatible with dm-crypt's plain mode. */
enum cv_cipher {
	CV_CIPHER_AES_XTS_PLAIN64,		/* "aes-xts-plain64" */
	CV_CIPHER_ADIANTUM_PLAIN64,		/* "xchacha12,aes-adiantum-plain64" */
};

#define CV_KEY_DESC_MAX 256

/* A parsed table line: <cipher> <key spec> <backing dev> <offset> [<#opts> <opts>...] */
struct cv_table {
	enum cv_cipher cipher;
	unsigned int key_size;			/* bytes */
	char key_desc[CV_KEY_DESC_MAX];		/* description of the logon key */
	const char *dev_path;			/* points into argv */
	u64 offset;				/* in 512-byte sectors */
	unsigned int sector_size;		/* 512 or 4096 */
	bool allow_discards;
};

/*
 * Internal functions are exported only when the kernel has KUnit, so that camvault_kunit.ko can
 * test them without the production module growing an ABI. (The kernel's EXPORT_SYMBOL_IF_KUNIT
 * needs <kunit/visibility.h>, which 6.1 lacks, and a namespace import whose syntax changed in
 * 6.13.)
 */
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_CV_KUNIT(sym) EXPORT_SYMBOL_GPL(sym)
#else
#define EXPORT_SYMBOL_CV_KUNIT(sym) static_assert(1, "not exported: " #sym)
#endif

int cv_parse_table(unsigned int argc, char **argv, struct cv_table *t, char **error);
int cv_parse_key_spec(const char *spec, enum cv_cipher cipher, struct cv_table *t, char **error);
unsigned int cv_cipher_key_size(enum cv_cipher cipher, unsigned int *alt);
const char *cv_cipher_name(enum cv_cipher cipher);

/* target.c */
int cv_target_init(void);
void cv_target_exit(void);
unsigned int cv_vault_count(void);

/* netlink.c */
int cv_genl_init(void);
void cv_genl_exit(void);

#endif /* _CAMVAULT_H */
