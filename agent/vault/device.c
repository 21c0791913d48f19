// SPDX-License-Identifier: GPL-2.0
/*
 * Starting a vault's device (device.h): the checks of the backing store and the key, the loop device under an
 * image file, the key in the keyring for the table load, the device-mapper table. "camvault create", "init"
 * and "open" start a vault through cv_vault_start():
 *
 *	1. checks the backing store's size and the key's size, all before changing anything;
 *	2. checks that camvault.ko is loaded (asking for its netlink family loads it when installed) and that
 *	   device-mapper has its target and no device NAME yet;
 *	3. adds the key to this process's keyring as the logon key "camvault:NAME" (logon: no process can read
 *	   it back);
 *	4. attaches an image file to a free loop device with LO_FLAGS_AUTOCLEAR, so that the loop device goes
 *	   away when the vault is removed;
 *	5. creates the device with the table
 *	     0 <sectors> camvault <cipher> :<key bytes>:logon:camvault:NAME <major:minor> 0 [<#opts> <opts>...]
 *	   where the kernel finds the key with request_key() in the keyring of the process that loads the table
 *	   (this one) and copies it into its transforms;
 *	6. invalidates the key, which the kernel needs no longer.
 * A failure undoes what was done (the device, the loop device, the key) and says what failed and the fix.
 * Even a crash leaves no key behind: the process keyring dies with the process.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/loop.h>

#include "vault/device.h"
#include "vault/dm.h"
#include "vault/ipc.h"
#include "vault/secret.h"
#include "uapi/camvault.h"

/* The target's ciphers and key sizes are the uapi header's. */
const struct cv_cipher cv_ciphers[] = {
	{ "aes-xts", CAMVAULT_CIPHER_AES_XTS, "AES-256-XTS", CAMVAULT_CIPHER_AES_XTS_KEY_SIZE },
	{ "adiantum", CAMVAULT_CIPHER_ADIANTUM, "Adiantum", CAMVAULT_CIPHER_ADIANTUM_KEY_SIZE },
};
const size_t cv_nciphers = sizeof(cv_ciphers) / sizeof(cv_ciphers[0]);

const struct cv_cipher *cv_cipher_find(const char *s)
{
	size_t i;

	for (i = 0; i < cv_nciphers; i++)
		if (!strcmp(s, cv_ciphers[i].option) || !strcmp(s, cv_ciphers[i].kernel))
			return &cv_ciphers[i];
	return NULL;
}

int cv_key_file_check(const char *path, const struct stat *st, const struct cv_cipher *cipher, char *err,
		      size_t errlen)
{
	long long size = st->st_size;
	char hint[160] = "";
	size_t i;

	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "key file %s is not a regular file: give a file of exactly %zu raw bytes, "
			 "the %s key", path, cipher->key_bytes, cipher->kernel);
		return -1;
	}
	if (size == (long long)cipher->key_bytes)
		return 0;
	for (i = 0; i < cv_nciphers; i++)
		if (&cv_ciphers[i] != cipher && size == (long long)cv_ciphers[i].key_bytes)
			snprintf(hint, sizeof(hint), " (%lld bytes is a key for --cipher %s)", size,
				 cv_ciphers[i].option);
	if (!hint[0] && (size == 2 * (long long)cipher->key_bytes || size == 2 * (long long)cipher->key_bytes + 1))
		snprintf(hint, sizeof(hint), " (a hex key is twice the size: convert it with 'xxd -r -p')");
	snprintf(err, errlen, "key file %s is %lld bytes, but %s (%s) needs exactly %zu%s: make a key with "
		 "'head -c %zu /dev/urandom > KEYFILE'", path, size, cipher->kernel, cipher->what,
		 cipher->key_bytes, hint, cipher->key_bytes);
	return -1;
}

int cv_backing_size_check(const char *path, uint64_t bytes, unsigned int sector_size, uint64_t *sectors,
			  char *err, size_t errlen)
{
	if (bytes < sector_size) {
		snprintf(err, errlen, "backing %s is smaller than one sector (%llu bytes, a sector is %u): use a "
			 "larger image, e.g. 'truncate -s 1G %s'", path, (unsigned long long)bytes, sector_size,
			 path);
		return -1;
	}
	if (bytes % sector_size) {
		snprintf(err, errlen, "backing %s is %llu bytes, not a whole number of %u-byte sectors: make its "
			 "size a multiple of %u (for an image, 'truncate -s %llu %s')", path,
			 (unsigned long long)bytes, sector_size, sector_size,
			 (unsigned long long)(bytes / sector_size + 1) * sector_size, path);
		return -1;
	}
	*sectors = bytes / 512;
	return 0;
}

