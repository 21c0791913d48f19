// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink IPC with camvault.ko, through libnl-genl-3. The contract is include/uapi/camvault.h; the
 * kernel side is kmod/netlink.c.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "vault/ipc.h"

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

#define CV_POLICY_U(bits) { .type = NLA_U##bits, .minlen = (bits) / 8, .maxlen = (bits) / 8 }

static const struct nla_policy cv_vault_policy[CAMVAULT_A_MAX + 1] = {
	[CAMVAULT_A_VAULT_NAME] = { .type = NLA_STRING, .maxlen = CAMVAULT_NAME_MAXLEN },
	[CAMVAULT_A_VAULT_DEV_MAJOR] = CV_POLICY_U(32),
	[CAMVAULT_A_VAULT_DEV_MINOR] = CV_POLICY_U(32),
	[CAMVAULT_A_VAULT_CIPHER] = { .type = NLA_STRING, .maxlen = CAMVAULT_CIPHER_MAXLEN },
	[CAMVAULT_A_VAULT_LOCKED] = CV_POLICY_U(8),
	[CAMVAULT_A_VAULT_BYTES_READ] = CV_POLICY_U(64),
	[CAMVAULT_A_VAULT_BYTES_WRITTEN] = CV_POLICY_U(64),
	[CAMVAULT_A_VAULT_IO_ERRORS] = CV_POLICY_U(64),
	[CAMVAULT_A_GRACE_MS] = CV_POLICY_U(32),	/* not read, but checked as every attribute */
};

static const struct nla_policy cv_event_policy[CAMVAULT_A_MAX + 1] = {
	[CAMVAULT_A_EVENT] = CV_POLICY_U(32),
	[CAMVAULT_A_VAULT_NAME] = { .type = NLA_STRING, .maxlen = CAMVAULT_NAME_MAXLEN },
	[CAMVAULT_A_VAULT_IO_ERRORS] = CV_POLICY_U(64),
};

/* A required attribute of a message: its type, and the errors for it missing and malformed. */
struct cv_attr_rule {
	int type;
	int missing, bad;
};

/* In the order they are checked for presence. */
static const struct cv_attr_rule cv_status_rules[] = {
	{ CAMVAULT_A_VERSION, CV_PARSE_NO_VERSION, CV_PARSE_BAD_VERSION },
	{ CAMVAULT_A_NUM_VAULTS, CV_PARSE_NO_NUM_VAULTS, CV_PARSE_BAD_NUM_VAULTS },
};

static const struct cv_attr_rule cv_vault_rules[] = {
	{ CAMVAULT_A_VAULT_NAME, CV_PARSE_NO_VAULT_NAME, CV_PARSE_BAD_VAULT_NAME },
	{ CAMVAULT_A_VAULT_DEV_MAJOR, CV_PARSE_NO_DEV_MAJOR, CV_PARSE_BAD_DEV_MAJOR },
	{ CAMVAULT_A_VAULT_DEV_MINOR, CV_PARSE_NO_DEV_MINOR, CV_PARSE_BAD_DEV_MINOR },
	{ CAMVAULT_A_VAULT_CIPHER, CV_PARSE_NO_CIPHER, CV_PARSE_BAD_CIPHER },
	{ CAMVAULT_A_VAULT_LOCKED, CV_PARSE_NO_LOCKED, CV_PARSE_BAD_LOCKED },
	{ CAMVAULT_A_VAULT_BYTES_READ, CV_PARSE_NO_BYTES_READ, CV_PARSE_BAD_BYTES_READ },
	{ CAMVAULT_A_VAULT_BYTES_WRITTEN, CV_PARSE_NO_BYTES_WRITTEN, CV_PARSE_BAD_BYTES_WRITTEN },
	{ CAMVAULT_A_VAULT_IO_ERRORS, CV_PARSE_NO_IO_ERRORS, CV_PARSE_BAD_IO_ERRORS },
};

