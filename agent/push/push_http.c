// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP channels (ntfy, Gotify, webhook) through libcurl, and cv_push_send(), which picks the channel's
 * sender.
 *
 *	ntfy	POST TARGET, the text as body; headers Title, Priority, Tags (ntfy's publish headers), Authorization:
 *		Bearer TOKEN when token= is set. Non-ASCII titles as RFC 2047 words, which ntfy decodes.
 *	gotify	POST TARGET/message, header X-Gotify-Key, JSON {"title","message","priority"}.
 *	webhook	POST TARGET, JSON {"id","kind","vault","title","text","records"}, with headers
 *		X-Camvault-Timestamp (Unix seconds), X-Camvault-Delivery (the message's id, the same on every
 *		retry) and X-Camvault-Signature: sha256=HEX, HMAC-SHA256 keyed with the secret over
 *		"<timestamp>.<body>". A receiver recomputes it over the exact bytes it got, compares in constant
 *		time, refuses a timestamp more than 5 minutes from its clock (a replay of an old request) and
 *		ignores a delivery id it has seen within those 5 minutes (a replay of a recent one, or our retry of
 *		a request whose answer got lost).
 *
 * Every request: connect within 10 s, done within 30 s, no redirects, http and https only, the peer's
 * certificate verified (against cafile= when set). A 2xx answer is a delivery; anything else is an error that
 * quotes the start of the server's answer, CV_PUSH_REFUSED when the status refuses the message itself
 * (cv_http_refused()), else CV_PUSH_RETRY.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "push/channels.h"
#include "push/push_chan.h"
#include "push/push_text.h"
#include "util/dlib.h"
#include "util/record.h"	/* cv_text_escape() */

#define CV_UA		"camvault/" CAMVAULT_VERSION
#define CV_ANSWER_MAX	200

void cv_push_webhook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
			  char out[72])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	struct cv_buf signed_text = { 0 };

	strcpy(out, "sha256=");
	cv_buf_printf(&signed_text, "%s.", timestamp);
	cv_buf_add(&signed_text, body, body_len);
	/* An empty signature when memory ran out, which no receiver accepts. */
	if (signed_text.oom || !HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)signed_text.p,
				     signed_text.len, mac, &maclen))
		maclen = 0;
	cv_buf_free(&signed_text);
	for (i = 0; i < maclen && i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", mac[i]);
	out[7 + 2 * i] = '\0';
}

const char *cv_push_curl_fix(int code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "check the host name in push.conf and this machine's DNS";
	case CURLE_COULDNT_CONNECT:
		return "check the URL's host and port, and that the server is up";
	case CURLE_OPERATION_TIMEDOUT:
		return "the server did not answer in time: check the network";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return "the server's certificate is not trusted: fix its certificate, or give its CA with cafile=";
	case CURLE_SSL_CONNECT_ERROR:
		return "TLS failed: check that the port speaks TLS and the server's certificate";
	case CURLE_USE_SSL_FAILED:
		return "the mail server does not offer STARTTLS, and camvault never sends mail in clear: use a "
		       "server with TLS";
	case CURLE_LOGIN_DENIED:
		return "the server refused the login: check user= and pass-file=";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "the URL's scheme is not one camvault speaks here: see push.conf's header";
	}
	return "check the channel in push.conf and the server";
}

struct cv_answer {
	char text[CV_ANSWER_MAX + 1];
	size_t len;
};

/* Keeps the start of the server's answer, for the error message. */
static size_t cv_keep_answer(char *p, size_t size, size_t n, void *arg)
{
	struct cv_answer *a = arg;
	size_t k = size * n, room = CV_ANSWER_MAX - a->len;

	memcpy(a->text + a->len, p, k < room ? k : room);
	a->len += k < room ? k : room;
	a->text[a->len] = '\0';
	return size * n;
}

/* Printable ASCII of the answer, for one line of error. */
static void cv_answer_clean(struct cv_answer *a)
{
	size_t i;

	for (i = 0; i < a->len; i++)
		if ((unsigned char)a->text[i] < 0x20 || (unsigned char)a->text[i] >= 0x7f)
			a->text[i] = ' ';
}

/*
 * Whether an HTTP status refuses the message itself rather than the channel: a 4xx, but those saying that the
 * token or secret is wrong (401, 403), the URL is (404) or a proxy wants a login (407), which refuse every
 * message until push.conf is fixed, and those saying that a later try may do (408, 425, 429). A 5xx is the
 * server's trouble, retried.
 */
static bool cv_http_refused(long status)
{
	return status >= 400 && status <= 499 && status != 401 && status != 403 && status != 404 && status != 407 &&
	       status != 408 && status != 425 && status != 429;
}

