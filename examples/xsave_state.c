/* xsave_state.c: VP guide "XSAVE State": WHvGetVirtualProcessorXsaveState. */
#include "example.h"

int main(void)
{
	WHV_PARTITION_HANDLE partition;
	static unsigned char buffer[8192];
	UINT32 bytes_written = 0;
	HRESULT hr;

	example_require_hypervisor();
	partition = example_create_partition(1);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	hr = WHvGetVirtualProcessorXsaveState(partition, 0, buffer, sizeof(buffer), &bytes_written);
	printf("WHvGetVirtualProcessorXsaveState: HRESULT 0x%08x, %u bytes\n", (unsigned int)hr,
	       (unsigned int)bytes_written);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	/* Legacy FXSAVE region: FCW at offset 0, MXCSR at 24 (Intel SDM vol. 1, 10.5.1). */
	if (bytes_written >= 28)
		printf("FCW 0x%04x, MXCSR 0x%08x\n", (unsigned int)(buffer[0] | buffer[1] << 8),
		       (unsigned int)(buffer[24] | buffer[25] << 8 | buffer[26] << 16 |
				      (unsigned int)buffer[27] << 24));
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
