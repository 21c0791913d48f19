// SPDX-License-Identifier: GPL-2.0
/*
 * camvault status [--format text|json] [NAME]: is camvault.ko loaded, which vaults does it have, do the probes
 * run, is there a TPM. With NAME, as "cryptsetup status NAME": only that vault, as the kernel and the registry
 * see it (its "vault" line when the kernel has it, its "registered" line when vaults.conf lists it), exit
 * status 1 when neither knows it.
 *
 * The text output is stable (scripts and tests grep it):
 *	module: camvault 0.1.0
 *	vaults: 1
 *	probes: lsm tier, 27 attached, pinned in /sys/fs/bpf/camvault since 2026-11-25T15:04:05.000Z, read by pid 412
 *	probes: lost: 0 records (ring buffer full), 0 sessions (table full); denied: 0 opens; sessions open: 3; ...
 *	TPM: present (manufacturer IBM, firmware 8217.4131)
 *	vault cam0 (dm-0, 254:0) aes-xts-plain64 open, read 1.2 MiB, written 3.4 MiB, 0 I/O errors
 * with one "vault" line per vault (CAMVAULT_CMD_GET_VAULTS), LOCKED instead of open once its key was wiped;
 * or, without the module, "module: not loaded (...)" and no vaults line. Without a TPM the TPM line is
 * "TPM: none found (<why and the fix>)", which is not an error. Then "agent: running (pid N), R rows in DB, last
 * checkpoint T" or "agent: not running, ..." (cv_agent_status_line()). Then one "registered" line per vault of the
 * registry (cv_registered_line()). The probes are those pinned in bpffs (cv_probes_status()); without any,
 * "probes: not running (no agent)", which is not an error. Exit status: 1 when the module cannot be asked.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/status.h"
#include "daemon/agentinfo.h"
#include "probes/probes.h"
#include "tpm/tpm.h"
#include "util/json.h"
#include "util/opts.h"
#include "util/record.h"
#include "vault/ipc.h"
#include "vault/registry.h"
#include "vault/seal.h"

#define CV_ERRLEN 512

static void cv_status_usage(FILE *f)
{
	fprintf(f, "Usage: camvault status [--format text|json] [NAME]\n\n"
		"Shows whether camvault.ko is loaded, how many vaults it has, the access probes pinned in bpffs\n"
		"(tier, loss counts, sessions open), the TPM, and each vault of vaults.conf: TPM-bound, PIN, PCRs,\n"
		"recovery slot, open, LOCKED or closed. With NAME, only that vault: the kernel's view of it and its\n"
		"line of vaults.conf; exit status 1 when neither has a vault NAME.\n"
		"  --format json  one JSON object: {\"module_version\":..,\"vaults\":..,\"vault_list\":[..],\n"
		"                 \"tpm\":{..},\"probes\":{..},\"agent\":{..},\"registry\":[..]}; with NAME,\n"
		"                 {\"name\":..,\"vault\":{..}|null,\"registered\":{..}|null}\n");
}

void cv_probes_status(int ret, const struct cv_probes_pinned *info, const char *dir, const char *why, char *buf,
		      size_t len)
{
	char since[32], waiting[32], size[32], sdir[4 * PATH_MAX], swhy[4 * CV_ERRLEN];
	int n;

	/* Paths from the environment, errors naming them: made safe here, as this text has a newline of its own. */
	dir = cv_text_safe(dir, sdir, sizeof(sdir));
	why = cv_text_safe(why, swhy, sizeof(swhy));
	if (ret == -ENOENT) {
		snprintf(buf, len, "probes: not running (no agent)");
		return;
	}
	if (ret) {
		/* Pinned in part, or by another version: not running as probes. Not readable: not known. */
		snprintf(buf, len, "probes: %s (%s)", ret == -EAGAIN || ret == -EPROTO ? "not running" : "unknown",
			 why);
		return;
	}
	cv_wall_format(info->since * 1000000000LL, since, sizeof(since));
	n = snprintf(buf, len, "probes: %s tier, %" PRIu32 " attached, pinned in %s since %s%s, ",
		     cv_probes_tier_name(info->tier), info->links, dir, since,
		     info->record_or_deny ? ", record-or-deny" : "");
	if (n < 0 || (size_t)n >= len)
		return;
	if (info->reader)
		n += snprintf(buf + n, len - n, "read by pid %d", info->reader);
	else
		n += snprintf(buf + n, len - n, "not read (no agent): records wait in the ring buffer");
	if (n < 0 || (size_t)n >= len)
		return;
	n += snprintf(buf + n, len - n, "%s\n", info->other_build ? "; another build's: the next start replaces them" :
		      "");
	if (n < 0 || (size_t)n >= len)
		return;
	cv_human_bytes(info->waiting, waiting, sizeof(waiting));
	cv_human_bytes(info->ringbuf_bytes, size, sizeof(size));
	snprintf(buf + n, len - n, "probes: lost: %" PRIu64 " records (ring buffer full), %" PRIu64 " sessions (table "
		 "full); denied: %" PRIu64 " opens; sessions open: %" PRIu64 "; waiting: %s of %s", info->loss.records,
		 info->loss.sessions, info->loss.denied, info->sessions, waiting, size);
}

