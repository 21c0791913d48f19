// SPDX-License-Identifier: GPL-2.0
/*
 * The access policy: the parser's errors name the file and the line; each key matches what it says and
 * nothing else; a record's operations come from its fields and a rule must allow every one of them; the
 * vault of a record; and the shipped etc/policy.conf, its Frigate and motionEye examples uncommented, parses
 * and tells realistic records apart (ffmpeg writing a segment: expected; cp by uid 1000: unexpected; nginx
 * serving to the LAN: expected, to the internet: unexpected; a record the rule does not cover in full:
 * unexpected); peer= prefixes, ports and keywords, IPv6 and IPv4-mapped peers.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "policy/policy.h"
#include "vault/registry.h"

#define P "/etc/camvault/policy.conf"

static struct cv_policy *parse_ok(const char *text)
{
	struct cv_policy *p = NULL;
	char err[1024] = "";

	if (cv_policy_parse(text, strlen(text), P, &p, err, sizeof(err)))
		fail_msg("policy did not parse: %s", err);
	assert_non_null(p);
	return p;
}

/* text must fail with an error starting "P line <line>: " and containing want. */
static void parse_err(const char *text, unsigned int line, const char *want)
{
	struct cv_policy *p = (struct cv_policy *)1;
	char err[1024] = "", prefix[64];

	assert_int_equal(cv_policy_parse(text, strlen(text), P, &p, err, sizeof(err)), -1);
	assert_null(p);
	snprintf(prefix, sizeof(prefix), P " line %u: ", line);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, prefix, want);
}

static struct camvault_rec rec(const char *exe, const char *comm, uint32_t uid, const char *path)
{
	struct camvault_rec r;

	memset(&r, 0, sizeof(r));
	r.type = CAMVAULT_REC_SESSION;
	r.tier = CAMVAULT_TIER_LSM;
	r.pid = 400;
	r.uid = uid;
	r.loginuid = CAMVAULT_ID_UNSET;
	r.sessionid = CAMVAULT_ID_UNSET;
	r.open_ns = 1000;
	r.close_ns = 2000;
	snprintf(r.exe, sizeof(r.exe), "%s", exe);
	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	snprintf(r.path, sizeof(r.path), "%s", path);
	return r;
}

/* The record's data went to ip (IPv4, or IPv6 when it has a ':'), port. */
static void set_peer(struct camvault_rec *r, const char *ip, uint16_t port)
{
	r->rflags |= CAMVAULT_RF_PEER;
	r->peer_family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	r->peer_port = htons(port);
	memset(r->peer_addr, 0, sizeof(r->peer_addr));
	assert_int_equal(inet_pton(r->peer_family, ip, r->peer_addr), 1);
}

static const char *match_name(const struct cv_policy *p, const struct camvault_rec *r,
			      const struct cv_vault_entry *v)
{
	const struct cv_policy_rule *rule = cv_policy_match(p, r, v);

	return rule ? cv_policy_rule_name(rule) : NULL;
}

