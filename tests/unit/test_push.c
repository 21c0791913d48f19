// SPDX-License-Identifier: GPL-2.0
/*
 * Push and the outbox against real servers on 127.0.0.1: push.conf's parser and its secrets' modes; ntfy,
 * Gotify and webhook requests as a local HTTP server (http_sink.py) received them, the webhook's signature
 * checked with OpenSSL here; e-mail through aiosmtpd with STARTTLS required (smtp_sink.py, a self-signed
 * certificate made by openssl at test time), and refused by camvault when the server offers no STARTTLS;
 * MQTT through mosquitto with a libmosquitto subscriber (the retained Home Assistant discovery config and the
 * event); the outbox queueing while the server is down, backing off, surviving a reopened database, then
 * delivering exactly once; a channel removed from push.conf, and a message too old, dropped and counted; a
 * message the server refuses (HTTP 400) dropped alone while the next goes out in the same run. Names built to
 * break a receiver (not UTF-8, ESC sequences, newlines) reaching ntfy and the webhook as escaped UTF-8 text.
 * libcurl loaded only when a channel first sends, and a channel whose library cannot be loaded failing with
 * the package to install.
 *
 * A missing server program skips its test, except with CI=true, where it fails it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mosquitto.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "util/dlib.h"
#include "helpers.h"
#include "util/opts.h"
#include "push/channels.h"
#include "push/outbox.h"
#include "util/record.h"

int cmd_push(int argc, char **argv);

/* The system's python3: Debian's python3-aiosmtpd is installed for it, whatever else is first in PATH. */
#define CV_PYTHON	"/usr/bin/python3"

static char dir[] = "/tmp/camvault-unit-push.XXXXXX";
static char here[4096];		/* where the helper scripts are */

