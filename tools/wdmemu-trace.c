/* tools/wdmemu-trace.c: converts and filters a JSON Lines trace (docs/trace-format.md) recorded
 * by WDMEMU_TRACE=jsonl:... or wdmemu-run --trace=jsonl:...: to the text form, to Chrome Trace
 * Event format, or to JSON Lines again, keeping only the records of a driver, a device, a major
 * function or an IRP.  JSON is read with jansson; the output uses libwdmemu's own writers, so a
 * converted trace is exactly what the live sink would have written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(_MSC_VER)
#define strcasecmp _stricmp /* the Microsoft C runtime's name for it */
#else
#include <strings.h>
#endif

#include <jansson.h>
#include <wdmemu/wdmemu.h>

static const char usage[] =
    "usage: wdmemu-trace [--to=text|jsonl|chrome] [--driver=NAME] [--device=NAME] [--major=IRP_MJ_X]\n"
    "                    [--irp=N] [-o OUTPUT] [INPUT]\n"
    "\n"
    "Reads a JSON Lines trace (INPUT, or standard input) and writes the records that pass the\n"
    "filters in the chosen form (default text) to OUTPUT (default standard output).  Findings\n"
    "always pass.  --driver takes \\Driver\\NAME or NAME; --device \\Device\\NAME.\n"
    "\n"
    "exit status: 0 on success; 1 for a usage error, an unreadable input or a line that is not a\n"
    "JSON object of version 1 (named with its line number).\n";

typedef struct filters {
    char driver[160];
    const char *device;
    int major;
    unsigned long irp;
} filters;

static const char *get_string(json_t *object, const char *key, const char *fallback)
{
    json_t *value = json_object_get(object, key);
    return json_is_string(value) ? json_string_value(value) : fallback;
}

static json_int_t get_int(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    return json_is_integer(value) ? json_integer_value(value) : 0;
}

/* Fills record from one line's object; the strings stay owned by object. */
static int to_record(json_t *object, wdmemu_trace_record *r, unsigned char *data, size_t data_size)
{
    memset(r, 0, sizeof(*r));
    if (get_int(object, "v") != 1 || !json_is_string(json_object_get(object, "kind")))
        return 0;
    r->seq = (uint64_t)get_int(object, "seq");
    r->time = (uint64_t)get_int(object, "time");
    r->thread = (ULONG)get_int(object, "thread");
    r->irql = (KIRQL)get_int(object, "irql");
    r->kind = get_string(object, "kind", "");
    r->driver = get_string(object, "driver", "");
    r->device = get_string(object, "device", "");
    r->depth = (int)get_int(object, "depth");
    r->irp = (uint32_t)get_int(object, "irp");
    r->stack_location = (int)get_int(object, "stack_location");
    r->irp_flags = (ULONG)get_int(object, "irp_flags");
    r->file = (uint32_t)get_int(object, "file");
    r->major_name = get_string(object, "major_name", NULL);
    r->major = (UCHAR)get_int(object, "major");
    r->minor = (UCHAR)get_int(object, "minor");
    json_t *ioctl = json_object_get(object, "ioctl");
    if (json_is_object(ioctl))
        r->ioctl = (ULONG)get_int(ioctl, "code");
    r->input_length = (ULONG)get_int(object, "input_length");
    r->output_length = (ULONG)get_int(object, "output_length");
    r->offset = (LONGLONG)get_int(object, "offset");
    r->status = (NTSTATUS)(ULONG)get_int(object, "status");
    r->information = (ULONG_PTR)get_int(object, "information");
    r->pending_returned = json_is_true(json_object_get(object, "flag"));
    r->iosb_written = json_is_true(json_object_get(object, "iosb_written"));
    r->text = get_string(object, "text", NULL);
    const char *hex = get_string(object, "data", NULL);
    if (hex != NULL) {
        size_t n = strlen(hex) / 2;
        if (n > data_size)
            n = data_size;
        for (size_t i = 0; i < n; i++) {
            unsigned int byte;
            if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
                return 0;
            data[i] = (unsigned char)byte;
        }
        r->data = data;
        r->data_length = n;
    }
    return 1;
}

