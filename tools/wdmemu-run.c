/* wdmemu-run: load a driver module, call its DriverEntry, (later: run a request script), call
 * DriverUnload and report what the driver left behind.  Exit status 0 only if DriverEntry
 * succeeded, the unload was clean and no finding was reported; 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wdmemu/wdmemu.h>

#include "script.h"

static const char usage[] =
    "usage: wdmemu-run [options] DRIVER_MODULE... [--script FILE | FILE]\n"
    "\n"
    "Loads each DRIVER_MODULE (a driver built as a shared object against libwdmemu) into an\n"
    "emulated Windows kernel in order (a filter can attach to a device an earlier one created),\n"
    "calling its DriverEntry; runs the request script, if any; then unloads them in reverse order\n"
    "and reports every device, symbolic link and other object a driver left behind.  The drivers'\n"
    "DbgPrint/KdPrint output goes to stderr.  A last argument that is not a module (.so, .dll,\n"
    ".dylib) is the script.\n"
    "\n"
    "options:\n"
    "  --name=NAME   driver name (\\Driver\\NAME and ...\\Services\\NAME); default: the module's\n"
    "                file name without directory, extension and leading \"lib\"\n"
    "  --mode=M      deterministic (default: one emulated processor, deferred work only at\n"
    "                scheduling points, virtual time) or threaded (real threads and time)\n"
    "  --seed=N      seed of the deterministic scheduling order (default 1)\n"
    "  --trace=FORMAT[:PATH]  record every request: FORMAT text, jsonl or chrome, PATH a file\n"
    "                (default: stderr); may be given more than once; a text trace on the\n"
    "                terminal (text, text:stdout, text:stderr) carries the debug output\n"
    "                itself, which is then not printed a second time\n"
    "                (filters: WDMEMU_TRACE_FILTER=driver=X,device=Y,major=IRP_MJ_Z; request\n"
    "                bytes: WDMEMU_TRACE_DATA=N)\n"
    "  -q, --quiet   do not print the driver's debug output\n"
    "  -v, --verbose also print progress (same as WDMEMU_VERBOSE=1)\n"
    "  --version     print the wdmemu version and exit\n"
    "  -h, --help    print this help and exit\n"
    "\n"
    "script (one command per line, # comments; docs/scripts.md):\n"
    "  open NAME [as H] [access=read|write|rw|none] [share=r|w|d|rw|all] [overlapped] [nocache]\n"
    "  read H LEN [offset=N] [expect=STATUS] [expect-info=N] [expect-data=DATA] [pending]\n"
    "  write H DATA [offset=N] [expect=...] [expect-info=N] [pending]\n"
    "  ioctl|internal-ioctl|fsctl H CODE [in=DATA] [out=LEN] [expect=...] [expect-info=N]\n"
    "        [expect-data=DATA] [pending]\n"
    "  cancel H | wait [H] | advance MS | close H\n"
    "  DATA: hex bytes (41 42 or 4142) or \"text\"; CODE: a number or\n"
    "  CTL_CODE(type, function, METHOD_x, FILE_x_ACCESS); STATUS: a name or a number.\n"
    "  Requests on synchronous handles wait for their result; on overlapped handles they return at\n"
    "  once and their expectations are checked when they complete (wait, advance, cancel, close,\n"
    "  or the end of the script, where a request still pending is a failure).\n"
    "\n"
    "exit status: 0 if every DriverEntry succeeded, every expectation held, the unloads left\n"
    "nothing behind and no finding (driver bug) was reported; 1 otherwise (including usage\n"
    "errors).  A DbgBreakPoint is reported but does not fail the run.\n"
    "\n"
    "environment:\n"
    "  WDMEMU_MODE, WDMEMU_SEED  defaults for --mode and --seed\n"
    "  WDMEMU_TRACE=FORMAT[:PATH][,...]  tracing, as --trace\n"
    "  WDMEMU_TRACE_FILTER, WDMEMU_TRACE_DATA  what the trace keeps (docs/trace-format.md)\n"
    "  WDMEMU_VERBOSE=1       print progress messages\n"
    "  WDMEMU_DBGPRINT_ALL=1  show DbgPrintEx output at every level, not only DPFLTR_ERROR_LEVEL\n";

#define RUN_MODULES 8

typedef struct run_options {
    const char *modules[RUN_MODULES];
    int module_count;
    const char *script;
    const char *name;
    int quiet;
    int verbose;
    wdmemu_mode mode;
    int mode_given;
    uint64_t seed;
    int seed_given;
    const char *traces[4];
    int trace_count;
    int debug_in_trace; /* a text trace on the terminal shows DbgPrint output as DEBUG_PRINT records */
} run_options;

