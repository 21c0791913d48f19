/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which BTF the eBPF probes are relocated against (cv_probes_opts.btf_path).
 *
 * The probes are CO-RE: libbpf fits every kernel-struct access to the running kernel's layout, read from
 * its BTF. Kernels built without CONFIG_DEBUG_INFO_BTF (Raspberry Pi OS) have no /sys/kernel/btf/vmlinux;
 * for them camvault.ko's build (Kbuild, DKMS) makes camvault.btf from the same kernel headers, and DKMS
 * installs it beside camvault.ko (kmod/btf_types.c, kmod/dkms-btf.sh).
 */
#ifndef CV_BTF_H
#define CV_BTF_H

#include <stddef.h>

/* A BTF file to use instead of camvault.btf, when the kernel has no BTF of its own. */
#define CV_BTF_ENV		"CAMVAULT_BTF"
#define CV_BTF_KERNEL		"/sys/kernel/btf/vmlinux"
#define CV_BTF_FILE		"camvault.btf"

/*
 * NULL with errno 0 when the running kernel has its own BTF (libbpf then uses it: leave btf_path NULL).
 * Otherwise the first of these that exists, copied into buf, which is returned:
 *   - $CAMVAULT_BTF, when set (set to a file that does not exist, it is an error, not skipped);
 *   - camvault.btf beside camvault.ko in /lib/modules/$(uname -r): where modules.dep puts camvault.ko,
 *     then updates/dkms/, extra/ and updates/ (where DKMS installs on Debian, Fedora and SUSE).
 * None: NULL with errno ENOENT and buf (when len > 0) saying what to do; ENAMETOOLONG when a path does not
 * fit in len, EINVAL when len is 0.
 */
const char *cv_btf_path(char *buf, size_t len);

/*
 * The same, for kernel release under root (a directory standing for "/"; "" is "/"): for tests. The path
 * returned includes root; $CAMVAULT_BTF does not get root prepended.
 */
const char *cv_btf_path_at(const char *root, const char *release, char *buf, size_t len);

#endif /* CV_BTF_H */