int cv_table_params(const struct cv_vault_params *args, const char *dev, char *buf, size_t len)
{
	unsigned int nopts = args->allow_discards + (args->sector_size != 512);
	size_t n;

	/* The options in the order the target echoes them in "dmsetup table". */
	n = snprintf(buf, len, "%s :%zu:logon:camvault:%s %s %llu", args->cipher->kernel,
		     args->cipher->key_bytes, args->name, dev, (unsigned long long)args->offset);
	if (nopts && n < len)
		n += snprintf(buf + n, len - n, " %u%s", nopts, args->allow_discards ? " allow_discards" : "");
	if (args->sector_size != 512 && n < len)
		n += snprintf(buf + n, len - n, " sector_size:%u", args->sector_size);
	return n < len ? 0 : -1;
}

int cv_secret_read(struct cv_secret *s, const char *path, const struct cv_cipher *cipher, char *err,
		   size_t errlen)
{
	size_t got = 0;
	struct stat st;
	ssize_t n = 0;
	char extra;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "cannot stat key file %s: %s", path, strerror(errno));
		goto err;
	}
	if (cv_key_file_check(path, &st, cipher, err, errlen))
		goto err;

	if (cv_secret_alloc(s, cipher->key_bytes, err, errlen))
		goto err;

	while (got < cipher->key_bytes) {
		n = read(fd, s->buf + got, cipher->key_bytes - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	if (n < 0) {
		snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
		goto err;
	}
	/* Exactly the size checked: then the next read is the end of the file. */
	if (got < cipher->key_bytes || read(fd, &extra, 1) != 0) {
		snprintf(err, errlen, "key file %s changed size while it was read: check what writes to it", path);
		goto err;
	}
	s->len = got;
	close(fd);
	return 0;

err:
	cv_secret_free(s);
	close(fd);
	return -1;
}

/* Binds the loop device fd to backing_fd, with autoclear. Returns 0, or -1 with errno. */
static int cv_loop_configure(int fd, const char *path, int backing_fd)
{
	struct loop_config cfg;
	int e;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = backing_fd;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	/* What losetup shows; cut to LO_NAME_SIZE - 1. */
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", path);
	if (!ioctl(fd, LOOP_CONFIGURE, &cfg))
		return 0;
	if (errno != EINVAL)
		return -1;
	/* Before Linux 5.8, no LOOP_CONFIGURE: the two steps it replaced. */
	if (ioctl(fd, LOOP_SET_FD, backing_fd))
		return -1;
	if (ioctl(fd, LOOP_SET_STATUS64, &cfg.info)) {
		e = errno;
		ioctl(fd, LOOP_CLR_FD, 0);
		errno = e;
		return -1;
	}
	return 0;
}

int cv_loop_attach(struct cv_loop *loop, const char *path, int backing_fd, char *err, size_t errlen)
{
	struct stat st;
	int ctl, tries, n;

	memset(loop, 0, sizeof(*loop));
	loop->fd = -1;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no /dev/loop-control to attach the image %s: load the loop driver "
				 "('modprobe loop')", path);
		else if (errno == EACCES || errno == EPERM)
			snprintf(err, errlen, "attaching the image %s to a loop device needs root: run camvault as "
				 "root", path);
		else
			snprintf(err, errlen, "cannot open /dev/loop-control to attach the image %s: %s", path,
				 strerror(errno));
		return -1;
	}
	/* Another program may take the free device first: then it is busy, and there is another free one. */
	for (tries = 0; tries < 16; tries++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			snprintf(err, errlen, "no free loop device for the image %s (LOOP_CTL_GET_FREE: %s): detach "
				 "unused ones ('losetup -D')", path, strerror(errno));
			goto err;
		}
		loop->index = n;
		snprintf(loop->path, sizeof(loop->path), "/dev/loop%d", n);
		loop->fd = open(loop->path, O_RDWR | O_CLOEXEC);
		if (loop->fd < 0) {
			snprintf(err, errlen, "cannot open %s for the image %s: %s", loop->path, path, strerror(errno));
			goto err;
		}
		if (!cv_loop_configure(loop->fd, path, backing_fd))
			break;
		if (errno != EBUSY) {
			snprintf(err, errlen, "cannot attach the image %s to %s: %s", path, loop->path,
				 strerror(errno));
			goto err;
		}
		close(loop->fd);
		loop->fd = -1;
	}
	if (loop->fd < 0) {
		snprintf(err, errlen, "every free loop device was taken by another program before the image %s "
			 "could be attached: try again", path);
		goto err;
	}
	if (fstat(loop->fd, &st) || !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "%s is not a block device: check /dev", loop->path);
		cv_loop_detach(loop);
		goto err;
	}
	loop->major = major(st.st_rdev);
	loop->minor = minor(st.st_rdev);
	close(ctl);
	return 0;

err:
	if (loop->fd >= 0)
		close(loop->fd);
	loop->fd = -1;
	close(ctl);
	return -1;
}

void cv_loop_detach(struct cv_loop *loop)
{
	if (loop->fd < 0)
		return;
	/* Detaches now, or, autoclear being set, when the last other opener (udev's scan) closes it. */
	ioctl(loop->fd, LOOP_CLR_FD, 0);
	close(loop->fd);
	loop->fd = -1;
}

