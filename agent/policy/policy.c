// SPDX-License-Identifier: GPL-2.0
/*
 * The access policy (policy.h says the format and what a match means).
 *
 * The file is edited by people, so the parser treats it as untrusted text: it reads lengths, never NUL
 * terminators, and each error names the file, the line and the fix. A rule that does not parse fails the whole
 * file rather than being skipped: a skipped "allow" would turn expected accesses into alarms, and a typo in a
 * key must not silently widen a rule.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "policy/policy.h"
#include "util/conf.h"
#include "util/mountinfo.h"
#include "util/record.h"

#define CV_POLICY_LINE_MAX	4096
#define CV_POLICY_FILE_MAX	(1 << 20)
#define CV_RULE_NAME_MAX	63
#define CV_MAX_UIDS		16
#define CV_MAX_PEERS		32
#define CV_QUOTE		64
#define CV_WHAT			768

/*
 * A peer= prefix. IPv4 in the first 4 bytes; an IPv6 prefix within ::ffff:0:0/96 is kept as the IPv4 prefix
 * it is, as an IPv4-mapped peer is matched as the IPv4 address it is.
 */
struct cv_peer {
	uint8_t addr[16];
	bool v6;
	uint8_t len;			/* prefix length: the bits of addr that count */
	uint16_t port;			/* host order; 0: any */
};

/* printf arguments quoting n bytes at p, with "..." when cut: use with "%.*s%s". */
#define CV_Q(p, n)		(int)((n) > CV_QUOTE ? CV_QUOTE : (n)), (p), ((n) > CV_QUOTE ? "..." : "")

struct cv_policy_rule {
	char name[CV_RULE_NAME_MAX + 1];
	unsigned int line;
	unsigned int ops;		/* CV_OP_*, open added when implied */
	char *exe;			/* globs; NULL: any */
	char *path;
	char comm[CAMVAULT_COMM_LEN];	/* "": any */
	uint32_t uids[CV_MAX_UIDS];
	size_t nuids;			/* 0: any */
	bool has_cgroup_id;
	uint64_t cgroup_id;
	char *cgroup_path;		/* relative to the cgroup root, starting with '/'; NULL: none */
	char vault[CAMVAULT_NAME_MAXLEN];	/* "": any */
	struct cv_peer peers[CV_MAX_PEERS];
	size_t npeers;			/* 0: any (op= says whether a peer at all) */
	char *peer_text;		/* peer= as written, for the reasons */
	/* The last cgroup id cgroup_path was looked up for, and whether it was it: a recorder's records
	 * come from one cgroup, and cgroup ids are not reused. */
	uint64_t cg_last_id;
	bool cg_last_hit;
};

struct cv_policy {
	struct cv_policy_rule *rules;
	size_t n;
};

static const char *const cv_op_names[CV_OP_COUNT] = {
	"read", "write", "mmap", "stream", "open", "unlink", "rename", "truncate", "peer",
};

const char *cv_op_name(unsigned int op)
{
	unsigned int i;

	for (i = 0; i < CV_OP_COUNT; i++)
		if (op == 1u << i)
			return cv_op_names[i];
	return NULL;
}

const char *cv_policy_path(char *buf, size_t len)
{
	return cv_etc_path(CV_POLICY_FILE, buf, len);
}

size_t cv_policy_count(const struct cv_policy *p)
{
	return p ? p->n : 0;
}

const char *cv_policy_rule_name(const struct cv_policy_rule *rule)
{
	return rule->name;
}

unsigned int cv_policy_rule_line(const struct cv_policy_rule *rule)
{
	return rule->line;
}

unsigned int cv_policy_rule_ops(const struct cv_policy_rule *rule)
{
	return rule->ops;
}

static void cv_rule_clear(struct cv_policy_rule *r)
{
	free(r->exe);
	free(r->path);
	free(r->cgroup_path);
	free(r->peer_text);
	memset(r, 0, sizeof(*r));
}

void cv_policy_free(struct cv_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		cv_rule_clear(&p->rules[i]);
	free(p->rules);
	free(p);
}

