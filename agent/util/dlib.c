// SPDX-License-Identifier: GPL-2.0
/*
 * libcurl and libmosquitto loaded with dlopen() when a push channel first needs one, libdevmapper when a
 * device-mapper operation does (dlib.h), their functions looked up with dlsym() into tables of function
 * pointers whose types come from their own headers.
 *
 * Never unloaded once loaded: dlclose() would not give the memory back safely. libcurl's threaded resolver
 * leaves a resolve that timed out running in a detached thread after curl_easy_cleanup(), in libcurl's code;
 * curl_global_cleanup() would have to run first, with no other thread inside libcurl; and libssl, libcrypto
 * and p11-kit, which they pull in, are marked NODELETE on Debian 12, so they would stay mapped anyway. An
 * agent that never sends keeps its small resident set; one that sent keeps the libraries, as it did when
 * they were linked.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/dlib.h"

/* dlsym() returns a void *; POSIX guarantees a function pointer fits in one. */
_Static_assert(sizeof(void (*)(void)) == sizeof(void *), "function pointers are not the size of void *");

struct cv_curl_fns cv_curl;
struct cv_mosq_fns cv_mosq;
struct cv_libdm_fns cv_libdm;

#define CV_CURL_SYM(prefix, name)	{ #prefix #name, &cv_curl.name },
#define CV_MOSQ_SYM(prefix, name)	{ #prefix #name, &cv_mosq.name },
#define CV_LIBDM_SYM(prefix, name)	{ #prefix #name, &cv_libdm.name },
static const struct cv_dlsym cv_curl_syms[] = { CV_CURL_FNS(CV_CURL_SYM) };
static const struct cv_dlsym cv_mosq_syms[] = { CV_MOSQ_FNS(CV_MOSQ_SYM) };
static const struct cv_dlsym cv_libdm_syms[] = { CV_LIBDM_FNS(CV_LIBDM_SYM) };

/* Once per process, before any other call into the library (cv_dlib_load() holds its lock). */
static int cv_curl_init(void)
{
	return cv_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK;
}

static int cv_mosq_init(void)
{
	return cv_mosq.lib_init() != MOSQ_ERR_SUCCESS;
}

struct cv_dlib cv_dlib_curl = {
	.soname = "libcurl.so.4", .name = "libcurl", .package = "libcurl4",
	.syms = cv_curl_syms, .nsyms = sizeof(cv_curl_syms) / sizeof(cv_curl_syms[0]), .init = cv_curl_init,
};

struct cv_dlib cv_dlib_mosq = {
	.soname = "libmosquitto.so.1", .name = "libmosquitto", .package = "libmosquitto1",
	.syms = cv_mosq_syms, .nsyms = sizeof(cv_mosq_syms) / sizeof(cv_mosq_syms[0]), .init = cv_mosq_init,
};

/* cv_dm_init() (dm.c) sets it up. */
struct cv_dlib cv_dlib_libdm = {
	.soname = "libdevmapper.so.1.02.1", .name = "libdevmapper", .package = "libdevmapper1.02.1",
	.syms = cv_libdm_syms, .nsyms = sizeof(cv_libdm_syms) / sizeof(cv_libdm_syms[0]),
};

static pthread_mutex_t cv_dlib_lock = PTHREAD_MUTEX_INITIALIZER;

/* Opens l and fills its table; 0, or -1 with err (l->handle stays NULL). Called with cv_dlib_lock held. */
static int cv_dlib_open(struct cv_dlib *l, const char *user, char *err, size_t len)
{
	const char *e;
	void *h, *fn;
	size_t i;

	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		e = dlerror();
		snprintf(err, len, "%s needs %s (Debian package %s): %s: install it: apt-get install %s", user,
			 l->name, l->package, e ? e : l->soname, l->package);
		return -1;
	}
	for (i = 0; i < l->nsyms; i++) {
		dlerror();
		fn = dlsym(h, l->syms[i].name);
		if (!fn) {
			e = dlerror();
			snprintf(err, len, "%s needs %s (Debian package %s): %s: this one is too old or damaged: "
				 "apt-get install --reinstall %s", user, l->name, l->package,
				 e ? e : l->syms[i].name, l->package);
			dlclose(h);
			return -1;
		}
		memcpy(l->syms[i].slot, &fn, sizeof(fn));
	}
	if (l->init && l->init()) {
		snprintf(err, len, "%s needs %s (Debian package %s): %s does not initialise: "
			 "apt-get install --reinstall %s", user, l->name, l->package, l->soname, l->package);
		dlclose(h);
		return -1;
	}
	l->handle = h;
	return 0;
}

int cv_dlib_load(struct cv_dlib *l, const char *user, char *err, size_t len)
{
	int ret = 0;

	pthread_mutex_lock(&cv_dlib_lock);
	if (!l->handle)
		ret = cv_dlib_open(l, user, err, len);
	pthread_mutex_unlock(&cv_dlib_lock);
	return ret;
}
