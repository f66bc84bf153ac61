/* ke/sched.c: the scheduler.  Deterministic mode: one emulated processor whose "baton" passes
 * between emulated threads only at scheduling points; at each point the runnable items (queued
 * DPCs, threads whose wait can be satisfied, work items) are collected and one is drawn with a
 * seeded generator, so the same seed gives the same interleaving.  Virtual time moves only when
 * the host advances it or when every thread waits and the next timer or timeout is due; a wait
 * that can never end is reported as a deadlock.  Threaded mode: real threads, real time. */
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "ke/ke.h"

static plat_mutex ke_mutex;
static plat_once_flag ke_once = PLAT_ONCE_INIT;
static BOOLEAN ke_mode_threaded;
static uint64_t ke_seed = 1;
static uint64_t ke_rng_state = 1;
ULONGLONG ke_virtual_now; /* deterministic mode's clock (100 ns units): ke_lock, or ke_runs_alone() */
static uint64_t ke_real_base;
static ke_thread *ke_running;
static uint64_t ke_steps;
static BOOLEAN ke_stopping; /* wdmemu_shutdown: run nothing more */

extern ke_thread *ke_all_threads;
static ke_thread *ke_dpc_thread;

/* Atomic: TRUE in deterministic mode until a thread the scheduler does not know calls in.
 * Then only the thread holding the baton runs, so a counter that scheduled threads alone change
 * needs no atomic read-modify-write (ke_runs_alone). */
BOOLEAN ke_baton_exclusive;

void ke_baton_exclusive_reset(void)
{
    plat_atomic_store(&ke_baton_exclusive, (BOOLEAN)!ke_mode_threaded, PLAT_RELAXED);
}

static void ke_mutex_init(void)
{
    plat_mutex_init_recursive(&ke_mutex);
    ke_real_base = plat_hrtime();
    const char *mode = plat_getenv("WDMEMU_MODE");
    ke_mode_threaded = mode != NULL && strcmp(mode, "threaded") == 0;
    ke_baton_exclusive_reset();
    const char *seed = plat_getenv("WDMEMU_SEED");
    if (seed != NULL) {
        ke_seed = strtoull(seed, NULL, 0);
        ke_rng_state = ke_seed * 2 + 1;
    }
}

void ke_lock(void)
{
    plat_once(&ke_once, ke_mutex_init);
    plat_mutex_lock(&ke_mutex);
}

void ke_unlock(void)
{
    plat_mutex_unlock(&ke_mutex);
}

BOOLEAN ke_deterministic(void)
{
    plat_once(&ke_once, ke_mutex_init);
    return !ke_mode_threaded;
}

ULONGLONG ke_interrupt_time(void)
{
    plat_once(&ke_once, ke_mutex_init);
    if (ke_mode_threaded)
        return (plat_hrtime() - ke_real_base) / 100;
    return ke_virtual_now;
}

