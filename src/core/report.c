/* core/report.c: findings storage, the message handler and the per-thread last error. */
#include "core/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "rtl/status.h"

typedef struct rp_stored {
    wdmemu_finding pub;
    char *storage;
} rp_stored;

static plat_mutex rp_lock;
static plat_once_flag rp_once = PLAT_ONCE_INIT;
static rp_stored *rp_findings;
static size_t rp_count;
static size_t rp_capacity;
static wdmemu_message_fn rp_handler;
static void *rp_handler_context;
static PLAT_THREAD_LOCAL char rp_last_error[512];
static rp_context_fn rp_context;

/* Finding policies: the default one and up to RP_POLICIES per-rule exceptions. */
#define RP_POLICIES 64
static wdmemu_finding_policy rp_default_policy = WDMEMU_FINDING_FAILS;
static struct {
    char rule[64];
    wdmemu_finding_policy policy;
} rp_policies[RP_POLICIES];
static size_t rp_policy_count;

static void rp_init(void)
{
    plat_mutex_init_recursive(&rp_lock);
}

static void rp_default_handler(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)context;
    switch (kind) {
    case WDMEMU_MSG_DEBUG_PRINT:
        fputs(text, stderr);
        break;
    case WDMEMU_MSG_INFO:
        if (plat_getenv("WDMEMU_VERBOSE") != NULL)
            fprintf(stderr, "wdmemu: %s\n", text);
        break;
    case WDMEMU_MSG_BREAKPOINT:
        fprintf(stderr, "wdmemu: breakpoint: %s\n", text);
        break;
    case WDMEMU_MSG_FINDING:
        fprintf(stderr, "wdmemu: finding: %s\n", text);
        break;
    case WDMEMU_MSG_ERROR:
        fprintf(stderr, "wdmemu: error: %s\n", text);
        break;
    }
    fflush(stderr);
}

void rp_message(wdmemu_message_kind kind, const char *text)
{
    wdmemu_message_fn fn;
    void *context;
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    fn = rp_handler != NULL ? rp_handler : rp_default_handler;
    context = rp_handler_context;
    plat_mutex_unlock(&rp_lock);
    fn(kind, text, context);
}

WDMEMU_API void wdmemu_set_message_handler(wdmemu_message_fn fn, void *context)
{
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    rp_handler = fn;
    rp_handler_context = fn != NULL ? context : NULL;
    plat_mutex_unlock(&rp_lock);
}

static char *rp_vformat(const char *fmt, va_list ap)
{
    if (fmt == NULL)
        fmt = "";
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    char *text = malloc((size_t)n + 1);
    if (text == NULL)
        abort();
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    return text;
}

void rp_finding(const char *rule, NTSTATUS status, const char *driver, const char *device, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = rp_vformat(fmt, ap);
    va_end(ap);

    char current[256] = "";
    if (driver == NULL && rp_context != NULL)
        rp_context(current, sizeof(current));
    if (driver == NULL)
        driver = current;
    if (device == NULL)
        device = "";
    size_t rule_len = strlen(rule) + 1, drv_len = strlen(driver) + 1, dev_len = strlen(device) + 1;
    size_t line_len = rule_len + strlen(body) + drv_len + dev_len + 64;
    char *storage = malloc(rule_len + drv_len + dev_len + line_len);
    if (storage == NULL)
        abort();
    char *rule_copy = storage;
    char *drv_copy = rule_copy + rule_len;
    char *dev_copy = drv_copy + drv_len;
    char *line = dev_copy + dev_len;
    memcpy(rule_copy, rule, rule_len);
    memcpy(drv_copy, driver, drv_len);
    memcpy(dev_copy, device, dev_len);
    if (driver[0] != '\0' && strstr(body, driver) == NULL)
        snprintf(line, line_len, "[%s] %s (in %s)", rule, body, driver);
    else
        snprintf(line, line_len, "[%s] %s", rule, body);
    free(body);

    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    if (rp_count == rp_capacity) {
        size_t capacity = rp_capacity ? rp_capacity * 2 : 16;
        rp_stored *grown = realloc(rp_findings, capacity * sizeof(*grown));
        if (grown == NULL)
            abort();
        rp_findings = grown;
        rp_capacity = capacity;
    }
    rp_stored *slot = &rp_findings[rp_count++];
    wdmemu_finding_policy policy = rp_default_policy;
    for (size_t i = 0; i < rp_policy_count; i++) {
        if (strcmp(rp_policies[i].rule, rule) == 0)
            policy = rp_policies[i].policy;
    }
    slot->pub.fails = policy == WDMEMU_FINDING_FAILS;
    slot->storage = storage;
    slot->pub.rule = rule_copy;
    slot->pub.status = status;
    slot->pub.driver = drv_copy;
    slot->pub.device = dev_copy;
    slot->pub.message = line;
    plat_mutex_unlock(&rp_lock);

    EV_EMIT(.kind = EV_FINDING, .status = status, .rule = rule_copy, .text = line);
    rp_message(WDMEMU_MSG_FINDING, line);
}