void cv_vault_line(const struct cv_kernel_vault *v, char *buf, size_t len)
{
	char r[32], w[32];

	cv_human_bytes(v->bytes_read, r, sizeof(r));
	cv_human_bytes(v->bytes_written, w, sizeof(w));
	/* A device-mapper device's kernel name is dm-<minor>. */
	snprintf(buf, len, "vault %s (dm-%" PRIu32 ", %" PRIu32 ":%" PRIu32 ") %s %s, read %s, written %s, %" PRIu64
		 " I/O error%s", v->name, v->minor, v->major, v->minor, v->cipher, v->locked ? "LOCKED" : "open", r,
		 w, v->io_errors, v->io_errors == 1 ? "" : "s");
}

/* "7", "0,2,7": the PCRs of mask. */
static void cv_pcr_list(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < CV_HDR_PCRS && n < len; i++)
		if (mask & (1u << i))
			n += snprintf(buf + n, len - n, "%s%d", n ? "," : "", i);
}

void cv_registered_line(const struct cv_vault_entry *e, const struct cv_header *h, const char *why,
			int nv_present, const char *state, char *buf, size_t len)
{
	char pcrs[80];
	const char *nv = nv_present > 1 ? "present, of the old kind that anyone with TPM access can overwrite: "
			 "'camvault init' a new vault and move the footage to protect it" :
			 nv_present > 0 ? "present" : nv_present ? "TPM not reachable" : "MISSING: shredded, or "
			 "another TPM";
	int n;

	n = snprintf(buf, len, "registered %s: %s, %s%s, ", e->name, e->backing,
		     e->mountpoint[0] ? "mountpoint " : "no mountpoint", e->mountpoint);
	if (n < 0 || (size_t)n >= len)
		return;
	if (!h) {
		snprintf(buf + n, len - n, "header unreadable (%s), %s", why, state);
		return;
	}
	cv_pcr_list(h->pcr_mask, pcrs, sizeof(pcrs));
	snprintf(buf + n, len - n, "%s, TPM-bound (NV 0x%08x %s), %s, %s%s, %s, %s", h->cipher, h->nv_index, nv,
		 h->flags & CV_HDR_F_PIN ? "PIN" : "no PIN", h->flags & CV_HDR_F_PCRS ? "PCRs " : "no PCRs",
		 h->flags & CV_HDR_F_PCRS ? pcrs : "", h->flags & CV_HDR_F_RECOVERY ? "recovery slot" :
		 "no recovery slot", state);
}

/* What status says of one registered vault. */
struct cv_reg_status {
	struct cv_vault_entry e;
	struct cv_header h;
	bool have_header;
	char why[256];
	int nv;				/* 1, 2: of the old, weaker kind, 0, -1: unknown */
	const char *state;
};

