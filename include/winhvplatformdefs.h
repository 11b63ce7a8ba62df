/* winhvplatformdefs.h: lowercase spelling (as in mingw-w64) of WinHvPlatformDefs.h. */
#include "WinHvPlatformDefs.h"