static int passes(const wdmemu_trace_record *r, const filters *f)
{
    if (strcmp(r->kind, "FINDING") == 0)
        return 1;
    if (f->driver[0] != '\0' && strcasecmp(r->driver, f->driver) != 0)
        return 0;
    if (f->device != NULL && strcasecmp(r->device, f->device) != 0)
        return 0;
    if (f->major >= 0 && (r->major_name == NULL || r->major != f->major))
        return 0;
    if (f->irp != 0 && r->irp != f->irp)
        return 0;
    return 1;
}

int main(int argc, char **argv)
{
    const char *to = "text", *input = NULL, *output = NULL;
    filters f = {.major = -1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strncmp(arg, "--to=", 5) == 0) {
            to = arg + 5;
        } else if (strncmp(arg, "--driver=", 9) == 0) {
            snprintf(f.driver, sizeof(f.driver), "%s%s", arg[9] == '\\' ? "" : "\\Driver\\", arg + 9);
        } else if (strncmp(arg, "--device=", 9) == 0) {
            f.device = arg + 9;
        } else if (strncmp(arg, "--major=", 8) == 0) {
            f.major = wdmemu_major_parse(arg + 8);
            if (f.major < 0) {
                fprintf(stderr, "wdmemu-trace: unknown major function %s\n", arg + 8);
                return 1;
            }
        } else if (strncmp(arg, "--irp=", 6) == 0) {
            f.irp = strtoul(arg + 6, NULL, 0);
        } else if (strcmp(arg, "-o") == 0 && i + 1 < argc) {
            output = argv[++i];
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "wdmemu-trace: unknown option %s (see --help)\n", arg);
            return 1;
        } else if (input == NULL) {
            input = arg;
        } else {
            fprintf(stderr, "wdmemu-trace: more than one input (see --help)\n");
            return 1;
        }
    }
    if (strcmp(to, "text") != 0 && strcmp(to, "jsonl") != 0 && strcmp(to, "chrome") != 0) {
        fprintf(stderr, "wdmemu-trace: --to must be text, jsonl or chrome, not %s\n", to);
        return 1;
    }
    FILE *in = input == NULL || strcmp(input, "-") == 0 ? stdin : fopen(input, "r");
    if (in == NULL) {
        fprintf(stderr, "wdmemu-trace: cannot open %s\n", input);
        return 1;
    }
    FILE *out = output == NULL ? stdout : fopen(output, "w");
    if (out == NULL) {
        fprintf(stderr, "wdmemu-trace: cannot write %s\n", output);
        if (in != stdin)
            fclose(in);
        return 1;
    }
    wdmemu_chrome_writer *chrome = strcmp(to, "chrome") == 0 ? wdmemu_chrome_writer_open(out) : NULL;
    int status = 0;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    unsigned long number = 0;
    static unsigned char data[65536];
    while ((length = getline(&line, &capacity, in)) != -1) {
        number++;
        if (length <= 1)
            continue;
        json_error_t error;
        json_t *object = json_loads(line, 0, &error);
        wdmemu_trace_record record;
        if (object == NULL || !json_is_object(object) || !to_record(object, &record, data, sizeof(data))) {
            fprintf(stderr, "wdmemu-trace: %s:%lu: not a version 1 trace record%s%s\n", input ? input : "stdin", number,
                    object == NULL ? ": " : "", object == NULL ? error.text : "");
            json_decref(object);
            status = 1;
            break;
        }
        if (passes(&record, &f)) {
            if (chrome != NULL)
                wdmemu_chrome_writer_write(chrome, &record);
            else if (strcmp(to, "jsonl") == 0)
                wdmemu_trace_write_jsonl(out, &record);
            else
                wdmemu_trace_write_text(out, &record);
        }
        json_decref(object);
    }
    free(line);
    if (chrome != NULL)
        wdmemu_chrome_writer_close(chrome);
    if (in != stdin)
        fclose(in);
    if (out != stdout && fclose(out) != 0)
        status = 1;
    return status;
}
