/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to camvault.ko over its generic netlink family (include/uapi/camvault.h).
 *
 * Every function that can fail takes an error buffer and, on failure, writes into it one sentence that names
 * what failed and how to fix it, without the "camvault: " prefix.
 */
#ifndef CV_IPC_H
#define CV_IPC_H

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

/*
 * Why cv_parse_status() rejected a message; it returns the negated value. cv_parse_strerror() says it in
 * words. Append, never renumber: tests compare these.
 */
enum cv_parse_err {
	CV_PARSE_OK,
	CV_PARSE_TRUNCATED,		/* shorter than its headers, or nlmsg_len larger than the bytes received */
	CV_PARSE_NOT_GENL,		/* a netlink control message (NLMSG_ERROR, NLMSG_DONE...), not a reply */
	CV_PARSE_WRONG_CMD,		/* the generic netlink command is not CAMVAULT_CMD_GET_STATUS */
	CV_PARSE_BAD_ATTR,		/* the nla_policy rejected the attributes (none of the above) */
	CV_PARSE_TRAILING,		/* bytes after the last attribute that do not form one */
	CV_PARSE_NO_VERSION,		/* CAMVAULT_A_VERSION missing */
	CV_PARSE_BAD_VERSION,		/* CAMVAULT_A_VERSION empty, not NUL-terminated, or not printable */
	CV_PARSE_NO_NUM_VAULTS,		/* CAMVAULT_A_NUM_VAULTS missing */
	CV_PARSE_BAD_NUM_VAULTS,	/* CAMVAULT_A_NUM_VAULTS not exactly 4 bytes */
	__CV_PARSE_MAX
};

/*
 * Parses a CAMVAULT_CMD_GET_STATUS reply. nlh points at len bytes received from the kernel (len may be
 * anything, nlh's own nlmsg_len is checked against it). Pure: no I/O, no allocation, *out is written only on
 * success. Returns 0, or -CV_PARSE_* on a malformed reply.
 */
int cv_parse_status(const struct nlmsghdr *nlh, size_t len, struct cv_status *out);

/* The reason for a -CV_PARSE_* (or CV_PARSE_*) code, as a phrase ("reply has no CAMVAULT_A_VERSION ..."). */
const char *cv_parse_strerror(int err);

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

/* Sends CAMVAULT_CMD_GET_STATUS and waits (at most a few seconds) for the reply. Returns 0 or -errno. */
int cv_ipc_get_status(struct cv_ipc *ipc, struct cv_status *out, char *err, size_t errlen);

void cv_ipc_close(struct cv_ipc *ipc);

#endif /* CV_IPC_H */
