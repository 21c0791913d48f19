/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text the push channels build: a growing buffer, JSON strings, RFC 2047 header words and base64. Kept apart
 * from the channels so that each channel's file holds only its protocol.
 */
#ifndef CV_PUSH_TEXT_H
#define CV_PUSH_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A string that grows; oom set (and the text cut) when memory ran out: check it once at the end. */
struct cv_buf {
	char *p;		/* NUL-terminated once anything was added */
	size_t len, cap;
	bool oom;
};

void cv_buf_add(struct cv_buf *b, const char *s, size_t n);
void cv_buf_puts(struct cv_buf *b, const char *s);
void cv_buf_printf(struct cv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string, quoted; NULL as null: cv_json_escape() with CV_JSON_UTF8 (text: valid UTF-8 kept). */
void cv_buf_json_str(struct cv_buf *b, const char *s);
/* s as a mail or HTTP header value: itself when printable ASCII, else one RFC 2047 "=?UTF-8?B?...?=" word per
 * up to 45 bytes (whole UTF-8 sequences), separated by a folding "\r\n " when fold, else by a space. */
void cv_buf_header_word(struct cv_buf *b, const char *s, bool fold);
/* n bytes at s in base64, lines of 76 characters ending in CRLF. */
void cv_buf_base64_lines(struct cv_buf *b, const unsigned char *s, size_t n);
/* Wipes and frees the buffer. */
void cv_buf_free(struct cv_buf *b);

/* The kind's word in JSON and titles: "alert", "digest", "test". */
const char *cv_push_kind_name(int kind);

#endif /* CV_PUSH_TEXT_H */
