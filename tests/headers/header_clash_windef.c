/* header_clash_windef.c: a program with its own Windows base types includes the WHP headers. */

/*
 * Programs ported from Windows often bring a small windows.h substitute. It
 * defines the Windows header guards (here _WINDEF_ and _WINNT_, or
 * OPENWHP_NO_BASE_TYPES when CLASH_OPT_OUT is defined) and base types that
 * differ from openwhp's choices (UINT64 as unsigned long long, HRESULT via
 * LONG) plus some of the same macros. WinHvPlatformDefs.h must then use the
 * program's types, skip its own definitions, and keep every layout.
 * Compile-only: the checks are static.
 */

#ifdef CLASH_OPT_OUT
#define OPENWHP_NO_BASE_TYPES
#else
#define _WINDEF_
#define _WINNT_
#endif

typedef unsigned char UINT8;
typedef unsigned short UINT16;
typedef unsigned int UINT32;
typedef unsigned long long UINT64;
typedef signed char INT8;
typedef short INT16;
typedef int INT32;
typedef long long INT64;
typedef unsigned short USHORT;
typedef int LONG;
typedef unsigned int DWORD;
typedef int BOOL;
typedef unsigned char BOOLEAN;
typedef void *PVOID;
typedef void *HANDLE;
typedef unsigned short WCHAR;
typedef LONG HRESULT;
#define _HRESULT_DEFINED

typedef struct _LUID {
	DWORD LowPart;
	LONG HighPart;
} LUID;

#define GUID_DEFINED
typedef struct _GUID {
	unsigned int Data1;
	unsigned short Data2;
	unsigned short Data3;
	unsigned char Data4[8];
} GUID;

typedef enum _DEVICE_POWER_STATE {
	PowerDeviceUnspecified,
	PowerDeviceD0,
	PowerDeviceD1,
	PowerDeviceD2,
	PowerDeviceD3,
	PowerDeviceMaximum
} DEVICE_POWER_STATE;

#define VOID void
#define WINAPI
#define CALLBACK
#define S_OK	      ((HRESULT)0L)
#define E_INVALIDARG  ((HRESULT)0x80070057L)
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr)    (((HRESULT)(hr)) < 0)

#include <WinHvPlatform.h>
#include <WinHvEmulation.h>

#include <stddef.h>

_Static_assert(sizeof(WHV_RUN_VP_EXIT_CONTEXT) == 224, "exit context size");
_Static_assert(_Alignof(WHV_RUN_VP_EXIT_CONTEXT) == 16, "exit context alignment");
_Static_assert(offsetof(WHV_RUN_VP_EXIT_CONTEXT, MemoryAccess) == 48, "exit union offset");
_Static_assert(sizeof(WHV_REGISTER_VALUE) == 16, "register value size");
_Static_assert(sizeof(WHV_SRIOV_RESOURCE_DESCRIPTOR) == 412, "uses the program's WCHAR/LUID");
_Static_assert(sizeof(WHV_EMULATOR_CALLBACKS) == 48, "emulator callbacks size");
_Static_assert(WHV_E_INVALID_PARTITION_CONFIG == (HRESULT)0x80370304L, "WHV_E_* added");
_Static_assert(E_POINTER == (HRESULT)0x80004003L, "missing generic codes added");

/*
 * The program's own HRESULT and openwhp's declarations agree: redeclaring a
 * function through a typedef of the expected type is an error if they do not.
 */
typedef HRESULT create_partition_fn(WHV_PARTITION_HANDLE *Partition);
create_partition_fn WHvCreatePartition;
typedef HRESULT run_vp_fn(WHV_PARTITION_HANDLE Partition, UINT32 VpIndex, VOID *ExitContext,
			  UINT32 ExitContextSizeInBytes);
run_vp_fn WHvRunVirtualProcessor;
