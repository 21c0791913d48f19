// SPDX-License-Identifier: GPL-2.0
/*
 * camvault init NAME --backing FILE|DEV [--size N] [--cipher auto|aes-xts|adiantum] [--sector-size 512|4096]
 *                    [--pin] [--pcrs LIST] [--no-recovery] [--mkfs ext4] [--mount DIR]
 *
 * Makes a TPM-bound vault: a fresh key that only this machine's TPM releases (docs/FORMAT.md says how), a
 * header at the start of the store, a recovery key printed once, and a line in the registry. The order makes
 * failure harmless: the header is written last, after the TPM holds everything; a failure before that
 * undefines the NV index again, and the store is untouched.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <sodium.h>

#include "cmd/init.h"
#include "tpm/lockout.h"
#include "uapi/camvault.h"
#include "util/erase.h"
#include "util/opts.h"
#include "vault/device.h"
#include "vault/dm.h"
#include "vault/seal.h"
#include "vault/vault.h"
#include "vault/vaultkey.h"

static void cv_init_usage(FILE *f)
{
	fprintf(f, "Usage: camvault init NAME --backing FILE|DEV [--size N] [--cipher auto|aes-xts|adiantum]\n"
		"                     [--sector-size 512|4096] [--pin] [--pcrs LIST] [--no-recovery]\n"
		"                     [--mkfs ext4] [--mount DIR]\n\n"
		"Makes the vault NAME on an image file or block device, with a key that only this machine's TPM\n"
		"releases, and registers it in vaults.conf. Prints the recovery key once.\n"
		"  --backing FILE|DEV  the store; an image file is made when missing (needs --size)\n"
		"  --size N            size of a new image: bytes, or with K, M, G, T (powers of 1024)\n"
		"  --cipher C          auto (the default: aes-xts with AES instructions, else adiantum),\n"
		"                      aes-xts (AES-256-XTS) or adiantum\n"
		"  --sector-size N     the encryption sector, 512 (the default) or 4096 bytes\n"
		"  --pin               the TPM also asks for a PIN (from the terminal, or CAMVAULT_PIN)\n"
		"  --pcrs LIST         bind the key to these PCRs (SHA-256), e.g. 7 or 0,2,7 or 0-7; only with\n"
		"                      measured boot, which a Raspberry Pi does not have\n"
		"  --no-recovery       no recovery key: a dead TPM loses the footage, and shred is final\n"
		"  --mkfs ext4         make an ext4 filesystem on the vault\n"
		"  --mount DIR         register DIR as the vault's mountpoint (and mount it, with --mkfs)\n");
}

int cv_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'T': shift += 10; /* fall through */
	case 'G': shift += 10; /* fall through */
	case 'M': shift += 10; /* fall through */
	case 'K': shift += 10; end++; break;
	}
	/* Allow "8G", "8GiB", "8GB" alike: all powers of 1024. */
	if (shift && (!strcasecmp(end, "iB") || !strcasecmp(end, "B")))
		end += strlen(end);
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*bytes = (uint64_t)v << shift;
	return 0;
}

int cv_parse_pcrs(const char *s, uint32_t *mask)
{
	*mask = 0;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0 || a >= CV_HDR_PCRS)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b >= CV_HDR_PCRS)
				return -1;
		}
		for (; a <= b; a++)
			*mask |= 1u << a;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return *mask ? 0 : -1;
}