/* A copy of n bytes at p, NUL-terminated; NULL when out of memory. */
static char *cv_strndup(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int cv_parse_ops(const char *p, size_t n, unsigned int *ops, char *what, size_t wl)
{
	size_t i = 0;

	for (;;) {
		const char *o = p + i, *comma = memchr(o, ',', n - i);
		size_t on = comma ? (size_t)(comma - o) : n - i;
		unsigned int k;

		for (k = 0; k < CV_OP_COUNT; k++)
			if (strlen(cv_op_names[k]) == on && !memcmp(o, cv_op_names[k], on))
				break;
		if (k == CV_OP_COUNT) {
			snprintf(what, wl, "unknown operation '%.*s%s': the operations are read, write, mmap, stream, "
				 "open, unlink, rename, truncate and peer, comma-separated", CV_Q(o, on));
			return -1;
		}
		*ops |= 1u << k;
		if (!comma)
			break;
		i += on + 1;
	}
	/* Reading, writing, mapping or streaming needs an open: a session that only opened is within them. */
	if (*ops & (CV_OP_READ | CV_OP_WRITE | CV_OP_MMAP | CV_OP_STREAM))
		*ops |= CV_OP_OPEN;
	return 0;
}

/* A uid: digits, or a user name looked up in the user database. */
static int cv_parse_uid(const char *p, size_t n, uint32_t *uid, char *what, size_t wl)
{
	char name[64], buf[4096];
	struct passwd pw, *res = NULL;
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9' && v <= UINT32_MAX; i++)
		v = v * 10 + (unsigned int)(p[i] - '0');
	if (n && i == n) {
		if (v >= CAMVAULT_ID_UNSET) {
			snprintf(what, wl, "uid %.*s%s is out of range: uids go up to %u", CV_Q(p, n),
				 CAMVAULT_ID_UNSET - 1);
			return -1;
		}
		*uid = (uint32_t)v;
		return 0;
	}
	if (!n || n >= sizeof(name)) {
		snprintf(what, wl, "bad uid '%.*s%s': give a number or a user name", CV_Q(p, n));
		return -1;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) || !res) {
		snprintf(what, wl, "no user named '%s' on this machine: give the uid as a number, or create the user",
			 name);
		return -1;
	}
	*uid = (uint32_t)pw.pw_uid;
	return 0;
}

typedef int cv_item_fn(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl);

/* Each item of a comma-separated list (n bytes at p) into r by fn. */
static int cv_parse_list(const char *p, size_t n, struct cv_policy_rule *r, cv_item_fn *fn, char *what, size_t wl)
{
	size_t i = 0;

	for (;;) {
		const char *o = p + i, *comma = memchr(o, ',', n - i);
		size_t on = comma ? (size_t)(comma - o) : n - i;

		if (fn(o, on, r, what, wl))
			return -1;
		if (!comma)
			return 0;
		i += on + 1;
	}
}

static int cv_parse_uid_item(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl)
{
	if (r->nuids == CV_MAX_UIDS) {
		snprintf(what, wl, "more than %d uids: split the rule in two", CV_MAX_UIDS);
		return -1;
	}
	if (cv_parse_uid(p, n, &r->uids[r->nuids], what, wl))
		return -1;
	r->nuids++;
	return 0;
}

/* A glob or a path value: no control characters (the line has none), not empty, absolute. */
static int cv_parse_glob(const char *key, const char *p, size_t n, char **out, char *what, size_t wl)
{
	if (!n || p[0] != '/') {
		snprintf(what, wl, "%s='%.*s%s' is not an absolute path: write it from the root, starting with / "
			 "(globs like /usr/lib/*/ffmpeg are fine)", key, CV_Q(p, n));
		return -1;
	}
	if (n >= PATH_MAX) {
		snprintf(what, wl, "%s= is %zu bytes long: shorten it below %d", key, n, PATH_MAX);
		return -1;
	}
	*out = cv_strndup(p, n);
	if (!*out) {
		snprintf(what, wl, "out of memory");
		return -1;
	}
	return 0;
}

static int cv_parse_cgroup(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl)
{
	unsigned long long v = 0;
	size_t i;

	if (n && p[0] == '/')
		return cv_parse_glob("cgroup", p, n, &r->cgroup_path, what, wl);
	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9' && v <= UINT64_MAX / 10 - 1; i++)
		v = v * 10 + (unsigned int)(p[i] - '0');
	if (!n || i < n) {
		snprintf(what, wl, "bad cgroup '%.*s%s': give the cgroup's id (a number, as records show it) or its "
			 "path under /sys/fs/cgroup, starting with / (cgroup=/system.slice/frigate.service)",
			 CV_Q(p, n));
		return -1;
	}
	r->has_cgroup_id = true;
	r->cgroup_id = v;
	return 0;
}

static int cv_parse_unit(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl)
{
	static const char slice[] = "/system.slice/";
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '/')
			break;
	if (!n || i < n || n > 255 || (n == 1 && p[0] == '.') || (n == 2 && !memcmp(p, "..", 2))) {
		snprintf(what, wl, "bad unit '%.*s%s': give a systemd unit's name (unit=frigate.service), or its "
			 "cgroup with cgroup=/PATH", CV_Q(p, n));
		return -1;
	}
	r->cgroup_path = malloc(sizeof(slice) + n);
	if (!r->cgroup_path) {
		snprintf(what, wl, "out of memory");
		return -1;
	}
	memcpy(r->cgroup_path, slice, sizeof(slice) - 1);
	memcpy(r->cgroup_path + sizeof(slice) - 1, p, n);
	r->cgroup_path[sizeof(slice) - 1 + n] = '\0';
	return 0;
}