/* xorshift64*: small, fast and the same on every platform. */
size_t ke_random(size_t n)
{
    if (n <= 1)
        return 0;
    ke_rng_state ^= ke_rng_state >> 12;
    ke_rng_state ^= ke_rng_state << 25;
    ke_rng_state ^= ke_rng_state >> 27;
    return (size_t)((ke_rng_state * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

/* ---- candidates ----------------------------------------------------------------------------- */

/* Whether a waiting thread's wait could be satisfied now (without consuming anything). */
static BOOLEAN ke_wait_ready(ke_thread *t)
{
    switch (t->wait_kind) {
    case KE_WAIT_START:
        return TRUE;
    case KE_WAIT_OBJECTS: {
        if (t->wait_done)
            return TRUE;
        if (t->wait_has_deadline && ke_interrupt_time() >= t->wait_deadline)
            return TRUE;
        if (t->wait_count == 0)
            return FALSE;
        if (t->wait_type == WaitAny) {
            for (ULONG i = 0; i < t->wait_count; i++) {
                if (ke_object_signalled(t->wait_objects[i], t))
                    return TRUE;
            }
            return FALSE;
        }
        for (ULONG i = 0; i < t->wait_count; i++) {
            if (!ke_object_signalled(t->wait_objects[i], t))
                return FALSE;
        }
        return TRUE;
    }
    case KE_WAIT_WORK:
        return t->work != NULL;
    default:
        return FALSE;
    }
}

typedef struct ke_choice {
    enum { KE_DO_DPC, KE_DO_THREAD, KE_DO_WORK } what;
    size_t index;
    ke_thread *thread;
} ke_choice;

#define KE_MAX_CHOICES 512

static size_t ke_collect(ke_thread *self, ke_choice *choices)
{
    size_t n = 0;
    size_t dpcs = ke_dpc_count();
    for (size_t i = 0; i < dpcs && n < KE_MAX_CHOICES; i++)
        choices[n++] = (ke_choice){KE_DO_DPC, i, NULL};
    for (ke_thread *t = ke_all_threads; t != NULL && n < KE_MAX_CHOICES; t = t->next) {
        if (t == self || t->state != KE_WAITING)
            continue;
        if (t->wait_kind != KE_WAIT_IDLE && ke_wait_ready(t))
            choices[n++] = (ke_choice){KE_DO_THREAD, 0, t};
    }
    size_t work = ke_work_count();
    for (size_t i = 0; i < work && n < KE_MAX_CHOICES; i++)
        choices[n++] = (ke_choice){KE_DO_WORK, i, NULL};
    return n;
}

/* Hands the baton to next and, unless self is leaving for good, waits for it to come back. */
static void ke_switch(ke_thread *self, ke_thread *next, BOOLEAN leaving)
{
    ke_running = next;
    plat_cond_signal(&next->cv);
    if (leaving)
        return;
    while (ke_running != self)
        plat_cond_wait(&self->cv, &ke_mutex);
}

static void ke_describe_wait(ke_thread *t, char *buffer, size_t size)
{
    size_t used = (size_t)snprintf(buffer, size, "thread %u (%s%s%s) in %s on", (unsigned)t->id,
                                   t->kind == KE_THREAD_HOST ? "host" : t->kind == KE_THREAD_SYSTEM ? "system" : "worker",
                                   t->driver != NULL ? ", " : "",
                                   t->driver != NULL ? "driver code" : "", t->wait_what ? t->wait_what : "a wait");
    for (ULONG i = 0; i < t->wait_count && used < size; i++)
        used += (size_t)snprintf(buffer + used, size - used, " %s %p", ke_object_kind(t->wait_objects[i]),
                                 t->wait_objects[i]);
    if (t->wait_count == 0 && used < size)
        snprintf(buffer + used, size - used, " nothing");
}

/* Nothing can run.  Time jumps to the next timer or timeout if there is one; otherwise the
 * threads are deadlocked: report it and end the host's wait with STATUS_POSSIBLE_DEADLOCK. */
static ke_thread *ke_nothing_runnable(ke_thread *self)
{
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->state == KE_WAITING && t->wait_kind == KE_WAIT_IDLE)
            return t; /* the host asked to run until idle: this is idle */
    }
    ULONGLONG next = 0;
    BOOLEAN have = ke_timer_next_due(&next);
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if ((t->state == KE_WAITING || t == self) && t->wait_kind == KE_WAIT_OBJECTS && t->wait_has_deadline &&
            (!have || t->wait_deadline < next)) {
            next = t->wait_deadline;
            have = TRUE;
        }
    }
    if (have) {
        if (next > ke_virtual_now)
            ke_virtual_now = next;
        ke_timers_fire_due();
        return NULL; /* look again */
    }
    char text[2048];
    size_t used = (size_t)snprintf(text, sizeof(text), "deadlock: no thread can run, no timer is armed:");
    ke_thread *victim = NULL;
    for (ke_thread *t = ke_all_threads; t != NULL && used < sizeof(text); t = t->next) {
        if ((t->state == KE_WAITING || t == self) && t->wait_kind == KE_WAIT_OBJECTS) {
            char one[512];
            ke_describe_wait(t, one, sizeof(one));
            used += (size_t)snprintf(text + used, sizeof(text) - used, " %s;", one);
            if (t->kind == KE_THREAD_HOST || victim == NULL)
                victim = t;
        }
    }
    if (victim == NULL)
        victim = self;
    rp_finding("DEADLOCK", STATUS_POSSIBLE_DEADLOCK, NULL, NULL, "%s the wait of thread %u ends with "
               "STATUS_POSSIBLE_DEADLOCK", text, (unsigned)victim->id);
    victim->wait_done = TRUE;
    victim->wait_status = STATUS_POSSIBLE_DEADLOCK;
    return victim;
}

