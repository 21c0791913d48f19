// SPDX-License-Identifier: GPL-2.0
/*
 * The camvault device-mapper target: every sector of the backing store encrypted, in dm-crypt's
 * plain-mode format.
 *
 * Writes: the bio's data is encrypted into a clone whose pages come from a mempool, then the clone
 * goes to the backing device; the original completes when the clone does. Reads: a clone sharing
 * the original's pages reads the ciphertext, which is decrypted in place after completion.
 * Encryption and decryption run on a per-vault unbound workqueue: on a CPU-bound box (a Pi's slow
 * cores, a TCG guest) that spreads the crypto over every CPU, which is what gives throughput.
 *
 * Lock ("key wipe" message, or CAMVAULT_CMD_LOCK): the transform, and with it the only copy of the
 * key, is freed (the crypto API zeroes it); from then on every bio fails at once with EIO.
 *
 * Dead-man lock (CAMVAULT_CMD_ARM, off by default): the vault is bound to the agent's netlink
 * socket; when that socket is released and nobody arms the vault again within the grace period,
 * the vault locks itself, so footage is not readable while the auditor is down.
 */
#include <crypto/skcipher.h>
#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/dm-ioctl.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "uapi/camvault.h"

#define DM_MSG_PREFIX "camvault"

struct cv_vault {
	struct list_head list;
	struct dm_target *ti;
	struct dm_dev *dev;
	struct cv_table table;

	struct cv_key key;

	struct workqueue_struct *wq;
	struct bio_set bs;
	mempool_t page_pool;
	struct mutex alloc_lock;	/* one writer at a time may wait on the page pool */

	atomic64_t bytes_read;
	atomic64_t bytes_written;
	atomic64_t io_errors;

	/* Events: the name at load time (the hash cell is gone when the table is destroyed), and
	 * I/O error events sent from process context, at most one a second.
	 */
	char name[DM_NAME_LEN];
	struct work_struct error_work;
	struct ratelimit_state error_rs;

	/* Dead-man lock, under cv_vaults_lock. */
	struct cv_deadman deadman;
};

/* Per-bio state, in the bio's DM per-io area; the crypto request follows it. */
struct cv_io {
	struct cv_vault *v;
	struct bio *base;
	struct work_struct work;
	struct bvec_iter iter;		/* the base bio's data, as it was when mapped */
	u64 sector;			/* first 512-byte sector, from the start of the vault */
	u8 iv[CV_IV_MAX] __aligned(8);
};

static LIST_HEAD(cv_vaults);
static DEFINE_MUTEX(cv_vaults_lock);

static struct skcipher_request *cv_io_req(struct cv_io *io)
{
	return PTR_ALIGN((void *)(io + 1), CRYPTO_MINALIGN);
}

/* The vault's device-mapper name ("cam0"; dm_device_name() is "254:0"), or "" if unknown. */
static void cv_vault_name(struct cv_vault *v, char name[DM_NAME_LEN])
{
	if (dm_copy_name_and_uuid(dm_table_get_md(v->ti->table), name, NULL))
		name[0] = '\0';
}

static void cv_count_error(struct cv_vault *v)
{
	atomic64_inc(&v->io_errors);
	if (__ratelimit(&v->error_rs))
		queue_work(system_wq, &v->error_work);
}

static void cv_error_work(struct work_struct *work)
{
	struct cv_vault *v = container_of(work, struct cv_vault, error_work);

	cv_genl_event(CAMVAULT_EVENT_IO_ERROR, v->name, atomic64_read(&v->io_errors));
}

static void cv_io_end(struct cv_io *io, blk_status_t status)
{
	struct cv_vault *v = io->v;

	if (status)
		cv_count_error(v);
	else if (bio_data_dir(io->base) == READ)
		atomic64_add(io->iter.bi_size, &v->bytes_read);
	else
		atomic64_add(io->iter.bi_size, &v->bytes_written);
	io->base->bi_status = status;
	bio_endio(io->base);
}

/*
 * Run the cipher over the base bio's data, a vault sector at a time: in place for reads, into
 * @dst's pages for writes, with @tfm (held by cv_key_get()).
 */
