/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Push: the channels that tell the owner about an unexpected access (alerts) and what happened each day
 * (digests), read from push.conf, and the delivery of one message through one channel. The outbox (outbox.h)
 * queues messages in the access log's database and calls cv_push_send() until each is delivered.
 *
 * push.conf ($CAMVAULT_ETC/push.conf, else /etc/camvault/push.conf): one channel per line,
 *
 *	TYPE TARGET [OPTION=VALUE]...
 *
 *	ntfy	https://ntfy.sh/TOPIC		[token=|token-file=] [priority=min|low|default|high|urgent|1-5]
 *						[tags=a,b]
 *	gotify	https://gotify.example		token=|token-file=  [priority=0-10]
 *	webhook	https://example/hook		secret=|secret-file=
 *	smtp	smtp://mail.example:587		from=ADDR to=ADDR[,ADDR...] [user=NAME pass-file=FILE]
 *	mqtt	broker.lan:1883			[user=NAME pass-file=FILE] [prefix=camvault]
 *						[discovery=homeassistant|none]
 *
 * Every channel also takes send=alerts|digest|all (default all), name=NAME (how status and the outbox call it;
 * default "TYPE TARGET") and cafile=FILE (a CA certificate to trust instead of the system's; verification is
 * never turned off). Targets: http:// or https:// URLs for the HTTP channels (no spaces, no userinfo: tokens go
 * in options), smtp:// (STARTTLS, required: never sent in clear) or smtps:// (TLS from the start) for SMTP,
 * HOST[:PORT] for MQTT (default port 1883). '#' starts a comment at the start of a line or of a field; fields
 * are separated by spaces and tabs; values cannot hold whitespace.
 *
 * Secrets (token=, secret=, pass=) may be written on the line only when push.conf is readable by its owner
 * alone (mode 0600 or stricter): cv_push_load() refuses a group- or world-readable push.conf that holds one,
 * and a secret file (token-file=, secret-file=, pass-file=) that is group- or world-readable, naming the chmod
 * that fixes it. A missing push.conf means no channels.
 */
#ifndef CV_PUSH_H
#define CV_PUSH_H

#include <linux/limits.h>	/* PATH_MAX, whatever feature macros the includer set */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CV_PUSH_FILE		"push.conf"

enum cv_push_kind {
	CV_PUSH_ALERT = 1,
	CV_PUSH_DIGEST = 2,
	CV_PUSH_TEST = 4,	/* "camvault push test": every channel, whatever its send= */
};

enum cv_push_type {
	CV_PUSH_NTFY = 1,
	CV_PUSH_GOTIFY,
	CV_PUSH_WEBHOOK,
	CV_PUSH_SMTP,
	CV_PUSH_MQTT,
};

struct cv_push_msg {
	enum cv_push_kind kind;
	const char *vault;	/* may be NULL */
	const char *title;
	const char *text;	/* plain text body */
	const char *json;	/* records as a JSON array, may be NULL */
};

#define CV_PUSH_ID_MAX		1200
#define CV_PUSH_TARGET_MAX	1024
#define CV_PUSH_VALUE_MAX	1024

struct cv_push_channel {
	enum cv_push_type type;
	unsigned int sends;		/* CV_PUSH_ALERT | CV_PUSH_DIGEST */
	unsigned int line;		/* in push.conf */
	char id[CV_PUSH_ID_MAX];	/* name=, or "TYPE TARGET" */
	char target[CV_PUSH_TARGET_MAX];
	char host[256];			/* mqtt */
	int port;			/* mqtt */
	char secret[CV_PUSH_VALUE_MAX];	/* token, webhook secret or password: from the line or its file */
	char secret_file[PATH_MAX];	/* "" when the secret is on the line (or there is none) */
	char user[256];
	char from[320];
	char to[CV_PUSH_VALUE_MAX];	/* comma-separated */
	char prefix[128];		/* mqtt, default "camvault" */
	char cafile[PATH_MAX];
	char tags[256];			/* ntfy */
	int priority;			/* -1: by kind */
	bool discovery;			/* mqtt: Home Assistant discovery (default on) */
};

struct cv_push {
	struct cv_push_channel *ch;
	size_t n;
};

/* push.conf's path: $CAMVAULT_ETC/push.conf or /etc/camvault/push.conf, into buf; NULL if too long. */
const char *cv_push_path(char *buf, size_t len);

/*
 * Parses len bytes of push.conf text (not NUL-terminated); path names it in messages: "<path> line N: <what is
 * wrong>: <fix>". Reads no file (secret files are only named). Returns 0, or -1 (p then holds nothing).
 */
int cv_push_parse(const char *text, size_t len, const char *path, struct cv_push *p, char *err, size_t errlen);

/*
 * Reads push.conf at path (NULL: cv_push_path()), checks its mode against the secrets it holds, parses it and
 * reads the secret files. A missing file is no channels. On success *out is a cv_push to free with
 * cv_push_free(). Loads no library: cv_push_send() does, for its channel. Returns 0 or -1.
 */
int cv_push_load(const char *path, struct cv_push **out, char *err, size_t errlen);
void cv_push_free(struct cv_push *p);

/* The channel whose id is id, or NULL. */
const struct cv_push_channel *cv_push_find(const struct cv_push *p, const char *id);

/* Whether c takes messages of kind (a test goes everywhere). */
bool cv_push_takes(const struct cv_push_channel *c, enum cv_push_kind kind);

/* "ntfy", "gotify", "webhook", "smtp", "mqtt". */
const char *cv_push_type_name(enum cv_push_type type);

/*
 * Delivers m through c now; now_ms (CLOCK_REALTIME ms) dates it (webhook timestamp, e-mail Date). delivery_id
 * names this message for the receiver's duplicate check (webhook X-Camvault-Delivery, e-mail Message-ID, the
 * MQTT event's "id"): the same for every retry of one message. Blocks at most about 30 s (libcurl: connect
 * 10 s, total 30 s; MQTT likewise). The channel's library (libcurl, or libmosquitto for MQTT) is loaded on
 * first use (dlib.h); one that cannot be is this delivery's error, naming the package to install.
 *
 * What goes out is m's title and text escaped by record.h's cv_text_escape() (the text keeps its lines):
 * valid UTF-8 without control characters, whatever the record's names held, so that no receiver refuses a
 * message for its bytes (ntfy takes a body that is not UTF-8 for an attachment, which a self-hosted server
 * refuses).
 *
 * Returns 0 when the server took it, else CV_PUSH_RETRY or CV_PUSH_REFUSED with err "<channel>: <what>: <fix>".
 */
/* cv_push_send()'s failures. */
#define CV_PUSH_RETRY	(-1)	/* the network, the server or the channel's settings: a later try may do */
#define CV_PUSH_REFUSED	(-2)	/* the server refused this message itself: a later try would be too */

int cv_push_send(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
		 int64_t now_ms, char *err, size_t errlen);

/*
 * The webhook's signature: "sha256=" and the hex HMAC-SHA256, keyed with secret, of "<timestamp>.<body>",
 * timestamp being the X-Camvault-Timestamp header's decimal text. out needs 72 bytes.
 */
void cv_push_webhook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
			  char out[72]);

#endif /* CV_PUSH_H */
