// SPDX-License-Identifier: GPL-2.0
/*
 * What the TPM-bound vault commands share (vault.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>


#include "uapi/camvault.h"
#include "util/erase.h"
#include "util/mountinfo.h"
#include "vault/device.h"
#include "vault/dm.h"
#include "vault/seal.h"
#include "vault/vault.h"
#include "vault/vaultkey.h"

#define CV_SECRET_MAX 256

/* One line from fd into s->buf (at most CV_SECRET_MAX - 1 bytes), without its newline. */
static int cv_read_line(int fd, struct cv_secret *s)
{
	size_t n = 0;
	char c;
	CV_CLEANUP_ERASE(c);

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 >= CV_SECRET_MAX)
			return -1;
		s->buf[n++] = (unsigned char)c;
	}
	if (n && s->buf[n - 1] == '\r')
		n--;
	s->buf[n] = '\0';
	s->len = n;
	return 0;
}

/* Asks on the terminal tty without echo. */
static int cv_ask_tty(int tty, const char *prompt, struct cv_secret *s)
{
	struct termios old, quiet;
	int ret;

	if (tcgetattr(tty, &old))
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(tty, prompt, strlen(prompt)) < 0 || tcsetattr(tty, TCSAFLUSH, &quiet))
		return -1;
	ret = cv_read_line(tty, s);
	tcsetattr(tty, TCSAFLUSH, &old);
	if (write(tty, "\n", 1) < 0)
		ret = -1;
	return ret;
}

int cv_read_secret(const char *prompt, const char *env, bool confirm, struct cv_secret *s, char *err,
		   size_t errlen)
{
	struct cv_secret again = { 0 };
	const char *v = getenv(env);
	int tty, ret;

	if (cv_secret_alloc(s, CV_SECRET_MAX, err, errlen))
		return -1;
	if (v) {
		if (strlen(v) >= CV_SECRET_MAX) {
			snprintf(err, errlen, "%s is longer than %d characters", env, CV_SECRET_MAX - 1);
			goto fail;
		}
		s->len = strlen(v);
		memcpy(s->buf, v, s->len + 1);
		return 0;
	}
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		/* No terminal (a pipe, a service): one line of standard input. */
		if (cv_read_line(STDIN_FILENO, s)) {
			snprintf(err, errlen, "the %s read from standard input is longer than %d characters", prompt,
				 CV_SECRET_MAX - 1);
			goto fail;
		}
		return 0;
	}
	ret = cv_ask_tty(tty, prompt, s);
	if (!ret && confirm) {
		ret = cv_secret_alloc(&again, CV_SECRET_MAX, err, errlen);
		if (!ret)
			ret = cv_ask_tty(tty, "Again: ", &again);
		if (!ret && (again.len != s->len || memcmp(again.buf, s->buf, s->len))) {
			close(tty);
			cv_secret_free(&again);
			snprintf(err, errlen, "the two entries differ: type the same one twice");
			goto fail;
		}
		cv_secret_free(&again);
	}
	close(tty);
	if (ret) {
		snprintf(err, errlen, "cannot read from the terminal (or the entry is longer than %d characters)",
			 CV_SECRET_MAX - 1);
		goto fail;
	}
	return 0;

fail:
	cv_secret_free(s);
	return -1;
}

int cv_vault_find(const char *name, const char *backing, struct cv_vault_entry *e, char *err, size_t errlen)
{
	const struct cv_vault_entry *found;
	struct cv_registry r;
	char path[PATH_MAX];

	memset(e, 0, sizeof(*e));
	if (cv_vault_name_check(name, err, errlen))
		return -1;
	if (backing) {
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->backing, sizeof(e->backing), "%s", backing);
		snprintf(e->fstype, sizeof(e->fstype), "ext4");
		return 0;
	}
	if (!cv_registry_path(path, sizeof(path))) {
		snprintf(err, errlen, "the registry's path is too long: shorten " CV_ETC_ENV);
		return -1;
	}
	if (cv_registry_load(path, &r, err, errlen))
		return -1;
	found = cv_registry_find(&r, name);
	if (found)
		*e = *found;
	cv_registry_free(&r);
	if (!found) {
		snprintf(err, errlen, "no vault %s in %s: check the name ('camvault status' lists them), or give "
			 "its store with --backing FILE|DEV", name, path);
		return -1;
	}
	return 0;
}