/* CAMVAULT_A_VAULT_IO_ERRORS is optional in an event: only its malformed form has a rule. */
static const struct cv_attr_rule cv_event_rules[] = {
	{ CAMVAULT_A_EVENT, CV_PARSE_NO_EVENT, CV_PARSE_BAD_EVENT },
	{ CAMVAULT_A_VAULT_NAME, CV_PARSE_NO_VAULT_NAME, CV_PARSE_BAD_VAULT_NAME },
};

#define CV_NRULES(r) (sizeof(r) / sizeof((r)[0]))

/* The messages below spell out the uapi header's limits. */
_Static_assert(CAMVAULT_VERSION_MAXLEN == 32 && CAMVAULT_NAME_MAXLEN == 128 && CAMVAULT_CIPHER_MAXLEN == 64,
	       "update the limits in cv_parse_errors");

static const char *const cv_parse_errors[__CV_PARSE_MAX] = {
	[CV_PARSE_OK] = "no error",
	[CV_PARSE_TRUNCATED] = "reply is truncated (shorter than its netlink and generic netlink headers say)",
	[CV_PARSE_NOT_GENL] = "message is a netlink control message, not a generic netlink reply",
	[CV_PARSE_WRONG_CMD] = "reply is for another command than the one asked",
	[CV_PARSE_BAD_ATTR] = "reply has an attribute of the wrong type or length",
	[CV_PARSE_TRAILING] = "reply ends with bytes that are not a whole attribute (a truncated attribute)",
	[CV_PARSE_NO_VERSION] = "reply has no CAMVAULT_A_VERSION attribute",
	[CV_PARSE_BAD_VERSION] = "CAMVAULT_A_VERSION is not a NUL-terminated printable string of 1-31 chars",
	[CV_PARSE_NO_NUM_VAULTS] = "reply has no CAMVAULT_A_NUM_VAULTS attribute",
	[CV_PARSE_BAD_NUM_VAULTS] = "CAMVAULT_A_NUM_VAULTS is not a 4-byte u32",
	[CV_PARSE_NO_VAULT_NAME] = "vault has no CAMVAULT_A_VAULT_NAME attribute",
	[CV_PARSE_BAD_VAULT_NAME] = "CAMVAULT_A_VAULT_NAME is not a NUL-terminated printable string of 1-127 chars",
	[CV_PARSE_NO_DEV_MAJOR] = "vault has no CAMVAULT_A_VAULT_DEV_MAJOR attribute",
	[CV_PARSE_BAD_DEV_MAJOR] = "CAMVAULT_A_VAULT_DEV_MAJOR is not a 4-byte u32",
	[CV_PARSE_NO_DEV_MINOR] = "vault has no CAMVAULT_A_VAULT_DEV_MINOR attribute",
	[CV_PARSE_BAD_DEV_MINOR] = "CAMVAULT_A_VAULT_DEV_MINOR is not a 4-byte u32",
	[CV_PARSE_NO_CIPHER] = "vault has no CAMVAULT_A_VAULT_CIPHER attribute",
	[CV_PARSE_BAD_CIPHER] = "CAMVAULT_A_VAULT_CIPHER is not a NUL-terminated printable string of 1-63 chars",
	[CV_PARSE_NO_LOCKED] = "vault has no CAMVAULT_A_VAULT_LOCKED attribute",
	[CV_PARSE_BAD_LOCKED] = "CAMVAULT_A_VAULT_LOCKED is not a 1-byte u8 of 0 or 1",
	[CV_PARSE_NO_BYTES_READ] = "vault has no CAMVAULT_A_VAULT_BYTES_READ attribute",
	[CV_PARSE_BAD_BYTES_READ] = "CAMVAULT_A_VAULT_BYTES_READ is not an 8-byte u64",
	[CV_PARSE_NO_BYTES_WRITTEN] = "vault has no CAMVAULT_A_VAULT_BYTES_WRITTEN attribute",
	[CV_PARSE_BAD_BYTES_WRITTEN] = "CAMVAULT_A_VAULT_BYTES_WRITTEN is not an 8-byte u64",
	[CV_PARSE_NO_IO_ERRORS] = "vault has no CAMVAULT_A_VAULT_IO_ERRORS attribute",
	[CV_PARSE_BAD_IO_ERRORS] = "CAMVAULT_A_VAULT_IO_ERRORS is not an 8-byte u64",
	[CV_PARSE_NO_EVENT] = "event has no CAMVAULT_A_EVENT attribute",
	[CV_PARSE_BAD_EVENT] = "CAMVAULT_A_EVENT is not a 4-byte u32",
};