/* The registry's vaults, their headers, their NV indexes (when the TPM answers) and states. */
static struct cv_reg_status *cv_status_registry(const struct cv_kernel_vault *vaults, size_t nvaults, bool tpm_ok,
						size_t *count, char *err, size_t errlen)
{
	struct cv_reg_status *out;
	struct cv_registry r;
	char path[4096];
	struct cv_tpm tpm;
	size_t i, j;

	*count = 0;
	if (!cv_registry_path(path, sizeof(path))) {
		snprintf(err, errlen, "the registry's path is too long: shorten " CV_ETC_ENV);
		return NULL;
	}
	if (cv_registry_load(path, &r, err, errlen))
		return NULL;
	out = calloc(r.n ? r.n : 1, sizeof(*out));
	if (!out) {
		cv_registry_free(&r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tpm_ok = tpm_ok && !cv_tpm_open(&tpm, err, errlen);
	for (i = 0; i < r.n; i++) {
		struct cv_reg_status *st = &out[i];
		int fd;

		st->e = r.v[i];
		st->nv = -1;
		st->state = "closed";
		for (j = 0; j < nvaults; j++)
			if (!strcmp(vaults[j].name, st->e.name))
				st->state = vaults[j].locked ? "LOCKED" : "open";
		fd = open(st->e.backing, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(st->why, sizeof(st->why), "%s", strerror(errno));
			continue;
		}
		st->have_header = !cv_header_read(fd, st->e.backing, &st->h, st->why, sizeof(st->why));
		close(fd);
		if (st->have_header && tpm_ok) {
			char why[256];

			st->nv = cv_nv_exists(&tpm, &st->h, why, sizeof(why));
			if (st->nv < 0)
				st->nv = -1;
			/* 2: the weaker kind of index, writable by anyone with TPM access (seal.h). */
			if (st->nv > 0 && cv_nv_weak(&tpm, &st->h, why, sizeof(why)) == 1)
				st->nv = 2;
		}
	}
	if (tpm_ok)
		cv_tpm_close(&tpm);
	*count = r.n;
	cv_registry_free(&r);
	return out;
}

static void cv_json_registered(const struct cv_reg_status *st, size_t i)
{
	char uuid[37];
	int p;

	printf("%s{\"name\":", i ? "," : "");
	cv_json_fputs(stdout, st->e.name);
	printf(",\"backing\":");
	cv_json_fputs(stdout, st->e.backing);
	printf(",\"mountpoint\":");
	if (st->e.mountpoint[0])
		cv_json_fputs(stdout, st->e.mountpoint);
	else
		printf("null");
	printf(",\"state\":\"%s\"", st->state);
	if (!st->have_header) {
		printf(",\"header_error\":");
		cv_json_fputs(stdout, st->why);
		putchar('}');
		return;
	}
	cv_uuid_format(st->h.uuid, uuid);
	printf(",\"uuid\":\"%s\",\"cipher\":", uuid);
	cv_json_fputs(stdout, st->h.cipher);
	printf(",\"tpm_bound\":true,\"nv_index\":%u,\"nv_present\":%s,\"pin\":%s,\"pcrs\":[",
	       st->h.nv_index, st->nv < 0 ? "null" : st->nv ? "true" : "false",
	       st->h.flags & CV_HDR_F_PIN ? "true" : "false");
	for (p = 0; p < CV_HDR_PCRS; p++)
		if (st->h.pcr_mask & (1u << p))
			printf("%s%d", st->h.pcr_mask & ((1u << p) - 1) ? "," : "", p);
	printf("],\"recovery\":%s,\"data_bytes\":%llu}", st->h.flags & CV_HDR_F_RECOVERY ? "true" : "false",
	       (unsigned long long)st->h.data_sectors * 512);
}

/* The "probes" object of status --format json: its last member is "dir", a string. */
static void cv_json_probes(int ret, const struct cv_probes_pinned *info, const char *dir, const char *why)
{
	char since[32];

	printf("\"probes\":{\"running\":");
	if (ret) {
		/* Not knowing (not root, say) is not knowing they do not run. */
		printf("%s,\"error\":", ret == -ENOENT || ret == -EAGAIN || ret == -EPROTO ? "false" : "null");
		cv_json_fputs(stdout, why);
	} else {
		cv_wall_format(info->since * 1000000000LL, since, sizeof(since));
		printf("true,\"tier\":\"%s\",\"attached\":%" PRIu32 ",\"record_or_deny\":%s,\"other_build\":%s,"
		       "\"since\":\"%s\",\"reader_pid\":", cv_probes_tier_name(info->tier), info->links,
		       info->record_or_deny ? "true" : "false", info->other_build ? "true" : "false", since);
		if (info->reader)
			printf("%d", info->reader);
		else
			printf("null");
		printf(",\"lost_records\":%" PRIu64 ",\"lost_sessions\":%" PRIu64 ",\"denied\":%" PRIu64
		       ",\"sessions_open\":%" PRIu64 ",\"sessions_max\":%" PRIu32 ",\"ringbuf_bytes\":%" PRIu32
		       ",\"waiting_bytes\":%" PRIu64, info->loss.records, info->loss.sessions, info->loss.denied,
		       info->sessions, info->sessions_max, info->ringbuf_bytes, info->waiting);
	}
	printf(",\"dir\":");
	cv_json_fputs(stdout, dir);
	putchar('}');
}

/* Everything status shows, asked for once. */
struct cv_status_view {
	int ret;			/* the module: 0 asked, -ENOENT not loaded, < 0 not reachable, 1 no list */
	struct cv_status st;
	struct cv_kernel_vault *vaults;
	size_t n;
	int tpm_ret;
	struct cv_tpm_info tpm;
	int probes_ret;
	struct cv_probes_pinned probes;
	const char *probes_dir;
	struct cv_reg_status *reg;	/* NULL: unreadable, reg_err says why */
	size_t nreg;
	char module_err[CV_ERRLEN], tpm_err[CV_ERRLEN], probes_err[CV_ERRLEN], reg_err[CV_ERRLEN];
};

static void cv_status_gather(struct cv_status_view *v)
{
	struct cv_ipc ipc;

	v->ret = cv_ipc_open(&ipc, v->module_err, sizeof(v->module_err));
	if (!v->ret) {
		v->ret = cv_ipc_get_status(&ipc, &v->st, v->module_err, sizeof(v->module_err));
		if (!v->ret)
			v->ret = cv_ipc_get_vaults(&ipc, &v->vaults, &v->n, v->module_err,
						   sizeof(v->module_err)) ? 1 : 0;
		cv_ipc_close(&ipc);
	}
	v->probes_dir = cv_probes_pin_dir();
	v->probes_ret = cv_probes_pinned_info(v->probes_dir, &v->probes, v->probes_err, sizeof(v->probes_err));
	v->tpm_ret = cv_tpm_probe(&v->tpm, v->tpm_err, sizeof(v->tpm_err));
	v->reg = cv_status_registry(v->vaults, v->n, !v->tpm_ret, &v->nreg, v->reg_err, sizeof(v->reg_err));
}

static void cv_json_kernel_vault(const struct cv_kernel_vault *v)
{
	printf("{\"name\":");
	cv_json_fputs(stdout, v->name);
	printf(",\"dev\":\"dm-%" PRIu32 "\",\"major\":%" PRIu32 ",\"minor\":%" PRIu32 ",\"cipher\":", v->minor,
	       v->major, v->minor);
	cv_json_fputs(stdout, v->cipher);
	printf(",\"locked\":%s,\"bytes_read\":%" PRIu64 ",\"bytes_written\":%" PRIu64 ",\"io_errors\":%" PRIu64
	       "}", v->locked ? "true" : "false", v->bytes_read, v->bytes_written, v->io_errors);
}

static void cv_status_json(const struct cv_status_view *v)
{
	size_t i;

	printf("{\"module_version\":");
	if (v->ret < 0) {
		printf("null,\"vaults\":null,\"module_error\":");
		cv_json_fputs(stdout, v->module_err);
		printf(",\"vault_list\":null");
	} else {
		cv_json_fputs(stdout, v->st.version);
		printf(",\"vaults\":%u,\"vault_list\":", v->st.num_vaults);
		if (v->ret) {
			printf("null,\"vault_list_error\":");
			cv_json_fputs(stdout, v->module_err);
		} else {
			putchar('[');
			for (i = 0; i < v->n; i++) {
				printf("%s", i ? "," : "");
				cv_json_kernel_vault(&v->vaults[i]);
			}
			putchar(']');
		}
	}
	printf(",\"tpm\":{\"present\":");
	if (v->tpm_ret) {
		printf("false,\"error\":");
		cv_json_fputs(stdout, v->tpm_err);
	} else {
		printf("true,\"manufacturer\":");
		cv_json_fputs(stdout, v->tpm.manufacturer);
		printf(",\"firmware\":\"%u.%u\"", v->tpm.firmware1 >> 16, v->tpm.firmware1 & 0xffff);
	}
	printf("},");
	cv_json_probes(v->probes_ret, &v->probes, v->probes_dir, v->probes_err);
	printf(",\"agent\":");
	{
		struct cv_agent_info agent;

		cv_agent_info(&agent);
		cv_agent_status_json(&agent, stdout);
	}
	printf(",\"registry\":");
	if (!v->reg) {
		printf("null,\"registry_error\":");
		cv_json_fputs(stdout, v->reg_err);
	} else {
		putchar('[');
		for (i = 0; i < v->nreg; i++)
			cv_json_registered(&v->reg[i], i);
		putchar(']');
	}
	printf("}\n");
}

/* The "module:" line(s): the version and the number of vaults, or why the module could not be asked. */
static void cv_status_module_text(const struct cv_status_view *v)
{
	if (v->ret == -ENOENT)
		printf("module: not loaded (no generic netlink family '%s')\n", CAMVAULT_GENL_NAME);
	else if (v->ret < 0)
		cv_text_line(stdout, "module: unavailable (%s)", v->module_err);
	else
		printf("module: camvault %s\nvaults: %u\n", v->st.version, v->st.num_vaults);
}

static void cv_status_registered_text(const struct cv_reg_status *r)
{
	char line[8192];

	cv_registered_line(&r->e, r->have_header ? &r->h : NULL, r->why, r->nv, r->state, line, sizeof(line));
	cv_text_line(stdout, "%s", line);
}

static void cv_status_text(const struct cv_status_view *v)
{
	struct cv_agent_info agent;
	char line[8192];
	size_t i;

	cv_status_module_text(v);
	cv_probes_status(v->probes_ret, &v->probes, v->probes_dir, v->probes_err, line, sizeof(line));
	printf("%s\n", line);
	if (v->tpm_ret)
		cv_text_line(stdout, "TPM: none found (%s)", v->tpm_err);
	else
		cv_text_line(stdout, "TPM: present (manufacturer %s, firmware %u.%u)", v->tpm.manufacturer,
			     v->tpm.firmware1 >> 16, v->tpm.firmware1 & 0xffff);
	/* Paths, names and errors from the log, the kernel and vaults.conf: one safe line each. */
	cv_agent_info(&agent);
	cv_agent_status_line(&agent, line, sizeof(line));
	cv_text_line(stdout, "%s", line);
	for (i = 0; i < v->n; i++) {
		cv_vault_line(&v->vaults[i], line, sizeof(line));
		cv_text_line(stdout, "%s", line);
	}
	if (!v->reg)
		cv_text_line(stdout, "registry: unreadable (%s)", v->reg_err);
	for (i = 0; v->reg && i < v->nreg; i++)
		cv_status_registered_text(&v->reg[i]);
}

/*
 * status NAME: the kernel's vault NAME and the registry's, either of them NULL; the module's line only when
 * the module could not be asked, the registry's only when it could not be read. Returns 0, or -1 when
 * neither knows NAME (the error printed).
 */
static int cv_status_one(const struct cv_status_view *v, const char *name, bool json)
{
	const struct cv_kernel_vault *kv = NULL;
	const struct cv_reg_status *rv = NULL;
	char line[8192];
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->vaults[i].name, name))
			kv = &v->vaults[i];
	for (i = 0; v->reg && i < v->nreg; i++)
		if (!strcmp(v->reg[i].e.name, name))
			rv = &v->reg[i];
	if (!kv && !rv) {
		if (v->ret)
			cv_text_line(stderr, "camvault: no vault %s: %s%s%s, and camvault.ko could not be asked (%s)",
				     name, v->reg ? "vaults.conf does not list it" : "", v->reg ? "" :
				     "vaults.conf is unreadable: ", v->reg ? "" : v->reg_err, v->module_err);
		else
			cv_text_line(stderr, "camvault: no vault %s: camvault.ko has none of that name and %s: "
				     "'camvault status' lists the vaults", name, v->reg ? "vaults.conf does not "
				     "list it" : "vaults.conf is unreadable");
		return -1;
	}
	if (json) {
		printf("{\"name\":");
		cv_json_fputs(stdout, name);
		if (v->ret < 0) {
			printf(",\"module_error\":");
			cv_json_fputs(stdout, v->module_err);
		}
		printf(",\"vault\":");
		if (kv)
			cv_json_kernel_vault(kv);
		else
			printf("null");
		printf(",\"registered\":");
		if (rv)
			cv_json_registered(rv, 0);
		else
			printf("null");
		printf("}\n");
		return 0;
	}
	if (v->ret < 0)
		cv_status_module_text(v);
	if (kv) {
		cv_vault_line(kv, line, sizeof(line));
		cv_text_line(stdout, "%s", line);
	}
	if (!v->reg)
		cv_text_line(stdout, "registry: unreadable (%s)", v->reg_err);
	if (rv)
		cv_status_registered_text(rv);
	return 0;
}

