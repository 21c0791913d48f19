// SPDX-License-Identifier: GPL-2.0
/*
 * The vault registry, vaults.conf (registry.h says its format).
 *
 * The file is edited by people as well as by camvault, so the parser treats it as untrusted text: it reads
 * lengths, never NUL terminators, and each error names the file, the line and the fix. camvault's own edits
 * rewrite the whole file through a temporary one and rename(), keeping every line they do not concern byte
 * for byte, under an flock() of the directory so that two camvault processes do not lose each other's edit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uapi/camvault.h"
#include "util/conf.h"
#include "vault/registry.h"


int cv_vault_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);
	const char *s;

	for (s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("_.+-", *s)))
			break;
	if (!len || len >= CAMVAULT_NAME_MAXLEN || *s || name[0] == '.' || name[0] == '-') {
		snprintf(err, errlen, "'%s' cannot be a vault name: use 1 to %d of the characters A-Z a-z 0-9 _ . "
			 "+ -, not starting with . or -", name, CAMVAULT_NAME_MAXLEN - 1);
		return -1;
	}
	return 0;
}

/* A name, two paths and the options fit in far less; anything longer is not a registry line. */
#define CV_LINE_MAX		(3 * PATH_MAX)
/* Nobody has a million vaults: a bigger file is the wrong file. */
#define CV_FILE_MAX		(1 << 20)
/* How much of a field messages quote. */
#define CV_QUOTE		64
#define CV_FSTYPE_MAX		15
#define CV_WHAT			768

/* printf arguments quoting a field of n bytes at p, with "..." when cut: use with "%.*s%s". */
#define CV_Q(p, n)		(int)((n) > CV_QUOTE ? CV_QUOTE : (n)), (p), ((n) > CV_QUOTE ? "..." : "")

static const char cv_registry_header[] =
	"# camvault's vault registry: the vaults this machine has, opened (and mounted) at boot by the agent.\n"
	"# One vault per line, fields separated by spaces or tabs:\n"
	"#\n"
	"#\tNAME\tBACKING\tMOUNTPOINT\tOPTIONS\n"
	"#\n"
	"# NAME is the vault's name; BACKING its image file or block device, an absolute path; MOUNTPOINT an\n"
	"# absolute path, or - for none. OPTIONS, comma-separated, or defaults (or nothing) for none of them:\n"
	"#\tpin\t\tthe vault needs a PIN: not opened at boot, \"camvault open NAME\" asks for it\n"
	"#\tnoauto\t\tnot opened at boot\n"
	"#\tfstype=TYPE\tthe filesystem to mount (default ext4)\n"
	"#\trecord-or-deny\trefuse reads of footage the probes could not record (lsm tier only); except by\n"
	"#\trecorder=EXE\tthis executable (the NVR's recorder; repeat the option for several)\n"
	"#\tdeadman=SECONDS\tthe vault locks itself SECONDS after the agent is gone (killed, crashed)\n"
	"# Paths cannot contain spaces. '#' starts a comment. camvault adds and removes lines itself and keeps\n"
	"# every other line as it is.\n";

const char *cv_registry_path(char *buf, size_t len)
{
	return cv_etc_path(CV_REGISTRY_FILE, buf, len);
}

/* The name field (n bytes at p) into e->name, checked. */
static int cv_check_name(const char *p, size_t n, struct cv_vault_entry *e, char *what, size_t wl)
{
	if (n >= sizeof(e->name)) {
		snprintf(what, wl, "the vault name '%.*s%s' is %zu characters long, more than %zu: shorten it",
			 CV_Q(p, n), n, sizeof(e->name) - 1);
		return -1;
	}
	memcpy(e->name, p, n);
	e->name[n] = '\0';
	return cv_vault_name_check(e->name, what, wl);
}

/*
 * A path field (n bytes at p) into out (PATH_MAX), checked: absolute, no whitespace nor control characters
 * (a line could not hold them), short enough.
 */
