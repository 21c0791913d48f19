// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a vault's lock state machines (lock.c). The key goes open -> locked once, and never while
 * a sector is being ciphered with it; the dead-man lock counts down only for the socket that armed
 * it, and a re-arm or disarm within the grace period stops the countdown.
 */
#include <crypto/skcipher.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "../internal.h"

/* An AES-XTS transform keyed at random, as a vault's key holds after its table loaded. */
static struct crypto_skcipher *cv_test_tfm(struct kunit *test)
{
	struct crypto_skcipher *tfm;
	char *error = NULL;
	u8 key[64];

	tfm = cv_crypt_alloc(CV_CIPHER_AES_XTS_PLAIN64, &error);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(tfm), "%s", error);
	get_random_bytes(key, sizeof(key));
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(tfm, key, sizeof(key)), 0);
	memzero_explicit(key, sizeof(key));
	return tfm;
}

static void cv_key_locks_once(struct kunit *test)
{
	struct crypto_skcipher *tfm = cv_test_tfm(test);
	struct cv_key k;

	cv_key_init(&k, tfm);
	KUNIT_EXPECT_FALSE(test, cv_key_locked(&k));
	KUNIT_EXPECT_PTR_EQ(test, cv_key_get(&k), tfm);
	cv_key_put(&k);

	/* The first lock frees the transform and says so; the second has nothing to do. */
	KUNIT_EXPECT_TRUE(test, cv_key_lock(&k));
	KUNIT_EXPECT_TRUE(test, cv_key_locked(&k));
	KUNIT_EXPECT_NULL(test, cv_key_get(&k));
	cv_key_put(&k);
	KUNIT_EXPECT_FALSE(test, cv_key_lock(&k));
	KUNIT_EXPECT_TRUE(test, cv_key_locked(&k));
}

/* A vault whose table failed before it had a transform is locked from the start. */
static void cv_key_without_transform(struct kunit *test)
{
	struct cv_key k;

	cv_key_init(&k, NULL);
	KUNIT_EXPECT_TRUE(test, cv_key_locked(&k));
	KUNIT_EXPECT_FALSE(test, cv_key_lock(&k));
}

struct cv_lock_job {
	struct work_struct work;
	struct cv_key *key;
	struct completion done;
	bool locked;
};

static void cv_lock_job_fn(struct work_struct *work)
{
	struct cv_lock_job *job = container_of(work, struct cv_lock_job, work);

	job->locked = cv_key_lock(job->key);
	complete(&job->done);
}

/*
 * A lock that comes while a bio is being ciphered waits for it: the sector is ciphered with a
 * live transform, then the key is gone.
 */
