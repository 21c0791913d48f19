// SPDX-License-Identifier: GPL-2.0
/*
 * The camvault device-mapper target.
 *
 * This is the target's frame: table parsing, the backing device, the vault list that the netlink
 * status reports, table/status output. The cipher path is not in yet, so a vault refuses every bio
 * with an I/O error: footage must never reach the backing store in clear, not even by accident.
 */
#include <linux/device-mapper.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "camvault.h"
#include "uapi/camvault.h"

#define DM_MSG_PREFIX "camvault"

struct cv_vault {
	struct list_head list;
	struct dm_dev *dev;
	struct cv_table table;
};

static LIST_HEAD(cv_vaults);
static DEFINE_MUTEX(cv_vaults_lock);

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

static int cv_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct cv_vault *v;
	char *error;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		ti->error = "Cannot allocate vault";
		return -ENOMEM;
	}
	ret = cv_parse_table(argc, argv, &v->table, &error);
	if (ret) {
		ti->error = error;
		goto err_free;
	}
	ret = dm_get_device(ti, v->table.dev_path, dm_table_get_mode(ti->table), &v->dev);
	if (ret) {
		ti->error = "Backing device lookup failed";
		goto err_free;
	}
	/* dev_path pointed into argv, which DM frees after the constructor. */
	v->table.dev_path = NULL;

	ti->private = v;
	mutex_lock(&cv_vaults_lock);
	list_add_tail(&v->list, &cv_vaults);
	mutex_unlock(&cv_vaults_lock);
	return 0;

err_free:
	kfree(v);
	return ret;
}

static void cv_dtr(struct dm_target *ti)
{
	struct cv_vault *v = ti->private;

	mutex_lock(&cv_vaults_lock);
	list_del(&v->list);
	mutex_unlock(&cv_vaults_lock);
	dm_put_device(ti, v->dev);
	kfree(v);
}

static int cv_map(struct dm_target *ti, struct bio *bio)
{
	return DM_MAPIO_KILL;
}

static void cv_status(struct dm_target *ti, status_type_t type, unsigned int status_flags,
		      char *result, unsigned int maxlen)
{
	struct cv_vault *v = ti->private;
	const struct cv_table *t = &v->table;
	unsigned int sz = 0, nopts;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("locked");
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s :%u:logon:%s %s %llu", cv_cipher_name(t->cipher), t->key_size,
		       t->key_desc, v->dev->name, (unsigned long long)t->offset);
		nopts = (t->sector_size != 512) + t->allow_discards;
		if (nopts)
			DMEMIT(" %u", nopts);
		if (t->sector_size != 512)
			DMEMIT(" sector_size:%u", t->sector_size);
		if (t->allow_discards)
			DMEMIT(" allow_discards");
		break;
	default:
		result[0] = '\0';
		break;
	}
}

static int cv_iterate_devices(struct dm_target *ti, iterate_devices_callout_fn fn, void *data)
{
	struct cv_vault *v = ti->private;

	return fn(ti, v->dev, v->table.offset, ti->len, data);
}

static struct target_type cv_target = {
	.name = CAMVAULT_TARGET_NAME,
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = cv_ctr,
	.dtr = cv_dtr,
	.map = cv_map,
	.status = cv_status,
	.iterate_devices = cv_iterate_devices,
};

int cv_target_init(void)
{
	return dm_register_target(&cv_target);
}

void cv_target_exit(void)
{
	dm_unregister_target(&cv_target);
}
