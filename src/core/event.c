/* core/event.c: subscription table and delivery for the engine event stream. */
#include "core/event.h"
#include "ke/ke.h"
#include "platform/atomic.h"

#include <string.h>

#define EV_MAX_OBSERVERS 16

typedef struct ev_slot {
    ev_observer fn;
    void *context;
} ev_slot;

volatile int ev_observers_active;
static ev_slot ev_slots[EV_MAX_OBSERVERS];
static int ev_slots_used; /* slots at and above this one are free */
static uint64_t ev_next_seq;

/* The stream's lock: recursive (an observer may emit, or call back into the tracer), and a
 * spin lock underneath, since it is taken for every event and held only while the observers
 * record it (a spinning thread yields now and then).  While ke_runs_alone() says only the
 * calling thread can be running (deterministic mode), delivery does without it: the lock's
 * exchange was a large part of a traced request's cost.  (So in deterministic mode a host
 * thread the scheduler does not know must not read the trace while requests run: any other
 * wdmemu call from it is reported as DETERMINISTIC_FOREIGN_THREAD, which ends that mode.) */
static plat_rspinlock ev_lock;

/* TRUE if the lock was taken (and must be released). */
static inline BOOLEAN ev_lock_acquire(void)
{
    if (PLAT_LIKELY(ke_runs_alone()))
        return FALSE;
    plat_rspin_lock(&ev_lock);
    return TRUE;
}

static inline void ev_lock_release(BOOLEAN taken)
{
    if (taken)
        plat_rspin_unlock(&ev_lock);
}

void ev_stream_lock(void)
{
    plat_rspin_lock(&ev_lock);
}

void ev_stream_unlock(void)
{
    plat_rspin_unlock(&ev_lock);
}

int ev_subscribe(ev_observer fn, void *context)
{
    int id = -1;
    ev_stream_lock();
    for (int i = 0; i < EV_MAX_OBSERVERS; i++) {
        if (ev_slots[i].fn == NULL) {
            ev_slots[i].fn = fn;
            ev_slots[i].context = context;
            ev_observers_active++;
            if (i >= ev_slots_used)
                ev_slots_used = i + 1;
            id = i;
            break;
        }
    }
    ev_stream_unlock();
    return id;
}

void ev_unsubscribe(int id)
{
    if (id < 0 || id >= EV_MAX_OBSERVERS)
        return;
    ev_stream_lock();
    if (ev_slots[id].fn != NULL) {
        ev_slots[id].fn = NULL;
        ev_slots[id].context = NULL;
        ev_observers_active--;
    }
    ev_stream_unlock();
}

void ev_unsubscribe_all(void)
{
    ev_stream_lock();
    memset(ev_slots, 0, sizeof(ev_slots));
    ev_observers_active = 0;
    ev_slots_used = 0;
    ev_next_seq = 0;
    ev_stream_unlock();
}

void ev_deliver(ev_record *record)
{
    /* The common case, one observer (the tracer) and one thread running: a tail call. */
    if (PLAT_LIKELY(ev_slots_used == 1 && ke_runs_alone() && ev_slots[0].fn != NULL)) {
        record->seq = ev_next_seq++;
        ev_slots[0].fn(record, ev_slots[0].context);
        return;
    }
    BOOLEAN taken = ev_lock_acquire();
    record->seq = ev_next_seq++;
    for (int i = 0; i < ev_slots_used; i++) {
        if (ev_slots[i].fn != NULL)
            ev_slots[i].fn(record, ev_slots[i].context);
    }
    ev_lock_release(taken);
}