/* Performs one scheduling decision for self.  Returns FALSE if self must stop looking (it
 * switched away for good, or its wait is over). */
static BOOLEAN ke_step(ke_thread *self, BOOLEAN leaving)
{
    ke_choice choices[KE_MAX_CHOICES];
    ke_timers_fire_due();
    size_t n = ke_collect(self, choices);
    if (n == 0) {
        if (!leaving && self->wait_kind == KE_WAIT_IDLE)
            return FALSE;
        ke_thread *resume = ke_nothing_runnable(self);
        if (resume == NULL)
            return TRUE;
        if (resume == self)
            return FALSE;
        resume->state = KE_RUNNING;
        ke_switch(self, resume, leaving);
        return !leaving;
    }
    ke_choice c = choices[ke_random(n)];
    ke_steps++;
    switch (c.what) {
    case KE_DO_DPC:
        ke_dpc_run_one(self, c.index);
        return TRUE;
    case KE_DO_THREAD:
        c.thread->state = KE_RUNNING;
        ke_switch(self, c.thread, leaving);
        return !leaving;
    case KE_DO_WORK: {
        ke_thread *worker = ke_worker_take_idle();
        if (worker == NULL)
            worker = ke_worker_create();
        if (worker == NULL)
            return TRUE;
        worker->work = ke_work_take(c.index);
        worker->state = KE_RUNNING;
        ke_switch(self, worker, leaving);
        return !leaving;
    }
    }
    return TRUE;
}

static BOOLEAN ke_wait_finished(ke_thread *self)
{
    if (self->kill)
        return TRUE;
    if (self->wait_kind == KE_WAIT_OBJECTS || self->wait_kind == KE_WAIT_WORK || self->wait_kind == KE_WAIT_START)
        return ke_try_satisfy(self);
    return FALSE;
}

NTSTATUS ke_block(ke_thread *self)
{
    if (ke_mode_threaded) {
        self->state = KE_WAITING;
        while (!ke_try_satisfy(self) && !self->kill) {
            if (self->wait_has_deadline) {
                ULONGLONG now = ke_interrupt_time();
                if (now >= self->wait_deadline)
                    continue;
                plat_cond_timedwait(&self->cv, &ke_mutex, (self->wait_deadline - now) * 100);
            } else {
                plat_cond_wait(&self->cv, &ke_mutex);
            }
        }
        self->state = KE_RUNNING;
        return self->wait_status;
    }
    self->state = KE_WAITING;
    for (;;) {
        if (ke_wait_finished(self))
            break;
        if (!ke_step(self, FALSE)) {
            if (self->wait_kind == KE_WAIT_IDLE || ke_wait_finished(self))
                break;
        }
    }
    self->state = KE_RUNNING;
    ke_running = self;
    return self->wait_status;
}

void ke_sched_stopping(BOOLEAN stopping)
{
    ke_lock();
    ke_stopping = stopping;
    ke_unlock();
}

void ke_wait_for_baton(ke_thread *self)
{
    while (ke_running != self && !self->kill)
        plat_cond_wait(&self->cv, &ke_mutex);
}

/* A thread that terminates passes the baton on without waiting for it to come back. */
void ke_leave_for_good(ke_thread *self)
{
    if (ke_mode_threaded || ke_stopping)
        return;
    self->wait_kind = KE_WAIT_NONE;
    while (ke_step(self, TRUE)) {
    }
}

void ke_signal_changed(void)
{
    if (!ke_mode_threaded)
        return; /* the deterministic scheduler re-evaluates waits at each scheduling point */
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->state == KE_WAITING)
            plat_cond_signal(&t->cv);
    }
}