static int push_setup(void **state)
{
	char *slash;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* For the test's own MQTT subscriber: the agent's code initialises the library it dlopen()s itself. */
	if (mosquitto_lib_init() != MOSQ_ERR_SUCCESS)
		return -1;
	/* The scripts sit beside this test's sources: build/test_push -> .. */
	if (!realpath("/proc/self/exe", here))
		return -1;
	slash = strrchr(here, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(here, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

static int push_teardown(void **state)
{
	(void)state;
	cv_test_rmtree(dir);
	mosquitto_lib_cleanup();
	return 0;
}

/* Skips the test when what is missing (fails it under CI=true). */
static void require(int present, const char *what)
{
	const char *ci = getenv("CI");

	if (present)
		return;
	if (ci && !strcmp(ci, "true"))
		fail_msg("%s is missing (CI=true: a missing server is a failure): tests/scripts/install-deps.sh", what);
	print_message("# SKIP: %s is missing: run tests/scripts/install-deps.sh\n", what);
	skip();
}

static int has_aiosmtpd(void)
{
	return cv_in_path(CV_PYTHON) && system(CV_PYTHON " -c 'import aiosmtpd' 2>/dev/null") == 0;
}

/* Starts argv (NULL-terminated) in the background, killed with the test; output to dir/<name>.log. */
static pid_t spawn(const char *name, char *const argv[])
{
	char log[512];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_true(pid > 0);
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static int connects(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits up to 10 s for a server on port; fails the test with its log otherwise. */
static void wait_port(int port, pid_t pid, const char *name)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (connects(port))
			return;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		sleep_ms(50);
	}
	fail_msg("%s did not listen on port %d: see %s/%s.log", name, port, dir, name);
}

/* Reads a whole file (NUL-terminated, malloc'd; *len set when len); NULL when missing. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int wait_file(const char *path, int ms)
{
	for (; ms > 0; ms -= 50) {
		if (access(path, F_OK) == 0)
			return 1;
		sleep_ms(50);
	}
	return access(path, F_OK) == 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* A fresh directory under dir. */
static void subdir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
	assert_int_equal(mkdir(out, 0700), 0);
}

/* Loads push.conf text (mode 0600) from a directory of its own; fails the test when it does not load. */
static struct cv_push *load_conf(const char *name, const char *text)
{
	char d[512], path[600], err[1024] = "";
	struct cv_push *p = NULL;

	subdir(d, sizeof(d), name);
	snprintf(path, sizeof(path), "%s/push.conf", d);
	write_file(path, text, 0600);
	if (cv_push_load(path, &p, err, sizeof(err)))
		fail_msg("cv_push_load: %s", err);
	return p;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * An HTTP sink on a free port recording into a new directory dir/name; returns its pid. It answers status
 * (NULL: 200), and refuse ("CODE:TEXT", or NULL) to a request whose body holds TEXT.
 */
static pid_t http_sink_refusing(const char *name, int *port, char *out, size_t outlen, const char *status,
				const char *refuse)
{
	char script[4200], portbuf[16];
	pid_t pid;

	require(cv_in_path(CV_PYTHON), CV_PYTHON);
	subdir(out, outlen, name);
	if (*port <= 0)
		*port = cv_closed_port();
	snprintf(portbuf, sizeof(portbuf), "%d", *port);
	snprintf(script, sizeof(script), "%s/http_sink.py", here);
	pid = spawn(name, (char *const[]){ CV_PYTHON, script, portbuf, out, (char *)(status ? status : "200"),
					   (char *)refuse, NULL });
	wait_port(*port, pid, name);
	return pid;
}

static pid_t http_sink(const char *name, int *port, char *out, size_t outlen, const char *status)
{
	return http_sink_refusing(name, port, out, outlen, status, NULL);
}

static const struct cv_push_msg alert = {
	.kind = CV_PUSH_ALERT,
	.vault = "cam0",
	.title = "Unexpected read of cam0",
	.text = "2026-11-25T15:04:05.123Z read cam0 /media/frigate/a.mp4 by pid 412 (cat) /usr/bin/cat uid 0\n"
		"nobody allowed this",
	.json = "[{\"pid\":412,\"comm\":\"cat\"}]",
};

/* --- push.conf --- */

static void test_parse_good(void **state)
{
	static const char conf[] =
		"# every channel\n"
		"ntfy https://ntfy.sh/camvault-x token=tk_1 priority=urgent tags=a,b send=alerts\n"
		"\tgotify  http://gotify.lan:8080/ token-file=/etc/camvault/gotify.token priority=10 # comment\r\n"
		"webhook https://example.org/hook secret=s3cret name=hook send=digest\n"
		"\n"
		"smtp smtp://mail.example.org:587 from=cam@example.org to=a@example.org,b@example.org user=cam "
		"pass-file=/etc/camvault/smtp.pass cafile=/etc/ssl/ca.pem\n"
		"mqtt broker.lan prefix=home/camvault discovery=none\n"
		"mqtt 10.0.0.2:8883 user=ha pass=pw name=mqtt2";
	char err[1024] = "";
	struct cv_push p;

	(void)state;
	assert_int_equal(cv_push_parse(conf, strlen(conf), "push.conf", &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 6);
	assert_int_equal(p.ch[0].type, CV_PUSH_NTFY);
	assert_string_equal(p.ch[0].id, "ntfy https://ntfy.sh/camvault-x");
	assert_string_equal(p.ch[0].secret, "tk_1");
	assert_int_equal(p.ch[0].priority, 5);
	assert_string_equal(p.ch[0].tags, "a,b");
	assert_int_equal(p.ch[0].sends, CV_PUSH_ALERT);
	assert_int_equal(p.ch[0].line, 2);
	assert_int_equal(p.ch[1].type, CV_PUSH_GOTIFY);
	assert_string_equal(p.ch[1].secret_file, "/etc/camvault/gotify.token");
	assert_string_equal(p.ch[1].secret, "");
	assert_int_equal(p.ch[1].priority, 10);
	assert_int_equal(p.ch[1].sends, CV_PUSH_ALERT | CV_PUSH_DIGEST);
	assert_string_equal(p.ch[2].id, "hook");
	assert_int_equal(p.ch[2].sends, CV_PUSH_DIGEST);
	assert_true(cv_push_takes(&p.ch[2], CV_PUSH_TEST));
	assert_false(cv_push_takes(&p.ch[2], CV_PUSH_ALERT));
	assert_int_equal(p.ch[3].type, CV_PUSH_SMTP);
	assert_int_equal(p.ch[3].line, 6);
	assert_string_equal(p.ch[3].to, "a@example.org,b@example.org");
	assert_string_equal(p.ch[3].cafile, "/etc/ssl/ca.pem");
	assert_string_equal(p.ch[4].host, "broker.lan");
	assert_int_equal(p.ch[4].port, 1883);
	assert_string_equal(p.ch[4].prefix, "home/camvault");
	assert_false(p.ch[4].discovery);
	assert_int_equal(p.ch[5].port, 8883);
	assert_true(p.ch[5].discovery);
	assert_string_equal(p.ch[5].prefix, "camvault");
	assert_ptr_equal(cv_push_find(&p, "mqtt2"), &p.ch[5]);
	free(p.ch);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "pushover https://x\n", "push.conf line 1: unknown channel type 'pushover'" },
		{ "\nntfy\n", "push.conf line 2: ntfy channel without a target" },
		{ "ntfy ftp://x/y\n", "line 1: 'ftp://x/y' is not an http:// or https:// URL" },
		{ "ntfy https://u:p@ntfy.sh/t\n", "holds a user or password: put it in token=" },
		{ "gotify https://g\n", "line 1: gotify channel without its token: add token=" },
		{ "webhook https://h secret=\n", "secret= is empty" },
		{ "webhook https://h secret-file=rel\n", "secret-file 'rel' is relative" },
		{ "ntfy https://n priority=9\n", "priority '9' is out of range: ntfy takes" },
		{ "gotify https://g token=t priority=11\n", "Gotify takes 0 to 10" },
		{ "ntfy https://n send=sometimes\n", "send 'sometimes' is not alerts, digest or all" },
		{ "ntfy https://n token\n", "'token' is not an option: write OPTION=VALUE" },
		{ "ntfy https://n from=a@b\n", "ntfy channels take no option 'from'" },
		{ "smtp smtp://m:587 from=a@b\n", "smtp channel without to=" },
		{ "smtp http://m to=a@b from=c@d\n", "is not a mail server URL" },
		{ "smtp smtp://m to=a@b,,c@d from=c@d\n", "is not a list of addresses" },
		{ "mqtt mqtt://b:1883\n", "without a scheme" },
		{ "mqtt b:99999\n", "'b:99999' is not a broker address" },
		{ "mqtt b pass=x\n", "a password without user=" },
		{ "mqtt b prefix=a/+\n", "is not a topic prefix" },
		{ "ntfy https://n\nntfy https://n\n",
		  "line 2: channel 'ntfy https://n' is already on line 1: give one of them a name=" },
		{ "ntfy https://n name=a b\n", "'b' is not an option" },
		{ "ntfy https://n\x01\n", "control character 0x01" },
		{ "ntfy https://n cafile=ca.pem\n", "cafile 'ca.pem' is not an absolute path" },
	};
	char err[1024];
	struct cv_push p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		p.n = 99;
		assert_int_equal(cv_push_parse(bad[i].text, strlen(bad[i].text), "push.conf", &p, err, sizeof(err)),
				 -1);
		assert_int_equal(p.n, 0);
		assert_null(p.ch);
		if (!strstr(err, bad[i].want))
			fail_msg("'%s': got \"%s\", want \"%s\"", bad[i].text, err, bad[i].want);
		assert_non_null(strstr(err, ": "));
	}
	/* A NUL byte, and lengths honoured: no read past len. */
	assert_int_equal(cv_push_parse("ntfy https://n\0x", 16, "p", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "p line 1: a NUL byte"));
	assert_int_equal(cv_push_parse("ntfy https://n token=abc", 14, "p", &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ch[0].secret, "");
	free(p.ch);
}

static void test_load_modes(void **state)
{
	char d[512], conf[600], secret[600], text[1200], err[1024];
	struct cv_push *p = NULL;

	(void)state;
	subdir(d, sizeof(d), "modes");
	snprintf(conf, sizeof(conf), "%s/push.conf", d);
	snprintf(secret, sizeof(secret), "%s/hook.secret", d);

	/* Missing: no channels. */
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n, 0);
	cv_push_free(p);

	/* A secret on a line of a world-readable file: refused, naming the fix. */
	write_file(conf, "ntfy https://n\nwebhook https://h secret=abc\n", 0644);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), -1);
	assert_null(p);
	assert_non_null(strstr(err, "line 2: a secret= secret in a file others can read (mode 0644): chmod 600"));
	write_file(conf, "ntfy https://n\nwebhook https://h secret=abc\n", 0600);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), 0);
	assert_string_equal(p->ch[1].secret, "abc");
	cv_push_free(p);

	/* Without secrets on its lines it may be readable; its secret file may not. */
	snprintf(text, sizeof(text), "webhook https://h secret-file=%s\n", secret);
	write_file(conf, text, 0644);
	write_file(secret, "from-file\n", 0640);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is readable by others (mode 0640): chmod 600"));
	write_file(secret, "from-file\n", 0600);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), 0);
	assert_string_equal(p->ch[0].secret, "from-file");
	cv_push_free(p);
	write_file(secret, "two\nlines\n", 0600);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not one line"));
	unlink(secret);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: cannot read"));

	/* A bad line: the file's path and the line. */
	write_file(conf, "\n\nntfy nope\n", 0600);
	assert_int_equal(cv_push_load(conf, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/push.conf line 3: 'nope' is not an http"));
}

/* --- the channels' libraries --- */

/* Whether soname is loaded in this process (without loading it). */
static int loaded(const char *soname)
{
	void *h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	return h != NULL;
}

/*
 * Runs before any test that sends: libcurl is not in the process (nor linked into the test) until a channel
 * needs it. A library that cannot be loaded fails the delivery, and "camvault push test", naming the Debian
 * package; one that loads later (installed meanwhile) just works.
 */
static void test_lazy_libraries(void **state)
{
	char d[512], path[600], conf[600], err[1024], want[1024], slot_buf[sizeof(void *)];
	const struct cv_dlsym missing_sym = { "curl_camvault_no_such_function", slot_buf };
	struct cv_dlib absent = cv_dlib_curl, old_sym = cv_dlib_curl;
	const char *soname;
	struct cv_push *p;
	struct cv_run r;
	int closed = cv_closed_port();

	(void)state;
	snprintf(conf, sizeof(conf), "ntfy http://127.0.0.1:%d/t\nsmtp smtp://127.0.0.1:%d from=a@b to=c@d\n"
		 "mqtt 127.0.0.1:%d\n", closed, closed, closed);
	p = load_conf("lazy-conf", conf);
	assert_int_equal(p->n, 3);
	assert_false(loaded("libcurl.so.4"));

	/* The loader's errors: no such library; a library without a function we call. */
	absent.soname = "libcamvault-absent.so.4";
	assert_int_equal(cv_dlib_load(&absent, "push channel ntfy", err, sizeof(err)), -1);
	assert_string_equal(err, "push channel ntfy needs libcurl (Debian package libcurl4): libcamvault-absent.so.4: "
			    "cannot open shared object file: No such file or directory: install it: apt-get install "
			    "libcurl4");
	assert_null(absent.handle);
	old_sym.syms = &missing_sym;
	old_sym.nsyms = 1;
	old_sym.init = NULL;
	assert_int_equal(cv_dlib_load(&old_sym, "push channel smtp", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "push channel smtp needs libcurl (Debian package libcurl4): "));
	assert_non_null(strstr(err, "undefined symbol: curl_camvault_no_such_function: this one is too old or "
			       "damaged: apt-get install --reinstall libcurl4"));
	assert_null(old_sym.handle);

	/* Each channel with its library missing: its delivery fails, saying which package to install. */
	soname = cv_dlib_curl.soname;
	cv_dlib_curl.soname = "libcamvault-absent.so.4";
	assert_int_equal(cv_push_send(&p->ch[0], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "ntfy http://127.0.0.1:%d/t: push channel ntfy needs libcurl (Debian package "
		 "libcurl4): libcamvault-absent.so.4: cannot open shared object file: No such file or directory: "
		 "install it: apt-get install libcurl4", closed);
	assert_string_equal(err, want);
	assert_int_equal(cv_push_send(&p->ch[1], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": push channel smtp needs libcurl (Debian package libcurl4): "));
	subdir(d, sizeof(d), "lazy-etc");
	snprintf(path, sizeof(path), "%s/push.conf", d);
	write_file(path, conf, 0600);
	assert_int_equal(setenv("CAMVAULT_ETC", d, 1), 0);
	cv_run(&r, cmd_push, "push", "test", "--channel", "1", NULL);
	unsetenv("CAMVAULT_ETC");
	assert_int_equal(r.rc, 1);
	snprintf(want, sizeof(want), "1 ntfy http://127.0.0.1:%d/t: push channel ntfy needs libcurl (Debian package "
		 "libcurl4): libcamvault-absent.so.4: cannot open shared object file: No such file or directory: "
		 "install it: apt-get install libcurl4\n", closed);
	assert_string_equal(r.out, want);
	cv_dlib_curl.soname = soname;

	soname = cv_dlib_mosq.soname;
	cv_dlib_mosq.soname = "libcamvault-absent.so.1";
	assert_int_equal(cv_push_send(&p->ch[2], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": push channel mqtt needs libmosquitto (Debian package libmosquitto1): "
			       "libcamvault-absent.so.1: cannot open shared object file"));
	cv_dlib_mosq.soname = soname;
	assert_false(loaded("libcurl.so.4"));

	/* Found again: the next delivery loads it (and gets as far as the closed port). */
	assert_int_equal(cv_push_send(&p->ch[0], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "that the server is up"));
	assert_non_null(cv_dlib_curl.handle);
	assert_true(loaded("libcurl.so.4"));
	assert_int_equal(cv_push_send(&p->ch[2], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot connect to the broker 127.0.0.1:"));
	assert_non_null(cv_dlib_mosq.handle);
	cv_push_free(p);
}

/* --- HTTP channels --- */

/* The value of header name in a recorded .head, or NULL. */
static const char *header(const char *head, const char *name, char *buf, size_t len)
{
	const char *p = head;
	size_t n = strlen(name);

	while ((p = strchr(p, '\n'))) {
		p++;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			size_t vl = strcspn(p + n + 2, "\n");

			snprintf(buf, len, "%.*s", (int)vl, p + n + 2);
			return buf;
		}
	}
	return NULL;
}

static void test_ntfy(void **state)
{
	char out[512], path[600], conf[1024], err[1024] = "", v[512];
	struct cv_push_msg m = alert;
	struct cv_push *p;
	int port = 0;
	char *head, *body;
	pid_t pid;

	(void)state;
	pid = http_sink("ntfy", &port, out, sizeof(out), NULL);
	snprintf(conf, sizeof(conf), "ntfy http://127.0.0.1:%d/camvault-topic token=tk_secret\n"
		 "ntfy http://127.0.0.1:%d/digests priority=low tags=cctv name=two\n", port, port);
	p = load_conf("ntfy-conf", conf);
	if (cv_push_send(&p->ch[0], &m, "id1", wall_ms(), err, sizeof(err)))
		fail_msg("ntfy: %s", err);
	m.kind = CV_PUSH_DIGEST;
	m.title = "Übersicht: 3 Zugriffe";
	if (cv_push_send(&p->ch[1], &m, "id2", wall_ms(), err, sizeof(err)))
		fail_msg("ntfy: %s", err);
	stop(pid);

	snprintf(path, sizeof(path), "%s/req-1.head", out);
	head = slurp(path, NULL);
	assert_non_null(head);
	assert_true(!strncmp(head, "POST /camvault-topic\n", 21));
	assert_string_equal(header(head, "Title", v, sizeof(v)), "Unexpected read of cam0");
	assert_string_equal(header(head, "Priority", v, sizeof(v)), "high");
	assert_string_equal(header(head, "Tags", v, sizeof(v)), "warning,camvault");
	assert_string_equal(header(head, "Authorization", v, sizeof(v)), "Bearer tk_secret");
	assert_string_equal(header(head, "Content-Type", v, sizeof(v)), "text/plain; charset=utf-8");
	free(head);
	snprintf(path, sizeof(path), "%s/req-1.body", out);
	body = slurp(path, NULL);
	assert_string_equal(body, alert.text);
	free(body);

	snprintf(path, sizeof(path), "%s/req-2.head", out);
	head = slurp(path, NULL);
	assert_non_null(head);
	assert_true(!strncmp(head, "POST /digests\n", 14));
	/* "Übersicht: 3 Zugriffe" in UTF-8, base64: RFC 2047, which ntfy decodes. */
	assert_string_equal(header(head, "Title", v, sizeof(v)), "=?UTF-8?B?w5xiZXJzaWNodDogMyBadWdyaWZmZQ==?=");
	assert_string_equal(header(head, "Priority", v, sizeof(v)), "low");
	assert_string_equal(header(head, "Tags", v, sizeof(v)), "cctv");
	assert_null(header(head, "Authorization", v, sizeof(v)));
	free(head);
	cv_push_free(p);
}

static void test_gotify(void **state)
{
	char out[512], path[600], conf[1024], err[1024] = "", v[512];
	struct cv_push *p;
	int port = 0;
	char *head, *body;
	pid_t pid;

	(void)state;
	pid = http_sink("gotify", &port, out, sizeof(out), NULL);
	snprintf(conf, sizeof(conf), "gotify http://127.0.0.1:%d/ token=AbC.123\n", port);
	p = load_conf("gotify-conf", conf);
	if (cv_push_send(&p->ch[0], &alert, "id1", wall_ms(), err, sizeof(err)))
		fail_msg("gotify: %s", err);
	stop(pid);
	snprintf(path, sizeof(path), "%s/req-1.head", out);
	head = slurp(path, NULL);
	assert_non_null(head);
	assert_true(!strncmp(head, "POST /message\n", 14));
	assert_string_equal(header(head, "X-Gotify-Key", v, sizeof(v)), "AbC.123");
	assert_string_equal(header(head, "Content-Type", v, sizeof(v)), "application/json");
	snprintf(path, sizeof(path), "%s/req-1.body", out);
	body = slurp(path, NULL);
	assert_string_equal(body, "{\"title\":\"Unexpected read of cam0\",\"message\":\"2026-11-25T15:04:05.123Z read "
			    "cam0 /media/frigate/a.mp4 by pid 412 (cat) /usr/bin/cat uid 0\\u000anobody allowed this\","
			    "\"priority\":8}");
	free(head);
	free(body);
	cv_push_free(p);
}

static void test_webhook(void **state)
{
	static const char want[] = "{\"id\":\"0123abcd\",\"kind\":\"alert\",\"vault\":\"cam0\",\"title\":\"Unexpected "
		"read of cam0\",\"text\":\"2026-11-25T15:04:05.123Z read cam0 /media/frigate/a.mp4 by pid 412 (cat) "
		"/usr/bin/cat uid 0\\u000anobody allowed this\",\"records\":[{\"pid\":412,\"comm\":\"cat\"}]}";
	char out[512], path[600], conf[1024], err[1024] = "", ts[64], sig[128], delivery[64], want_ts[32];
	unsigned char mac[32];
	unsigned int maclen = 0, i;
	char hex[65], *head, *body, *material;
	struct cv_push *p;
	int64_t now = wall_ms();
	size_t blen;
	int port = 0;
	pid_t pid;

	(void)state;
	pid = http_sink("webhook", &port, out, sizeof(out), NULL);
	snprintf(conf, sizeof(conf), "webhook http://127.0.0.1:%d/hooks/camvault secret=k3y-of-the-owner\n", port);
	p = load_conf("webhook-conf", conf);
	if (cv_push_send(&p->ch[0], &alert, "0123abcd", now, err, sizeof(err)))
		fail_msg("webhook: %s", err);
	stop(pid);
	snprintf(path, sizeof(path), "%s/req-1.head", out);
	head = slurp(path, NULL);
	assert_non_null(head);
	assert_true(!strncmp(head, "POST /hooks/camvault\n", 21));
	assert_non_null(header(head, "Content-Type", ts, sizeof(ts)));
	assert_string_equal(ts, "application/json");
	assert_non_null(header(head, "X-Camvault-Timestamp", ts, sizeof(ts)));
	snprintf(want_ts, sizeof(want_ts), "%lld", (long long)(now / 1000));
	assert_string_equal(ts, want_ts);
	assert_non_null(header(head, "X-Camvault-Delivery", delivery, sizeof(delivery)));
	assert_string_equal(delivery, "0123abcd");
	assert_non_null(header(head, "X-Camvault-Signature", sig, sizeof(sig)));
	snprintf(path, sizeof(path), "%s/req-1.body", out);
	body = slurp(path, &blen);
	assert_string_equal(body, want);

	/* What a receiver does: HMAC-SHA256 of "<timestamp>.<body>" with the secret, by OpenSSL alone. */
	assert_true(asprintf(&material, "%s.%s", ts, body) > 0);
	assert_non_null(HMAC(EVP_sha256(), "k3y-of-the-owner", 16, (unsigned char *)material, strlen(material), mac,
			     &maclen));
	assert_int_equal(maclen, 32);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	assert_true(!strncmp(sig, "sha256=", 7));
	assert_string_equal(sig + 7, hex);

	/* A body changed by one byte, or an old timestamp replayed with it, does not verify. */
	material[strlen(ts) + 20] ^= 1;
	HMAC(EVP_sha256(), "k3y-of-the-owner", 16, (unsigned char *)material, strlen(material), mac, &maclen);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	assert_string_not_equal(sig + 7, hex);
	{
		char other[72], old_ts[32];

		snprintf(old_ts, sizeof(old_ts), "%lld", (long long)(now / 1000 - 3600));
		cv_push_webhook_sign("k3y-of-the-owner", old_ts, body, blen, other);
		assert_string_not_equal(other, sig);
		cv_push_webhook_sign("k3y-of-the-owner", ts, body, blen, other);
		assert_string_equal(other, sig);
	}
	free(material);
	free(head);
	free(body);
	cv_push_free(p);
}

static void test_http_errors(void **state)
{
	char out[512], conf[1024], err[1024] = "";
	struct cv_push *p;
	int port = 0, closed = cv_closed_port();
	pid_t pid;

	(void)state;
	pid = http_sink("denied", &port, out, sizeof(out), "401");
	snprintf(conf, sizeof(conf), "gotify http://127.0.0.1:%d token=wrong\nntfy http://127.0.0.1:%d/t\n", port,
		 closed);
	p = load_conf("denied-conf", conf);
	assert_int_equal(cv_push_send(&p->ch[0], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	stop(pid);
	assert_non_null(strstr(err, "the server answered HTTP 401 (\"denied by the test\"): check the token"));
	assert_true(!strncmp(err, "gotify http://127.0.0.1:", 24));
	assert_int_equal(cv_push_send(&p->ch[1], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "that the server is up"));
	cv_push_free(p);
}

/*
 * Whether s (n bytes) is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), by
 * this test's own reading rather than the agent's.
 */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;
	unsigned int cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			k = 2, cp = s[i] & 0x1f, min = 0x80;
		else if ((s[i] & 0xf0) == 0xe0)
			k = 3, cp = s[i] & 0x0f, min = 0x800;
		else if ((s[i] & 0xf8) == 0xf0)
			k = 4, cp = s[i] & 0x07, min = 0x10000;
		else
			return 0;
		if (i + k > n)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k;
	}
	return 1;
}

/* Whether s (n bytes) holds a control character other than the newlines and tabs in keep. */
static int has_control(const char *s, size_t n, const char *keep)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 || s[i] == 0x7f) && !strchr(keep, s[i]))
			return 1;
	return 0;
}

