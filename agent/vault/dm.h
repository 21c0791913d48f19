/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device-mapper, through libdevmapper: what "camvault create" and "camvault remove" do with it.
 *
 * Like ipc.h, every function that can fail writes into err one sentence that names what failed and how to fix
 * it, without the "camvault: " prefix. libdevmapper's own messages are not printed: the first error it logged
 * during the last operation is kept, and quoted where it helps.
 */
#ifndef CV_DM_H
#define CV_DM_H

#include <stddef.h>
#include <stdint.h>

struct cv_dm_dev {
	uint32_t major, minor;
};

/*
 * Where libdevmapper makes the devices' nodes: its dm_dir(), which stays at this default as camvault never
 * calls dm_set_dev_dir(). A constant, so that naming a vault's device does not load libdevmapper (dlib.h).
 */
#define CV_DM_DIR "/dev/mapper"

/*
 * Loads libdevmapper (dlib.h) and sets it up for this process, once: its messages are kept rather than
 * printed, and when udev is not running (the guests run without udevd), udev synchronisation is off, so that
 * libdevmapper creates and removes the /dev/mapper nodes itself. The functions below call it. Returns 0, or
 * -ELIBACC with err "<what> needs libdevmapper (Debian package ...): ...: <fix>".
 */
int cv_dm_init(const char *what, char *err, size_t errlen);

/* The first error libdevmapper logged during the last operation, or "" when it logged none. */
const char *cv_dm_last_error(void);

/*
 * Whether name can be a device-mapper name at all: 1 to 127 characters, no '/', not "." or "..". Returns 0, or
 * -EINVAL with err written. Pure.
 */
int cv_dm_name_check(const char *name, char *err, size_t errlen);

/*
 * Whether the kernel has device-mapper, with the target type target_type registered (DM_LIST_VERSIONS).
 * Returns 0, -ENODEV without device-mapper, -ENOENT without the target type, -EPERM when not root.
 */
int cv_dm_check_target(const char *target_type, char *err, size_t errlen);

/* Whether the device-mapper device name exists: 1 (and *dev, when dev is not NULL), 0, or -errno. */
int cv_dm_exists(const char *name, struct cv_dm_dev *dev, char *err, size_t errlen);

/*
 * Creates the device-mapper device name with one target of type target_type over sectors 512-byte sectors,
 * with the parameters params, and makes it live. When the kernel refuses the table, err quotes the target's
 * reason from the kernel log when it can read it. On success /dev/mapper/<name> exists; on failure no device
 * is left. Returns 0 or -errno (-EEXIST: a device of that name exists).
 */
int cv_dm_create(const char *name, const char *target_type, uint64_t sectors, const char *params,
		 struct cv_dm_dev *dev, char *err, size_t errlen);

/*
 * The target type of name's live table into type (every target of it must be of that type; "" for a device
 * without a live table). Returns 0, -ENXIO when there is no device name, -EMLINK when its targets are of
 * several types (type holds the first), or -errno.
 */
int cv_dm_target_type(const char *name, char *type, size_t typelen, char *err, size_t errlen);

/*
 * When the /dev/kmsg record (NUL-terminated, changed) is device-mapper's report of a table of the device dev
 * ("254:0"; NULL: any) refused by a target of target_type,
 *	device-mapper: table: 254:0: camvault: Key not found (-ENOKEY)
 * writes the target's reason ("Key not found (-ENOKEY)") into reason and returns 1, else 0. Pure.
 */
int cv_kmsg_table_reason(char *record, const char *dev, const char *target_type, char *reason, size_t len);

/* Removes the device-mapper device name, with its /dev/mapper node. Returns 0, -ENXIO, -EBUSY or -errno. */
int cv_dm_remove(const char *name, char *err, size_t errlen);

#endif /* CV_DM_H */
