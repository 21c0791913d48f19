// SPDX-License-Identifier: GPL-2.0
/*
 * The e-mail channel: one RFC 5322 message through libcurl's SMTP. smtp:// URLs must upgrade with STARTTLS
 * (CURLUSESSL_ALL: a server that does not offer it fails the delivery, nothing is sent in clear, and the
 * message stays queued); smtps:// speaks TLS from the start. The certificate is always verified, against
 * cafile= when set.
 *
 * The message: Date, From, To, Subject (RFC 2047 when not ASCII), Message-ID (from the delivery id, the same
 * on every retry, so a mail client shows a retried message once), MIME-Version, text/plain UTF-8 in base64
 * (lines of any length survive, and no line of the text can end the message early), Auto-Submitted.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "push/channels.h"
#include "push/push_chan.h"
#include "push/push_text.h"
#include "util/dlib.h"

struct cv_upload {
	const char *p;
	size_t left;
};

static size_t cv_read_mail(char *buf, size_t size, size_t n, void *arg)
{
	struct cv_upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* The message's bytes, CRLF line ends, into b. */
static void cv_mail_build(struct cv_buf *b, const struct cv_push_channel *c, const struct cv_push_msg *m,
			  const char *delivery_id, int64_t now_ms)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
					      "Oct", "Nov", "Dec" };
	time_t t = (time_t)(now_ms / 1000);
	struct cv_buf subject = { 0 }, body = { 0 };
	char host[256] = "localhost";
	const char *p;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (gethostname(host, sizeof(host) - 1) || !host[0] || strpbrk(host, " <>@"))
		snprintf(host, sizeof(host), "localhost");
	/* Names of days and months in English whatever the locale: RFC 5322's date-time. */
	cv_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
		      months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	cv_buf_printf(b, "From: camvault <%s>\r\n", c->from);
	cv_buf_puts(b, "To: ");
	for (p = c->to; *p;) {
		size_t n = strcspn(p, ",");

		cv_buf_printf(b, "%s<%.*s>", p == c->to ? "" : ",\r\n ", (int)n, p);
		p += n + (p[n] == ',');
	}
	cv_buf_puts(b, "\r\n");
	cv_buf_puts(&subject, "[camvault] ");
	cv_buf_puts(&subject, m->title);
	cv_buf_puts(b, "Subject: ");
	if (!subject.oom)
		cv_buf_header_word(b, subject.p, true);
	cv_buf_printf(b, "\r\nMessage-ID: <%s@%s>\r\n", delivery_id, host);
	cv_buf_puts(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n");
	cv_buf_printf(b, "X-Camvault-Kind: %s\r\n\r\n", cv_push_kind_name(m->kind));
	/* The text with CRLF line ends, then base64. */
	for (p = m->text; *p;) {
		size_t n = strcspn(p, "\r\n");

		cv_buf_add(&body, p, n);
		cv_buf_puts(&body, "\r\n");
		p += n;
		if (*p == '\r')
			p++;
		if (*p == '\n')
			p++;
	}
	if (!body.oom)
		cv_buf_base64_lines(b, (const unsigned char *)body.p, body.len);
	b->oom |= subject.oom || body.oom;
	cv_buf_free(&subject);
	cv_buf_free(&body);
}

int cv_push_send_smtp(const struct cv_push_channel *c, const struct cv_push_msg *m, const char *delivery_id,
		      int64_t now_ms, char *err, size_t errlen)
{
	char curlerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = NULL, *more;
	struct cv_buf mail = { 0 }, addr = { 0 };
	struct cv_upload up;
	const char *p;
	CURL *h = NULL;
	CURLcode rc;
	int ret = -1;

	cv_mail_build(&mail, c, m, delivery_id, now_ms);
	cv_buf_printf(&addr, "<%s>", c->from);
	for (p = c->to; *p && !mail.oom;) {
		struct cv_buf one = { 0 };
		size_t n = strcspn(p, ",");

		cv_buf_printf(&one, "<%.*s>", (int)n, p);
		more = one.oom ? NULL : cv_curl.slist_append(rcpt, one.p);
		cv_buf_free(&one);
		if (!more)
			goto oom;
		rcpt = more;
		p += n + (p[n] == ',');
	}
	h = cv_curl.easy_init();
	if (!h || mail.oom || addr.oom)
		goto oom;
	up.p = mail.p;
	up.left = mail.len;
	cv_curl.easy_setopt(h, CURLOPT_URL, c->target);
	cv_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS or nothing: never the message in clear, not even when a server stops offering it. */
	cv_curl.easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	cv_curl.easy_setopt(h, CURLOPT_MAIL_FROM, addr.p);
	cv_curl.easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	cv_curl.easy_setopt(h, CURLOPT_UPLOAD, 1L);
	cv_curl.easy_setopt(h, CURLOPT_READFUNCTION, cv_read_mail);
	cv_curl.easy_setopt(h, CURLOPT_READDATA, &up);
	cv_curl.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)mail.len);
	cv_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CV_PUSH_CONNECT_S);
	cv_curl.easy_setopt(h, CURLOPT_TIMEOUT, (long)CV_PUSH_TOTAL_S);
	cv_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cv_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	if (c->user[0]) {
		cv_curl.easy_setopt(h, CURLOPT_USERNAME, c->user);
		cv_curl.easy_setopt(h, CURLOPT_PASSWORD, c->secret);
	}
	if (c->cafile[0])
		cv_curl.easy_setopt(h, CURLOPT_CAINFO, c->cafile);
	rc = cv_curl.easy_perform(h);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s: %s", c->id, curlerr[0] ? curlerr : cv_curl.easy_strerror(rc),
			 cv_push_curl_fix(rc));
	else
		ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", c->id);
out:
	cv_curl.easy_cleanup(h);
	cv_curl.slist_free_all(rcpt);
	cv_buf_free(&mail);
	cv_buf_free(&addr);
	return ret;
}