static void cv_key_lock_waits_for_crypto(struct kunit *test)
{
	struct crypto_skcipher *tfm = cv_test_tfm(test), *held;
	struct skcipher_request *req;
	struct cv_lock_job job;
	struct page *page;
	struct cv_key k;
	u8 *iv;

	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	page = alloc_page(GFP_KERNEL);
	iv = kunit_kmalloc(test, CV_IV_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, iv);

	cv_key_init(&k, tfm);
	job.key = &k;
	job.locked = false;
	init_completion(&job.done);
	INIT_WORK_ONSTACK(&job.work, cv_lock_job_fn);

	held = cv_key_get(&k);
	KUNIT_EXPECT_PTR_EQ(test, held, tfm);
	schedule_work(&job.work);
	/* The lock is waiting on us: it has not finished, and the key is still there. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&job.done, msecs_to_jiffies(100)), 0);
	KUNIT_EXPECT_FALSE(test, cv_key_locked(&k));
	KUNIT_EXPECT_EQ(test, cv_crypt_sector(req, held, true, page, 0, page, 0, 512, 1, iv), 0);
	skcipher_request_free(req);
	cv_key_put(&k);

	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&job.done, 5 * HZ), 0);
	flush_work(&job.work);
	destroy_work_on_stack(&job.work);
	__free_page(page);
	KUNIT_EXPECT_TRUE(test, job.locked);
	KUNIT_EXPECT_TRUE(test, cv_key_locked(&k));
}

struct cv_deadman_probe {
	struct cv_deadman d;
	atomic_t fired;
	struct completion done;
};

static void cv_deadman_probe_fn(struct work_struct *work)
{
	struct cv_deadman_probe *p = container_of(to_delayed_work(work), struct cv_deadman_probe,
						  d.work);

	atomic_inc(&p->fired);
	complete(&p->done);
}

static struct cv_deadman_probe *cv_probe(struct kunit *test)
{
	struct cv_deadman_probe *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	cv_deadman_init(&p->d, cv_deadman_probe_fn);
	atomic_set(&p->fired, 0);
	init_completion(&p->done);
	return p;
}

/* Only the socket that armed the vault starts the countdown, once; then the lock comes. */
static void cv_deadman_fires_for_its_socket(struct kunit *test)
{
	struct cv_deadman_probe *p = cv_probe(test);

	/* Not armed: no socket counts. */
	KUNIT_EXPECT_FALSE(test, cv_deadman_socket_gone(&p->d, 7));

	cv_deadman_arm(&p->d, 50, 7);
	KUNIT_EXPECT_FALSE(test, cv_deadman_socket_gone(&p->d, 8));
	KUNIT_EXPECT_TRUE(test, cv_deadman_socket_gone(&p->d, 7));
	KUNIT_EXPECT_FALSE(test, cv_deadman_socket_gone(&p->d, 7));
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&p->done, 5 * HZ), 0);
	cv_deadman_stop(&p->d);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->fired), 1);
}

/* An agent restart: a new socket re-arms within the grace period, and nothing locks. */
static void cv_deadman_rearm_in_grace(struct kunit *test)
{
	struct cv_deadman_probe *p = cv_probe(test);

	cv_deadman_arm(&p->d, 100, 5);
	KUNIT_EXPECT_TRUE(test, cv_deadman_socket_gone(&p->d, 5));
	cv_deadman_arm(&p->d, 100, 6);
	msleep(300);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->fired), 0);

	/* The old socket is no one now; the new one still counts. */
	KUNIT_EXPECT_FALSE(test, cv_deadman_socket_gone(&p->d, 5));
	KUNIT_EXPECT_TRUE(test, cv_deadman_socket_gone(&p->d, 6));
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&p->done, 5 * HZ), 0);
	cv_deadman_stop(&p->d);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->fired), 1);
}

/* Disarming stops a countdown under way, and a disarmed vault ignores its old socket. */
static void cv_deadman_disarm(struct kunit *test)
{
	struct cv_deadman_probe *p = cv_probe(test);

	cv_deadman_arm(&p->d, 100, 5);
	KUNIT_EXPECT_TRUE(test, cv_deadman_socket_gone(&p->d, 5));
	cv_deadman_arm(&p->d, 0, 5);
	KUNIT_EXPECT_EQ(test, p->d.portid, 0);
	KUNIT_EXPECT_FALSE(test, cv_deadman_socket_gone(&p->d, 5));
	msleep(300);
	cv_deadman_stop(&p->d);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->fired), 0);
}

static struct kunit_case cv_lock_cases[] = {
	KUNIT_CASE(cv_key_locks_once),
	KUNIT_CASE(cv_key_without_transform),
	KUNIT_CASE(cv_key_lock_waits_for_crypto),
	KUNIT_CASE(cv_deadman_fires_for_its_socket),
	KUNIT_CASE(cv_deadman_rearm_in_grace),
	KUNIT_CASE(cv_deadman_disarm),
	{}
};

static struct kunit_suite cv_lock_suite = {
	.name = "camvault-lock",
	.test_cases = cv_lock_cases,
};

kunit_test_suite(cv_lock_suite);