static blk_status_t cv_crypt_bio(struct cv_io *io, struct crypto_skcipher *tfm, struct bio *dst,
				 bool encrypt)
{
	struct cv_vault *v = io->v;
	unsigned int ss = v->table.sector_size;
	struct bvec_iter in = io->iter, out;
	u64 sector = io->sector;

	if (dst)
		out = dst->bi_iter;
	while (in.bi_size) {
		struct bio_vec bv_in = bio_iter_iovec(io->base, in);
		struct bio_vec bv_out = dst ? bio_iter_iovec(dst, out) : bv_in;

		/* dma_alignment (io_hints) keeps a sector from straddling two segments. */
		if (unlikely(bv_in.bv_len < ss || bv_out.bv_len < ss))
			return BLK_STS_IOERR;
		if (cv_crypt_sector(cv_io_req(io), tfm, encrypt, bv_in.bv_page, bv_in.bv_offset,
				    bv_out.bv_page, bv_out.bv_offset, ss, sector, io->iv))
			return BLK_STS_IOERR;
		bio_advance_iter(io->base, &in, ss);
		if (dst)
			bio_advance_iter(dst, &out, ss);
		sector += ss >> SECTOR_SHIFT;
	}
	return BLK_STS_OK;
}

static blk_status_t cv_crypt_locked(struct cv_io *io, struct bio *dst, bool encrypt)
{
	struct cv_key *key = &io->v->key;
	struct crypto_skcipher *tfm;
	blk_status_t status;

	tfm = cv_key_get(key);
	status = tfm ? cv_crypt_bio(io, tfm, dst, encrypt) : BLK_STS_IOERR;
	cv_key_put(key);
	return status;
}

static void cv_read_work(struct work_struct *work)
{
	struct cv_io *io = container_of(work, struct cv_io, work);

	cv_io_end(io, cv_crypt_locked(io, NULL, false));
}

static void cv_read_endio(struct bio *clone)
{
	struct cv_io *io = clone->bi_private;
	blk_status_t status = clone->bi_status;

	bio_put(clone);
	if (status) {
		cv_io_end(io, status);
		return;
	}
	queue_work(io->v->wq, &io->work);
}

static void cv_free_pages(struct cv_vault *v, struct bio *clone)
{
	struct bio_vec *bv;
	struct bvec_iter_all iter_all;

	bio_for_each_segment_all(bv, clone, iter_all)
		mempool_free(bv->bv_page, &v->page_pool);
}

static void cv_write_endio(struct bio *clone)
{
	struct cv_io *io = clone->bi_private;
	blk_status_t status = clone->bi_status;

	cv_free_pages(io->v, clone);
	bio_put(clone);
	cv_io_end(io, status);
}

/*
 * A clone with room for the encrypted data, its pages from the mempool. As in dm-crypt, try
 * without waiting first; if the pool is short, give everything back and retry as the only waiter,
 * so two writers can never each hold half of the pool and wait for the other half.
 */
static struct bio *cv_alloc_write_clone(struct cv_io *io)
{
	struct cv_vault *v = io->v;
	unsigned int size = io->iter.bi_size;
	unsigned int nr = DIV_ROUND_UP(size, PAGE_SIZE);
	gfp_t gfp = GFP_NOWAIT | __GFP_HIGHMEM;
	bool waited = false;
	struct bio *clone;

retry:
	if (gfp & __GFP_DIRECT_RECLAIM) {
		mutex_lock(&v->alloc_lock);
		waited = true;
	}
	clone = bio_alloc_bioset(v->dev->bdev, nr, io->base->bi_opf, GFP_NOIO, &v->bs);
	clone->bi_private = io;
	clone->bi_end_io = cv_write_endio;
	clone->bi_ioprio = io->base->bi_ioprio;
	clone->bi_iter.bi_sector = v->table.offset + io->sector;
	bio_clone_blkg_association(clone, io->base);
	while (size) {
		unsigned int len = min_t(unsigned int, size, PAGE_SIZE);
		struct page *page = mempool_alloc(&v->page_pool, gfp);

		if (!page) {
			cv_free_pages(v, clone);
			bio_put(clone);
			gfp |= __GFP_DIRECT_RECLAIM;
			goto retry;
		}
		__bio_add_page(clone, page, len, 0);
		size -= len;
	}
	if (waited)
		mutex_unlock(&v->alloc_lock);
	return clone;
}

