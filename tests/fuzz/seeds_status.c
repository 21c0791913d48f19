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

static int n;

static void seed(const char *dir, struct nl_msg *msg)
{
	char path[4096];
	FILE *f;

	if (!msg) {
		fprintf(stderr, "seeds_status: cannot build a message\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/seed-%02d", dir, n++);
	f = fopen(path, "wb");
	if (!f || fwrite(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, 1, f) != 1 || fclose(f)) {
		perror(path);
		exit(1);
	}
	nlmsg_free(msg);
}

int main(int argc, char **argv)
{
	struct nl_msg *msg;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_status DIR\n");
		return 1;
	}
	seed(argv[1], cv_test_status_reply("0.1.0", 0));
	seed(argv[1], cv_test_status_reply("1.2.3-rc4+g0123abcd", 4096));

	msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);
	if (msg && (nla_put_u32(msg, CAMVAULT_A_NUM_VAULTS, 2) || nla_put_u64(msg, CAMVAULT_A_MAX + 1, 7) ||
		    nla_put_string(msg, CAMVAULT_A_VERSION, "0.2.0")))
		msg = NULL;
	seed(argv[1], msg);

	msg = cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS);
	if (msg && (nla_put(msg, CAMVAULT_A_VERSION, 5, "0.1.0") || nla_put_u16(msg, CAMVAULT_A_NUM_VAULTS, 1)))
		msg = NULL;
	seed(argv[1], msg);

	seed(argv[1], cv_test_genl_msg(CAMVAULT_CMD_GET_STATUS + 1));
	return 0;
}
