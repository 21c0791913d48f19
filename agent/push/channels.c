// SPDX-License-Identifier: GPL-2.0
/*
 * push.conf: the owner's channels (channels.h says the format). A file people edit, so the parser treats it as
 * untrusted text: it reads lengths, never NUL terminators, and every error names the file, the line and the
 * fix. Loading adds what the parser cannot check: the file's mode against the secrets on its lines, and the
 * secret files themselves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "push/channels.h"
#include "util/conf.h"
#include "vault/registry.h"

/* A channel line is a URL and a few options; a config of thousands of them is the wrong file. */
#define CV_LINE_MAX		8192
#define CV_FILE_MAX		(1 << 20)
#define CV_QUOTE		64
#define CV_WHAT			768
#define CV_Q(p, n)		(int)((n) > CV_QUOTE ? CV_QUOTE : (n)), (p), ((n) > CV_QUOTE ? "..." : "")

const char *cv_push_path(char *buf, size_t len)
{
	return cv_etc_path(CV_PUSH_FILE, buf, len);
}

const char *cv_push_type_name(enum cv_push_type type)
{
	switch (type) {
	case CV_PUSH_NTFY:
		return "ntfy";
	case CV_PUSH_GOTIFY:
		return "gotify";
	case CV_PUSH_WEBHOOK:
		return "webhook";
	case CV_PUSH_SMTP:
		return "smtp";
	case CV_PUSH_MQTT:
		return "mqtt";
	}
	return "?";
}

bool cv_push_takes(const struct cv_push_channel *c, enum cv_push_kind kind)
{
	return kind == CV_PUSH_TEST || (c->sends & (unsigned int)kind);
}

const struct cv_push_channel *cv_push_find(const struct cv_push *p, const char *id)
{
	size_t i;

	for (i = 0; p && i < p->n; i++)
		if (!strcmp(p->ch[i].id, id))
			return &p->ch[i];
	return NULL;
}

