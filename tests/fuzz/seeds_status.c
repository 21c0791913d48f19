// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_status into the directory given: a good reply and a few near misses.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "uapi/camvault.h"
#include "helpers.h"

int main(int argc, char **argv)
{
	struct nl_msg *msg;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_status DIR\n");
		return 1;
	}
	cv_test_seed(argv[1], cv_test_status_reply("0.1.0", 0));
	cv_test_seed(argv[1], cv_test_status_reply("1.2.3-rc4+g0123abcd", 4096));

	msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);
	if (msg && (nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 2) || nla_put_u64(msg, CAMVAULT_A_MAX + 1, 7) ||
		    nla_put_string(msg, CAMVAULT_A_VERSION, "0.2.0")))
		msg = NULL;
	cv_test_seed(argv[1], msg);

	msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);
	if (msg && (nla_put(msg, CAMVAULT_A_VERSION, 5, "0.1.0") || nla_put_u16(msg, CAMVAULT_A_NUM_VAULTS, 1)))
		msg = NULL;
	cv_test_seed(argv[1], msg);

	cv_test_seed(argv[1], cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS + 1));
	return 0;
}
