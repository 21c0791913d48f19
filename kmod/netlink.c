// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "camvault": the module's only control interface.
 * The contract (commands, attributes) is include/uapi/camvault.h.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "internal.h"
#include "uapi/camvault.h"

/* Not const: 6.1's nla_policy points at a mutable range (6.12's at a const one). */
static struct netlink_range_validation cv_grace_range __ro_after_init = {
	.max = CAMVAULT_GRACE_MS_MAX,
};

/* The version (VERSION) fits the status reply's attribute, as the tool reads it. */
static_assert(sizeof(CAMVAULT_VERSION) <= CAMVAULT_VERSION_MAXLEN, "VERSION is too long");

const struct nla_policy cv_genl_policy[CAMVAULT_A_MAX + 1] = {
	[CAMVAULT_A_VERSION] = { .type = NLA_NUL_STRING, .len = CAMVAULT_VERSION_MAXLEN - 1 },
	[CAMVAULT_A_NUM_VAULTS] = { .type = NLA_U32 },
	[CAMVAULT_A_VAULT_NAME] = { .type = NLA_NUL_STRING, .len = CAMVAULT_NAME_MAXLEN - 1 },
	[CAMVAULT_A_VAULT_DEV_MAJOR] = { .type = NLA_U32 },
	[CAMVAULT_A_VAULT_DEV_MINOR] = { .type = NLA_U32 },
	[CAMVAULT_A_VAULT_CIPHER] = { .type = NLA_NUL_STRING, .len = CAMVAULT_CIPHER_MAXLEN - 1 },
	[CAMVAULT_A_VAULT_LOCKED] = { .type = NLA_U8 },
	[CAMVAULT_A_VAULT_BYTES_READ] = { .type = NLA_U64 },
	[CAMVAULT_A_VAULT_BYTES_WRITTEN] = { .type = NLA_U64 },
	[CAMVAULT_A_VAULT_IO_ERRORS] = { .type = NLA_U64 },
	[CAMVAULT_A_EVENT] = { .type = NLA_U32 },
	[CAMVAULT_A_GRACE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &cv_grace_range),
};
EXPORT_SYMBOL_CV_KUNIT(cv_genl_policy);

/*
 * Only a process with CAP_NET_ADMIN and CAP_SYS_ADMIN may join "events" (see the uapi header).
 * The group flags came with 6.7 and were backported to 6.1.y (Debian's 6.1 has them); they are
 * macros, so their presence is the probe. A kernel without them lets any socket join and has no
 * per-family bind hook to refuse with: there the module sends no events at all (fail closed).
 */
#ifdef GENL_MCAST_CAP_SYS_ADMIN
#define CV_EVENTS_RESTRICTED true
#define CV_EVENTS_FLAGS (GENL_MCAST_CAP_NET_ADMIN | GENL_MCAST_CAP_SYS_ADMIN)
#else
#define CV_EVENTS_RESTRICTED false
#define CV_EVENTS_FLAGS 0
#endif

static const struct genl_multicast_group cv_genl_mcgrps[] = {
	{ .name = CAMVAULT_MCGRP_EVENTS, .flags = CV_EVENTS_FLAGS },
};

static struct genl_family cv_genl_family;

/*
 * Every command needs CAP_SYS_ADMIN, like device-mapper's control device (dmsetup status and ls
 * included), on top of the CAP_NET_ADMIN that GENL_ADMIN_PERM makes genetlink check: vault names,
 * locked states and byte counters (which show when footage is watched) are not for every user.
 * Checked against the socket's opener, as GENL_ADMIN_PERM is.
 */
static int cv_check_admin(const struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(extack, "camvault commands need CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

static int cv_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret = cv_check_admin(skb, info->extack);

	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cv_genl_family, 0, CAMVAULT_CMD_GET_STATUS);
	if (!hdr)
		goto err_size;
	if (nla_put_string(msg, CAMVAULT_A_VERSION, CAMVAULT_VERSION) ||
	    nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, cv_vault_count()))
		goto err_size;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int cv_put_vault(struct sk_buff *skb, struct netlink_callback *cb,
			const struct cv_vault_info *vi)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq, &cv_genl_family,
			  NLM_F_MULTI, CAMVAULT_CMD_GET_VAULTS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, CAMVAULT_A_VAULT_NAME, vi->name) ||
	    nla_put_u32(skb, CAMVAULT_A_VAULT_DEV_MAJOR, vi->major) ||
	    nla_put_u32(skb, CAMVAULT_A_VAULT_DEV_MINOR, vi->minor) ||
	    nla_put_string(skb, CAMVAULT_A_VAULT_CIPHER, cv_cipher_name(vi->cipher)) ||
	    nla_put_u8(skb, CAMVAULT_A_VAULT_LOCKED, vi->locked) ||
	    nla_put_u64_64bit(skb, CAMVAULT_A_VAULT_BYTES_READ, vi->bytes_read, CAMVAULT_A_PAD) ||
	    nla_put_u64_64bit(skb, CAMVAULT_A_VAULT_BYTES_WRITTEN, vi->bytes_written,
			      CAMVAULT_A_PAD) ||
	    nla_put_u64_64bit(skb, CAMVAULT_A_VAULT_IO_ERRORS, vi->io_errors, CAMVAULT_A_PAD) ||
	    nla_put_u32(skb, CAMVAULT_A_GRACE_MS, vi->grace_ms)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Checked before the dump starts, so that a refusal is an NLMSG_ERROR, not an empty dump. */
