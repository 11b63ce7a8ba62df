/* create_vp.c: VP guide "Creating Virtual Processors": plain, and with a NUMA property. */
#include "example.h"

int main(void)
{
	WHV_VIRTUAL_PROCESSOR_PROPERTY properties[1];
	WHV_PARTITION_HANDLE partition;
	HRESULT hr;

	example_require_hypervisor();
	partition = example_create_partition(2);

	/* Basic creation: default flags (must be 0). */
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));
	printf("VP 0 created with WHvCreateVirtualProcessor\n");

	/* Creation with properties: NUMA node 0 exists on every host. */
	memset(properties, 0, sizeof(properties));
	properties[0].PropertyCode = WHvVirtualProcessorPropertyCodeNumaNode;
	properties[0].NumaNode = 0;
	EXAMPLE_CHECK(WHvCreateVirtualProcessor2(partition, 1, properties, 1));
	printf("VP 1 created with WHvCreateVirtualProcessor2 (NumaNode %u)\n",
	       (unsigned int)properties[0].NumaNode);

	/* The same index twice is an error, not a second VP. */
	hr = WHvCreateVirtualProcessor2(partition, 1, properties, 1);
	printf("creating VP 1 again: HRESULT 0x%08x\n", (unsigned int)hr);
	if (hr != WHV_E_VP_ALREADY_EXISTS) {
		fprintf(stderr, "expected WHV_E_VP_ALREADY_EXISTS (0x%08x)\n",
			(unsigned int)WHV_E_VP_ALREADY_EXISTS);
		return 1;
	}
	/* An index beyond ProcessorCount is refused. */
	hr = WHvCreateVirtualProcessor(partition, 2, 0);
	printf("creating VP 2 of 2: HRESULT 0x%08x\n", (unsigned int)hr);
	if (!FAILED(hr)) {
		fprintf(stderr, "VP index 2 accepted with ProcessorCount 2\n");
		return 1;
	}

	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 1));
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	printf("done\n");
	return 0;
}
