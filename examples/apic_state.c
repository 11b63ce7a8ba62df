/* apic_state.c: VP guide "Interrupt Controller State": get/set the local APIC (State2). */
#include "example.h"

int main(void)
{
	WHV_PARTITION_HANDLE partition;
	WHV_PARTITION_PROPERTY prop;
	unsigned char buffer[1024];
	UINT32 bytes_written = 0;
	HRESULT hr;

	example_require_hypervisor();
	/* The APIC state exists only when the hypervisor emulates the APIC. */
	EXAMPLE_CHECK(WHvCreatePartition(&partition));
	memset(&prop, 0, sizeof(prop));
	prop.ProcessorCount = 1;
	EXAMPLE_CHECK(WHvSetPartitionProperty(partition, WHvPartitionPropertyCodeProcessorCount,
					      &prop, sizeof(prop)));
	memset(&prop, 0, sizeof(prop));
	prop.LocalApicEmulationMode = WHvX64LocalApicEmulationModeXApic;
	hr = WHvSetPartitionProperty(partition, WHvPartitionPropertyCodeLocalApicEmulationMode,
				     &prop, sizeof(prop));
	printf("LocalApicEmulationMode XApic: HRESULT 0x%08x\n", (unsigned int)hr);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	EXAMPLE_CHECK(WHvSetupPartition(partition));
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	/* Get APIC state: the xAPIC register page, truncated to what was written. */
	memset(buffer, 0, sizeof(buffer));
	hr = WHvGetVirtualProcessorInterruptControllerState2(partition, 0, buffer, sizeof(buffer),
							     &bytes_written);
	printf("WHvGetVirtualProcessorInterruptControllerState2: HRESULT 0x%08x, "
	       "%u bytes\n",
	       (unsigned int)hr, (unsigned int)bytes_written);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	if (bytes_written >= 0x34)
		printf("APIC ID register (offset 0x20): 0x%08x, version (0x30): 0x%08x\n",
		       (unsigned int)(buffer[0x20] | buffer[0x21] << 8 | buffer[0x22] << 16 |
				      (unsigned int)buffer[0x23] << 24),
		       (unsigned int)(buffer[0x30] | buffer[0x31] << 8 | buffer[0x32] << 16 |
				      (unsigned int)buffer[0x33] << 24));

	/* Set APIC state: write the page back unchanged. */
	hr = WHvSetVirtualProcessorInterruptControllerState2(partition, 0, buffer, bytes_written);
	printf("WHvSetVirtualProcessorInterruptControllerState2: HRESULT 0x%08x\n",
	       (unsigned int)hr);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