const char *cv_parse_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= __CV_PARSE_MAX || !cv_parse_errors[err])
		return "unknown reply parse error";
	return cv_parse_errors[err];
}

int cv_ipc_policy(int attr, unsigned int *minlen, unsigned int *maxlen)
{
	static const struct nla_policy *const policies[] = { cv_status_policy, cv_vault_policy, cv_event_policy };
	int type = NLA_UNSPEC;
	size_t i;

	*minlen = *maxlen = 0;
	if (attr < 0 || attr > CAMVAULT_A_MAX)
		return NLA_UNSPEC;
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		const struct nla_policy *p = &policies[i][attr];

		if (p->type == NLA_UNSPEC)
			continue;
		if (type != NLA_UNSPEC && (p->type != type || p->minlen != *minlen || p->maxlen != *maxlen))
			return -1;
		type = p->type;
		*minlen = p->minlen;
		*maxlen = p->maxlen;
	}
	return type;
}

/* Which error an attribute that the policy rejects stands for. */
static int cv_attr_err(const struct cv_attr_rule *rules, size_t nrules, int type)
{
	size_t i;

	for (i = 0; i < nrules; i++)
		if (rules[i].type == type)
			return rules[i].bad;
	return CV_PARSE_BAD_ATTR;
}

/*
 * Checks the headers of the len bytes at nlh, that the command is cmd, and every attribute against policy;
 * fills tb. Returns 0 when every attribute of rules is there, else -CV_PARSE_*.
 */
static int cv_parse_genl(const struct nlmsghdr *nlh, size_t len, uint8_t cmd, const struct nla_policy *policy,
			 const struct cv_attr_rule *rules, size_t nrules, struct nlattr **tb)
{
	/* libnl's parsers take non-const pointers but only read. */
	struct nlmsghdr *hdr = (struct nlmsghdr *)nlh;
	struct genlmsghdr *ghdr;
	struct nlattr *pos;
	size_t i;
	int rem;

	if (len < NLMSG_HDRLEN || hdr->nlmsg_len < NLMSG_HDRLEN || hdr->nlmsg_len > len)
		return -CV_PARSE_TRUNCATED;
	if (hdr->nlmsg_type < NLMSG_MIN_TYPE)
		return -CV_PARSE_NOT_GENL;
	if (!genlmsg_valid_hdr(hdr, 0))
		return -CV_PARSE_TRUNCATED;
	ghdr = nlmsg_data(hdr);
	if (ghdr->cmd != cmd)
		return -CV_PARSE_WRONG_CMD;

	/* Validate attribute by attribute first, to say which one is wrong. */
	nla_for_each_attr(pos, genlmsg_attrdata(ghdr, 0), genlmsg_attrlen(ghdr, 0), rem) {
		if (nla_validate(pos, pos->nla_len, CAMVAULT_A_MAX, policy) < 0)
			return -cv_attr_err(rules, nrules, nla_type(pos));
	}
	if (rem > 0)
		return -CV_PARSE_TRAILING;
	if (genlmsg_parse(hdr, 0, tb, CAMVAULT_A_MAX, policy) < 0)
		return -CV_PARSE_BAD_ATTR;

	for (i = 0; i < nrules; i++)
		if (!tb[rules[i].type])
			return -rules[i].missing;
	return 0;
}

/*
 * Whether a string attribute is NUL-terminated, of 1 to maxlen - 1 printable ASCII characters. The policy
 * checked the NUL and the length; check again rather than rely on one libnl version.
 */
