// SPDX-License-Identifier: GPL-2.0
/*
 * A vault's two small state machines, kept apart from the I/O path so KUnit can drive them:
 *
 * The key: open (a keyed transform) -> locked (transform freed, which zeroes the key). One way:
 * only a new table brings a key back. Bios' crypto holds the key for reading, so a lock waits for
 * the sectors in flight and no sector is ever ciphered with a freed transform.
 *
 * The dead-man lock: unarmed -> armed by a socket -> (that socket goes away) counting down ->
 * the key is locked when the grace period ends, unless a socket re-arms (or disarms) first.
 */
#include <crypto/skcipher.h>
#include <linux/jiffies.h>
#include <linux/module.h>

#include "internal.h"

void cv_key_init(struct cv_key *k, struct crypto_skcipher *tfm)
{
	init_rwsem(&k->sem);
	k->tfm = tfm;
}
EXPORT_SYMBOL_CV_KUNIT(cv_key_init);

/* The transform, for ciphering, or NULL when locked; either way, cv_key_put() after. */
struct crypto_skcipher *cv_key_get(struct cv_key *k)
{
	down_read(&k->sem);
	return k->tfm;
}
EXPORT_SYMBOL_CV_KUNIT(cv_key_get);

void cv_key_put(struct cv_key *k)
{
	up_read(&k->sem);
}
EXPORT_SYMBOL_CV_KUNIT(cv_key_put);

/* Wipe the key once every holder has put it. True if this call locked it (false: it was). */
bool cv_key_lock(struct cv_key *k)
{
	struct crypto_skcipher *tfm;

	down_write(&k->sem);
	tfm = k->tfm;
	WRITE_ONCE(k->tfm, NULL);
	up_write(&k->sem);
	/* crypto_free_skcipher() zeroes the transform's context, the expanded key included. */
	if (tfm)
		crypto_free_skcipher(tfm);
	return tfm;
}
EXPORT_SYMBOL_CV_KUNIT(cv_key_lock);

/* A hint without the lock, for failing bios early and for status; cv_key_get() decides. */
bool cv_key_locked(const struct cv_key *k)
{
	return !READ_ONCE(k->tfm);
}
EXPORT_SYMBOL_CV_KUNIT(cv_key_locked);

void cv_deadman_init(struct cv_deadman *d, work_func_t fn)
{
	d->portid = 0;
	d->grace_ms = 0;
	INIT_DELAYED_WORK(&d->work, fn);
}
EXPORT_SYMBOL_CV_KUNIT(cv_deadman_init);

/*
 * Arm for the socket @portid with @grace_ms, or disarm (@grace_ms 0). A countdown for an earlier
 * socket stops: the new socket is the agent back. Callers serialise arm and socket_gone.
 */
void cv_deadman_arm(struct cv_deadman *d, u32 grace_ms, u32 portid)
{
	cancel_delayed_work(&d->work);
	d->grace_ms = grace_ms;
	d->portid = grace_ms ? portid : 0;
}
EXPORT_SYMBOL_CV_KUNIT(cv_deadman_arm);

/* The socket @portid went away: start the countdown if it is the one that armed. */
bool cv_deadman_socket_gone(struct cv_deadman *d, u32 portid)
{
	if (!d->grace_ms || !d->portid || d->portid != portid)
		return false;
	d->portid = 0;
	queue_delayed_work(system_wq, &d->work, msecs_to_jiffies(d->grace_ms));
	return true;
}
EXPORT_SYMBOL_CV_KUNIT(cv_deadman_socket_gone);

/* Stop any countdown and wait for a lock already running; for teardown. */
void cv_deadman_stop(struct cv_deadman *d)
{
	cancel_delayed_work_sync(&d->work);
}
EXPORT_SYMBOL_CV_KUNIT(cv_deadman_stop);
