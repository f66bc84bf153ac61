/* wdm/interlocked.h: the Interlocked* family as inline functions with full-barrier semantics,
 * exactly as the WDK's intrinsics behave (return values: Increment/Decrement/Add give the new
 * value, Exchange/ExchangeAdd/CompareExchange/And/Or/Xor give the old one). */
#ifndef WDMEMU_DDK_WDM_INTERLOCKED_H
#define WDMEMU_DDK_WDM_INTERLOCKED_H

#if defined(__GNUC__) || defined(__clang__)

#define WDMEMU_ATOMIC_OPS(T, SUFFIX)                                                                        \
    FORCEINLINE T Interlocked##Increment##SUFFIX(T volatile *Addend)                                        \
    {                                                                                                       \
        return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);                                             \
    }                                                                                                       \
    FORCEINLINE T Interlocked##Decrement##SUFFIX(T volatile *Addend)                                        \
    {                                                                                                       \
        return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);                                             \
    }                                                                                                       \
    FORCEINLINE T Interlocked##Add##SUFFIX(T volatile *Addend, T Value)                                     \
    {                                                                                                       \
        return __atomic_add_fetch(Addend, Value, __ATOMIC_SEQ_CST);                                         \
    }                                                                                                       \
    FORCEINLINE T Interlocked##ExchangeAdd##SUFFIX(T volatile *Addend, T Value)                             \
    {                                                                                                       \
        return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST);                                         \
    }                                                                                                       \
    FORCEINLINE T Interlocked##Exchange##SUFFIX(T volatile *Target, T Value)                                \
    {                                                                                                       \
        return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);                                        \
    }                                                                                                       \
    FORCEINLINE T Interlocked##CompareExchange##SUFFIX(T volatile *Destination, T Exchange, T Comperand)    \
    {                                                                                                       \
        __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
        return Comperand;                                                                                   \
    }                                                                                                       \
    FORCEINLINE T Interlocked##And##SUFFIX(T volatile *Destination, T Value)                                \
    {                                                                                                       \
        return __atomic_fetch_and(Destination, Value, __ATOMIC_SEQ_CST);                                    \
    }                                                                                                       \
    FORCEINLINE T Interlocked##Or##SUFFIX(T volatile *Destination, T Value)                                 \
    {                                                                                                       \
        return __atomic_fetch_or(Destination, Value, __ATOMIC_SEQ_CST);                                     \
    }                                                                                                       \
    FORCEINLINE T Interlocked##Xor##SUFFIX(T volatile *Destination, T Value)                                \
    {                                                                                                       \
        return __atomic_fetch_xor(Destination, Value, __ATOMIC_SEQ_CST);                                    \
    }

WDMEMU_ATOMIC_OPS(LONG, )
WDMEMU_ATOMIC_OPS(LONG64, 64)
WDMEMU_ATOMIC_OPS(SHORT, 16)
#undef WDMEMU_ATOMIC_OPS

