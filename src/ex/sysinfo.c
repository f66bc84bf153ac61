/* ex/sysinfo.c: executive queries about the caller and the machine: ExGetPreviousMode (the
 * processor mode of the request being served, KernelMode unless the I/O manager front end runs
 * a user-mode request), ExSystemTimeToLocalTime / ExLocalTimeToSystemTime (the emulated machine
 * keeps UTC: the time zone bias is zero, so runs give the same answers everywhere) and
 * ExIsProcessorFeaturePresent (what the host processor really offers, since driver code runs on
 * it). */
#include "ke/ke.h"

NTKERNELAPI KPROCESSOR_MODE NTAPI ExGetPreviousMode(VOID)
{
    return ke_self()->previous_mode;
}

NTKERNELAPI VOID NTAPI ExSystemTimeToLocalTime(PLARGE_INTEGER SystemTime, PLARGE_INTEGER LocalTime)
{
    LocalTime->QuadPart = SystemTime->QuadPart;
}

NTKERNELAPI VOID NTAPI ExLocalTimeToSystemTime(PLARGE_INTEGER LocalTime, PLARGE_INTEGER SystemTime)
{
    SystemTime->QuadPart = LocalTime->QuadPart;
}

NTKERNELAPI BOOLEAN NTAPI ExIsProcessorFeaturePresent(ULONG ProcessorFeature)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    switch (ProcessorFeature) {
    /* Every x64 processor has these, and Windows x64 enables them. */
    case PF_COMPARE_EXCHANGE_DOUBLE:
    case PF_MMX_INSTRUCTIONS_AVAILABLE:
    case PF_XMMI_INSTRUCTIONS_AVAILABLE:
    case PF_XMMI64_INSTRUCTIONS_AVAILABLE:
    case PF_RDTSC_INSTRUCTION_AVAILABLE:
    case PF_PAE_ENABLED:
    case PF_NX_ENABLED:
    case PF_FASTFAIL_AVAILABLE:
        return TRUE;
    case PF_SSE3_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("sse3") != 0;
    case PF_SSSE3_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("ssse3") != 0;
    case PF_SSE4_1_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("sse4.1") != 0;
    case PF_SSE4_2_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("sse4.2") != 0;
    case PF_AVX_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("avx") != 0;
    case PF_AVX2_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("avx2") != 0;
    case PF_AVX512F_INSTRUCTIONS_AVAILABLE:
        return __builtin_cpu_supports("avx512f") != 0;
    case PF_COMPARE_EXCHANGE128:
        return TRUE; /* cmpxchg16b: required by Windows 8.1 and later on x64 */
    default:
        return FALSE;
    }
#elif defined(_MSC_VER)
    /* No __builtin_cpu_supports: Windows itself answers (IsProcessorFeaturePresent). */
    return plat_processor_feature(ProcessorFeature) ? TRUE : FALSE;
#else
    (void)ProcessorFeature;
    return FALSE;
#endif
}