static void test_errors(void **state)
{
	(void)state;
	parse_err("# ok\n\nallow a op=read exe=/x\ndeny b op=read exe=/x\n", 4, "rules start with allow");
	parse_err("allow\n", 1, "without a rule name");
	parse_err("allow -bad op=read exe=/x\n", 1, "bad rule name '-bad'");
	parse_err("allow a exe=/x\n", 1, "rule 'a' has no op=");
	parse_err("allow a op=read\n", 1, "does not say who");
	parse_err("allow a op=read comm=ffmpeg\n", 1, "comm= alone is not enough: any process can name itself");
	parse_err("allow a op=read,fly exe=/x\n", 1, "unknown operation 'fly'");
	parse_err("allow a op=read exe=x\n", 1, "exe='x' is not an absolute path");
	parse_err("allow a op=read exe=/x colour=red\n", 1, "unknown key 'colour'");
	parse_err("allow a op=read exe=/x exe=/y\n", 1, "exe= is given twice");
	parse_err("allow a op=read cgroup=/a unit=b.service\n", 1, "given twice (or cgroup= with unit=)");
	parse_err("allow a op=read uid=\n", 1, "uid= has no value");
	parse_err("allow a op=read uid=4294967295\n", 1, "out of range");
	parse_err("allow a op=read uid=no-such-user-here\n", 1, "no user named 'no-such-user-here'");
	parse_err("allow a op=read cgroup=12x\n", 1, "bad cgroup '12x'");
	parse_err("allow a op=read unit=a/b\n", 1, "bad unit 'a/b'");
	parse_err("allow a op=read comm=0123456789abcdef\n", 1, "longer than 15 characters");
	parse_err("allow a op=read exe=/x vault=-x\n", 1, "bad vault name '-x'");
	parse_err("allow a op=read exe=/x\n\nallow a op=write exe=/y\n", 3, "rule 'a' is already on line 1");
	parse_err("allow a op=read exe=/x nonsense\n", 1, "is not KEY=VALUE");
	parse_err("allow a op=read exe=/x\x01\n", 1, "control character 0x01");
	/* peer= */
	parse_err("allow a op=read exe=/x peer=lan\n", 1,
		  "rule 'a' has peer= but its op= does not allow peer: peer= says to which addresses what was read "
		  "may go; add peer to op= (op=read,peer)");
	parse_err("allow a peer=10.0.0.0/8 exe=/x op=read,write\n", 1, "add peer to op=");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.0/33\n", 1,
		  "peer '10.0.0.0/33': an IPv4 prefix is /0 to /32: give the length of the network");
	parse_err("allow a op=read,peer exe=/x peer=fd00::/129\n", 1, "an IPv6 prefix is /0 to /128");
	parse_err("allow a op=read,peer exe=/x peer=lan,10.0.0.256\n", 1,
		  "bad peer '10.0.0.256': give an IPv4 or IPv6 address with an optional /len");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0/8\n", 1, "bad peer '10.0.0/8'");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.0/\n", 1, "bad peer '10.0.0.0/'");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.0/+8\n", 1, "bad peer '10.0.0.0/+8'");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.0/0008\n", 1, "bad peer '10.0.0.0/0008'");
	parse_err("allow a op=read,peer exe=/x peer=internet\n", 1, "bad peer 'internet'");
	parse_err("allow a op=read,peer exe=/x peer=lan/8\n", 1, "bad peer 'lan/8'");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.1,\n", 1, "bad peer ''");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.1:0\n", 1, "bad peer '10.0.0.1:0'");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.1:65536\n", 1, "bad peer '10.0.0.1:65536'");
	parse_err("allow a op=read,peer exe=/x peer=10.0.0.1:\n", 1, "bad peer '10.0.0.1:'");
	parse_err("allow a op=read,peer exe=/x peer=[2001:db8::1]443\n", 1, "bad peer '[2001:db8::1]443'");
	parse_err("allow a op=read,peer exe=/x peer=[2001:db8::1\n", 1, "bad peer '[2001:db8::1'");
	parse_err("allow a op=read,peer exe=/x peer=2001:db8::1:443:1:2:3:4\n", 1, "bad peer");
	parse_err("allow a op=read,peer exe=/x peer=192.168.1.20/16\n", 1,
		  "peer '192.168.1.20/16' has bits set past /16: write 192.168.0.0/16 for the network, or the address "
		  "alone for that one address");
	parse_err("allow a op=read,peer exe=/x peer=fd12:3456::/8\n", 1, "has bits set past /8: write fd00::/8");
	parse_err("allow a op=read,peer exe=/x peer=lan,lan,lan,lan,10.0.0.1\n", 1,
		  "more than 32 peer prefixes (lan is 8): split the rule in two");
	parse_err("allow a op=read,peer exe=/x peer=lan peer=10.0.0.1\n", 1, "peer= is given twice");
	parse_err("allow a op=read,peer exe=/x peer=\n", 1, "peer= has no value");
	{
		static const char nul[] = "allow a op=read exe=/x\nallow b\0 op=read exe=/x\n";
		struct cv_policy *p;
		char err[512];

		assert_int_equal(cv_policy_parse(nul, sizeof(nul) - 1, P, &p, err, sizeof(err)), -1);
		assert_non_null(strstr(err, P " line 2: it contains a NUL byte (column 8)"));
	}
}

static void test_comments_and_empty(void **state)
{
	struct cv_policy *p;
	struct camvault_rec r = rec("/usr/bin/cat", "cat", 0, "/media/frigate/x.mp4");

	(void)state;
	p = parse_ok("# only comments\n\n   # indented\r\n\t\n");
	assert_int_equal(cv_policy_count(p), 0);
	assert_null(cv_policy_match(p, &r, NULL));
	cv_policy_free(p);
	p = parse_ok("allow cat-reads op=read exe=/usr/bin/cat # a trailing comment\r\nallow x op=open comm=x uid=0");
	assert_int_equal(cv_policy_count(p), 2);
	r.bytes_read = 10;
	assert_string_equal(match_name(p, &r, NULL), "cat-reads");
	assert_int_equal(cv_policy_rule_line(cv_policy_match(p, &r, NULL)), 1);
	cv_policy_free(p);
}

static void test_ops(void **state)
{
	struct camvault_rec r = rec("/usr/bin/x", "x", 0, "/v/a");

	(void)state;
	assert_int_equal(cv_rec_ops(&r), CV_OP_OPEN);
	r.bytes_read = 1;
	assert_int_equal(cv_rec_ops(&r), CV_OP_READ);
	r.bytes_written = 1;
	r.mmaps = 2;
	assert_int_equal(cv_rec_ops(&r), CV_OP_READ | CV_OP_WRITE | CV_OP_MMAP);
	set_peer(&r, "10.0.0.5", 443);
	assert_int_equal(cv_rec_ops(&r), CV_OP_READ | CV_OP_WRITE | CV_OP_MMAP | CV_OP_PEER);
	r = rec("/usr/bin/v4l2-ctl", "v4l2-ctl", 0, "/dev/video0");
	r.rflags = CAMVAULT_RF_CAMERA;
	r.streamons = 1;
	r.dqbufs = 30;
	assert_int_equal(cv_rec_ops(&r), CV_OP_STREAM);
	r.type = CAMVAULT_REC_UNLINK;
	assert_int_equal(cv_rec_ops(&r), CV_OP_UNLINK);
	r.type = CAMVAULT_REC_RENAME;
	assert_int_equal(cv_rec_ops(&r), CV_OP_RENAME);
	r.type = CAMVAULT_REC_TRUNCATE;
	assert_int_equal(cv_rec_ops(&r), CV_OP_TRUNCATE);
	assert_string_equal(cv_op_name(CV_OP_PEER), "peer");
	assert_null(cv_op_name(CV_OP_READ | CV_OP_WRITE));
}