static bool cv_attr_string_ok(const struct nlattr *attr, size_t maxlen)
{
	const char *s = nla_data(attr);
	int len = nla_len(attr);

	if (len < 2 || (size_t)len > maxlen || s[len - 1] != '\0' || strlen(s) != (size_t)len - 1)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

int cv_parse_status(const struct nlmsghdr *nlh, size_t len, struct cv_status *out)
{
	struct nlattr *tb[CAMVAULT_A_MAX + 1] = { 0 };
	int ret;

	ret = cv_parse_genl(nlh, len, CAMVAULT_CMD_GET_STATUS, cv_status_policy, cv_status_rules,
			    CV_NRULES(cv_status_rules), tb);
	if (ret)
		return ret;
	if (!cv_attr_string_ok(tb[CAMVAULT_A_VERSION], sizeof(out->version)))
		return -CV_PARSE_BAD_VERSION;

	strcpy(out->version, nla_data(tb[CAMVAULT_A_VERSION]));
	out->num_vaults = nla_get_u32(tb[CAMVAULT_A_NUM_VAULTS]);
	return 0;
}

int cv_parse_vault(const struct nlmsghdr *nlh, size_t len, struct cv_kernel_vault *out)
{
	struct nlattr *tb[CAMVAULT_A_MAX + 1] = { 0 };
	uint8_t locked;
	int ret;

	ret = cv_parse_genl(nlh, len, CAMVAULT_CMD_GET_VAULTS, cv_vault_policy, cv_vault_rules,
			    CV_NRULES(cv_vault_rules), tb);
	if (ret)
		return ret;
	if (!cv_attr_string_ok(tb[CAMVAULT_A_VAULT_NAME], sizeof(out->name)))
		return -CV_PARSE_BAD_VAULT_NAME;
	if (!cv_attr_string_ok(tb[CAMVAULT_A_VAULT_CIPHER], sizeof(out->cipher)))
		return -CV_PARSE_BAD_CIPHER;
	locked = nla_get_u8(tb[CAMVAULT_A_VAULT_LOCKED]);
	if (locked > 1)
		return -CV_PARSE_BAD_LOCKED;

	strcpy(out->name, nla_data(tb[CAMVAULT_A_VAULT_NAME]));
	strcpy(out->cipher, nla_data(tb[CAMVAULT_A_VAULT_CIPHER]));
	out->major = nla_get_u32(tb[CAMVAULT_A_VAULT_DEV_MAJOR]);
	out->minor = nla_get_u32(tb[CAMVAULT_A_VAULT_DEV_MINOR]);
	out->locked = locked;
	out->bytes_read = nla_get_u64(tb[CAMVAULT_A_VAULT_BYTES_READ]);
	out->bytes_written = nla_get_u64(tb[CAMVAULT_A_VAULT_BYTES_WRITTEN]);
	out->io_errors = nla_get_u64(tb[CAMVAULT_A_VAULT_IO_ERRORS]);
	return 0;
}

int cv_parse_event(const struct nlmsghdr *nlh, size_t len, struct cv_event *out)
{
	struct nlattr *tb[CAMVAULT_A_MAX + 1] = { 0 };
	int ret;

	ret = cv_parse_genl(nlh, len, CAMVAULT_CMD_EVENT, cv_event_policy, cv_event_rules, CV_NRULES(cv_event_rules),
			    tb);
	if (ret)
		return ret;
	if (!cv_attr_string_ok(tb[CAMVAULT_A_VAULT_NAME], sizeof(out->vault)))
		return -CV_PARSE_BAD_VAULT_NAME;

	out->event = nla_get_u32(tb[CAMVAULT_A_EVENT]);
	strcpy(out->vault, nla_data(tb[CAMVAULT_A_VAULT_NAME]));
	out->has_io_errors = tb[CAMVAULT_A_VAULT_IO_ERRORS] != NULL;
	out->io_errors = out->has_io_errors ? nla_get_u64(tb[CAMVAULT_A_VAULT_IO_ERRORS]) : 0;
	return 0;
}

const char *cv_event_name(uint32_t event)
{
	switch (event) {
	case CAMVAULT_EVENT_OPENED:
		return "opened";
	case CAMVAULT_EVENT_LOCKED:
		return "locked";
	case CAMVAULT_EVENT_CLOSED:
		return "closed";
	case CAMVAULT_EVENT_IO_ERROR:
		return "io_error";
	}
	return NULL;
}

int cv_event_format(const struct cv_event *e, char *buf, size_t len)
{
	const char *name = cv_event_name(e->event);
	char unknown[32];

	if (!name) {
		snprintf(unknown, sizeof(unknown), "event %" PRIu32, e->event);
		name = unknown;
	}
	if (e->has_io_errors)
		return snprintf(buf, len, "kernel: %s vault %s (%" PRIu64 " I/O error%s)", name, e->vault,
				e->io_errors, e->io_errors == 1 ? "" : "s");
	return snprintf(buf, len, "kernel: %s vault %s", name, e->vault);
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

/* The kernel's events come in bursts (a lock, a rain of I/O errors): room for many before any is dropped. */
#define CV_IPC_EVENTS_RCVBUF (256 * 1024)

int cv_ipc_events_open(struct cv_ipc *ipc, char *err, size_t errlen)
{
	int ret, grp;

	ret = cv_ipc_open(ipc, err, errlen);
	if (ret)
		return ret;
	grp = genl_ctrl_resolve_grp(ipc->sk, CAMVAULT_GENL_NAME, CAMVAULT_MCGRP_EVENTS);
	if (grp < 0) {
		snprintf(err, errlen, "camvault.ko has no multicast group '%s' (%s): the tool and the module do not "
			 "match, install both from the same camvault release", CAMVAULT_MCGRP_EVENTS, nl_geterror(grp));
		ret = -EPROTO;
		goto err;
	}
	ret = nl_socket_add_membership(ipc->sk, grp);
	if (ret == -NLE_PERM) {
		snprintf(err, errlen, "camvault.ko's event group '%s' needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN): "
			 "run with sudo (the agent runs as root under systemd)", CAMVAULT_MCGRP_EVENTS);
		ret = -EPERM;
		goto err;
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot join camvault.ko's event group '%s' (%s)", CAMVAULT_MCGRP_EVENTS,
			 nl_geterror(ret));
		ret = -EIO;
		goto err;
	}
	/* A failure leaves the default size, which only drops events sooner (and says so). */
	nl_socket_set_buffer_size(ipc->sk, CV_IPC_EVENTS_RCVBUF, 0);
	ret = nl_socket_set_nonblocking(ipc->sk);
	if (ret < 0) {
		snprintf(err, errlen, "cannot make the netlink event socket non-blocking (%s)", nl_geterror(ret));
		ret = -EIO;
		goto err;
	}
	return 0;

err:
	cv_ipc_close(ipc);
	return ret;
}

int cv_ipc_events_fd(const struct cv_ipc *ipc)
{
	return nl_socket_get_fd(ipc->sk);
}

int cv_ipc_events_read(struct cv_ipc *ipc, cv_event_cb cb, void *ctx, unsigned int *bad)
{
	/* Aligned for struct nlmsghdr; one datagram is never larger than the kernel's NLMSG_GOODSIZE. */
	static uint32_t buf[8192];
	int fd = nl_socket_get_fd(ipc->sk), count = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int rem;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			return -errno;
		}
		for (rem = (int)n; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
			struct cv_event e;

			/* Only the family's own messages; the controller's (family changes) are not events. */
			if (nlh->nlmsg_type != ipc->family)
				continue;
			if (cv_parse_event(nlh, nlh->nlmsg_len, &e)) {
				if (bad)
					(*bad)++;
				continue;
			}
			cb(&e, ctx);
			count++;
		}
	}
}