/*
 * A process and a file named to break the receiver: ESC sequences, a newline, bytes that are not UTF-8. The
 * alert's text as the agent makes it (cv_rec_format_text()) and a line of raw bytes (a digest, or a message an
 * older camvault queued) reach ntfy as valid UTF-8 with every such byte escaped, readable names kept; and
 * the webhook's JSON carries the same escapes, not U+FFFD or a \u001b its receiver would turn back into ESC.
 */
static void test_hostile_names(void **state)
{
	static const char raw_line[] = "Überwachung \x1b[31mred\x1b[0m \xff\xfe tail \xe2\x80";
	static const char raw_line_safe[] = "Überwachung \\x1b[31mred\\x1b[0m \\xff\\xfe tail \\xe2\\x80";
	char out[512], path[600], conf[1024], err[1024] = "", v[512], text[8192];
	struct camvault_rec r = { .type = CAMVAULT_REC_SESSION, .pid = 77, .uid = 1000, .cgroup_id = 9,
				  .bytes_read = 10, .loginuid = CAMVAULT_ID_UNSET, .tier = CAMVAULT_TIER_LSM };
	struct cv_push_msg m = { .kind = CV_PUSH_ALERT, .vault = "cam0", .json = "[]" };
	struct cv_push *p;
	size_t blen;
	int port = 0;
	char *head, *body;
	pid_t pid;

	(void)state;
	strcpy(r.comm, "cat\x1b]2;x\x07\xff");
	strcpy(r.exe, "/usr/bin/k\xc3\xa4t\xc3");
	strcpy(r.path, "/media/frigate/a\nforged line\xfe.mp4");
	cv_rec_format_text(&r, 0, text, sizeof(text) - sizeof(raw_line) - 1);
	strcat(text, "\n");
	strcat(text, raw_line);
	m.text = text;
	m.title = "unexpected access: cat\x1b]2;x\x07\xff read \xc3";

	pid = http_sink("hostile", &port, out, sizeof(out), NULL);
	snprintf(conf, sizeof(conf), "ntfy http://127.0.0.1:%d/t\nwebhook http://127.0.0.1:%d/h secret=s\n", port,
		 port);
	p = load_conf("hostile-conf", conf);
	if (cv_push_send(&p->ch[0], &m, "id1", wall_ms(), err, sizeof(err)))
		fail_msg("ntfy: %s", err);
	if (cv_push_send(&p->ch[1], &m, "id2", wall_ms(), err, sizeof(err)))
		fail_msg("webhook: %s", err);
	stop(pid);

	/* ntfy: the body is text it takes as a message, one line per line of the text, no forged line. */
	snprintf(path, sizeof(path), "%s/req-1.body", out);
	body = slurp(path, &blen);
	assert_non_null(body);
	if (!utf8_valid((unsigned char *)body, blen) || has_control(body, blen, "\n"))
		fail_msg("ntfy's body is not UTF-8 text without control characters: %s", body);
	assert_non_null(strstr(body, " (cat\\x1b]2;x\\x07\\xff) /usr/bin/k\xc3\xa4t\\xc3, "));
	assert_non_null(strstr(body, " /media/frigate/a\\x0aforged line\\xfe.mp4 by pid 77 "));
	assert_non_null(strstr(body, "\n" "Überwachung \\x1b[31mred"));
	assert_string_equal(strchr(body, '\n') + 1, raw_line_safe);
	free(body);
	/* The title escaped the same way: printable ASCII here, so sent as it is. */
	snprintf(path, sizeof(path), "%s/req-1.head", out);
	head = slurp(path, NULL);
	assert_non_null(head);
	assert_string_equal(header(head, "Title", v, sizeof(v)),
			    "unexpected access: cat\\x1b]2;x\\x07\\xff read \\xc3");
	free(head);

	/* The webhook: the escapes as JSON strings (a backslash doubled), the readable name as it is. */
	snprintf(path, sizeof(path), "%s/req-2.body", out);
	body = slurp(path, &blen);
	assert_non_null(body);
	assert_true(utf8_valid((unsigned char *)body, blen));
	assert_null(strstr(body, "\\u001b"));
	assert_null(strstr(body, "\\ufffd"));
	assert_non_null(strstr(body, "\"title\":\"unexpected access: cat\\\\x1b]2;x\\\\x07\\\\xff read \\\\xc3\""));
	assert_non_null(strstr(body, "\\u000aÜberwachung \\\\x1b[31mred\\\\x1b[0m \\\\xff\\\\xfe tail \\\\xe2\\\\x80\""));
	free(body);
	cv_push_free(p);
}

