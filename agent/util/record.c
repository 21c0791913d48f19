// SPDX-License-Identifier: GPL-2.0
/*
 * Access records for people and programs (record.h).
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/json.h"
#include "util/record.h"

void cv_human_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	/* Up a unit while the value would print as 1024.0 or more. */
	do {
		v /= 1024;
		u++;
	} while (u < 5 && v >= 1023.95);
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

const char *cv_rec_type_name(unsigned int type)
{
	switch (type) {
	case CAMVAULT_REC_SESSION:
		return "session";
	case CAMVAULT_REC_UNLINK:
		return "unlink";
	case CAMVAULT_REC_RENAME:
		return "rename";
	case CAMVAULT_REC_TRUNCATE:
		return "truncate";
	}
	return "unknown";
}

const char *cv_rec_action(const struct camvault_rec *r)
{
	if (r->type != CAMVAULT_REC_SESSION)
		return cv_rec_type_name(r->type);
	if (r->rflags & CAMVAULT_RF_CAMERA && (r->streamons || r->dqbufs || r->bytes_read))
		return "streamed";
	if (r->bytes_read && r->bytes_written)
		return "read+wrote";
	if (r->bytes_read)
		return "read";
	if (r->bytes_written)
		return "wrote";
	if (r->mmaps)
		return "mapped";
	return "opened";
}

int64_t cv_boot_to_wall_offset(void)
{
	struct timespec boot, wall;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &wall);
	return ((int64_t)wall.tv_sec - boot.tv_sec) * 1000000000LL + (wall.tv_nsec - boot.tv_nsec);
}

void cv_wall_format(int64_t wall_ns, char *buf, size_t len)
{
	time_t s = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03dZ", (int)(wall_ns / 1000000 % 1000));
}

/* A fixed-size string field: NUL-terminated within its size. */
static int cv_str_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int cv_rec_valid(const struct camvault_rec *r)
{
	return r->type >= CAMVAULT_REC_SESSION && r->type <= CAMVAULT_REC_TRUNCATE &&
	       cv_str_ok(r->comm, sizeof(r->comm)) && cv_str_ok(r->exe, sizeof(r->exe)) &&
	       cv_str_ok(r->path, sizeof(r->path)) && cv_str_ok(r->path2, sizeof(r->path2));
}

int cv_rec_from_blob(struct camvault_rec *r, const void *blob, size_t len)
{
	if (!blob || len < CAMVAULT_REC_SIZE_V1 || len > sizeof(*r))
		return -1;
	memset(r, 0, sizeof(*r));
	memcpy(r, blob, len);
	return 0;
}

/*
 * Where text goes: a buffer, which out of room keeps counting what it would need (cut: a piece that had to
 * stay whole did not fit, and nothing more is written), or a FILE, which is never short of room.
 */
struct cv_out {
	char *buf;
	size_t len, used;
	FILE *f;
	bool cut;
};

static size_t cv_room(const struct cv_out *o)
{
	return !o->cut && o->used < o->len ? o->len - o->used : 0;
}