bool cv_cpu_has_aes(const char *cpuinfo)
{
	const char *line = cpuinfo;

	/* x86: "flags : ... aes ..."; arm64: "Features : ... aes ...". */
	while (line && *line) {
		if (!strncmp(line, "flags", 5) || !strncmp(line, "Features", 8)) {
			const char *end = strchr(line, '\n'), *p = strchr(line, ':');

			for (; p && (!end || p < end); p++) {
				p = strstr(p, " aes");
				if (!p || (end && p > end))
					break;
				if (p[4] == ' ' || p[4] == '\n' || p[4] == '\0')
					return true;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

/* What /proc/cpuinfo says, for --cipher auto. */
static const struct cv_cipher *cv_cipher_auto(void)
{
	static char buf[1 << 16];
	size_t n;
	FILE *f = fopen("/proc/cpuinfo", "re");

	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return cv_cipher_find(cv_cpu_has_aes(buf) ? "aes-xts" : "adiantum");
}

/* The options' values as given, checked by cv_init_check_values(). */
struct cv_init_values {
	const char *cipher, *sector, *size, *pcrs, *mkfs;
};

/* Reads the command line: the name and the options as given. Returns 0, or -1 with err (or a->help). */
static int cv_init_read_args(int argc, char **argv, struct cv_init_args *a, struct cv_init_values *v,
			     char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "backing", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 'S' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "sector-size", required_argument, NULL, 's' },
		{ "pcrs", required_argument, NULL, 'P' },
		{ "mkfs", required_argument, NULL, 'f' },
		{ "mount", required_argument, NULL, 'm' },
		{ "pin", no_argument, NULL, 'p' },
		{ "no-recovery", no_argument, NULL, 'R' },
		CV_OPT_HELP,
		{ 0 }
	};
	struct cv_opts o = CV_OPTS("init", "", opts);
	int c;

	o.synopsis = "NAME --backing FILE|DEV";
	while ((c = cv_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'b': a->backing = o.arg; break;
		case 'S': v->size = o.arg; break;
		case 'c': v->cipher = o.arg; break;
		case 's': v->sector = o.arg; break;
		case 'P': v->pcrs = o.arg; break;
		case 'f': v->mkfs = o.arg; break;
		case 'm': a->mount = o.arg; break;
		case 'p': a->pin = true; break;
		case 'R': a->no_recovery = true; break;
		}
	}
	cv_opts_name(&o, argc, argv, &a->name, true);
	a->help = o.help;
	snprintf(err, errlen, "%s", o.err);
	return o.err[0] && !o.help ? -1 : 0;
}

/* Whether the name and the paths can be used. Returns 0 or -1. */
static int cv_init_check_paths(const struct cv_init_args *a, char *err, size_t errlen)
{
	if (cv_vault_name_check(a->name, err, errlen))
		return -1;
	if (!a->backing) {
		snprintf(err, errlen, "missing --backing FILE|DEV: the image file or block device to hold vault %s",
			 a->name);
		return -1;
	}
	if (a->backing[0] != '/' || (a->mount && a->mount[0] != '/')) {
		snprintf(err, errlen, "%s %s is relative: give an absolute path (the registry is read from any "
			 "directory)", a->backing[0] != '/' ? "--backing" : "--mount",
			 a->backing[0] != '/' ? a->backing : a->mount);
		return -1;
	}
	return 0;
}

/* The values of --size, --cipher, --sector-size, --pcrs and --mkfs into a. Returns 0 or -1. */
static int cv_init_check_values(const struct cv_init_values *v, struct cv_init_args *a, char *err,
				size_t errlen)
{
	if (v->size && cv_parse_size(v->size, &a->size)) {
		snprintf(err, errlen, "--size %s is not a size: bytes, or a number with K, M, G or T", v->size);
		return -1;
	}
	a->cipher = strcmp(v->cipher, "auto") ? cv_cipher_find(v->cipher) : cv_cipher_auto();
	if (!a->cipher) {
		snprintf(err, errlen, "unknown --cipher %s: use auto, aes-xts or adiantum", v->cipher);
		return -1;
	}
	if (v->sector && strcmp(v->sector, "512") && strcmp(v->sector, "4096")) {
		snprintf(err, errlen, "--sector-size %s: use 512 or 4096", v->sector);
		return -1;
	}
	a->sector_size = v->sector ? (unsigned int)atoi(v->sector) : 512;
	if (v->pcrs && cv_parse_pcrs(v->pcrs, &a->pcr_mask)) {
		snprintf(err, errlen, "--pcrs %s is not a PCR list: numbers 0 to 23, with commas and ranges (0,2,7 "
			 "or 0-7)", v->pcrs);
		return -1;
	}
	if (v->mkfs && strcmp(v->mkfs, "ext4")) {
		snprintf(err, errlen, "--mkfs %s: only ext4 is offered", v->mkfs);
		return -1;
	}
	a->mkfs = v->mkfs != NULL;
	return 0;
}

int cv_init_parse_args(int argc, char **argv, struct cv_init_args *a, char *err, size_t errlen)
{
	struct cv_init_values v = { .cipher = "auto" };

	memset(a, 0, sizeof(*a));
	if (cv_init_read_args(argc, argv, a, &v, err, errlen))
		return -1;
	if (a->help)
		return 0;
	return cv_init_check_paths(a, err, errlen) || cv_init_check_values(&v, a, err, errlen) ? -1 : 0;
}

/*
 * Opens (or makes, with --size) the store. Refuses one that already holds a vault: replacing it is "shred"'s
 * job, which says what that destroys. *made says whether it made the image (for cmd_init() to remove it again
 * when it fails). Returns the fd, or -1.
 */
static int cv_init_store(const struct cv_init_args *a, uint64_t *bytes, bool *made, char *err, size_t errlen)
{
	uint8_t magic[8];
	struct stat st;
	int fd;

	fd = open(a->backing, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && a->size) {
		fd = open(a->backing, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			fprintf(stderr, "init: making image %s of %llu MiB\n", a->backing,
				(unsigned long long)(a->size >> 20));
			/* Reserve the space: a recorder must not hit ENOSPC at 3 a.m. Sparse where impossible. */
			if (fallocate(fd, 0, 0, (off_t)a->size) && ftruncate(fd, (off_t)a->size)) {
				snprintf(err, errlen, "cannot make image %s of %llu bytes: %s", a->backing,
					 (unsigned long long)a->size, strerror(errno));
				close(fd);
				unlink(a->backing);
				return -1;
			}
			*made = true;
		}
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s%s", a->backing, strerror(errno),
			 errno == ENOENT ? " (give --size N to make a new image)" : "");
		return -1;
	}
	if (fstat(fd, &st))
		goto fail_errno;
	if (S_ISREG(st.st_mode)) {
		*bytes = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, bytes))
			goto fail_errno;
	} else {
		snprintf(err, errlen, "%s is neither an image file nor a block device", a->backing);
		goto fail;
	}
	if (a->size && a->size != *bytes && S_ISREG(st.st_mode))
		fprintf(stderr, "init: %s exists (%llu bytes): --size is ignored\n", a->backing,
			(unsigned long long)*bytes);
	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	    !memcmp(magic, CV_HDR_MAGIC, sizeof(magic))) {
		snprintf(err, errlen, "%s already holds a vault: 'camvault shred' it first if its footage is to go",
			 a->backing);
		goto fail;
	}
	return fd;

