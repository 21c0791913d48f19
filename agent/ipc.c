// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink IPC with camvault.ko, through libnl-genl-3. The contract is include/uapi/camvault.h; the
 * kernel side is kmod/netlink.c.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "ipc.h"

/* How long to wait for the module's reply before saying it does not answer. */
#define CV_IPC_TIMEOUT_S 5

/*
 * libnl's NLA_STRING is the kernel's NLA_NUL_STRING: at least one byte, the last one NUL. maxlen counts the
 * NUL, so this is the kernel's .len = CAMVAULT_VERSION_MAXLEN - 1.
 */
static const struct nla_policy cv_status_policy[CAMVAULT_A_MAX + 1] = {
	[CAMVAULT_A_VERSION] = { .type = NLA_STRING, .maxlen = CAMVAULT_VERSION_MAXLEN },
	[CAMVAULT_A_NUM_VAULTS] = { .type = NLA_U32, .minlen = sizeof(uint32_t), .maxlen = sizeof(uint32_t) },
};

static const char *const cv_parse_errors[__CV_PARSE_MAX] = {
	[CV_PARSE_OK] = "no error",
	[CV_PARSE_TRUNCATED] = "reply is truncated (shorter than its netlink and generic netlink headers say)",
	[CV_PARSE_NOT_GENL] = "message is a netlink control message, not a generic netlink reply",
	[CV_PARSE_WRONG_CMD] = "reply is for another command than CAMVAULT_CMD_GET_STATUS",
	[CV_PARSE_BAD_ATTR] = "reply has an attribute of the wrong type or length",
	[CV_PARSE_TRAILING] = "reply ends with bytes that are not a whole attribute (a truncated attribute)",
	[CV_PARSE_NO_VERSION] = "reply has no CAMVAULT_A_VERSION attribute",
	[CV_PARSE_BAD_VERSION] = "CAMVAULT_A_VERSION is not a NUL-terminated printable string of 1-31 chars",
	[CV_PARSE_NO_NUM_VAULTS] = "reply has no CAMVAULT_A_NUM_VAULTS attribute",
	[CV_PARSE_BAD_NUM_VAULTS] = "CAMVAULT_A_NUM_VAULTS is not a 4-byte u32",
};

const char *cv_parse_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= __CV_PARSE_MAX || !cv_parse_errors[err])
		return "unknown reply parse error";
	return cv_parse_errors[err];
}

/* Which error an attribute that the policy rejects stands for. */
static int cv_attr_err(int type)
{
	switch (type) {
	case CAMVAULT_A_VERSION:
		return CV_PARSE_BAD_VERSION;
	case CAMVAULT_A_NUM_VAULTS:
		return CV_PARSE_BAD_NUM_VAULTS;
	default:
		return CV_PARSE_BAD_ATTR;
	}
}

static bool cv_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

int cv_parse_status(const struct nlmsghdr *nlh, size_t len, struct cv_status *out)
{
	/* libnl's parsers take non-const pointers but only read. */
	struct nlmsghdr *hdr = (struct nlmsghdr *)nlh;
	struct nlattr *tb[CAMVAULT_A_MAX + 1];
	struct genlmsghdr *ghdr;
	struct nlattr *pos;
	const char *version;
	int rem;

	if (len < NLMSG_HDRLEN || hdr->nlmsg_len < NLMSG_HDRLEN || hdr->nlmsg_len > len)
		return -CV_PARSE_TRUNCATED;
	if (hdr->nlmsg_type < NLMSG_MIN_TYPE)
		return -CV_PARSE_NOT_GENL;
	if (!genlmsg_valid_hdr(hdr, 0))
		return -CV_PARSE_TRUNCATED;
	ghdr = nlmsg_data(hdr);
	if (ghdr->cmd != CAMVAULT_CMD_GET_STATUS)
		return -CV_PARSE_WRONG_CMD;

	/* Validate attribute by attribute first, to say which one is wrong. */
	nla_for_each_attr(pos, genlmsg_attrdata(ghdr, 0), genlmsg_attrlen(ghdr, 0), rem) {
		if (nla_validate(pos, pos->nla_len, CAMVAULT_A_MAX, cv_status_policy) < 0)
			return -cv_attr_err(nla_type(pos));
	}
	if (rem > 0)
		return -CV_PARSE_TRAILING;
	if (genlmsg_parse(hdr, 0, tb, CAMVAULT_A_MAX, cv_status_policy) < 0)
		return -CV_PARSE_BAD_ATTR;

	if (!tb[CAMVAULT_A_VERSION])
		return -CV_PARSE_NO_VERSION;
	if (!tb[CAMVAULT_A_NUM_VAULTS])
		return -CV_PARSE_NO_NUM_VAULTS;
	/* The policy checked the NUL and the length; check again rather than rely on one libnl version. */
	version = nla_data(tb[CAMVAULT_A_VERSION]);
	if (nla_len(tb[CAMVAULT_A_VERSION]) < 1 || nla_len(tb[CAMVAULT_A_VERSION]) > CAMVAULT_VERSION_MAXLEN ||
	    version[nla_len(tb[CAMVAULT_A_VERSION]) - 1] != '\0' || !version[0] || !cv_printable(version))
		return -CV_PARSE_BAD_VERSION;

	strcpy(out->version, version);
	out->num_vaults = nla_get_u32(tb[CAMVAULT_A_NUM_VAULTS]);
	return 0;
}

