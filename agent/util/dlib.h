/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Libraries loaded when first needed rather than linked, for the pages a process that does not use them would
 * carry for nothing. The push channels': libcurl (ntfy, Gotify, webhook, SMTP) and libmosquitto (MQTT) pull
 * in some twenty more (GnuTLS, p11-kit, Kerberos, LDAP, Nettle, libssh2, nghttp2...), about 4 MiB of an
 * agent's resident set, when a channel first sends. libdevmapper, with the libselinux, libpcre2 and libudev
 * it pulls in (0.5 MiB), when a vault's device is first made, looked up or removed (dm.c): camvault trace
 * never needs it. Their headers still give the types and constants; every call goes through the tables below
 * (cv_curl.easy_init(...), cv_mosq.new(...), cv_libdm.task_create(...)), filled by cv_curl_load(),
 * cv_mosq_load() and cv_libdm_load().
 *
 * A library once loaded stays loaded until the process ends (dlib.c says why); a load that failed is tried
 * again on the next call, so installing the missing package is enough, without restarting the agent.
 */
#ifndef CV_DLIB_H
#define CV_DLIB_H

#include <stddef.h>

#include <curl/curl.h>
#include <libdevmapper.h>
#include <mosquitto.h>

/* One function to look up: its name, and where its address goes (a function pointer of the right type). */
struct cv_dlsym {
	const char *name;
	void *slot;
};

/* A library to load, and what to tell the owner when it cannot be. */
struct cv_dlib {
	const char *soname;		/* "libcurl.so.4" */
	const char *name;		/* "libcurl" */
	const char *package;		/* Debian's: "libcurl4" */
	const struct cv_dlsym *syms;
	size_t nsyms;
	int (*init)(void);		/* once, after the symbols: 0 or failed; NULL: none */
	void *handle;			/* non-NULL once loaded, symbols resolved and init done */
};

/*
 * Loads l if it is not yet (thread-safe: one load at a time, and init runs once per process). user says
 * what needs it, as the error's start. Returns 0, or -1 with err "<user> needs <name> (Debian package
 * <package>): <dlerror() or what failed>: <fix>".
 */
int cv_dlib_load(struct cv_dlib *l, const char *user, char *err, size_t len);

/*
 * The functions called, each as X(prefix, name): cv_curl.name is prefix##name's address, of the type its header
 * declares (curl_easy_setopt() is variadic: typecheck-gcc.h's checks do not apply through the table).
 */
#define CV_CURL_FNS(X) \
	X(curl_, easy_init) X(curl_, easy_setopt) X(curl_, easy_perform) X(curl_, easy_getinfo) \
	X(curl_, easy_cleanup) X(curl_, easy_strerror) X(curl_, slist_append) X(curl_, slist_free_all) \
	X(curl_, global_init)
#define CV_MOSQ_FNS(X) \
	X(mosquitto_, lib_init) X(mosquitto_, new) X(mosquitto_, destroy) X(mosquitto_, int_option) \
	X(mosquitto_, connect_callback_set) X(mosquitto_, publish_callback_set) X(mosquitto_, username_pw_set) \
	X(mosquitto_, tls_set) X(mosquitto_, connect_async) X(mosquitto_, loop) X(mosquitto_, publish) \
	X(mosquitto_, disconnect) X(mosquitto_, strerror) X(mosquitto_, connack_string)
#define CV_LIBDM_FNS(X) \
	X(dm_, log_with_errno_init) X(dm_, udev_get_sync_support) X(dm_, udev_set_sync_support) \
	X(dm_, task_create) X(dm_, task_set_name) X(dm_, task_destroy) X(dm_, task_run) X(dm_, task_get_errno) \
	X(dm_, task_get_info) X(dm_, task_get_versions) X(dm_, task_add_target) X(dm_, task_set_cookie) \
	X(dm_, task_retry_remove) X(dm_, udev_wait) X(dm_, get_next_target) X(dm_, mknodes) \
	X(dm_, task_update_nodes)

#define CV_DLIB_FIELD(prefix, name)	__typeof__(prefix##name) *name;
struct cv_curl_fns {
	CV_CURL_FNS(CV_DLIB_FIELD)
};
struct cv_mosq_fns {
	CV_MOSQ_FNS(CV_DLIB_FIELD)
};
struct cv_libdm_fns {
	CV_LIBDM_FNS(CV_DLIB_FIELD)
};
#undef CV_DLIB_FIELD

/* Valid once cv_curl_load() / cv_mosq_load() / cv_libdm_load() returned 0. */
extern struct cv_curl_fns cv_curl;
extern struct cv_mosq_fns cv_mosq;
extern struct cv_libdm_fns cv_libdm;
extern struct cv_dlib cv_dlib_curl;	/* libcurl.so.4, curl_global_init() once */
extern struct cv_dlib cv_dlib_mosq;	/* libmosquitto.so.1, mosquitto_lib_init() once */
extern struct cv_dlib cv_dlib_libdm;	/* libdevmapper.so.1.02.1 */

static inline int cv_curl_load(const char *user, char *err, size_t len)
{
	return cv_dlib_load(&cv_dlib_curl, user, err, len);
}

static inline int cv_mosq_load(const char *user, char *err, size_t len)
{
	return cv_dlib_load(&cv_dlib_mosq, user, err, len);
}

static inline int cv_libdm_load(const char *user, char *err, size_t len)
{
	return cv_dlib_load(&cv_dlib_libdm, user, err, len);
}

#endif /* CV_DLIB_H */
