/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON strings: the one escaper of every string camvault writes into JSON (the records, the report, status,
 * the agent's state, the push channels' bodies).
 *
 * '"' and '\\' are escaped, and every control character (U+0000 to U+001F, DEL, the C1 controls U+0080 to
 * U+009F) and every byte that is not part of valid UTF-8 is written as \u00XX: the result is valid JSON
 * whatever the bytes, and no byte is replaced or dropped.
 *
 * By default every byte outside printable ASCII is written as \u00XX, valid UTF-8 included: the output is
 * ASCII, and each escape stands for one byte (the character it decodes to has the byte's value). The access
 * log's names are bytes, not always UTF-8: nothing is lost (docs/report-schema.json says so).
 * CV_JSON_UTF8 keeps valid UTF-8 characters other than the C1 controls as they are: text for people (the
 * push channels' titles and messages, made safe by cv_text_escape() already), readable in any script.
 */
#ifndef CV_JSON_H
#define CV_JSON_H

#include <stddef.h>
#include <stdio.h>

#define CV_JSON_UTF8	1u	/* keep valid UTF-8 (but the C1 controls) as it is */

/*
 * s as a JSON string, quoted and escaped (NULL: null), into buf (len bytes; NUL-terminated when len is not 0;
 * never cut inside an escape or a character). Returns the length it needed, without the NUL (like snprintf).
 */
size_t cv_json_escape(const char *s, unsigned int flags, char *buf, size_t len);

/* s as cv_json_escape() writes it by default (ASCII, a byte per escape) to f. */
void cv_json_fputs(FILE *f, const char *s);

#endif
