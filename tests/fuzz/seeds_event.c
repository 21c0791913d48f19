// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_event into the directory given: each kind of event camvault.ko multicasts,
 * and a few near misses.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "uapi/camvault.h"
#include "helpers.h"

static struct nl_msg *event(uint32_t ev, const char *name, int count)
{
	struct nl_msg *msg = cv_test_genl_msg(CAMVAULT_CMD_EVENT);

	if (msg && (nla_put_u32(msg, CAMVAULT_A_EVENT, ev) || nla_put_string(msg, CAMVAULT_A_VAULT_NAME, name) ||
		    (count && (nla_put(msg, CAMVAULT_A_PAD, 0, NULL) ||
			       nla_put_u64(msg, CAMVAULT_A_VAULT_IO_ERRORS, (uint64_t)count)))))
		return NULL;
	return msg;
}

int main(int argc, char **argv)
{
	struct nl_msg *msg;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_event DIR\n");
		return 1;
	}
	cv_test_seed(argv[1], event(CAMVAULT_EVENT_OPENED, "cam0", 0));
	cv_test_seed(argv[1], event(CAMVAULT_EVENT_LOCKED, "front-door_2.cam", 0));
	cv_test_seed(argv[1], event(CAMVAULT_EVENT_CLOSED, "cam0", 0));
	cv_test_seed(argv[1], event(CAMVAULT_EVENT_IO_ERROR, "cam0", 17));
	cv_test_seed(argv[1], event(99, "cam9", 0));
	/* Truncated into the count. */
	msg = event(CAMVAULT_EVENT_IO_ERROR, "cam0", 1);
	if (msg)
		nlmsg_hdr(msg)->nlmsg_len -= 4;
	cv_test_seed(argv[1], msg);
	return 0;
}