/* Parses status's command line. Returns -1 to go on, or cv_opts_exit()'s exit status. */
static int cv_status_parse(int argc, char **argv, bool *json, const char **name)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		CV_OPT_HELP,
		{ 0 }
	};
	static const char *const formats[] = { "text", "json", NULL };
	struct cv_opts o = CV_OPTS("status", "", opts);
	char err[CV_ERRLEN];
	int c, format = 0;

	while ((c = cv_opts_next(&o, argc, argv)) != -1)
		if (c == 'F')
			cv_opts_choice(&o, formats, &format);
	cv_opts_name(&o, argc, argv, name, false);
	if (*name && !o.err[0] && cv_vault_name_check(*name, err, sizeof(err)))
		cv_opts_fail(&o, "%s", err);
	*json = format == 1;
	return cv_opts_exit(&o, cv_status_usage);
}

int cmd_status(int argc, char **argv)
{
	struct cv_status_view *v;
	const char *name;
	bool json;
	int ret = cv_status_parse(argc, argv, &json, &name);

	if (ret >= 0)
		return ret;
	v = calloc(1, sizeof(*v));
	if (!v) {
		fprintf(stderr, "camvault: out of memory\n");
		return CV_EXIT_FAIL;
	}
	cv_status_gather(v);
	ret = CV_EXIT_OK;
	if (name)
		ret = cv_status_one(v, name, json) ? CV_EXIT_FAIL : CV_EXIT_OK;
	else if (json)
		cv_status_json(v);
	else
		cv_status_text(v);
	fflush(stdout);
	/* The module not asked: an error, unless "no such vault" said more already. */
	if (v->ret && ret == CV_EXIT_OK) {
		cv_text_line(stderr, "camvault: %s", v->module_err);
		ret = CV_EXIT_FAIL;
	}
	free(v->reg);
	free(v->vaults);
	free(v);
	return ret;
}