static run_options options;

static void on_message(wdmemu_message_kind kind, const char *text, void *context)
{
    (void)context;
    switch (kind) {
    case WDMEMU_MSG_DEBUG_PRINT:
        if (!options.quiet && !options.debug_in_trace)
            fputs(text, stderr);
        break;
    case WDMEMU_MSG_INFO:
        if (options.verbose)
            fprintf(stderr, "wdmemu-run: %s\n", text);
        break;
    case WDMEMU_MSG_BREAKPOINT:
        fprintf(stderr, "wdmemu-run: breakpoint: %s\n", text);
        break;
    case WDMEMU_MSG_FINDING:
        fprintf(stderr, "wdmemu-run: FINDING %s\n", text);
        break;
    case WDMEMU_MSG_ERROR:
        fprintf(stderr, "wdmemu-run: error: %s\n", text);
        break;
    }
    fflush(stderr);
}

static int is_module(const char *arg)
{
    size_t n = strlen(arg);
    return (n > 3 && strcmp(arg + n - 3, ".so") == 0) || (n > 4 && strcmp(arg + n - 4, ".dll") == 0) ||
           (n > 6 && strcmp(arg + n - 6, ".dylib") == 0) || strstr(arg, ".so.") != NULL;
}

static int parse_arguments(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(arg, "--version") == 0) {
            printf("wdmemu-run %d.%d.%d\n", WDMEMU_VERSION_MAJOR, WDMEMU_VERSION_MINOR, WDMEMU_VERSION_PATCH);
            exit(0);
        } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
            options.quiet = 1;
        } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
            options.verbose = 1;
        } else if (strncmp(arg, "--name=", 7) == 0) {
            options.name = arg + 7;
        } else if (strncmp(arg, "--mode=", 7) == 0) {
            if (strcmp(arg + 7, "deterministic") == 0)
                options.mode = WDMEMU_MODE_DETERMINISTIC;
            else if (strcmp(arg + 7, "threaded") == 0)
                options.mode = WDMEMU_MODE_THREADED;
            else {
                fprintf(stderr, "wdmemu-run: --mode must be deterministic or threaded, not %s\n", arg + 7);
                return 0;
            }
            options.mode_given = 1;
        } else if (strncmp(arg, "--trace=", 8) == 0) {
            if (options.trace_count == 4) {
                fputs("wdmemu-run: at most four --trace options\n", stderr);
                return 0;
            }
            const char *spec = arg + 8;
            options.traces[options.trace_count++] = spec;
            if (strcmp(spec, "text") == 0 || strcmp(spec, "text:-") == 0 || strcmp(spec, "text:stdout") == 0 ||
                strcmp(spec, "text:stderr") == 0)
                options.debug_in_trace = 1;
        } else if (strncmp(arg, "--seed=", 7) == 0) {
            char *end;
            options.seed = strtoull(arg + 7, &end, 0);
            if (*end != '\0' || arg[7] == '\0') {
                fprintf(stderr, "wdmemu-run: --seed needs a number, not %s\n", arg + 7);
                return 0;
            }
            options.seed_given = 1;
        } else if (strcmp(arg, "--script") == 0 && i + 1 < argc) {
            options.script = argv[++i];
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "wdmemu-run: unknown option %s (see --help)\n", arg);
            return 0;
        } else if (!is_module(arg) && i == argc - 1 && options.script == NULL && options.module_count > 0) {
            options.script = arg;
        } else if (options.module_count == RUN_MODULES) {
            fprintf(stderr, "wdmemu-run: at most %d driver modules\n", RUN_MODULES);
            return 0;
        } else {
            options.modules[options.module_count++] = arg;
        }
    }
    if (options.module_count == 0) {
        fputs("wdmemu-run: no driver module given (see --help)\n", stderr);
        return 0;
    }
    if (options.name != NULL && options.module_count > 1) {
        fputs("wdmemu-run: --name needs a single driver module\n", stderr);
        return 0;
    }
    return 1;
}