void cv_ipc_close(struct cv_ipc *ipc)
{
	nl_socket_free(ipc->sk);
	ipc->sk = NULL;
}

/*
 * One request and its answer. The module answers a request with its reply message(s), then an ACK (a "do"
 * command; none for CAMVAULT_CMD_LOCK), or with NLMSG_DONE after the last message (a dump), or with an
 * NLMSG_ERROR carrying its errno.
 */
struct cv_call {
	/* in */
	uint8_t cmd;
	const char *cmd_name;		/* "CAMVAULT_CMD_GET_STATUS", for the messages */
	const char *what;		/* what the replies are, "status reply", for the messages */
	bool dump;
	bool want_reply;		/* a "do" whose answer must hold a reply before the ACK */
	const char *vault_name;		/* sent as CAMVAULT_A_VAULT_NAME when not NULL */
	bool has_grace;			/* CAMVAULT_A_GRACE_MS sent, grace_ms */
	uint32_t grace_ms;
	/* Each reply, already checked to be of the family. Returns 0 or -CV_PARSE_*. */
	int (*on_reply)(const struct nlmsghdr *nlh, void *arg);
	void *arg;

	/* the answer, filled by the callbacks */
	int family;
	bool done;			/* the ACK, the NLMSG_DONE or the error came */
	unsigned int replies;
	int kernel_errno;		/* positive: the module refused */
	int type;			/* nlmsg_type of an unexpected message, or -1 */
	int parse_err;			/* the first -CV_PARSE_* of on_reply */
};

