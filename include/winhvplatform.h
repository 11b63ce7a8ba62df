/* winhvplatform.h: lowercase spelling (as in mingw-w64) of WinHvPlatform.h. */
#include "WinHvPlatform.h"