fail_errno:
	snprintf(err, errlen, "cannot use %s: %s", a->backing, strerror(errno));
fail:
	close(fd);
	return -1;
}

/* The new vault's header, without its slots. */
static int cv_init_header(const struct cv_init_args *a, uint64_t bytes, struct cv_header *h, char *err,
			  size_t errlen)
{
	uint64_t unit = a->sector_size / 512, data;

	memset(h, 0, sizeof(*h));
	data = bytes / 512 > CV_HDR_AREA_SECTORS ? (bytes / 512 - CV_HDR_AREA_SECTORS) / unit * unit : 0;
	if (data < 2048) {
		snprintf(err, errlen, "%s is %llu bytes: a vault needs at least 2 MiB (1 MiB of header area and 1 MiB "
			 "of footage)", a->backing, (unsigned long long)bytes);
		return -1;
	}
	h->version = CV_HDR_VERSION;
	randombytes_buf(h->uuid, sizeof(h->uuid));
	h->uuid[6] = (h->uuid[6] & 0x0f) | 0x40;	/* RFC 4122 version 4 */
	h->uuid[8] = (h->uuid[8] & 0x3f) | 0x80;
	h->created = (uint64_t)time(NULL);
	snprintf(h->cipher, sizeof(h->cipher), "%s", a->cipher->kernel);
	h->key_bytes = (uint32_t)a->cipher->key_bytes;
	h->sector_size = a->sector_size;
	h->data_offset = CV_HDR_AREA_SECTORS;
	h->data_sectors = data;
	return 0;
}

/* mkfs.ext4 on the open vault. */
static int cv_init_mkfs(const char *name, char *err, size_t errlen)
{
	char dev[64 + CAMVAULT_NAME_MAXLEN];
	int status;
	pid_t pid;

	snprintf(dev, sizeof(dev), "%s/%s", CV_DM_DIR, name);
	fprintf(stderr, "init: making an ext4 filesystem on %s\n", dev);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execlp("mkfs.ext4", "mkfs.ext4", "-q", "-L", name, dev, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errlen, "mkfs.ext4 on vault %s failed%s", name,
			 pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			 " (not installed: apt-get install e2fsprogs)" : " (see above)");
		return -1;
	}
	return 0;
}

/*
 * With --pin: the TPM's lockout authorization, which clears a dictionary-attack lockout and so decides how many
 * PINs can be tried (tpm/lockout.h). When it is still empty, sets a random one into text: printed with the recovery
 * key by the caller, or, with --no-recovery, kept in the root-only file path (written before the TPM takes it,
 * removed again when it does not). Returns 1 when set here, 0 when the TPM had one already (left alone), -1 on
 * failure (err says why).
 */
