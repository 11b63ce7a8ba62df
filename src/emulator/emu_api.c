/* emu_api.c: the four WHvEmulator* functions and the emulator handle registry. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "emu.h"

/*
 * The registry of live emulators. A handle is not the object's address but
 * a serial number that is never reused, so a NULL, stale or invented handle
 * gets E_INVALIDARG instead of a crash, even when a new emulator happens to
 * be allocated where a destroyed one was. A call holds a reference; a
 * destroy while calls are running (another thread, or a callback destroying
 * its own emulator) unregisters at once and the last call frees.
 */
struct emu_slot {
	uintptr_t serial;
	struct emulator *em;
};

static pthread_mutex_t emu_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_slot *emu_registry;
static size_t emu_registry_count, emu_registry_cap;
static uintptr_t emu_serial;

static size_t emu_registry_find(const void *handle)
{
	size_t i;

	for (i = 0; i < emu_registry_count; i++)
		if (emu_registry[i].serial == (uintptr_t)handle)
			return i;
	return SIZE_MAX;
}

static int emu_registry_add(struct emulator *em, WHV_EMULATOR_HANDLE *handle)
{
	int rc = 0;

	pthread_mutex_lock(&emu_registry_lock);
	if (emu_registry_count == emu_registry_cap) {
		size_t cap = emu_registry_cap ? emu_registry_cap * 2 : 16;
		struct emu_slot *n = realloc(emu_registry, cap * sizeof(*n));

		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		emu_registry = n;
		emu_registry_cap = cap;
	}
	/* odd serials from a high base: never NULL, never a plausible heap address */
	emu_serial += 2;
	emu_registry[emu_registry_count].serial = ((uintptr_t)0x3E5 << 20) + 1 + emu_serial;
	emu_registry[emu_registry_count].em = em;
	*handle = (WHV_EMULATOR_HANDLE)emu_registry[emu_registry_count].serial;
	emu_registry_count++;
out:
	pthread_mutex_unlock(&emu_registry_lock);
	return rc;
}

static struct emulator *emu_get(WHV_EMULATOR_HANDLE handle)
{
	struct emulator *em = NULL;
	size_t i;

	pthread_mutex_lock(&emu_registry_lock);
	i = emu_registry_find(handle);
	if (i != SIZE_MAX) {
		em = emu_registry[i].em;
		em->refs++;
	}
	pthread_mutex_unlock(&emu_registry_lock);
	if (!em)
		(void)err_set(OE_HANDLE, "not a live emulator handle: %p", handle);
	return em;
}

static void emu_put(struct emulator *em)
{
	bool free_it;

	pthread_mutex_lock(&emu_registry_lock);
	free_it = --em->refs == 0 && em->dead;
	pthread_mutex_unlock(&emu_registry_lock);
	if (free_it)
		free(em);
}

OPENWHP_API HRESULT WINAPI WHvEmulatorCreateEmulator(const WHV_EMULATOR_CALLBACKS *Callbacks,
						     WHV_EMULATOR_HANDLE *Emulator)
{
	struct emulator *em;
	int rc;

	err_clear();
	if (!Callbacks || !Emulator)
		return api_return(err_set(-EINVAL, "Callbacks and Emulator must not be NULL"));
	/* The table's Size and Reserved fields (WHV_EMULATOR_CALLBACKS, whp-reference §4.7). */
	if (Callbacks->Size != sizeof(WHV_EMULATOR_CALLBACKS) || Callbacks->Reserved != 0)
		return api_return(err_set(-EINVAL,
					  "WHV_EMULATOR_CALLBACKS.Size %u (must be %zu) or "
					  "Reserved %u (must be 0)",
					  Callbacks->Size, sizeof(WHV_EMULATOR_CALLBACKS),
					  Callbacks->Reserved));
	if (!Callbacks->WHvEmulatorIoPortCallback || !Callbacks->WHvEmulatorMemoryCallback ||
	    !Callbacks->WHvEmulatorGetVirtualProcessorRegisters ||
	    !Callbacks->WHvEmulatorSetVirtualProcessorRegisters ||
	    !Callbacks->WHvEmulatorTranslateGvaPage)
		return api_return(
			err_set(-EINVAL, "every WHV_EMULATOR_CALLBACKS callback is needed"));
	em = calloc(1, sizeof(*em));
	if (!em)
		return api_return(err_set(-ENOMEM, "out of memory"));
	em->cb = *Callbacks;
	atomic_flag_clear(&em->cache_busy);
	if (ZYAN_FAILED(ZydisDecoderInit(&em->dec16, ZYDIS_MACHINE_MODE_LEGACY_16,
					 ZYDIS_STACK_WIDTH_16)) ||
	    ZYAN_FAILED(ZydisDecoderInit(&em->dec32, ZYDIS_MACHINE_MODE_LEGACY_32,
					 ZYDIS_STACK_WIDTH_32)) ||
	    ZYAN_FAILED(ZydisDecoderInit(&em->dec64, ZYDIS_MACHINE_MODE_LONG_64,
					 ZYDIS_STACK_WIDTH_64))) {
		free(em);
		return api_return(err_set(-EIO, "instruction decoder initialisation failed"));
	}
	rc = emu_registry_add(em, Emulator);
	if (rc) {
		free(em);
		return api_return(err_set(rc, "out of memory"));
	}
	return S_OK;
}

