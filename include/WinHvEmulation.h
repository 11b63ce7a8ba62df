/* WinHvEmulation.h: the WHP instruction emulator API (completing I/O and MMIO exits) for Linux. */
#ifndef _WINHVEMUAPI_H_
#define _WINHVEMUAPI_H_

/*
 * Microsoft's WinHvEmulation API with its names and layouts: a user-space
 * x86 instruction emulator that completes the instruction behind an
 * X64IoPortAccess or MemoryAccess exit. It reaches the guest only through
 * the caller's callbacks, so it needs no hypervisor support; on Linux it is
 * part of libopenwhp.
 */

#include "WinHvPlatformDefs.h"

#ifndef OPENWHP_API
#if defined(__GNUC__)
#define OPENWHP_API __attribute__((visibility("default")))
#else
#define OPENWHP_API
#endif
#endif

/*
 * Outcome of WHvEmulatorTryIoEmulation / WHvEmulatorTryMmioEmulation:
 * EmulationSuccessful, or the reason it failed (the emulator itself, or
 * which callback returned a failure HRESULT).
 */
typedef union WHV_EMULATOR_STATUS {
	__extension__ struct {
		UINT32 EmulationSuccessful : 1;
		UINT32 InternalEmulationFailure : 1;
		UINT32 IoPortCallbackFailed : 1;
		UINT32 MemoryCallbackFailed : 1;
		UINT32 TranslateGvaPageCallbackFailed : 1;
		UINT32 TranslateGvaPageCallbackGpaIsNotAligned : 1;
		UINT32 GetVirtualProcessorRegistersCallbackFailed : 1;
		UINT32 SetVirtualProcessorRegistersCallbackFailed : 1;
		UINT32 InterruptCausedIntercept : 1;
		UINT32 GuestCannotBeFaulted : 1;
		UINT32 Reserved : 22;
	};
	UINT32 AsUINT32;
} WHV_EMULATOR_STATUS;

/*
 * One guest memory access for the memory callback. Direction 0 = read (the
 * callback fills Data), 1 = write (Data holds the bytes); AccessSize is in
 * bytes (1..8). Also used to fetch instruction bytes.
 */
typedef struct WHV_EMULATOR_MEMORY_ACCESS_INFO {
	WHV_GUEST_PHYSICAL_ADDRESS GpaAddress;
	UINT8 Direction;
	UINT8 AccessSize;
	UINT8 Data[8];
} WHV_EMULATOR_MEMORY_ACCESS_INFO;

/*
 * One port access for the I/O callback. Direction 0 = IN (the callback sets
 * Data), 1 = OUT; AccessSize is 1, 2 or 4 bytes.
 */
typedef struct WHV_EMULATOR_IO_ACCESS_INFO {
	UINT8 Direction;
	UINT16 Port;
	UINT16 AccessSize;
	UINT32 Data;
} WHV_EMULATOR_IO_ACCESS_INFO;

/*
 * Callbacks. Each receives the (Context) passed to the Try*Emulation call
 * that invoked it and returns S_OK, or a failure HRESULT that aborts the
 * emulation (reported in WHV_EMULATOR_STATUS).
 *
 * The register callbacks read/write VP registers, normally by calling
 * WHvGet/SetVirtualProcessorRegisters; the emulator writes back results and
 * the advanced RIP through the set callback. The translate callback maps a
 * guest virtual page to a guest physical address (normally WHvTranslateGva).
 */
typedef HRESULT(CALLBACK *WHV_EMULATOR_IO_PORT_CALLBACK)(VOID *Context,
							 WHV_EMULATOR_IO_ACCESS_INFO *IoAccess);

typedef HRESULT(CALLBACK *WHV_EMULATOR_MEMORY_CALLBACK)(
	VOID *Context, WHV_EMULATOR_MEMORY_ACCESS_INFO *MemoryAccess);

typedef HRESULT(CALLBACK *WHV_EMULATOR_GET_VIRTUAL_PROCESSOR_REGISTERS_CALLBACK)(
	VOID *Context, const WHV_REGISTER_NAME *RegisterNames, UINT32 RegisterCount,
	WHV_REGISTER_VALUE *RegisterValues);

