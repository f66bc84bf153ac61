/* core/lifetime.c: wdmemu_init and wdmemu_shutdown: bringing the emulated kernel up (object
 * namespace, I/O manager) and tearing it down so the next test starts from nothing. */
#include "cm/cm.h"
#include "core/event.h"
#include "trace/trace.h"
#include "core/report.h"
#include "ex/ex.h"
#include "io/io.h"
#include "ke/ke.h"
#include "ob/ob.h"

static plat_mutex lifetime_lock;
static plat_once_flag lifetime_once = PLAT_ONCE_INIT;
static BOOLEAN lifetime_up;

static void lifetime_lock_init(void)
{
    plat_mutex_init_recursive(&lifetime_lock);
}

WDMEMU_API NTSTATUS wdmemu_init(void)
{
    plat_once(&lifetime_once, lifetime_lock_init);
    plat_mutex_lock(&lifetime_lock);
    if (!lifetime_up) {
        ob_init();
        io_init();
        ke_init();
        lifetime_up = TRUE;
        trace_init();
    }
    plat_mutex_unlock(&lifetime_lock);
    return STATUS_SUCCESS;
}

WDMEMU_API void wdmemu_shutdown(void)
{
    plat_once(&lifetime_once, lifetime_lock_init);
    plat_mutex_lock(&lifetime_lock);
    if (lifetime_up) {
        ke_threads_shutdown();
        io_shutdown();
        ob_handles_shutdown();
        ke_threads_forget();
        ob_shutdown();
        cm_shutdown();
        ex_work_shutdown();
        ex_pool_shutdown();
        ke_shutdown();
        lifetime_up = FALSE;
    }
    trace_shutdown();
    ev_unsubscribe_all();
    rp_reset();
    rp_reset_policies();
    plat_mutex_unlock(&lifetime_lock);
}