/* A rule must allow every operation; open is implied by read, peer by nothing. */
static void test_every_op(void **state)
{
	struct cv_policy *p = parse_ok("allow web op=read exe=/usr/sbin/nginx\n"
				       "allow rm op=unlink exe=/usr/bin/rm\n");
	struct camvault_rec r = rec("/usr/sbin/nginx", "nginx", 33, "/media/frigate/a.mp4");

	(void)state;
	assert_string_equal(match_name(p, &r, NULL), "web");	/* opened only: within read */
	assert_int_equal(cv_policy_rule_ops(cv_policy_match(p, &r, NULL)), CV_OP_READ | CV_OP_OPEN);
	r.bytes_read = 4096;
	assert_string_equal(match_name(p, &r, NULL), "web");
	set_peer(&r, "192.168.1.20", 51000);
	assert_null(match_name(p, &r, NULL));			/* sent to a socket: not allowed */
	r.rflags = 0;
	r.bytes_written = 1;
	assert_null(match_name(p, &r, NULL));
	r = rec("/usr/bin/rm", "rm", 0, "/media/frigate/a.mp4");
	assert_null(match_name(p, &r, NULL));			/* rm that opened: not an unlink */
	r.type = CAMVAULT_REC_UNLINK;
	assert_string_equal(match_name(p, &r, NULL), "rm");
	cv_policy_free(p);
}

static void test_keys(void **state)
{
	struct cv_policy *p = parse_ok("allow by-comm op=read comm=frigate.cleanu uid=5\n"
				       "allow by-uid op=write uid=0,1000\n"
				       "allow by-cgroup op=mmap cgroup=4242\n"
				       "allow by-vault op=unlink exe=/usr/bin/rm vault=cam1\n"
				       "allow by-path op=rename exe=/usr/bin/mv path=/media/frigate/recordings/*\n");
	struct cv_vault_entry cam0 = { .name = "cam0" }, cam1 = { .name = "cam1" };
	struct camvault_rec r;

	(void)state;
	r = rec("/usr/bin/python3.11", "frigate.cleanu", 5, "/x");
	r.bytes_read = 1;
	assert_string_equal(match_name(p, &r, NULL), "by-comm");
	snprintf(r.comm, sizeof(r.comm), "python3");
	assert_null(match_name(p, &r, NULL));

	r = rec("/usr/bin/dd", "dd", 1000, "/x");
	r.bytes_written = 1;
	assert_string_equal(match_name(p, &r, NULL), "by-uid");
	r.uid = 0;
	assert_string_equal(match_name(p, &r, NULL), "by-uid");
	r.uid = 999;
	assert_null(match_name(p, &r, NULL));

	r = rec("/usr/bin/x", "x", 7, "/x");
	r.mmaps = 1;
	r.cgroup_id = 4242;
	assert_string_equal(match_name(p, &r, NULL), "by-cgroup");
	r.cgroup_id = 4243;
	assert_null(match_name(p, &r, NULL));

	r = rec("/usr/bin/rm", "rm", 0, "/media/frigate/a.mp4");
	r.type = CAMVAULT_REC_UNLINK;
	assert_string_equal(match_name(p, &r, &cam1), "by-vault");
	assert_null(match_name(p, &r, &cam0));
	assert_null(match_name(p, &r, NULL));

	r = rec("/usr/bin/mv", "mv", 0, "/media/frigate/recordings/2026-11-25/10/front/00.00.mp4");
	r.type = CAMVAULT_REC_RENAME;
	snprintf(r.path2, sizeof(r.path2), "/media/frigate/recordings/old.mp4");
	assert_string_equal(match_name(p, &r, NULL), "by-path");
	/* Moved out of the recordings: the new name must match too. */
	snprintf(r.path2, sizeof(r.path2), "/home/mallory/clip.mp4");
	assert_null(match_name(p, &r, NULL));
	snprintf(r.path, sizeof(r.path), "/media/frigate/clips/a.mp4");
	snprintf(r.path2, sizeof(r.path2), "/media/frigate/recordings/a.mp4");
	assert_null(match_name(p, &r, NULL));
	cv_policy_free(p);
}

/* A cgroup root of our own, empty, that CV_POLICY_CGROUP_ENV names: the tests make the cgroups they need in it. */
static char cg_root[64];

static int cg_root_setup(void **state)
{
	(void)state;
	snprintf(cg_root, sizeof(cg_root), "/tmp/camvault-unit-cgroup.XXXXXX");
	assert_non_null(mkdtemp(cg_root));
	return setenv(CV_POLICY_CGROUP_ENV, cg_root, 1);
}