static int cv_init_lockout(struct cv_tpm *tpm, bool in_file, char text[CV_LOCKOUT_TEXT], char *path,
			   size_t pathlen, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int set, ok, fd = -1;
	ssize_t n;

	if (cv_tpm_lockout_auth_set(tpm, &set, err, errlen))
		return -1;
	if (set)
		return 0;
	if (cv_tpm_lockout_take(tpm, text, err, errlen))
		return -1;
	if (!in_file)
		return 1;
	if (!cv_lockout_path(path, pathlen) || snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "the lockout authorization file's path is too long: shorten %s", CV_ETC_ENV);
		goto undo;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600)) {
		snprintf(err, errlen, "cannot write %.400s (%s): check that its directory exists and is root's", tmp,
			 strerror(errno));
		goto undo;
	}
	errno = 0;
	n = write(fd, text, strlen(text));
	ok = n == (ssize_t)strlen(text) && write(fd, "\n", 1) == 1 && !fsync(fd);
	if (close(fd))
		ok = 0;
	fd = -1;
	if (!ok || rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %.400s (%s): check the free space of its filesystem", path,
			 strerror(errno ? errno : EIO));
		goto undo;
	}
	return 1;
undo:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	{
		/* The TPM holds a value kept nowhere: give it back its empty one. */
		TPM2B_AUTH old = { .size = (UINT16)strlen(text) }, none = { .size = 0 };
		CV_CLEANUP_ERASE(old);
		TSS2_RC rc;

		memcpy(old.buffer, text, old.size);
		Esys_TR_SetAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, &old);
		rc = Esys_HierarchyChangeAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					      ESYS_TR_NONE, &none);
		Esys_TR_SetAuth(tpm->esys, ESYS_TR_RH_LOCKOUT, &none);
		if (rc != TSS2_RC_SUCCESS) {
			size_t len = strlen(err);

			/* The value is lost with this process unless told: say it, as the recovery key would be. */
			snprintf(err + len, errlen - len, "; and the TPM's lockout authorization, set to %s, could "
				 "not be emptied again: write it down", text);
			return -1;
		}
	}
	return -1;
}

/* What cv_init_lockout() did, for the user. text is the caller's, wiped when its scope ends (CV_CLEANUP_ERASE). */
static void cv_init_lockout_print(int set, char text[CV_LOCKOUT_TEXT], const char *path)
{
	char where[PATH_MAX];

	if (set == 0) {
		printf("The TPM's lockout authorization, which clears a dictionary-attack lockout after wrong PINs, "
		       "was set\nbefore (by an earlier 'camvault init --pin', which printed it with that vault's "
		       "recovery key or\nkept it in %s, or by the TPM's owner): it is left as it is.\n\n",
		       cv_lockout_path(where, sizeof(where)) ? where : CV_ETC_DIR "/" CV_LOCKOUT_FILE);
	} else if (set > 0 && path[0]) {
		printf("The TPM had no lockout authorization: camvault set one and keeps it in %s (root only: there\n"
		       "is no recovery key to keep it with). It clears a dictionary-attack lockout\n"
		       "('tpm2_dictionarylockout -c -p \"$(cat %s)\"'), so whoever has it can try more PINs: move "
		       "it off\nthis device to keep root from that.\n\n", path, path);
	} else if (set > 0) {
		printf("TPM lockout authorization, shown this once. The TPM had none, so camvault set this one: it "
		       "clears\nthe TPM's dictionary-attack lockout ('tpm2_dictionarylockout -c -p <it>'), so "
		       "whoever has it can try\nmore PINs. Keep it with the recovery key, away from this device.\n\n"
		       "    %s\n\n", text);
	}
}

/* One init: what it made so far, so that a failure undoes exactly that, and the secrets it holds. */
struct cv_init {
	struct cv_init_args a;
	struct cv_tpm tpm;
	struct cv_header h;
	struct cv_secret m, n, k, r, pin;	/* M, N, the vault key, the recovery key, the PIN */
	struct cv_vault_entry e;
	char path[PATH_MAX];			/* the registry */
	char uuid[37];
	char lockout[CV_LOCKOUT_TEXT];		/* the TPM's lockout authorization, printed or kept in a file */
	char lockout_path[PATH_MAX];
	int lockout_set;
	int fd;					/* the store, until its header is written */
	bool made, sealed, header;		/* an image made here; the NV index defined; the header written */
};

