/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vault registry, /etc/camvault/vaults.conf: which vaults this machine has, so that the agent can open and
 * mount them at boot. One vault per line, whitespace-separated like /etc/crypttab:
 *
 *	# name	backing				mountpoint		options
 *	cam0	/var/lib/camvault/cam0.img	/media/frigate		defaults
 *	cam1	/dev/sda2			-			pin,noauto
 *
 * name: a vault name (cv_vault_name_check()); backing: an absolute path; mountpoint: an absolute path, or "-"
 * for none; options: comma-separated, "defaults" meaning none of them (next to others it changes nothing):
 *	pin		the vault needs a PIN: the agent does not open it at boot, "camvault open" asks
 *	noauto		the agent does not open it at boot
 *	fstype=T	the filesystem to mount (default ext4), T being [a-z0-9]{1,15}
 *	record-or-deny	the agent loads the probes with record-or-deny (LSM tier only): a read-open of footage whose
 *			record the ring buffer could not hold is refused (EACCES), except by a recorder
 *	recorder=EXE	with record-or-deny: the executable EXE (an absolute path: the NVR's recorder) is never
 *			refused; repeated for several, up to CV_RECORDERS_MAX
 *	deadman=S	the agent arms the vault's dead-man lock (CAMVAULT_CMD_ARM) with a grace of S seconds
 *			(1 to 86400) when it opens or finds it open: the vault locks itself S seconds after the
 *			agent's netlink socket is gone (the agent died) unless an agent arms it again
 * The options field may be omitted, the other three may not. Fields are separated by spaces and tabs ('\r' too,
 * for CRLF files). '#' starts a comment (at the start of a line or of a field); blank lines are kept. Paths
 * with whitespace are not supported (error names the line); neither are control characters nor NUL bytes
 * outside comments (NUL nowhere), lines over 3 * PATH_MAX bytes, or files over 1 MiB.
 *
 * The directory is CAMVAULT_ETC when set (tests), else /etc/camvault (util/paths.h).
 */
#ifndef CV_REGISTRY_H
#define CV_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "uapi/camvault.h"
#include "util/paths.h"

#define CV_REGISTRY_FILE	"vaults.conf"
#define CV_RECORDERS_MAX	4
#define CV_DEADMAN_MAX_S	86400	/* CAMVAULT_GRACE_MS_MAX */

struct cv_vault_entry {
	char name[CAMVAULT_NAME_MAXLEN];	/* the device-mapper name */
	char backing[PATH_MAX];
	char mountpoint[PATH_MAX];	/* "" when "-" */
	char fstype[16];		/* "ext4" unless fstype= says otherwise */
	bool pin;
	bool noauto;
	bool record_or_deny;
	unsigned int nrecorders;
	char recorders[CV_RECORDERS_MAX][PATH_MAX];	/* recorder=, in the file's order */
	unsigned int deadman_s;		/* deadman=: the grace in seconds; 0: not armed */
	unsigned int line;		/* 1-based line in the file, 0 when not from a file */
};

struct cv_registry {
	struct cv_vault_entry *v;
	size_t n;
};

/* The registry's path: $CAMVAULT_ETC/vaults.conf or /etc/camvault/vaults.conf, into buf; NULL if too long. */
const char *cv_registry_path(char *buf, size_t len);

/*
 * Parses len bytes of registry text (not necessarily NUL-terminated); path names it in messages: "<path> line
 * N: <what is wrong>: <fix>". Duplicate names are an error. Returns 0 or -1 (r then holds nothing).
 */
int cv_registry_parse(const char *text, size_t len, const char *path, struct cv_registry *r, char *err,
		      size_t errlen);

/* Reads and parses the file at path; a missing file is an empty registry. Returns 0 or -1 (r then empty). */
int cv_registry_load(const char *path, struct cv_registry *r, char *err, size_t errlen);

/* The entry named name, or NULL. */
const struct cv_vault_entry *cv_registry_find(const struct cv_registry *r, const char *name);

/*
 * The line for e, without newline, into buf: "name backing mountpoint|- options|defaults", single spaces,
 * options in the order pin,noauto,fstype=T,record-or-deny,recorder=EXE...,deadman=S (fstype only when not
 * ext4, recorders in their order, deadman only when set). 0 or -1 (too small). It does not
 * check e: what cv_registry_parse() returned formats into a line that parses back to the same vault.
 */
int cv_registry_format(const struct cv_vault_entry *e, char *buf, size_t len);

/*
 * Appends e to the file at path (creating it, and its directory, mode 0755/0644 with a header comment), by
 * writing a new file (path.tmp, fsync'd) and renaming it over the old one, then fsync'ing the directory, so a
 * crash leaves the old or the new registry, whole. The old file's bytes and permissions are kept. Edits are
 * serialised by an flock() of the directory. Refuses an entry no line could hold (same checks as the parser;
 * mountpoint "" or "-" for none, fstype "" for ext4), a name already there, and an existing file that does
 * not parse (it is not rewritten). Returns 0 or -1.
 */
int cv_registry_add(const char *path, const struct cv_vault_entry *e, char *err, size_t errlen);

/*
 * Removes the line of vault name from the file at path, leaving every other line (comments included) as it
 * was, the same way (new file, rename, lock). Returns 1 when removed, 0 when no such vault (or no file), -1 on
 * error: a file that does not parse is not rewritten.
 */
int cv_registry_remove(const char *path, const char *name, char *err, size_t errlen);

void cv_registry_free(struct cv_registry *r);

/*
 * A vault name: 1 to 127 characters of A-Z a-z 0-9 _ . + -, not starting with '.' or '-'. It becomes the
 * device-mapper name and, in the key description "camvault:<name>", part of the table, whose words are
 * separated by spaces. Returns 0 or -1.
 */
int cv_vault_name_check(const char *name, char *err, size_t errlen);

#endif /* CV_REGISTRY_H */