/* --- e-mail --- */

static void make_cert(char *cert, char *key, size_t len)
{
	char cmd[2048];

	snprintf(cert, len, "%s/smtp-cert.pem", dir);
	snprintf(key, len, "%s/smtp-key.pem", dir);
	if (access(cert, F_OK) == 0)
		return;
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 2 "
		 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >%s/openssl.log 2>&1", key, cert, dir);
	if (system(cmd))
		fail_msg("openssl req failed: see %s/openssl.log", dir);
}

static pid_t smtp_sink(const char *name, int port, bool tls, char *out, size_t outlen)
{
	char script[4200], portbuf[16], cert[512], key[512];
	pid_t pid;

	require(has_aiosmtpd(), "python3-aiosmtpd");
	require(cv_in_path("openssl"), "openssl");
	make_cert(cert, key, sizeof(cert));
	subdir(out, outlen, name);
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	snprintf(script, sizeof(script), "%s/smtp_sink.py", here);
	if (tls)
		pid = spawn(name, (char *const[]){ CV_PYTHON, script, portbuf, out, cert, key, NULL });
	else
		pid = spawn(name, (char *const[]){ CV_PYTHON, script, portbuf, out, "--no-tls", NULL });
	wait_port(port, pid, name);
	return pid;
}

/* The body of a base64 message (after the blank line), decoded. */
static char *mail_body(const char *eml)
{
	const char *p = strstr(eml, "\r\n\r\n");
	char *joined, *out;
	size_t i, n = 0;
	int len;

	assert_non_null(p);
	p += 4;
	joined = calloc(1, strlen(p) + 1);
	out = calloc(1, strlen(p) + 1);
	assert_true(joined && out);
	for (i = 0; p[i]; i++)
		if (p[i] != '\r' && p[i] != '\n')
			joined[n++] = p[i];
	len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)joined, (int)n);
	assert_true(len >= 0);
	while (len > 0 && n && joined[--n] == '=')
		len--;
	out[len] = '\0';
	free(joined);
	return out;
}

