/* vp_counters.c: VP guide "VP Counters": read a VP's runtime counter set. */
#include "example.h"

int main(void)
{
	WHV_PROCESSOR_RUNTIME_COUNTERS counters;
	WHV_PARTITION_HANDLE partition;
	UINT32 bytes_written = 0;
	HRESULT hr;

	example_require_hypervisor();
	partition = example_create_partition(1);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	memset(&counters, 0, sizeof(counters));
	hr = WHvGetVirtualProcessorCounters(partition, 0, WHvProcessorCounterSetRuntime, &counters,
					    sizeof(counters), &bytes_written);
	printf("WHvGetVirtualProcessorCounters(Runtime): HRESULT 0x%08x, %u bytes\n",
	       (unsigned int)hr, (unsigned int)bytes_written);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	printf("total runtime %llu x 100 ns, hypervisor runtime %llu x 100 ns\n",
	       (unsigned long long)counters.TotalRuntime100ns,
	       (unsigned long long)counters.HypervisorRuntime100ns);
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
