/* cpuid_output.c: VP guide "CPUID Customization": what CPUID leaf 0 returns to the guest. */
#include "example.h"

int main(void)
{
	WHV_PARTITION_HANDLE partition;
	WHV_CPUID_OUTPUT out;
	char vendor[13];
	HRESULT hr;

	example_require_hypervisor();
	partition = example_create_partition(1);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));

	memset(&out, 0, sizeof(out));
	hr = WHvGetVirtualProcessorCpuidOutput(partition, 0, 0, 0, &out);
	printf("WHvGetVirtualProcessorCpuidOutput(0, 0): HRESULT 0x%08x\n", (unsigned int)hr);
	if (FAILED(hr)) {
		printf("  %s\n", openwhp_last_error());
		return 1;
	}
	/* Leaf 0: EAX = highest leaf, EBX:EDX:ECX = vendor string. */
	memcpy(vendor, &out.Ebx, 4);
	memcpy(vendor + 4, &out.Edx, 4);
	memcpy(vendor + 8, &out.Ecx, 4);
	vendor[12] = '\0';
	printf("EAX 0x%08x EBX 0x%08x ECX 0x%08x EDX 0x%08x: max leaf 0x%x, vendor \"%s\"\n",
	       (unsigned int)out.Eax, (unsigned int)out.Ebx, (unsigned int)out.Ecx,
	       (unsigned int)out.Edx, (unsigned int)out.Eax, vendor);
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	return 0;
}
