// SPDX-License-Identifier: GPL-2.0
/*
 * Text for the push channels (push_text.h). Base64 is OpenSSL's; the rest is the little escaping JSON and
 * mail headers need, with invalid UTF-8 replaced rather than passed on to break a receiver's parser.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "push/channels.h"
#include "push/push_text.h"
#include "util/json.h"
#include "util/record.h"	/* cv_utf8_len() */

static bool cv_buf_reserve(struct cv_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void cv_buf_add(struct cv_buf *b, const char *s, size_t n)
{
	if (!cv_buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cv_buf_puts(struct cv_buf *b, const char *s)
{
	cv_buf_add(b, s, strlen(s));
}

void cv_buf_printf(struct cv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !cv_buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void cv_buf_json_str(struct cv_buf *b, const char *s)
{
	size_t need = cv_json_escape(s, CV_JSON_UTF8, NULL, 0);

	if (!cv_buf_reserve(b, need))
		return;
	cv_json_escape(s, CV_JSON_UTF8, b->p + b->len, need + 1);
	b->len += need;
}

static void cv_buf_base64(struct cv_buf *b, const unsigned char *s, size_t n)
{
	size_t out = 4 * ((n + 2) / 3);

	if (!cv_buf_reserve(b, out))
		return;
	EVP_EncodeBlock((unsigned char *)b->p + b->len, s, (int)n);
	b->len += out;
	b->p[b->len] = '\0';
}

void cv_buf_header_word(struct cv_buf *b, const char *s, bool fold)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	bool plain = n < 900;

	for (i = 0; i < n && plain; i++)
		plain = p[i] >= 0x20 && p[i] < 0x7f;
	/* "=?" would read as the start of an encoded word: encode such text too. */
	if (plain && !strstr(s, "=?")) {
		cv_buf_add(b, s, n);
		return;
	}
	while (n) {
		unsigned char chunk[64];
		size_t used = 0, k;

		/* 45 bytes make 60 characters of base64: the word stays within a 76-column line. */
		while (n && used < 45) {
			k = cv_utf8_len(p, n);
			if (k && used + k > 45)
				break;
			if (!k || *p < 0x20 || *p == 0x7f) {
				if (used + 3 > 45)
					break;
				/* U+FFFD for what is not UTF-8; a space for a control character. */
				if (!k) {
					memcpy(chunk + used, "\xef\xbf\xbd", 3);
					used += 3;
				} else {
					chunk[used++] = ' ';
				}
				p++;
				n--;
				continue;
			}
			memcpy(chunk + used, p, k);
			used += k;
			p += k;
			n -= k;
		}
		cv_buf_puts(b, "=?UTF-8?B?");
		cv_buf_base64(b, chunk, used);
		cv_buf_puts(b, "?=");
		if (n)
			cv_buf_puts(b, fold ? "\r\n " : " ");
	}
}

void cv_buf_base64_lines(struct cv_buf *b, const unsigned char *s, size_t n)
{
	while (n) {
		size_t k = n > 57 ? 57 : n;	/* 57 bytes: 76 characters */

		cv_buf_base64(b, s, k);
		cv_buf_puts(b, "\r\n");
		s += k;
		n -= k;
	}
}

void cv_buf_free(struct cv_buf *b)
{
	if (b->p)
		OPENSSL_cleanse(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

const char *cv_push_kind_name(int kind)
{
	return kind == CV_PUSH_ALERT ? "alert" : kind == CV_PUSH_DIGEST ? "digest" : "test";
}
