/* app.c: a WHP program as a Windows developer writes it, built against an installed openwhp. */
#include <WinHvPlatform.h>
#include <stdio.h>

int main(void)
{
	WHV_CAPABILITY cap;
	UINT32 written = 0;
	HRESULT hr =
		WHvGetCapability(WHvCapabilityCodeHypervisorPresent, &cap, sizeof(cap), &written);

	if (FAILED(hr) || written != sizeof(BOOL)) {
		printf("WHvGetCapability failed: 0x%08x\n", (unsigned)hr);
		return 1;
	}
	printf("HypervisorPresent = %d\n", cap.HypervisorPresent);
	return 0;
}
