/* vp_state.c: VP guide "VP State Management": WHvGet/SetVirtualProcessorState (XSAVE). */
#include "example.h"

int main(void)
{
	WHV_PARTITION_HANDLE partition;
	unsigned char buffer[4096];
	UINT32 bytes_written = 0;
	HRESULT hr;

	example_require_hypervisor();
	partition = example_create_partition(1);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	/* Get VP state: the buffer is truncated to what was written. */
	memset(buffer, 0, sizeof(buffer));
	hr = WHvGetVirtualProcessorState(partition, 0, WHvVirtualProcessorStateTypeXsaveState,
					 buffer, sizeof(buffer), &bytes_written);
	printf("WHvGetVirtualProcessorState(XsaveState): HRESULT 0x%08x, %u bytes\n",
	       (unsigned int)hr, (unsigned int)bytes_written);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}

	/* Set VP state: write the same bytes back (the exact size is required). */
	hr = WHvSetVirtualProcessorState(partition, 0, WHvVirtualProcessorStateTypeXsaveState,
					 buffer, bytes_written);
	printf("WHvSetVirtualProcessorState(XsaveState): HRESULT 0x%08x\n", (unsigned int)hr);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
