/* initguid.h: included before headers that use DEFINE_GUID, it makes them define (not only
 * declare) their GUIDs in this translation unit. */
#ifndef INITGUID
#define INITGUID
#endif
#include "guiddef.h"
