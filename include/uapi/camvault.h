/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * camvault: the contract between camvault.ko, its eBPF probes and the camvault tool.
 *
 * Generic netlink family CAMVAULT_GENL_NAME, version CAMVAULT_GENL_VERSION.
 * Like WireGuard's, the family is the only control interface of the module; everything
 * in this file is ABI: append to enums, never renumber.
 *
 * Privilege: every command, and joining CAMVAULT_MCGRP_EVENTS, needs CAP_SYS_ADMIN and
 * CAP_NET_ADMIN (root has both); others get EPERM. CAP_SYS_ADMIN because that is what
 * device-mapper's control device (/dev/mapper/control) demands for every ioctl, its status and
 * device list included: the family tells no more to no more users than dmsetup does. Vault
 * names, locked states and byte counters (which show when footage is being watched) are not for
 * every user. CAP_NET_ADMIN because that is what generic netlink itself checks for a restricted
 * command (GENL_ADMIN_PERM) or multicast group. Commands check the capabilities of the socket's
 * opener; joining the group, those of the joining process. The module sends no events on a kernel
 * whose generic netlink cannot restrict a multicast group (GENL_MCAST_CAP_*: 6.7, backported to
 * 6.1.y, Debian 12's kernels have it).
 *
 * CAMVAULT_CMD_GET_STATUS
 *   request:  no attributes.
 *   reply:    CAMVAULT_A_VERSION     NUL-terminated string, the module's version
 *             CAMVAULT_A_NUM_VAULTS  u32, number of camvault targets currently constructed
 *   Errors: EPERM.
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
 *   Errors: EPERM (an NLMSG_ERROR, before any vault).
 *
 * CAMVAULT_CMD_LOCK
 *   request:  CAMVAULT_A_VAULT_NAME
 *   Wipes the vault's key from kernel memory; every later I/O fails with EIO until the table is
 *   reloaded with the key. Same as the device-mapper message "key wipe". Errors: ENODEV (no such
 *   vault), EPERM.
 *
 * CAMVAULT_CMD_ARM: the dead-man lock.
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
 * Joining the group without the privilege above fails with EPERM (setsockopt
 * NETLINK_ADD_MEMBERSHIP, or bind with nl_groups).
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

/*
 * The comment after each attribute starts with its payload: "string, <limit>" (NUL-terminated, at
 * most <limit> bytes with the NUL), "u8", "u32", "u64", or "pad". Both sides' policies follow it,
 * and the tests read it from here: tests/unit/test_ipc.c (the tool's policies),
 * tests/unit/test_contract.sh (the module's), tests/guest/genl.py (the numbers).
 */
enum camvault_attr {
	CAMVAULT_A_UNSPEC,
	CAMVAULT_A_VERSION,		/* string, CAMVAULT_VERSION_MAXLEN */
	CAMVAULT_A_NUM_VAULTS,		/* u32 */
	CAMVAULT_A_VAULT_NAME,		/* string, CAMVAULT_NAME_MAXLEN */
	CAMVAULT_A_VAULT_DEV_MAJOR,	/* u32 */
	CAMVAULT_A_VAULT_DEV_MINOR,	/* u32 */
	CAMVAULT_A_VAULT_CIPHER,	/* string, CAMVAULT_CIPHER_MAXLEN */
	CAMVAULT_A_VAULT_LOCKED,	/* u8 */
	CAMVAULT_A_VAULT_BYTES_READ,	/* u64 */
	CAMVAULT_A_VAULT_BYTES_WRITTEN,	/* u64 */
	CAMVAULT_A_VAULT_IO_ERRORS,	/* u64 */
	CAMVAULT_A_PAD,			/* pad, aligns the u64s */
	CAMVAULT_A_EVENT,		/* u32, enum camvault_event */
	CAMVAULT_A_GRACE_MS,		/* u32, at most CAMVAULT_GRACE_MS_MAX */
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

/*
 * The ciphers of a camvault table (its first argument, named as dm-crypt names them), and
 * their keys' sizes in bytes. Both are on-disk compatible with dm-crypt's plain mode with the
 * same cipher. The target also takes an AES-128-XTS key (CAMVAULT_CIPHER_AES_XTS_KEY_SIZE_ALT
 * bytes); the tool makes AES-256-XTS ones.
 */
#define CAMVAULT_CIPHER_AES_XTS			"aes-xts-plain64"
#define CAMVAULT_CIPHER_AES_XTS_KEY_SIZE	64	/* AES-256-XTS */
#define CAMVAULT_CIPHER_AES_XTS_KEY_SIZE_ALT	32	/* AES-128-XTS */
#define CAMVAULT_CIPHER_ADIANTUM		"xchacha12,aes-adiantum-plain64"
#define CAMVAULT_CIPHER_ADIANTUM_KEY_SIZE	32

#define CAMVAULT_VERSION_MAXLEN 32
#define CAMVAULT_NAME_MAXLEN 128	/* DM_NAME_LEN, with its NUL */
#define CAMVAULT_CIPHER_MAXLEN 64

/*
 * Access records, written by the eBPF probes into the ring buffer map "records", read by the
 * agent. Device numbers are the kernel's internal encoding (major << 20 | minor), as in struct
 * super_block's s_dev: userspace converts st_dev with camvault_kdev().
 *
 * A session record covers one struct file on watched footage, from its open to its last close,
 * aggregated in the kernel: what was done with it (bytes, mmaps, ioctls, camera streaming) and by
 * whom. Unlink, rename and truncate are records of their own: deleting or moving evidence is
 * touching it.
 */
enum camvault_rec_type {
	CAMVAULT_REC_SESSION = 1,	/* a watched file or camera, open to last close */
	CAMVAULT_REC_UNLINK,		/* a watched file was unlinked (path) */
	CAMVAULT_REC_RENAME,		/* a watched file was renamed (path -> path2) */
	CAMVAULT_REC_TRUNCATE,		/* truncate, ftruncate, or open with O_TRUNC */
};

/* Which hook produced a record (the tiers of the probes, best first). */
enum camvault_tier {
	CAMVAULT_TIER_LSM = 1,
	CAMVAULT_TIER_FENTRY,
	CAMVAULT_TIER_KPROBE,
	CAMVAULT_TIER_SYSCALL_TP,
};

/*
 * camvault_rec.rflags:
 * OPEN_UNSEEN  opened before the probes saw it: open_ns is 0, open_flags are file->f_flags.
 * STILL_OPEN   flushed while still open (close_ns is 0): the whole record follows at the close.
 * UNOBSERVED   the process uses io_uring: its I/O through it is not counted.
 * PEER         data read from it went to a socket: peer_* are set.
 * PATH_TAIL    path (or path2) misses its head: too long (it holds its last components), or no
 *              struct mount in the kernel's BTF (it starts at the root of its mount).
 * CAMERA       a live camera: a char device of a watched major (the video major), or watched
 *              itself.
 * EXE_TAIL     exe misses its head, as path with PATH_TAIL.
 * CLOSE_LATE   the last reference went where the probes cannot see (a mapping outliving its fd, a
 *              passed fd, exec): close_ns is when they noticed, at the munmap, exec or exit that
 *              dropped it, or later.
 * UNCOUNTED    reads or writes were seen that the probes could not count (aio; at the hook tiers
 *              readv on 6.9+): bytes_read and bytes_written are lower bounds.
 * FOUND_AT_START  not from the probes: the agent found the file open (an fd) or mapped in
 *              the process when the probes began to watch it (agent start, a vault added),
 *              walking /proc. With OPEN_UNSEEN and STILL_OPEN; open_ns and close_ns are 0
 *              (logged at when it was found), the byte and call counts are 0 but mmaps, 1 for
 *              a mapping. Opened before the probes ran, it was only held, or read through the
 *              mapping, as far as anyone can tell; a later syscall on it makes the probes
 *              record it again, OPEN_UNSEEN, at its close.
 */
#define CAMVAULT_RF_OPEN_UNSEEN	0x01
#define CAMVAULT_RF_STILL_OPEN	0x02
#define CAMVAULT_RF_UNOBSERVED	0x04
#define CAMVAULT_RF_PEER	0x08
#define CAMVAULT_RF_PATH_TAIL	0x10
#define CAMVAULT_RF_CAMERA	0x20
#define CAMVAULT_RF_EXE_TAIL	0x40
#define CAMVAULT_RF_CLOSE_LATE	0x80
#define CAMVAULT_RF_UNCOUNTED	0x100
#define CAMVAULT_RF_FOUND_AT_START	0x200

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
#define CAMVAULT_PATH_LEN 256		/* NUL-terminated; see CAMVAULT_RF_PATH_TAIL */
#define CAMVAULT_ID_UNSET 0xffffffffu	/* loginuid/sessionid unset, or unknown */

/*
 * One record. Times are CLOCK_BOOTTIME (bpf_ktime_get_boot_ns), which the agent converts; for
 * unlink, rename and truncate, close_ns equals open_ns. dev is the file's superblock's, or a
 * device's own i_rdev. ino is 0 in unlink, rename and truncate records made from a path on a
 * watched filesystem: the probes saw a name, not an inode. open_flags are the O_* given to open
 * (O_CREAT, O_TRUNC...), else file->f_flags. Paths are from the root of the mount namespace.
 */
struct camvault_rec {
	__u16 type;		/* enum camvault_rec_type */
	__u16 tier;		/* enum camvault_tier */
	__u32 rflags;		/* CAMVAULT_RF_* */
	__u32 pid;		/* thread group id, what userspace calls the pid */
	__u32 tid;		/* the thread that opened (unlinked, renamed, truncated) it */
	__u32 ppid;		/* the parent's pid */
	__u32 uid;		/* real uid and gid */
	__u32 gid;
	__u32 loginuid;		/* audit login uid, CAMVAULT_ID_UNSET when none */
	__u32 sessionid;	/* audit session, CAMVAULT_ID_UNSET when none */
	__u32 open_flags;
	__u64 open_ns;
	__u64 close_ns;		/* the last close */
	__u64 cgroup_id;	/* the cgroup v2 id: which container */
	__u64 dev;
	__u64 ino;
	__u64 bytes_read;	/* read, pread, readv, preadv; sendfile, splice, copy_file_range */
	__u64 bytes_written;	/* the same, into it */
	__u32 mmaps;		/* mmap(2) calls on it */
	__u32 ioctls;		/* ioctl(2) calls on it */
	__u32 streamons;	/* camera: VIDIOC_STREAMON */
	__u32 dqbufs;		/* camera: VIDIOC_DQBUF, frames taken */
	__u16 peer_family;	/* AF_INET or AF_INET6 with CAMVAULT_RF_PEER, else 0 */
	__be16 peer_port;
	__u8 peer_addr[16];	/* IPv4 in the first 4 bytes */
	char comm[CAMVAULT_COMM_LEN];
	char exe[CAMVAULT_PATH_LEN];	/* the executable's path */
	char path[CAMVAULT_PATH_LEN];	/* what was touched */
	char path2[CAMVAULT_PATH_LEN];	/* rename: the new path */
	/*
	 * What the kernel ran and in which namespaces: a name (comm) is whatever the process
	 * chose, a path (exe) is walked in its own mount namespace; these say which file it is
	 * and where the process stands. Fields added here go at the end: a shorter record (an
	 * older log's) reads them as 0, "not known".
	 */
	__u64 exe_dev;		/* the executable's superblock, as dev */
	__u64 exe_ino;		/* and its inode: what was exec'd, whatever its path says */
	__u32 mnt_ns;		/* the mount namespace (the inode of /proc/PID/ns/mnt) */
	__u32 user_ns;		/* the creds' user namespace; CAMVAULT_INIT_USER_NS: the host's */
	__u32 aflags;		/* CAMVAULT_AF_*: the agent's, 0 from the probes */
	__u32 pad2;
};

/* The size of struct camvault_rec before exe_dev: the shortest a log may hold. */
#define CAMVAULT_REC_SIZE_V1	__builtin_offsetof(struct camvault_rec, exe_dev)

/*
 * The initial user namespace's inode number: fixed (include/linux/proc_ns.h, PROC_USER_INIT_INO),
 * unlike every other namespace's.
 */
#define CAMVAULT_INIT_USER_NS	0xEFFFFFFDu

/*
 * camvault_rec.aflags, set by the agent when the record reaches it, before it is logged:
 * EXE_HOST  exe_dev/exe_ino were the file at path exe in PID 1's mount namespace (the NVR's own
 *           file system, not a process's private mounts): exe names what the kernel ran.
 * HOST_MNTNS  mnt_ns was PID 1's mount namespace.
 */
#define CAMVAULT_AF_EXE_HOST	0x01
#define CAMVAULT_AF_HOST_MNTNS	0x02

/*
 * Key of the watched-inode map "watched"; also the value of "watched_path". A block or char
 * device is watched as {its kernel rdev, 0}: every node of the device, wherever it is.
 */
struct camvault_file_key {
	__u64 dev;
	__u64 ino;
};

/*
 * Value of the one-element array "watch_filter": a quick "certainly not watched" for the
 * probes' hot path. Bit camvault_dev_bit(dev) of devs is set for the dev of every watched
 * filesystem ("watched_sb") and of every watched file, and for the rdev of every watched device
 * ("watched"); bit camvault_dev_bit(major) of majors for every camera major ("watched_major").
 * A clear bit spares the probes the hash lookups of an unwatched file (most reads and writes of
 * the machine); a set bit only means "look". Userspace sets a bit after adding the watch, and
 * rebuilds the filter after removing one, so the filter never says "not watched" of something
 * watched.
 */
struct camvault_watch_filter {
	__u64 devs[4];
	__u64 majors[4];
};

/* Which of a camvault_watch_filter's 256 bits stands for dev (a kernel dev_t, or a major). */
static inline __u32 camvault_dev_bit(__u64 dev)
{
	return (__u32)((dev * 0x9E3779B97F4A7C15ULL) >> 56);
}

/*
 * Key of "watched_path", a longest-prefix-match trie over path bytes, for the syscalls that name
 * a file by path (unlink, rename, truncate). A watched filesystem's mountpoint is "/mnt/vault/"
 * (prefixlen counts its bytes, in bits); a watched file's path is "/srv/cam0.img" with its NUL,
 * an exact match.
 */
struct camvault_path_key {
	__u32 prefixlen;	/* in bits */
	char path[CAMVAULT_PATH_LEN];
};

#endif /* _UAPI_CAMVAULT_H */