static int cg_teardown(void **state)
{
	(void)state;
	unsetenv(CV_POLICY_CGROUP_ENV);
	cv_test_rmtree(cg_root);
	return 0;
}

/* cgroup=/PATH and unit=NAME: the directory's inode under the cgroup root is the record's cgroup id. */
static void test_cgroup_path(void **state)
{
	char dir[256];
	struct cv_policy *p;
	struct camvault_rec r = rec("/usr/lib/ffmpeg/7.0/bin/ffmpeg", "ffmpeg", 0, "/media/frigate/a.mp4");
	struct stat st;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/system.slice", cg_root);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/system.slice/frigate.service", cg_root);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(stat(dir, &st), 0);
	p = parse_ok("allow frigate op=write unit=frigate.service\n"
		     "allow docker op=read cgroup=/system.slice\n");
	r.bytes_written = 1;
	r.cgroup_id = st.st_ino;
	assert_string_equal(match_name(p, &r, NULL), "frigate");
	r.cgroup_id = st.st_ino + 1;
	assert_null(match_name(p, &r, NULL));
	snprintf(dir, sizeof(dir), "%s/system.slice", cg_root);
	assert_int_equal(stat(dir, &st), 0);
	r.bytes_written = 0;
	r.bytes_read = 1;
	r.cgroup_id = st.st_ino;
	assert_string_equal(match_name(p, &r, NULL), "docker");
	cv_policy_free(p);
}

static void test_rec_vault(void **state)
{
	struct cv_vault_entry v[3] = {
		{ .name = "cam0", .backing = "/var/lib/camvault/cam0.img", .mountpoint = "/media/frigate" },
		{ .name = "cam1", .backing = "/dev/sda2", .mountpoint = "/media/frigate/clips" },
		{ .name = "cam2", .backing = "/srv/cam2.img", .mountpoint = "" },
	};
	struct cv_registry reg = { v, 3 };
	struct camvault_rec r = rec("/usr/bin/cat", "cat", 0, "/media/frigate/recordings/a.mp4");

	(void)state;
	assert_ptr_equal(cv_rec_vault(&reg, &r), &v[0]);
	snprintf(r.path, sizeof(r.path), "/media/frigate/clips/a.mp4");
	assert_ptr_equal(cv_rec_vault(&reg, &r), &v[1]);	/* the longest mountpoint */
	snprintf(r.path, sizeof(r.path), "/media/frigate");
	assert_ptr_equal(cv_rec_vault(&reg, &r), &v[0]);
	snprintf(r.path, sizeof(r.path), "/media/frigate2/a.mp4");
	assert_null(cv_rec_vault(&reg, &r));			/* not a whole component */
	snprintf(r.path, sizeof(r.path), "/dev/sda2");
	assert_ptr_equal(cv_rec_vault(&reg, &r), &v[1]);
	snprintf(r.path, sizeof(r.path), "/dev/mapper/cam2");
	assert_ptr_equal(cv_rec_vault(&reg, &r), &v[2]);
	snprintf(r.path, sizeof(r.path), "/srv/cam2.img");
	assert_ptr_equal(cv_rec_vault(&reg, &r), &v[2]);
	snprintf(r.path, sizeof(r.path), "/dev/video0");
	assert_null(cv_rec_vault(&reg, &r));
	assert_null(cv_rec_vault(NULL, &r));
}

/* A configuration directory of our own, empty, that $CAMVAULT_ETC names. */
static char etc_dir[64];

static int etc_setup(void **state)
{
	(void)state;
	snprintf(etc_dir, sizeof(etc_dir), "/tmp/camvault-unit-policy.XXXXXX");
	assert_non_null(mkdtemp(etc_dir));
	return setenv("CAMVAULT_ETC", etc_dir, 1);
}

static int etc_teardown(void **state)
{
	(void)state;
	unsetenv("CAMVAULT_ETC");
	cv_test_rmtree(etc_dir);
	return 0;
}

