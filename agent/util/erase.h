/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Secrets on the stack wiped when they go out of scope, whichever way the function leaves (in the spirit of
 * systemd's CLEANUP_ERASE()):
 *
 *	TPM2B_AUTH auth = { .size = 0 };
 *	CV_CLEANUP_ERASE(auth);
 *
 * declares, right after the variable, a hidden one whose cleanup (GCC's and clang's
 * __attribute__((cleanup))) explicit_bzero()s all sizeof(auth) bytes of it when the scope ends: on every
 * return, goto out of the block or break. Cleanups run in the reverse order of the declarations, so the wipe
 * comes before the variable itself goes. The variable must be an object, not a pointer to one: sizeof(var) is
 * what is wiped (for an array parameter, which is a pointer, use explicit_bzero() by hand).
 *
 * Heap secrets have their own type (struct cv_secret, vault/secret.h: mlock()ed, wiped on cv_secret_free());
 * what ESAPI allocates has CV_CLEANUP_ESYS_ERASE() (tpm/tpm2-util.h).
 */
#ifndef CV_UTIL_ERASE_H
#define CV_UTIL_ERASE_H

#include <stddef.h>
#include <string.h>

#ifndef __USE_MISC
#error "util/erase.h needs explicit_bzero(): define _DEFAULT_SOURCE before the first #include"
#endif

struct cv_erase {
	void *p;
	size_t size;
};

static inline void cv_erase_cleanup(struct cv_erase *e)
{
	if (e->p)
		explicit_bzero(e->p, e->size);
}

#define CV_ERASE_CONCAT_(a, b) a##b
#define CV_ERASE_CONCAT(a, b) CV_ERASE_CONCAT_(a, b)

/* Wipes var (sizeof(var) bytes) when the enclosing scope ends. A declaration: put it after var's. */
#define CV_CLEANUP_ERASE(var)								\
	__attribute__((cleanup(cv_erase_cleanup), unused)) struct cv_erase			\
	CV_ERASE_CONCAT(cv_erase_, __COUNTER__) = { .p = &(var), .size = sizeof(var) }

#endif /* CV_UTIL_ERASE_H */
