// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_registry_parse(): any bytes, as a hand-edited (or damaged) vaults.conf. It must
 * never crash; an error must name the file and a line; what parses must format into lines that parse back to
 * the same vaults, which is what cv_registry_add() relies on.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_registry writes.
 */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/registry.h"

#define PATH "/etc/camvault/vaults.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_vault(const struct cv_vault_entry *a, const struct cv_vault_entry *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->backing, b->backing) && !strcmp(a->mountpoint, b->mountpoint) &&
	       !strcmp(a->fstype, b->fstype) && a->pin == b->pin && a->noauto == b->noauto;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, no NUL after it: ASan sees any read past len. */
	char *text = malloc(size ? size : 1), *out = NULL, err[1024], line[3 * PATH_MAX + 64];
	struct cv_registry r, again;
	size_t i, used = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	err[0] = '\0';
	if (cv_registry_parse(text, size, PATH, &r, err, sizeof(err))) {
		if (r.v || r.n || strncmp(err, PATH " line ", strlen(PATH " line ")) || !strchr(err, ':'))
			abort();
		free(text);
		return 0;
	}
	for (i = 0; i < r.n; i++) {
		size_t n;

		if (!r.v[i].line || (i && r.v[i].line <= r.v[i - 1].line) ||
		    cv_registry_find(&r, r.v[i].name) != &r.v[i])
			abort();
		if (cv_registry_format(&r.v[i], line, sizeof(line)))
			abort();
		n = strlen(line);
		out = realloc(out, used + n + 1);
		if (!out)
			abort();
		memcpy(out + used, line, n);
		out[used + n] = '\n';
		used += n + 1;
	}
	if (cv_registry_parse(out, used, PATH, &again, err, sizeof(err)) || again.n != r.n)
		abort();
	for (i = 0; i < r.n; i++)
		if (!same_vault(&r.v[i], &again.v[i]) || again.v[i].line != i + 1)
			abort();
	cv_registry_free(&again);
	cv_registry_free(&r);
	free(out);
	free(text);
	return 0;
}
