// SPDX-License-Identifier: GPL-2.0
/* camvault agent: finding the BTF the probes need on this kernel. See btf.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "probes/btf.h"

/* Where DKMS puts modules when modules.dep does not say (not run yet): Debian and Ubuntu, Fedora and RHEL, SUSE. */
static const char *const dkms_dirs[] = { "updates/dkms", "extra", "updates" };

/* snprintf that says whether it fitted: false with errno ENAMETOOLONG when not. */
static bool fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return false;
	}
	return true;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "camvault.ko", or compressed as depmod lists it: "camvault.ko.xz", ".zst", ".gz". */
static bool is_camvault_ko(const char *name)
{
	return strncmp(name, "camvault.ko", 11) == 0 && (name[11] == '\0' || name[11] == '.');
}

/*
 * The directory modules.dep gives camvault.ko (what modprobe loads), into dir: relative to the module
 * directory as depmod writes it, or absolute as old depmods did. false when it does not list it.
 */
static bool dep_dir(const char *moddir, char *dir, size_t len)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	if (!fmt(path, sizeof(path), "%s/modules.dep", moddir))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':'), *slash;

		if (!colon)
			continue;
		*colon = '\0';
		slash = strrchr(line, '/');
		if (!is_camvault_ko(slash ? slash + 1 : line))
			continue;
		if (slash)
			*slash = '\0';
		found = fmt(dir, len, "%s", slash ? line : "");
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * camvault.btf in dir (relative to moddir unless absolute, when it is under root) into buf: 1 when it is
 * there, 0 when not, -1 when its path does not fit in len.
 */
static int btf_in(const char *root, const char *moddir, const char *dir, char *buf, size_t len)
{
	bool ok;

	if (dir[0] == '/')
		ok = fmt(buf, len, "%s%s/" CV_BTF_FILE, root, dir);
	else
		ok = fmt(buf, len, "%s%s%s/" CV_BTF_FILE, moddir, dir[0] ? "/" : "", dir);
	if (!ok)
		return -1;
	return is_file(buf);
}

const char *cv_btf_path_at(const char *root, const char *release, char *buf, size_t len)
{
	char path[PATH_MAX], moddir[PATH_MAX], dir[PATH_MAX];
	const char *env = getenv(CV_BTF_ENV);
	bool toolong = false;
	struct stat st;
	int r;

	if (!len) {
		errno = EINVAL;
		return NULL;
	}
	if (!fmt(path, sizeof(path), "%s" CV_BTF_KERNEL, root))
		goto too_long;
	if (stat(path, &st) == 0) {
		errno = 0;
		return NULL;
	}

	/* Set by hand, it must be right: falling back to another file would hide the mistake. */
	if (env && env[0]) {
		const char *why = stat(env, &st) != 0 ? strerror(errno) : !S_ISREG(st.st_mode) ? "not a file" : NULL;

		if (why) {
			snprintf(buf, len, CV_BTF_ENV "=%s: %s: point it at the camvault.btf built with camvault.ko "
				 "for this kernel (%s), or unset it", env, why, release);
			errno = ENOENT;
			return NULL;
		}
		if (!fmt(buf, len, "%s", env))
			goto too_long;
		return buf;
	}

	if (!fmt(moddir, sizeof(moddir), "%s/lib/modules/%s", root, release))
		goto too_long;
	if (dep_dir(moddir, dir, sizeof(dir))) {
		r = btf_in(root, moddir, dir, buf, len);
		if (r > 0)
			return buf;
		toolong = r < 0;
	}
	for (size_t i = 0; i < sizeof(dkms_dirs) / sizeof(dkms_dirs[0]); i++) {
		r = btf_in(root, moddir, dkms_dirs[i], buf, len);
		if (r > 0)
			return buf;
		toolong |= r < 0;
	}
	/* Saying "none" when one did not fit would send the user to reinstall for nothing. */
	if (toolong)
		goto too_long;

	snprintf(buf, len, "this kernel has no BTF (" CV_BTF_KERNEL ") and no " CV_BTF_FILE " was built with "
		 "camvault.ko: reinstall camvault-dkms (needs the dwarves package), or give one as " CV_BTF_ENV
		 "=FILE (looked in %s)", moddir);
	errno = ENOENT;
	return NULL;

too_long:
	snprintf(buf, len, "finding the kernel's BTF: a path under %s/lib/modules/%s is too long", root, release);
	errno = ENAMETOOLONG;
	return NULL;
}

const char *cv_btf_path(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) != 0) {
		if (len)
			snprintf(buf, len, "uname: %s", strerror(errno));
		return NULL;
	}
	return cv_btf_path_at("", u.release, buf, len);
}