static void cv_write_work(struct work_struct *work)
{
	struct cv_io *io = container_of(work, struct cv_io, work);
	struct bio *clone = cv_alloc_write_clone(io);
	blk_status_t status;

	status = cv_crypt_locked(io, clone, true);
	if (status) {
		cv_free_pages(io->v, clone);
		bio_put(clone);
		cv_io_end(io, status);
		return;
	}
	submit_bio_noacct(clone);
}

static int cv_map(struct dm_target *ti, struct bio *bio)
{
	struct cv_vault *v = ti->private;
	unsigned int ss = v->table.sector_size;
	struct cv_io *io;
	struct bio *clone;

	/* Empty flushes and (allowed) discards carry no data: straight to the backing device. */
	if (unlikely((bio->bi_opf & REQ_PREFLUSH && !bio_has_data(bio)) ||
		     bio_op(bio) == REQ_OP_DISCARD)) {
		bio_set_dev(bio, v->dev->bdev);
		if (bio_sectors(bio))
			bio->bi_iter.bi_sector = v->table.offset +
						 dm_target_offset(ti, bio->bi_iter.bi_sector);
		return DM_MAPIO_REMAPPED;
	}
	if (unlikely(cv_key_locked(&v->key) ||
		     (bio->bi_iter.bi_sector | bio_sectors(bio)) & ((ss >> SECTOR_SHIFT) - 1))) {
		cv_count_error(v);
		return DM_MAPIO_KILL;
	}
	/* The write clone's pages come from a pool of BIO_MAX_VECS: take at most that much. */
	if (bio_data_dir(bio) == WRITE && bio->bi_iter.bi_size > (BIO_MAX_VECS << PAGE_SHIFT))
		dm_accept_partial_bio(bio, (BIO_MAX_VECS << PAGE_SHIFT) >> SECTOR_SHIFT);

	io = dm_per_bio_data(bio, ti->per_io_data_size);
	io->v = v;
	io->base = bio;
	io->iter = bio->bi_iter;
	io->sector = dm_target_offset(ti, bio->bi_iter.bi_sector);

	if (bio_data_dir(bio) == WRITE) {
		INIT_WORK(&io->work, cv_write_work);
		queue_work(v->wq, &io->work);
		return DM_MAPIO_SUBMITTED;
	}
	INIT_WORK(&io->work, cv_read_work);
	clone = bio_alloc_clone(v->dev->bdev, bio, GFP_NOIO, &v->bs);
	clone->bi_private = io;
	clone->bi_end_io = cv_read_endio;
	clone->bi_iter.bi_sector = v->table.offset + io->sector;
	submit_bio_noacct(clone);
	return DM_MAPIO_SUBMITTED;
}

/* Wipe the key (lock.c). Idempotent: only the first lock is reported. */
static void cv_vault_lock(struct cv_vault *v)
{
	if (cv_key_lock(&v->key)) {
		DMINFO("%s: locked, key wiped", v->name);
		cv_genl_event(CAMVAULT_EVENT_LOCKED, v->name, 0);
	}
}

static void cv_deadman_work(struct work_struct *work)
{
	struct cv_vault *v = container_of(to_delayed_work(work), struct cv_vault, deadman.work);

	DMWARN("%s: the agent that armed this vault is gone: locking", v->name);
	cv_vault_lock(v);
}

static void cv_vault_free(struct cv_vault *v)
{
	cv_deadman_stop(&v->deadman);
	cancel_work_sync(&v->error_work);
	if (v->wq)
		destroy_workqueue(v->wq);
	mempool_exit(&v->page_pool);
	bioset_exit(&v->bs);
	cv_key_lock(&v->key);
	if (v->dev)
		dm_put_device(v->ti, v->dev);
	kfree(v);
}