/* POSTs body to url with headers (a curl_slist, freed here). 0 on a 2xx answer, else cv_push_send()'s codes. */
static int cv_http_post(const struct cv_push_channel *c, const char *url, struct curl_slist *headers,
			const char *body, size_t len, char *err, size_t errlen)
{
	char curlerr[CURL_ERROR_SIZE] = "";
	struct cv_answer answer = { .len = 0 };
	CURL *h = cv_curl.easy_init();
	long status = 0;
	CURLcode rc;
	struct curl_slist *more;

	/* No "Expect: 100-continue": it costs a round trip, or a second, for nothing. */
	more = cv_curl.slist_append(headers, "Expect:");
	if (!h || !more) {
		cv_curl.slist_free_all(more ? more : headers);
		cv_curl.easy_cleanup(h);
		snprintf(err, errlen, "%s: out of memory", c->id);
		return -1;
	}
	headers = more;
	cv_curl.easy_setopt(h, CURLOPT_URL, url);
	cv_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cv_curl.easy_setopt(h, CURLOPT_POST, 1L);
	cv_curl.easy_setopt(h, CURLOPT_POSTFIELDS, body);
	cv_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	cv_curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	cv_curl.easy_setopt(h, CURLOPT_USERAGENT, CV_UA);
	cv_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CV_PUSH_CONNECT_S);
	cv_curl.easy_setopt(h, CURLOPT_TIMEOUT, (long)CV_PUSH_TOTAL_S);
	cv_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cv_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	cv_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, cv_keep_answer);
	cv_curl.easy_setopt(h, CURLOPT_WRITEDATA, &answer);
	if (c->cafile[0])
		cv_curl.easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	rc = cv_curl.easy_perform(h);
	if (rc == CURLE_OK)
		cv_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	cv_curl.easy_cleanup(h);
	cv_curl.slist_free_all(headers);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s: %s", c->id, curlerr[0] ? curlerr : cv_curl.easy_strerror(rc),
			 cv_push_curl_fix(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		cv_answer_clean(&answer);
		snprintf(err, errlen, "%s: the server answered HTTP %ld%s%s%s: %s", c->id, status,
			 answer.len ? " (\"" : "", answer.text, answer.len ? "\")" : "",
			 status == 401 || status == 403 ? "check the token or secret in push.conf" :
			 status == 404 ? "check the URL's path in push.conf" :
			 cv_http_refused(status) ? "the server refuses this message itself, so another try would not "
			 "do: its log says why" : "check the server");
		return cv_http_refused(status) ? CV_PUSH_REFUSED : CV_PUSH_RETRY;
	}
	return 0;
}

/* Appends "Name: value" to headers; NULL when memory ran out (headers then freed). */
static struct curl_slist *cv_header(struct curl_slist *headers, const char *name, const char *value)
{
	struct cv_buf b = { 0 };
	struct curl_slist *h;

	cv_buf_printf(&b, "%s: %s", name, value);
	h = b.oom ? NULL : cv_curl.slist_append(headers, b.p);
	cv_buf_free(&b);
	if (!h)
		cv_curl.slist_free_all(headers);
	return h;
}

