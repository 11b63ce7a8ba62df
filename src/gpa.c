/* gpa.c: WHvMapGpaRange, WHvUnmapGpaRange, WHvReadGpaRange, WHvWriteGpaRange. */
#include <string.h>

#include "internal.h"
#include "partition.h"

#define MAP_FLAGS_KNOWN                                                                 \
	(WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite | WHvMapGpaRangeFlagExecute | \
	 WHvMapGpaRangeFlagTrackDirtyPages)

/* Page-aligned, non-empty, no wrap-around: WHvMapGpaRange2 docs give E_INVALIDARG otherwise. */
static int range_check(uint64_t gpa, uint64_t size)
{
	if (size == 0 || !IS_PAGE_ALIGNED(gpa) || !IS_PAGE_ALIGNED(size))
		return err_set(-EINVAL, "GPA 0x%llx size 0x%llx: not whole 4 KiB pages",
			       (unsigned long long)gpa, (unsigned long long)size);
	if (gpa + size < gpa)
		return err_set(-EINVAL, "GPA range wraps around");
	return 0;
}

OPENWHP_API HRESULT WINAPI WHvMapGpaRange(WHV_PARTITION_HANDLE Partition, VOID *SourceAddress,
					  WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					  UINT64 SizeInBytes, WHV_MAP_GPA_RANGE_FLAGS Flags)
{
	struct whp_partition *p = partition_get(Partition);
	uint64_t flags = (uint64_t)Flags;
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	rc = range_check(GuestAddress, SizeInBytes);
	if (rc)
		goto out;
	if (!SourceAddress || !IS_PAGE_ALIGNED((uintptr_t)SourceAddress)) {
		rc = err_set(-EINVAL, "SourceAddress %p is not page aligned", SourceAddress);
		goto out;
	}
	if ((uintptr_t)SourceAddress + SizeInBytes < (uintptr_t)SourceAddress) {
		rc = err_set(-EINVAL, "SourceAddress range wraps around");
		goto out;
	}
	if (flags & ~(uint64_t)MAP_FLAGS_KNOWN) {
		rc = err_set(-EINVAL, "unknown map flags 0x%llx", (unsigned long long)flags);
		goto out;
	}
	if ((flags & WHvMapGpaRangeFlagWrite) && !(flags & WHvMapGpaRangeFlagRead)) {
		/* KVM memslots are readable or not present; write-only has no KVM form. */
		rc = err_set(-EINVAL, "write-only mappings cannot be expressed on KVM");
		goto out;
	}
	pthread_mutex_lock(&p->lock);
	if (!p->setup)
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
	else
		rc = gpa_map_add(&p->mem, GuestAddress, SizeInBytes, SourceAddress,
				 (uint32_t)flags);
	pthread_mutex_unlock(&p->lock);
out:
	partition_put(p);
	return api_return(rc);
}

OPENWHP_API HRESULT WINAPI WHvMapGpaRange2(WHV_PARTITION_HANDLE Partition, HANDLE Process,
					   VOID *SourceAddress,
					   WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					   UINT64 SizeInBytes, WHV_MAP_GPA_RANGE_FLAGS Flags)
{
	/* Linux has no process handle to map from: only "this process" (NULL) works. */
	if (Process != NULL) {
		err_clear();
		return api_return(err_set(-EINVAL, "mapping another process's memory is not "
						   "supported on Linux"));
	}
	return WHvMapGpaRange(Partition, SourceAddress, GuestAddress, SizeInBytes, Flags);
}

OPENWHP_API HRESULT WINAPI WHvUnmapGpaRange(WHV_PARTITION_HANDLE Partition,
					    WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					    UINT64 SizeInBytes)
{
	struct whp_partition *p = partition_get(Partition);
	int rc;

	err_clear();
	if (!p)
		return partition_bad_handle(Partition);
	rc = range_check(GuestAddress, SizeInBytes);
	if (rc)
		goto out;
	pthread_mutex_lock(&p->lock);
	if (!p->setup)
		rc = err_set(OE_INVALID_STATE, "the partition is not set up");
	else
		rc = gpa_map_remove(&p->mem, GuestAddress, SizeInBytes);
	pthread_mutex_unlock(&p->lock);
out:
	partition_put(p);
	return api_return(rc);
}

/* Shared checks of WHvRead/WriteGpaRange: 1..16 bytes in one VP's context (WHvReadGpaRange docs). */
static int gpa_rw(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, uint64_t gpa,
		  WHV_ACCESS_GPA_CONTROLS controls, void *data, uint32_t len, int write)
{
	struct whp_partition *p = partition_get(Partition);
	struct whp_vp *vp;
	int rc;

	if (!p)
		return OE_HANDLE;
	if (!data) {
		rc = err_set(OE_POINTER, "Data is NULL");
		goto out;
	}
	if (len == 0 || len > WHV_READ_WRITE_GPA_RANGE_MAX_SIZE) {
		rc = err_set(-EINVAL, "%u bytes: WHvRead/WriteGpaRange move 1..%u bytes", len,
			     (unsigned)WHV_READ_WRITE_GPA_RANGE_MAX_SIZE);
		goto out;
	}
	if (controls.AsUINT64 >> 32 || (controls.CacheType != WHvCacheTypeWriteBack &&
					controls.CacheType != WHvCacheTypeUncached &&
					controls.CacheType != WHvCacheTypeWriteCombining &&
					controls.CacheType != WHvCacheTypeWriteThrough &&
					controls.CacheType != WHvCacheTypeWriteProtected)) {
		rc = err_set(-EINVAL, "invalid WHV_ACCESS_GPA_CONTROLS 0x%llx",
			     (unsigned long long)controls.AsUINT64);
		goto out;
	}
	pthread_mutex_lock(&p->lock);
	rc = partition_vp(p, VpIndex, &vp);
	pthread_mutex_unlock(&p->lock);
	if (rc)
		goto out;
	if (gpa + len < gpa) {
		rc = err_set(-EINVAL, "GPA range wraps around");
		goto out;
	}
	rc = gpa_map_access(&p->mem, gpa, data, len, write, 1);
	if (rc)
		rc = err_set(-EACCES, "GPA 0x%llx+%u is not mapped %s", (unsigned long long)gpa,
			     len, write ? "writable" : "readable");
out:
	partition_put(p);
	return rc;
}

OPENWHP_API HRESULT WINAPI WHvReadGpaRange(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					   WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					   WHV_ACCESS_GPA_CONTROLS Controls, PVOID Data,
					   UINT32 DataSizeInBytes)
{
	err_clear();
	return api_return(
		gpa_rw(Partition, VpIndex, GuestAddress, Controls, Data, DataSizeInBytes, 0));
}

OPENWHP_API HRESULT WINAPI WHvWriteGpaRange(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex,
					    WHV_GUEST_PHYSICAL_ADDRESS GuestAddress,
					    WHV_ACCESS_GPA_CONTROLS Controls, const VOID *Data,
					    UINT32 DataSizeInBytes)
{
	err_clear();
	return api_return(gpa_rw(Partition, VpIndex, GuestAddress, Controls,
				 (void *)(uintptr_t)Data, DataSizeInBytes, 1));
}
