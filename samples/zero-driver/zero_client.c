/* zero_client.c: what a Windows test program for the Zero driver does (open \\.\Zero, read,
 * write, get and reset the statistics, close), written against wdmemu's host API, which loads
 * the driver into this process first.
 *
 * usage: zero_client [ZERO_MODULE]   (default: zero.so next to this program)
 * Exit status 0 when every step gave what the driver promises, 1 otherwise. */
#include <wdmemu/wdmemu.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zero_ioctl.h"

static int failures;

static const char *status_text(NTSTATUS status)
{
    static char text[96];
    wdmemu_status_format(status, text, sizeof(text));
    return text;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("  FAILED: %s\n", what);
        failures++;
    }
}

/* How the last read reached the driver, from the in-memory trace: FastIoRead or an IRP. */
static const char *last_read_path(size_t from)
{
    size_t fast = wdmemu_trace_find(from, "FAST_IO", 0, NULL);
    if (fast != (size_t)-1 && wdmemu_trace_get(fast)->pending_returned) /* FAST_IO: handled */
        return "FastIoRead";
    return wdmemu_trace_find(from, "IRP_DISPATCH", 0, NULL) != (size_t)-1 ? "IRP_MJ_READ" : "?";
}

static void read_zeros(HANDLE handle, const char *handle_name, ULONG length)
{
    unsigned char *buffer = malloc(length);
    if (buffer == NULL) {
        check(0, "out of memory");
        return;
    }
    memset(buffer, 0xAA, length);
    size_t from = wdmemu_trace_count();
    ULONG_PTR transferred = 0;
    NTSTATUS status = wdmemu_read(handle, buffer, length, NULL, &transferred);
    ULONG nonzero = 0;
    for (ULONG i = 0; i < transferred && i < length; i++)
        nonzero += buffer[i] != 0;
    printf("ReadFile(%s, %lu bytes): %s, %lu bytes, %s, via %s\n", handle_name, (unsigned long)length,
           status_text(status), (unsigned long)transferred, nonzero == 0 ? "all zero" : "NOT ZERO",
           last_read_path(from));
    check(status == STATUS_SUCCESS && transferred == length && nonzero == 0, "read zeros");
    free(buffer);
}

static void print_stats(HANDLE handle, LONG64 expect_read, LONG64 expect_written)
{
    ZERO_STATS stats = {-1, -1};
    ULONG_PTR transferred = 0;
    NTSTATUS status = wdmemu_device_control(handle, IOCTL_ZERO_GET_STATS, NULL, 0, &stats, sizeof(stats), &transferred);
    printf("DeviceIoControl(IOCTL_ZERO_GET_STATS): %s, read %lld, written %lld\n", status_text(status),
           (long long)stats.TotalRead, (long long)stats.TotalWritten);
    check(status == STATUS_SUCCESS && transferred == sizeof(stats) && stats.TotalRead == expect_read &&
              stats.TotalWritten == expect_written,
          "statistics");
}

/* The driver module next to this program: zero.so (zero.dll on Windows). */
#if defined(_WIN32)
#define ZERO_MODULE "zero.dll"
#else
#define ZERO_MODULE "zero.so"
#endif

static char *default_module(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
#if defined(_WIN32)
    const char *backslash = strrchr(argv0, '\\');
    if (backslash != NULL && (slash == NULL || backslash > slash))
        slash = backslash;
#endif
    size_t dir = slash != NULL ? (size_t)(slash - argv0) + 1 : 0;
    char *path = malloc(dir + sizeof(ZERO_MODULE));
    if (path != NULL) {
        memcpy(path, argv0, dir);
        memcpy(path + dir, ZERO_MODULE, sizeof(ZERO_MODULE));
    }
    return path;
}

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [ZERO_MODULE]\n", argv[0]);
        return 2;
    }
    char *module = argc == 2 ? NULL : default_module(argv[0]);
    const char *path = argc == 2 ? argv[1] : module;
    if (path == NULL)
        return 1;

    wdmemu_driver *driver;
    NTSTATUS status = wdmemu_driver_load(path, "zero", &driver);
    printf("load %s: %s\n", path, status_text(status));
    free(module);
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "%s\n", wdmemu_last_error());
        return 1;
    }
    wdmemu_trace_start("memory");

    /* CreateFile(\\.\Zero, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL):
     * a synchronous, cached handle: reads take the fast I/O path. */
    HANDLE cached, uncached = NULL;
    status = wdmemu_open(ZERO_USER_NAME, GENERIC_READ | GENERIC_WRITE, 0,
                         FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE, &cached);
    printf("CreateFile(%s): %s\n", ZERO_USER_NAME, status_text(status));
    if (!NT_SUCCESS(status)) {
        wdmemu_shutdown();
        return 1;
    }
    /* FILE_FLAG_NO_BUFFERING: the driver declines fast I/O, reads arrive as IRPs. */
    status = wdmemu_open(ZERO_USER_NAME, GENERIC_READ, 0,
                         FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE | FILE_NO_INTERMEDIATE_BUFFERING,
                         &uncached);
    printf("CreateFile(%s, FILE_FLAG_NO_BUFFERING): %s\n", ZERO_USER_NAME, status_text(status));
    check(NT_SUCCESS(status), "second open");
    if (!NT_SUCCESS(status))
        uncached = NULL;

    read_zeros(cached, "cached", 64);
    LONG64 read_total = 64;
    if (uncached != NULL) {
        read_zeros(uncached, "uncached", 4096);
        read_total += 4096;
    }

    char text[] = "written to \\Device\\Zero and gone";
    ULONG_PTR transferred = 0;
    status = wdmemu_write(cached, text, sizeof(text) - 1, NULL, &transferred);
    printf("WriteFile(cached, %zu bytes): %s, %lu bytes\n", sizeof(text) - 1, status_text(status),
           (unsigned long)transferred);
    check(status == STATUS_SUCCESS && transferred == sizeof(text) - 1, "write");

    print_stats(cached, read_total, (LONG64)sizeof(text) - 1);

    ZERO_STATS small;
    status = wdmemu_device_control(cached, IOCTL_ZERO_GET_STATS, NULL, 0, &small, 4, &transferred);
    printf("DeviceIoControl(IOCTL_ZERO_GET_STATS, 4-byte buffer): %s\n", status_text(status));
    check(status == STATUS_BUFFER_TOO_SMALL, "short statistics buffer");

    status = wdmemu_device_control(cached, IOCTL_ZERO_RESET_STATS, NULL, 0, NULL, 0, &transferred);
    printf("DeviceIoControl(IOCTL_ZERO_RESET_STATS): %s\n", status_text(status));
    check(status == STATUS_SUCCESS, "reset");
    print_stats(cached, 0, 0);

    wdmemu_trace_stop();
    wdmemu_trace_clear();
    if (uncached != NULL)
        wdmemu_handle_close(uncached);
    wdmemu_handle_close(cached);
    status = wdmemu_driver_unload(driver);
    printf("unload: %s, %zu findings\n", status_text(status), wdmemu_finding_count());
    check(status == STATUS_SUCCESS && wdmemu_finding_count() == 0, "clean unload");
    wdmemu_shutdown();
    return failures == 0 ? 0 : 1;
}
