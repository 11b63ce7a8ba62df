/* header_clash_same.c: a program typedefs the base types as openwhp does, without guards. */

/*
 * C11 and C++ allow a typedef to be repeated with the same type, so a program
 * that declares the usual stdint-based Windows types itself (and GUID with
 * the customary GUID_DEFINED guard, and its own S_OK/FAILED macros) can
 * include the WHP headers without any opt-out macro. Also compiled as C++.
 * Compile-only: the checks are static.
 */

#include <stdint.h>

typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef int32_t INT32;
typedef int64_t INT64;
typedef int32_t LONG;
typedef uint32_t DWORD;
typedef int BOOL;
typedef unsigned char BOOLEAN;
typedef void *HANDLE;
typedef void *PVOID;
typedef int32_t HRESULT;

#define GUID_DEFINED
typedef struct _GUID {
	uint32_t Data1;
	uint16_t Data2;
	uint16_t Data3;
	uint8_t Data4[8];
} GUID;

#define S_OK	   ((HRESULT)0)
#define FAILED(hr) ((HRESULT)(hr) < 0)
#define WINAPI

#include <WinHvPlatform.h>
#include <WinHvEmulation.h>

#ifdef __cplusplus
#define CLASH_STATIC_ASSERT static_assert
#else
#define CLASH_STATIC_ASSERT _Static_assert
#endif

CLASH_STATIC_ASSERT(sizeof(WHV_RUN_VP_EXIT_CONTEXT) == 224, "exit context size");
CLASH_STATIC_ASSERT(FAILED(WHV_E_GPA_RANGE_NOT_FOUND) && !FAILED(S_OK), "HRESULT codes");

/* Declarations keep their types (a mismatch would be a redeclaration error). */
typedef HRESULT map_fn(WHV_PARTITION_HANDLE Partition, VOID *SourceAddress,
		       WHV_GUEST_PHYSICAL_ADDRESS GuestAddress, UINT64 SizeInBytes,
		       WHV_MAP_GPA_RANGE_FLAGS Flags);
map_fn WHvMapGpaRange;
