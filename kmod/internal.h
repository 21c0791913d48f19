/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camvault.ko internals shared between its files.
 */
#ifndef _CAMVAULT_INTERNAL_H
#define _CAMVAULT_INTERNAL_H

#include <linux/types.h>
#include <linux/kconfig.h>
#include <linux/dm-ioctl.h>
#include <linux/rwsem.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

/* The version, from the top-level VERSION file: Kbuild passes it (-DCAMVAULT_VERSION). */
#ifndef CAMVAULT_VERSION
#error "CAMVAULT_VERSION is undefined: build with the top-level Kbuild, which reads VERSION"
#endif

/* Ciphers a vault may use: the uapi header's CAMVAULT_CIPHER_* (names and key sizes). */
enum cv_cipher {
	CV_CIPHER_AES_XTS_PLAIN64,		/* CAMVAULT_CIPHER_AES_XTS */
	CV_CIPHER_ADIANTUM_PLAIN64,		/* CAMVAULT_CIPHER_ADIANTUM */
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

/* crypt.c */
#define CV_IV_MAX 32		/* Adiantum's; XTS uses 16 */
struct crypto_skcipher;
struct skcipher_request;
struct page;
void cv_iv_plain64(u8 *iv, unsigned int ivsize, u64 sector);
struct crypto_skcipher *cv_crypt_alloc(enum cv_cipher cipher, char **error);
int cv_crypt_set_key(struct crypto_skcipher *tfm, const char *desc, unsigned int size,
		     char **error);
int cv_crypt_sector(struct skcipher_request *req, struct crypto_skcipher *tfm, bool encrypt,
		    struct page *src, unsigned int soff, struct page *dst, unsigned int doff,
		    unsigned int len, u64 sector, u8 *iv);

/* lock.c: a vault's key (open -> locked) and its dead-man lock */
struct cv_key {
	struct rw_semaphore sem;	/* readers: bios' crypto; writer: the lock */
	struct crypto_skcipher *tfm;	/* holds the key; NULL once locked */
};

void cv_key_init(struct cv_key *k, struct crypto_skcipher *tfm);
struct crypto_skcipher *cv_key_get(struct cv_key *k);
void cv_key_put(struct cv_key *k);
bool cv_key_lock(struct cv_key *k);
bool cv_key_locked(const struct cv_key *k);

struct cv_deadman {
	u32 portid;			/* the arming socket; 0 once it is gone */
	u32 grace_ms;			/* 0: not armed */
	struct delayed_work work;	/* the lock, queued when the socket goes */
};

void cv_deadman_init(struct cv_deadman *d, work_func_t fn);
void cv_deadman_arm(struct cv_deadman *d, u32 grace_ms, u32 portid);
bool cv_deadman_socket_gone(struct cv_deadman *d, u32 portid);
void cv_deadman_stop(struct cv_deadman *d);

/* target.c */
int cv_target_init(void);
void cv_target_exit(void);
unsigned int cv_vault_count(void);

struct cv_vault_info {
	char name[DM_NAME_LEN];
	u32 major, minor;
	enum cv_cipher cipher;
	bool locked;
	u64 bytes_read, bytes_written, io_errors;
	u32 grace_ms;			/* dead-man lock armed with this grace; 0: not armed */
};

int cv_vault_info(unsigned int index, struct cv_vault_info *info);
int cv_vault_lock_by_name(const char *name);
int cv_vault_arm(const char *name, u32 grace_ms, u32 portid);
void cv_vault_socket_gone(u32 portid);

/* netlink.c */
enum camvault_event;
extern const struct nla_policy cv_genl_policy[];	/* exported for KUnit only */
int cv_genl_init(void);
void cv_genl_exit(void);
void cv_genl_event(enum camvault_event event, const char *name, u64 io_errors);

#endif /* _CAMVAULT_INTERNAL_H */
