// SPDX-License-Identifier: GPL-2.0
/*
 * Copies and exfiltration: cp out of the vault; footage sent to a TCP socket (sendfile, read and write,
 * splice) or in datagrams (sendto, sendmsg), its session saying where; readv, preadv and copy_file_range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "probe_fixture.h"

/* cp of a clip to $TMPDIR: the clip's session, every byte read; the copy, outside the vault, none. */
void test_cp_out(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], copy[PATH_MAX], exe[PATH_MAX];
	struct gathered g;
	struct stat st, st_copy;
	pid_t pid;

	new_clip(f, "driveway.mp4", clip, &st);
	path_in(copy, f->dir, "driveway-copy.mp4");
	exe_path("cp", exe);

	pid = run(NULL, false, (char *const[]){ "cp", clip, copy, NULL });
	stat_path(copy, &st_copy);
	assert_int_equal(st_copy.st_size, CLIP_SIZE);
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "cp", exe, 0, clip, &st, O_RDONLY);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE);
	assert_int_equal(g.recs[0].bytes_written, 0);
}

static int connect_local(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = port,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	return s;
}

enum { COPY_SENDFILE, COPY_READ_WRITE, COPY_SPLICE };

/* Send the file to 127.0.0.1:port: by sendfile(2), by read(2) and write(2), or splice(2) through a pipe. */
static int socket_copier(void *arg)
{
	const struct job *j = arg;
	int s = connect_local(j->port), fd = open(j->path, O_RDONLY | O_CLOEXEC), pfd[2];
	size_t sent = 0;

	if (s < 0 || fd < 0 || pipe(pfd))
		return 2;
	while (sent < j->size) {
		char buf[16384];
		ssize_t n, m;

		if (j->mode == COPY_SENDFILE) {
			n = sendfile(s, fd, NULL, j->size - sent);
		} else if (j->mode == COPY_READ_WRITE) {
			n = read(fd, buf, sizeof(buf));
			if (n > 0 && write(s, buf, n) != n)
				return 3;
		} else {
			n = splice(fd, NULL, pfd[1], NULL, 16384, 0);
			for (m = 0; n > 0 && m < n;) {
				ssize_t k = splice(pfd[0], NULL, s, NULL, n - m, 0);

				if (k <= 0)
					return 3;
				m += k;
			}
		}
		if (n <= 0)
			return 4;
		sent += n;
	}
	return close(fd) || close(s) ? 5 : 0;
}

/*
 * Footage to a TCP socket: the session says where (127.0.0.1, the listener's port). sendfile straight
 * from the file; read then write, and splice through a pipe, by the reader heuristic.
 */
void test_socket_copiers(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;
	int l;

	new_clip(f, "side-gate.mp4", clip, &st);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);

	for (int mode = COPY_SENDFILE; mode <= COPY_SPLICE; mode++) {
		static const char *const names[] = { "sendfile-copier", "rw-copier", "splice-copier" };
		struct job j = { .path = clip, .size = CLIP_SIZE, .mode = mode, .port = sin.sin_port };
		pid_t pid = spawn_nowait(names[mode], socket_copier, &j);
		const struct camvault_rec *r;
		struct pollfd pfd = { .fd = l, .events = POLLIN };
		size_t got;
		int c;

		/* Not forever: a copier that failed never connects (wait_ok says why). */
		if (poll(&pfd, 1, 20000) != 1)
			wait_ok(pid);
		c = accept(l, NULL, NULL);
		assert_true(c >= 0);
		assert_int_equal(read_all(c, &got), 0);
		close(c);
		wait_ok(pid);
		assert_int_equal(got, CLIP_SIZE);

		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		r = &g.recs[0];
		assert_rec(f, r, CAMVAULT_REC_SESSION, pid, &st);
		assert_string_equal(r->path, clip);
		assert_int_equal(r->bytes_read, CLIP_SIZE);
		assert_int_equal(r->bytes_written, 0);
		assert_int_equal(r->rflags, CAMVAULT_RF_PEER);
		assert_int_equal(r->peer_family, AF_INET);
		assert_int_equal(r->peer_port, sin.sin_port);
		assert_memory_equal(r->peer_addr, &(uint32_t){ htonl(INADDR_LOOPBACK) }, 4);
	}
	close(l);
}

struct datagrams {
	const char *path;
	struct sockaddr_storage to;
	socklen_t tolen;
};

/* Read the file and send it in datagrams, from an unconnected socket: sendto(2), then sendmsg(2). */
static int datagram_sender(void *arg)
{
	const struct datagrams *d = arg;
	int s = socket(d->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), fd = open(d->path, O_RDONLY | O_CLOEXEC);
	char buf[8192];
	ssize_t n;
	bool msg = false;

	if (s < 0 || fd < 0)
		return 2;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		struct iovec iov = { .iov_base = buf, .iov_len = n };
		struct msghdr mh = { .msg_name = (void *)&d->to, .msg_namelen = d->tolen, .msg_iov = &iov,
				     .msg_iovlen = 1 };

		if ((msg ? sendmsg(s, &mh, 0) : sendto(s, buf, n, 0, (struct sockaddr *)&d->to, d->tolen)) != n)
			return 3;
		msg = !msg;
	}
	return n < 0 || close(fd) || close(s) ? 4 : 0;
}

