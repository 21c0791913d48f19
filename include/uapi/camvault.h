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
 *
 * CAMVAULT_CMD_GET_VAULTS (NLM_F_DUMP)
 *   request:  no attributes.
 *   reply:    one message per vault, with
 *             CAMVAULT_A_VAULT_NAME           string, the device-mapper name ("cam0")
 *             CAMVAULT_A_VAULT_DEV_MAJOR/MINOR u32 each, the dm device's numbers
 *             CAMVAULT_A_VAULT_CIPHER         string, as in the table ("aes-xts-plain64")
 *             CAMVAULT_A_VAULT_LOCKED         u8, 1 once the key was wiped
 *             CAMVAULT_A_VAULT_BYTES_READ     u64, bytes read and decrypted
 *             CAMVAULT_A_VAULT_BYTES_WRITTEN  u64, bytes encrypted and written
 *             CAMVAULT_A_VAULT_IO_ERRORS      u64, bios failed (backing errors, locked vault)
 *
 * CAMVAULT_CMD_LOCK (CAP_SYS_ADMIN)
 *   request:  CAMVAULT_A_VAULT_NAME
 *   Wipes the vault's key from kernel memory; every later I/O fails with EIO until the table is
 *   reloaded with the key. Same as the device-mapper message "key wipe". Errors: ENODEV (no such
 *   vault), EPERM.
 *
 * CAMVAULT_CMD_ARM (CAP_SYS_ADMIN): the dead-man lock.
 *   request:  CAMVAULT_A_VAULT_NAME, CAMVAULT_A_GRACE_MS (u32; 0 disarms)
 *   Binds the vault to the requesting netlink socket: when that socket goes away (the agent died)
 *   and no socket arms the vault again within the grace period, the vault locks itself. A new arm
 *   replaces the old one and cancels a pending lock. Errors: ENODEV, EPERM, EINVAL.
 *   CAMVAULT_CMD_GET_VAULTS reports CAMVAULT_A_GRACE_MS (u32, 0 when not armed).
 *
 * Multicast group CAMVAULT_MCGRP_EVENTS: CAMVAULT_CMD_EVENT messages with
 *   CAMVAULT_A_EVENT       u32, enum camvault_event
 *   CAMVAULT_A_VAULT_NAME  the vault's device-mapper name when the event happened
 *   CAMVAULT_A_VAULT_IO_ERRORS  u64, the vault's error count (CAMVAULT_EVENT_IO_ERROR only)
 * I/O error events are rate-limited (at most one per second per vault); the count says how many.
 */
#ifndef _UAPI_CAMVAULT_H
#define _UAPI_CAMVAULT_H

#include <linux/types.h>

#define CAMVAULT_GENL_NAME "camvault"
#define CAMVAULT_GENL_VERSION 1
#define CAMVAULT_TARGET_NAME "camvault"

enum camvault_cmd {
	CAMVAULT_CMD_GET_STATUS,
	CAMVAULT_CMD_GET_VAULTS,
	CAMVAULT_CMD_LOCK,
	CAMVAULT_CMD_EVENT,
	CAMVAULT_CMD_ARM,
	__CAMVAULT_CMD_MAX
};

#define CAMVAULT_CMD_MAX (__CAMVAULT_CMD_MAX - 1)

enum camvault_attr {
	CAMVAULT_A_UNSPEC,
	CAMVAULT_A_VERSION,
	CAMVAULT_A_NUM_VAULTS,
	CAMVAULT_A_VAULT_NAME,
	CAMVAULT_A_VAULT_DEV_MAJOR,
	CAMVAULT_A_VAULT_DEV_MINOR,
	CAMVAULT_A_VAULT_CIPHER,
	CAMVAULT_A_VAULT_LOCKED,
	CAMVAULT_A_VAULT_BYTES_READ,
	CAMVAULT_A_VAULT_BYTES_WRITTEN,
	CAMVAULT_A_VAULT_IO_ERRORS,
	CAMVAULT_A_PAD,
	CAMVAULT_A_EVENT,
	CAMVAULT_A_GRACE_MS,
	__CAMVAULT_A_MAX
};

#define CAMVAULT_A_MAX (__CAMVAULT_A_MAX - 1)

#define CAMVAULT_MCGRP_EVENTS "events"
#define CAMVAULT_GRACE_MS_MAX (24 * 3600 * 1000)

enum camvault_event {
	CAMVAULT_EVENT_OPENED = 1,	/* a table was loaded with its key (created or reopened) */
	CAMVAULT_EVENT_LOCKED,		/* the key was wiped */
	CAMVAULT_EVENT_CLOSED,		/* the vault's table was destroyed (removed or replaced) */
	CAMVAULT_EVENT_IO_ERROR,	/* bios failed */
};

#define CAMVAULT_VERSION_MAXLEN 32
#define CAMVAULT_NAME_MAXLEN 128	/* DM_NAME_LEN, with its NUL */
#define CAMVAULT_CIPHER_MAXLEN 64

/*
 * Access records, written by the eBPF probes into the ring buffer map "records", read by the
 * agent. Device numbers are the kernel's internal encoding (major << 20 | minor), as in struct
 * super_block's s_dev: userspace converts st_dev with camvault_kdev().
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
