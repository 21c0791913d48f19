/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to camvault.ko over its generic netlink family (include/uapi/camvault.h).
 *
 * Every function that can fail takes an error buffer and, on failure, writes into it one sentence that names
 * what failed and how to fix it, without the "camvault: " prefix.
 */
#ifndef CV_IPC_H
#define CV_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/camvault.h"

struct nl_sock;
struct nlmsghdr;

/* The reply to CAMVAULT_CMD_GET_STATUS. */
struct cv_status {
	char version[CAMVAULT_VERSION_MAXLEN];	/* NUL-terminated, printable ASCII, not empty */
	uint32_t num_vaults;
};

/* One message of the CAMVAULT_CMD_GET_VAULTS dump: one vault. */
struct cv_kernel_vault {
	char name[CAMVAULT_NAME_MAXLEN];	/* NUL-terminated, printable ASCII, not empty */
	char cipher[CAMVAULT_CIPHER_MAXLEN];	/* the same */
	uint32_t major, minor;			/* the dm device's numbers */
	bool locked;				/* the key was wiped */
	uint64_t bytes_read, bytes_written, io_errors;
};

/*
 * Why cv_parse_status() or cv_parse_vault() rejected a message; they return the negated value.
 * cv_parse_strerror() says it in words. Append, never renumber: tests compare these.
 */
enum cv_parse_err {
	CV_PARSE_OK,
	CV_PARSE_TRUNCATED,		/* shorter than its headers, or nlmsg_len larger than the bytes received */
	CV_PARSE_NOT_GENL,		/* a netlink control message (NLMSG_ERROR, NLMSG_DONE...), not a reply */
	CV_PARSE_WRONG_CMD,		/* the generic netlink command is not the one parsed */
	CV_PARSE_BAD_ATTR,		/* the nla_policy rejected the attributes (none of the above) */
	CV_PARSE_TRAILING,		/* bytes after the last attribute that do not form one */
	CV_PARSE_NO_VERSION,		/* CAMVAULT_A_VERSION missing */
	CV_PARSE_BAD_VERSION,		/* CAMVAULT_A_VERSION empty, not NUL-terminated, or not printable */
	CV_PARSE_NO_NUM_VAULTS,		/* CAMVAULT_A_NUM_VAULTS missing */
	CV_PARSE_BAD_NUM_VAULTS,	/* CAMVAULT_A_NUM_VAULTS not exactly 4 bytes */
	/* cv_parse_vault(): each attribute missing, or malformed (wrong length, string not as in cv_status) */
	CV_PARSE_NO_VAULT_NAME,
	CV_PARSE_BAD_VAULT_NAME,
	CV_PARSE_NO_DEV_MAJOR,
	CV_PARSE_BAD_DEV_MAJOR,		/* not a 4-byte u32 */
	CV_PARSE_NO_DEV_MINOR,
	CV_PARSE_BAD_DEV_MINOR,		/* not a 4-byte u32 */
	CV_PARSE_NO_CIPHER,
	CV_PARSE_BAD_CIPHER,
	CV_PARSE_NO_LOCKED,
	CV_PARSE_BAD_LOCKED,		/* not a 1-byte u8 of value 0 or 1 */
	CV_PARSE_NO_BYTES_READ,
	CV_PARSE_BAD_BYTES_READ,	/* not an 8-byte u64 */
	CV_PARSE_NO_BYTES_WRITTEN,
	CV_PARSE_BAD_BYTES_WRITTEN,	/* not an 8-byte u64 */
	CV_PARSE_NO_IO_ERRORS,
	CV_PARSE_BAD_IO_ERRORS,		/* not an 8-byte u64 */
	/* cv_parse_event() */
	CV_PARSE_NO_EVENT,		/* CAMVAULT_A_EVENT missing */
	CV_PARSE_BAD_EVENT,		/* CAMVAULT_A_EVENT not a 4-byte u32 */
	__CV_PARSE_MAX
};

/*
 * Parses a CAMVAULT_CMD_GET_STATUS reply. nlh points at len bytes received from the kernel (len may be
 * anything, nlh's own nlmsg_len is checked against it). Pure: no I/O, no allocation, *out is written only on
 * success. Returns 0, or -CV_PARSE_* on a malformed reply.
 */
int cv_parse_status(const struct nlmsghdr *nlh, size_t len, struct cv_status *out);

/*
 * Parses one message of the CAMVAULT_CMD_GET_VAULTS dump, like cv_parse_status(): pure, *out written only on
 * success, every attribute of the contract required. Returns 0 or -CV_PARSE_*.
 */
int cv_parse_vault(const struct nlmsghdr *nlh, size_t len, struct cv_kernel_vault *out);

/* One CAMVAULT_CMD_EVENT message of the multicast group CAMVAULT_MCGRP_EVENTS. */
struct cv_event {
	uint32_t event;				/* enum camvault_event; a newer module's may be unknown here */
	char vault[CAMVAULT_NAME_MAXLEN];	/* NUL-terminated, printable ASCII, not empty */
	bool has_io_errors;
	uint64_t io_errors;			/* CAMVAULT_EVENT_IO_ERROR: the vault's error count */
};