static void test_smtp_starttls(void **state)
{
	char out[512], path[600], conf[1024], err[1024] = "", cert[512], key[512];
	int port = cv_closed_port();
	char *env, *eml, *body;
	struct cv_push *p;
	pid_t pid;

	(void)state;
	pid = smtp_sink("smtp", port, true, out, sizeof(out));
	make_cert(cert, key, sizeof(cert));
	snprintf(conf, sizeof(conf), "smtp smtp://127.0.0.1:%d from=camvault@pi.example to=owner@example.org,"
		 "second@example.org cafile=%s\n", port, cert);
	p = load_conf("smtp-conf", conf);
	if (cv_push_send(&p->ch[0], &alert, "4f2a", 1764083045000LL, err, sizeof(err)))
		fail_msg("smtp: %s (server log: %s/smtp.log)", err, dir);
	snprintf(path, sizeof(path), "%s/msg-1.env", out);
	assert_true(wait_file(path, 5000));
	stop(pid);
	env = slurp(path, NULL);
	assert_string_equal(env, "from camvault@pi.example\nto owner@example.org\nto second@example.org\ntls yes\n");
	snprintf(path, sizeof(path), "%s/msg-1.eml", out);
	eml = slurp(path, NULL);
	assert_non_null(eml);
	assert_true(!strncmp(eml, "Date: Tue, 25 Nov 2025 15:04:05 +0000\r\n", 39));
	assert_non_null(strstr(eml, "\r\nFrom: camvault <camvault@pi.example>\r\n"));
	assert_non_null(strstr(eml, "\r\nTo: <owner@example.org>,\r\n <second@example.org>\r\n"));
	assert_non_null(strstr(eml, "\r\nSubject: [camvault] Unexpected read of cam0\r\n"));
	assert_non_null(strstr(eml, "\r\nMessage-ID: <4f2a@"));
	assert_non_null(strstr(eml, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(eml, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(eml, "\r\nContent-Transfer-Encoding: base64\r\n"));
	body = mail_body(eml);
	assert_string_equal(body, "2026-11-25T15:04:05.123Z read cam0 /media/frigate/a.mp4 by pid 412 (cat) "
			    "/usr/bin/cat uid 0\r\nnobody allowed this\r\n");
	free(body);
	free(eml);
	free(env);
	cv_push_free(p);
}

static void test_smtp_no_starttls(void **state)
{
	char out[512], path[600], conf[1024], err[1024] = "", cert[512], key[512];
	int port = cv_closed_port();
	struct cv_push *p;
	pid_t pid;

	(void)state;
	pid = smtp_sink("smtp-clear", port, false, out, sizeof(out));
	make_cert(cert, key, sizeof(cert));
	snprintf(conf, sizeof(conf), "smtp smtp://127.0.0.1:%d from=camvault@pi.example to=owner@example.org "
		 "cafile=%s\n", port, cert);
	p = load_conf("smtp-clear-conf", conf);
	assert_int_equal(cv_push_send(&p->ch[0], &alert, "x", wall_ms(), err, sizeof(err)), -1);
	sleep_ms(300);
	stop(pid);
	assert_non_null(strstr(err, "does not offer STARTTLS, and camvault never sends mail in clear"));
	snprintf(path, sizeof(path), "%s/msg-1.eml", out);
	assert_int_equal(access(path, F_OK), -1);
	cv_push_free(p);
}

/* --- MQTT --- */

struct sub {
	pthread_mutex_t lock;
	int subscribed;
	int n;
	char topic[8][256];
	char *payload[8];
	int retain[8];
};

static void sub_on_subscribe(struct mosquitto *m, void *arg, int mid, int qos_count, const int *granted)
{
	struct sub *s = arg;

	(void)m;
	(void)mid;
	(void)qos_count;
	(void)granted;
	pthread_mutex_lock(&s->lock);
	s->subscribed++;
	pthread_mutex_unlock(&s->lock);
}

static void sub_on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct sub *s = arg;

	(void)m;
	pthread_mutex_lock(&s->lock);
	if (s->n < 8) {
		snprintf(s->topic[s->n], sizeof(s->topic[0]), "%s", msg->topic);
		s->payload[s->n] = strndup(msg->payload, (size_t)msg->payloadlen);
		s->retain[s->n] = msg->retain;
		s->n++;
	}
	pthread_mutex_unlock(&s->lock);
}

/* A subscriber to homeassistant/# and camvault/#, subscribed (SUBACK) when this returns. */
static struct mosquitto *sub_start(struct sub *s, int port)
{
	struct mosquitto *m = mosquitto_new(NULL, true, s);
	int i;

	assert_non_null(m);
	mosquitto_subscribe_callback_set(m, sub_on_subscribe);
	mosquitto_message_callback_set(m, sub_on_message);
	assert_int_equal(mosquitto_connect(m, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
	assert_int_equal(mosquitto_subscribe(m, NULL, "homeassistant/#", 1), MOSQ_ERR_SUCCESS);
	assert_int_equal(mosquitto_subscribe(m, NULL, "camvault/#", 1), MOSQ_ERR_SUCCESS);
	assert_int_equal(mosquitto_loop_start(m), MOSQ_ERR_SUCCESS);
	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&s->lock);
		if (s->subscribed == 2)
			i = 1000;
		pthread_mutex_unlock(&s->lock);
		if (i < 1000)
			sleep_ms(25);
	}
	assert_int_equal(s->subscribed, 2);
	return m;
}

static int sub_wait(struct sub *s, int n)
{
	int i, got = 0;

	for (i = 0; i < 200 && got < n; i++) {
		pthread_mutex_lock(&s->lock);
		got = s->n;
		pthread_mutex_unlock(&s->lock);
		if (got < n)
			sleep_ms(25);
	}
	return got;
}

static void sub_stop(struct mosquitto *m)
{
	mosquitto_disconnect(m);
	mosquitto_loop_stop(m, false);
	mosquitto_destroy(m);
}

static void sub_free(struct sub *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->payload[i]);
}

