/* dontuse.h: in the WDK this header turns deprecated CRT string routines into errors.  wdmemu
 * builds drivers with a normal C library, so it deliberately adds nothing; drivers include it
 * and must keep compiling. */
#ifndef WDMEMU_DDK_DONTUSE_H
#define WDMEMU_DDK_DONTUSE_H
#endif
