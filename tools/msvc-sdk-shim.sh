# shellcheck shell=bash
# tools/msvc-sdk-shim.sh: sourced by tools/msvc-syntax-check and tools/msvc-library-check.  The
# corrections that make mingw-w64's headers stand in faithfully for the Windows SDK and the
# Microsoft C runtime when clang compiles for x86_64-pc-windows-msvc.
#
#   msvc_sdk_shim DIR CLANG CRT    writes the corrected headers into DIR, to be searched (-isystem)
#                                  before CRT (mingw-w64's include directory); 1 on failure
#
#   - _mingw.h no longer defines __attribute__ away when the compiler is not gcc (which also
#     broke clang's own vector intrinsics headers), nor puts __declspec(noreturn/deprecated/
#     nothrow) after declarators (clang rejects that placement);
#   - <stdarg.h> and <intrin.h> are clang's, as clang-cl uses them (mingw-w64's va_arg for
#     non-gcc compilers lacks outer parentheses, its <intrin.h> declares few of the
#     _Interlocked* intrinsics for them; clang's declares _setjmp with the Microsoft runtime's
#     one parameter, mingw-w64's setjmp.h with two, so the first is renamed out of the way);
#   - the POSIX and gcc-only headers mingw-w64 has and the Windows SDK does not (unistd.h,
#     pthread.h, stdatomic.h, ...) are #error stubs.
msvc_sdk_shim() {
    local dir=$1 clang=$2 crt=$3 h resource
    mkdir -p "$dir/sys" || return 1
    sed -e 's|^# define __attribute__(x) /\* nothing \*/$|/* msvc-sdk-shim: __attribute__ is left to the compiler */|' \
        -e 's|^#define __MINGW_ATTRIB_NORETURN __declspec(noreturn)$|#define __MINGW_ATTRIB_NORETURN|' \
        -e 's|^#define __MINGW_ATTRIB_DEPRECATED __declspec(deprecated)$|#define __MINGW_ATTRIB_DEPRECATED|' \
        -e 's|^#define __MINGW_NOTHROW __declspec(nothrow)$|#define __MINGW_NOTHROW|' \
        "$crt/_mingw.h" >"$dir/_mingw.h" || return 1
    if [[ $(diff "$crt/_mingw.h" "$dir/_mingw.h" | grep -c '^>') -ne 4 ]]; then
        echo "msvc-sdk-shim: $crt/_mingw.h is not the version these corrections are for" >&2
        return 1
    fi
    resource=$("$clang" -print-resource-dir)/include
    echo "#include \"$resource/stdarg.h\"" >"$dir/stdarg.h"
    cat >"$dir/intrin.h" <<EOF
#ifndef MSVC_SDK_SHIM_INTRIN_H
#define MSVC_SDK_SHIM_INTRIN_H
#include <setjmp.h>
#define _setjmp msvc_sdk_shim_setjmp
#include "$resource/intrin.h"
#undef _setjmp
#endif
EOF
    for h in unistd.h pthread.h sched.h semaphore.h dirent.h dlfcn.h strings.h getopt.h libgen.h \
             stdatomic.h threads.h sys/time.h sys/mman.h sys/wait.h sys/uio.h sys/resource.h; do
        echo "#error \"<$h> is not part of the Windows SDK or the Microsoft C runtime\"" >"$dir/$h"
    done
}