static void test_mqtt(void **state)
{
	static const char config[] = "{\"name\":\"Footage access\",\"unique_id\":\"camvault_front_door\","
		"\"object_id\":\"camvault_front_door\",\"state_topic\":\"camvault/front_door/event\",\"event_types\":"
		"[\"unexpected_access\",\"digest\",\"test\"],\"icon\":\"mdi:cctv\",\"device\":{\"identifiers\":"
		"[\"camvault_front_door\"],\"name\":\"camvault front_door\",\"manufacturer\":\"camvault\",\"model\":"
		"\"camvault\",\"sw_version\":\"" CAMVAULT_VERSION "\"}}";
	char mconf[600], conf[1024], portbuf[16], err[1024] = "";
	struct sub s = { .lock = PTHREAD_MUTEX_INITIALIZER }, again = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct cv_push_msg m = alert;
	struct mosquitto *sm;
	struct cv_push *p;
	int port = cv_closed_port();
	pid_t pid;

	(void)state;
	require(cv_in_path("mosquitto") || cv_in_path("/usr/sbin/mosquitto"), "mosquitto");
	snprintf(mconf, sizeof(mconf), "%s/mosquitto.conf", dir);
	/* As root, mosquitto would switch to its own user, which clears our PDEATHSIG: it stays root here. */
	snprintf(conf, sizeof(conf), "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n%s", port,
		 geteuid() ? "" : "user root\n");
	write_file(mconf, conf, 0600);
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	pid = spawn("mosquitto", (char *const[]){ cv_in_path("mosquitto") ? "mosquitto" : "/usr/sbin/mosquitto", "-c",
						  mconf, NULL });
	wait_port(port, pid, "mosquitto");

	snprintf(conf, sizeof(conf), "mqtt 127.0.0.1:%d\n", port);
	p = load_conf("mqtt-conf", conf);
	sm = sub_start(&s, port);
	m.vault = "front.door";		/* '.' is not for ids and topics: front_door */
	if (cv_push_send(&p->ch[0], &m, "77aa", wall_ms(), err, sizeof(err)))
		fail_msg("mqtt: %s", err);
	assert_int_equal(sub_wait(&s, 2), 2);
	sub_stop(sm);
	assert_string_equal(s.topic[0], "homeassistant/event/camvault_front_door/config");
	assert_string_equal(s.payload[0], config);
	assert_string_equal(s.topic[1], "camvault/front_door/event");
	assert_string_equal(s.payload[1], "{\"event_type\":\"unexpected_access\",\"id\":\"77aa\","
			    "\"vault\":\"front.door\","
			    "\"title\":\"Unexpected read of cam0\",\"text\":\"2026-11-25T15:04:05.123Z read cam0 "
			    "/media/frigate/a.mp4 by pid 412 (cat) /usr/bin/cat uid 0\\u000anobody allowed this\","
			    "\"records\":[{\"pid\":412,\"comm\":\"cat\"}]}");

	/* The config is retained: a subscriber that comes later gets it, flagged retained; the event is not. */
	sm = sub_start(&again, port);
	assert_int_equal(sub_wait(&again, 1), 1);
	sleep_ms(200);
	assert_int_equal(again.n, 1);
	assert_string_equal(again.topic[0], "homeassistant/event/camvault_front_door/config");
	assert_int_equal(again.retain[0], 1);
	assert_string_equal(again.payload[0], config);
	sub_stop(sm);
	sub_free(&again);
	sub_free(&s);

	/* A broker that is gone: an error that says so. */
	stop(pid);
	assert_int_equal(cv_push_send(&p->ch[0], &m, "77ab", wall_ms(), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot connect to the broker 127.0.0.1:"));
	cv_push_free(p);
}

/* --- the outbox --- */

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int64_t db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int count_requests(const char *out)
{
	char path[600];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "%s/req-%d.head", out, n + 1);
		if (access(path, F_OK))
			return n;
		n++;
	}
}