/* Copies n bytes at p into out (size outlen) as a string, or says the value is too long. */
static int cv_copy(const char *key, const char *p, size_t n, char *out, size_t outlen, char *what, size_t wl)
{
	if (n >= outlen) {
		snprintf(what, wl, "%s '%.*s%s' is %zu bytes long, more than %zu: shorten it", key, CV_Q(p, n), n,
			 outlen - 1);
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static bool cv_starts(const char *p, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && !strncasecmp(p, prefix, pl);
}

/* The target of an HTTP channel: http(s)://host..., no userinfo (a token there would leak into logs). */
static int cv_check_url(struct cv_push_channel *c, const char *p, size_t n, char *what, size_t wl)
{
	size_t skip = cv_starts(p, n, "https://") ? 8 : cv_starts(p, n, "http://") ? 7 : 0;
	const char *host = p + skip, *end;

	if (!skip) {
		snprintf(what, wl, "'%.*s%s' is not an http:// or https:// URL: write the server's URL, e.g. "
			 "https://ntfy.sh/mytopic", CV_Q(p, n));
		return -1;
	}
	end = memchr(host, '/', n - skip);
	if (!end)
		end = p + n;
	if (end == host) {
		snprintf(what, wl, "the URL '%.*s%s' has no host: write https://HOST/...", CV_Q(p, n));
		return -1;
	}
	if (memchr(host, '@', (size_t)(end - host))) {
		snprintf(what, wl, "the URL '%.*s%s' holds a user or password: put it in token= or token-file= "
			 "instead, which status and logs never show", CV_Q(p, n));
		return -1;
	}
	return cv_copy("the URL", p, n, c->target, sizeof(c->target), what, wl);
}

static int cv_check_smtp_url(struct cv_push_channel *c, const char *p, size_t n, char *what, size_t wl)
{
	size_t skip = cv_starts(p, n, "smtps://") ? 8 : cv_starts(p, n, "smtp://") ? 7 : 0;

	if (!skip || skip == n || p[skip] == '/' || memchr(p + skip, '@', n - skip)) {
		snprintf(what, wl, "'%.*s%s' is not a mail server URL: write smtp://HOST:587 (STARTTLS) or "
			 "smtps://HOST:465, with the login in user= and pass-file=", CV_Q(p, n));
		return -1;
	}
	return cv_copy("the URL", p, n, c->target, sizeof(c->target), what, wl);
}

/* HOST[:PORT] of an MQTT broker. */
static int cv_check_broker(struct cv_push_channel *c, const char *p, size_t n, char *what, size_t wl)
{
	const char *colon = memrchr(p, ':', n);
	size_t hn = colon ? (size_t)(colon - p) : n, i;
	long port = 1883;

	if (cv_starts(p, n, "mqtt://") || cv_starts(p, n, "tcp://")) {
		snprintf(what, wl, "'%.*s%s': write the broker as HOST:PORT, without a scheme (broker.lan:1883)",
			 CV_Q(p, n));
		return -1;
	}
	if (colon) {
		char *end;
		char digits[8] = "";

		if (n - hn - 1 < 1 || n - hn - 1 > 5) {
			port = -1;
		} else {
			memcpy(digits, colon + 1, n - hn - 1);
			port = strtol(digits, &end, 10);
			if (*end || digits[0] < '0' || digits[0] > '9')
				port = -1;
		}
	}
	for (i = 0; i < hn; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
		      p[i] == '.' || p[i] == '-' || p[i] == '_'))
			break;
	if (!hn || i < hn || hn >= sizeof(c->host) || port < 1 || port > 65535) {
		snprintf(what, wl, "'%.*s%s' is not a broker address: write HOST or HOST:PORT (broker.lan:1883)",
			 CV_Q(p, n));
		return -1;
	}
	memcpy(c->host, p, hn);
	c->host[hn] = '\0';
	c->port = (int)port;
	return cv_copy("the broker", p, n, c->target, sizeof(c->target), what, wl);
}

static int cv_parse_priority(struct cv_push_channel *c, const char *v, size_t n, char *what, size_t wl)
{
	static const char *const names[] = { "min", "low", "default", "high", "urgent" };
	int max = c->type == CV_PUSH_GOTIFY ? 10 : 5, min = c->type == CV_PUSH_GOTIFY ? 0 : 1;
	size_t i;

	if (c->type == CV_PUSH_NTFY)
		for (i = 0; i < 5; i++)
			if (n == strlen(names[i]) && !memcmp(v, names[i], n)) {
				c->priority = (int)i + 1;
				return 0;
			}
	if (n >= 1 && n <= 2 && v[0] >= '0' && v[0] <= '9' && (n == 1 || (v[1] >= '0' && v[1] <= '9'))) {
		int val = v[0] - '0';

		if (n == 2)
			val = val * 10 + v[1] - '0';
		if (val >= min && val <= max) {
			c->priority = val;
			return 0;
		}
	}
	snprintf(what, wl, "priority '%.*s%s' is out of range: %s", CV_Q(v, n),
		 c->type == CV_PUSH_GOTIFY ? "Gotify takes 0 to 10" :
		 "ntfy takes min, low, default, high, urgent or 1 to 5");
	return -1;
}

/* A secret on the line (key=) or in a file (key-file=): only the key the channel's type uses. */
static int cv_parse_secret(struct cv_push_channel *c, const char *key, size_t kn, const char *v, size_t n,
			   const char *want, char *what, size_t wl)
{
	size_t wn = strlen(want);

	if (kn == wn && !memcmp(key, want, wn)) {
		if (!n) {
			snprintf(what, wl, "%s= is empty: give the %s, or %s-file=FILE", want, want, want);
			return -1;
		}
		c->secret_file[0] = '\0';
		return cv_copy(want, v, n, c->secret, sizeof(c->secret), what, wl);
	}
	if (n && v[0] != '/') {
		snprintf(what, wl, "%s-file '%.*s%s' is relative: write an absolute path", want, CV_Q(v, n));
		return -1;
	}
	c->secret[0] = '\0';
	return cv_copy("the secret file", v, n, c->secret_file, sizeof(c->secret_file), what, wl);
}

static bool cv_key_is(const char *k, size_t kn, const char *name)
{
	return kn == strlen(name) && !memcmp(k, name, kn);
}

/* Which option names each type takes, besides send=, name= and cafile=. */
static const char *cv_secret_key(enum cv_push_type t)
{
	return t == CV_PUSH_WEBHOOK ? "secret" : t == CV_PUSH_SMTP || t == CV_PUSH_MQTT ? "pass" : "token";
}

static int cv_parse_option(struct cv_push_channel *c, const char *p, size_t n, char *what, size_t wl)
{
	const char *eq = memchr(p, '=', n), *v;
	const char *skey = cv_secret_key(c->type);
	size_t kn, vn, sk = strlen(skey);
	char skey_file[16];

	if (!eq) {
		snprintf(what, wl, "'%.*s%s' is not an option: write OPTION=VALUE (see push.conf's header)",
			 CV_Q(p, n));
		return -1;
	}
	kn = (size_t)(eq - p);
	v = eq + 1;
	vn = n - kn - 1;
	snprintf(skey_file, sizeof(skey_file), "%s-file", skey);
	if (cv_key_is(p, kn, "send")) {
		if (vn == 6 && !memcmp(v, "alerts", 6))
			c->sends = CV_PUSH_ALERT;
		else if (vn == 6 && !memcmp(v, "digest", 6))
			c->sends = CV_PUSH_DIGEST;
		else if (vn == 3 && !memcmp(v, "all", 3))
			c->sends = CV_PUSH_ALERT | CV_PUSH_DIGEST;
		else {
			snprintf(what, wl, "send '%.*s%s' is not alerts, digest or all: pick one", CV_Q(v, vn));
			return -1;
		}
		return 0;
	}
	if (cv_key_is(p, kn, "name")) {
		size_t i;

		for (i = 0; i < vn; i++)
			if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
			      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' || v[i] == '.'))
				break;
		if (!vn || i < vn || vn > 64) {
			snprintf(what, wl, "name '%.*s%s' is not a channel name: 1 to 64 of A-Z a-z 0-9 . _ -",
				 CV_Q(v, vn));
			return -1;
		}
		return cv_copy("name", v, vn, c->id, sizeof(c->id), what, wl);
	}
	if (cv_key_is(p, kn, "cafile")) {
		if (!vn || v[0] != '/') {
			snprintf(what, wl, "cafile '%.*s%s' is not an absolute path: write cafile=/path/to/ca.pem",
				 CV_Q(v, vn));
			return -1;
		}
		return cv_copy("cafile", v, vn, c->cafile, sizeof(c->cafile), what, wl);
	}
	if ((kn == sk && !memcmp(p, skey, sk)) || cv_key_is(p, kn, skey_file))
		return cv_parse_secret(c, p, kn, v, vn, skey, what, wl);
	if (cv_key_is(p, kn, "priority") && (c->type == CV_PUSH_NTFY || c->type == CV_PUSH_GOTIFY))
		return cv_parse_priority(c, v, vn, what, wl);
	if (cv_key_is(p, kn, "tags") && c->type == CV_PUSH_NTFY)
		return cv_copy("tags", v, vn, c->tags, sizeof(c->tags), what, wl);
	if (cv_key_is(p, kn, "user") && (c->type == CV_PUSH_SMTP || c->type == CV_PUSH_MQTT))
		return cv_copy("user", v, vn, c->user, sizeof(c->user), what, wl);
	if (cv_key_is(p, kn, "from") && c->type == CV_PUSH_SMTP) {
		if (!memchr(v, '@', vn) || memchr(v, '<', vn) || memchr(v, '>', vn) || memchr(v, ',', vn)) {
			snprintf(what, wl, "from '%.*s%s' is not an address: write from=camvault@example.org",
				 CV_Q(v, vn));
			return -1;
		}
		return cv_copy("from", v, vn, c->from, sizeof(c->from), what, wl);
	}
	if (cv_key_is(p, kn, "to") && c->type == CV_PUSH_SMTP) {
		const char *a = v, *end = v + vn;

		/* Each address: something@something, no brackets (they go in the header as we write them). */
		while (a <= end) {
			const char *comma = memchr(a, ',', (size_t)(end - a));
			size_t an = comma ? (size_t)(comma - a) : (size_t)(end - a);

			if (!an || !memchr(a, '@', an) || memchr(a, '<', an) || memchr(a, '>', an)) {
				snprintf(what, wl, "to '%.*s%s' is not a list of addresses: write to=me@example.org or "
					 "to=a@example.org,b@example.org", CV_Q(v, vn));
				return -1;
			}
			a += an + 1;
		}
		return cv_copy("to", v, vn, c->to, sizeof(c->to), what, wl);
	}
	if (cv_key_is(p, kn, "prefix") && c->type == CV_PUSH_MQTT) {
		if (!vn || memchr(v, '+', vn) || memchr(v, '#', vn) || v[0] == '/' || v[vn - 1] == '/') {
			snprintf(what, wl, "prefix '%.*s%s' is not a topic prefix: no + or #, no / at either end "
				 "(prefix=camvault)", CV_Q(v, vn));
			return -1;
		}
		return cv_copy("prefix", v, vn, c->prefix, sizeof(c->prefix), what, wl);
	}
	if (cv_key_is(p, kn, "discovery") && c->type == CV_PUSH_MQTT) {
		if (vn == 13 && !memcmp(v, "homeassistant", 13))
			c->discovery = true;
		else if (vn == 4 && !memcmp(v, "none", 4))
			c->discovery = false;
		else {
			snprintf(what, wl, "discovery '%.*s%s' is not homeassistant or none: pick one", CV_Q(v, vn));
			return -1;
		}
		return 0;
	}
	snprintf(what, wl, "%s channels take no option '%.*s%s': see push.conf's header for theirs",
		 cv_push_type_name(c->type), CV_Q(p, kn));
	return -1;
}

static const struct {
	const char *name;
	enum cv_push_type type;
} cv_types[] = {
	{ "ntfy", CV_PUSH_NTFY }, { "gotify", CV_PUSH_GOTIFY }, { "webhook", CV_PUSH_WEBHOOK },
	{ "smtp", CV_PUSH_SMTP }, { "mqtt", CV_PUSH_MQTT },
};

/* The fields of one line (f[i], fl[i]; nf of them) into c. */
static int cv_parse_channel(const char **f, const size_t *fl, size_t nf, struct cv_push_channel *c, char *what,
			    size_t wl)
{
	size_t i;
	int n;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < sizeof(cv_types) / sizeof(cv_types[0]); i++)
		if (fl[0] == strlen(cv_types[i].name) && !memcmp(f[0], cv_types[i].name, fl[0]))
			c->type = cv_types[i].type;
	if (!c->type) {
		snprintf(what, wl, "unknown channel type '%.*s%s': write ntfy, gotify, webhook, smtp or mqtt",
			 CV_Q(f[0], fl[0]));
		return -1;
	}
	if (nf < 2) {
		snprintf(what, wl, "%s channel without a target: write the %s after '%s'", cv_push_type_name(c->type),
			 c->type == CV_PUSH_MQTT ? "broker (HOST:PORT)" : "server's URL", cv_push_type_name(c->type));
		return -1;
	}
	c->sends = CV_PUSH_ALERT | CV_PUSH_DIGEST;
	c->priority = -1;
	c->discovery = true;
	snprintf(c->prefix, sizeof(c->prefix), "camvault");
	if (c->type == CV_PUSH_SMTP ? cv_check_smtp_url(c, f[1], fl[1], what, wl) :
	    c->type == CV_PUSH_MQTT ? cv_check_broker(c, f[1], fl[1], what, wl) :
	    cv_check_url(c, f[1], fl[1], what, wl))
		return -1;
	for (i = 2; i < nf; i++)
		if (cv_parse_option(c, f[i], fl[i], what, wl))
			return -1;
	if (!c->id[0]) {
		n = snprintf(c->id, sizeof(c->id), "%s %s", cv_push_type_name(c->type), c->target);
		if (n < 0 || (size_t)n >= sizeof(c->id))
			return -1;	/* cannot happen: the target is shorter */
	}
	if ((c->type == CV_PUSH_GOTIFY || c->type == CV_PUSH_WEBHOOK) && !c->secret[0] && !c->secret_file[0]) {
		snprintf(what, wl, "%s channel without its %s: add %s=... or %s-file=FILE", cv_push_type_name(c->type),
			 cv_secret_key(c->type), cv_secret_key(c->type), cv_secret_key(c->type));
		return -1;
	}
	if (c->type == CV_PUSH_SMTP && (!c->from[0] || !c->to[0])) {
		snprintf(what, wl, "smtp channel without %s: add from=ADDRESS and to=ADDRESS", !c->from[0] ? "from=" :
			 "to=");
		return -1;
	}
	if ((c->secret[0] || c->secret_file[0]) && (c->type == CV_PUSH_SMTP || c->type == CV_PUSH_MQTT) &&
	    !c->user[0]) {
		snprintf(what, wl, "a password without user=: add user=NAME");
		return -1;
	}
	return 0;
}

