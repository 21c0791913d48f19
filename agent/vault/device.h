/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting a vault's device (device.c): its parameters, the checks (pure, for the unit tests), and the steps
 * undone on failure (the key in the keyring, the loop device).
 *
 * Functions that can fail write into err one sentence naming what failed and how to fix it, without the
 * "camvault: " prefix.
 */
#ifndef CV_DEVICE_H
#define CV_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* A cipher a vault can use (the --cipher of "camvault create" and "init"). */
struct cv_cipher {
	const char *option;		/* what --cipher takes: "aes-xts" */
	const char *kernel;		/* the table's name: "aes-xts-plain64" */
	const char *what;		/* for messages: "AES-256-XTS" */
	size_t key_bytes;		/* the key file's size */
};

/* "aes-xts" (the default) and "adiantum". */
extern const struct cv_cipher cv_ciphers[];
extern const size_t cv_nciphers;

/* What starts a vault: "camvault create"'s arguments, or what init and open read from the registry. */
struct cv_vault_params {
	const char *name;		/* the vault: its device-mapper name, and its key's "camvault:<name>" */
	const char *backing;		/* image file or block device */
	const char *key_file;
	const struct cv_cipher *cipher;
	unsigned int sector_size;	/* 512 or 4096 */
	uint64_t offset;		/* data area: first sector of the backing store (512-byte sectors) */
	uint64_t sectors;		/* data area length (512-byte sectors); 0: the rest of the store */
	bool allow_discards;
	bool help;			/* --help: nothing else was checked */
};

/*
 * Whether the key file path, of status *st, can hold cipher's key: a regular file of exactly
 * cipher->key_bytes bytes. Returns 0 or -1.
 */
int cv_key_file_check(const char *path, const struct stat *st, const struct cv_cipher *cipher, char *err,
		      size_t errlen);

/*
 * Whether a backing store of bytes bytes can hold a vault of sector_size-byte sectors: at least one sector,
 * and a whole number of them. *sectors is then its length in 512-byte sectors. Returns 0 or -1.
 */
int cv_backing_size_check(const char *path, uint64_t bytes, unsigned int sector_size, uint64_t *sectors,
			  char *err, size_t errlen);

/*
 * The table's parameters (after "<start> <len> camvault "):
 *	<cipher> :<key bytes>:logon:camvault:<name> <dev> <offset> [<#opts> <opts>...]
 * into buf. Returns 0, or -1 when buf is too small.
 */
int cv_table_params(const struct cv_vault_params *args, const char *dev, char *buf, size_t len);

/* Reads the key file, checked by cv_key_file_check(), into s. Returns 0 or -1 (s then holds nothing). */
struct cv_secret;
int cv_secret_read(struct cv_secret *s, const char *path, const struct cv_cipher *cipher, char *err,
		   size_t errlen);

/* The cipher of option or kernel name s ("aes-xts" or "aes-xts-plain64"), or NULL. */
const struct cv_cipher *cv_cipher_find(const char *s);

/*
 * Starts vault args->name over args->backing with key (args->cipher->key_bytes bytes): attaches an image file
 * to a loop device, puts the key in the keyring, loads the table (data area args->offset, args->sectors), and
 * takes the key out of the keyring again: the target has its copy. Checks first that camvault.ko is loaded and
 * that no device has the name. On failure nothing is left behind. Prints nothing. Returns 0 or -1.
 */
int cv_vault_start(const struct cv_vault_params *args, const struct cv_secret *key, char *err, size_t errlen);

/* A loop device attached to a file. */
struct cv_loop {
	int fd;				/* open on the loop device, -1 when none */
	int index;			/* N of /dev/loopN */
	uint32_t major, minor;
	char path[32];			/* "/dev/loopN" */
};

/*
 * Attaches the file open as backing_fd (path: its name, for losetup) to a free loop device, with
 * LO_FLAGS_AUTOCLEAR: the loop device goes away when its last user closes it, so after the table holds
 * it, at the removal of the vault. Returns 0 or -1.
 */
int cv_loop_attach(struct cv_loop *loop, const char *path, int backing_fd, char *err, size_t errlen);

/* Detaches the loop device (at once, or when its last other user closes it) and closes loop->fd. */
void cv_loop_detach(struct cv_loop *loop);

#endif /* CV_DEVICE_H */