static void test_outbox_retry_restart(void **state)
{
	char out[512], conf[1024], dbpath[512], err[1024] = "";
	struct cv_push *p;
	struct cv_outbox_status st;
	int port = cv_closed_port();
	int64_t t0, next, next2, id;
	sqlite3 *db;
	pid_t pid;
	char *body;

	(void)state;
	require(cv_in_path(CV_PYTHON), CV_PYTHON);
	snprintf(conf, sizeof(conf), "webhook http://127.0.0.1:%d/h secret=s send=alerts\n"
		 "ntfy http://127.0.0.1:%d/digest-only send=digest\n", port, port);
	p = load_conf("outbox-conf", conf);
	snprintf(dbpath, sizeof(dbpath), "%s/access.db", dir);
	db = db_open(dbpath);

	/* Queued in the caller's transaction, with the row that caused it: a rollback takes both back. */
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE records(id INTEGER PRIMARY KEY, text TEXT)", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN; INSERT INTO records(text) VALUES('x')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(cv_outbox_add(db, p, &alert, err, sizeof(err)), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox"), 1);	/* the alerts channel only */
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"), 0);
	assert_int_equal(sqlite3_exec(db, "BEGIN; INSERT INTO records(text) VALUES('x')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(cv_outbox_add(db, p, &alert, err, sizeof(err)), 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE channel LIKE 'webhook %'"), 1);
	id = db_int(db, "SELECT id FROM outbox");

	/* The server is down: still queued, retried in 10 s (+ up to 20 %), then 20 s: the backoff grows. */
	t0 = wall_ms();
	next = cv_outbox_run(db, p, t0, err, sizeof(err));
	assert_true(next >= 10000 && next <= 12000);
	assert_int_equal(next, cv_outbox_backoff_ms(id, 1));
	assert_int_equal(db_int(db, "SELECT tries FROM outbox"), 1);
	assert_int_equal(db_int(db, "SELECT state = 'queued' FROM outbox"), 1);
	/* Not due yet: nothing tried. */
	assert_int_equal(cv_outbox_run(db, p, t0 + 5000, err, sizeof(err)), next - 5000);
	assert_int_equal(db_int(db, "SELECT tries FROM outbox"), 1);
	next2 = cv_outbox_run(db, p, t0 + next, err, sizeof(err));
	assert_true(next2 >= 20000 && next2 <= 24000);
	assert_int_equal(db_int(db, "SELECT tries FROM outbox"), 2);
	/* Capped at 1 h (plus its jitter): from the 10th try on, the same. */
	assert_true(cv_outbox_backoff_ms(id, 9) < cv_outbox_backoff_ms(id, 10));
	assert_int_equal(cv_outbox_backoff_ms(id, 10), cv_outbox_backoff_ms(id, 40));
	assert_true(cv_outbox_backoff_ms(id, 40) >= 3600000 && cv_outbox_backoff_ms(id, 40) <= 3600000 * 12 / 10);

	assert_int_equal(cv_outbox_status(db, p, &st, err, sizeof(err)), 0);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.n, 2);
	assert_true(st.ch[0].configured);
	assert_int_equal(st.ch[0].waiting, 1);
	assert_non_null(strstr(st.ch[0].last_error, "that the server is up"));
	assert_int_equal(st.ch[1].waiting, 0);
	cv_outbox_status_free(&st);

	/* A restart: the database closed and opened again keeps the message. */
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	db = db_open(dbpath);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'queued'"), 1);

	/* The server is back: delivered once, at the retry time, and never again. */
	pid = http_sink("outbox-sink", &port, out, sizeof(out), NULL);
	assert_int_equal(cv_outbox_run(db, p, t0 + next + next2 - 1, err, sizeof(err)), 1);
	assert_int_equal(count_requests(out), 0);
	assert_int_equal(cv_outbox_run(db, p, t0 + next + next2, err, sizeof(err)), -1);
	assert_int_equal(cv_outbox_run(db, p, t0 + next + next2 + 60000, err, sizeof(err)), -1);
	stop(pid);
	assert_int_equal(count_requests(out), 1);
	snprintf(conf, sizeof(conf), "%s/req-1.body", out);
	body = slurp(conf, NULL);
	assert_non_null(strstr(body, "\"kind\":\"alert\",\"vault\":\"cam0\""));
	free(body);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'sent' AND tries = 3"), 1);
	assert_int_equal(cv_outbox_status(db, p, &st, err, sizeof(err)), 0);
	assert_int_equal(st.waiting, 0);
	assert_int_equal(st.sent, 1);
	assert_true(st.ch[0].last_ok_ms > 0);
	cv_outbox_status_free(&st);
	sqlite3_close(db);
	cv_push_free(p);
}

/*
 * One message the server refuses (HTTP 400, what ntfy answered a body that was not UTF-8) fails alone: dropped
 * at once, its channel, status and fix in the error the run returns, while the next message of the same
 * channel goes out in the same run. A refusal that a later try may not meet (429, too many requests) keeps
 * the retry, and the channel's other messages wait with it as before.
 */
static void test_outbox_refused(void **state)
{
	char out[512], conf[1024], dbpath[512], err[1024] = "", path[600];
	struct cv_push_msg bad = alert, good = alert;
	struct cv_outbox_status st;
	struct cv_push *p;
	struct cv_run r;
	int port = 0;
	int64_t now;
	sqlite3 *db;
	char *body;
	pid_t pid;

	(void)state;
	bad.text = "REFUSE-ME: the server takes this one for an attachment";
	good.text = "the alert that must not wait";
	pid = http_sink_refusing("refuse-sink", &port, out, sizeof(out), NULL, "400:REFUSE-ME");
	snprintf(conf, sizeof(conf), "ntfy http://127.0.0.1:%d/t name=phone\n", port);
	p = load_conf("refuse-conf", conf);
	snprintf(dbpath, sizeof(dbpath), "%s/refuse.db", dir);
	db = db_open(dbpath);
	assert_int_equal(cv_outbox_add(db, p, &bad, err, sizeof(err)), 0);
	assert_int_equal(cv_outbox_add(db, p, &good, err, sizeof(err)), 0);

	now = wall_ms();
	assert_int_equal(cv_outbox_run(db, p, now, err, sizeof(err)), -1);	/* nothing left waiting */
	assert_int_equal(count_requests(out), 2);
	snprintf(path, sizeof(path), "%s/req-2.body", out);
	body = slurp(path, NULL);
	assert_string_equal(body, good.text);
	free(body);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'sent' AND text = 'the alert that must "
				"not wait'"), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'dropped' AND text LIKE 'REFUSE-ME%' "
				"AND last_error LIKE 'refused by the server, dropped: phone: the server answered HTTP "
				"400%'"), 1);
	if (!strstr(err, "1 message refused by the server and dropped") || !strstr(err, "phone: the server answered "
	    "HTTP 400 (\"denied by the test\"): the server refuses this message itself"))
		fail_msg("the run's error: %s", err);
	assert_int_equal(cv_outbox_status(db, p, &st, err, sizeof(err)), 0);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.waiting, 0);
	cv_outbox_status_free(&st);
	/* Not tried again: it is gone for good. */
	assert_int_equal(cv_outbox_run(db, p, now + CV_OUTBOX_MAX_RETRY_MS * 2, err, sizeof(err)), -1);
	assert_string_equal(err, "");
	stop(pid);
	assert_int_equal(count_requests(out), 2);

	/* 429: the server may take it later; retried, and the channel's next message waits with it. */
	pid = http_sink_refusing("busy-sink", &port, out, sizeof(out), NULL, "429:REFUSE-ME");
	assert_int_equal(cv_outbox_add(db, p, &bad, err, sizeof(err)), 0);
	assert_int_equal(cv_outbox_add(db, p, &good, err, sizeof(err)), 0);
	now = wall_ms();
	assert_true(cv_outbox_run(db, p, now, err, sizeof(err)) >= CV_OUTBOX_FIRST_RETRY_MS);
	stop(pid);
	assert_string_equal(err, "");
	assert_int_equal(count_requests(out), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'queued'"), 2);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'queued' AND tries = 1 AND last_error "
				"LIKE '%HTTP 429%'"), 1);
	sqlite3_close(db);

	/* "push flush" against a server that refuses it: the other goes out, and the refusal is said, status 1. */
	pid = http_sink_refusing("flush-sink", &port, out, sizeof(out), NULL, "400:REFUSE-ME");
	snprintf(path, sizeof(path), "%s/refuse-conf", dir);
	assert_int_equal(setenv("CAMVAULT_ETC", path, 1), 0);
	cv_run(&r, cmd_push, "push", "flush", "--db", dbpath, NULL);
	unsetenv("CAMVAULT_ETC");
	stop(pid);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "outbox empty, but messages were refused and dropped (above)\n");
	assert_non_null(strstr(r.err, "1 message refused by the server and dropped"));
	assert_int_equal(count_requests(out), 2);
	db = db_open(dbpath);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'dropped'"), 2);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'sent'"), 2);
	sqlite3_close(db);
	cv_push_free(p);
}

