// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of camvault table lines:
 *
 *   <cipher> <key spec> <backing dev> <offset> [<#opts> <opts>...]
 *
 * Pure functions, no allocation, so that KUnit can prove every malformed form is refused with
 * a reason. The key spec follows dm-crypt's keyring syntax, ":<size>:logon:<description>"; a hex
 * key is refused because anyone with access to DM ioctls can read it back with "dmsetup table".
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/blk_types.h>

#include "internal.h"
#include "uapi/camvault.h"

static const char * const cv_cipher_names[] = {
	[CV_CIPHER_AES_XTS_PLAIN64] = CAMVAULT_CIPHER_AES_XTS,
	[CV_CIPHER_ADIANTUM_PLAIN64] = CAMVAULT_CIPHER_ADIANTUM,
};

/*
 * Key size in bytes for @cipher. AES-XTS also takes AES-128-XTS (32 bytes), returned in @alt;
 * 0 in @alt when the cipher has a single size.
 */
unsigned int cv_cipher_key_size(enum cv_cipher cipher, unsigned int *alt)
{
	switch (cipher) {
	case CV_CIPHER_AES_XTS_PLAIN64:
		*alt = CAMVAULT_CIPHER_AES_XTS_KEY_SIZE_ALT;
		return CAMVAULT_CIPHER_AES_XTS_KEY_SIZE;
	case CV_CIPHER_ADIANTUM_PLAIN64:
		*alt = 0;
		return CAMVAULT_CIPHER_ADIANTUM_KEY_SIZE;
	}
	*alt = 0;
	return 0;
}
EXPORT_SYMBOL_CV_KUNIT(cv_cipher_key_size);

int cv_parse_key_spec(const char *spec, enum cv_cipher cipher, struct cv_table *t, char **error)
{
	const char *type, *desc;
	unsigned int size, want, alt;
	char num[12];
	size_t len;

	if (spec[0] != ':') {
		/* "dmsetup table" shows tables to anyone with DM access. */
		*error = "Key in the table refused: use :<size>:logon:<description>";
		return -EINVAL;
	}
	type = strchr(spec + 1, ':');
	if (!type) {
		*error = "Malformed key spec: expected :<size>:logon:<description>";
		return -EINVAL;
	}
	len = type - (spec + 1);
	if (!len || len >= sizeof(num)) {
		*error = "Malformed key size in key spec";
		return -EINVAL;
	}
	memcpy(num, spec + 1, len);
	num[len] = '\0';
	if (kstrtouint(num, 10, &size)) {
		*error = "Malformed key size in key spec";
		return -EINVAL;
	}
	want = cv_cipher_key_size(cipher, &alt);
	if (size != want && (!alt || size != alt)) {
		*error = "Key size does not match the cipher";
		return -EINVAL;
	}
	type++;
	desc = strchr(type, ':');
	if (!desc) {
		*error = "Malformed key spec: expected :<size>:logon:<description>";
		return -EINVAL;
	}
	if (desc - type != 5 || strncmp(type, "logon", 5)) {
		*error = "Key type must be logon (user keys can be read back from userspace)";
		return -EINVAL;
	}
	desc++;
	len = strlen(desc);
	if (!len) {
		*error = "Empty key description in key spec";
		return -EINVAL;
	}
	if (len >= sizeof(t->key_desc)) {
		*error = "Key description too long";
		return -EINVAL;
	}
	t->key_size = size;
	memcpy(t->key_desc, desc, len + 1);
	return 0;
}
EXPORT_SYMBOL_CV_KUNIT(cv_parse_key_spec);

static int cv_parse_opt(const char *opt, struct cv_table *t, char **error)
{
	unsigned int val;

	if (!strcmp(opt, "allow_discards")) {
		t->allow_discards = true;
		return 0;
	}
	if (!strncmp(opt, "sector_size:", 12)) {
		if (kstrtouint(opt + 12, 10, &val) || (val != 512 && val != 4096)) {
			*error = "Invalid sector_size: must be 512 or 4096";
			return -EINVAL;
		}
		t->sector_size = val;
		return 0;
	}
	*error = "Unknown optional argument";
	return -EINVAL;
}

int cv_parse_table(unsigned int argc, char **argv, struct cv_table *t, char **error)
{
	unsigned int i, nopts;
	int ret;

	memset(t, 0, sizeof(*t));
	t->sector_size = 512;

	if (argc < 4) {
		*error = "Not enough arguments: <cipher> <key spec> <dev> <offset> [opts]";
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(cv_cipher_names); i++)
		if (!strcmp(argv[0], cv_cipher_names[i]))
			break;
	if (i == ARRAY_SIZE(cv_cipher_names)) {
		*error = "Unknown cipher: use " CAMVAULT_CIPHER_AES_XTS " or "
			 CAMVAULT_CIPHER_ADIANTUM;
		return -EINVAL;
	}
	t->cipher = i;

	ret = cv_parse_key_spec(argv[1], t->cipher, t, error);
	if (ret)
		return ret;

	if (!argv[2][0]) {
		*error = "Empty backing device";
		return -EINVAL;
	}
	t->dev_path = argv[2];

	if (kstrtoull(argv[3], 10, &t->offset)) {
		*error = "Invalid offset";
		return -EINVAL;
	}

	if (argc > 4) {
		if (kstrtouint(argv[4], 10, &nopts) || nopts != argc - 5) {
			*error = "Optional argument count does not match the arguments given";
			return -EINVAL;
		}
		for (i = 5; i < argc; i++) {
			ret = cv_parse_opt(argv[i], t, error);
			if (ret)
				return ret;
		}
	}
	if (t->offset & ((t->sector_size >> SECTOR_SHIFT) - 1)) {
		*error = "Offset is not a multiple of the sector size";
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_CV_KUNIT(cv_parse_table);

const char *cv_cipher_name(enum cv_cipher cipher)
{
	return cv_cipher_names[cipher];
}
EXPORT_SYMBOL_CV_KUNIT(cv_cipher_name);