/* The registry first: a name taken there is the cheapest refusal. */
static int cv_init_name_free(struct cv_init *in, char *err, size_t errlen)
{
	struct cv_registry reg = { 0 };
	bool taken;

	if (!cv_registry_path(in->path, sizeof(in->path))) {
		snprintf(err, errlen, "the registry's path is too long: shorten " CV_ETC_ENV);
		return -1;
	}
	if (cv_registry_load(in->path, &reg, err, errlen))
		return -1;
	taken = cv_registry_find(&reg, in->a.name) != NULL;
	cv_registry_free(&reg);
	if (taken) {
		snprintf(err, errlen, "a vault named %s is registered already in %.400s: choose another name",
			 in->a.name, in->path);
		return -1;
	}
	return 0;
}

/* The key made, sealed, wrapped for recovery, and the header written: init's four steps. */
static int cv_init_key(struct cv_init *in, char *err, size_t errlen)
{
	const struct cv_init_args *a = &in->a;
	struct cv_seal_opts opts = { .pcr_mask = a->pcr_mask };
	uint64_t bytes;

	if (cv_keys_init(err, errlen))
		return -1;
	if (a->pin && cv_read_secret("New PIN: ", CV_PIN_ENV, true, &in->pin, err, errlen))
		return -1;
	opts.pin = a->pin ? (const char *)in->pin.buf : NULL;
	if (cv_tpm_open(&in->tpm, err, errlen))
		return -1;
	in->fd = cv_init_store(a, &bytes, &in->made, err, errlen);
	if (in->fd < 0 || cv_init_header(a, bytes, &in->h, err, errlen))
		return -1;
	cv_uuid_format(in->h.uuid, in->uuid);

	fprintf(stderr, "init: [1/4] drawing the key from the TPM's RNG and the kernel's\n");
	if (cv_seal_random(&in->tpm, &in->m, &in->n, err, errlen))
		return -1;
	fprintf(stderr, "init: [2/4] sealing it to this TPM%s%s\n", a->pin ? " with a PIN" : "",
		a->pcr_mask ? " and PCRs" : "");
	if (cv_seal(&in->tpm, &in->h, &opts, &in->m, &in->n, err, errlen))
		return -1;
	in->sealed = true;
	if (cv_key_derive(&in->m, &in->n, &in->h, &in->k, err, errlen))
		return -1;
	cv_secret_free(&in->m);
	cv_secret_free(&in->n);
	cv_key_check(&in->k, &in->h, in->h.key_check);
	if (!a->no_recovery) {
		fprintf(stderr, "init: [3/4] wrapping the key with a new recovery key (Argon2id)\n");
		if (cv_recovery_new(&in->r, err, errlen) || cv_recovery_wrap(&in->h, &in->k, &in->r, err, errlen))
			return -1;
	}
	fprintf(stderr, "init: [4/4] writing the header of vault %s (%s)\n", a->name, in->uuid);
	if (cv_header_write(in->fd, a->backing, &in->h, err, errlen))
		return -1;
	in->header = true;
	close(in->fd);
	in->fd = -1;
	return 0;
}

/* In vaults.conf, and with a PIN the TPM's lockout authorization set. */
static int cv_init_register(struct cv_init *in, char *err, size_t errlen)
{
	const struct cv_init_args *a = &in->a;
	struct cv_vault_entry *e = &in->e;

	snprintf(e->name, sizeof(e->name), "%s", a->name);
	snprintf(e->backing, sizeof(e->backing), "%s", a->backing);
	snprintf(e->mountpoint, sizeof(e->mountpoint), "%s", a->mount ? a->mount : "");
	snprintf(e->fstype, sizeof(e->fstype), "ext4");
	e->pin = a->pin;
	if (cv_registry_add(in->path, e, err, errlen))
		return -1;
	if (a->pin) {
		in->lockout_set = cv_init_lockout(&in->tpm, a->no_recovery, in->lockout, in->lockout_path,
						  sizeof(in->lockout_path), err, errlen);
		/* The vault itself is whole: a PIN without a lockout authorization is what it was before. */
		if (in->lockout_set < 0)
			fprintf(stderr, "camvault: warning: %s; the vault itself was made, but anyone with TPM access "
				"can clear the TPM's dictionary-attack lockout and keep trying PINs\n", err);
	}
	return 0;
}