int cv_vault_header(const struct cv_vault_entry *e, struct cv_header *h, char *err, size_t errlen)
{
	int fd = open(e->backing, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open vault %s's store %s: %s", e->name, e->backing, strerror(errno));
		return -1;
	}
	ret = cv_header_read(fd, e->backing, h, err, errlen);
	close(fd);
	return ret;
}

/* The PIN, when the vault has one: asked for (or CAMVAULT_PIN). */
static int cv_vault_pin(const struct cv_vault_entry *e, const struct cv_header *h, struct cv_secret *pin,
			char *err, size_t errlen)
{
	char prompt[192];

	if (!(h->flags & CV_HDR_F_PIN))
		return 0;
	snprintf(prompt, sizeof(prompt), "PIN of vault %s: ", e->name);
	return cv_read_secret(prompt, CV_PIN_ENV, false, pin, err, errlen);
}

/*
 * seal.c's messages end with a hint without the vault's name; name it, or drop the hint when the vault has no
 * recovery slot.
 */
static void cv_recovery_hint(char *why, const struct cv_vault_entry *e, const struct cv_header *h)
{
	static const char hint[] = "open it with its recovery key ('camvault open --recovery')";
	char *at = strstr(why, hint), tail[CV_ERRLEN];

	if (!at)
		return;
	snprintf(tail, sizeof(tail), "%s", at + strlen(hint));
	if (h->flags & CV_HDR_F_RECOVERY) {
		snprintf(at, CV_ERRLEN - (size_t)(at - why), "open it with its recovery key ('camvault open %s "
			 "--recovery')%s", e->name, tail);
	} else {
		/* "...; open it with..." or "...: open it with...": drop the separator too. */
		if (at > why + 1 && at[-1] == ' ' && (at[-2] == ';' || at[-2] == ':' || at[-2] == ','))
			at -= 2;
		snprintf(at, CV_ERRLEN - (size_t)(at - why), "%s", tail);
	}
}

int cv_vault_key_from_tpm(const struct cv_vault_entry *e, const struct cv_header *h, struct cv_secret *k,
			  char *err, size_t errlen)
{
	struct cv_secret m = { 0 }, n = { 0 }, pin = { 0 };
	char why[CV_ERRLEN];
	struct cv_tpm tpm;
	int ret;

	if (cv_keys_init(err, errlen) || cv_vault_pin(e, h, &pin, err, errlen))
		return -1;
	if (cv_tpm_open(&tpm, why, sizeof(why))) {
		cv_secret_free(&pin);
		snprintf(err, errlen, "vault %s needs its TPM: %s", e->name, why);
		return -1;
	}
	ret = cv_unseal(&tpm, h, pin.buf ? (const char *)pin.buf : NULL, &m, &n, why, sizeof(why));
	cv_tpm_close(&tpm);
	cv_secret_free(&pin);
	if (ret == CV_SEAL_EOTHER_TPM) {
		snprintf(err, errlen, "vault %s is sealed to a different TPM (this TPM cannot load its key): open it "
			 "with its recovery key ('camvault open %s --recovery')", e->name, e->name);
		return -1;
	}
	if (ret == CV_SEAL_ENO_NV) {
		snprintf(err, errlen, "vault %s's TPM secret (NV index 0x%08x) is gone: the vault was shredded, or "
			 "this is a different TPM; open it with its recovery key ('camvault open %s --recovery')",
			 e->name, h->nv_index, e->name);
		return -1;
	}
	if (ret) {
		cv_recovery_hint(why, e, h);
		snprintf(err, errlen, "vault %s: %s", e->name, why);
		return -1;
	}
	ret = cv_key_derive(&m, &n, h, k, err, errlen);
	cv_secret_free(&m);
	cv_secret_free(&n);
	if (ret)
		return -1;
	if (!cv_key_matches(k, h)) {
		cv_secret_free(k);
		snprintf(err, errlen, "vault %s: the key the TPM released does not match the header's key check: the "
			 "TPM's NV index 0x%08x holds another secret (was it redefined?); open the vault with its "
			 "recovery key ('camvault open %s --recovery')", e->name, h->nv_index, e->name);
		return -1;
	}
	return 0;
}