static int cv_send_ntfy(const struct cv_push_channel *c, const struct cv_push_msg *m, char *err, size_t errlen)
{
	static const char *const prio[] = { "", "min", "low", "default", "high", "urgent" };
	struct curl_slist *h = NULL;
	struct cv_buf title = { 0 }, auth = { 0 };
	int p = c->priority > 0 ? c->priority : m->kind == CV_PUSH_ALERT ? 4 : 3;
	const char *tags = c->tags[0] ? c->tags : m->kind == CV_PUSH_ALERT ? "warning,camvault" : "camvault";
	int ret = -1;

	cv_buf_header_word(&title, m->title, false);
	if (c->secret[0])
		cv_buf_printf(&auth, "Bearer %s", c->secret);
	if (title.oom || auth.oom)
		goto oom;
	if (!(h = cv_header(NULL, "Title", title.p)) || !(h = cv_header(h, "Priority", prio[p])) ||
	    !(h = cv_header(h, "Tags", tags)) || !(h = cv_header(h, "Content-Type", "text/plain; charset=utf-8")) ||
	    (c->secret[0] && !(h = cv_header(h, "Authorization", auth.p))))
		goto oom;
	ret = cv_http_post(c, c->target, h, m->text, strlen(m->text), err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", c->id);
out:
	cv_buf_free(&title);
	cv_buf_free(&auth);
	return ret;
}

static int cv_send_gotify(const struct cv_push_channel *c, const struct cv_push_msg *m, char *err, size_t errlen)
{
	struct cv_buf url = { 0 }, body = { 0 };
	struct curl_slist *h = NULL;
	size_t tl = strlen(c->target);
	int ret = -1;

	cv_buf_printf(&url, "%.*s/message", (int)(tl && c->target[tl - 1] == '/' ? tl - 1 : tl), c->target);
	cv_buf_puts(&body, "{\"title\":");
	cv_buf_json_str(&body, m->title);
	cv_buf_puts(&body, ",\"message\":");
	cv_buf_json_str(&body, m->text);
	cv_buf_printf(&body, ",\"priority\":%d}", c->priority >= 0 ? c->priority : m->kind == CV_PUSH_ALERT ? 8 : 4);
	if (url.oom || body.oom || !(h = cv_header(NULL, "X-Gotify-Key", c->secret)) ||
	    !(h = cv_header(h, "Content-Type", "application/json"))) {
		snprintf(err, errlen, "%s: out of memory", c->id);
		goto out;
	}
	ret = cv_http_post(c, url.p, h, body.p, body.len, err, errlen);
out:
	cv_buf_free(&url);
	cv_buf_free(&body);
	return ret;
}

static int cv_send_webhook(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
			   int64_t now_ms, char *err, size_t errlen)
{
	struct cv_buf body = { 0 };
	struct curl_slist *h = NULL;
	char ts[24], sig[72];
	int ret = -1;

	cv_buf_puts(&body, "{\"id\":");
	cv_buf_json_str(&body, delivery_id);
	cv_buf_puts(&body, ",\"kind\":");
	cv_buf_json_str(&body, cv_push_kind_name(m->kind));
	cv_buf_puts(&body, ",\"vault\":");
	cv_buf_json_str(&body, m->vault);
	cv_buf_puts(&body, ",\"title\":");
	cv_buf_json_str(&body, m->title);
	cv_buf_puts(&body, ",\"text\":");
	cv_buf_json_str(&body, m->text);
	cv_buf_printf(&body, ",\"records\":%s}", m->json ? m->json : "[]");
	snprintf(ts, sizeof(ts), "%" PRId64, now_ms / 1000);
	if (body.oom)
		goto oom;
	cv_push_webhook_sign(c->secret, ts, body.p, body.len, sig);
	if (!(h = cv_header(NULL, "Content-Type", "application/json")) ||
	    !(h = cv_header(h, "X-Camvault-Timestamp", ts)) ||
	    !(h = cv_header(h, "X-Camvault-Delivery", delivery_id)) ||
	    !(h = cv_header(h, "X-Camvault-Signature", sig)))
		goto oom;
	ret = cv_http_post(c, c->target, h, body.p, body.len, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", c->id);
out:
	cv_buf_free(&body);
	return ret;
}

/* The channel's library, loaded on its first delivery (dlib.h); 0, or -1 with err "<channel>: ...". */
static int cv_push_lib(const struct cv_push_channel *c, char *err, size_t errlen)
{
	char user[64], why[768];
	int rc;

	snprintf(user, sizeof(user), "push channel %s", cv_push_type_name(c->type));
	rc = c->type == CV_PUSH_MQTT ? cv_mosq_load(user, why, sizeof(why)) : cv_curl_load(user, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%s: %s", c->id, why);
	return rc;
}

/* s escaped as record.h says, malloc'd; NULL when memory ran out. */
static char *cv_push_escape(const char *s, unsigned int flags)
{
	size_t len = cv_text_escape(s, flags, NULL, 0) + 1;
	char *out = malloc(len);

	if (out)
		cv_text_escape(s, flags, out, len);
	return out;
}

static int cv_push_dispatch(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
			    int64_t now_ms, char *err, size_t errlen)
{
	switch (c->type) {
	case CV_PUSH_NTFY:
		return cv_send_ntfy(c, m, err, errlen);
	case CV_PUSH_GOTIFY:
		return cv_send_gotify(c, m, err, errlen);
	case CV_PUSH_WEBHOOK:
		return cv_send_webhook(c, m, delivery_id, now_ms, err, errlen);
	case CV_PUSH_SMTP:
		return cv_push_send_smtp(c, m, delivery_id, now_ms, err, errlen);
	case CV_PUSH_MQTT:
		return cv_push_send_mqtt(c, m, delivery_id, now_ms, err, errlen);
	}
	snprintf(err, errlen, "%s: unknown channel type: fix push.conf", c->id);
	return CV_PUSH_RETRY;
}

int cv_push_send(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
		 int64_t now_ms, char *err, size_t errlen)
{
	/*
	 * Here, for every channel and every message: the record's names are escaped when the alert is made,
	 * but a digest, a message queued by an older camvault or a text cut in the middle of a character
	 * reach this point too.
	 */
	struct cv_push_msg safe = *m;
	char *title = cv_push_escape(m->title, 0), *text = cv_push_escape(m->text, CV_ESC_LINES);
	int ret = CV_PUSH_RETRY;

	if (!title || !text)
		snprintf(err, errlen, "%s: out of memory", c->id);
	else if (c->type < CV_PUSH_NTFY || c->type > CV_PUSH_MQTT || !cv_push_lib(c, err, errlen)) {
		safe.title = title;
		safe.text = text;
		ret = cv_push_dispatch(c, &safe, delivery_id, now_ms, err, errlen);
	}
	free(title);
	free(text);
	return ret;
}