static NTSTATUS rp_set_last(NTSTATUS status, const char *fmt, va_list ap)
{
    char text[400];
    char st[RP_STATUS_LEN];
    vsnprintf(text, sizeof(text), fmt, ap);
    snprintf(rp_last_error, sizeof(rp_last_error), "%s: %s", text, rp_status(status, st));
    return status;
}

NTSTATUS rp_error(NTSTATUS status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_set_last(status, fmt, ap);
    va_end(ap);
    rp_message(WDMEMU_MSG_ERROR, rp_last_error);
    return status;
}

NTSTATUS rp_fail(NTSTATUS status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rp_set_last(status, fmt, ap);
    va_end(ap);
    return status;
}

void rp_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = rp_vformat(fmt, ap);
    va_end(ap);
    rp_message(WDMEMU_MSG_INFO, text);
    free(text);
}

void rp_set_context_provider(rp_context_fn fn)
{
    rp_context = fn;
}

void rp_reset(void)
{
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    for (size_t i = 0; i < rp_count; i++)
        free(rp_findings[i].storage);
    free(rp_findings);
    rp_findings = NULL;
    rp_count = rp_capacity = 0;
    plat_mutex_unlock(&rp_lock);
    rp_last_error[0] = '\0';
}

void rp_reset_policies(void)
{
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    rp_default_policy = WDMEMU_FINDING_FAILS;
    rp_policy_count = 0;
    plat_mutex_unlock(&rp_lock);
}

const char *rp_status(NTSTATUS status, char buffer[RP_STATUS_LEN])
{
    rtl_status_format(status, buffer, RP_STATUS_LEN);
    return buffer;
}

WDMEMU_API size_t wdmemu_finding_count(void)
{
    size_t n;
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    n = rp_count;
    plat_mutex_unlock(&rp_lock);
    return n;
}

WDMEMU_API const wdmemu_finding *wdmemu_finding_get(size_t index)
{
    const wdmemu_finding *f = NULL;
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    if (index < rp_count)
        f = &rp_findings[index].pub;
    plat_mutex_unlock(&rp_lock);
    return f;
}

WDMEMU_API size_t wdmemu_failing_finding_count(void)
{
    size_t n = 0;
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    for (size_t i = 0; i < rp_count; i++)
        n += rp_findings[i].pub.fails != 0;
    plat_mutex_unlock(&rp_lock);
    return n;
}

WDMEMU_API NTSTATUS wdmemu_finding_policy_set(const char *rule, wdmemu_finding_policy policy)
{
    if (policy != WDMEMU_FINDING_FAILS && policy != WDMEMU_FINDING_RECORDED)
        return rp_error(STATUS_INVALID_PARAMETER, "wdmemu_finding_policy_set: unknown policy %d", (int)policy);
    plat_once(&rp_once, rp_init);
    plat_mutex_lock(&rp_lock);
    NTSTATUS status = STATUS_SUCCESS;
    if (rule == NULL) {
        rp_default_policy = policy;
        rp_policy_count = 0;
    } else if (rule[0] == '\0' || strlen(rule) >= sizeof(rp_policies[0].rule)) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        size_t i = 0;
        while (i < rp_policy_count && strcmp(rp_policies[i].rule, rule) != 0)
            i++;
        if (i == rp_policy_count) {
            if (rp_policy_count == RP_POLICIES)
                status = STATUS_INSUFFICIENT_RESOURCES;
            else
                snprintf(rp_policies[rp_policy_count++].rule, sizeof(rp_policies[0].rule), "%s", rule);
        }
        if (NT_SUCCESS(status))
            rp_policies[i].policy = policy;
    }
    plat_mutex_unlock(&rp_lock);
    if (!NT_SUCCESS(status))
        return rp_error(status, "wdmemu_finding_policy_set(\"%s\"): %s", rule,
                        status == STATUS_INVALID_PARAMETER ? "not a rule name" : "too many per-rule policies (64)");
    return status;
}

WDMEMU_API void wdmemu_findings_clear(void)
{
    rp_reset();
}

WDMEMU_API const char *wdmemu_last_error(void)
{
    return rp_last_error;
}

WDMEMU_API const char *wdmemu_status_name(NTSTATUS status)
{
    return rtl_status_name(status);
}

WDMEMU_API size_t wdmemu_status_format(NTSTATUS status, char *buffer, size_t size)
{
    return rtl_status_format(status, buffer, size);
}

WDMEMU_API BOOLEAN wdmemu_status_parse(const char *text, NTSTATUS *status)
{
    if (text == NULL || status == NULL || text[0] == '\0')
        return FALSE;
    if (rtl_status_from_name(text, status))
        return TRUE;
    char *end = NULL;
    long long value = strtoll(text, &end, 0);
    if (end == text || *end != '\0' || value < -2147483648LL || value > 0xFFFFFFFFLL)
        return FALSE;
    *status = (NTSTATUS)(ULONG)value;
    return TRUE;
}
