// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_vault into the directory given: good vault messages and a few near misses.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "uapi/camvault.h"
#include "helpers.h"

int main(int argc, char **argv)
{
	struct cv_test_vault v = {
		.name = "cam0", .major = 254, .minor = 0, .cipher = "aes-xts-plain64",
		.bytes_read = 1258291, .bytes_written = 3565158, .io_errors = 0,
	};
	struct nl_msg *msg;

	if (argc != 2) {
		fprintf(stderr, "usage: seeds_vault DIR\n");
		return 1;
	}
	cv_test_seed(argv[1], cv_test_vault_msg(&v));
	v.name = "front-door_2.cam";
	v.cipher = "xchacha12,aes-adiantum-plain64";
	v.locked = 1;
	v.minor = 4095;
	v.bytes_read = v.bytes_written = v.io_errors = UINT64_MAX;
	cv_test_seed(argv[1], cv_test_vault_msg(&v));

	/* Every attribute but the last, then a u8 locked of 2, then the status reply's attributes. */
	msg = cv_test_vault_msg(&v);
	if (msg)
		nlmsg_hdr(msg)->nlmsg_len -= 12;
	cv_test_seed(argv[1], msg);

	msg = cv_test_genl_msg(CAMVAULT_CMD_GET_VAULTS);
	if (msg && (nla_put_string(msg, CAMVAULT_A_VAULT_NAME, "cam1") ||
		    nla_put_u32(msg, CAMVAULT_A_VAULT_DEV_MAJOR, 254) ||
		    nla_put_u32(msg, CAMVAULT_A_VAULT_DEV_MINOR, 1) ||
		    nla_put_string(msg, CAMVAULT_A_VAULT_CIPHER, "aes-xts-plain64") ||
		    nla_put_u8(msg, CAMVAULT_A_VAULT_LOCKED, 2) ||
		    nla_put_u64(msg, CAMVAULT_A_VAULT_BYTES_READ, 1) ||
		    nla_put_u64(msg, CAMVAULT_A_VAULT_BYTES_WRITTEN, 2) ||
		    nla_put_u64(msg, CAMVAULT_A_VAULT_IO_ERRORS, 3)))
		msg = NULL;
	cv_test_seed(argv[1], msg);

	cv_test_seed(argv[1], cv_test_status_reply("0.1.0", 1));
	return 0;
}