static int cv_reply_cb(struct nl_msg *msg, void *arg)
{
	struct cv_call *call = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int ret;

	if (nlh->nlmsg_type != call->family) {
		if (call->type < 0)
			call->type = nlh->nlmsg_type;
		return NL_SKIP;
	}
	call->replies++;
	/* libnl checked nlmsg_len against what it received before making msg. */
	ret = call->on_reply ? call->on_reply(nlh, call->arg) : 0;
	if (ret && !call->parse_err)
		call->parse_err = ret;
	/* A "do" has one reply, then the ACK; a dump goes on to NLMSG_DONE. */
	return NL_OK;
}

static int cv_ack_cb(struct nl_msg *msg, void *arg)
{
	struct cv_call *call = arg;

	(void)msg;
	call->done = true;
	return NL_STOP;
}

/* NLMSG_DONE of a dump: its payload, when there, is the dump's error (0, or a negative errno). */
static int cv_finish_cb(struct nl_msg *msg, void *arg)
{
	struct cv_call *call = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int32_t status;

	call->done = true;
	if (nlmsg_datalen(nlh) >= (int)sizeof(status)) {
		memcpy(&status, nlmsg_data(nlh), sizeof(status));
		if (status < 0)
			call->kernel_errno = -status;
	}
	return NL_STOP;
}

static int cv_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct cv_call *call = arg;

	(void)nla;
	call->done = true;
	call->kernel_errno = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

/* Builds and sends call's request. Returns 0 or -errno, with err written. */
static int cv_call_send(struct cv_ipc *ipc, struct cv_call *call, char *err, size_t errlen)
{
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	if (!msg) {
		snprintf(err, errlen, "out of memory building a netlink message");
		return -ENOMEM;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ipc->family, 0, call->dump ? NLM_F_DUMP : 0,
			 call->cmd, CAMVAULT_GENL_VERSION) ||
	    (call->vault_name && nla_put_string(msg, CAMVAULT_A_VAULT_NAME, call->vault_name)) ||
	    (call->has_grace && nla_put_u32(msg, CAMVAULT_A_GRACE_MS, call->grace_ms))) {
		snprintf(err, errlen, "cannot build the %s request", call->cmd_name);
		ret = -ENOMEM;
		goto out;
	}
	ret = nl_send_auto(ipc->sk, msg);
	if (ret < 0) {
		snprintf(err, errlen, "cannot send %s to camvault.ko: %s", call->cmd_name, nl_geterror(ret));
		ret = -EIO;
		goto out;
	}
	ret = 0;
out:
	nlmsg_free(msg);
	return ret;
}

/*
 * Sends call's request and reads the answer to its end. Returns 0 or -errno (the module's own errno when it
 * refused), with err written.
 */
