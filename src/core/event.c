/* core/event.c: subscription table and delivery for the engine event stream. */
#include "core/event.h"

#include <string.h>

#define EV_MAX_OBSERVERS 16

typedef struct ev_slot {
    ev_observer fn;
    void *context;
} ev_slot;

volatile int ev_observers_active;
static ev_slot ev_slots[EV_MAX_OBSERVERS];
static uint64_t ev_next_seq;
static plat_mutex ev_lock;
static plat_once_flag ev_once = PLAT_ONCE_INIT;

static void ev_init(void)
{
    plat_mutex_init_recursive(&ev_lock);
}

int ev_subscribe(ev_observer fn, void *context)
{
    int id = -1;
    plat_once(&ev_once, ev_init);
    plat_mutex_lock(&ev_lock);
    for (int i = 0; i < EV_MAX_OBSERVERS; i++) {
        if (ev_slots[i].fn == NULL) {
            ev_slots[i].fn = fn;
            ev_slots[i].context = context;
            ev_observers_active++;
            id = i;
            break;
        }
    }
    plat_mutex_unlock(&ev_lock);
    return id;
}

void ev_unsubscribe(int id)
{
    if (id < 0 || id >= EV_MAX_OBSERVERS)
        return;
    plat_once(&ev_once, ev_init);
    plat_mutex_lock(&ev_lock);
    if (ev_slots[id].fn != NULL) {
        ev_slots[id].fn = NULL;
        ev_slots[id].context = NULL;
        ev_observers_active--;
    }
    plat_mutex_unlock(&ev_lock);
}

void ev_unsubscribe_all(void)
{
    plat_once(&ev_once, ev_init);
    plat_mutex_lock(&ev_lock);
    memset(ev_slots, 0, sizeof(ev_slots));
    ev_observers_active = 0;
    ev_next_seq = 0;
    plat_mutex_unlock(&ev_lock);
}

void ev_deliver(ev_record *record)
{
    plat_once(&ev_once, ev_init);
    plat_mutex_lock(&ev_lock);
    record->seq = ev_next_seq++;
    for (int i = 0; i < EV_MAX_OBSERVERS; i++) {
        if (ev_slots[i].fn != NULL)
            ev_slots[i].fn(record, ev_slots[i].context);
    }
    plat_mutex_unlock(&ev_lock);
}
