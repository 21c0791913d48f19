/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/self/mountinfo, which the vault commands, the probes' loader and the policy read. */
#ifndef CV_MOUNTINFO_H
#define CV_MOUNTINFO_H

#include <limits.h>
#include <stdint.h>

/* Decodes, in place, the \ooo escapes mountinfo writes for space, tab, newline and backslash in paths. */
void cv_mountinfo_unescape(char *s);

/*
 * The superblock a path's file is on, as the kernel (and so the probes) sees it: its mount's major:minor in
 * mountinfo (a /proc/PID/mountinfo whose namespace holds path), in the kernel's encoding (camvault_kdev()).
 * Not stat()'s st_dev, which overlayfs without xino gives as the file's layer's, and btrfs as a subvolume's.
 * With its inode number into *ino. 0, or a negative errno.
 */
int cv_mountinfo_sb(const char *mountinfo, const char *path, uint64_t *kdev, uint64_t *ino);

/*
 * For a file on an overlayfs mount (of /proc/self/mountinfo): the same file in each layer directory that has
 * it (upper first, then the lower ones), up to max paths into out. Each is a door to the file that does not
 * go through the overlay (Raspberry Pi OS's read-only root keeps its lower layer mounted at /media/root-ro).
 * Returns how many; 0 when path is not on overlayfs.
 */
int cv_mountinfo_overlay_layers(const char *path, char (*out)[PATH_MAX], int max);

#endif /* CV_MOUNTINFO_H */
