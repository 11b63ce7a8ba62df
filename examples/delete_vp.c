/* delete_vp.c: VP guide "Deleting Virtual Processors": delete, see it gone, create again. */
#include "example.h"

int main(void)
{
	static const WHV_REGISTER_NAME rip_name = WHvX64RegisterRip;
	WHV_PARTITION_HANDLE partition;
	WHV_REGISTER_VALUE rip;
	HRESULT hr;

	example_require_hypervisor();
	partition = example_create_partition(1);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	/* The VP must not be running; this one never ran. */
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	printf("VP 0 deleted\n");

	/* A deleted VP no longer answers. */
	hr = WHvGetVirtualProcessorRegisters(partition, 0, &rip_name, 1, &rip);
	printf("reading RIP of the deleted VP: HRESULT 0x%08x\n", (unsigned int)hr);
	if (hr != WHV_E_VP_DOES_NOT_EXIST) {
		fprintf(stderr, "expected WHV_E_VP_DOES_NOT_EXIST (0x%08x)\n",
			(unsigned int)WHV_E_VP_DOES_NOT_EXIST);
		return 1;
	}
	hr = WHvDeleteVirtualProcessor(partition, 0);
	printf("deleting it again: HRESULT 0x%08x\n", (unsigned int)hr);
	if (!FAILED(hr)) {
		fprintf(stderr, "a second delete of the same VP succeeded\n");
		return 1;
	}

	/* Its index is free again. */
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));
	EXAMPLE_CHECK(WHvGetVirtualProcessorRegisters(partition, 0, &rip_name, 1, &rip));
	printf("VP 0 created again, RIP 0x%llx\n", (unsigned long long)rip.Reg64);
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
