/* cancel.c: VP guide "Canceling VP Execution": another thread stops a VP that never exits. */
#include <threads.h>
#include <time.h>

#include "example.h"

#define CODE_GPA 0x1000

extern const unsigned char example_guest_spin[];
extern const unsigned int example_guest_spin_size;

static WHV_PARTITION_HANDLE partition;

/* From another thread: let the guest spin for a while, then cancel it. */
static int cancel_vp(void *arg)
{
	const struct timespec delay = { .tv_sec = 0, .tv_nsec = 200 * 1000 * 1000 };
	HRESULT hr;

	(void)arg;
	thrd_sleep(&delay, NULL);
	hr = WHvCancelRunVirtualProcessor(partition, 0, 0);
	printf("WHvCancelRunVirtualProcessor: HRESULT 0x%08x\n", (unsigned int)hr);
	return FAILED(hr) ? 1 : 0;
}

int main(void)
{
	WHV_RUN_VP_EXIT_CONTEXT exit_ctx;
	unsigned char *ram;
	thrd_t canceler;
	int canceler_result = 1;

	example_require_hypervisor();
	partition = example_create_partition(1);
	ram = example_map_ram(partition, 0, 0x10000);
	memcpy(ram + CODE_GPA, example_guest_spin, example_guest_spin_size);
	EXAMPLE_CHECK(WHvCreateVirtualProcessor(partition, 0, 0));
	example_set_real_mode_cs(partition, 0, CODE_GPA);

	if (thrd_create(&canceler, cancel_vp, NULL) != thrd_success) {
		fprintf(stderr, "cannot start the cancel thread\n");
		return 1;
	}
	memset(&exit_ctx, 0, sizeof(exit_ctx));
	EXAMPLE_CHECK(WHvRunVirtualProcessor(partition, 0, &exit_ctx, sizeof(exit_ctx)));
	thrd_join(canceler, &canceler_result);

	printf("run returned: exit reason 0x%x, RIP 0x%llx\n", (unsigned int)exit_ctx.ExitReason,
	       (unsigned long long)exit_ctx.VpContext.Rip);
	if (canceler_result != 0 || exit_ctx.ExitReason != WHvRunVpExitReasonCanceled) {
		fprintf(stderr, "expected WHvRunVpExitReasonCanceled (0x%x)\n",
			(unsigned int)WHvRunVpExitReasonCanceled);
		return 1;
	}
	/* Canceled is a clean stop: the guest was inside its loop. */
	if (exit_ctx.VpContext.Rip != CODE_GPA) {
		fprintf(stderr, "RIP is outside the guest's loop\n");
		return 1;
	}
	printf("VP canceled while spinning (cancel reason %u)\n",
	       (unsigned int)exit_ctx.CancelReason.CancelReason);
	EXAMPLE_CHECK(WHvDeleteVirtualProcessor(partition, 0));
	EXAMPLE_CHECK(WHvDeletePartition(partition));
	free(ram);
	return 0;
}
