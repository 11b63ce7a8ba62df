/* winhvemulation.h: lowercase spelling (as in mingw-w64) of WinHvEmulation.h. */
#include "WinHvEmulation.h"