static void cv_put(struct cv_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cv_put(struct cv_out *o, const char *fmt, ...)
{
	size_t room = cv_room(o);
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (o->f)
		n = vfprintf(o->f, fmt, ap);
	else
		n = vsnprintf(room ? o->buf + o->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

/*
 * n bytes at s. A whole piece (an escape) goes in entirely or not at all: half of "\x1b" would read as other
 * text. Text around it may be cut anywhere.
 */
static void cv_add(struct cv_out *o, const char *s, size_t n, bool whole)
{
	size_t room = cv_room(o), k;

	if (o->f) {
		fwrite(s, 1, n, o->f);
	} else if (room && whole && n >= room) {
		o->cut = true;
	} else if (room) {
		k = n < room - 1 ? n : room - 1;
		memcpy(o->buf + o->used, s, k);
		o->buf[o->used + k] = '\0';
	}
	o->used += n;
}

size_t cv_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Whether the character at s (k bytes of valid UTF-8) must be escaped: a control character, or one that
 * moves or hides what follows it when shown (U+061C, U+200E, U+200F, U+2028 to U+202E, U+2066 to U+2069), with
 * which a name could pass for another.
 */
static bool cv_esc_char(const unsigned char *s, size_t k, unsigned int flags)
{
	unsigned int cp;

	if (k == 1)
		return (s[0] < 0x20 && !((flags & CV_ESC_LINES) && (s[0] == '\n' || s[0] == '\t'))) || s[0] == 0x7f;
	if (k == 2)
		return (s[0] == 0xc2 && s[1] < 0xa0) || (s[0] == 0xd8 && s[1] == 0x9c);
	if (k != 3)
		return false;
	cp = (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	return cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t cv_text_escape(const char *s, unsigned int flags, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), need = 0, wrote = 0, k, pl, i;
	bool full = false;

	while (n) {
		char piece[4 * 4 + 1];	/* a character of up to 4 bytes, each as \xNN */

		k = cv_utf8_len(p, n);
		if (k && !cv_esc_char(p, k, flags)) {
			bool twice = *p == '\\' && (flags & CV_ESC_BACKSLASH);

			pl = twice ? 2 : k;
			memcpy(piece, twice ? "\\\\" : (const char *)p, pl);
		} else {
			k = k ? k : 1;
			for (i = 0; i < k; i++)
				snprintf(piece + 4 * i, 5, "\\x%02x", p[i]);
			pl = 4 * k;
		}
		/* Whole pieces only: a cut escape or character would be what this is here to prevent. */
		full = full || wrote + pl >= len;
		if (!full) {
			memcpy(buf + wrote, piece, pl);
			wrote += pl;
		}
		need += pl;
		p += k;
		n -= k;
	}
	if (len)
		buf[wrote] = '\0';
	return need;
}

/*
 * s to o as escape (cv_text_escape() or cv_json_escape()) writes it with flags: into a buffer, never cut inside
 * an escape.
 */
static void cv_escaped(struct cv_out *o, const char *s, size_t (*escape)(const char *, unsigned int, char *, size_t),
		       unsigned int flags)
{
	size_t room = cv_room(o), need;
	char *buf;

	if (!o->f) {
		need = escape(s, flags, room ? o->buf + o->used : NULL, room);
		if (room && need >= room)
			o->cut = true;
		o->used += need;
		return;
	}
	need = escape(s, flags, NULL, 0) + 1;
	buf = malloc(need);
	if (!buf) {
		cv_add(o, "(out of memory)", 15, true);
		return;
	}
	escape(s, flags, buf, need);
	cv_add(o, buf, need - 1, false);
	free(buf);
}

/*
 * s to o as cv_text_escape() writes it. A name (CV_ESC_BACKSLASH: its escapes read back unambiguously); a
 * message, whose names are escaped already (0: again, it is the same).
 */
static void cv_text_flags(struct cv_out *o, const char *s, unsigned int flags)
{
	cv_escaped(o, s, cv_text_escape, flags);
}

static void cv_text_str(struct cv_out *o, const char *s)
{
	cv_text_flags(o, s, CV_ESC_BACKSLASH);
}

const char *cv_text_safe(const char *s, char *buf, size_t len)
{
	cv_text_escape(s, CV_ESC_BACKSLASH, buf, len);
	return buf;
}

void cv_text_line(FILE *f, const char *fmt, ...)
{
	struct cv_out o = { NULL, 0, 0, f, false };
	char msg[CV_TEXT_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cv_text_flags(&o, msg, 0);
	cv_add(&o, "\n", 1, false);
}

void cv_rec_peer(const struct camvault_rec *r, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (r->peer_family == AF_INET)
		inet_ntop(AF_INET, r->peer_addr, addr, sizeof(addr));
	else if (r->peer_family == AF_INET6)
		inet_ntop(AF_INET6, r->peer_addr, addr, sizeof(addr));
	snprintf(buf, len, r->peer_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, ntohs(r->peer_port));
}

static const struct {
	uint32_t flag;
	const char *name;
	const char *text;
} cv_rflags[] = {
	{ CAMVAULT_RF_OPEN_UNSEEN, "open_unseen", "opened before the probes ran" },
	{ CAMVAULT_RF_STILL_OPEN, "still_open", "still open" },
	{ CAMVAULT_RF_UNOBSERVED, "unobserved_io", "uses io_uring: unobserved I/O possible" },
	{ CAMVAULT_RF_PEER, "peer", NULL },
	{ CAMVAULT_RF_PATH_TAIL, "path_tail", "path shortened" },
	{ CAMVAULT_RF_CAMERA, "camera", NULL },
	{ CAMVAULT_RF_EXE_TAIL, "exe_tail", "exe path shortened" },
	{ CAMVAULT_RF_CLOSE_LATE, "close_late", "last close seen late: close time is when it was found" },
	{ CAMVAULT_RF_UNCOUNTED, "uncounted_io", "I/O seen but not counted (aio, readv): bytes are a lower bound" },
	{ CAMVAULT_RF_FOUND_AT_START, "found_at_start", "open before the probes: found in /proc when the watch began" },
};

#define CV_NRFLAGS (sizeof(cv_rflags) / sizeof(cv_rflags[0]))

static const char *cv_tier_names[] = { "?", "lsm", "fentry", "kprobe", "syscall-tracepoint" };

const char *cv_rec_tier_name(unsigned int tier)
{
	return tier < sizeof(cv_tier_names) / sizeof(cv_tier_names[0]) ? cv_tier_names[tier] : "?";
}

/* The record as one line of text (record.h): the strings it did not write itself escaped (cv_text_str). */
static void cv_rec_text(struct cv_out *o, const struct camvault_rec *r, int64_t offset_ns)
{
	char when[32], b1[32], b2[32], peer[64];
	size_t i;

	if (!cv_rec_valid(r)) {
		cv_put(o, "malformed record (type %u)", r->type);
		return;
	}
	cv_wall_format((int64_t)r->open_ns + offset_ns, when, sizeof(when));
	cv_put(o, "%s %s ", when, cv_rec_action(r));
	cv_text_str(o, r->path);
	if (r->type == CAMVAULT_REC_RENAME) {
		cv_put(o, " -> ");
		cv_text_str(o, r->path2);
	}
	cv_put(o, " by pid %" PRIu32 " (", r->pid);
	cv_text_str(o, r->comm);
	cv_put(o, ") ");
	cv_text_str(o, r->exe[0] ? r->exe : "?");
	cv_put(o, ", parent %" PRIu32 ", uid %" PRIu32, r->ppid, r->uid);
	if (r->loginuid != CAMVAULT_ID_UNSET)
		cv_put(o, ", login uid %" PRIu32, r->loginuid);
	cv_put(o, ", cgroup %" PRIu64, (uint64_t)r->cgroup_id);
	if (r->type == CAMVAULT_REC_SESSION) {
		cv_human_bytes(r->bytes_read, b1, sizeof(b1));
		cv_human_bytes(r->bytes_written, b2, sizeof(b2));
		cv_put(o, ": read %s, wrote %s", b1, b2);
		if (r->mmaps)
			cv_put(o, ", %" PRIu32 " mmap%s", r->mmaps, r->mmaps == 1 ? "" : "s");
		if (r->ioctls)
			cv_put(o, ", %" PRIu32 " ioctl%s", r->ioctls, r->ioctls == 1 ? "" : "s");
		if (r->rflags & CAMVAULT_RF_CAMERA)
			cv_put(o, ", %" PRIu32 " stream start%s, %" PRIu32 " frame%s", r->streamons,
			       r->streamons == 1 ? "" : "s", r->dqbufs, r->dqbufs == 1 ? "" : "s");
		if (r->rflags & CAMVAULT_RF_PEER) {
			cv_rec_peer(r, peer, sizeof(peer));
			cv_put(o, ", copied to %s", peer);
		}
		if (r->close_ns) {
			cv_wall_format((int64_t)r->close_ns + offset_ns, when, sizeof(when));
			cv_put(o, ", closed %s", when);
		}
	}
	for (i = 0; i < CV_NRFLAGS; i++)
		if ((r->rflags & cv_rflags[i].flag) && cv_rflags[i].text)
			cv_put(o, " [%s]", cv_rflags[i].text);
	cv_put(o, " (%s tier)", cv_rec_tier_name(r->tier));
}

/* A record's name (bytes) as a JSON string: cv_json_escape()'s default, every byte outside ASCII as \u00XX. */
static void cv_json_str(struct cv_out *o, const char *s)
{
	cv_escaped(o, s, cv_json_escape, 0);
}

static void cv_json_id(struct cv_out *o, const char *key, uint32_t v)
{
	if (v == CAMVAULT_ID_UNSET)
		cv_put(o, ",\"%s\":null", key);
	else
		cv_put(o, ",\"%s\":%" PRIu32, key, v);
}

/* The record as one JSON object (record.h). */
static void cv_rec_json(struct cv_out *o, const struct camvault_rec *r, int64_t offset_ns)
{
	char when[32], addr[INET6_ADDRSTRLEN];
	size_t i;
	int first = 1;

	if (!cv_rec_valid(r)) {
		cv_put(o, "{\"type\":\"malformed\",\"type_code\":%u}", r->type);
		return;
	}
	cv_wall_format((int64_t)r->open_ns + offset_ns, when, sizeof(when));
	cv_put(o, "{\"type\":\"%s\",\"action\":\"%s\",\"tier\":\"%s\",\"time\":\"%s\"", cv_rec_type_name(r->type),
	       cv_rec_action(r), cv_rec_tier_name(r->tier), when);
	if (r->type == CAMVAULT_REC_SESSION && r->close_ns) {
		cv_wall_format((int64_t)r->close_ns + offset_ns, when, sizeof(when));
		cv_put(o, ",\"close_time\":\"%s\"", when);
	} else {
		cv_put(o, ",\"close_time\":null");
	}
	cv_put(o, ",\"path\":");
	cv_json_str(o, r->path);
	if (r->type == CAMVAULT_REC_RENAME) {
		cv_put(o, ",\"path2\":");
		cv_json_str(o, r->path2);
	}
	cv_put(o, ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ppid\":%" PRIu32 ",\"uid\":%" PRIu32
	       ",\"gid\":%" PRIu32, r->pid, r->tid, r->ppid, r->uid, r->gid);
	cv_json_id(o, "loginuid", r->loginuid);
	cv_json_id(o, "sessionid", r->sessionid);
	cv_put(o, ",\"comm\":");
	cv_json_str(o, r->comm);
	cv_put(o, ",\"exe\":");
	cv_json_str(o, r->exe);
	cv_put(o, ",\"exe_dev\":\"%" PRIu64 ":%" PRIu64 "\",\"exe_ino\":%" PRIu64 ",\"exe_is_nvr_file\":%s,\"mnt_ns\":%"
	       PRIu32 ",\"host_mnt_ns\":%s,\"user_ns\":%" PRIu32 ",\"host_user_ns\":%s", (uint64_t)r->exe_dev >> 20,
	       (uint64_t)r->exe_dev & 0xfffff, (uint64_t)r->exe_ino, r->aflags & CAMVAULT_AF_EXE_HOST ? "true" : "false",
	       r->mnt_ns, r->aflags & CAMVAULT_AF_HOST_MNTNS ? "true" : "false", r->user_ns,
	       r->user_ns == CAMVAULT_INIT_USER_NS ? "true" : "false");
	cv_put(o, ",\"cgroup_id\":%" PRIu64 ",\"dev\":\"%" PRIu64 ":%" PRIu64 "\",\"ino\":%" PRIu64
	       ",\"open_flags\":%" PRIu32, (uint64_t)r->cgroup_id, (uint64_t)r->dev >> 20,
	       (uint64_t)r->dev & 0xfffff, (uint64_t)r->ino, r->open_flags);
	cv_put(o, ",\"bytes_read\":%" PRIu64 ",\"bytes_written\":%" PRIu64 ",\"mmaps\":%" PRIu32
	       ",\"ioctls\":%" PRIu32 ",\"streamons\":%" PRIu32 ",\"dqbufs\":%" PRIu32, (uint64_t)r->bytes_read,
	       (uint64_t)r->bytes_written, r->mmaps, r->ioctls, r->streamons, r->dqbufs);
	if (r->rflags & CAMVAULT_RF_PEER &&
	    inet_ntop(r->peer_family == AF_INET6 ? AF_INET6 : AF_INET, r->peer_addr, addr, sizeof(addr)))
		cv_put(o, ",\"peer\":{\"family\":\"%s\",\"addr\":\"%s\",\"port\":%u}",
		       r->peer_family == AF_INET6 ? "ipv6" : "ipv4", addr, ntohs(r->peer_port));
	else
		cv_put(o, ",\"peer\":null");
	cv_put(o, ",\"flags\":[");
	for (i = 0; i < CV_NRFLAGS; i++) {
		if (r->rflags & cv_rflags[i].flag) {
			cv_put(o, "%s\"%s\"", first ? "" : ",", cv_rflags[i].name);
			first = 0;
		}
	}
	cv_put(o, "]}");
}

/* A record's line formatter, to o: cv_rec_text() or cv_rec_json(). */
typedef void (*cv_rec_fmt)(struct cv_out *o, const struct camvault_rec *r, int64_t offset_ns);

static int cv_rec_format(cv_rec_fmt fmt, const struct camvault_rec *r, int64_t offset_ns, char *buf, size_t len)
{
	struct cv_out o = { buf, len, 0, NULL, false };

	if (len)
		buf[0] = '\0';
	fmt(&o, r, offset_ns);
	return (int)o.used;
}

int cv_rec_format_text(const struct camvault_rec *r, int64_t offset_ns, char *buf, size_t len)
{
	return cv_rec_format(cv_rec_text, r, offset_ns, buf, len);
}

int cv_rec_format_json(const struct camvault_rec *r, int64_t offset_ns, char *buf, size_t len)
{
	return cv_rec_format(cv_rec_json, r, offset_ns, buf, len);
}

int cv_rec_fprint(FILE *f, const struct camvault_rec *r, int64_t offset_ns, bool json)
{
	struct cv_out o = { NULL, 0, 0, f, false };

	(json ? cv_rec_json : cv_rec_text)(&o, r, offset_ns);
	cv_add(&o, "\n", 1, false);
	return ferror(f) ? -1 : (int)o.used;
}