static int cv_parse_name(const char *p, size_t n, char *out, const char *kind, size_t max, char *what, size_t wl)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
		      p[i] == '_' || p[i] == '.' || p[i] == '-' || p[i] == '+'))
			break;
	if (!n || n > max || i < n || p[0] == '-' || p[0] == '.') {
		snprintf(what, wl, "bad %s '%.*s%s': 1 to %zu of A-Z a-z 0-9 _ . + -, not starting with . or -",
			 kind, CV_Q(p, n), max);
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* The peer= keywords: what each stands for. */
static const struct {
	const char *name;
	const char *prefixes;
} cv_peer_words[] = {
	/* RFC 1918, link-local, loopback; IPv6 unique local (fc00::/7), link-local and loopback. */
	{ "lan", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,127.0.0.0/8,fc00::/7,fe80::/10,::1" },
	{ "loopback", "127.0.0.0/8,::1" },
};

static const uint8_t cv_v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Whether the first len bits of a and b are the same. */
static bool cv_bits_eq(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int whole = len / 8, rest = len % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	return !memcmp(a, b, whole) && (!rest || !((a[whole] ^ b[whole]) & mask));
}

/* A port: 1 to 65535, digits only. */
static int cv_parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; i < n && i < 5 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (unsigned int)(p[i] - '0');
	if (!n || i < n || !v || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int cv_parse_peer_item(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl);

static int cv_bad_peer(const char *p, size_t n, char *what, size_t wl)
{
	snprintf(what, wl, "bad peer '%.*s%s': give an IPv4 or IPv6 address with an optional /len (192.168.0.0/16, "
		 "fd00::/8, 127.0.0.1), lan or loopback; a port after an IPv4 address or a keyword as 10.0.0.5:443, "
		 "after an IPv6 one in brackets as [2001:db8::5]:443", CV_Q(p, n));
	return -1;
}

/* ADDR[/LEN] (n bytes at p, no port) with port into r, or a keyword's prefixes. */
static int cv_parse_prefix(const char *p, size_t n, uint16_t port, struct cv_policy_rule *r, char *what, size_t wl)
{
	const char *slash = memchr(p, '/', n);
	size_t an = slash ? (size_t)(slash - p) : n, i;
	char addr[INET6_ADDRSTRLEN], fix[INET6_ADDRSTRLEN];
	unsigned int len = 0, max;
	struct cv_peer pf = { .port = port };
	uint8_t orig[16];

	for (i = 0; i < sizeof(cv_peer_words) / sizeof(cv_peer_words[0]); i++) {
		size_t first = r->npeers;

		if (slash || strlen(cv_peer_words[i].name) != n || memcmp(p, cv_peer_words[i].name, n))
			continue;
		if (cv_parse_list(cv_peer_words[i].prefixes, strlen(cv_peer_words[i].prefixes), r, cv_parse_peer_item,
				  what, wl))
			return -1;
		for (; first < r->npeers; first++)
			r->peers[first].port = port;
		return 0;
	}
	if (!an || an >= sizeof(addr))
		goto bad;
	memcpy(addr, p, an);
	addr[an] = '\0';
	pf.v6 = memchr(addr, ':', an) != NULL;
	if (inet_pton(pf.v6 ? AF_INET6 : AF_INET, addr, pf.addr) != 1)
		goto bad;
	max = pf.v6 ? 128 : 32;
	if (slash) {
		for (i = an + 1; i < n && i < an + 4 && p[i] >= '0' && p[i] <= '9'; i++)
			len = len * 10 + (unsigned int)(p[i] - '0');
		if (i == an + 1 || i < n)
			goto bad;
		if (len > max) {
			snprintf(what, wl, "peer '%.*s%s': an %s prefix is /0 to /%u: give the length of the network "
				 "(/24 for 192.168.1.0 to 192.168.1.255)", CV_Q(p, n), pf.v6 ? "IPv6" : "IPv4", max);
			return -1;
		}
	} else {
		len = max;
	}
	pf.len = (uint8_t)len;
	/* Bits past the length: a typo for another length, or for another network. */
	memcpy(orig, pf.addr, sizeof(orig));
	for (i = len / 8; i < max / 8; i++)
		pf.addr[i] &= i == len / 8 ? (uint8_t)(0xff << (8 - len % 8)) : 0;
	if (memcmp(orig, pf.addr, sizeof(orig))) {
		inet_ntop(pf.v6 ? AF_INET6 : AF_INET, pf.addr, fix, sizeof(fix));
		snprintf(what, wl, "peer '%.*s%s' has bits set past /%u: write %s/%u for the network, or the "
			 "address alone for that one address", CV_Q(p, n), len, fix, len);
		return -1;
	}
	if (pf.v6 && len >= 96 && !memcmp(pf.addr, cv_v4mapped, sizeof(cv_v4mapped))) {
		memmove(pf.addr, pf.addr + 12, 4);
		memset(pf.addr + 4, 0, 12);
		pf.v6 = false;
		pf.len = (uint8_t)(len - 96);
	}
	if (r->npeers == CV_MAX_PEERS) {
		snprintf(what, wl, "more than %d peer prefixes (lan is 8): split the rule in two", CV_MAX_PEERS);
		return -1;
	}
	r->peers[r->npeers++] = pf;
	return 0;
bad:
	return cv_bad_peer(p, n, what, wl);
}

/* One peer= item: PREFIX, IPV4-OR-KEYWORD:PORT or [PREFIX]:PORT. */
static int cv_parse_peer_item(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl)
{
	const char *colon = memchr(p, ':', n), *close;
	uint16_t port = 0;
	size_t an = n;

	if (n && p[0] == '[') {
		close = memchr(p, ']', n);
		if (!close || (close + 1 < p + n && (close[1] != ':' ||
						     cv_parse_port(close + 2, (size_t)(p + n - close - 2), &port))))
			goto bad;
		return cv_parse_prefix(p + 1, (size_t)(close - p - 1), port, r, what, wl);
	}
	/* One colon is a port (IPv6 has at least two, and its port needs brackets). */
	if (colon && !memchr(colon + 1, ':', (size_t)(p + n - colon - 1))) {
		an = (size_t)(colon - p);
		if (cv_parse_port(colon + 1, n - an - 1, &port))
			goto bad;
	}
	return cv_parse_prefix(p, an, port, r, what, wl);
bad:
	return cv_bad_peer(p, n, what, wl);
}

enum cv_key { K_OP, K_EXE, K_COMM, K_UID, K_CGROUP, K_UNIT, K_VAULT, K_PATH, K_PEER, K_NKEYS };
static const char *const cv_keys[K_NKEYS] = { "op", "exe", "comm", "uid", "cgroup", "unit", "vault", "path",
					      "peer" };

/* One key=value field (n bytes at p) into r; seen[] catches keys given twice. */
static int cv_parse_kv(const char *p, size_t n, struct cv_policy_rule *r, bool seen[K_NKEYS], char *what,
		       size_t wl)
{
	const char *eq = memchr(p, '=', n), *v;
	size_t kn, vn;
	int k;

	if (!eq) {
		snprintf(what, wl, "'%.*s%s' is not KEY=VALUE: the keys are op, exe, comm, uid, cgroup, unit, vault, "
			 "path and peer (allow NAME op=read exe=/usr/sbin/nginx)", CV_Q(p, n));
		return -1;
	}
	kn = (size_t)(eq - p);
	v = eq + 1;
	vn = n - kn - 1;
	for (k = 0; k < K_NKEYS; k++)
		if (strlen(cv_keys[k]) == kn && !memcmp(p, cv_keys[k], kn))
			break;
	if (k == K_NKEYS) {
		snprintf(what, wl, "unknown key '%.*s%s': the keys are op, exe, comm, uid, cgroup, unit, vault, "
			 "path and peer", CV_Q(p, kn));
		return -1;
	}
	/* unit= is a cgroup path: one of the two. */
	if (seen[k] || ((k == K_CGROUP || k == K_UNIT) && (seen[K_CGROUP] || seen[K_UNIT]))) {
		snprintf(what, wl, "%s= is given twice (or cgroup= with unit=): give each key once per rule; for "
			 "alternatives, write a second rule", cv_keys[k]);
		return -1;
	}
	seen[k] = true;
	if (!vn) {
		snprintf(what, wl, "%s= has no value: give one, or leave the key out to match any", cv_keys[k]);
		return -1;
	}
	switch (k) {
	case K_OP:
		return cv_parse_ops(v, vn, &r->ops, what, wl);
	case K_EXE:
		return cv_parse_glob("exe", v, vn, &r->exe, what, wl);
	case K_PATH:
		return cv_parse_glob("path", v, vn, &r->path, what, wl);
	case K_COMM:
		if (vn >= sizeof(r->comm)) {
			snprintf(what, wl, "comm '%.*s%s' is longer than %zu characters, which the kernel keeps of a "
				 "process name: give its first %zu", CV_Q(v, vn), sizeof(r->comm) - 1,
				 sizeof(r->comm) - 1);
			return -1;
		}
		memcpy(r->comm, v, vn);
		r->comm[vn] = '\0';
		return 0;
	case K_UID:
		return cv_parse_list(v, vn, r, cv_parse_uid_item, what, wl);
	case K_CGROUP:
		return cv_parse_cgroup(v, vn, r, what, wl);
	case K_PEER:
		r->peer_text = cv_strndup(v, vn);
		if (!r->peer_text) {
			snprintf(what, wl, "out of memory");
			return -1;
		}
		return cv_parse_list(v, vn, r, cv_parse_peer_item, what, wl);
	case K_UNIT:
		return cv_parse_unit(v, vn, r, what, wl);
	default:
		return cv_parse_name(v, vn, r->vault, "vault name", sizeof(r->vault) - 1, what, wl);
	}
}

/*
 * One line (n bytes, no '\n', no NUL) into r. Returns 1 for a rule, 0 for a blank line or a comment, -1 with
 * what when wrong.
 */
static int cv_parse_line(const char *p, size_t n, struct cv_policy_rule *r, char *what, size_t wl)
{
	bool seen[K_NKEYS] = { false };
	/*
	 * allow, the name and each key at most once; one field more, to be refused by cv_parse_kv (every key
	 * already seen, or no key at all).
	 */
	const char *f[2 + K_NKEYS + 1];
	size_t fl[2 + K_NKEYS + 1];
	int i, nf = cv_conf_fields(p, n, f, fl, 2 + K_NKEYS, what, wl);

	if (nf < 0)
		return -1;
	for (i = 0; i < nf; i++) {
		if (i == 0 && !(fl[0] == 5 && !memcmp(f[0], "allow", 5))) {
			snprintf(what, wl, "'%.*s%s' is not a rule: rules start with allow (allow NAME op=... exe=...)",
				 CV_Q(f[0], fl[0]));
			return -1;
		} else if (i == 1) {
			if (cv_parse_name(f[1], fl[1], r->name, "rule name", CV_RULE_NAME_MAX, what, wl))
				return -1;
		} else if (i > 1 && cv_parse_kv(f[i], fl[i], r, seen, what, wl)) {
			return -1;
		}
	}
	if (!nf)
		return 0;
	if (nf == 1) {
		snprintf(what, wl, "allow without a rule name: write allow NAME op=... and who (exe=, uid=, "
			 "cgroup= or unit=)");
		return -1;
	}
	if (!seen[K_OP]) {
		snprintf(what, wl, "rule '%s' has no op=: say which operations it allows (op=read,peer); the "
			 "operations are read, write, mmap, stream, open, unlink, rename, truncate and peer", r->name);
		return -1;
	}
	if (seen[K_PEER] && !(r->ops & CV_OP_PEER)) {
		snprintf(what, wl, "rule '%s' has peer= but its op= does not allow peer: peer= says to which "
			 "addresses what was read may go; add peer to op= (op=read,peer)", r->name);
		return -1;
	}
	/* comm= is a name any process can give itself (prctl PR_SET_NAME): it narrows a rule, never makes one. */
	if (!seen[K_EXE] && !seen[K_UID] && !seen[K_CGROUP] && !seen[K_UNIT]) {
		snprintf(what, wl, "rule '%s' does not say who: add exe=, uid=, cgroup= or unit= (%s)", r->name,
			 seen[K_COMM] ? "comm= alone is not enough: any process can name itself anything" :
			 "a rule for anyone would expect every access");
		return -1;
	}
	return 1;
}

int cv_policy_parse(const char *text, size_t len, const char *path, struct cv_policy **out, char *err,
		    size_t errlen)
{
	struct cv_policy *p = calloc(1, sizeof(*p));
	size_t off = 0, cap = 0, i;
	unsigned int line = 0;
	char what[CV_WHAT];

	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (off < len) {
		const char *s = text + off, *nl = memchr(s, '\n', len - off), *nul;
		size_t n = nl ? (size_t)(nl - s) : len - off;
		struct cv_policy_rule r;
		int ret;

		off += n + (nl != NULL);
		if (line == UINT_MAX) {
			snprintf(err, errlen, "%s has more than %u lines: it is not a policy", path, UINT_MAX);
			goto fail;
		}
		line++;
		nul = memchr(s, '\0', n);
		if (nul) {
			snprintf(err, errlen, "%s line %u: it contains a NUL byte (column %zu): the policy is text, "
				 "remove the byte", path, line, (size_t)(nul - s) + 1);
			goto fail;
		}
		if (n > CV_POLICY_LINE_MAX) {
			snprintf(err, errlen, "%s line %u: the line is %zu bytes long, more than %d: shorten it", path,
				 line, n, CV_POLICY_LINE_MAX);
			goto fail;
		}
		memset(&r, 0, sizeof(r));
		ret = cv_parse_line(s, n, &r, what, sizeof(what));
		if (ret < 0) {
			cv_rule_clear(&r);
			snprintf(err, errlen, "%s line %u: %s", path, line, what);
			goto fail;
		}
		if (!ret)
			continue;
		r.line = line;
		for (i = 0; i < p->n; i++)
			if (!strcmp(p->rules[i].name, r.name))
				break;
		if (i < p->n) {
			snprintf(err, errlen, "%s line %u: rule '%s' is already on line %u: give each rule its own "
				 "name", path, line, r.name, p->rules[i].line);
			cv_rule_clear(&r);
			goto fail;
		}
		if (p->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct cv_policy_rule *v = realloc(p->rules, ncap * sizeof(*v));

			if (!v) {
				cv_rule_clear(&r);
				snprintf(err, errlen, "%s line %u: out of memory for %zu rules", path, line, ncap);
				goto fail;
			}
			p->rules = v;
			cap = ncap;
		}
		p->rules[p->n++] = r;
	}
	*out = p;
	return 0;
fail:
	cv_policy_free(p);
	return -1;
}

int cv_policy_load(const char *path, struct cv_policy **out, char *err, size_t errlen)
{
	char pathbuf[PATH_MAX], *buf;
	bool missing;
	size_t got;
	int ret;

	*out = NULL;
	if (!path) {
		path = cv_policy_path(pathbuf, sizeof(pathbuf));
		if (!path) {
			snprintf(err, errlen, "the policy's path is too long: shorten %s", CV_ETC_ENV);
			return -1;
		}
	}
	if (cv_conf_read(path, "the policy", CV_POLICY_FILE_MAX, &buf, &got, &missing, NULL, err, errlen))
		return -1;
	ret = cv_policy_parse(missing ? "" : buf, got, path, out, err, errlen);
	free(buf);
	return ret;
}

unsigned int cv_rec_ops(const struct camvault_rec *r)
{
	unsigned int ops = 0;

	switch (r->type) {
	case CAMVAULT_REC_UNLINK:
		return CV_OP_UNLINK;
	case CAMVAULT_REC_RENAME:
		return CV_OP_RENAME;
	case CAMVAULT_REC_TRUNCATE:
		return CV_OP_TRUNCATE;
	}
	if (r->rflags & CAMVAULT_RF_CAMERA) {
		if (r->streamons || r->dqbufs || r->bytes_read)
			ops |= CV_OP_STREAM;
	} else if (r->bytes_read) {
		ops |= CV_OP_READ;
	}
	if (r->bytes_written)
		ops |= CV_OP_WRITE;
	if (r->mmaps)
		ops |= CV_OP_MMAP;
	if (r->streamons || r->dqbufs)
		ops |= CV_OP_STREAM;
	if (r->rflags & CAMVAULT_RF_PEER)
		ops |= CV_OP_PEER;
	return ops ? ops : CV_OP_OPEN;
}

/* Whether the first n bytes of path are dir as a whole directory: "/media/frigate" holds "/media/frigate/x". */
static bool cv_under(const char *path, const char *dir, size_t *dlen)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n || strncmp(path, dir, n))
		return false;
	*dlen = n;
	return (n == 1 && dir[0] == '/') || path[n] == '/' || path[n] == '\0';
}

const struct cv_vault_entry *cv_rec_vault(const struct cv_registry *reg, const struct camvault_rec *r)
{
	const struct cv_vault_entry *best = NULL;
	size_t i, best_len = 0, dlen;
	char path[CAMVAULT_PATH_LEN + 1], dm[160];

	if (!reg)
		return NULL;
	/* The record's path, NUL-terminated whatever the record holds. */
	memcpy(path, r->path, CAMVAULT_PATH_LEN);
	path[CAMVAULT_PATH_LEN] = '\0';
	for (i = 0; i < reg->n; i++) {
		const struct cv_vault_entry *v = &reg->v[i];

		snprintf(dm, sizeof(dm), "/dev/mapper/%s", v->name);
		if (!strcmp(path, v->backing) || !strcmp(path, dm))
			return v;
		if (v->mountpoint[0] && cv_under(path, v->mountpoint, &dlen) && dlen >= best_len) {
			best = v;
			best_len = dlen;
		}
	}
	return best;
}

/*
 * Whether the record's cgroup is the directory rel under the cgroup root (its inode is the cgroup v2 id); rel
 * may be a glob (cgroup=/system.slice/docker-*.scope: any Docker container).
 */
static bool cv_cgroup_is(struct cv_policy_rule *rule, uint64_t cgroup_id)
{
	const char *root = getenv(CV_POLICY_CGROUP_ENV);
	char full[PATH_MAX];
	struct stat st;
	glob_t g;
	bool hit = false;
	size_t i;
	int n;

	if (rule->cg_last_id && rule->cg_last_id == cgroup_id)
		return rule->cg_last_hit;
	if (!root || !*root)
		root = CV_POLICY_CGROUP_ROOT;
	n = snprintf(full, sizeof(full), "%s%s", root, rule->cgroup_path);
	if (n < 0 || (size_t)n >= sizeof(full))
		return false;
	if (!strpbrk(rule->cgroup_path, "*?[")) {
		hit = !stat(full, &st) && S_ISDIR(st.st_mode) && (uint64_t)st.st_ino == cgroup_id;
	} else if (!glob(full, GLOB_NOSORT | GLOB_ONLYDIR, NULL, &g)) {
		for (i = 0; i < g.gl_pathc && !hit; i++)
			hit = !stat(g.gl_pathv[i], &st) && S_ISDIR(st.st_mode) && (uint64_t)st.st_ino == cgroup_id;
		globfree(&g);
	}
	/* A miss may be a cgroup made since: only a hit is kept. */
	if (hit) {
		rule->cg_last_id = cgroup_id;
		rule->cg_last_hit = true;
	}
	return hit;
}

/* Whether the rule names a container (a cgroup): then it says who, whatever the namespaces. */
static bool cv_rule_container(const struct cv_policy_rule *rule)
{
	return rule->has_cgroup_id || rule->cgroup_path;
}

/* Whether a record says what the kernel ran and where (it was logged by a camvault that recorded it). */
static bool cv_rec_knows_who(const struct camvault_rec *r)
{
	return r->user_ns || r->mnt_ns || r->exe_ino;
}

/*
 * Whether r's peer is in one of the rule's prefixes (and ports): an IPv4-mapped IPv6 peer as the IPv4 address
 * it is; a peer of another family (none recorded) in none.
 */
static bool cv_peer_in(const struct cv_policy_rule *rule, const struct camvault_rec *r)
{
	const uint8_t *a = r->peer_addr;
	uint16_t port = ntohs(r->peer_port);
	bool v6;
	size_t i;

	if (r->peer_family == AF_INET) {
		v6 = false;
	} else if (r->peer_family == AF_INET6) {
		v6 = memcmp(a, cv_v4mapped, sizeof(cv_v4mapped)) != 0;
		if (!v6)
			a += sizeof(cv_v4mapped);
	} else {
		return false;
	}
	for (i = 0; i < rule->npeers; i++) {
		const struct cv_peer *pf = &rule->peers[i];

		if (pf->v6 == v6 && (!pf->port || pf->port == port) && cv_bits_eq(pf->addr, a, pf->len))
			return true;
	}
	return false;
}

/* Who r's process is, for a rule that otherwise expects r: CV_WHY_NONE, or what does not hold. */
static int cv_rule_who(const struct cv_policy_rule *rule, const struct camvault_rec *r)
{
	if (!cv_rec_knows_who(r) || cv_rule_container(rule))
		return CV_WHY_NONE;
	/*
	 * Outside a named container, the process must be the host's: a user namespace it made (unshare -U)
	 * lets it mount anything over any path; and exe= holds for the file at that path on the NVR, not for
	 * what a private mount put there.
	 */
	if (r->user_ns != CAMVAULT_INIT_USER_NS)
		return CV_WHY_USER_NS;
	if (rule->exe && !(r->aflags & CAMVAULT_AF_EXE_HOST))
		return r->aflags & CAMVAULT_AF_HOST_MNTNS ? CV_WHY_EXE_FILE : CV_WHY_EXE_MNTNS;
	return CV_WHY_NONE;
}

/*
 * Whether the rule expects r, but for who r's process really is and where its data went: CV_WHY_* for what
 * the rule saw through (CV_WHY_NONE: it expects r; -1: it does not, whoever the process is).
 */
static int cv_rule_check(struct cv_policy_rule *rule, const struct camvault_rec *r, unsigned int ops,
			 const struct cv_vault_entry *vault)
{
	size_t i;
	int w;

	if (ops & ~rule->ops)
		return -1;
	if (rule->comm[0] && strncmp(rule->comm, r->comm, sizeof(r->comm)))
		return -1;
	if (rule->nuids) {
		for (i = 0; i < rule->nuids; i++)
			if (rule->uids[i] == r->uid)
				break;
		if (i == rule->nuids)
			return -1;
	}
	if (rule->has_cgroup_id && rule->cgroup_id != r->cgroup_id)
		return -1;
	if (rule->vault[0] && (!vault || strcmp(rule->vault, vault->name)))
		return -1;
	if (rule->exe && fnmatch(rule->exe, r->exe, 0))
		return -1;
	if (rule->path && (fnmatch(rule->path, r->path, 0) ||
			   (r->type == CAMVAULT_REC_RENAME && fnmatch(rule->path, r->path2, 0))))
		return -1;
	/* Last: the only test that touches the filesystem. */
	if (rule->cgroup_path && !cv_cgroup_is(rule, r->cgroup_id))
		return -1;
	w = cv_rule_who(rule, r);
	/* Where the data went, once who sent it holds: a peer outside peer= is the reason then. */
	if (w == CV_WHY_NONE && rule->npeers && r->rflags & CAMVAULT_RF_PEER && !cv_peer_in(rule, r))
		return CV_WHY_PEER;
	return w;
}

const struct cv_policy_rule *cv_policy_match_why(const struct cv_policy *p, const struct camvault_rec *r,
						 const struct cv_vault_entry *vault, struct cv_policy_why *why)
{
	struct camvault_rec tmp;
	unsigned int ops;
	size_t i;
	int w;

	if (why)
		*why = (struct cv_policy_why){ 0 };
	if (!p || !p->n)
		return NULL;
	/* fnmatch() and strcmp() need NUL-terminated strings: a malformed record gets them cut, not overrun. */
	if (!memchr(r->comm, '\0', sizeof(r->comm)) || !memchr(r->exe, '\0', sizeof(r->exe)) ||
	    !memchr(r->path, '\0', sizeof(r->path)) || !memchr(r->path2, '\0', sizeof(r->path2))) {
		tmp = *r;
		tmp.comm[sizeof(tmp.comm) - 1] = '\0';
		tmp.exe[sizeof(tmp.exe) - 1] = '\0';
		tmp.path[sizeof(tmp.path) - 1] = '\0';
		tmp.path2[sizeof(tmp.path2) - 1] = '\0';
		r = &tmp;
	}
	ops = cv_rec_ops(r);
	for (i = 0; i < p->n; i++) {
		w = cv_rule_check(&p->rules[i], r, ops, vault);
		if (w == CV_WHY_NONE)
			return &p->rules[i];
		if (w > 0 && why && !why->rule) {
			why->rule = &p->rules[i];
			why->why = (unsigned int)w;
		}
	}
	return NULL;
}

const struct cv_policy_rule *cv_policy_match(const struct cv_policy *p, const struct camvault_rec *r,
					     const struct cv_vault_entry *vault)
{
	return cv_policy_match_why(p, r, vault, NULL);
}

void cv_policy_why_text(const struct cv_policy_why *why, const struct camvault_rec *r, char *buf, size_t len)
{
	char peer[INET6_ADDRSTRLEN + 8];
	const char *base;

	if (!why->rule) {
		snprintf(buf, len, "no rule allows it");
		return;
	}
	base = strrchr(r->exe, '/');
	base = base ? base + 1 : r->exe;
	switch (why->why) {
	case CV_WHY_USER_NS:
		snprintf(buf, len, "rule %s would allow it, but the process is in a user namespace of its own (%u), "
			 "and the rule names no container (cgroup= or unit=)", why->rule->name, r->user_ns);
		break;
	case CV_WHY_PEER:
		cv_rec_peer(r, peer, sizeof(peer));
		snprintf(buf, len, "rule %s would allow it, but the peer %s is not in its peer=%.*s%s", why->rule->name,
			 peer, CV_Q(why->rule->peer_text, strlen(why->rule->peer_text)));
		break;
	case CV_WHY_EXE_MNTNS:
		snprintf(buf, len, "exe %s is not the NVR's %s: other mount namespace (%u); rule %s expects the "
			 "NVR's file", r->exe, base, r->mnt_ns, why->rule->name);
		break;
	default:
		snprintf(buf, len, "exe %s is not the NVR's %s: not the file at that path (device %u:%u inode %llu); "
			 "rule %s expects the NVR's file", r->exe, base, (unsigned int)(r->exe_dev >> 20),
			 (unsigned int)(r->exe_dev & 0xfffff), (unsigned long long)r->exe_ino, why->rule->name);
		break;
	}
}

void cv_rec_check_host(struct camvault_rec *r, const char *host)
{
	char full[PATH_MAX], mountinfo[PATH_MAX];
	uint64_t dev, ino;
	struct stat st;
	int n;

	r->aflags &= ~(CAMVAULT_AF_EXE_HOST | CAMVAULT_AF_HOST_MNTNS);
	if (!host || !*host)
		host = CV_HOST_PROC;
	n = snprintf(full, sizeof(full), "%s/ns/mnt", host);
	if (n > 0 && (size_t)n < sizeof(full) && !stat(full, &st) && st.st_ino == r->mnt_ns)
		r->aflags |= CAMVAULT_AF_HOST_MNTNS;
	if (!r->exe_ino || r->exe[0] != '/' || r->rflags & CAMVAULT_RF_EXE_TAIL ||
	    !memchr(r->exe, '\0', sizeof(r->exe)))
		return;
	/* Through the host process's root: the NVR's file system, whatever mounts the agent itself sees. */
	n = snprintf(full, sizeof(full), "%s/root%s", host, r->exe);
	if (n <= 0 || (size_t)n >= sizeof(full))
		return;
	n = snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", host);
	if (n > 0 && (size_t)n < sizeof(mountinfo) && !cv_mountinfo_sb(mountinfo, full, &dev, &ino) &&
	    dev == r->exe_dev && ino == r->exe_ino)
		r->aflags |= CAMVAULT_AF_EXE_HOST;
}