int cv_vault_key_from_recovery(const struct cv_vault_entry *e, const struct cv_header *h, struct cv_secret *k,
			       char *err, size_t errlen)
{
	struct cv_secret text = { 0 }, r = { 0 };
	char prompt[192], why[CV_ERRLEN];
	int ret;

	if (cv_keys_init(err, errlen))
		return -1;
	if (!(h->flags & CV_HDR_F_RECOVERY)) {
		snprintf(err, errlen, "vault %s has no recovery slot (it was made with --no-recovery): only its TPM "
			 "opens it", e->name);
		return -1;
	}
	snprintf(prompt, sizeof(prompt), "Recovery key of vault %s: ", e->name);
	if (cv_read_secret(prompt, CV_RECOVERY_ENV, false, &text, err, errlen))
		return -1;
	ret = cv_recovery_parse((const char *)text.buf, &r, why, sizeof(why));
	cv_secret_free(&text);
	if (!ret) {
		ret = cv_recovery_unwrap(h, &r, k, why, sizeof(why));
		cv_secret_free(&r);
	}
	if (ret) {
		snprintf(err, errlen, "vault %s: %s", e->name, why);
		return -1;
	}
	if (!cv_key_matches(k, h)) {
		cv_secret_free(k);
		snprintf(err, errlen, "vault %s: the recovery slot gave a key that fails the header's key check: the "
			 "header is inconsistent", e->name);
		return -1;
	}
	return 0;
}

int cv_vault_activate(const struct cv_vault_entry *e, const struct cv_header *h, const struct cv_secret *k,
		      char *err, size_t errlen)
{
	struct cv_vault_params a = {
		.name = e->name,
		.backing = e->backing,
		.cipher = cv_cipher_find(h->cipher),
		.sector_size = h->sector_size,
		.offset = h->data_offset,
		.sectors = h->data_sectors,
	};

	if (!a.cipher) {
		snprintf(err, errlen, "vault %s uses cipher %s, which this camvault does not know: upgrade camvault",
			 e->name, h->cipher);
		return -1;
	}
	return cv_vault_start(&a, k, err, errlen);
}

int cv_vault_mount(const struct cv_vault_entry *e, char *err, size_t errlen)
{
	char dev[64 + CAMVAULT_NAME_MAXLEN];

	if (!e->mountpoint[0])
		return 0;
	snprintf(dev, sizeof(dev), "%s/%s", CV_DM_DIR, e->name);
	if (mkdir(e->mountpoint, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot make vault %s's mountpoint %s: %s", e->name, e->mountpoint,
			 strerror(errno));
		return -1;
	}
	if (mount(dev, e->mountpoint, e->fstype, MS_NODEV | MS_NOSUID, NULL)) {
		snprintf(err, errlen, "cannot mount vault %s (%s) on %s as %s: %s%s", e->name, dev, e->mountpoint,
			 e->fstype, strerror(errno),
			 errno == EINVAL ? " (no filesystem on it yet? make one with mkfs, or init with --mkfs ext4)"
					 : "");
		return -1;
	}
	return 0;
}

int cv_vault_mounted(const char *name, char *dir, size_t len, char *err, size_t errlen)
{
	struct cv_dm_dev dev;
	char *line = NULL;
	size_t cap = 0;
	int ret, found = 0;
	FILE *f;

	ret = cv_dm_exists(name, &dev, err, errlen);
	if (ret <= 0)
		return ret < 0 ? -1 : 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		snprintf(err, errlen, "cannot read /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	/* "36 35 254:0 / /media/frigate rw,... - ext4 /dev/mapper/cam0 rw": the 3rd field is the device. */
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned int maj, min;
		char mnt[4096];

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) == 3 && maj == dev.major &&
		    min == dev.minor) {
			cv_mountinfo_unescape(mnt);
			snprintf(dir, len, "%s", mnt);
			found = 1;
		}
	}
	free(line);
	fclose(f);
	return found;
}

int cv_vault_stop(const char *name, bool missing_ok, char *err, size_t errlen)
{
	char dir[4096];
	int ret;

	ret = cv_dm_exists(name, NULL, err, errlen);
	/* Without device-mapper in the kernel, no vault is open. */
	if (ret == -ENODEV && missing_ok)
		return 0;
	if (ret < 0)
		return -1;
	if (!ret) {
		if (missing_ok)
			return 0;
		snprintf(err, errlen, "vault %s is not open", name);
		return -1;
	}
	while ((ret = cv_vault_mounted(name, dir, sizeof(dir), err, errlen)) > 0) {
		if (umount2(dir, 0)) {
			snprintf(err, errlen, "cannot unmount vault %s from %s: %s%s", name, dir, strerror(errno),
				 errno == EBUSY ? " (files are open there: 'fuser -vm' shows who; stop the recorder "
						  "first)" : "");
			return -1;
		}
	}
	if (ret < 0)
		return -1;
	return cv_vault_remove(name, err, errlen);
}
