// SPDX-License-Identifier: GPL-2.0
/*
 * camvault.ko: a device-mapper target that keeps home-camera footage encrypted under a key
 * that only this device's TPM releases, controlled over the generic netlink family "camvault".
 */
#include <linux/module.h>

#include "internal.h"

static int __init cv_init(void)
{
	int ret;

	ret = cv_target_init();
	if (ret)
		return ret;
	ret = cv_genl_init();
	if (ret) {
		cv_target_exit();
		return ret;
	}
	pr_info("camvault %s loaded\n", CAMVAULT_VERSION);
	return 0;
}

static void __exit cv_exit(void)
{
	cv_genl_exit();
	cv_target_exit();
}

module_init(cv_init);
module_exit(cv_exit);

MODULE_DESCRIPTION("camvault: device-bound encryption for camera footage");
MODULE_AUTHOR("The camvault developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(CAMVAULT_VERSION);
MODULE_ALIAS("dm-camvault");
