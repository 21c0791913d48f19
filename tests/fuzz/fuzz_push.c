// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_push_parse(): any bytes, as a hand-edited (or damaged) push.conf. It must never
 * crash nor read past the text; an error must name the file and a line and leave no channels; what parses
 * must be whole: every channel has a type, a target, a unique id, what its type requires (Gotify and webhook
 * a secret or a secret file, SMTP from= and to=, MQTT a host and a port), and strings that end within their
 * fields.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_push writes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "push/channels.h"

#define PATH "/etc/camvault/push.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ends(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, no NUL after it: ASan sees any read past len. */
	char *text = malloc(size ? size : 1), err[1024];
	struct cv_push p;
	size_t i, j;

	if (!text)
		return 0;
	memcpy(text, data, size);
	err[0] = '\0';
	if (cv_push_parse(text, size, PATH, &p, err, sizeof(err))) {
		if (p.ch || p.n || strncmp(err, PATH " line ", strlen(PATH " line ")) || !strchr(err + 30, ':'))
			abort();
		free(text);
		return 0;
	}
	for (i = 0; i < p.n; i++) {
		const struct cv_push_channel *c = &p.ch[i];

		if (!ends(c->id, sizeof(c->id)) || !ends(c->target, sizeof(c->target)) || !c->id[0] ||
		    !c->target[0] || !ends(c->secret, sizeof(c->secret)) || !ends(c->to, sizeof(c->to)) ||
		    !ends(c->prefix, sizeof(c->prefix)) || !c->sends || !c->line ||
		    (i && c->line <= p.ch[i - 1].line) || cv_push_find(&p, c->id) != c)
			abort();
		switch (c->type) {
		case CV_PUSH_NTFY:
			break;
		case CV_PUSH_GOTIFY:
		case CV_PUSH_WEBHOOK:
			if (!c->secret[0] && !c->secret_file[0])
				abort();
			break;
		case CV_PUSH_SMTP:
			if (!c->from[0] || !c->to[0] || strncasecmp(c->target, "smtp", 4))
				abort();
			break;
		case CV_PUSH_MQTT:
			if (!c->host[0] || c->port < 1 || c->port > 65535 || strpbrk(c->prefix, "+#"))
				abort();
			break;
		default:
			abort();
		}
		for (j = 0; j < i; j++)
			if (!strcmp(p.ch[j].id, c->id))
				abort();
	}
	free(p.ch);
	free(text);
	return 0;
}