/* Footage read, then sent by sendto/sendmsg to an address given with each datagram: PEER, that address. */
void test_datagram_peer(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX];
	struct gathered g;
	struct stat st;

	new_clip(f, "datagrams.mp4", clip, &st);
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		struct datagrams d = { .path = clip, .tolen = family == AF_INET ? sizeof(struct sockaddr_in) :
										  sizeof(struct sockaddr_in6) };
		struct sockaddr_in *sin = (struct sockaddr_in *)&d.to;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&d.to;
		socklen_t len = d.tolen;
		const struct camvault_rec *r;
		int u = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		pid_t pid;

		if (u < 0 && family == AF_INET6) {
			print_message("# no IPv6 (%s): AF_INET6 not checked\n", strerror(errno));
			break;
		}
		assert_true(u >= 0);
		d.to.ss_family = family;
		if (family == AF_INET)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			sin6->sin6_addr = in6addr_loopback;
		assert_int_equal(bind(u, (struct sockaddr *)&d.to, len), 0);
		assert_int_equal(getsockname(u, (struct sockaddr *)&d.to, &len), 0);

		pid = spawn("datagrams", datagram_sender, &d);
		close(u);
		collect_n(p, pid, &g, 1);
		assert_int_equal(g.n, 1);
		r = &g.recs[0];
		assert_rec(f, r, CAMVAULT_REC_SESSION, pid, &st);
		assert_int_equal(r->bytes_read, CLIP_SIZE);
		assert_int_equal(r->rflags, CAMVAULT_RF_PEER);
		assert_int_equal(r->peer_family, family);
		if (family == AF_INET) {
			assert_int_equal(r->peer_port, sin->sin_port);
			assert_memory_equal(r->peer_addr, &sin->sin_addr, 4);
		} else {
			assert_int_equal(r->peer_port, sin6->sin6_port);
			assert_memory_equal(r->peer_addr, &sin6->sin6_addr, 16);
		}
	}
}

enum { VEC_READV, VEC_COPY_FILE_RANGE };

/*
 * readv(2) to the end through two buffers, then preadv(2) of the first 4 KiB; or copy_file_range(2) of
 * the whole clip to j->out (on the same filesystem: the kernel copies, by splicing).
 */
static int vector_reader(void *arg)
{
	const struct job *j = arg;
	static char a[4096], b[8192];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	int fd = open(j->path, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (fd < 0)
		return 2;
	if (j->mode == VEC_READV) {
		while ((n = readv(fd, iov, 2)) > 0)
			;
		if (n < 0 || preadv(fd, iov, 1, 0) != sizeof(a))
			return 3;
		return close(fd) ? 4 : 0;
	}
	out = open(j->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return 5;
	for (size_t done = 0; done < j->size; done += n)
		if ((n = copy_file_range(fd, NULL, out, NULL, j->size - done, 0)) <= 0)
			return 6;
	return close(fd) || close(out) ? 7 : 0;
}

/*
 * The read families the other tests do not use: readv and preadv (the syscall tier's READ op; the hook
 * tiers' do_iter_read, to 6.8), and copy_file_range (the syscall tier's SPLICE op; in the kernel, a
 * splice, do_splice_direct to 6.7): every byte counted, nothing flagged, both files' sessions.
 */
void test_vectors_and_copies(void **state)
{
	struct fixture *f = *state;
	struct cv_probes *p = need_probes(f);
	char clip[PATH_MAX], copy[PATH_MAX];
	struct gathered g;
	struct stat st, st_copy;
	pid_t pid;

	new_clip(f, "gate.mp4", clip, &st);
	pid = spawn("vector-reader", vector_reader, &(struct job){ .path = clip, .size = CLIP_SIZE, .mode = VEC_READV });
	collect_n(p, pid, &g, 1);
	assert_int_equal(g.n, 1);
	assert_session(f, &g.recs[0], pid, "vector-reader", NULL, 0, clip, &st, O_RDONLY | O_CLOEXEC);
	print_message("# readv: %llu bytes read, rflags %#x\n", (unsigned long long)g.recs[0].bytes_read,
		      g.recs[0].rflags);
	assert_int_equal(g.recs[0].bytes_read, CLIP_SIZE + 4096);
	assert_int_equal(g.recs[0].rflags, 0);

	path_in(copy, f->mnt, "gate-copy.mp4");
	pid = spawn("range-copier", vector_reader, &(struct job){ .path = clip, .out = copy, .size = CLIP_SIZE,
								   .mode = VEC_COPY_FILE_RANGE });
	stat_path(copy, &st_copy);
	assert_int_equal(st_copy.st_size, CLIP_SIZE);
	collect_n(p, pid, &g, 2);
	assert_int_equal(g.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct camvault_rec *r = &g.recs[i];
		bool in = strcmp(r->path, clip) == 0;

		print_message("# copy_file_range: %s: %llu read, %llu written, rflags %#x\n", r->path,
			      (unsigned long long)r->bytes_read, (unsigned long long)r->bytes_written, r->rflags);
		assert_session(f, r, pid, "range-copier", NULL, 0, in ? clip : copy, in ? &st : &st_copy,
			       in ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
		assert_int_equal(r->bytes_read, in ? CLIP_SIZE : 0);
		assert_int_equal(r->bytes_written, in ? 0 : CLIP_SIZE);
		assert_int_equal(r->rflags, 0);
	}
}
