/* testkit/testkit.h: state shared by the test kit's files (fixture.c owns the per-test state,
 * mock.c the mock devices).  The kit uses only wdmemu's public API and the DDK, like any test. */
#ifndef WDMEMU_TESTKIT_H
#define WDMEMU_TESTKIT_H

#include <wdmemu/wdmemu.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <wdmemu/wdmemu_test.h>

/* mock.c: called by the fixture's teardown.  Returns the number of problems it printed
 * (unexpected requests, requests still outstanding). */
int tk_mocks_finish_above(void);
int tk_mocks_finish_below(void);
void tk_mocks_free(void);

#endif /* WDMEMU_TESTKIT_H */
