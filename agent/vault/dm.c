// SPDX-License-Identifier: GPL-2.0
/*
 * Device-mapper through libdevmapper (dm.h).
 *
 * udev: libdevmapper synchronises with udev through a semaphore "cookie" that udev's dm rules release once
 * they made the /dev/mapper node. Without a running udev it would wait for nothing, so cv_dm_init() turns
 * the synchronisation off (dm_udev_set_sync_support(0)). The operations that make or remove a node (resume,
 * remove) still set a cookie: with synchronisation off, dm_task_set_cookie() only marks the task, libdevmapper
 * then queues its own node operation (mknod or unlink under /dev/mapper), and dm_udev_wait() carries it out.
 * With udev running, dm_udev_wait() waits for udev's rules, and libdevmapper makes the node itself if they
 * did not. cv_dm_create() checks the node and falls back to dm_mknodes() all the same.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libdevmapper.h>
#include <linux/dm-ioctl.h>

#include "util/dlib.h"
#include "vault/dm.h"

/* libdevmapper's log levels (its internal _LOG_ERR; the level may carry flags above 7). */
#define CV_DM_LOG_ERR 3

static char cv_dm_error[512];

__attribute__((format(printf, 5, 6)))
static void cv_dm_log(int level, const char *file, int line, int dm_errno_or_class, const char *f, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if ((level & 7) > CV_DM_LOG_ERR || cv_dm_error[0])
		return;
	va_start(ap, f);
	vsnprintf(cv_dm_error, sizeof(cv_dm_error), f, ap);
	va_end(ap);
}

int cv_dm_init(const char *what, char *err, size_t errlen)
{
	static bool done;

	if (done)
		return 0;
	if (cv_libdm_load(what, err, errlen))
		return -ELIBACC;
	done = true;
	cv_dm_error[0] = '\0';
	cv_libdm.log_with_errno_init(cv_dm_log);
	/* With the default (synchronise), this is true only when udevd runs and System V semaphores work. */
	if (!cv_libdm.udev_get_sync_support())
		cv_libdm.udev_set_sync_support(0);
	return 0;
}

const char *cv_dm_last_error(void)
{
	return cv_dm_error;
}