static int cv_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct crypto_skcipher *tfm;
	struct cv_vault *v;
	char *error;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		ti->error = "Cannot allocate vault";
		return -ENOMEM;
	}
	v->ti = ti;
	cv_key_init(&v->key, NULL);
	INIT_WORK(&v->error_work, cv_error_work);
	cv_deadman_init(&v->deadman, cv_deadman_work);
	ratelimit_state_init(&v->error_rs, HZ, 1);
	ratelimit_set_flags(&v->error_rs, RATELIMIT_MSG_ON_RELEASE);
	mutex_init(&v->alloc_lock);
	atomic64_set(&v->bytes_read, 0);
	atomic64_set(&v->bytes_written, 0);
	atomic64_set(&v->io_errors, 0);

	ret = cv_parse_table(argc, argv, &v->table, &error);
	if (ret)
		goto err;
	if ((ti->begin | ti->len) & ((v->table.sector_size >> SECTOR_SHIFT) - 1)) {
		error = "Device start and length must be multiples of the sector size";
		ret = -EINVAL;
		goto err;
	}
	ret = dm_get_device(ti, v->table.dev_path, dm_table_get_mode(ti->table), &v->dev);
	if (ret) {
		error = "Backing device lookup failed";
		goto err;
	}
	/* dev_path pointed into argv, which DM frees after the constructor. */
	v->table.dev_path = NULL;

	tfm = cv_crypt_alloc(v->table.cipher, &error);
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm);
		goto err;
	}
	v->key.tfm = tfm;	/* not shared yet: no bio can reach the vault before we return */
	ret = cv_crypt_set_key(tfm, v->table.key_desc, v->table.key_size, &error);
	if (ret)
		goto err;

	ret = bioset_init(&v->bs, BIO_POOL_SIZE, 0, BIOSET_NEED_BVECS);
	if (!ret)
		ret = mempool_init_page_pool(&v->page_pool, BIO_MAX_VECS, 0);
	if (ret) {
		error = "Cannot allocate I/O pools";
		goto err;
	}
	v->wq = alloc_workqueue("kcamvaultd/%s", WQ_MEM_RECLAIM | WQ_UNBOUND | WQ_CPU_INTENSIVE,
				num_online_cpus(), dm_table_device_name(ti->table));
	if (!v->wq) {
		error = "Cannot allocate workqueue";
		ret = -ENOMEM;
		goto err;
	}

	ti->private = v;
	ti->per_io_data_size = sizeof(struct cv_io) + CRYPTO_MINALIGN +
			       sizeof(struct skcipher_request) + crypto_skcipher_reqsize(tfm);
	ti->num_flush_bios = 1;
	ti->num_discard_bios = v->table.allow_discards;

	mutex_lock(&cv_vaults_lock);
	list_add_tail(&v->list, &cv_vaults);
	mutex_unlock(&cv_vaults_lock);
	cv_vault_name(v, v->name);
	cv_genl_event(CAMVAULT_EVENT_OPENED, v->name, 0);
	return 0;

err:
	ti->error = error;
	cv_vault_free(v);
	return ret;
}

static void cv_dtr(struct dm_target *ti)
{
	struct cv_vault *v = ti->private;

	mutex_lock(&cv_vaults_lock);
	list_del(&v->list);
	mutex_unlock(&cv_vaults_lock);
	cv_genl_event(CAMVAULT_EVENT_CLOSED, v->name, 0);
	cv_vault_free(v);
}

static void cv_status(struct dm_target *ti, status_type_t type, unsigned int status_flags,
		      char *result, unsigned int maxlen)
{
	struct cv_vault *v = ti->private;
	const struct cv_table *t = &v->table;
	unsigned int sz = 0, nopts;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%s %llu %llu %llu", cv_key_locked(&v->key) ? "locked" : "open",
		       (unsigned long long)atomic64_read(&v->bytes_read),
		       (unsigned long long)atomic64_read(&v->bytes_written),
		       (unsigned long long)atomic64_read(&v->io_errors));
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s :%u:logon:%s %s %llu", cv_cipher_name(t->cipher), t->key_size,
		       t->key_desc, v->dev->name, (unsigned long long)t->offset);
		nopts = (t->sector_size != 512) + t->allow_discards;
		if (nopts)
			DMEMIT(" %u", nopts);
		if (t->allow_discards)
			DMEMIT(" allow_discards");
		if (t->sector_size != 512)
			DMEMIT(" sector_size:%u", t->sector_size);
		break;
	default:
		result[0] = '\0';
		break;
	}
}

static int cv_message(struct dm_target *ti, unsigned int argc, char **argv, char *result,
		      unsigned int maxlen)
{
	if (argc == 2 && !strcasecmp(argv[0], "key") && !strcasecmp(argv[1], "wipe")) {
		cv_vault_lock(ti->private);
		return 0;
	}
	DMWARN("unrecognised message: the camvault target takes \"key wipe\"");
	return -EINVAL;
}