typedef HRESULT(CALLBACK *WHV_EMULATOR_SET_VIRTUAL_PROCESSOR_REGISTERS_CALLBACK)(
	VOID *Context, const WHV_REGISTER_NAME *RegisterNames, UINT32 RegisterCount,
	const WHV_REGISTER_VALUE *RegisterValues);

typedef HRESULT(CALLBACK *WHV_EMULATOR_TRANSLATE_GVA_PAGE_CALLBACK)(
	VOID *Context, WHV_GUEST_VIRTUAL_ADDRESS Gva, WHV_TRANSLATE_GVA_FLAGS TranslateFlags,
	WHV_TRANSLATE_GVA_RESULT_CODE *TranslationResult, WHV_GUEST_PHYSICAL_ADDRESS *Gpa);

/* Callback table; Size must be sizeof(WHV_EMULATOR_CALLBACKS) (48), Reserved 0. */
typedef struct WHV_EMULATOR_CALLBACKS {
	UINT32 Size;
	UINT32 Reserved;
	WHV_EMULATOR_IO_PORT_CALLBACK WHvEmulatorIoPortCallback;
	WHV_EMULATOR_MEMORY_CALLBACK WHvEmulatorMemoryCallback;
	WHV_EMULATOR_GET_VIRTUAL_PROCESSOR_REGISTERS_CALLBACK
	WHvEmulatorGetVirtualProcessorRegisters;
	WHV_EMULATOR_SET_VIRTUAL_PROCESSOR_REGISTERS_CALLBACK
	WHvEmulatorSetVirtualProcessorRegisters;
	WHV_EMULATOR_TRANSLATE_GVA_PAGE_CALLBACK WHvEmulatorTranslateGvaPage;
} WHV_EMULATOR_CALLBACKS;

/* Opaque emulator handle. */
typedef VOID *WHV_EMULATOR_HANDLE;

#ifdef __cplusplus
extern "C" {
#endif

/*
 * WHvEmulatorCreateEmulator creates an emulator that uses (Callbacks)
 * (Size = sizeof(WHV_EMULATOR_CALLBACKS)) and returns it in (*Emulator).
 * WHvEmulatorDestroyEmulator frees it. Clients such as QEMU create one
 * emulator per virtual processor.
 */
OPENWHP_API HRESULT WINAPI WHvEmulatorCreateEmulator(const WHV_EMULATOR_CALLBACKS *Callbacks,
						     WHV_EMULATOR_HANDLE *Emulator);
OPENWHP_API HRESULT WINAPI WHvEmulatorDestroyEmulator(WHV_EMULATOR_HANDLE Emulator);

/*
 * WHvEmulatorTryIoEmulation / WHvEmulatorTryMmioEmulation complete the
 * instruction of an exit: pass the exit's VpContext and its IoPortAccess or
 * MemoryAccess member. The emulator decodes the instruction (from the exit's
 * bytes, fetching more through the translate and memory callbacks if
 * needed), performs the access through the I/O or memory callback and writes
 * destination registers and the new RIP through the set-registers callback.
 * A failure HRESULT means emulation could not start; otherwise
 * (*EmulatorReturnStatus) tells whether it succeeded.
 */
OPENWHP_API HRESULT WINAPI WHvEmulatorTryIoEmulation(
	WHV_EMULATOR_HANDLE Emulator, VOID *Context, const WHV_VP_EXIT_CONTEXT *VpContext,
	const WHV_X64_IO_PORT_ACCESS_CONTEXT *IoInstructionContext,
	WHV_EMULATOR_STATUS *EmulatorReturnStatus);
OPENWHP_API HRESULT WINAPI WHvEmulatorTryMmioEmulation(
	WHV_EMULATOR_HANDLE Emulator, VOID *Context, const WHV_VP_EXIT_CONTEXT *VpContext,
	const WHV_MEMORY_ACCESS_CONTEXT *MmioInstructionContext,
	WHV_EMULATOR_STATUS *EmulatorReturnStatus);

#ifdef __cplusplus
}
#endif

#endif /* _WINHVEMUAPI_H_ */