static void print_devices(PDRIVER_OBJECT driver)
{
    for (PDEVICE_OBJECT device = driver->DeviceObject; device != NULL; device = device->NextDevice) {
        char name[256];
        wdmemu_device_name(device, name, sizeof(name));
        printf("  device %s (type 0x%04x, flags 0x%08x%s%s)\n", name, (unsigned)device->DeviceType,
               (unsigned)device->Flags, (device->Flags & DO_BUFFERED_IO) ? ", buffered I/O" : "",
               (device->Flags & DO_DIRECT_IO) ? ", direct I/O" : "");
    }
}

int main(int argc, char **argv)
{
    if (!parse_arguments(argc, argv))
        return 1;
    wdmemu_set_message_handler(on_message, NULL);
    if (options.mode_given && !NT_SUCCESS(wdmemu_set_mode(options.mode)))
        return 1;
    if (options.seed_given)
        wdmemu_set_seed(options.seed);
    for (int i = 0; i < options.trace_count; i++) {
        if (!NT_SUCCESS(wdmemu_trace_start(options.traces[i]))) {
            fprintf(stderr, "wdmemu-run: --trace=%s: %s\n", options.traces[i], wdmemu_last_error());
            return 1;
        }
    }
    FILE *script = NULL;
    if (options.script != NULL && (script = fopen(options.script, "r")) == NULL) {
        fprintf(stderr, "wdmemu-run: cannot open script %s\n", options.script);
        return 1;
    }

    int failed = 0;
    char status_text[96];
    wdmemu_driver *drivers[RUN_MODULES];
    int loaded = 0;
    for (int i = 0; i < options.module_count; i++) {
        wdmemu_driver *driver = NULL;
        NTSTATUS status = wdmemu_driver_load(options.modules[i], options.name, &driver);
        wdmemu_status_format(status, status_text, sizeof(status_text));
        if (driver == NULL) {
            fprintf(stderr, "wdmemu-run: %s did not load: %s\n", options.modules[i], status_text);
            failed = 1;
            break;
        }
        printf("loaded \\Driver\\%s: DriverEntry returned %s\n", wdmemu_driver_name(driver), status_text);
        print_devices(wdmemu_driver_object(driver));
        drivers[loaded++] = driver;
    }
    if (!failed && script != NULL) {
        int script_failures = script_run(script, options.script);
        if (script_failures != 0) {
            fprintf(stderr, "wdmemu-run: %d script expectation%s failed\n", script_failures,
                    script_failures == 1 ? "" : "s");
            failed = 1;
        }
    }
    if (script != NULL)
        fclose(script);
    while (loaded > 0) {
        wdmemu_driver *driver = drivers[--loaded];
        char name[128];
        snprintf(name, sizeof(name), "%s", wdmemu_driver_name(driver));
        NTSTATUS status = wdmemu_driver_unload(driver);
        if (NT_SUCCESS(status)) {
            printf("unloaded \\Driver\\%s cleanly\n", name);
        } else {
            wdmemu_status_format(status, status_text, sizeof(status_text));
            fprintf(stderr, "wdmemu-run: unloading \\Driver\\%s failed: %s\n", name, status_text);
            failed = 1;
        }
    }
    size_t findings = wdmemu_finding_count();
    if (findings != 0) {
        fprintf(stderr, "wdmemu-run: %zu finding%s:\n", findings, findings == 1 ? "" : "s");
        for (size_t i = 0; i < findings; i++)
            fprintf(stderr, "  %s\n", wdmemu_finding_get(i)->message);
        failed = 1;
    }
    wdmemu_shutdown();
    return failed;
}
