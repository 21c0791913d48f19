/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An access record (struct camvault_rec, from the probes) for people and programs: its time on the wall
 * clock, and one line of text or one JSON object. Pure, for the unit tests and the fuzzer; the agent's log
 * and reports use the same words.
 */
#ifndef CV_RECORD_H
#define CV_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "uapi/camvault.h"

/* bytes for people: "0 B", "1023 B", "1.0 KiB", "1.2 MiB", ... up to EiB, one decimal. */
void cv_human_bytes(uint64_t bytes, char *buf, size_t len);

/* "session", "unlink", "rename", "truncate", or "unknown". */
const char *cv_rec_type_name(unsigned int type);

/*
 * What the session did, for people: "read", "wrote", "read+wrote", "mapped", "streamed" (a camera),
 * "opened" (nothing more), or the type name for the others.
 */
const char *cv_rec_action(const struct camvault_rec *r);

/*
 * The offset from CLOCK_BOOTTIME (the records' open_ns/close_ns) to CLOCK_REALTIME, in ns, measured now:
 * wall = boot_ns + offset.
 */
int64_t cv_boot_to_wall_offset(void);

/* A wall-clock time in ns as "2026-11-25T15:04:05.123Z" (UTC). buf needs 32 bytes. */
void cv_wall_format(int64_t wall_ns, char *buf, size_t len);

/*
 * A name or path made safe for a terminal, the journal or a push message, into buf: cv_text_escape() with
 * CV_ESC_BACKSLASH (below). Raw, an ESC would drive the terminal and "\n<0>" forge a journal line of another
 * priority. Returns buf; buf needs 4 * strlen(s) + 1 bytes for all of s.
 */
const char *cv_text_safe(const char *s, char *buf, size_t len);

/* What cv_text_line() writes of a message at the most, before escaping. */
#define CV_TEXT_LINE_MAX	8192

/*
 * The message as one line to f, made safe by cv_text_escape() without CV_ESC_BACKSLASH (the message's own
 * newlines too; escapes already in it stay as they are), then a newline: for messages that name what they did
 * not write (paths, names, config values).
 */
void cv_text_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The record as one line (no newline):
 *	2026-11-25T15:04:05.123Z read cam0 /recordings/.../00.00.mp4 by pid 412 (cat) /usr/bin/cat uid 0 ...
 * Its names (paths, comm, exe) escaped by cv_text_escape() with CV_ESC_BACKSLASH: a crafted name can neither
 * forge a line nor send bytes a receiver refuses. Returns the length it needed (like snprintf).
 */
int cv_rec_format_text(const struct camvault_rec *r, int64_t offset_ns, char *buf, size_t len);

/*
 * The record as one JSON object (no newline), every field by name; strings as cv_json_escape() writes them
 * by default (util/json.h): bytes outside printable ASCII as \u00XX. Returns the length it needed (like snprintf).
 */
int cv_rec_format_json(const struct camvault_rec *r, int64_t offset_ns, char *buf, size_t len);

/*
 * The record as one line to f, text (cv_rec_format_text()) or JSON, and a newline: written as it is formatted,
 * never cut however long its escaped strings make it. Returns the bytes written, or -1 when f failed.
 */
int cv_rec_fprint(FILE *f, const struct camvault_rec *r, int64_t offset_ns, bool json);

/* A session's socket peer (CAMVAULT_RF_PEER) as "a.b.c.d:port" or "[v6]:port". */
void cv_rec_peer(const struct camvault_rec *r, char *buf, size_t len);

/* "lsm", "fentry", "kprobe", "syscall-tracepoint", or "?". */
const char *cv_rec_tier_name(unsigned int tier);

/* The length of the valid UTF-8 sequence at s (n bytes left, n >= 1), or 0 when it is not one. */
size_t cv_utf8_len(const unsigned char *s, size_t n);

/* cv_text_escape()'s flags. */
#define CV_ESC_LINES		1u	/* keep newlines and tabs: a text of several lines */
#define CV_ESC_BACKSLASH	2u	/* a backslash doubled: a name whose escapes must read back unambiguously */

/*
 * s made safe to show, in a terminal, a log or a push message, into buf (len bytes; NUL-terminated when len
 * is not 0; never cut inside an escape or a character): valid UTF-8 is kept, so names in any script stay
 * readable, and every other byte is written as \xNN, as is every byte of a control character (C0 and DEL,
 * newline and tab included unless CV_ESC_LINES; the C1 controls; the line separators and bidirectional
 * formatting characters, which move or hide what follows them). The result is valid UTF-8 without control
 * characters (but the kept newlines and tabs); escaping it again without CV_ESC_BACKSLASH changes nothing.
 * Returns the length it needed (like snprintf).
 */
size_t cv_text_escape(const char *s, unsigned int flags, char *buf, size_t len);

/* Whether r is well-formed enough to format: known type, NUL-terminated strings. */
int cv_rec_valid(const struct camvault_rec *r);

/*
 * A logged record's bytes (len of them) into r: a record of this build, or a shorter one of an older build
 * (CAMVAULT_REC_SIZE_V1 on), whose missing fields read 0. -1 for any other length.
 */
int cv_rec_from_blob(struct camvault_rec *r, const void *blob, size_t len);

#endif /* CV_RECORD_H */
