// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "camvault": the module's only control interface.
 * The contract (commands, attributes) is include/uapi/camvault.h.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "camvault.h"
#include "uapi/camvault.h"

static const struct nla_policy cv_genl_policy[CAMVAULT_A_MAX + 1] = {
	[CAMVAULT_A_VERSION] = { .type = NLA_NUL_STRING, .len = CAMVAULT_VERSION_MAXLEN - 1 },
	[CAMVAULT_A_NUM_VAULTS] = { .type = NLA_U32 },
};

static struct genl_family cv_genl_family;

static int cv_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cv_genl_family, 0, CAMVAULT_CMD_GET_STATUS);
	if (!hdr)
		goto err_size;
	if (nla_put_string(msg, CAMVAULT_A_VERSION, CAMVAULT_MODULE_VERSION) ||
	    nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, cv_vault_count()))
		goto err_size;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_small_ops cv_genl_ops[] = {
	{
		.cmd = CAMVAULT_CMD_GET_STATUS,
		.doit = cv_get_status,
	},
};

static struct genl_family cv_genl_family __ro_after_init = {
	.name = CAMVAULT_GENL_NAME,
	.version = CAMVAULT_GENL_VERSION,
	.maxattr = CAMVAULT_A_MAX,
	.policy = cv_genl_policy,
	.module = THIS_MODULE,
	.small_ops = cv_genl_ops,
	.n_small_ops = ARRAY_SIZE(cv_genl_ops),
};

int __init cv_genl_init(void)
{
	return genl_register_family(&cv_genl_family);
}

void cv_genl_exit(void)
{
	genl_unregister_family(&cv_genl_family);
}
MODULE_ALIAS_GENL_FAMILY(CAMVAULT_GENL_NAME);
