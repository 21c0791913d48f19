// SPDX-License-Identifier: GPL-2.0
/*
 * Who a process is, beyond what it calls itself: a reader forged as the NVR's nginx in namespaces of its
 * own, by a user and by root, and the agent's policy finding it is not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "policy/policy.h"
#include "probe_fixture.h"

/*
 * The review's forgery: a reader copied as nginx onto a tmpfs over /usr/sbin (the review used /usr/local/sbin,
 * which not every root has), in a mount namespace of its own: by a user, in a user namespace it made
 * (unshare -Urm), and by root (unshare -m). exec'd there, it reads a clip.
 */
struct forger {
	bool user;		/* as nobody, in a user namespace of its own */
	const char *reader;	/* the program copied (cat) */
	const char *clip;
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static int forge_nginx(void *arg)
{
	const struct forger *fg = arg;
	char buf[65536];
	int in, out, null = open("/dev/null", O_RDWR);
	ssize_t n;

	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		return 120;
	if (fg->user) {
		/* Dumpable again, as a user who never was root is: else /proc/self/uid_map stays root's. */
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY) ||
		    prctl(PR_SET_DUMPABLE, 1))
			return 121;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			return errno == EPERM || errno == ENOSPC ? 77 : 122;
		if (write_file("/proc/self/setgroups", "deny") || write_file("/proc/self/uid_map", "0 65534 1") ||
		    write_file("/proc/self/gid_map", "0 65534 1"))
			return 123;
	} else if (unshare(CLONE_NEWNS)) {
		return 122;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/usr/sbin", "tmpfs", 0, "mode=0755"))
		return 124;
	in = open(fg->reader, O_RDONLY | O_CLOEXEC);
	out = open("/usr/sbin/nginx", O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		return 125;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return 126;
	close(in);
	close(out);
	execl("/usr/sbin/nginx", "nginx", fg->clip, (char *)NULL);
	return 127;
}

void test_forged_who(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct cv_policy *pol = NULL;
	static const char rules[] = "allow serve exe=/usr/*sbin/nginx op=read,peer path=/*\n";
	char clip[PATH_MAX], reader[PATH_MAX], err[256], why_text[1024];
	struct stat st, own_mnt, reader_st;
	struct cv_policy_why why;
	struct gathered g;

	if (access("/usr/sbin", F_OK))
		skip();		/* nothing to mount over on this root */
	assert_int_equal(cv_policy_parse(rules, sizeof(rules) - 1, "test", &pol, err, sizeof(err)), 0);
	new_clip(f, "porch.mp4", clip, &st);
	exe_path("cat", reader);
	stat_path(reader, &reader_st);
	stat_path("/proc/self/ns/mnt", &own_mnt);
	for (int user = 1; user >= 0; user--) {
		struct forger fg = { .user = user, .reader = reader, .clip = clip };
		pid_t pid = spawn_nowait("forger", forge_nginx, &fg);
		int status;
		struct camvault_rec r;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (user && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
			print_message("# no unprivileged user namespaces here: the user's forgery not tried\n");
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("the %s forger: status %#x (exit 120-127: which step failed)", user ? "user's" : "root's",
				 status);
		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		r = g.recs[0];
		assert_string_equal(r.comm, "nginx");
		assert_string_equal(r.exe, "/usr/sbin/nginx");
		assert_int_equal(r.bytes_read, CLIP_SIZE);
		/* What the kernel ran: a file on the tmpfs, not cat's; and where: not our namespaces. */
		assert_int_not_equal(r.exe_dev, camvault_kdev(reader_st.st_dev));
		assert_int_not_equal(r.mnt_ns, own_mnt.st_ino);
		if (user)
			assert_int_not_equal(r.user_ns, CAMVAULT_INIT_USER_NS);
		else
			assert_int_equal(r.user_ns, CAMVAULT_INIT_USER_NS);
		/* The agent's verdict, from this process's namespace as the NVR's. */
		cv_rec_check_host(&r, "/proc/self");
		assert_int_equal(r.aflags, 0);
		assert_null(cv_policy_match_why(pol, &r, NULL, &why));
		cv_policy_why_text(&why, &r, why_text, sizeof(why_text));
		print_message("# %s: unexpected: %s\n", user ? "user (unshare -Urm)" : "root (unshare -m)", why_text);
		if (user) {
			assert_int_equal(why.why, CV_WHY_USER_NS);
		} else {
			assert_int_equal(why.why, CV_WHY_EXE_MNTNS);
			assert_non_null(strstr(why_text, "exe /usr/sbin/nginx is not the NVR's nginx: other "
					       "mount namespace"));
		}
	}
	cv_policy_free(pol);
}