static void test_load_missing(void **state)
{
	char path[256], buf[256], err[512] = "";
	struct camvault_rec r = rec("/usr/bin/cat", "cat", 0, "/media/frigate/a.mp4");
	struct cv_policy *p = NULL;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/policy.conf", etc_dir);
	assert_int_equal(cv_policy_load(path, &p, err, sizeof(err)), 0);
	assert_int_equal(cv_policy_count(p), 0);
	assert_null(cv_policy_match(p, &r, NULL));
	cv_policy_free(p);
	assert_string_equal(cv_policy_path(buf, sizeof(buf)), path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("allow a op=read exe=/usr/bin/cat\nallow b op=read\n", f);
	fclose(f);
	assert_int_equal(cv_policy_load(NULL, &p, err, sizeof(err)), -1);
	assert_null(p);
	assert_non_null(strstr(err, "policy.conf line 2: rule 'b' does not say who"));
}

/* The shipped policy.conf, its example rules uncommented. */
static struct cv_policy *shipped(void)
{
	char path[512], text[16384], out[16384];
	struct cv_policy *p = NULL;
	size_t n, i = 0, o = 0;
	char err[1024] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/etc/policy.conf", CV_SRCDIR);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* As shipped: no rules, everything unexpected. */
	assert_int_equal(cv_policy_parse(text, n, path, &p, err, sizeof(err)), 0);
	assert_int_equal(cv_policy_count(p), 0);
	cv_policy_free(p);
	while (i < n) {
		if ((i == 0 || text[i - 1] == '\n') && !strncmp(text + i, "#allow ", 7))
			i++;
		out[o++] = text[i++];
	}
	if (cv_policy_parse(out, o, path, &p, err, sizeof(err)))
		fail_msg("the shipped examples do not parse: %s", err);
	assert_int_equal(cv_policy_count(p), 8);
	return p;
}

/*
 * Cgroups for the examples, in the cgroup root: Frigate's Docker container and motionEye's unit, and a user's
 * session; their ids into the recs made with rec_in().
 */
static uint64_t cg_frigate, cg_motioneye, cg_user;

static uint64_t cg_mkdir(const char *rel)
{
	char dir[512], *s;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s%s", cg_root, rel);
	for (s = dir + strlen(cg_root) + 1; (s = strchr(s, '/')); *s++ = '/') {
		*s = '\0';
		mkdir(dir, 0755);
	}
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(stat(dir, &st), 0);
	return st.st_ino;
}

static int cg_setup(void **state)
{
	if (cg_root_setup(state))
		return -1;
	cg_frigate = cg_mkdir("/system.slice/docker-3f1e0c9ab2d4.scope");
	cg_motioneye = cg_mkdir("/system.slice/motioneye.service");
	cg_user = cg_mkdir("/user.slice/user-1000.slice/session-4.scope");
	return 0;
}

/* A record as the agent logs it: the host's user namespace (or user_ns), the agent's checks in aflags. */
static struct camvault_rec rec_in(const char *exe, const char *comm, uint32_t uid, const char *path, uint64_t cg,
				  uint32_t user_ns, uint32_t aflags)
{
	struct camvault_rec r = rec(exe, comm, uid, path);

	r.cgroup_id = cg;
	r.exe_dev = 259 << 20 | 2;
	r.exe_ino = 131077;
	r.mnt_ns = 4026531841u;
	r.user_ns = user_ns;
	r.aflags = aflags;
	return r;
}

#define HOST (CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS)
#define INIT CAMVAULT_INIT_USER_NS

static void test_frigate_example(void **state)
{
	struct cv_vault_entry cam0 = { .name = "cam0", .backing = "/var/lib/camvault/cam0.img",
				       .mountpoint = "/media/frigate" };
	const char *seg = "/media/frigate/recordings/2026-11-25/10/front_door/05.00.mp4";
	const char *ff = "/usr/lib/ffmpeg/7.0/bin/ffmpeg";
	struct cv_policy *p = shipped();
	struct cv_policy_why why;
	struct camvault_rec r;
	char text[1024];

	(void)state;
	/* In Frigate's container, its own mount namespace: the rules name the container. */
	r = rec_in(ff, "ffmpeg", 0, seg, cg_frigate, INIT, 0);
	r.bytes_written = 4 << 20;
	assert_string_equal(match_name(p, &r, &cam0), "frigate-record");
	r = rec_in("/usr/bin/cp", "cp", 1000, seg, cg_user, INIT, HOST);
	r.bytes_read = 4 << 20;
	assert_null(match_name(p, &r, &cam0));
	r = rec_in("/usr/local/nginx/sbin/nginx", "nginx", 0, seg, cg_frigate, INIT, 0);
	r.bytes_read = 4 << 20;
	assert_string_equal(match_name(p, &r, &cam0), "frigate-serve");
	set_peer(&r, "192.168.1.20", 51000);
	assert_string_equal(match_name(p, &r, &cam0), "frigate-serve");	/* serving IS sending to a peer */
	set_peer(&r, "fd7a:115c:a1e0::1", 51000);
	assert_string_equal(match_name(p, &r, &cam0), "frigate-serve");	/* on the LAN, over IPv6 */
	set_peer(&r, "::ffff:192.168.1.20", 51000);
	assert_string_equal(match_name(p, &r, &cam0), "frigate-serve");	/* a dual-stack socket's IPv4 peer */
	/* The same nginx serving the same clip to the internet: unexpected, and why. */
	set_peer(&r, "203.0.113.9", 443);
	assert_null(cv_policy_match_why(p, &r, &cam0, &why));
	assert_int_equal(why.why, CV_WHY_PEER);
	cv_policy_why_text(&why, &r, text, sizeof(text));
	assert_string_equal(text, "rule frigate-serve would allow it, but the peer 203.0.113.9:443 is not in its "
			    "peer=lan");
	set_peer(&r, "::ffff:203.0.113.9", 443);
	assert_null(match_name(p, &r, &cam0));
	set_peer(&r, "2001:db8::9", 443);
	assert_null(match_name(p, &r, &cam0));
	r = rec_in("/usr/bin/python3.11", "frigate.record", 0, seg, cg_frigate, INIT, 0);
	r.type = CAMVAULT_REC_UNLINK;
	assert_string_equal(match_name(p, &r, &cam0), "frigate-retention");
	r.type = CAMVAULT_REC_SESSION;
	r.bytes_read = 1;
	set_peer(&r, "203.0.113.9", 443);
	assert_null(match_name(p, &r, &cam0));		/* Python shipping footage out: not retention */
	r = rec_in(ff, "ffmpeg", 0, seg, cg_frigate, INIT, 0);
	r.bytes_read = 1;
	set_peer(&r, "203.0.113.9", 443);
	assert_null(match_name(p, &r, &cam0));		/* ffmpeg streaming a clip out */
	/* A user's own ffmpeg at the same path, or python: not in the container. */
	r = rec_in(ff, "ffmpeg", 1000, seg, cg_user, INIT, 0);
	r.bytes_written = 1;
	assert_null(match_name(p, &r, &cam0));
	r = rec_in("/usr/bin/python3.11", "python3", 1000, seg, cg_user, INIT, HOST);
	r.type = CAMVAULT_REC_UNLINK;
	assert_null(match_name(p, &r, &cam0));
	cv_policy_free(p);
}

static void test_motioneye_example(void **state)
{
	const char *movie = "/var/lib/motioneye/Camera1/2026-11-25/10-05-00.mp4";
	struct cv_policy *p = shipped();
	struct camvault_rec r;

	(void)state;
	r = rec_in("/usr/bin/motion", "motion", 115, movie, cg_motioneye, INIT, HOST);
	r.bytes_written = 1 << 20;
	assert_string_equal(match_name(p, &r, NULL), "motion-record");
	r = rec_in("/usr/bin/motion", "motion", 115, "/dev/video0", cg_motioneye, INIT, HOST);
	r.rflags = CAMVAULT_RF_CAMERA;
	r.streamons = 1;
	r.dqbufs = 900;
	r.mmaps = 4;
	assert_string_equal(match_name(p, &r, NULL), "motion-camera");
	r = rec_in("/usr/bin/python3.11", "meyectl", 0, movie, cg_motioneye, INIT, HOST);
	r.bytes_read = 1 << 20;
	set_peer(&r, "192.168.1.20", 40000);
	assert_string_equal(match_name(p, &r, NULL), "motioneye-serve");
	set_peer(&r, "fe80::1c2b:3aff:fe4d:5e6f", 40000);
	assert_string_equal(match_name(p, &r, NULL), "motioneye-serve");
	set_peer(&r, "203.0.113.9", 40000);
	assert_null(match_name(p, &r, NULL));				/* to the internet: unexpected now */
	set_peer(&r, "2001:db8::9", 40000);
	assert_null(match_name(p, &r, NULL));
	r.rflags = 0;
	r.type = CAMVAULT_REC_UNLINK;
	assert_string_equal(match_name(p, &r, NULL), "motioneye-cleanup");
	/* Any user's python, even as root, outside motionEye's unit: not motionEye. */
	r.cgroup_id = cg_user;
	assert_null(match_name(p, &r, NULL));
	r = rec("/usr/bin/ffmpeg", "ffmpeg", 1000, "/dev/video0");
	r.rflags = CAMVAULT_RF_CAMERA;
	r.streamons = 1;
	r.dqbufs = 10;
	assert_null(match_name(p, &r, NULL));		/* someone else watching the camera */
	r = rec("/usr/bin/cp", "cp", 1000, movie);
	r.bytes_read = 1 << 20;
	assert_null(match_name(p, &r, NULL));
	cv_policy_free(p);
}

/*
 * The review's forgeries, as the probes record them: a user's reader named ffmpeg; a reader copied as nginx
 * under a tmpfs over /usr/local/sbin in a user and mount namespace of its own (unshare -Urm); the same as
 * root without a user namespace. Unexpected, each with the reason.
 */
static void test_forged_who(void **state)
{
	struct cv_policy *p = parse_ok("allow recorder exe=/usr/bin/ffmpeg uid=0 comm=ffmpeg op=write,read\n"
				       "allow serve exe=/usr/*sbin/nginx op=read,peer path=/media/*\n"
				       "allow frigate cgroup=/system.slice/docker-*.scope exe=/usr/*sbin/nginx op=read\n");
	const char *clip = "/media/frigate/clips/front-1.mp4";
	struct cv_policy_why why;
	struct camvault_rec r;
	char text[1024];

	(void)state;
	/* prctl(PR_SET_NAME, "ffmpeg") by uid 1000: its name is not who it is. */
	r = rec_in("/usr/bin/python3.11", "ffmpeg", 1000, clip, cg_user, INIT, HOST);
	r.bytes_read = 1;
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	assert_null(why.rule);
	cv_policy_why_text(&why, &r, text, sizeof(text));
	assert_string_equal(text, "no rule allows it");

	/* unshare -Urm; tmpfs over /usr/local/sbin; a reader copied there as nginx. */
	r = rec_in("/usr/local/sbin/nginx", "nginx", 1000, clip, cg_user, 4026532300u, 0);
	r.mnt_ns = 4026532299u;
	r.bytes_read = 1;
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	assert_int_equal(why.why, CV_WHY_USER_NS);
	assert_string_equal(cv_policy_rule_name(why.rule), "serve");
	cv_policy_why_text(&why, &r, text, sizeof(text));
	assert_non_null(strstr(text, "user namespace of its own (4026532300)"));

	/* The same by root, in a mount namespace only (unshare -m): the file is not the NVR's nginx. */
	r.user_ns = INIT;
	r.uid = 0;
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	assert_int_equal(why.why, CV_WHY_EXE_MNTNS);
	cv_policy_why_text(&why, &r, text, sizeof(text));
	assert_non_null(strstr(text, "exe /usr/local/sbin/nginx is not the NVR's nginx: other mount namespace"));

	/* In the host's namespace, but not the file at that path (replaced since, or a bind mount). */
	r.aflags = CAMVAULT_AF_HOST_MNTNS;
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	assert_int_equal(why.why, CV_WHY_EXE_FILE);

	/* The NVR's own nginx: expected, and the same in Frigate's container. */
	r.aflags = HOST;
	assert_string_equal(match_name(p, &r, NULL), "serve");
	r = rec_in("/usr/local/nginx/sbin/nginx", "nginx", 0, clip, cg_frigate, 4026532300u, 0);
	r.bytes_read = 1;
	assert_string_equal(match_name(p, &r, NULL), "frigate");

	/* A record an older camvault logged (no namespaces, no exe identity): the keys alone, as it was. */
	r = rec("/usr/sbin/nginx", "nginx", 33, clip);
	r.bytes_read = 1;
	assert_string_equal(match_name(p, &r, NULL), "serve");
	cv_policy_free(p);
}

/* peer=: where what was read may go, for records that sent it to a socket. */
static void test_peer(void **state)
{
	struct cv_policy *p = parse_ok("allow lan exe=/usr/sbin/nginx op=read,peer peer=lan\n"
				       "allow lo exe=/usr/bin/lo op=read,peer peer=loopback\n"
				       "allow push exe=/usr/bin/push op=read,peer "
				       "peer=203.0.113.5:443,[2001:db8::5]:8443,198.51.100.0/24,2001:db8:1::/48\n"
				       "allow map exe=/usr/bin/map op=read,peer peer=::ffff:100.64.0.0/106,lan:8080\n"
				       "allow any4 exe=/usr/bin/any4 op=read,peer peer=0.0.0.0/0\n"
				       "allow any exe=/usr/bin/any op=read,peer\n");
	struct camvault_rec r = rec("/usr/sbin/nginx", "nginx", 33, "/media/frigate/a.mp4");
	static const char *const lan_in[] = { "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.20",
					      "169.254.9.9", "127.0.0.1", "fd00::1", "fc00::1", "fe80::1", "::1",
					      "::ffff:192.168.1.20", "::ffff:10.0.0.1", "::ffff:127.0.0.1" };
	static const char *const lan_out[] = { "203.0.113.9", "172.32.0.1", "172.15.255.255", "192.169.0.1",
					       "11.0.0.1", "100.64.0.1", "2001:db8::1", "fe00::1", "::2", "::",
					       "::ffff:203.0.113.9", "::ffff:c0a8:114:0", "::192.168.1.20",
					       "64:ff9b::192.168.1.20" };
	/* A record of exe sent to ip, port: the rule that expects it (NULL: none). */
	static const struct {
		const char *exe, *ip;
		uint16_t port;
		const char *want;
	} cases[] = {
		{ "/usr/bin/lo", "127.0.0.53", 1, "lo" },
		{ "/usr/bin/lo", "::1", 1, "lo" },
		{ "/usr/bin/lo", "192.168.1.20", 1, NULL },
		/* Ports only where given; an IPv6 prefix holds IPv6 peers, not IPv4 ones. */
		{ "/usr/bin/push", "203.0.113.5", 443, "push" },
		{ "/usr/bin/push", "::ffff:203.0.113.5", 443, "push" },
		{ "/usr/bin/push", "203.0.113.5", 80, NULL },
		{ "/usr/bin/push", "203.0.113.6", 443, NULL },
		{ "/usr/bin/push", "2001:db8::5", 8443, "push" },
		{ "/usr/bin/push", "2001:db8::5", 443, NULL },
		{ "/usr/bin/push", "198.51.100.255", 1, "push" },
		{ "/usr/bin/push", "198.51.101.0", 1, NULL },
		{ "/usr/bin/push", "2001:db8:1:ffff::1", 1, "push" },
		{ "/usr/bin/push", "2001:db8:2::1", 1, NULL },
		/* ::ffff:100.64.0.0/106 is 100.64.0.0/10; a keyword with a port gives each prefix the port. */
		{ "/usr/bin/map", "100.127.255.255", 1, "map" },
		{ "/usr/bin/map", "::ffff:100.64.0.1", 1, "map" },
		{ "/usr/bin/map", "100.128.0.0", 1, NULL },
		{ "/usr/bin/map", "fd00::1", 8080, "map" },
		{ "/usr/bin/map", "10.0.0.1", 8081, NULL },
		/* 0.0.0.0/0: every IPv4 peer, mapped ones too, no IPv6 one; no peer=: any. */
		{ "/usr/bin/any4", "203.0.113.9", 1, "any4" },
		{ "/usr/bin/any4", "::ffff:203.0.113.9", 1, "any4" },
		{ "/usr/bin/any4", "2001:db8::1", 1, NULL },
		{ "/usr/bin/any", "2001:db8::1", 1, "any" },
	};
	struct cv_policy_why why;
	char text[1024];
	size_t i;

	(void)state;
	assert_int_equal(cv_policy_count(p), 6);
	/* Not sent anywhere: peer= does not restrict it (op= says whether a peer at all). */
	r.bytes_read = 1;
	assert_string_equal(match_name(p, &r, NULL), "lan");
	for (i = 0; i < sizeof(lan_in) / sizeof(lan_in[0]); i++) {
		set_peer(&r, lan_in[i], 51000);
		if (!match_name(p, &r, NULL))
			fail_msg("peer %s is not in lan", lan_in[i]);
	}
	for (i = 0; i < sizeof(lan_out) / sizeof(lan_out[0]); i++) {
		set_peer(&r, lan_out[i], 51000);
		if (match_name(p, &r, NULL))
			fail_msg("peer %s is in lan", lan_out[i]);
		assert_null(cv_policy_match_why(p, &r, NULL, &why));
		assert_int_equal(why.why, CV_WHY_PEER);
		assert_string_equal(cv_policy_rule_name(why.rule), "lan");
	}
	set_peer(&r, "203.0.113.9", 443);
	cv_policy_why_text(&why, &r, text, sizeof(text));
	assert_string_equal(text, "rule lan would allow it, but the peer 203.0.113.9:443 is not in its peer=lan");
	set_peer(&r, "2001:db8::1", 443);
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	cv_policy_why_text(&why, &r, text, sizeof(text));
	assert_string_equal(text, "rule lan would allow it, but the peer [2001:db8::1]:443 is not in its peer=lan");
	/* A peer the probes could not name (no IP family): in no prefix. */
	r.peer_family = 0;
	assert_null(match_name(p, &r, NULL));
	/* Who fails first: that is the reason, not the peer. */
	r = rec_in("/usr/sbin/nginx", "nginx", 33, "/media/frigate/a.mp4", 0, INIT, CAMVAULT_AF_HOST_MNTNS);
	r.bytes_read = 1;
	set_peer(&r, "203.0.113.9", 443);
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	assert_int_equal(why.why, CV_WHY_EXE_FILE);
	r.aflags = HOST;
	assert_null(cv_policy_match_why(p, &r, NULL, &why));
	assert_int_equal(why.why, CV_WHY_PEER);
	set_peer(&r, "192.168.1.20", 443);
	assert_string_equal(match_name(p, &r, NULL), "lan");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got;

		r = rec(cases[i].exe, "x", 0, "/x");
		r.bytes_read = 1;
		set_peer(&r, cases[i].ip, cases[i].port);
		got = match_name(p, &r, NULL);
		if (cases[i].want ? !got || strcmp(got, cases[i].want) : got != NULL)
			fail_msg("%s to %s port %u: rule %s, not %s", cases[i].exe, cases[i].ip, cases[i].port,
				 got ? got : "none", cases[i].want ? cases[i].want : "none");
	}
	/* The last case's record (any): a peer of no family is within a rule without peer=. */
	r.peer_family = 0;
	assert_string_equal(match_name(p, &r, NULL), "any");
	cv_policy_free(p);
}

