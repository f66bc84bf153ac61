/* wdm/interlocked.h: the Interlocked* family as inline functions with full-barrier semantics,
 * exactly as the WDK's intrinsics behave (return values: Increment/Decrement/Add give the new
 * value, Exchange/ExchangeAdd/CompareExchange/And/Or/Xor give the old one). */
#ifndef WDMEMU_DDK_WDM_INTERLOCKED_H
#define WDMEMU_DDK_WDM_INTERLOCKED_H

#if defined(__GNUC__)

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

#elif defined(_MSC_VER) && defined(_M_X64)

/* The Microsoft compiler (and clang-cl), x64: the same functions over the compiler's _Interlocked*
 * intrinsics, which are full barriers.  Reads and writes are volatile accesses with the compiler
 * barrier an acquire or release needs (x64 orders plain loads and stores that way). */
#include <intrin.h>

#define WDMEMU_MSVC_ATOMIC_OPS(T, SUFFIX, I)                                                           \
    FORCEINLINE T Interlocked##Increment##SUFFIX(T volatile *Addend)                                   \
    {                                                                                                  \
        return (T)_InterlockedIncrement##SUFFIX((I volatile *)Addend);                                 \
    }                                                                                                  \
    FORCEINLINE T Interlocked##Decrement##SUFFIX(T volatile *Addend)                                   \
    {                                                                                                  \
        return (T)_InterlockedDecrement##SUFFIX((I volatile *)Addend);                                 \
    }                                                                                                  \
    FORCEINLINE T Interlocked##ExchangeAdd##SUFFIX(T volatile *Addend, T Value)                        \
    {                                                                                                  \
        return (T)_InterlockedExchangeAdd##SUFFIX((I volatile *)Addend, (I)Value);                     \
    }                                                                                                  \
    FORCEINLINE T Interlocked##Add##SUFFIX(T volatile *Addend, T Value)                                \
    {                                                                                                  \
        return (T)(_InterlockedExchangeAdd##SUFFIX((I volatile *)Addend, (I)Value) + Value);           \
    }                                                                                                  \
    FORCEINLINE T Interlocked##Exchange##SUFFIX(T volatile *Target, T Value)                           \
    {                                                                                                  \
        return (T)_InterlockedExchange##SUFFIX((I volatile *)Target, (I)Value);                        \
    }                                                                                                  \
    FORCEINLINE T Interlocked##CompareExchange##SUFFIX(T volatile *Destination, T Exchange, T Comperand) \
    {                                                                                                  \
        return (T)_InterlockedCompareExchange##SUFFIX((I volatile *)Destination, (I)Exchange, (I)Comperand); \
    }                                                                                                  \
    FORCEINLINE T Interlocked##And##SUFFIX(T volatile *Destination, T Value)                           \
    {                                                                                                  \
        return (T)_InterlockedAnd##SUFFIX((I volatile *)Destination, (I)Value);                        \
    }                                                                                                  \
    FORCEINLINE T Interlocked##Or##SUFFIX(T volatile *Destination, T Value)                            \
    {                                                                                                  \
        return (T)_InterlockedOr##SUFFIX((I volatile *)Destination, (I)Value);                         \
    }                                                                                                  \
    FORCEINLINE T Interlocked##Xor##SUFFIX(T volatile *Destination, T Value)                           \
    {                                                                                                  \
        return (T)_InterlockedXor##SUFFIX((I volatile *)Destination, (I)Value);                        \
    }

WDMEMU_MSVC_ATOMIC_OPS(LONG, , long)
WDMEMU_MSVC_ATOMIC_OPS(LONG64, 64, __int64)
WDMEMU_MSVC_ATOMIC_OPS(SHORT, 16, short)
#undef WDMEMU_MSVC_ATOMIC_OPS

FORCEINLINE CHAR InterlockedExchange8(CHAR volatile *Target, CHAR Value)
{
    return _InterlockedExchange8(Target, Value);
}
FORCEINLINE CHAR InterlockedCompareExchange8(CHAR volatile *Destination, CHAR Exchange, CHAR Comperand)
{
    return _InterlockedCompareExchange8(Destination, Exchange, Comperand);
}
FORCEINLINE CHAR InterlockedAnd8(CHAR volatile *Destination, CHAR Value)
{
    return _InterlockedAnd8(Destination, Value);
}
FORCEINLINE CHAR InterlockedOr8(CHAR volatile *Destination, CHAR Value)
{
    return _InterlockedOr8(Destination, Value);
}
FORCEINLINE PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value)
{
    return _InterlockedExchangePointer(Target, Value);
}
FORCEINLINE PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination, PVOID Exchange, PVOID Comperand)
{
    return _InterlockedCompareExchangePointer(Destination, Exchange, Comperand);
}
FORCEINLINE BOOLEAN InterlockedBitTestAndSet(LONG volatile *Base, LONG Bit)
{
    return (BOOLEAN)_interlockedbittestandset((long volatile *)Base, Bit & 31);
}
FORCEINLINE BOOLEAN InterlockedBitTestAndReset(LONG volatile *Base, LONG Bit)
{
    return (BOOLEAN)_interlockedbittestandreset((long volatile *)Base, Bit & 31);
}
FORCEINLINE LONG ReadNoFence(LONG const volatile *Source)
{
    return *Source;
}
FORCEINLINE LONG ReadAcquire(LONG const volatile *Source)
{
    LONG Value = *Source;
    _ReadWriteBarrier();
    return Value;
}
FORCEINLINE LONG64 ReadNoFence64(LONG64 const volatile *Source)
{
    return *Source;
}
FORCEINLINE LONG64 ReadAcquire64(LONG64 const volatile *Source)
{
    LONG64 Value = *Source;
    _ReadWriteBarrier();
    return Value;
}
FORCEINLINE PVOID ReadPointerNoFence(PVOID const volatile *Source)
{
    return *Source;
}
FORCEINLINE PVOID ReadPointerAcquire(PVOID const volatile *Source)
{
    PVOID Value = *Source;
    _ReadWriteBarrier();
    return Value;
}
FORCEINLINE VOID WriteNoFence(LONG volatile *Destination, LONG Value)
{
    *Destination = Value;
}
FORCEINLINE VOID WriteRelease(LONG volatile *Destination, LONG Value)
{
    _ReadWriteBarrier();
    *Destination = Value;
}
FORCEINLINE VOID WriteNoFence64(LONG64 volatile *Destination, LONG64 Value)
{
    *Destination = Value;
}
FORCEINLINE VOID WriteRelease64(LONG64 volatile *Destination, LONG64 Value)
{
    _ReadWriteBarrier();
    *Destination = Value;
}
FORCEINLINE VOID WritePointerNoFence(PVOID volatile *Destination, PVOID Value)
{
    *Destination = Value;
}
FORCEINLINE VOID WritePointerRelease(PVOID volatile *Destination, PVOID Value)
{
    _ReadWriteBarrier();
    *Destination = Value;
}
#define MemoryBarrier() __faststorefence()
#define KeMemoryBarrier() __faststorefence()
#define KeMemoryBarrierWithoutFence() _ReadWriteBarrier()
#define YieldProcessor() _mm_pause()

#else
#error "wdmemu: Interlocked* need gcc, clang, or the Microsoft compiler for x64"
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
#if defined(__GNUC__) /* the Microsoft compiler has these as intrinsics */
#define _InterlockedIncrement InterlockedIncrement
#define _InterlockedDecrement InterlockedDecrement
#define _InterlockedExchange InterlockedExchange
#define _InterlockedCompareExchange InterlockedCompareExchange
#endif

#endif /* WDMEMU_DDK_WDM_INTERLOCKED_H */