static int cv_check_path(const char *kind, const char *p, size_t n, char *out, char *what, size_t wl)
{
	size_t i;

	if (n >= PATH_MAX) {
		snprintf(what, wl, "the %s '%.*s%s' is %zu bytes long, more than %d: use a shorter path", kind,
			 CV_Q(p, n), n, PATH_MAX - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f) {
			snprintf(what, wl, "the %s contains a space or control character (0x%02x at byte %zu): paths "
				 "with whitespace are not supported, use one without", kind, (unsigned char)p[i],
				 i + 1);
			return -1;
		}
	if (!n || p[0] != '/') {
		snprintf(what, wl, "the %s '%.*s%s' is relative: write it as an absolute path, starting with /",
			 kind, CV_Q(p, n));
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* A filesystem type (n bytes at p) into out (16), checked: [a-z0-9]{1,15}. */
static int cv_check_fstype(const char *p, size_t n, char *out, char *what, size_t wl)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
			break;
	if (!n || n > CV_FSTYPE_MAX || i < n) {
		snprintf(what, wl, "bad filesystem type 'fstype=%.*s%s': write the type as mount(8) knows it, 1 to %d "
			 "of a-z 0-9 (fstype=ext4)", CV_Q(p, n), CV_FSTYPE_MAX);
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* deadman=S's S (n bytes at p) into *out: 1 to CV_DEADMAN_MAX_S seconds, decimal digits only. */
static int cv_check_deadman(const char *p, size_t n, unsigned int *out, char *what, size_t wl)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < n && i < 6 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (unsigned long)(p[i] - '0');
	if (!n || i < n || v < 1 || v > CV_DEADMAN_MAX_S) {
		snprintf(what, wl, "bad dead-man grace 'deadman=%.*s%s': write the seconds the vault stays open "
			 "after the agent is gone, 1 to %d (deadman=30)", CV_Q(p, n), CV_DEADMAN_MAX_S);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

/* recorder=EXE's EXE (n bytes at p) appended to e's recorders, checked. */
static int cv_add_recorder(const char *p, size_t n, struct cv_vault_entry *e, char *what, size_t wl)
{
	char exe[PATH_MAX];
	unsigned int i;

	if (cv_check_path("recorder", p, n, exe, what, wl))
		return -1;
	for (i = 0; i < e->nrecorders; i++)
		if (!strcmp(e->recorders[i], exe)) {
			snprintf(what, wl, "recorder '%.*s%s' is given twice: remove one", CV_Q(p, n));
			return -1;
		}
	if (e->nrecorders >= CV_RECORDERS_MAX) {
		snprintf(what, wl, "more than %d recorders: allow at most %d executables per vault",
			 CV_RECORDERS_MAX, CV_RECORDERS_MAX);
		return -1;
	}
	memcpy(e->recorders[e->nrecorders++], exe, n + 1);
	return 0;
}

/* The options field (n bytes at p) into e. */
static int cv_parse_options(const char *p, size_t n, struct cv_vault_entry *e, char *what, size_t wl)
{
	size_t i = 0;

	for (;;) {
		const char *o = p + i, *comma = memchr(o, ',', n - i);
		size_t on = comma ? (size_t)(comma - o) : n - i;

		if (!on) {
			snprintf(what, wl, "empty option in '%.*s%s': separate options with single commas, none at "
				 "either end", CV_Q(p, n));
			return -1;
		}
		if (on == 8 && !memcmp(o, "defaults", 8)) {
			/* none: next to others, it changes nothing */
		} else if (on == 3 && !memcmp(o, "pin", 3)) {
			e->pin = true;
		} else if (on == 6 && !memcmp(o, "noauto", 6)) {
			e->noauto = true;
		} else if (on >= 7 && !memcmp(o, "fstype=", 7)) {
			if (cv_check_fstype(o + 7, on - 7, e->fstype, what, wl))
				return -1;
		} else if (on == 14 && !memcmp(o, "record-or-deny", 14)) {
			e->record_or_deny = true;
		} else if (on >= 9 && !memcmp(o, "recorder=", 9)) {
			if (cv_add_recorder(o + 9, on - 9, e, what, wl))
				return -1;
		} else if (on >= 8 && !memcmp(o, "deadman=", 8)) {
			if (e->deadman_s) {
				snprintf(what, wl, "deadman= is given twice: keep one");
				return -1;
			}
			if (cv_check_deadman(o + 8, on - 8, &e->deadman_s, what, wl))
				return -1;
		} else {
			snprintf(what, wl, "unknown option '%.*s%s': the options are pin, noauto, fstype=TYPE, "
				 "record-or-deny, recorder=EXE and deadman=SECONDS, comma-separated, or defaults for "
				 "none", CV_Q(o, on));
			return -1;
		}
		if (!comma)
			break;
		i += on + 1;
	}
	if (e->nrecorders && !e->record_or_deny) {
		snprintf(what, wl, "recorder=%.*s%s without record-or-deny: a recorder is what record-or-deny never "
			 "refuses; add record-or-deny, or remove the recorder", CV_Q(e->recorders[0],
			 strlen(e->recorders[0])));
		return -1;
	}
	return 0;
}

/*
 * One line (n bytes at p, without its '\n', no NUL in it) into e. Returns 1 when it is a vault, 0 when blank
 * or a comment, -1 with what (no prefix) when wrong.
 */
static int cv_parse_line(const char *p, size_t n, struct cv_vault_entry *e, char *what, size_t wl)
{
	const char *f[5];
	size_t fl[5];
	int nf;

	memset(e, 0, sizeof(*e));
	strcpy(e->fstype, "ext4");
	nf = cv_conf_fields(p, n, f, fl, 4, what, wl);
	if (nf < 0)
		return -1;
	if (nf > 4) {
		snprintf(what, wl, "a fifth field '%.*s%s' follows the options: paths with spaces are not supported, "
			 "and options are separated by commas only (NAME BACKING MOUNTPOINT [OPTIONS])",
			 CV_Q(f[4], fl[4]));
		return -1;
	}
	if (!nf)
		return 0;
	if (cv_check_name(f[0], fl[0], e, what, wl))
		return -1;
	if (nf < 2) {
		snprintf(what, wl, "vault '%s' has no backing path: write NAME BACKING MOUNTPOINT [OPTIONS]", e->name);
		return -1;
	}
	if (cv_check_path("backing path", f[1], fl[1], e->backing, what, wl))
		return -1;
	if (nf < 3) {
		snprintf(what, wl, "vault '%s' has no mountpoint: add one after the backing path, or - for none",
			 e->name);
		return -1;
	}
	if (!(fl[2] == 1 && f[2][0] == '-') && cv_check_path("mountpoint", f[2], fl[2], e->mountpoint, what, wl))
		return -1;
	if (nf == 4 && cv_parse_options(f[3], fl[3], e, what, wl))
		return -1;
	return 1;
}

const struct cv_vault_entry *cv_registry_find(const struct cv_registry *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

void cv_registry_free(struct cv_registry *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int cv_registry_parse(const char *text, size_t len, const char *path, struct cv_registry *r, char *err,
		      size_t errlen)
{
	struct cv_vault_entry e;
	size_t off = 0, cap = 0;
	unsigned int line = 0;
	char what[CV_WHAT];

	r->v = NULL;
	r->n = 0;
	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off), *nul;
		size_t n = nl ? (size_t)(nl - p) : len - off;
		const struct cv_vault_entry *first;
		int ret;

		off += n + (nl != NULL);
		if (line == UINT_MAX) {
			snprintf(err, errlen, "%s has more than %u lines: it is not a vault registry", path, UINT_MAX);
			goto fail;
		}
		line++;
		nul = memchr(p, '\0', n);
		if (nul) {
			snprintf(err, errlen, "%s line %u: it contains a NUL byte (column %zu): the registry is text, "
				 "remove the byte", path, line, (size_t)(nul - p) + 1);
			goto fail;
		}
		if (n > CV_LINE_MAX) {
			snprintf(err, errlen, "%s line %u: the line is %zu bytes long, more than %d: shorten it (paths "
				 "of at most %d bytes)", path, line, n, CV_LINE_MAX, PATH_MAX - 1);
			goto fail;
		}
		ret = cv_parse_line(p, n, &e, what, sizeof(what));
		if (ret < 0) {
			snprintf(err, errlen, "%s line %u: %s", path, line, what);
			goto fail;
		}
		if (!ret)
			continue;
		e.line = line;
		first = cv_registry_find(r, e.name);
		if (first) {
			snprintf(err, errlen, "%s line %u: vault '%s' is already on line %u: remove or rename one of "
				 "the two", path, line, e.name, first->line);
			goto fail;
		}
		if (r->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct cv_vault_entry *v = realloc(r->v, ncap * sizeof(*v));

			if (!v) {
				snprintf(err, errlen, "%s line %u: out of memory for %zu vaults", path, line, ncap);
				goto fail;
			}
			r->v = v;
			cap = ncap;
		}
		r->v[r->n++] = e;
	}
	return 0;
fail:
	cv_registry_free(r);
	return -1;
}

int cv_registry_load(const char *path, struct cv_registry *r, char *err, size_t errlen)
{
	size_t len;
	bool missing;
	char *text;
	int ret;

	r->v = NULL;
	r->n = 0;
	if (cv_conf_read(path, "the vault registry", CV_FILE_MAX, &text, &len, &missing, NULL, err, errlen))
		return -1;
	if (missing)
		return 0;
	ret = cv_registry_parse(text, len, path, r, err, errlen);
	free(text);
	return ret;
}

int cv_registry_format(const struct cv_vault_entry *e, char *buf, size_t len)
{
	/* ext4 is the default: it goes without saying, as "" does. */
	int fstype = e->fstype[0] && strcmp(e->fstype, "ext4");
	char opts[CV_RECORDERS_MAX * (PATH_MAX + 10) + 64];
	unsigned int i;
	size_t o;
	int n;

	n = snprintf(opts, sizeof(opts), "%s%s%s%.*s%s", e->pin ? ",pin" : "", e->noauto ? ",noauto" : "",
		     fstype ? ",fstype=" : "", fstype ? (int)sizeof(e->fstype) : 0, e->fstype,
		     e->record_or_deny ? ",record-or-deny" : "");
	if (n < 0 || (size_t)n >= sizeof(opts))
		return -1;
	o = (size_t)n;
	for (i = 0; i < e->nrecorders && i < CV_RECORDERS_MAX; i++) {
		n = snprintf(opts + o, sizeof(opts) - o, ",recorder=%.*s", (int)sizeof(e->recorders[i]),
			     e->recorders[i]);
		if (n < 0 || (size_t)n >= sizeof(opts) - o)
			return -1;
		o += (size_t)n;
	}
	if (e->deadman_s) {
		n = snprintf(opts + o, sizeof(opts) - o, ",deadman=%u", e->deadman_s);
		if (n < 0 || (size_t)n >= sizeof(opts) - o)
			return -1;
	}
	n = snprintf(buf, len, "%s %s %s %s", e->name, e->backing,
		     e->mountpoint[0] && strcmp(e->mountpoint, "-") ? e->mountpoint : "-",
		     opts[0] ? opts + 1 : "defaults");
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

/* e as cv_registry_add() takes it: what a line of the file would have to be. */
static int cv_check_entry(const struct cv_vault_entry *e, char *what, size_t wl)
{
	struct cv_vault_entry tmp;
	unsigned int i;
	size_t n;

	n = strnlen(e->name, sizeof(e->name));
	if (cv_check_name(e->name, n, &tmp, what, wl))
		return -1;
	if (cv_check_path("backing path", e->backing, strnlen(e->backing, sizeof(e->backing)), tmp.backing, what,
			  wl))
		return -1;
	n = strnlen(e->mountpoint, sizeof(e->mountpoint));
	if (n && strcmp(e->mountpoint, "-") && cv_check_path("mountpoint", e->mountpoint, n, tmp.mountpoint, what,
							      wl))
		return -1;
	n = strnlen(e->fstype, sizeof(e->fstype));
	if (n && cv_check_fstype(e->fstype, n, tmp.fstype, what, wl))
		return -1;
	if (e->nrecorders > CV_RECORDERS_MAX) {
		snprintf(what, wl, "more than %d recorders: allow at most %d", CV_RECORDERS_MAX, CV_RECORDERS_MAX);
		return -1;
	}
	tmp.nrecorders = 0;
	for (i = 0; i < e->nrecorders; i++) {
		n = strnlen(e->recorders[i], sizeof(e->recorders[i]));
		if (memchr(e->recorders[i], ',', n)) {
			snprintf(what, wl, "the recorder %.64s contains a comma, which separates options: use a path "
				 "without one", e->recorders[i]);
			return -1;
		}
		if (cv_add_recorder(e->recorders[i], n, &tmp, what, wl))
			return -1;
	}
	if (e->nrecorders && !e->record_or_deny) {
		snprintf(what, wl, "recorders without record-or-deny: set record-or-deny, or give no recorder");
		return -1;
	}
	if (e->deadman_s > CV_DEADMAN_MAX_S) {
		snprintf(what, wl, "a dead-man grace of %u s: at most %d", e->deadman_s, CV_DEADMAN_MAX_S);
		return -1;
	}
	return 0;
}

/*
 * Opens the directory of path (creating it and its parents, 0755, when create is set) and takes an exclusive
 * flock() on it: the lock is what serialises camvault's edits. Returns the descriptor, -1 on error, or -2 when
 * the directory does not exist and create is not set.
 */
static int cv_lock_dir(const char *path, int create, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		snprintf(err, errlen, "the vault registry's path %.64s... is too long: use a shorter one", path);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (create) {
		char *p;

		for (p = dir + 1; ; p++) {
			if (*p && *p != '/')
				continue;
			if (p[-1] != '/') {
				char c = *p;

				*p = '\0';
				/* Only a directory made here gets its mode set: an existing one is the admin's. */
				if (!mkdir(dir, 0755)) {
					chmod(dir, 0755);
				} else if (errno != EEXIST) {
					snprintf(err, errlen, "cannot create the directory %s for the vault registry: "
						 "%s", dir, strerror(errno));
					return -1;
				}
				*p = c;
			}
			if (!*p)
				break;
		}
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !create)
			return -2;
		snprintf(err, errlen, "cannot open the vault registry's directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		snprintf(err, errlen, "cannot lock the vault registry's directory %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Replaces the file at path with len bytes of text: path.tmp, fsync, rename, fsync of the directory dirfd. */
static int cv_replace(const char *path, int dirfd, const char *text, size_t len, mode_t mode, char *err,
		      size_t errlen)
{
	char tmp[PATH_MAX];
	size_t done = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "the vault registry's path %.64s... is too long: use a shorter one", path);
		return -1;
	}
	/* A path.tmp left by a crash is ours to overwrite: the directory lock is held. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	/* The old file's permissions, or 0644, whatever the umask. */
	if (fchmod(fd, mode))
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	/* The rename is durable once the directory is. */
	if (fsync(dirfd)) {
		snprintf(err, errlen, "cannot sync the directory of %s (fsync: %s): the change may not survive a "
			 "power cut", path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot write the vault registry %s (through %s): %s: it was left unchanged", path,
		 tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int cv_registry_add(const char *path, const struct cv_vault_entry *e, char *err, size_t errlen)
{
	char what[PATH_MAX + CV_WHAT], line[CV_LINE_MAX + 2];
	const struct cv_vault_entry *old;
	size_t len = 0, llen, nlen;
	struct cv_registry r;
	char *text = NULL, *buf;
	mode_t mode = 0644;
	int dirfd, ret = -1;
	bool missing;

	if (cv_check_entry(e, what, sizeof(what))) {
		snprintf(err, errlen, "cannot add vault '%.127s' to %s: %s", e->name, path, what);
		return -1;
	}
	if (cv_registry_format(e, line, sizeof(line) - 1)) {
		snprintf(err, errlen, "cannot add vault '%s' to %s: its line is too long", e->name, path);
		return -1;
	}
	llen = strlen(line);
	line[llen++] = '\n';
	dirfd = cv_lock_dir(path, 1, err, errlen);
	if (dirfd < 0)
		return -1;
	if (cv_conf_read(path, "the vault registry", CV_FILE_MAX, &text, &len, &missing, &mode, err, errlen))
		goto out;
	if (missing) {
		mode = 0644;
	} else {
		if (cv_registry_parse(text, len, path, &r, what, sizeof(what))) {
			snprintf(err, errlen, "%s (fix that first: camvault does not rewrite a registry it cannot "
				 "read)", what);
			goto out;
		}
		old = cv_registry_find(&r, e->name);
		if (old) {
			snprintf(err, errlen, "vault '%s' is already in %s (line %u): choose another name, or remove "
				 "that line first", e->name, path, old->line);
			cv_registry_free(&r);
			goto out;
		}
		cv_registry_free(&r);
	}
	/* The old text as it was, a newline if its last line lacked one, then the new line. */
	nlen = missing ? strlen(cv_registry_header) : len + (len && text[len - 1] != '\n');
	buf = malloc(nlen + llen);
	if (!buf) {
		snprintf(err, errlen, "out of memory to add vault '%s' to %s", e->name, path);
		goto out;
	}
	if (missing) {
		memcpy(buf, cv_registry_header, nlen);
	} else {
		memcpy(buf, text, len);
		if (nlen > len)
			buf[len] = '\n';
	}
	memcpy(buf + nlen, line, llen);
	ret = cv_replace(path, dirfd, buf, nlen + llen, mode, err, errlen);
	free(buf);
out:
	free(text);
	close(dirfd);
	return ret;
}

int cv_registry_remove(const char *path, const char *name, char *err, size_t errlen)
{
	const struct cv_vault_entry *e;
	size_t len, start = 0, end;
	struct cv_registry r;
	char what[PATH_MAX + CV_WHAT];
	int dirfd, ret = -1;
	bool missing;
	unsigned int line;
	char *text;
	mode_t mode = 0644;

	dirfd = cv_lock_dir(path, 0, err, errlen);
	if (dirfd == -2)
		return 0;
	if (dirfd < 0)
		return -1;
	if (cv_conf_read(path, "the vault registry", CV_FILE_MAX, &text, &len, &missing, &mode, err, errlen))
		goto out;
	if (missing) {
		ret = 0;
		goto out;
	}
	if (cv_registry_parse(text, len, path, &r, what, sizeof(what))) {
		snprintf(err, errlen, "%s (fix that first: camvault does not rewrite a registry it cannot read)",
			 what);
		goto out;
	}
	e = cv_registry_find(&r, name);
	if (!e) {
		cv_registry_free(&r);
		ret = 0;
		goto out;
	}
	/* The bytes of line e->line, its '\n' included; everything else stays as it was. */
	for (line = 1; line < e->line; line++)
		start += (size_t)((char *)memchr(text + start, '\n', len - start) - (text + start)) + 1;
	cv_registry_free(&r);
	end = start;
	while (end < len && text[end] != '\n')
		end++;
	if (end < len)
		end++;
	memmove(text + start, text + end, len - end);
	ret = cv_replace(path, dirfd, text, len - (end - start), mode, err, errlen);
	if (!ret)
		ret = 1;
out:
	free(text);
	close(dirfd);
	return ret;
}