void ke_signal_waiters_of(PVOID object)
{
    if (!ke_mode_threaded)
        return;
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if (t->state != KE_WAITING)
            continue;
        BOOLEAN concerned = t->wait_kind == KE_WAIT_IDLE;
        for (ULONG i = 0; !concerned && t->wait_kind == KE_WAIT_OBJECTS && i < t->wait_count; i++)
            concerned = t->wait_objects[i] == object;
        if (concerned)
            plat_cond_signal(&t->cv);
    }
}

/* The DPC thread in threaded mode is part of the thread list: see ke_signal_changed. */

void ke_set_running(ke_thread *thread)
{
    ke_running = thread;
}

ke_thread *ke_get_running(void)
{
    return ke_running;
}

/* ---- host API ------------------------------------------------------------------------------- */

WDMEMU_API NTSTATUS wdmemu_set_mode(wdmemu_mode mode)
{
    plat_once(&ke_once, ke_mutex_init);
    if (mode != WDMEMU_MODE_DETERMINISTIC && mode != WDMEMU_MODE_THREADED)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_set_mode(%d): unknown mode", (int)mode);
    ke_lock();
    if ((mode == WDMEMU_MODE_THREADED) == (ke_mode_threaded != 0)) {
        ke_unlock();
        return STATUS_SUCCESS;
    }
    BOOLEAN busy = FALSE;
    for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
        if ((t->kind == KE_THREAD_SYSTEM || t->kind == KE_THREAD_WORKER) && t->state != KE_TERMINATED)
            busy = TRUE;
    }
    if (busy) {
        ke_unlock();
        return rp_error(STATUS_INVALID_DEVICE_STATE,
                        "wdmemu_set_mode: system or worker threads are running; change the mode before loading drivers "
                        "or after wdmemu_shutdown()");
    }
    ke_thread *dpc_thread = ke_dpc_thread;
    ke_dpc_thread = NULL;
    if (dpc_thread != NULL) {
        /* Leaving threaded mode: stop the DPC thread first. */
        dpc_thread->kill = TRUE;
        plat_cond_signal(&dpc_thread->cv);
        ke_unlock();
        plat_thread_join(&dpc_thread->os_thread);
        ke_lock();
        dpc_thread->os_thread_started = FALSE;
        dpc_thread->state = KE_TERMINATED;
    }
    ke_mode_threaded = mode == WDMEMU_MODE_THREADED;
    ke_baton_exclusive_reset();
    ke_unlock();
    ke_init();
    return STATUS_SUCCESS;
}

WDMEMU_API wdmemu_mode wdmemu_get_mode(void)
{
    return ke_deterministic() ? WDMEMU_MODE_DETERMINISTIC : WDMEMU_MODE_THREADED;
}

WDMEMU_API void wdmemu_set_seed(uint64_t seed)
{
    ke_lock();
    ke_seed = seed;
    ke_rng_state = seed * 2 + 1;
    ke_unlock();
}

WDMEMU_API uint64_t wdmemu_get_seed(void)
{
    plat_once(&ke_once, ke_mutex_init);
    return ke_seed;
}

WDMEMU_API uint64_t wdmemu_time_now(void)
{
    return ke_interrupt_time();
}

WDMEMU_API size_t wdmemu_run_until_idle(void)
{
    wdmemu_init();
    ke_thread *self = ke_self();
    if (ke_mode_threaded) {
        /* Threaded mode: wait until the queues drain (bounded, real time). */
        for (int i = 0; i < 2000; i++) {
            ke_lock();
            BOOLEAN idle = ke_dpc_count() == 0 && ke_work_count() == 0;
            ke_unlock();
            if (idle)
                break;
            plat_sleep(1);
        }
        return 0;
    }
    ke_lock();
    uint64_t before = ke_steps;
    self->wait_kind = KE_WAIT_IDLE;
    self->wait_done = FALSE;
    ke_block(self);
    self->wait_kind = KE_WAIT_NONE;
    size_t ran = (size_t)(ke_steps - before);
    ke_unlock();
    return ran;
}

