// SPDX-License-Identifier: GPL-2.0-only
/*
 * device.c - one &struct iser_dm_device (the PD) per RDMA device, shared
 * by all connections on it and freed with the last one.
 *
 * No IB client is needed: every reference is held by an endpoint whose
 * rdma_cm id lives on that device, and rdma_cm delivers DEVICE_REMOVAL to
 * every such id before the device can go; cm.c then drops the reference
 * (see iser_dm_cm_device_removal()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "iser_dm.h"

static LIST_HEAD(iser_dm_devices);
static DEFINE_MUTEX(iser_dm_devices_mutex);

/**
 * iser_dm_device_get() - find or create the per-device object
 * @ib_dev: the RDMA device a connection resolved to
 *
 * Process context.
 *
 * Return: the device with a reference taken, or an ERR_PTR().
 */
struct iser_dm_device *iser_dm_device_get(struct ib_device *ib_dev)
{
	struct iser_dm_device *dev;
	int ret;

	mutex_lock(&iser_dm_devices_mutex);
	list_for_each_entry(dev, &iser_dm_devices, entry) {
		if (dev->ib_dev == ib_dev) {
			dev->refs++;
			goto out;
		}
	}

	if (!(ib_dev->attrs.device_cap_flags & IB_DEVICE_MEM_MGT_EXTENSIONS)) {
		pr_err("%s lacks fast registration (MEM_MGT_EXTENSIONS)\n",
		       dev_name(&ib_dev->dev));
		ret = -EOPNOTSUPP;
		goto err;
	}
	dev = iser_dm_fault("the device") ? NULL :
	      kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		ret = -ENOMEM;
		goto err;
	}
	dev->ib_dev = ib_dev;
	dev->pd = iser_dm_fault("the PD") ? ERR_PTR(-ENOMEM) :
		  ib_alloc_pd(ib_dev, 0);
	if (IS_ERR(dev->pd)) {
		ret = PTR_ERR(dev->pd);
		pr_err("%s: ib_alloc_pd failed: %d\n", dev_name(&ib_dev->dev), ret);
		goto err_free;
	}
	dev->refs = 1;
	list_add(&dev->entry, &iser_dm_devices);
	pr_debug("device %s added\n", dev_name(&ib_dev->dev));
out:
	mutex_unlock(&iser_dm_devices_mutex);
	return dev;

err_free:
	kfree(dev);
err:
	mutex_unlock(&iser_dm_devices_mutex);
	return ERR_PTR(ret);
}

/**
 * iser_dm_device_put() - drop a connection's reference
 * @dev: the device object
 *
 * Frees the PD with the last reference.  Process context.
 */
void iser_dm_device_put(struct iser_dm_device *dev)
{
	mutex_lock(&iser_dm_devices_mutex);
	if (--dev->refs) {
		mutex_unlock(&iser_dm_devices_mutex);
		return;
	}
	list_del(&dev->entry);
	mutex_unlock(&iser_dm_devices_mutex);
	pr_debug("device %s released\n", dev_name(&dev->ib_dev->dev));
	ib_dealloc_pd(dev->pd);
	kfree(dev);
}