static void test_outbox_orphan_and_drop(void **state)
{
	char conf[1024], dbpath[512], err[1024] = "";
	struct cv_push *before, *after;
	struct cv_outbox_status st;
	struct cv_push_msg digest = { .kind = CV_PUSH_DIGEST, .title = "Daily digest", .text = "nothing" };
	int64_t now, next;
	sqlite3 *db;

	(void)state;
	snprintf(conf, sizeof(conf), "ntfy http://127.0.0.1:%d/a name=gone\n", cv_closed_port());
	before = load_conf("orphan-before", conf);
	snprintf(conf, sizeof(conf), "ntfy http://127.0.0.1:%d/b name=stays send=alerts\n", cv_closed_port());
	after = load_conf("orphan-after", conf);
	snprintf(dbpath, sizeof(dbpath), "%s/orphan.db", dir);
	db = db_open(dbpath);
	assert_int_equal(cv_outbox_add(db, before, &digest, err, sizeof(err)), 0);
	assert_int_equal(cv_outbox_add(db, after, &digest, err, sizeof(err)), 0);	/* alerts only: nothing */
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox"), 1);
	digest.json = "{\"not\":\"an array\"}";
	assert_int_equal(cv_outbox_add(db, before, &digest, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a JSON array"));

	/* Its channel left push.conf: kept, retried, and status says so. */
	now = wall_ms();
	next = cv_outbox_run(db, after, now, err, sizeof(err));
	assert_true(next >= 10000);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'queued' AND last_error LIKE "
				"'channel ''gone'' is no longer in push.conf%'"), 1);
	assert_int_equal(cv_outbox_status(db, after, &st, err, sizeof(err)), 0);
	assert_int_equal(st.n, 2);
	assert_string_equal(st.ch[1].channel, "gone");
	assert_false(st.ch[1].configured);
	assert_int_equal(st.ch[1].waiting, 1);
	cv_outbox_status_free(&st);

	/* Seven days on: dropped, counted, the reason kept; nothing waits. */
	assert_int_equal(cv_outbox_run(db, after, now + CV_OUTBOX_MAX_AGE_MS + 1000, err, sizeof(err)), -1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox WHERE state = 'dropped' AND last_error LIKE "
				"'undelivered after 7 days, dropped; last error: channel ''gone''%'"), 1);
	assert_int_equal(cv_outbox_status(db, after, &st, err, sizeof(err)), 0);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.waiting, 0);
	cv_outbox_status_free(&st);
	/* And forgotten 30 days after that. */
	assert_int_equal(cv_outbox_run(db, after, now + CV_OUTBOX_MAX_AGE_MS + CV_OUTBOX_KEEP_MS + 2000, err,
				       sizeof(err)), -1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM outbox"), 0);
	sqlite3_close(db);
	cv_push_free(before);
	cv_push_free(after);
}

/* --- camvault push --- */

static void test_push_command(void **state)
{
	char out[512], d[512], path[600], conf[1024];
	struct cv_run r;
	int port = 0, closed = cv_closed_port();
	pid_t pid;

	(void)state;
	pid = http_sink("cmd-sink", &port, out, sizeof(out), NULL);
	subdir(d, sizeof(d), "cmd-etc");
	snprintf(path, sizeof(path), "%s/push.conf", d);
	snprintf(conf, sizeof(conf), "webhook http://127.0.0.1:%d/h secret=s name=home\nntfy http://127.0.0.1:%d/t\n",
		 port, closed);
	write_file(path, conf, 0600);
	assert_int_equal(setenv("CAMVAULT_ETC", d, 1), 0);

	cv_run(&r, cmd_push, "push", "test", NULL);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.out, "1 home: ok\n"));
	assert_non_null(strstr(r.out, "2 ntfy http://127.0.0.1:"));
	assert_non_null(strstr(r.out, "that the server is up"));
	cv_run(&r, cmd_push, "push", "test", "--channel", "home", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "1 home: ok\n");
	cv_run(&r, cmd_push, "push", "test", "--channel", "3", NULL);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "push.conf has no channel '3'"));
	assert_int_equal(count_requests(out), 2);
	snprintf(path, sizeof(path), "%s/req-1.body", out);
	{
		char *body = slurp(path, NULL);

		assert_non_null(strstr(body, "\"kind\":\"test\""));
		free(body);
	}

	/* status and flush on a database with one message waiting for the dead channel. */
	{
		char dbpath[600], err[1024];
		struct cv_push *p;
		sqlite3 *db;

		snprintf(dbpath, sizeof(dbpath), "%s/cmd.db", dir);
		db = db_open(dbpath);
		assert_int_equal(cv_push_load(NULL, &p, err, sizeof(err)), 0);
		assert_int_equal(cv_outbox_add(db, p, &alert, err, sizeof(err)), 0);
		assert_int_equal(db_int(db, "SELECT count(DISTINCT channel) FROM outbox WHERE uid = (SELECT uid FROM "
					"outbox LIMIT 1)"), 2);
		sqlite3_close(db);
		cv_push_free(p);
		cv_run(&r, cmd_push, "push", "status", "--db", dbpath, NULL);
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, "outbox: 2 waiting (oldest queued "));
		cv_run(&r, cmd_push, "push", "flush", "--db", dbpath, NULL);
		assert_int_equal(r.rc, 1);
		assert_non_null(strstr(r.out, "still waiting"));
		cv_run(&r, cmd_push, "push", "status", "--db", dbpath, NULL);
		if (!strstr(r.out, "outbox: 1 waiting"))
			fail_msg("status: %s / %s", r.out, r.err);
		assert_non_null(strstr(r.out, "home: 0 waiting, last delivery "));
		assert_non_null(strstr(r.out, ": 1 waiting, next try in "));
		assert_non_null(strstr(r.out, "  last error "));

		/* A server's reply kept as the last error: on the terminal, escaped, within its line. */
		db = db_open(dbpath);
		assert_int_equal(sqlite3_exec(db, "UPDATE outbox_channels SET last_error = '502 ' || char(27) || "
					      "'[2J' || char(10) || 'x', last_error_ms = 9e12", NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(db);
		cv_run(&r, cmd_push, "push", "status", "--db", dbpath, NULL);
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, ": 502 \\x1b[2J\\x0ax\n"));
		assert_null(strchr(r.out, '\x1b'));
	}
	stop(pid);
	assert_int_equal(count_requests(out), 3);
	cv_run(&r, cmd_push, "push", "bogus", NULL);
	assert_int_equal(r.rc, CV_EXIT_USAGE);
	assert_non_null(strstr(r.err, "unknown subcommand 'bogus'"));
	unsetenv("CAMVAULT_ETC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_load_modes),
		cmocka_unit_test(test_lazy_libraries),
		cmocka_unit_test(test_ntfy),
		cmocka_unit_test(test_gotify),
		cmocka_unit_test(test_webhook),
		cmocka_unit_test(test_http_errors),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_smtp_starttls),
		cmocka_unit_test(test_smtp_no_starttls),
		cmocka_unit_test(test_mqtt),
		cmocka_unit_test(test_outbox_retry_restart),
		cmocka_unit_test(test_outbox_refused),
		cmocka_unit_test(test_outbox_orphan_and_drop),
		cmocka_unit_test(test_push_command),
	};

	return cmocka_run_group_tests(tests, push_setup, push_teardown);
}
