/* tools/script.h: wdmemu-run's request scripts (docs/scripts.md). */
#ifndef WDMEMU_TOOLS_SCRIPT_H
#define WDMEMU_TOOLS_SCRIPT_H

#include <stdio.h>

/* Runs the script read from in (file names it in messages) against the loaded drivers; prints
 * each command and its result; returns the number of failed expectations and errors. */
int script_run(FILE *in, const char *file);

#endif /* WDMEMU_TOOLS_SCRIPT_H */