/* --mkfs: the vault opened, its filesystem made, and with --mount mounted. */
static int cv_init_mkfs_mount(struct cv_init *in, char *err, size_t errlen)
{
	char why[CV_ERRLEN];

	if (cv_vault_activate(&in->e, &in->h, &in->k, err, errlen))
		return -1;
	if (cv_init_mkfs(in->a.name, err, errlen) || (in->a.mount && cv_vault_mount(&in->e, err, errlen))) {
		cv_vault_stop(in->a.name, true, why, sizeof(why));
		return -1;
	}
	return 0;
}

/* The recovery key, once, and the lockout authorization, when there are. */
static void cv_init_print_secrets(struct cv_init *in, bool whole)
{
	char text[CV_RECOVERY_TEXT];
	CV_CLEANUP_ERASE(text);

	if (in->r.buf) {
		cv_recovery_format(&in->r, text);
		if (whole)
			printf("\nRecovery key of vault %s. It is shown this once: write it down and keep it away from\n"
			       "this device. It opens the vault without the TPM ('camvault open %s --recovery'), also\n"
			       "after a shred, for whoever also has a copy of the store made before the shred.\n\n"
			       "    %s\n\n", in->a.name, in->a.name, text);
		else
			printf("Recovery key of vault %s (shown once):\n\n    %s\n\n", in->a.name, text);
	}
	cv_init_lockout_print(in->lockout_set, in->lockout, in->lockout_path);
}

/* What a failure leaves: undone what nothing refers to, said what stays. */
static void cv_init_undo(struct cv_init *in, const char *err)
{
	char why[CV_ERRLEN];

	/* Nothing refers to the NV index: it would only fill the TPM. */
	if (in->sealed && !in->header)
		cv_nv_destroy(&in->tpm, &in->h, why, sizeof(why));
	fprintf(stderr, "camvault: %s\n", err);
	if (in->header)
		fprintf(stderr, "camvault: vault %s is written on %s but not registered: open it with 'camvault open "
			"%s --backing %s', or register it by hand\n", in->a.name, in->a.backing, in->a.name,
			in->a.backing);
	if (in->fd >= 0)
		close(in->fd);
	/* An image made here and holding no vault is only in the way of the next try (its --size ignored). */
	if (in->made && !in->header)
		unlink(in->a.backing);
}

static void cv_init_free(struct cv_init *in)
{
	cv_secret_free(&in->m);
	cv_secret_free(&in->n);
	cv_secret_free(&in->k);
	cv_secret_free(&in->r);
	cv_secret_free(&in->pin);
	if (in->tpm.esys || in->tpm.tcti)
		cv_tpm_close(&in->tpm);
}

int cmd_init(int argc, char **argv)
{
	struct cv_init in = { .fd = -1 };
	CV_CLEANUP_ERASE(in.lockout);
	const struct cv_init_args *a = &in.a;
	char err[CV_ERRLEN];
	int ret = 1;

	if (cv_init_parse_args(argc, argv, &in.a, err, sizeof(err))) {
		fprintf(stderr, "camvault init: %s\n", err);
		return CV_EXIT_USAGE;
	}
	if (a->help) {
		cv_init_usage(stdout);
		return 0;
	}
	if (cv_init_name_free(&in, err, sizeof(err)) || cv_init_key(&in, err, sizeof(err)) ||
	    cv_init_register(&in, err, sizeof(err))) {
		cv_init_undo(&in, err);
	} else if (a->mkfs && cv_init_mkfs_mount(&in, err, sizeof(err))) {
		/* The vault exists, whole: say so rather than undo it. */
		fprintf(stderr, "camvault: %s\ncamvault: vault %s itself was made and registered; open it with "
			"'camvault open %s'\n", err, a->name, a->name);
		cv_init_print_secrets(&in, false);
	} else {
		printf("vault %s made on %s: %s, %llu MiB of footage, sealed to this TPM%s%s\n", a->name, a->backing,
		       a->cipher->what, (unsigned long long)(in.h.data_sectors >> 11), a->pin ? " with a PIN" : "",
		       a->pcr_mask ? " and PCRs" : "");
		cv_init_print_secrets(&in, true);
		if (a->mkfs)
			printf("open: %s/%s%s%s\n", CV_DM_DIR, a->name, a->mount ? ", mounted on " : "",
			       a->mount ? a->mount : "");
		else
			printf("open it with 'camvault open %s'\n", a->name);
		ret = 0;
	}
	cv_init_free(&in);
	return ret;
}