/*
 * Opens the backing store: an image file read-write (for the loop device), or a block device, whose
 * "major:minor" goes into dev. *bytes is its size. Returns 0 or -1.
 */
static int cv_backing_open(const char *path, int *fd, uint64_t *bytes, char *dev, size_t devlen, char *err,
			   size_t errlen)
{
	struct stat st;

	*fd = -1;
	dev[0] = '\0';
	if (stat(path, &st)) {
		snprintf(err, errlen, "cannot use backing %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		*fd = open(path, O_RDWR | O_CLOEXEC);
		if (*fd < 0) {
			snprintf(err, errlen, "cannot open backing %s for writing: %s", path, strerror(errno));
			return -1;
		}
		if (fstat(*fd, &st)) {
			snprintf(err, errlen, "cannot stat backing %s: %s", path, strerror(errno));
			goto err;
		}
		*bytes = st.st_size;
		return 0;
	}
	if (!S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "backing %s is neither a regular file (an image) nor a block device", path);
		return -1;
	}
	/* The table names the device by number: no path lookup in the kernel, no udev needed. */
	snprintf(dev, devlen, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		snprintf(err, errlen, "cannot open backing %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(*fd, BLKGETSIZE64, bytes)) {
		snprintf(err, errlen, "cannot get the size of backing %s: %s", path, strerror(errno));
		goto err;
	}
	/* Device-mapper opens it itself. */
	close(*fd);
	*fd = -1;
	return 0;

err:
	close(*fd);
	*fd = -1;
	return -1;
}

/* Whether the vault can be made at all: camvault.ko, its target, the name free. Returns 0 or -1. */
static int cv_create_preflight(const char *name, char *err, size_t errlen)
{
	struct cv_ipc ipc;
	int ret;

	/* Asking for the family loads camvault.ko when it is installed. */
	ret = cv_ipc_open(&ipc, err, errlen);
	if (ret == -ENOENT) {
		snprintf(err, errlen, "camvault.ko is not loaded (no generic netlink family '%s'): load it with "
			 "'modprobe camvault'", CAMVAULT_GENL_NAME);
		return -1;
	}
	if (ret)
		return -1;
	cv_ipc_close(&ipc);
	if (cv_dm_check_target(CAMVAULT_TARGET_NAME, err, errlen))
		return -1;
	ret = cv_dm_exists(name, NULL, err, errlen);
	if (ret > 0)
		snprintf(err, errlen, "a device-mapper device named %s exists already: choose another name, or "
			 "remove it ('camvault remove %s' for a vault)", name, name);
	return ret ? -1 : 0;
}

int cv_vault_start(const struct cv_vault_params *a, const struct cv_secret *key, char *err, size_t errlen)
{
	char params[512], desc[16 + CAMVAULT_NAME_MAXLEN], dev[32];
	struct cv_loop loop = { .fd = -1 };
	uint64_t bytes, sectors;
	struct cv_dm_dev dm;
	int32_t serial = -1;
	int backing_fd = -1;

	/* Everything that needs no change first. */
	if (cv_backing_open(a->backing, &backing_fd, &bytes, dev, sizeof(dev), err, errlen) ||
	    cv_backing_size_check(a->backing, bytes, a->sector_size, &sectors, err, errlen) ||
	    cv_create_preflight(a->name, err, errlen))
		goto fail;
	if (a->sectors) {
		if (a->offset + a->sectors > sectors) {
			snprintf(err, errlen, "backing %s is smaller than the vault's data area (%llu sectors from "
				 "sector %llu): it was truncated, or is not this vault's store", a->backing,
				 (unsigned long long)a->sectors, (unsigned long long)a->offset);
			goto fail;
		}
		sectors = a->sectors;
	} else if (a->offset) {
		snprintf(err, errlen, "a data area at sector %llu needs its length", (unsigned long long)a->offset);
		goto fail;
	}

	snprintf(desc, sizeof(desc), "camvault:%s", a->name);
	serial = cv_key_add(desc, key, err, errlen);
	if (serial < 0)
		goto fail;

	if (backing_fd >= 0) {
		if (cv_loop_attach(&loop, a->backing, backing_fd, err, errlen))
			goto fail;
		/* The loop device holds the file. */
		close(backing_fd);
		backing_fd = -1;
		snprintf(dev, sizeof(dev), "%u:%u", loop.major, loop.minor);
	}
	if (cv_table_params(a, dev, params, sizeof(params))) {
		snprintf(err, errlen, "the table of %s does not fit in %zu bytes", a->name, sizeof(params));
		goto fail;
	}
	if (cv_dm_create(a->name, CAMVAULT_TARGET_NAME, sectors, params, &dm, err, errlen))
		goto fail;
	/* The target copied the key at the table load. */
	cv_key_drop(serial);
	/* The table holds the loop device: it goes away, autoclear, with the vault. */
	if (loop.fd >= 0)
		close(loop.fd);
	return 0;

fail:
	cv_key_drop(serial);
	cv_loop_detach(&loop);
	if (backing_fd >= 0)
		close(backing_fd);
	return -1;
}