int cv_dm_name_check(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	if (!len || len >= DM_NAME_LEN || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(err, errlen, "'%s' cannot be a device-mapper name: use 1 to %d characters, no '/'",
			 name, DM_NAME_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

/*
 * libdevmapper did not get as far as an ioctl for what: not root, or no device-mapper in the kernel (or no
 * /dev/mapper/control). Returns -EPERM or -ENODEV, with err written.
 */
static int cv_dm_unreachable(const char *what, char *err, size_t errlen)
{
	if (geteuid() != 0) {
		snprintf(err, errlen, "%s needs root (CAP_SYS_ADMIN): run camvault as root", what);
		return -EPERM;
	}
	snprintf(err, errlen, "cannot reach the kernel's device-mapper driver (%s): load it with 'modprobe dm_mod' "
		 "(camvault.ko needs it)", cv_dm_error[0] ? cv_dm_error : "no reason given");
	return -ENODEV;
}

/*
 * Runs dmt. Returns 0 or -errno, with err written: for what every operation shares (not root: -EPERM; no
 * device-mapper: -ENODEV) for good, else "<what> failed (<errno>)" for the caller to replace. *ioctl_errno
 * (when not NULL) is the errno of the ioctl, 0 when libdevmapper did not get as far as one.
 */
static int cv_dm_run_errno(struct dm_task *dmt, const char *what, int *ioctl_errno, char *err, size_t errlen)
{
	int e;

	cv_dm_error[0] = '\0';
	if (ioctl_errno)
		*ioctl_errno = 0;
	if (cv_libdm.task_run(dmt))
		return 0;
	e = cv_libdm.task_get_errno(dmt);
	if (ioctl_errno)
		*ioctl_errno = e;
	if (e == EPERM || e == EACCES) {
		snprintf(err, errlen, "%s needs root (CAP_SYS_ADMIN): run camvault as root", what);
		return -EPERM;
	}
	if (!e)
		return cv_dm_unreachable(what, err, errlen);
	snprintf(err, errlen, "%s failed (%s)", what, strerror(e));
	return -e;
}

static int cv_dm_run(struct dm_task *dmt, const char *what, char *err, size_t errlen)
{
	return cv_dm_run_errno(dmt, what, NULL, err, errlen);
}

/*
 * A task of type for the device name (NULL: none) into *dmt, for what. Returns 0 or -errno, with err
 * written.
 */
static int cv_dm_task(struct dm_task **dmt, int type, const char *name, const char *what, char *err,
		      size_t errlen)
{
	/*
	 * It fails when libdevmapper cannot talk to the driver: it checked the driver's version once, in
	 * cv_dm_init() (dm_udev_get_sync_support()) or here, logging why; the reason is in cv_dm_error.
	 */
	*dmt = cv_libdm.task_create(type);
	if (!*dmt)
		return cv_dm_unreachable(what, err, errlen);
	if (name && !cv_libdm.task_set_name(*dmt, name)) {
		cv_libdm.task_destroy(*dmt);
		*dmt = NULL;
	}
	if (!*dmt) {
		snprintf(err, errlen, "out of memory preparing a device-mapper request");
		return -ENOMEM;
	}
	return 0;
}

int cv_dm_check_target(const char *target_type, char *err, size_t errlen)
{
	static const char what[] = "listing device-mapper's target types";
	struct dm_versions *v, *last;
	struct dm_task *dmt;
	int ret;

	ret = cv_dm_init(what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_task(&dmt, DM_DEVICE_LIST_VERSIONS, NULL, what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_run(dmt, what, err, errlen);
	if (ret)
		goto out;
	ret = -ENOENT;
	v = cv_libdm.task_get_versions(dmt);
	do {
		last = v;
		if (!strcmp(v->name, target_type)) {
			ret = 0;
			break;
		}
		v = (struct dm_versions *)((char *)v + v->next);
	} while (last != v);
	if (ret)
		snprintf(err, errlen, "device-mapper has no target type '%s': camvault.ko did not register it, "
			 "see 'dmesg', then reload it with 'rmmod camvault; modprobe camvault'", target_type);
out:
	cv_libdm.task_destroy(dmt);
	return ret;
}

int cv_dm_exists(const char *name, struct cv_dm_dev *dev, char *err, size_t errlen)
{
	static const char what[] = "asking device-mapper about a device";
	struct dm_task *dmt;
	struct dm_info info;
	int ret;

	ret = cv_dm_init(what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_task(&dmt, DM_DEVICE_INFO, name, what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_run(dmt, what, err, errlen);
	if (!ret && !cv_libdm.task_get_info(dmt, &info)) {
		snprintf(err, errlen, "libdevmapper returned no device information for '%s'", name);
		ret = -EIO;
	}
	if (!ret) {
		ret = !!info.exists;
		if (ret && dev) {
			dev->major = info.major;
			dev->minor = info.minor;
		}
	}
	cv_libdm.task_destroy(dmt);
	return ret;
}

/*
 * Runs dmt, which makes or removes a node, with a udev cookie, and waits for the node work to be done.
 * Returns as cv_dm_run().
 */
static int cv_dm_run_node_op(struct dm_task *dmt, const char *what, char *err, size_t errlen)
{
	uint32_t cookie = 0;
	int ret;

	if (!cv_libdm.task_set_cookie(dmt, &cookie, 0)) {
		snprintf(err, errlen, "cannot set up the udev synchronisation of device-mapper (%s): check that "
			 "System V semaphores are available, or set DM_DISABLE_UDEV=1", cv_dm_last_error());
		return -EIO;
	}
	ret = cv_dm_run(dmt, what, err, errlen);
	/* Also after a failure: libdevmapper released the cookie then, and this frees it. */
	cv_libdm.udev_wait(cookie);
	return ret;
}

/* Removes name after a failed create, keeping the error that made it fail. */
static void cv_dm_undo_create(const char *name)
{
	char ignored[256];

	cv_dm_remove(name, ignored, sizeof(ignored));
}

/* The kernel log from now on: a descriptor at its end, or -1 when it cannot be read (no matter). */
static int cv_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int cv_kmsg_table_reason(char *record, const char *dev, const char *target_type, char *reason, size_t len)
{
	char *p, *end;
	size_t n;

	/* "<prio>,<seq>,<usec>,<flags>;<text>\n", then " KEY=value" lines. */
	p = strchr(record, ';');
	if (!p)
		return 0;
	p++;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	/* "device-mapper: table: 254:0: camvault: Key not found (-ENOKEY)" */
	if (strncmp(p, "device-mapper: table: ", 22))
		return 0;
	p += 22;
	if (dev) {
		n = strlen(dev);
		if (strncmp(p, dev, n) || strncmp(p + n, ": ", 2))
			return 0;
		p += n + 2;
	} else {
		p = strstr(p, ": ");
		if (!p)
			return 0;
		p += 2;
	}
	n = strlen(target_type);
	if (strncmp(p, target_type, n) || strncmp(p + n, ": ", 2) || !p[n + 2])
		return 0;
	snprintf(reason, len, "%s", p + n + 2);
	return 1;
}

/*
 * The reason a target of target_type gave for refusing the table of the device dev ("254:0"), from the kernel
 * log since cv_kmsg_open(), the last one when several. Closes fd. Returns whether it found one.
 */
static bool cv_kmsg_reason(int fd, const char *dev, const char *target_type, char *reason, size_t len)
{
	char rec[1024];
	bool found = false;
	ssize_t n;

	if (fd < 0)
		return false;
	for (;;) {
		/* One record per read. */
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* records overwritten meanwhile: go on with the next */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (cv_kmsg_table_reason(rec, dev, target_type, reason, len))
			found = true;
	}
	close(fd);
	return found;
}

/* Why the kernel refused the table of name, for err. */
static void cv_dm_load_error(int e, const char *name, const char *target_type, const char *params,
			     const char *reason, char *err, size_t errlen)
{
	if (reason[0])
		snprintf(err, errlen, "the kernel refused the table of %s: %s (table: %s)", name, reason, params);
	else if (e == EBUSY)
		snprintf(err, errlen, "the backing device of %s is in use (mounted, or held by another device "
			 "such as a vault over it): unmount or release it (table: %s)", name, params);
	else
		snprintf(err, errlen, "the kernel refused the table of %s (%s): the %s target's reason is in the "
			 "kernel log, see 'dmesg | tail' (table: %s)", name, strerror(e), target_type, params);
}

/* Makes sure /dev/mapper/<name> is the block device dev. Returns 0 or -ENOENT. */
static int cv_dm_check_node(const char *name, const struct cv_dm_dev *dev)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", CV_DM_DIR, name);
	if (!stat(path, &st) && S_ISBLK(st.st_mode) && st.st_rdev == makedev(dev->major, dev->minor))
		return 0;
	cv_dm_error[0] = '\0';
	cv_libdm.mknodes(name);
	cv_libdm.task_update_nodes();
	if (!stat(path, &st) && S_ISBLK(st.st_mode) && st.st_rdev == makedev(dev->major, dev->minor))
		return 0;
	return -ENOENT;
}

int cv_dm_create(const char *name, const char *target_type, uint64_t sectors, const char *params,
		 struct cv_dm_dev *dev, char *err, size_t errlen)
{
	struct dm_task *dmt;
	struct dm_info info;
	char reason[256] = "", devno[24] = "";
	int ret, kmsg, e;

	ret = cv_dm_init("creating a device-mapper device", err, errlen);
	if (ret)
		return ret;
	/*
	 * What DM_DEVICE_CREATE with a table does inside libdevmapper (create, load, resume, remove on
	 * failure), step by step, to know which step failed and the kernel's errno of the table load.
	 */
	ret = cv_dm_task(&dmt, DM_DEVICE_CREATE, name, "creating a device-mapper device", err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_run(dmt, "creating a device-mapper device", err, errlen);
	if (!ret && cv_libdm.task_get_info(dmt, &info) && info.exists)
		snprintf(devno, sizeof(devno), "%u:%u", info.major, info.minor);
	cv_libdm.task_destroy(dmt);
	if (ret == -EBUSY) {
		snprintf(err, errlen, "a device-mapper device named %s exists already: choose another name, or "
			 "remove it ('camvault remove %s' for a vault)", name, name);
		return -EEXIST;
	}
	if (ret)
		return ret;

	ret = cv_dm_task(&dmt, DM_DEVICE_RELOAD, name, "loading the table", err, errlen);
	if (ret)
		goto undo;
	if (!cv_libdm.task_add_target(dmt, 0, sectors, target_type, params)) {
		snprintf(err, errlen, "out of memory preparing the table of %s", name);
		cv_libdm.task_destroy(dmt);
		ret = -ENOMEM;
		goto undo;
	}
	kmsg = cv_kmsg_open();
	ret = cv_dm_run_errno(dmt, "loading the table", &e, err, errlen);
	cv_libdm.task_destroy(dmt);
	if (ret)
		cv_kmsg_reason(kmsg, devno[0] ? devno : NULL, target_type, reason, sizeof(reason));
	else if (kmsg >= 0)
		close(kmsg);
	if (ret && e && e != EPERM && e != EACCES)
		cv_dm_load_error(e, name, target_type, params, reason, err, errlen);
	if (ret)
		goto undo;

	ret = cv_dm_task(&dmt, DM_DEVICE_RESUME, name, "making the device live (resume)", err, errlen);
	if (ret)
		goto undo;
	ret = cv_dm_run_node_op(dmt, "making the device live (resume)", err, errlen);
	if (!ret && (!cv_libdm.task_get_info(dmt, &info) || !info.exists)) {
		snprintf(err, errlen, "%s vanished right after it was created: another program removed it", name);
		ret = -ENXIO;
	}
	cv_libdm.task_destroy(dmt);
	if (ret)
		goto undo;
	dev->major = info.major;
	dev->minor = info.minor;

	if (cv_dm_check_node(name, dev)) {
		snprintf(err, errlen, "%s was created but %s/%s could not be made (%s): check that %s is a "
			 "writable directory", name, CV_DM_DIR, name, cv_dm_error[0] ? cv_dm_error : "no reason given",
			 CV_DM_DIR);
		ret = -ENOENT;
		goto undo;
	}
	return 0;

undo:
	cv_dm_undo_create(name);
	return ret;
}

int cv_dm_target_type(const char *name, char *type, size_t typelen, char *err, size_t errlen)
{
	static const char what[] = "reading a device-mapper table";
	uint64_t start, length;
	char *ttype, *params;
	struct dm_task *dmt;
	void *next = NULL;
	int ret;

	type[0] = '\0';
	ret = cv_dm_init(what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_task(&dmt, DM_DEVICE_TABLE, name, what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_run(dmt, what, err, errlen);
	if (ret == -ENXIO)
		snprintf(err, errlen, "no device-mapper device named %s: 'camvault status' lists the vaults", name);
	if (ret)
		goto out;
	do {
		next = cv_libdm.get_next_target(dmt, next, &start, &length, &ttype, &params);
		if (!ttype)
			break;
		if (!type[0]) {
			snprintf(type, typelen, "%s", ttype);
		} else if (strcmp(type, ttype)) {
			ret = -EMLINK;
			break;
		}
	} while (next);
out:
	cv_libdm.task_destroy(dmt);
	return ret;
}

int cv_dm_remove(const char *name, char *err, size_t errlen)
{
	static const char what[] = "removing a device-mapper device";
	struct dm_task *dmt;
	int ret;

	ret = cv_dm_init(what, err, errlen);
	if (ret)
		return ret;
	ret = cv_dm_task(&dmt, DM_DEVICE_REMOVE, name, what, err, errlen);
	if (ret)
		return ret;
	/* udev's scan of a device that just changed holds it open for a moment: retry EBUSY a few times. */
	cv_libdm.task_retry_remove(dmt);
	ret = cv_dm_run_node_op(dmt, what, err, errlen);
	cv_libdm.task_destroy(dmt);
	if (ret == -ENXIO)
		snprintf(err, errlen, "no device-mapper device named %s: 'camvault status' lists the vaults", name);
	else if (ret == -EBUSY)
		snprintf(err, errlen, "%s is in use (mounted, or open by a program; 'dmsetup info %s' shows its "
			 "open count): unmount or close it first", name, name);
	return ret;
}