static int cv_call(struct cv_ipc *ipc, struct cv_call *call, char *err, size_t errlen)
{
	struct nl_cb *cb;
	int ret;

	call->family = ipc->family;
	call->done = false;
	call->replies = 0;
	call->kernel_errno = 0;
	call->type = -1;
	call->parse_err = 0;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		snprintf(err, errlen, "out of memory building a netlink message");
		return -ENOMEM;
	}
	ret = cv_call_send(ipc, call, err, errlen);
	if (ret)
		goto out;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cv_reply_cb, call);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cv_ack_cb, call);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cv_finish_cb, call);
	nl_cb_err(cb, NL_CB_CUSTOM, cv_error_cb, call);
	/* libnl checks the sequence numbers; each nl_recvmsgs() reads at least one datagram. */
	do
		ret = nl_recvmsgs(ipc->sk, cb);
	while (ret >= 0 && !call->done);

	if (call->kernel_errno == EPERM || call->kernel_errno == EACCES) {
		/* Every command of the family, reading ones too, as device-mapper's status (uapi/camvault.h). */
		snprintf(err, errlen, "camvault.ko refused %s (%s): it needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN), "
			 "as device-mapper does: run it with sudo", call->cmd_name, strerror(call->kernel_errno));
		ret = -call->kernel_errno;
	} else if (call->kernel_errno == EOPNOTSUPP) {
		snprintf(err, errlen, "camvault.ko does not know %s: the module is older than the tool, install "
			 "both from the same camvault release", call->cmd_name);
		ret = -EOPNOTSUPP;
	} else if (call->kernel_errno) {
		snprintf(err, errlen, "camvault.ko answered %s with an error (%s): see 'dmesg'", call->cmd_name,
			 strerror(call->kernel_errno));
		ret = -call->kernel_errno;
	} else if (ret == -NLE_AGAIN || (ret >= 0 && !call->done)) {
		snprintf(err, errlen, "no answer to %s within %d s: camvault.ko is stuck, see 'dmesg'",
			 call->cmd_name, CV_IPC_TIMEOUT_S);
		ret = -ETIMEDOUT;
	} else if (ret == -NLE_DUMP_INTR) {
		snprintf(err, errlen, "the %s changed while it was read: run the command again", call->what);
		ret = -EAGAIN;
	} else if (ret < 0) {
		snprintf(err, errlen, "cannot read camvault.ko's answer to %s (%s): see 'dmesg'", call->cmd_name,
			 nl_geterror(ret));
		ret = -EIO;
	} else if (call->type >= 0) {
		snprintf(err, errlen, "unexpected netlink message type %d instead of the reply of family '%s' "
			 "(%d)", call->type, CAMVAULT_GENL_NAME, ipc->family);
		ret = -EPROTO;
	} else if (call->parse_err) {
		snprintf(err, errlen, "camvault.ko sent a malformed %s (%s): the tool and the module do not "
			 "match, install both from the same camvault release", call->what,
			 cv_parse_strerror(call->parse_err));
		ret = -EPROTO;
	} else if (call->want_reply && call->replies != 1) {
		snprintf(err, errlen, "camvault.ko answered %s with %u replies instead of one: the tool and the "
			 "module do not match, install both from the same camvault release", call->cmd_name,
			 call->replies);
		ret = -EPROTO;
	} else {
		ret = 0;
	}
out:
	nl_cb_put(cb);
	return ret;
}

static int cv_status_reply(const struct nlmsghdr *nlh, void *arg)
{
	return cv_parse_status(nlh, nlh->nlmsg_len, arg);
}

int cv_ipc_get_status(struct cv_ipc *ipc, struct cv_status *out, char *err, size_t errlen)
{
	struct cv_call call = {
		.cmd = CAMVAULT_CMD_GET_STATUS, .cmd_name = "CAMVAULT_CMD_GET_STATUS", .what = "status reply",
		.want_reply = true, .on_reply = cv_status_reply, .arg = out,
	};

	int ret = cv_call(ipc, &call, err, errlen);

	if (ret == -EPERM || ret == -EACCES) {
		snprintf(err, errlen, "camvault.ko's status (vaults, their states and byte counts) needs root "
			 "(CAP_SYS_ADMIN and CAP_NET_ADMIN), as 'dmsetup status' does: run with sudo");
		ret = -EPERM;
	}
	return ret;
}