static int cv_get_vaults_start(struct netlink_callback *cb)
{
	return cv_check_admin(cb->skb, cb->extack);
}

/* One message per vault; cb->args[0] is the index of the next vault to send. */
static int cv_get_vaults(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cv_vault_info vi;

	while (!cv_vault_info(cb->args[0], &vi)) {
		if (cv_put_vault(skb, cb, &vi))
			break;
		cb->args[0]++;
	}
	return skb->len;
}

/* What every command on one vault checks first. */
static int cv_admin_vault_cmd(struct sk_buff *skb, struct genl_info *info)
{
	int ret = cv_check_admin(skb, info->extack);

	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, CAMVAULT_A_VAULT_NAME)) {
		NL_SET_ERR_MSG(info->extack,
			       "the vault's name (CAMVAULT_A_VAULT_NAME) is required");
		return -EINVAL;
	}
	return 0;
}

static int cv_vault_cmd_result(struct genl_info *info, int ret)
{
	if (ret == -ENODEV)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CAMVAULT_A_VAULT_NAME],
				    "no camvault vault with this device-mapper name");
	return ret;
}

static int cv_lock(struct sk_buff *skb, struct genl_info *info)
{
	int ret = cv_admin_vault_cmd(skb, info);

	if (ret)
		return ret;
	ret = cv_vault_lock_by_name(nla_data(info->attrs[CAMVAULT_A_VAULT_NAME]));
	return cv_vault_cmd_result(info, ret);
}

static int cv_arm(struct sk_buff *skb, struct genl_info *info)
{
	int ret = cv_admin_vault_cmd(skb, info);

	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, CAMVAULT_A_GRACE_MS)) {
		NL_SET_ERR_MSG(info->extack, "the grace period (CAMVAULT_A_GRACE_MS) is required");
		return -EINVAL;
	}
	ret = cv_vault_arm(nla_data(info->attrs[CAMVAULT_A_VAULT_NAME]),
			   nla_get_u32(info->attrs[CAMVAULT_A_GRACE_MS]), info->snd_portid);
	return cv_vault_cmd_result(info, ret);
}

/* A generic netlink socket of the initial namespace is gone: vaults it armed start their grace. */
static int cv_netlink_notify(struct notifier_block *nb, unsigned long state, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (state == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC && n->portid &&
	    net_eq(n->net, &init_net))
		cv_vault_socket_gone(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block cv_netlink_nb = {
	.notifier_call = cv_netlink_notify,
};

/* genl_ops, not genl_small_ops: GET_VAULTS needs a start callback. */
static const struct genl_ops cv_genl_ops[] = {
	{
		.cmd = CAMVAULT_CMD_GET_STATUS,
		.doit = cv_get_status,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CAMVAULT_CMD_GET_VAULTS,
		.start = cv_get_vaults_start,
		.dumpit = cv_get_vaults,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CAMVAULT_CMD_LOCK,
		.doit = cv_lock,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = CAMVAULT_CMD_ARM,
		.doit = cv_arm,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family cv_genl_family __ro_after_init = {
	.name = CAMVAULT_GENL_NAME,
	.version = CAMVAULT_GENL_VERSION,
	.maxattr = CAMVAULT_A_MAX,
	.policy = cv_genl_policy,
	.module = THIS_MODULE,
	.ops = cv_genl_ops,
	.n_ops = ARRAY_SIZE(cv_genl_ops),
	.mcgrps = cv_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cv_genl_mcgrps),
};

/* Tell the "events" group; best effort (no listener, no memory: the event is dropped). */
void cv_genl_event(enum camvault_event event, const char *name, u64 io_errors)
{
	struct sk_buff *msg;
	void *hdr;

	if (!CV_EVENTS_RESTRICTED)
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cv_genl_family, 0, CAMVAULT_CMD_EVENT);
	if (!hdr || nla_put_u32(msg, CAMVAULT_A_EVENT, event) ||
	    nla_put_string(msg, CAMVAULT_A_VAULT_NAME, name) ||
	    (event == CAMVAULT_EVENT_IO_ERROR &&
	     nla_put_u64_64bit(msg, CAMVAULT_A_VAULT_IO_ERRORS, io_errors, CAMVAULT_A_PAD))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&cv_genl_family, msg, 0, 0, GFP_KERNEL);
}

int __init cv_genl_init(void)
{
	int ret = netlink_register_notifier(&cv_netlink_nb);

	if (ret)
		return ret;
	ret = genl_register_family(&cv_genl_family);
	if (ret) {
		netlink_unregister_notifier(&cv_netlink_nb);
		return ret;
	}
	if (!CV_EVENTS_RESTRICTED)
		pr_warn("camvault: this kernel cannot restrict netlink multicast groups: no '%s' events are sent\n",
			CAMVAULT_MCGRP_EVENTS);
	return 0;
}

void cv_genl_exit(void)
{
	genl_unregister_family(&cv_genl_family);
	netlink_unregister_notifier(&cv_netlink_nb);
}

MODULE_ALIAS_GENL_FAMILY(CAMVAULT_GENL_NAME);