#define CV_MAX_FIELDS 16

int cv_push_parse(const char *text, size_t len, const char *path, struct cv_push *p, char *err, size_t errlen)
{
	struct cv_push_channel c = { 0 };	/* the line's channel: wiped after, it may hold a secret */
	char what[CV_WHAT];
	size_t off = 0, i;
	unsigned int line = 0;

	memset(p, 0, sizeof(*p));
	if (len > CV_FILE_MAX) {
		snprintf(err, errlen, "%s line 1: the file is %zu bytes, more than %d: this is not a push.conf", path,
			 len, CV_FILE_MAX);
		return -1;
	}
	while (off < len) {
		const char *l = text + off, *nl = memchr(l, '\n', len - off);
		size_t ln = nl ? (size_t)(nl - l) : len - off;
		const char *f[CV_MAX_FIELDS + 1];
		size_t fl[CV_MAX_FIELDS + 1];
		struct cv_push_channel *grown;
		int nf;

		off += ln + 1;
		line++;
		if (memchr(l, '\0', ln)) {
			snprintf(what, sizeof(what), "a NUL byte: this is not a text file, restore push.conf");
			goto bad;
		}
		if (ln > CV_LINE_MAX) {
			snprintf(what, sizeof(what), "the line is %zu bytes, more than %d: one channel per line", ln,
				 CV_LINE_MAX);
			goto bad;
		}
		nf = cv_conf_fields(l, ln, f, fl, CV_MAX_FIELDS, what, sizeof(what));
		if (nf < 0)
			goto bad;
		if (nf > CV_MAX_FIELDS) {
			snprintf(what, sizeof(what), "more than %d fields: one channel per line", CV_MAX_FIELDS);
			goto bad;
		}
		if (!nf)
			continue;
		if (cv_parse_channel(f, fl, (size_t)nf, &c, what, sizeof(what)))
			goto bad;
		c.line = line;
		for (i = 0; i < p->n; i++)
			if (!strcmp(p->ch[i].id, c.id)) {
				snprintf(what, sizeof(what), "channel '%.200s' is already on line %u: give one of "
					 "them a name=", c.id, p->ch[i].line);
				goto bad;
			}
		grown = realloc(p->ch, (p->n + 1) * sizeof(*p->ch));
		if (!grown) {
			snprintf(what, sizeof(what), "out of memory");
			goto bad;
		}
		p->ch = grown;
		p->ch[p->n++] = c;
		OPENSSL_cleanse(&c, sizeof(c));
	}
	return 0;
bad:
	snprintf(err, errlen, "%s line %u: %s", path, line, what);
	OPENSSL_cleanse(&c, sizeof(c));
	if (p->ch)
		OPENSSL_cleanse(p->ch, p->n * sizeof(*p->ch));
	free(p->ch);
	p->ch = NULL;
	p->n = 0;
	return -1;
}

