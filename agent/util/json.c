// SPDX-License-Identifier: GPL-2.0
/*
 * JSON strings (json.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/record.h"	/* cv_utf8_len() */

/* What cv_json_escape() wrote so far: whole pieces only, none after the first that did not fit. */
struct cv_json_out {
	char *buf;
	size_t len, wrote, need;
	bool full;
};

static void cv_json_piece(struct cv_json_out *o, const char *piece, size_t pl)
{
	/* A cut escape would be invalid JSON, a cut character invalid UTF-8. */
	o->full = o->full || o->wrote + pl >= o->len;
	if (!o->full) {
		memcpy(o->buf + o->wrote, piece, pl);
		o->wrote += pl;
	}
	o->need += pl;
}

size_t cv_json_escape(const char *s, unsigned int flags, char *buf, size_t len)
{
	struct cv_json_out o = { buf, len, 0, 0, false };
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	if (!s) {
		cv_json_piece(&o, "null", 4);
	} else {
		cv_json_piece(&o, "\"", 1);
		for (n = strlen(s); n; p += k, n -= k) {
			char piece[8];	/* "\u00XX", or a UTF-8 character of up to 4 bytes */
			unsigned char c = *p;

			k = 1;
			if (c == '"' || c == '\\') {
				piece[0] = '\\';
				piece[1] = (char)c;
				cv_json_piece(&o, piece, 2);
			} else if (c >= 0x20 && c < 0x7f) {
				cv_json_piece(&o, (const char *)p, 1);
			} else if ((flags & CV_JSON_UTF8) && (k = cv_utf8_len(p, n)) > 1) {
				if (k == 2 && c == 0xc2 && p[1] < 0xa0)	/* a C1 control: its code point */
					cv_json_piece(&o, piece, (size_t)snprintf(piece, sizeof(piece), "\\u%04x", p[1]));
				else
					cv_json_piece(&o, (const char *)p, k);
			} else {
				/* A control character, DEL, a byte not of UTF-8, or (by default) any byte past ASCII. */
				k = 1;
				cv_json_piece(&o, piece, (size_t)snprintf(piece, sizeof(piece), "\\u%04x", c));
			}
		}
		cv_json_piece(&o, "\"", 1);
	}
	if (len)
		buf[o.wrote] = '\0';
	return o.need;
}

void cv_json_fputs(FILE *f, const char *s)
{
	char small[256], *buf = small;
	size_t need = cv_json_escape(s, 0, NULL, 0) + 1;

	if (need > sizeof(small) && !(buf = malloc(need))) {
		fputs("\"(out of memory)\"", f);
		return;
	}
	cv_json_escape(s, 0, buf, need);
	fwrite(buf, 1, need - 1, f);
	if (buf != small)
		free(buf);
}