FORCEINLINE CHAR InterlockedExchange8(CHAR volatile *Target, CHAR Value)
{
    return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE CHAR InterlockedCompareExchange8(CHAR volatile *Destination, CHAR Exchange, CHAR Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE CHAR InterlockedAnd8(CHAR volatile *Destination, CHAR Value)
{
    return __atomic_fetch_and(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE CHAR InterlockedOr8(CHAR volatile *Destination, CHAR Value)
{
    return __atomic_fetch_or(Destination, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value)
{
    return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}
FORCEINLINE PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination, PVOID Exchange, PVOID Comperand)
{
    __atomic_compare_exchange_n(Destination, &Comperand, Exchange, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return Comperand;
}
FORCEINLINE BOOLEAN InterlockedBitTestAndSet(LONG volatile *Base, LONG Bit)
{
    return (BOOLEAN)((__atomic_fetch_or(Base, (LONG)(1u << (Bit & 31)), __ATOMIC_SEQ_CST) >> (Bit & 31)) & 1);
}
FORCEINLINE BOOLEAN InterlockedBitTestAndReset(LONG volatile *Base, LONG Bit)
{
    return (BOOLEAN)((__atomic_fetch_and(Base, (LONG)~(1u << (Bit & 31)), __ATOMIC_SEQ_CST) >> (Bit & 31)) & 1);
}
FORCEINLINE LONG ReadNoFence(LONG const volatile *Source)
{
    return __atomic_load_n(Source, __ATOMIC_RELAXED);
}
FORCEINLINE LONG ReadAcquire(LONG const volatile *Source)
{
    return __atomic_load_n(Source, __ATOMIC_ACQUIRE);
}
FORCEINLINE LONG64 ReadNoFence64(LONG64 const volatile *Source)
{
    return __atomic_load_n(Source, __ATOMIC_RELAXED);
}
FORCEINLINE LONG64 ReadAcquire64(LONG64 const volatile *Source)
{
    return __atomic_load_n(Source, __ATOMIC_ACQUIRE);
}
FORCEINLINE PVOID ReadPointerNoFence(PVOID const volatile *Source)
{
    return __atomic_load_n(Source, __ATOMIC_RELAXED);
}
FORCEINLINE PVOID ReadPointerAcquire(PVOID const volatile *Source)
{
    return __atomic_load_n(Source, __ATOMIC_ACQUIRE);
}
FORCEINLINE VOID WriteNoFence(LONG volatile *Destination, LONG Value)
{
    __atomic_store_n(Destination, Value, __ATOMIC_RELAXED);
}
FORCEINLINE VOID WriteRelease(LONG volatile *Destination, LONG Value)
{
    __atomic_store_n(Destination, Value, __ATOMIC_RELEASE);
}
FORCEINLINE VOID WriteNoFence64(LONG64 volatile *Destination, LONG64 Value)
{
    __atomic_store_n(Destination, Value, __ATOMIC_RELAXED);
}
FORCEINLINE VOID WriteRelease64(LONG64 volatile *Destination, LONG64 Value)
{
    __atomic_store_n(Destination, Value, __ATOMIC_RELEASE);
}
FORCEINLINE VOID WritePointerNoFence(PVOID volatile *Destination, PVOID Value)
{
    __atomic_store_n(Destination, Value, __ATOMIC_RELAXED);
}
FORCEINLINE VOID WritePointerRelease(PVOID volatile *Destination, PVOID Value)
{
    __atomic_store_n(Destination, Value, __ATOMIC_RELEASE);
}
#define MemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define KeMemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define KeMemoryBarrierWithoutFence() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define _ReadWriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define YieldProcessor() ((void)0)

#else
#error "wdmemu: Interlocked* for this compiler come with the Windows issue"
#endif

#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedIncrementNoFence InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedDecrementNoFence InterlockedDecrement
#define InterlockedExchangeAddNoFence InterlockedExchangeAdd
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedCompareExchangeNoFence InterlockedCompareExchange
#define InterlockedCompareExchangePointerAcquire InterlockedCompareExchangePointer
#define InterlockedCompareExchangePointerRelease InterlockedCompareExchangePointer
#define InterlockedCompareExchangePointerNoFence InterlockedCompareExchangePointer
#define InterlockedExchangePointerAcquire InterlockedExchangePointer
#define InterlockedExchangePointerNoFence InterlockedExchangePointer
#define InterlockedIncrementSizeT(a) ((SIZE_T)InterlockedIncrement64((LONG64 volatile *)(a)))
#define InterlockedDecrementSizeT(a) ((SIZE_T)InterlockedDecrement64((LONG64 volatile *)(a)))
#define InterlockedExchangeAddSizeT(a, b) ((SIZE_T)InterlockedExchangeAdd64((LONG64 volatile *)(a), (LONG64)(b)))
#define InterlockedIncrementULongPtr(a) ((ULONG_PTR)InterlockedIncrement64((LONG64 volatile *)(a)))
#define InterlockedExchangeULongPtr(a, b) ((ULONG_PTR)InterlockedExchange64((LONG64 volatile *)(a), (LONG64)(b)))
#define _InterlockedIncrement InterlockedIncrement
#define _InterlockedDecrement InterlockedDecrement
#define _InterlockedExchange InterlockedExchange
#define _InterlockedCompareExchange InterlockedCompareExchange

#endif /* WDMEMU_DDK_WDM_INTERLOCKED_H */
