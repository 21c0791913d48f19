/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/self/mountinfo, which the vault commands and the probes' loader both read. */
#ifndef CV_MOUNTINFO_H
#define CV_MOUNTINFO_H

/* Decodes, in place, the \ooo escapes mountinfo writes for space, tab, newline and backslash in paths. */
void cv_mountinfo_unescape(char *s);

#endif /* CV_MOUNTINFO_H */
