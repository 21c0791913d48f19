// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the camvault family's attribute policy, as generic netlink applies it (strictly) before
 * any command runs. Every malformed attribute must be refused before our code sees it.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "../internal.h"
#include "uapi/camvault.h"

struct cv_attr_buf {
	u8 data[512] __aligned(NLA_ALIGNTO);
	int len;
};

static void cv_put(struct cv_attr_buf *b, u16 type, const void *payload, u16 len)
{
	struct nlattr *nla = (struct nlattr *)(b->data + b->len);

	nla->nla_type = type;
	nla->nla_len = nla_attr_size(len);
	memcpy(nla_data(nla), payload, len);
	b->len += nla_total_size(len);
}

/* Off the stack: KASAN's redzones make a kernel stack frame of two buffers too large. */
static struct cv_attr_buf *cv_buf(struct kunit *test)
{
	struct cv_attr_buf *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	return b;
}

static int cv_validate(struct cv_attr_buf *b, struct netlink_ext_ack *extack)
{
	return nla_validate((struct nlattr *)b->data, b->len, CAMVAULT_A_MAX, cv_genl_policy,
			    extack);
}

static void cv_policy_good_request(struct kunit *test)
{
	struct cv_attr_buf *b = cv_buf(test);
	u32 grace = 30000;

	cv_put(b, CAMVAULT_A_VAULT_NAME, "cam0", 5);
	cv_put(b, CAMVAULT_A_GRACE_MS, &grace, sizeof(grace));
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), 0);
}

static void cv_policy_name(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct cv_attr_buf *b = cv_buf(test);
	char *name = kunit_kzalloc(test, CAMVAULT_NAME_MAXLEN + 1, GFP_KERNEL);

	cv_put(b, CAMVAULT_A_VAULT_NAME, "cam0", 4);	/* no NUL */
	KUNIT_EXPECT_EQ(test, cv_validate(b, &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);

	/* The longest name DM allows fits; one more byte does not. */
	KUNIT_ASSERT_NOT_NULL(test, name);
	memset(name, 'n', CAMVAULT_NAME_MAXLEN + 1);
	name[CAMVAULT_NAME_MAXLEN - 1] = '\0';
	b->len = 0;
	cv_put(b, CAMVAULT_A_VAULT_NAME, name, CAMVAULT_NAME_MAXLEN);
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), 0);
	name[CAMVAULT_NAME_MAXLEN - 1] = 'n';
	name[CAMVAULT_NAME_MAXLEN] = '\0';
	b->len = 0;
	cv_put(b, CAMVAULT_A_VAULT_NAME, name, CAMVAULT_NAME_MAXLEN + 1);
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), -EINVAL);
}

static void cv_policy_grace(struct kunit *test)
{
	struct cv_attr_buf *b = cv_buf(test);
	u32 grace = CAMVAULT_GRACE_MS_MAX;
	u16 half = 5;

	cv_put(b, CAMVAULT_A_GRACE_MS, &grace, sizeof(grace));
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), 0);
	grace++;
	b->len = 0;
	cv_put(b, CAMVAULT_A_GRACE_MS, &grace, sizeof(grace));
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), -ERANGE);
	b->len = 0;
	cv_put(b, CAMVAULT_A_GRACE_MS, &half, sizeof(half));	/* a u32 of two bytes */
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), -EINVAL);
}

static void cv_policy_unknown_and_truncated(struct kunit *test)
{
	struct cv_attr_buf *b = cv_buf(test);
	u32 v = 1;

	cv_put(b, CAMVAULT_A_MAX + 1, &v, sizeof(v));
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), -EINVAL);

	b->len = 0;
	cv_put(b, CAMVAULT_A_NUM_VAULTS, &v, sizeof(v));
	b->len -= 2;	/* the attribute claims more bytes than the message has */
	KUNIT_EXPECT_EQ(test, cv_validate(b, NULL), -EINVAL);
}

static struct kunit_case cv_netlink_cases[] = {
	KUNIT_CASE(cv_policy_good_request),
	KUNIT_CASE(cv_policy_name),
	KUNIT_CASE(cv_policy_grace),
	KUNIT_CASE(cv_policy_unknown_and_truncated),
	{}
};

static struct kunit_suite cv_netlink_suite = {
	.name = "camvault-netlink",
	.test_cases = cv_netlink_cases,
};

kunit_test_suite(cv_netlink_suite);
