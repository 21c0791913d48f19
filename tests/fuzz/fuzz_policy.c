// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for cv_policy_parse(): any bytes, as a hand-edited (or damaged) policy.conf. It must never
 * crash; an error must name the file and a line and leave no policy; what parses must classify records (a
 * session, one sent to a LAN peer, a camera stream to an IPv4-mapped peer, a rename) without crashing, and
 * every rule it returns must allow every operation of the record it matched, with a name and a line within
 * the file.
 * Built by tests/unit/Makefile with clang -fsanitize=fuzzer,address,undefined; run by tests/unit/run.sh on
 * the seeds that seeds_policy writes.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/policy.h"

#define PATH "/etc/camvault/policy.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cv_policy *p, const struct camvault_rec *r, const struct cv_vault_entry *v,
		  size_t lines)
{
	const struct cv_policy_rule *rule = cv_policy_match(p, r, v);

	if (!rule)
		return;
	if (cv_rec_ops(r) & ~cv_policy_rule_ops(rule) || !cv_policy_rule_name(rule)[0] ||
	    !cv_policy_rule_line(rule) || cv_policy_rule_line(rule) > lines)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, no NUL after it: ASan sees any read past len. */
	char *text = malloc(size ? size : 1), err[1024];
	struct cv_vault_entry cam0 = { .name = "cam0", .backing = "/srv/cam0.img", .mountpoint = "/media/frigate" };
	struct cv_policy *p = NULL;
	struct camvault_rec r;
	size_t i, lines = 1;

	if (!text)
		return 0;
	memcpy(text, data, size);
	for (i = 0; i < size; i++)
		lines += text[i] == '\n';
	err[0] = '\0';
	if (cv_policy_parse(text, size, PATH, &p, err, sizeof(err))) {
		if (p || strncmp(err, PATH " line ", strlen(PATH " line ")) || !strchr(err + strlen(PATH), ':'))
			abort();
		free(text);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.type = CAMVAULT_REC_SESSION;
	r.bytes_read = 1;
	snprintf(r.exe, sizeof(r.exe), "/usr/sbin/nginx");
	snprintf(r.comm, sizeof(r.comm), "nginx");
	snprintf(r.path, sizeof(r.path), "/media/frigate/recordings/2026-11-25/10/front/00.00.mp4");
	check(p, &r, &cam0, lines);
	/* Sent to a LAN address; then a camera's frames to an IPv4-mapped internet one. */
	r.rflags = CAMVAULT_RF_PEER;
	r.peer_family = AF_INET;
	memcpy(r.peer_addr, (const uint8_t[]){ 192, 168, 1, 20 }, 4);
	check(p, &r, &cam0, lines);
	r.rflags = CAMVAULT_RF_CAMERA | CAMVAULT_RF_PEER;
	r.peer_family = AF_INET6;
	memcpy(r.peer_addr, (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 9 }, 16);
	r.dqbufs = 3;
	r.uid = 1000;
	snprintf(r.path, sizeof(r.path), "/dev/video0");
	check(p, &r, NULL, lines);
	/* Unterminated strings: the matcher must not read past them. */
	r.type = CAMVAULT_REC_RENAME;
	memset(r.comm, 'a', sizeof(r.comm));
	memset(r.path, '/', sizeof(r.path));
	memset(r.path2, '*', sizeof(r.path2));
	check(p, &r, &cam0, lines);
	cv_policy_free(p);
	free(text);
	return 0;
}