int cv_ipc_open(struct cv_ipc *ipc, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = CV_IPC_TIMEOUT_S };
	int ret;

	ipc->family = -1;
	ipc->sk = nl_socket_alloc();
	if (!ipc->sk) {
		snprintf(err, errlen, "out of memory allocating a netlink socket");
		return -ENOMEM;
	}
	ret = genl_connect(ipc->sk);
	if (ret < 0) {
		snprintf(err, errlen, "cannot open a generic netlink socket (%s): run camvault where netlink "
			 "sockets are allowed (not under a seccomp or container policy that forbids them)",
			 nl_geterror(ret));
		ret = -EIO;
		goto err;
	}
	if (setsockopt(nl_socket_get_fd(ipc->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot set a receive timeout on the netlink socket: %s", strerror(errno));
		goto err;
	}
	ret = genl_ctrl_resolve(ipc->sk, CAMVAULT_GENL_NAME);
	if (ret == -NLE_OBJ_NOTFOUND) {
		snprintf(err, errlen, "kernel module not loaded (no generic netlink family '%s'): load it with "
			 "'modprobe camvault'", CAMVAULT_GENL_NAME);
		ret = -ENOENT;
		goto err;
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot look up the generic netlink family '%s' (%s): check that "
			 "camvault.ko loaded without errors in 'dmesg'", CAMVAULT_GENL_NAME, nl_geterror(ret));
		ret = -EIO;
		goto err;
	}
	ipc->family = ret;
	return 0;

err:
	nl_socket_free(ipc->sk);
	ipc->sk = NULL;
	return ret;
}

void cv_ipc_close(struct cv_ipc *ipc)
{
	nl_socket_free(ipc->sk);
	ipc->sk = NULL;
}

struct cv_status_ctx {
	int family;
	struct cv_status *out;
	bool done;
	int type;		/* nlmsg_type of an unexpected message, or -1 */
	int parse_err;
};

static int cv_status_cb(struct nl_msg *msg, void *arg)
{
	struct cv_status_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	ctx->done = true;
	if (nlh->nlmsg_type != ctx->family)
		ctx->type = nlh->nlmsg_type;
	else
		/* libnl checked nlmsg_len against what it received before making msg. */
		ctx->parse_err = cv_parse_status(nlh, nlh->nlmsg_len, ctx->out);
	return NL_STOP;
}

int cv_ipc_get_status(struct cv_ipc *ipc, struct cv_status *out, char *err, size_t errlen)
{
	struct cv_status_ctx ctx = { .family = ipc->family, .out = out, .type = -1 };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb) {
		snprintf(err, errlen, "out of memory building a netlink message");
		ret = -ENOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ipc->family, 0, 0, CAMVAULT_CMD_GET_STATUS,
			 CAMVAULT_GENL_VERSION)) {
		snprintf(err, errlen, "cannot build the CAMVAULT_CMD_GET_STATUS request");
		ret = -ENOMEM;
		goto out;
	}
	ret = nl_send_auto(ipc->sk, msg);
	if (ret < 0) {
		snprintf(err, errlen, "cannot send CAMVAULT_CMD_GET_STATUS to camvault.ko: %s", nl_geterror(ret));
		ret = -EIO;
		goto out;
	}

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cv_status_cb, &ctx);
	/* The reply (or an error), then the ACK: libnl checks both sequence numbers. */
	ret = nl_recvmsgs(ipc->sk, cb);
	if (ret >= 0 && ctx.done)
		ret = nl_wait_for_ack(ipc->sk);
	if (ret == -NLE_AGAIN || (ret >= 0 && !ctx.done)) {
		snprintf(err, errlen, "no reply to CAMVAULT_CMD_GET_STATUS within %d s: camvault.ko is stuck, see "
			 "'dmesg'", CV_IPC_TIMEOUT_S);
		ret = -ETIMEDOUT;
	} else if (ret == -NLE_PERM || ret == -NLE_NOACCESS) {
		snprintf(err, errlen, "camvault.ko refused CAMVAULT_CMD_GET_STATUS (%s): run camvault as root",
			 nl_geterror(ret));
		ret = -EPERM;
	} else if (ret < 0) {
		snprintf(err, errlen, "camvault.ko answered CAMVAULT_CMD_GET_STATUS with an error (%s): see "
			 "'dmesg'", nl_geterror(ret));
		ret = -EIO;
	} else if (ctx.type >= 0) {
		snprintf(err, errlen, "unexpected netlink message type %d instead of the reply of family '%s' "
			 "(%d)", ctx.type, CAMVAULT_GENL_NAME, ipc->family);
		ret = -EPROTO;
	} else if (ctx.parse_err) {
		snprintf(err, errlen, "camvault.ko sent a malformed status reply (%s): the tool and the module "
			 "do not match, install both from the same camvault release",
			 cv_parse_strerror(ctx.parse_err));
		ret = -EPROTO;
	} else {
		ret = 0;
	}
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}