/* Reads at most max bytes of fd into a new buffer. Returns it (*len set) or NULL with errno. */
static char *cv_read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t r;

	while (buf) {
		if (n == cap) {
			char *g = cap >= max ? NULL : realloc(buf, cap * 2 + 1);

			if (!g) {
				free(buf);
				errno = cap >= max ? EFBIG : ENOMEM;
				return NULL;
			}
			buf = g;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* The secret in c->secret_file into c->secret: one line, the file readable by its owner only. */
static int cv_read_secret(const char *path, struct cv_push_channel *c, char *err, size_t errlen)
{
	int fd = open(c->secret_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t n = 0;
	char *s;

	if (fd < 0) {
		snprintf(err, errlen, "%s line %u: cannot read %s (%s): create it with the secret on one line, mode "
			 "0600", path, c->line, c->secret_file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s line %u: %s is readable by others (mode %04o): chmod 600 %s", path, c->line,
			 c->secret_file, (unsigned int)(st.st_mode & 07777), c->secret_file);
		close(fd);
		return -1;
	}
	s = cv_read_all(fd, sizeof(c->secret), &n);
	close(fd);
	while (s && n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (!s || !n || n >= sizeof(c->secret) || memchr(s, '\n', n) || strlen(s) != n) {
		snprintf(err, errlen, "%s line %u: %s %s: write the secret alone on one line (at most %zu bytes)",
			 path, c->line, c->secret_file, !s ? strerror(errno) : !n ? "is empty" : "is not one line",
			 sizeof(c->secret) - 1);
		if (s)
			OPENSSL_cleanse(s, n);
		free(s);
		return -1;
	}
	memcpy(c->secret, s, n + 1);
	OPENSSL_cleanse(s, n);
	free(s);
	return 0;
}

int cv_push_load(const char *path, struct cv_push **out, char *err, size_t errlen)
{
	char pathbuf[PATH_MAX];
	struct cv_push *p = calloc(1, sizeof(*p));
	size_t len = 0, i;
	char *text = NULL;
	mode_t mode = 0;
	bool missing;

	*out = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!path)
		path = cv_push_path(pathbuf, sizeof(pathbuf));
	if (!path) {
		snprintf(err, errlen, "$%s is too long: set it to a shorter directory", CV_ETC_ENV);
		goto fail;
	}
	if (cv_conf_read(path, "push.conf", CV_FILE_MAX, &text, &len, &missing, &mode, err, errlen))
		goto fail;
	if (!missing) {
		if (cv_push_parse(text, len, path, p, err, errlen))
			goto fail;
		for (i = 0; i < p->n; i++) {
			struct cv_push_channel *c = &p->ch[i];

			if (c->secret[0] && (mode & 077)) {
				snprintf(err, errlen, "%s line %u: a %s= secret in a file others can read (mode %04o): "
					 "chmod 600 %s, or move it to %s-file=", path, c->line, cv_secret_key(c->type),
					 (unsigned int)mode, path, cv_secret_key(c->type));
				goto fail;
			}
			if (c->secret_file[0] && cv_read_secret(path, c, err, errlen))
				goto fail;
		}
	}
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
	*out = p;
	return 0;
fail:
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
	cv_push_free(p);
	return -1;
}

void cv_push_free(struct cv_push *p)
{
	if (!p)
		return;
	if (p->ch)
		OPENSSL_cleanse(p->ch, p->n * sizeof(*p->ch));
	free(p->ch);
	free(p);
}
