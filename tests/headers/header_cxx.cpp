/* header_cxx.cpp: the public headers as strict C++, with working flag-enum operators. */

/*
 * Built as C++11, C++17 and C++20 with -Wall -Wextra -pedantic -Werror.
 * Windows' SDK gives flag enums |, &, ^, ~ and the compound forms
 * (DEFINE_ENUM_FLAG_OPERATORS); C++ code written against it, such as
 * "WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite" passed where a
 * WHV_MAP_GPA_RANGE_FLAGS is expected, must compile here too.
 */

#include <WinHvPlatform.h>
#include <WinHvEmulation.h>
#include <winhvplatform.h>
#include <winhvplatformdefs.h>
#include <winhvemulation.h>
#include <openwhp.h>

#include <cstdio>

static_assert(sizeof(WHV_RUN_VP_EXIT_CONTEXT) == 224, "exit context size");
static_assert(alignof(WHV_RUN_VP_EXIT_CONTEXT) == 16, "exit context alignment");
static_assert(offsetof(WHV_RUN_VP_EXIT_CONTEXT, IoPortAccess) == 48, "exit union offset");
static_assert(sizeof(WHV_REGISTER_VALUE) == 16 && alignof(WHV_REGISTER_VALUE) == 16,
	      "register value layout");
static_assert(sizeof(WHV_X64_IO_PORT_ACCESS_CONTEXT) == 96, "I/O context size");
static_assert(sizeof(WHV_EMULATOR_CALLBACKS) == 48, "emulator callbacks size");
static_assert(sizeof(WHV_MAP_GPA_RANGE_FLAGS) == 4 && sizeof(WHV_REGISTER_NAME) == 4,
	      "enum sizes");
static_assert(static_cast<UINT32>(WHvRegisterPendingEvent3) == 0x80000008u,
	      "high register names");

static int failures;

static void check(const char *what, unsigned long long got, unsigned long long want)
{
	if (got != want) {
		failures++;
		std::printf("FAIL %s: got 0x%llx, expected 0x%llx\n", what, got, want);
	}
}

/* A function taking the enum type, as WHvMapGpaRange does. */
static unsigned int take_map_flags(WHV_MAP_GPA_RANGE_FLAGS flags)
{
	return static_cast<unsigned int>(flags);
}

int main()
{
	WHV_MAP_GPA_RANGE_FLAGS f = WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagWrite;

	check("Read | Write", static_cast<unsigned int>(f), 0x3);
	f |= WHvMapGpaRangeFlagExecute;
	check("|= Execute", static_cast<unsigned int>(f), 0x7);
	f &= ~WHvMapGpaRangeFlagWrite;
	check("&= ~Write", static_cast<unsigned int>(f), 0x5);
	check("& Read", static_cast<unsigned int>(f & WHvMapGpaRangeFlagRead), 0x1);
	f ^= WHvMapGpaRangeFlagRead;
	check("^= Read", static_cast<unsigned int>(f), 0x4);
	check("pass to function",
	      take_map_flags(WHvMapGpaRangeFlagRead | WHvMapGpaRangeFlagTrackDirtyPages), 0x9);

	WHV_TRANSLATE_GVA_FLAGS t = WHvTranslateGvaFlagValidateRead |
				    WHvTranslateGvaFlagValidateWrite |
				    WHvTranslateGvaFlagEnforceSmap;
	check("translate flags", static_cast<unsigned int>(t), 0x103);

	WHV_X64_CPUID_RESULT2_FLAGS c = WHvX64CpuidResult2FlagSubleafSpecific |
					WHvX64CpuidResult2FlagVpSpecific;
	check("cpuid result2 flags", static_cast<unsigned int>(c), 0x3);

	WHV_CREATE_VPCI_DEVICE_FLAGS v = WHvCreateVpciDeviceFlagPhysicallyBacked |
					 WHvCreateVpciDeviceFlagUseLogicalInterrupts;
	check("vpci device flags", static_cast<unsigned int>(v), 0x3);
	WHV_VPCI_MMIO_RANGE_FLAGS m = WHvVpciMmioRangeFlagReadAccess |
				      WHvVpciMmioRangeFlagWriteAccess;
	check("vpci mmio flags", static_cast<unsigned int>(m), 0x3);
	WHV_ALLOCATE_VPCI_RESOURCE_FLAGS a = WHvAllocateVpciResourceFlagNone |
					     WHvAllocateVpciResourceFlagAllowDirectP2P;
	check("vpci resource flags", static_cast<unsigned int>(a), 0x1);
	WHV_VPCI_INTERRUPT_TARGET_FLAGS i = WHvVpciInterruptTargetFlagNone |
					    WHvVpciInterruptTargetFlagMulticast;
	check("vpci interrupt target flags", static_cast<unsigned int>(i), 0x1);

	/* Anonymous members are reachable as in C. */
	WHV_RUN_VP_EXIT_CONTEXT exit_ctx = {};
	exit_ctx.IoPortAccess.AccessInfo.AccessSize = 2;
	check("IoPortAccess.AccessInfo.AsUINT32", exit_ctx.IoPortAccess.AccessInfo.AsUINT32, 0x4);
	WHV_REGISTER_VALUE reg = {};
	reg.Segment.Long = 1;
	check("Segment.Attributes", reg.Segment.Attributes, 0x2000);

	check("FAILED(WHV_E_UNKNOWN_PROPERTY)", FAILED(WHV_E_UNKNOWN_PROPERTY), 1);

	std::printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