WDMEMU_API BOOLEAN wdmemu_run_one(void)
{
    wdmemu_init();
    if (ke_mode_threaded)
        return FALSE;
    ke_thread *self = ke_self();
    ke_lock();
    ke_choice choices[KE_MAX_CHOICES];
    ke_timers_fire_due();
    BOOLEAN ran = FALSE;
    if (ke_collect(self, choices) != 0) {
        /* Run exactly one item: an IDLE wait that stops after one step. */
        uint64_t before = ke_steps;
        self->wait_kind = KE_WAIT_IDLE;
        self->state = KE_WAITING;
        ke_step(self, FALSE);
        self->state = KE_RUNNING;
        ke_running = self;
        self->wait_kind = KE_WAIT_NONE;
        ran = ke_steps != before;
    }
    ke_unlock();
    return ran;
}

WDMEMU_API void wdmemu_advance_time(uint64_t milliseconds)
{
    wdmemu_init();
    if (ke_mode_threaded) {
        plat_sleep((unsigned)milliseconds);
        return;
    }
    ke_lock();
    ULONGLONG target = ke_virtual_now + milliseconds * 10000ull;
    ke_unlock();
    for (;;) {
        wdmemu_run_until_idle();
        ke_lock();
        ULONGLONG next = 0;
        BOOLEAN have = ke_timer_next_due(&next);
        for (ke_thread *t = ke_all_threads; t != NULL; t = t->next) {
            if (t->state == KE_WAITING && t->wait_kind == KE_WAIT_OBJECTS && t->wait_has_deadline &&
                (!have || t->wait_deadline < next)) {
                next = t->wait_deadline;
                have = TRUE;
            }
        }
        if (!have || next > target) {
            ke_virtual_now = target;
            ke_unlock();
            wdmemu_run_until_idle();
            return;
        }
        if (next > ke_virtual_now)
            ke_virtual_now = next;
        ke_timers_fire_due();
        ke_unlock();
    }
}

/* Called by wdmemu_shutdown: virtual time and the generator start again. */
void ke_sched_reset(void)
{
    ke_lock();
    ke_virtual_now = 0;
    ke_rng_state = ke_seed * 2 + 1;
    ke_steps = 0;
    ke_running = NULL;
    ke_unlock();
}

/* KeStallExecutionProcessor in deterministic mode: the clock moves, nothing else runs. */
void ke_time_skip(ULONGLONG delta)
{
    ke_lock();
    ke_virtual_now += delta;
    ke_unlock();
}

/* ---- threaded mode: the DPC thread -------------------------------------------------------- */

/* Runs DPCs in queue order, fires timers when they are due and hands work items to workers. */
static void ke_dpc_thread_main(void *arg)
{
    ke_thread *self = arg;
    ke_set_current(self);
    ke_lock();
    while (!self->kill) {
        ke_timers_fire_due();
        if (ke_dpc_count() != 0) {
            ke_dpc_run_one(self, 0);
            continue;
        }
        if (ke_work_count() != 0) {
            ke_thread *worker = ke_worker_take_idle();
            if (worker == NULL)
                worker = ke_worker_create();
            if (worker != NULL) {
                worker->work = ke_work_take(0);
                plat_cond_signal(&worker->cv);
                continue;
            }
        }
        self->state = KE_WAITING;
        ULONGLONG due;
        if (ke_timer_next_due(&due)) {
            ULONGLONG now = ke_interrupt_time();
            if (due > now)
                plat_cond_timedwait(&self->cv, &ke_mutex, (due - now) * 100);
        } else {
            plat_cond_wait(&self->cv, &ke_mutex);
        }
        self->state = KE_RUNNING;
    }
    self->state = KE_TERMINATED;
    ke_unlock();
}

void ke_init(void)
{
    ke_lock();
    if (ke_mode_threaded && ke_dpc_thread == NULL)
        ke_dpc_thread = ke_service_thread_create(ke_dpc_thread_main);
    ke_unlock();
}

void ke_shutdown(void)
{
    ke_dpc_thread = NULL;
    ke_dpc_shutdown();
    ke_timers_shutdown();
    ke_sched_reset();
}
