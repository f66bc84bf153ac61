/* wdmemu DDK: specstrings.h - the header older drivers include for annotations.
 * It owns no names of its own: it simply brings in sal.h and driverspecs.h. */
#ifndef WDMEMU_DDK_SPECSTRINGS_H
#define WDMEMU_DDK_SPECSTRINGS_H

#include "sal.h"
#include "driverspecs.h"

#endif /* WDMEMU_DDK_SPECSTRINGS_H */