struct cv_vault_list {
	struct cv_kernel_vault *v;
	size_t n, cap;
	bool oom;
};

static int cv_vault_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct cv_vault_list *list = arg;
	struct cv_kernel_vault vi;
	int ret;

	ret = cv_parse_vault(nlh, nlh->nlmsg_len, &vi);
	if (ret)
		return ret;
	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 8;
		struct cv_kernel_vault *v = realloc(list->v, cap * sizeof(*v));

		/* Read on to NLMSG_DONE, then fail the whole list. */
		if (!v) {
			list->oom = true;
			return 0;
		}
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = vi;
	return 0;
}

int cv_ipc_get_vaults(struct cv_ipc *ipc, struct cv_kernel_vault **vaults, size_t *n, char *err, size_t errlen)
{
	struct cv_vault_list list = { 0 };
	struct cv_call call = {
		.cmd = CAMVAULT_CMD_GET_VAULTS, .cmd_name = "CAMVAULT_CMD_GET_VAULTS", .what = "vault list",
		.dump = true, .on_reply = cv_vault_reply, .arg = &list,
	};
	int ret;

	ret = cv_call(ipc, &call, err, errlen);
	if (!ret && list.oom) {
		snprintf(err, errlen, "out of memory reading the vault list");
		ret = -ENOMEM;
	}
	if (ret) {
		free(list.v);
		list.v = NULL;
		list.n = 0;
	}
	*vaults = list.v;
	*n = list.n;
	return ret;
}

int cv_ipc_lock(struct cv_ipc *ipc, const char *name, char *err, size_t errlen)
{
	struct cv_call call = {
		.cmd = CAMVAULT_CMD_LOCK, .cmd_name = "CAMVAULT_CMD_LOCK", .what = "answer", .vault_name = name,
	};
	int ret;

	if (!name[0] || strlen(name) >= CAMVAULT_NAME_MAXLEN) {
		snprintf(err, errlen, "'%s' cannot be a vault name (1 to %d characters): 'camvault status' lists "
			 "the vaults", name, CAMVAULT_NAME_MAXLEN - 1);
		return -EINVAL;
	}
	ret = cv_call(ipc, &call, err, errlen);
	if (ret == -EPERM || ret == -EACCES) {
		snprintf(err, errlen, "locking vault %s needs root (CAP_SYS_ADMIN): run 'camvault lock %s' as "
			 "root", name, name);
		ret = -EPERM;
	} else if (ret == -ENODEV) {
		snprintf(err, errlen, "no vault named %s: 'camvault status' lists the vaults", name);
	}
	return ret;
}

int cv_ipc_arm(struct cv_ipc *ipc, const char *name, uint32_t grace_ms, char *err, size_t errlen)
{
	struct cv_call call = {
		.cmd = CAMVAULT_CMD_ARM, .cmd_name = "CAMVAULT_CMD_ARM", .what = "answer", .vault_name = name,
		.has_grace = true, .grace_ms = grace_ms,
	};
	int ret;

	if (!name[0] || strlen(name) >= CAMVAULT_NAME_MAXLEN) {
		snprintf(err, errlen, "'%s' cannot be a vault name (1 to %d characters): 'camvault status' lists "
			 "the vaults", name, CAMVAULT_NAME_MAXLEN - 1);
		return -EINVAL;
	}
	if (grace_ms > CAMVAULT_GRACE_MS_MAX) {
		snprintf(err, errlen, "a dead-man grace of %u ms is more than camvault.ko takes (%u ms)", grace_ms,
			 (unsigned int)CAMVAULT_GRACE_MS_MAX);
		return -EINVAL;
	}
	ret = cv_call(ipc, &call, err, errlen);
	if (ret == -ENODEV)
		snprintf(err, errlen, "no vault named %s is open: open it first", name);
	return ret;
}