static int cv_iterate_devices(struct dm_target *ti, iterate_devices_callout_fn fn, void *data)
{
	struct cv_vault *v = ti->private;

	return fn(ti, v->dev, v->table.offset, ti->len, data);
}

static void cv_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct cv_vault *v = ti->private;
	unsigned int ss = v->table.sector_size;

	limits->logical_block_size = max(limits->logical_block_size, ss);
	limits->physical_block_size = max(limits->physical_block_size, ss);
	limits->io_min = max(limits->io_min, ss);
	/* Whole sectors in every segment: cv_crypt_bio never sees one split across two. */
	limits->dma_alignment = limits->logical_block_size - 1;
}

static struct target_type cv_target = {
	.name = CAMVAULT_TARGET_NAME,
	.version = {0, 2, 0},
	.module = THIS_MODULE,
	.ctr = cv_ctr,
	.dtr = cv_dtr,
	.map = cv_map,
	.status = cv_status,
	.message = cv_message,
	.iterate_devices = cv_iterate_devices,
	.io_hints = cv_io_hints,
};

unsigned int cv_vault_count(void)
{
	struct cv_vault *v;
	unsigned int n = 0;

	mutex_lock(&cv_vaults_lock);
	list_for_each_entry(v, &cv_vaults, list)
		n++;
	mutex_unlock(&cv_vaults_lock);
	return n;
}

/* A snapshot of the @index-th vault, for the netlink dump; -ENOENT past the last. */
int cv_vault_info(unsigned int index, struct cv_vault_info *info)
{
	struct mapped_device *md;
	struct cv_vault *v;
	int ret = -ENOENT;

	mutex_lock(&cv_vaults_lock);
	list_for_each_entry(v, &cv_vaults, list) {
		if (index--)
			continue;
		md = dm_table_get_md(v->ti->table);
		cv_vault_name(v, info->name);
		info->major = MAJOR(disk_devt(dm_disk(md)));
		info->minor = MINOR(disk_devt(dm_disk(md)));
		info->cipher = v->table.cipher;
		info->locked = cv_key_locked(&v->key);
		info->bytes_read = atomic64_read(&v->bytes_read);
		info->bytes_written = atomic64_read(&v->bytes_written);
		info->io_errors = atomic64_read(&v->io_errors);
		info->grace_ms = v->deadman.grace_ms;
		ret = 0;
		break;
	}
	mutex_unlock(&cv_vaults_lock);
	return ret;
}

/* Whether @v belongs to the dm device @name (a table may hold several vaults). */
static bool cv_vault_named(struct cv_vault *v, const char *name)
{
	char vname[DM_NAME_LEN];

	cv_vault_name(v, vname);
	return !strcmp(vname, name);
}

/* Lock every vault of the dm device @name; -ENODEV if none. */
int cv_vault_lock_by_name(const char *name)
{
	struct cv_vault *v;
	int ret = -ENODEV;

	mutex_lock(&cv_vaults_lock);
	list_for_each_entry(v, &cv_vaults, list) {
		if (!cv_vault_named(v, name))
			continue;
		cv_vault_lock(v);
		ret = 0;
	}
	mutex_unlock(&cv_vaults_lock);
	return ret;
}

/* Arm (grace_ms > 0) or disarm the dead-man lock of vault @name for the socket @portid. */
int cv_vault_arm(const char *name, u32 grace_ms, u32 portid)
{
	struct cv_vault *v;
	int ret = -ENODEV;

	mutex_lock(&cv_vaults_lock);
	list_for_each_entry(v, &cv_vaults, list) {
		if (!cv_vault_named(v, name))
			continue;
		cv_deadman_arm(&v->deadman, grace_ms, portid);
		ret = 0;
	}
	mutex_unlock(&cv_vaults_lock);
	return ret;
}

void cv_vault_socket_gone(u32 portid)
{
	struct cv_vault *v;

	mutex_lock(&cv_vaults_lock);
	list_for_each_entry(v, &cv_vaults, list)
		cv_deadman_socket_gone(&v->deadman, portid);
	mutex_unlock(&cv_vaults_lock);
}

int cv_target_init(void)
{
	return dm_register_target(&cv_target);
}

void cv_target_exit(void)
{
	dm_unregister_target(&cv_target);
}
