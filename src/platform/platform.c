/* platform/platform.c: operating-system specifics that libuv does not already cover. */
#include "platform/platform.h"

#include <stdlib.h>

const char *plat_getenv(const char *name)
{
    const char *value = getenv(name);
    return (value != NULL && value[0] != '\0') ? value : NULL;
}