OPENWHP_API HRESULT WINAPI WHvEmulatorDestroyEmulator(WHV_EMULATOR_HANDLE Emulator)
{
	struct emulator *em = NULL;
	bool free_it = false;
	size_t i;

	err_clear();
	pthread_mutex_lock(&emu_registry_lock);
	i = emu_registry_find(Emulator);
	if (i != SIZE_MAX) {
		em = emu_registry[i].em;
		emu_registry[i] = emu_registry[--emu_registry_count];
		em->dead = true;
		free_it = em->refs == 0;
	}
	pthread_mutex_unlock(&emu_registry_lock);
	if (!em)
		return api_return(err_set(OE_HANDLE, "not a live emulator handle: %p", Emulator));
	if (free_it)
		free(em);
	return S_OK;
}

/*
 * A call that ran: (*status) tells how it ended, and the HRESULT is S_OK
 * (WHvEmulatorTryIoEmulation documentation: failures of the emulation are
 * reported in the status, not the HRESULT).
 */
static HRESULT emu_end(struct emu *e, int rc, WHV_EMULATOR_STATUS *status)
{
	*status = emu_finish(e, rc);
	if (rc)
		(void)err_set(0, "emulation failed: status 0x%x (%s)", status->AsUINT32,
			      rc == EMU_E_CALLBACK ? "a callback failed"
			      : rc == EMU_E_FAULT  ? "the instruction would fault"
						   : "instruction not supported");
	return S_OK;
}

/* Registers every string instruction uses besides its decoded operands. */
#define EMU_STRING_REGS \
	(EMU_R_GPR(GPR_AX) | EMU_R_GPR(GPR_CX) | EMU_R_GPR(GPR_SI) | EMU_R_GPR(GPR_DI))

OPENWHP_API HRESULT WINAPI WHvEmulatorTryIoEmulation(
	WHV_EMULATOR_HANDLE Emulator, VOID *Context, const WHV_VP_EXIT_CONTEXT *VpContext,
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *IoInstructionContext,
	WHV_EMULATOR_STATUS *EmulatorReturnStatus)
{
	struct emulator *em;
	struct emu e;
	HRESULT hr;
	int rc;

	err_clear();
	if (!VpContext || !IoInstructionContext || !EmulatorReturnStatus)
		return api_return(err_set(-EINVAL, "NULL context or status pointer"));
	em = emu_get(Emulator);
	if (!em)
		return api_return(OE_HANDLE);
	emu_begin(&e, em, Context, VpContext);
	if (VpContext->ExecutionState.InterruptionPending) {
		/* The exit came while an event was being delivered: not an instruction to redo. */
		e.status.InterruptCausedIntercept = 1;
		rc = EMU_E_CALLBACK;
		goto out;
	}
	rc = emu_decode(&e, IoInstructionContext->InstructionBytes,
			IoInstructionContext->InstructionByteCount);
	if (!rc)
		rc = emu_load_needed(&e, EMU_R_GPR(GPR_AX) | EMU_R_GPR(GPR_DX) |
						 (emu_string_elem(&e) ? EMU_STRING_REGS : 0));
	if (!rc)
		rc = emu_exec_io(&e);
	if (!rc)
		rc = emu_commit(&e);
out:
	hr = emu_end(&e, rc, EmulatorReturnStatus);
	emu_put(em);
	return hr;
}

OPENWHP_API HRESULT WINAPI WHvEmulatorTryMmioEmulation(
	WHV_EMULATOR_HANDLE Emulator, VOID *Context, const WHV_VP_EXIT_CONTEXT *VpContext,
	const WHV_MEMORY_ACCESS_CONTEXT *MmioInstructionContext,
	WHV_EMULATOR_STATUS *EmulatorReturnStatus)
{
	struct emulator *em;
	struct emu e;
	HRESULT hr;
	int rc;

	err_clear();
	if (!VpContext || !MmioInstructionContext || !EmulatorReturnStatus)
		return api_return(err_set(-EINVAL, "NULL context or status pointer"));
	em = emu_get(Emulator);
	if (!em)
		return api_return(OE_HANDLE);
	emu_begin(&e, em, Context, VpContext);
	if (VpContext->ExecutionState.InterruptionPending) {
		e.status.InterruptCausedIntercept = 1;
		rc = EMU_E_CALLBACK;
		goto out;
	}
	/*
	 * The exit's GPA belongs to the instruction's memory operand (for a read
	 * or a write; an execute access is the instruction fetch itself).
	 */
	if (MmioInstructionContext->AccessInfo.AccessType != WHvMemoryAccessExecute) {
		e.hint = true;
		e.hint_gpa = MmioInstructionContext->Gpa;
	}
	rc = emu_decode(&e, MmioInstructionContext->InstructionBytes,
			MmioInstructionContext->InstructionByteCount);
	if (!rc)
		rc = emu_load_needed(&e, emu_string_elem(&e) ? EMU_STRING_REGS : 0);
	if (!rc)
		rc = emu_exec_mmio(&e);
	if (!rc)
		rc = emu_commit(&e);
out:
	hr = emu_end(&e, rc, EmulatorReturnStatus);
	emu_put(em);
	return hr;
}