/*
 * Parses one event message, like cv_parse_vault(): pure, *out written only on success; CAMVAULT_A_EVENT and
 * CAMVAULT_A_VAULT_NAME required, CAMVAULT_A_VAULT_IO_ERRORS optional. Returns 0 or -CV_PARSE_*.
 */
int cv_parse_event(const struct nlmsghdr *nlh, size_t len, struct cv_event *out);

/* "opened", "locked", "closed", "io_error", or NULL for an event this tool does not know. */
const char *cv_event_name(uint32_t event);

/*
 * The event as the access log's text: "kernel: <event> vault <name>", plus " (N I/O errors)" with a count;
 * an unknown event is "event <number>". Returns the length it needed (like snprintf).
 */
int cv_event_format(const struct cv_event *e, char *buf, size_t len);

/* The reason for a -CV_PARSE_* (or CV_PARSE_*) code, as a phrase ("reply has no CAMVAULT_A_VERSION ..."). */
const char *cv_parse_strerror(int err);

/*
 * The libnl type (NLA_U32, NLA_STRING...) and lengths with which the replies and events are checked for
 * attribute attr (the same in every message that has it); NLA_UNSPEC (0) when none has it, -1 when two
 * messages' policies disagree. For the unit test that holds them to include/uapi/camvault.h.
 */
int cv_ipc_policy(int attr, unsigned int *minlen, unsigned int *maxlen);

/* A connection to the module's generic netlink family. */
struct cv_ipc {
	struct nl_sock *sk;
	int family;			/* the family's id, resolved by name */
};

/*
 * Opens a generic netlink socket and resolves the family "camvault" (which makes the kernel load
 * camvault.ko, when installed, through its module alias). Returns 0, -ENOENT when the module is not loaded,
 * or another negative errno. On failure, ipc needs no cv_ipc_close().
 */
int cv_ipc_open(struct cv_ipc *ipc, char *err, size_t errlen);

/*
 * The requests. Each waits at most a few seconds for the module. They return 0, or -errno: the kernel's own
 * errno when the module refused the request, -ETIMEDOUT when it did not answer, -EPROTO for a malformed
 * answer, -EAGAIN for a dump that the module interrupted (the list changed while read: ask again).
 */

/* CAMVAULT_CMD_GET_STATUS. */
int cv_ipc_get_status(struct cv_ipc *ipc, struct cv_status *out, char *err, size_t errlen);

/*
 * CAMVAULT_CMD_GET_VAULTS: every vault, in the module's order, into *vaults (malloc'ed, free() it; NULL
 * when *n is 0). On failure *vaults is NULL and *n 0.
 */
int cv_ipc_get_vaults(struct cv_ipc *ipc, struct cv_kernel_vault **vaults, size_t *n, char *err, size_t errlen);

/*
 * CAMVAULT_CMD_LOCK of the vault whose device-mapper name is name: the module wipes its key. -EPERM without
 * CAP_SYS_ADMIN, -ENODEV when there is no such vault, -EINVAL for a name that cannot be one (empty, or
 * longer than CAMVAULT_NAME_MAXLEN - 1).
 */
int cv_ipc_lock(struct cv_ipc *ipc, const char *name, char *err, size_t errlen);

/*
 * CAMVAULT_CMD_ARM of vault name: its dead-man lock, bound to this connection's socket. When the socket goes
 * (the process ended, however) and no socket arms the vault again within grace_ms, camvault.ko locks it;
 * grace_ms 0 disarms. Errors as cv_ipc_lock(); -EINVAL also for a grace over CAMVAULT_GRACE_MS_MAX.
 */
int cv_ipc_arm(struct cv_ipc *ipc, const char *name, uint32_t grace_ms, char *err, size_t errlen);

/*
 * Opens a connection like cv_ipc_open() that listens to the module's events multicast group instead of
 * asking: non-blocking, for an event loop (poll cv_ipc_events_fd() for reading, then cv_ipc_events_read()).
 * Returns 0 or a negative errno (-ENOENT: module not loaded); close it with cv_ipc_close().
 */
int cv_ipc_events_open(struct cv_ipc *ipc, char *err, size_t errlen);
int cv_ipc_events_fd(const struct cv_ipc *ipc);

typedef void (*cv_event_cb)(const struct cv_event *e, void *ctx);

/*
 * Hands cb every event waiting, without blocking; messages that do not parse are counted in *bad (may be
 * NULL). Returns how many events, -ENOBUFS when the kernel dropped events because the socket's buffer was
 * full (the caller says so: events were lost; reading goes on after), or another negative errno.
 */
int cv_ipc_events_read(struct cv_ipc *ipc, cv_event_cb cb, void *ctx, unsigned int *bad);

void cv_ipc_close(struct cv_ipc *ipc);

#endif /* CV_IPC_H */