/* cv_rec_check_host() against this process's own namespace and executable. */
static void test_check_host(void **state)
{
	struct camvault_rec r = rec("", "test", 0, "/x");
	char exe[4096];
	struct stat st, ns;
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0 && (size_t)n < sizeof(r.exe));
	exe[n] = '\0';
	memcpy(r.exe, exe, (size_t)n + 1);
	assert_int_equal(stat(exe, &st), 0);
	assert_int_equal(stat("/proc/self/ns/mnt", &ns), 0);
	r.exe_dev = camvault_kdev(st.st_dev);
	r.exe_ino = st.st_ino;
	r.mnt_ns = (uint32_t)ns.st_ino;
	cv_rec_check_host(&r, "/proc/self");
	assert_int_equal(r.aflags, CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS);
	/* Another file at that path, another namespace: neither. */
	r.exe_ino++;
	r.mnt_ns++;
	cv_rec_check_host(&r, "/proc/self");
	assert_int_equal(r.aflags, 0);
	/* A tail of a path names no file. */
	r.exe_ino--;
	r.rflags = CAMVAULT_RF_EXE_TAIL;
	cv_rec_check_host(&r, "/proc/self");
	assert_int_equal(r.aflags, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_comments_and_empty),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_every_op),
		cmocka_unit_test(test_keys),
		cmocka_unit_test_setup_teardown(test_cgroup_path, cg_root_setup, cg_teardown),
		cmocka_unit_test(test_rec_vault),
		cmocka_unit_test_setup_teardown(test_load_missing, etc_setup, etc_teardown),
		cmocka_unit_test_setup_teardown(test_frigate_example, cg_setup, cg_teardown),
		cmocka_unit_test_setup_teardown(test_motioneye_example, cg_setup, cg_teardown),
		cmocka_unit_test_setup_teardown(test_forged_who, cg_setup, cg_teardown),
		cmocka_unit_test(test_check_host),
		cmocka_unit_test(test_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
