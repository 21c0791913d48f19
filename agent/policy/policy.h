/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The access policy, /etc/camvault/policy.conf: which accesses to footage are expected (the recorder writing
 * segments, the retention job deleting old ones, the NVR's web server serving clips). Every access no rule
 * expects is unexpected, and the reports and the agent's alerts say so. A missing file is an empty policy:
 * everything is unexpected.
 *
 * One rule per line, '#' starting a comment (at the start of a line or of a field), blank lines ignored:
 *
 *	allow NAME KEY=VALUE...
 *
 * NAME: 1 to 63 of A-Z a-z 0-9 _ . - (reports name the rule that expected an access), unique in the file.
 * Keys (each at most once per rule; a rule expects an access when every key it has matches):
 *	op=OP[,OP...]	required: the operations allowed (below)
 *	exe=GLOB	the executable's path, fnmatch(3) without flags: '*' matches '/' too; and the file the kernel
 *			ran must be the file at that path on the NVR (PID 1's mount namespace), unless the rule names
 *			a container (cgroup=, unit=), whose own paths it then means
 *	comm=NAME	the process name (comm, at most 15 characters), exactly: for scripts, whose exe is the
 *			interpreter's (/usr/bin/python3.11). Any process can take any name: comm= only narrows
 *	uid=UID[,UID...]	real uids, numbers or user names (resolved when the file is read)
 *	cgroup=ID	the cgroup v2 id (the container); or cgroup=/PATH, a cgroup directory under
 *			/sys/fs/cgroup ($CAMVAULT_CGROUP_ROOT), looked up at each match so that a restarted service's
 *			new cgroup is still it (records of a cgroup that no longer exists then no longer match)
 *	unit=NAME.service	a systemd unit: cgroup=/system.slice/NAME.service
 *	vault=NAME	the access is on that vault (cv_rec_vault())
 *	path=GLOB	the path touched, fnmatch(3) without flags; for a rename the new path must match too (moving
 *			footage out of where a rule allows is not what the rule allows)
 *	peer=PREFIX[,PREFIX...]	where what was read may go, for a rule with op=...,peer (an error without):
 *			a record with CAMVAULT_RF_PEER is expected only when its peer is in one of the prefixes; a
 *			record without it is not restricted (op= says whether a peer at all). PREFIX is
 *			  an IPv4 or IPv6 address with an optional /len: 192.168.0.0/16, 10.0.0.0/8, fd00::/8,
 *			  127.0.0.1 (no /len: that address); bits set past /len are an error (a typo);
 *			  lan: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, 127.0.0.0/8, fc00::/7,
 *			  fe80::/10 and ::1 (RFC 1918, link-local, unique local, loopback);
 *			  loopback: 127.0.0.0/8 and ::1;
 *			and a port, the peer's, after it: after an IPv4 prefix or a keyword 10.0.0.5:443, lan:8080;
 *			after an IPv6 one in brackets [2001:db8::5]:443, [2001:db8::/32]:443 (an IPv6 prefix has
 *			at least two colons; one colon is a port). Without a port, any. A peer the agent serves is
 *			a client on an ephemeral port: ports are for the peers a process connects to.
 *			An IPv4-mapped IPv6 peer (::ffff:a.b.c.d, a dual-stack socket's IPv4 client) is matched as
 *			the IPv4 address it is, and ::ffff:a.b.c.d/len (len >= 96) is the IPv4 prefix a.b.c.d/len-96;
 *			other IPv6 prefixes (::/0) do not hold IPv4 peers. At most 32 prefixes (lan is 8).
 * A rule must say who: at least one of exe, uid, cgroup, unit (comm alone is not who). Values hold no
 * whitespace (a glob can say '?' for a space). cgroup=/PATH may be a glob (/system.slice/docker-*.scope).
 *
 * Who a process is, beyond the keys: outside a rule that names a container, a process in a user namespace
 * other than the host's (one it made itself: unshare -U) is never expected, and exe= holds only when the
 * agent found the executable (device, inode) to be the NVR's file at that path (CAMVAULT_AF_EXE_HOST).
 * Records logged before camvault recorded these (exe_ino, mnt_ns and user_ns all 0) are matched by the keys
 * alone.
 *
 * Operations, and what of a record makes each:
 *	read	bytes_read > 0 (of a file; a camera's reads are stream)
 *	write	bytes_written > 0
 *	mmap	mmaps > 0
 *	stream	a camera: streamons, dqbufs or bytes read
 *	open	a session that did none of the above (opened and closed)
 *	peer	CAMVAULT_RF_PEER: data read from it went to a socket
 *	unlink, rename, truncate	the records of those types
 * A rule expects a record when it allows EVERY operation the record did: a web server allowed to read does
 * not also get to send what it read to a socket unless the rule says op=read,peer (nginx's sendfile() to a
 * client IS peer: a rule for a web server serving clips must allow it). open is implied by read, write, mmap
 * and stream (each needs an open); nothing implies peer, unlink, rename or truncate. A rule that would expect
 * a record but for its peer (outside peer=) gives that reason (CV_WHY_PEER), once who the process is holds.
 *
 * Errors: "<path> line N: <what is wrong>: <fix>". Lines over 4096 bytes, files over 1 MiB, NUL bytes and
 * control characters are errors.
 */
#ifndef CV_POLICY_H
#define CV_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/camvault.h"
#include "vault/registry.h"

#define CV_POLICY_FILE		"policy.conf"
#define CV_POLICY_CGROUP_ENV	"CAMVAULT_CGROUP_ROOT"
#define CV_POLICY_CGROUP_ROOT	"/sys/fs/cgroup"

/* Operation bits. */
enum cv_op {
	CV_OP_READ = 1 << 0,
	CV_OP_WRITE = 1 << 1,
	CV_OP_MMAP = 1 << 2,
	CV_OP_STREAM = 1 << 3,
	CV_OP_OPEN = 1 << 4,
	CV_OP_UNLINK = 1 << 5,
	CV_OP_RENAME = 1 << 6,
	CV_OP_TRUNCATE = 1 << 7,
	CV_OP_PEER = 1 << 8,
};
#define CV_OP_COUNT 9

struct cv_policy;
struct cv_policy_rule;

/* The policy's path: $CAMVAULT_ETC/policy.conf or /etc/camvault/policy.conf, into buf; NULL if too long. */
const char *cv_policy_path(char *buf, size_t len);

/*
 * Parses len bytes of policy text (not necessarily NUL-terminated); path names it in messages. Returns 0 with
 * *out (free with cv_policy_free()), or -1 with *out NULL and err "<path> line N: <what>: <fix>".
 */
int cv_policy_parse(const char *text, size_t len, const char *path, struct cv_policy **out, char *err,
		    size_t errlen);

/* Reads and parses the file at path (NULL: cv_policy_path()); a missing file is an empty policy. 0 or -1. */
int cv_policy_load(const char *path, struct cv_policy **out, char *err, size_t errlen);

/*
 * The vault a record is on: the vault whose mountpoint holds r->path (the longest), whose backing is r->path,
 * or whose device /dev/mapper/<name> is r->path; NULL if none (a camera: /dev/videoN).
 */
const struct cv_vault_entry *cv_rec_vault(const struct cv_registry *reg, const struct camvault_rec *r);

/* The first rule that expects r (on vault, may be NULL), or NULL: unexpected. */
const struct cv_policy_rule *cv_policy_match(const struct cv_policy *p, const struct camvault_rec *r,
					     const struct cv_vault_entry *vault);

/* Why a rule that would expect a record does not: who the process is, or where its data went, does not hold. */
enum cv_policy_why_code {
	CV_WHY_NONE,		/* no such rule */
	CV_WHY_USER_NS,		/* the process is in a user namespace not the host's, and the rule names no container */
	CV_WHY_EXE_MNTNS,	/* exe is not the NVR's file at that path: the process sees another mount namespace */
	CV_WHY_EXE_FILE,	/* exe is not the NVR's file at that path (same namespace: replaced, or a tail) */
	CV_WHY_PEER,		/* who holds, but the peer is outside the rule's peer= */
};

struct cv_policy_why {
	const struct cv_policy_rule *rule;	/* the first rule that would have expected it; NULL: none */
	unsigned int why;			/* enum cv_policy_why_code */
};

/* cv_policy_match(), and when it returns NULL, why into *why (may be NULL). */
const struct cv_policy_rule *cv_policy_match_why(const struct cv_policy *p, const struct camvault_rec *r,
						 const struct cv_vault_entry *vault, struct cv_policy_why *why);

/*
 * Why r is unexpected, for people: "exe /usr/local/sbin/nginx is not the NVR's nginx: other mount namespace
 * (4026532300); rule frigate-serve expects the NVR's file", or "no rule allows it". Raw record strings: the
 * caller escapes the text as it escapes the record's.
 */
void cv_policy_why_text(const struct cv_policy_why *why, const struct camvault_rec *r, char *buf, size_t len);

/*
 * The agent's checks of who r's process is, when r reaches it (CAMVAULT_AF_* into r->aflags): whether its
 * mount namespace is host's (a /proc/PID directory: CV_HOST_PROC, PID 1's, when NULL) and whether its exe
 * (exe_dev, exe_ino) is the file at that path under host's root.
 */
#define CV_HOST_PROC		"/proc/1"
#define CV_HOST_PROC_ENV	"CAMVAULT_HOST_PROC"
void cv_rec_check_host(struct camvault_rec *r, const char *host);

/* The operations r did (CV_OP_* bits). */
unsigned int cv_rec_ops(const struct camvault_rec *r);

/* "read", "write"... for one CV_OP_* bit; NULL for anything else. */
const char *cv_op_name(unsigned int op);

/* The number of rules. */
size_t cv_policy_count(const struct cv_policy *p);

const char *cv_policy_rule_name(const struct cv_policy_rule *rule);
unsigned int cv_policy_rule_line(const struct cv_policy_rule *rule);
/* The CV_OP_* bits the rule allows (with open when it allows read, write, mmap or stream). */
unsigned int cv_policy_rule_ops(const struct cv_policy_rule *rule);

void cv_policy_free(struct cv_policy *p);

#endif /* CV_POLICY_H */
