/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * camvault: the contract between camvault.ko, its eBPF probes and the camvault tool.
 *
 * Generic netlink family CAMVAULT_GENL_NAME, version CAMVAULT_GENL_VERSION.
 * Like WireGuard's, the family is the only control interface of the module; everything
 * in this file is ABI: append to enums, never renumber.
 *
 * CAMVAULT_CMD_GET_STATUS
 *   request:  no attributes.
 *   reply:    CAMVAULT_A_VERSION     NUL-terminated string, the module's version
 *             CAMVAULT_A_NUM_VAULTS  u32, number of camvault targets currently constructed
 */
#ifndef _UAPI_CAMVAULT_H
#define _UAPI_CAMVAULT_H

#include <linux/types.h>

#define CAMVAULT_GENL_NAME "camvault"
#define CAMVAULT_GENL_VERSION 1
#define CAMVAULT_TARGET_NAME "camvault"

enum camvault_cmd {
	CAMVAULT_CMD_GET_STATUS,
	__CAMVAULT_CMD_MAX
};

#define CAMVAULT_CMD_MAX (__CAMVAULT_CMD_MAX - 1)

enum camvault_attr {
	CAMVAULT_A_UNSPEC,
	CAMVAULT_A_VERSION,
	CAMVAULT_A_NUM_VAULTS,
	__CAMVAULT_A_MAX
};

#define CAMVAULT_A_MAX (__CAMVAULT_A_MAX - 1)

#define CAMVAULT_VERSION_MAXLEN 32

/*
 * Access records, written by the eBPF probes into the ring buffer map "records" and read by the agent.
 * Device numbers are the kernel's internal encoding (major << 20 | minor), as in struct super_block's s_dev:
 * userspace converts st_dev with camvault_kdev().
 */
enum camvault_rec_type {
	CAMVAULT_REC_OPEN = 1,		/* a watched file was opened */
};

/* Which hook produced a record (the tiers of the probes, best first). */
enum camvault_tier {
	CAMVAULT_TIER_LSM = 1,
	CAMVAULT_TIER_FENTRY,
	CAMVAULT_TIER_KPROBE,
	CAMVAULT_TIER_SYSCALL_TP,
};

/*
 * A userspace dev_t (stat's st_dev, glibc's encoding of major and minor) to the kernel's internal
 * encoding, major << 20 | minor.
 */
static inline __u64 camvault_kdev(__u64 st_dev)
{
	__u64 maj = ((st_dev >> 32) & 0xfffff000) | ((st_dev >> 8) & 0xfff);
	__u64 mnr = ((st_dev >> 12) & 0xffffff00) | (st_dev & 0xff);

	return maj << 20 | mnr;
}

#define CAMVAULT_COMM_LEN 16

struct camvault_rec {
	__u16 type;		/* enum camvault_rec_type */
	__u16 tier;		/* enum camvault_tier */
	__u32 pid;		/* thread group id, what userspace calls the pid */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u32 flags;		/* open flags (O_*), as passed to the syscall */
	__u64 time_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;
	__u64 dev;		/* kernel dev_t of the file's superblock */
	__u64 ino;
	char comm[CAMVAULT_COMM_LEN];
};

/* Key of the watched-inode map. */
struct camvault_file_key {
	__u64 dev;
	__u64 ino;
};

#endif /* _UAPI_CAMVAULT_H */
