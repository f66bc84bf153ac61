/* cm/cm.h: the configuration manager's part of the library lifetime, and the one service the
 * rest of the library may want from it (making sure a key exists, e.g. a driver's service key
 * before DriverEntry).  The registry itself lives in cm/registry.c. */
#ifndef WDMEMU_CM_CM_H
#define WDMEMU_CM_CM_H

#include <wdm.h>

/* Frees the whole registry: every key, every value, and the keys that were deleted while
 * handles to them were still open.  Called by wdmemu_shutdown after the object manager has
 * freed the key objects; the next registry call builds a fresh \Registry. */
void cm_shutdown(void);

/* Creates the key named by the absolute path ("\Registry\Machine\..."; length in WCHARs)
 * together with every missing key above it.  STATUS_SUCCESS if it exists afterwards. */
NTSTATUS cm_create_key_path(const WCHAR *path, size_t length);

#endif /* WDMEMU_CM_CM_H */
