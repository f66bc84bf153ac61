/* The registry: a driver reading its service key's Parameters with RtlQueryRegistryValues and
 * ZwOpenKey; the Zw*Key services with every information class and buffer size; enumeration,
 * creation and deletion (and handles to deleted keys); access checks; case-insensitive names;
 * RtlQueryRegistryValues' table semantics; the other Rtl helpers; and the host API. */
#include "test_support.h"

#define RG_SERVICES L"\\Registry\\Machine\\System\\CurrentControlSet\\Services"
#define RG_SERVICE RG_SERVICES L"\\rg"
#define RG_PARAMETERS RG_SERVICE L"\\Parameters"
#define RG_HOST_PARAMETERS "HKLM\\System\\CurrentControlSet\\Services\\rg\\Parameters"
#define RG_TEST L"\\Registry\\Machine\\Software\\WdmemuTest"
#define RG_HOST_TEST "\\Registry\\Machine\\Software\\WdmemuTest"

/* ---- helpers ------------------------------------------------------------------------------ */

static ULONG rg_wlen(const WCHAR *s)
{
    ULONG n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

static BOOLEAN rg_wequal(const WCHAR *a, ULONG a_bytes, const WCHAR *b)
{
    return a_bytes == rg_wlen(b) * sizeof(WCHAR) && memcmp(a, b, a_bytes) == 0;
}

static NTSTATUS rg_try_open(HANDLE root, const WCHAR *path, ACCESS_MASK access, HANDLE *handle)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    RtlInitUnicodeString(&name, path);
    InitializeObjectAttributes(&attributes, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, root, NULL);
    return ZwOpenKey(handle, access, &attributes);
}

static HANDLE rg_open(const WCHAR *path, ACCESS_MASK access)
{
    HANDLE handle = NULL;
    assert_status(STATUS_SUCCESS, rg_try_open(NULL, path, access, &handle));
    assert_non_null(handle);
    return handle;
}

static NTSTATUS rg_try_create(HANDLE root, const WCHAR *path, ULONG options, HANDLE *handle, ULONG *disposition)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    RtlInitUnicodeString(&name, path);
    InitializeObjectAttributes(&attributes, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, root, NULL);
    return ZwCreateKey(handle, KEY_ALL_ACCESS, &attributes, 0, NULL, options, disposition);
}

static HANDLE rg_create(HANDLE root, const WCHAR *path)
{
    HANDLE handle = NULL;
    assert_status(STATUS_SUCCESS, rg_try_create(root, path, REG_OPTION_NON_VOLATILE, &handle, NULL));
    return handle;
}

static void rg_set(HANDLE key, const WCHAR *name, ULONG type, const void *data, ULONG size)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    assert_status(STATUS_SUCCESS, ZwSetValueKey(key, &u, 0, type, (PVOID)data, size));
}

static NTSTATUS rg_query(HANDLE key, const WCHAR *name, KEY_VALUE_INFORMATION_CLASS c, void *buffer, ULONG length,
                         ULONG *result)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return ZwQueryValueKey(key, &u, c, buffer, length, result);
}

static ULONG rg_u32(const void *at)
{
    ULONG v;
    memcpy(&v, at, sizeof(v));
    return v;
}

/* An 8-byte aligned scratch buffer. */
typedef union rg_buffer {
    ULONGLONG align;
    UCHAR bytes[512];
} rg_buffer;

/* ---- a driver reading its Parameters key ------------------------------------------------------ */

enum { RG_MODE_QUERY, RG_MODE_REQUIRED, RG_MODE_OPEN };

static int rg_mode;
static NTSTATUS rg_status;
static ULONG rg_speed;
static WCHAR rg_name[64];
static USHORT rg_name_length;
static USHORT rg_name_maximum;
static ULONG rg_default_speed = 7;

static VOID NTAPI rg_unload(PDRIVER_OBJECT DriverObject)
{
    (void)DriverObject;
}

static void rg_keep_name(const UNICODE_STRING *name)
{
    rg_name_length = name->Length;
    rg_name_maximum = name->MaximumLength;
    memset(rg_name, 0, sizeof(rg_name));
    if (name->Buffer != NULL && name->Length < sizeof(rg_name))
        memcpy(rg_name, name->Buffer, name->Length);
}

static NTSTATUS NTAPI rg_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->DriverUnload = rg_unload;
    WCHAR path[256];
    memset(path, 0, sizeof(path));
    UNICODE_STRING parameters = {0, sizeof(path) - sizeof(WCHAR), path};
    RtlCopyUnicodeString(&parameters, RegistryPath);
    RtlAppendUnicodeToString(&parameters, L"\\Parameters");

    switch (rg_mode) {
    case RG_MODE_QUERY: {
        ULONG speed = 0;
        UNICODE_STRING name = {0, 0, NULL}; /* Buffer NULL: RtlQueryRegistryValues allocates */
        RTL_QUERY_REGISTRY_TABLE table[3];
        memset(table, 0, sizeof(table));
        table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
        table[0].Name = L"Speed";
        table[0].EntryContext = &speed;
        table[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_DWORD;
        table[0].DefaultData = &rg_default_speed;
        table[0].DefaultLength = sizeof(ULONG);
        table[1].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK | RTL_QUERY_REGISTRY_NOEXPAND;
        table[1].Name = L"Name";
        table[1].EntryContext = &name;
        table[1].DefaultType = (REG_SZ << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_SZ;
        table[1].DefaultData = L"dflt";
        table[1].DefaultLength = 0; /* computed from the string */
        rg_status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, parameters.Buffer, table, NULL, NULL);
        rg_speed = speed;
        rg_keep_name(&name);
        RtlFreeUnicodeString(&name);
        break;
    }
    case RG_MODE_REQUIRED: {
        ULONG speed = 0;
        RTL_QUERY_REGISTRY_TABLE table[2];
        memset(table, 0, sizeof(table));
        table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
        table[0].Name = L"Speed";
        table[0].EntryContext = &speed;
        table[0].DefaultType = REG_NONE;
        rg_status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, parameters.Buffer, table, NULL, NULL);
        break;
    }
    case RG_MODE_OPEN: {
        OBJECT_ATTRIBUTES attributes;
        HANDLE service = NULL, params = NULL;
        InitializeObjectAttributes(&attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
        rg_status = ZwOpenKey(&service, KEY_READ, &attributes);
        if (!NT_SUCCESS(rg_status))
            break;
        UNICODE_STRING relative = RTL_CONSTANT_STRING(L"Parameters");
        InitializeObjectAttributes(&attributes, &relative, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, service, NULL);
        rg_status = ZwOpenKey(&params, KEY_QUERY_VALUE, &attributes);
        if (NT_SUCCESS(rg_status)) {
            union {
                KEY_VALUE_PARTIAL_INFORMATION info;
                UCHAR bytes[64];
            } buffer;
            ULONG length = 0;
            UNICODE_STRING value = RTL_CONSTANT_STRING(L"Speed");
            rg_status = ZwQueryValueKey(params, &value, KeyValuePartialInformation, &buffer, sizeof(buffer), &length);
            if (NT_SUCCESS(rg_status) && buffer.info.Type == REG_DWORD && buffer.info.DataLength == sizeof(ULONG))
                memcpy(&rg_speed, buffer.info.Data, sizeof(ULONG));
            ZwClose(params);
        }
        ZwClose(service);
        break;
    }
    }
    return STATUS_SUCCESS;
}

static int rg_setup(void **state)
{
    ts_setup(state);
    rg_status = STATUS_PENDING;
    rg_speed = 0;
    rg_name_length = rg_name_maximum = 0;
    memset(rg_name, 0, sizeof(rg_name));
    return 0;
}

#define rg_test(f) cmocka_unit_test_setup_teardown(f, rg_setup, ts_teardown)

static void rg_load(int mode)
{
    wdmemu_driver *driver = NULL;
    rg_mode = mode;
    assert_status(STATUS_SUCCESS, wdmemu_driver_load_entry(rg_entry, "rg", &driver));
    assert_status(STATUS_SUCCESS, wdmemu_driver_unload(driver));
}

static void driver_entry_reads_direct_dword_and_string_parameters(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_PARAMETERS, "Speed", 42));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_string(RG_HOST_PARAMETERS, "Name", "h\xc3\xa9llo"));
    rg_load(RG_MODE_QUERY);
    assert_status(STATUS_SUCCESS, rg_status);
    assert_int_equal(rg_speed, 42);
    assert_true(rg_wequal(rg_name, rg_name_length, L"h\u00e9llo"));
    assert_int_equal(rg_name_maximum, rg_name_length + sizeof(WCHAR)); /* allocated with room for the NUL */
    assert_no_findings();                                              /* the pool string was freed */
}

static void missing_parameters_take_their_defaults(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_create_key(RG_HOST_PARAMETERS));
    rg_load(RG_MODE_QUERY);
    assert_status(STATUS_SUCCESS, rg_status);
    assert_int_equal(rg_speed, 7);
    assert_true(rg_wequal(rg_name, rg_name_length, L"dflt"));
    assert_no_findings();
}

static void required_missing_value_is_name_not_found(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_PARAMETERS, "Other", 1));
    rg_load(RG_MODE_REQUIRED);
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_status);
    /* and with the whole Parameters key missing, the path itself is not found */
    assert_status(STATUS_SUCCESS, wdmemu_registry_delete_key(RG_HOST_PARAMETERS));
    rg_load(RG_MODE_REQUIRED);
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_status);
}

static void driver_opens_parameters_relative_to_its_registry_path(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_PARAMETERS, "speed", 99));
    rg_load(RG_MODE_OPEN);
    assert_status(STATUS_SUCCESS, rg_status);
    assert_int_equal(rg_speed, 99);
    assert_no_findings();
}

/* ---- ZwQueryValueKey ------------------------------------------------------------------------- */

static HANDLE rg_test_key(void)
{
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "deletetest", 711));
    return rg_open(RG_TEST, KEY_ALL_ACCESS);
}

static void query_value_basic_information_is_exact(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, rg_query(key, L"DeleteTest", KeyValueBasicInformation, &b, sizeof(b), &length));
    KEY_VALUE_BASIC_INFORMATION *basic = (void *)b.bytes;
    assert_int_equal(length, FIELD_OFFSET(KEY_VALUE_BASIC_INFORMATION, Name) + 20);
    assert_int_equal(basic->TitleIndex, 0);
    assert_int_equal(basic->Type, REG_DWORD);
    assert_int_equal(basic->NameLength, 20);
    assert_memory_equal(basic->Name, L"deletetest", 20); /* the stored spelling */
    ZwClose(key);
}

static void query_value_full_information_aligns_data_after_the_name(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    rg_set(key, L"abc", REG_DWORD, &(ULONG){5}, sizeof(ULONG)); /* 20 + 6 = 26: data moves to 28 */
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, rg_query(key, L"abc", KeyValueFullInformation, &b, sizeof(b), &length));
    KEY_VALUE_FULL_INFORMATION *full = (void *)b.bytes;
    assert_int_equal(full->Type, REG_DWORD);
    assert_int_equal(full->NameLength, 6);
    assert_int_equal(full->DataLength, 4);
    assert_int_equal(full->DataOffset, 28);
    assert_int_equal(length, 32);
    assert_int_equal(rg_u32(b.bytes + full->DataOffset), 5);
    /* the Align64 variant puts the data at 32 */
    assert_status(STATUS_SUCCESS, rg_query(key, L"abc", KeyValueFullInformationAlign64, &b, sizeof(b), &length));
    assert_int_equal(full->DataOffset, 32);
    assert_int_equal(length, 36);
    /* no data: DataOffset is -1 */
    rg_set(key, L"empty", REG_BINARY, NULL, 0);
    assert_status(STATUS_SUCCESS, rg_query(key, L"empty", KeyValueFullInformation, &b, sizeof(b), &length));
    assert_int_equal(full->DataOffset, 0xFFFFFFFF);
    assert_int_equal(length, 20 + 10);
    ZwClose(key);
}

static void query_value_partial_information_and_align64(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, rg_query(key, L"deletetest", KeyValuePartialInformation, &b, sizeof(b), &length));
    KEY_VALUE_PARTIAL_INFORMATION *partial = (void *)b.bytes;
    assert_int_equal(length, FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 4);
    assert_int_equal(partial->Type, REG_DWORD);
    assert_int_equal(partial->DataLength, 4);
    assert_int_equal(rg_u32(partial->Data), 711);
    /* KEY_VALUE_PARTIAL_INFORMATION_ALIGN64: Type, DataLength, then the data at offset 8 */
    assert_status(STATUS_SUCCESS,
                  rg_query(key, L"deletetest", KeyValuePartialInformationAlign64, &b, sizeof(b), &length));
    assert_int_equal(length, 12);
    assert_int_equal(rg_u32(b.bytes), REG_DWORD);
    assert_int_equal(rg_u32(b.bytes + 4), 4);
    assert_int_equal(rg_u32(b.bytes + 8), 711);
    /* the Align64 classes refuse a buffer that is not 8-byte aligned */
    assert_status(STATUS_DATATYPE_MISALIGNMENT,
                  rg_query(key, L"deletetest", KeyValuePartialInformationAlign64, b.bytes + 4, 64, &length));
    assert_status(STATUS_DATATYPE_MISALIGNMENT,
                  rg_query(key, L"deletetest", KeyValueFullInformationAlign64, b.bytes + 4, 64, &length));
    ZwClose(key);
}

static void query_value_without_room_for_the_fixed_part_is_buffer_too_small(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    static const WCHAR text[] = L"stringW";
    rg_set(key, L"stringtest", REG_SZ, text, sizeof(text) - 2 * sizeof(WCHAR)); /* stored as given: no NUL */
    ULONG expected = FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + sizeof(text) - 2 * sizeof(WCHAR);
    rg_buffer b;
    memset(&b, 0xbd, sizeof(b));
    ULONG length = 0;
    assert_status(STATUS_BUFFER_TOO_SMALL, rg_query(key, L"stringtest", KeyValuePartialInformation, NULL, 0, &length));
    assert_int_equal(length, expected);
    ULONG sizes[] = {1, FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) - 1};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        length = 0;
        assert_status(STATUS_BUFFER_TOO_SMALL,
                      rg_query(key, L"stringtest", KeyValuePartialInformation, &b, sizes[i], &length));
        assert_int_equal(length, expected);
    }
    assert_int_equal(b.bytes[0], 0xbd); /* nothing written */
    assert_status(STATUS_BUFFER_TOO_SMALL, rg_query(key, L"stringtest", KeyValueBasicInformation, &b, 11, &length));
    assert_int_equal(length, 12 + 20);
    assert_status(STATUS_BUFFER_TOO_SMALL, rg_query(key, L"stringtest", KeyValueFullInformation, &b, 19, &length));
    /* an exact buffer: the data as stored, nothing written after it */
    assert_status(STATUS_SUCCESS, rg_query(key, L"stringtest", KeyValuePartialInformation, &b, expected, &length));
    assert_int_equal(length, expected);
    KEY_VALUE_PARTIAL_INFORMATION *partial = (void *)b.bytes;
    assert_int_equal(partial->DataLength, sizeof(text) - 2 * sizeof(WCHAR));
    assert_memory_equal(partial->Data, text, partial->DataLength);
    assert_int_equal(b.bytes[expected], 0xbd);
    ZwClose(key);
}

static void query_value_with_only_the_fixed_part_is_buffer_overflow(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    rg_buffer b;
    ULONG length = 0;
    memset(&b, 0xbd, sizeof(b));
    assert_status(STATUS_BUFFER_OVERFLOW, rg_query(key, L"deletetest", KeyValueBasicInformation, &b,
                                                   FIELD_OFFSET(KEY_VALUE_BASIC_INFORMATION, Name), &length));
    KEY_VALUE_BASIC_INFORMATION *basic = (void *)b.bytes;
    assert_int_equal(basic->TitleIndex, 0);
    assert_int_equal(basic->Type, REG_DWORD);
    assert_int_equal(basic->NameLength, 20);
    assert_int_equal(length, 12 + 20);
    assert_int_equal(b.bytes[12], 0xbd);

    memset(&b, 0xbd, sizeof(b));
    assert_status(STATUS_BUFFER_OVERFLOW, rg_query(key, L"deletetest", KeyValuePartialInformation, &b,
                                                   FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data), &length));
    KEY_VALUE_PARTIAL_INFORMATION *partial = (void *)b.bytes;
    assert_int_equal(partial->Type, REG_DWORD);
    assert_int_equal(partial->DataLength, 4);
    assert_int_equal(length, 16);

    memset(&b, 0xbd, sizeof(b));
    assert_status(STATUS_BUFFER_OVERFLOW, rg_query(key, L"deletetest", KeyValueFullInformation, &b,
                                                   FIELD_OFFSET(KEY_VALUE_FULL_INFORMATION, Name) + 4, &length));
    KEY_VALUE_FULL_INFORMATION *full = (void *)b.bytes;
    assert_int_equal(full->DataLength, 4);
    assert_int_equal(full->NameLength, 20);
    assert_int_equal(full->DataOffset, 40);
    assert_int_equal(length, 44);
    assert_memory_equal(full->Name, L"de", 4); /* the part of the name that fits */
    assert_int_equal(b.bytes[24], 0xbd);
    ZwClose(key);
}

static void query_missing_value_or_bad_class_fails(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND,
                  rg_query(key, L"nothere", KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_status(STATUS_INVALID_PARAMETER,
                  rg_query(key, L"deletetest", (KEY_VALUE_INFORMATION_CLASS)KeyValueLayerInformation, &b, sizeof(b),
                           &length));
    assert_status(STATUS_INVALID_PARAMETER,
                  rg_query(key, L"deletetest", (KEY_VALUE_INFORMATION_CLASS)42, &b, sizeof(b), &length));
    /* a type Windows does not know is stored and returned as it is */
    rg_set(key, L"custtest", 0xff00ff00, NULL, 0);
    assert_status(STATUS_SUCCESS, rg_query(key, L"custtest", KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_int_equal(((KEY_VALUE_PARTIAL_INFORMATION *)b.bytes)->Type, 0xff00ff00);
    assert_int_equal(((KEY_VALUE_PARTIAL_INFORMATION *)b.bytes)->DataLength, 0);
    ZwClose(key);
}

static void default_value_has_an_empty_name(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_string(RG_HOST_TEST, NULL, "dflt"));
    HANDLE key = rg_open(RG_TEST, KEY_READ);
    rg_buffer b;
    ULONG length = 0;
    UNICODE_STRING empty = {0, 0, NULL};
    assert_status(STATUS_SUCCESS, ZwQueryValueKey(key, &empty, KeyValueBasicInformation, &b, sizeof(b), &length));
    assert_int_equal(((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->NameLength, 0);
    assert_int_equal(((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->Type, REG_SZ);
    assert_int_equal(length, 12);
    assert_status(STATUS_SUCCESS, ZwQueryValueKey(key, &empty, KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_memory_equal(((KEY_VALUE_PARTIAL_INFORMATION *)b.bytes)->Data, L"dflt", 10);
    ZwClose(key);
}

/* ---- enumeration ----------------------------------------------------------------------------- */

static void enumerate_keys_sorted_case_insensitively_until_no_more_entries(void **state)
{
    (void)state;
    HANDLE root = rg_create(NULL, RG_TEST);
    ZwClose(rg_create(root, L"beta"));
    ZwClose(rg_create(root, L"Alpha"));
    ZwClose(rg_create(root, L"GAMMA"));
    const WCHAR *expected[] = {L"Alpha", L"beta", L"GAMMA"};
    rg_buffer b;
    ULONG length = 0;
    for (ULONG i = 0; i < 3; i++) {
        assert_status(STATUS_SUCCESS, ZwEnumerateKey(root, i, KeyBasicInformation, &b, sizeof(b), &length));
        KEY_BASIC_INFORMATION *basic = (void *)b.bytes;
        assert_true(rg_wequal(basic->Name, basic->NameLength, expected[i]));
        assert_int_equal(length, FIELD_OFFSET(KEY_BASIC_INFORMATION, Name) + basic->NameLength);
        assert_true(basic->LastWriteTime.QuadPart > 0);
    }
    assert_status(STATUS_NO_MORE_ENTRIES, ZwEnumerateKey(root, 3, KeyBasicInformation, &b, sizeof(b), &length));
    assert_status(STATUS_BUFFER_TOO_SMALL, ZwEnumerateKey(root, 0, KeyBasicInformation, &b, 15, &length));
    assert_int_equal(length, 16 + 10);
    assert_status(STATUS_BUFFER_OVERFLOW, ZwEnumerateKey(root, 0, KeyBasicInformation, &b, 16, &length));
    assert_int_equal(((KEY_BASIC_INFORMATION *)b.bytes)->NameLength, 10);
    assert_status(STATUS_INVALID_PARAMETER,
                  ZwEnumerateKey(root, 0, KeyNameInformation, &b, sizeof(b), &length));
    ZwClose(root);
}

static void enumerate_key_node_and_full_information_carry_the_class(void **state)
{
    (void)state;
    HANDLE root = rg_create(NULL, RG_TEST);
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"Classy");
    UNICODE_STRING class_name = RTL_CONSTANT_STRING(L"Cls");
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, &name, OBJ_CASE_INSENSITIVE, root, NULL);
    HANDLE sub = NULL;
    assert_status(STATUS_SUCCESS, ZwCreateKey(&sub, KEY_ALL_ACCESS, &attributes, 0, &class_name, 0, NULL));
    rg_set(sub, L"v", REG_BINARY, "12345", 5);
    ZwClose(rg_create(sub, L"child"));
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, ZwEnumerateKey(root, 0, KeyNodeInformation, &b, sizeof(b), &length));
    /* KEY_NODE_INFORMATION: time, TitleIndex, ClassOffset, ClassLength, NameLength, Name, class */
    assert_int_equal(rg_u32(b.bytes + 12), 24 + 12);
    assert_int_equal(rg_u32(b.bytes + 16), 6);
    assert_int_equal(rg_u32(b.bytes + 20), 12);
    assert_memory_equal(b.bytes + 24, L"Classy", 12);
    assert_memory_equal(b.bytes + 36, L"Cls", 6);
    assert_int_equal(length, 24 + 12 + 6);
    /* KEY_FULL_INFORMATION of the root: one subkey, no values of its own */
    HANDLE top = rg_open(L"\\Registry\\Machine\\Software", KEY_READ);
    ULONG index = 0;
    for (;; index++) {
        assert_status(STATUS_SUCCESS, ZwEnumerateKey(top, index, KeyBasicInformation, &b, sizeof(b), &length));
        if (rg_wequal(((KEY_BASIC_INFORMATION *)b.bytes)->Name, ((KEY_BASIC_INFORMATION *)b.bytes)->NameLength,
                      L"WdmemuTest"))
            break;
    }
    assert_status(STATUS_SUCCESS, ZwEnumerateKey(top, index, KeyFullInformation, &b, sizeof(b), &length));
    assert_int_equal(length, 44);
    assert_int_equal(rg_u32(b.bytes + 12), 0xFFFFFFFF); /* no class */
    assert_int_equal(rg_u32(b.bytes + 20), 1);          /* SubKeys */
    assert_int_equal(rg_u32(b.bytes + 24), 12);         /* MaxNameLen: "Classy" */
    assert_int_equal(rg_u32(b.bytes + 28), 6);          /* MaxClassLen */
    assert_int_equal(rg_u32(b.bytes + 32), 0);          /* Values */
    ZwClose(top);
    ZwClose(sub);
    ZwClose(root);
}

static void enumerate_values_in_creation_order(void **state)
{
    (void)state;
    HANDLE key = rg_create(NULL, RG_TEST);
    rg_set(key, L"zeta", REG_DWORD, &(ULONG){1}, sizeof(ULONG));
    rg_set(key, L"alpha", REG_DWORD, &(ULONG){2}, sizeof(ULONG));
    rg_set(key, L"Zeta", REG_DWORD, &(ULONG){3}, sizeof(ULONG)); /* replaces zeta in place */
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, ZwEnumerateValueKey(key, 0, KeyValueFullInformation, &b, sizeof(b), &length));
    KEY_VALUE_FULL_INFORMATION *full = (void *)b.bytes;
    assert_true(rg_wequal(full->Name, full->NameLength, L"zeta"));
    assert_int_equal(rg_u32(b.bytes + full->DataOffset), 3);
    assert_status(STATUS_SUCCESS, ZwEnumerateValueKey(key, 1, KeyValueBasicInformation, &b, sizeof(b), &length));
    assert_true(rg_wequal(((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->Name,
                          ((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->NameLength, L"alpha"));
    assert_status(STATUS_NO_MORE_ENTRIES,
                  ZwEnumerateValueKey(key, 2, KeyValueBasicInformation, &b, sizeof(b), &length));
    UNICODE_STRING zeta = RTL_CONSTANT_STRING(L"ZETA");
    assert_status(STATUS_SUCCESS, ZwDeleteValueKey(key, &zeta));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, ZwDeleteValueKey(key, &zeta));
    assert_status(STATUS_SUCCESS, ZwEnumerateValueKey(key, 0, KeyValueBasicInformation, &b, sizeof(b), &length));
    assert_true(rg_wequal(((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->Name,
                          ((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->NameLength, L"alpha"));
    ZwClose(key);
}

/* ---- creating, opening and deleting keys ------------------------------------------------------ */

static void create_key_reports_disposition_and_trailing_backslash(void **state)
{
    (void)state;
    HANDLE key = NULL;
    ULONG disposition = 0;
    assert_status(STATUS_SUCCESS, rg_try_create(NULL, RG_TEST, 0, &key, &disposition));
    assert_int_equal(disposition, REG_CREATED_NEW_KEY);
    ZwClose(key);
    assert_status(STATUS_SUCCESS, rg_try_create(NULL, RG_TEST L"\\", 0, &key, &disposition));
    assert_int_equal(disposition, REG_OPENED_EXISTING_KEY);
    HANDLE sub = NULL;
    assert_status(STATUS_SUCCESS, rg_try_create(key, L"sub\\", REG_OPTION_VOLATILE, &sub, &disposition));
    assert_int_equal(disposition, REG_CREATED_NEW_KEY);
    ZwClose(sub);
    ZwClose(key);
    ULONG type = 0;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_registry_get_value(RG_HOST_TEST "\\sub", "x", &type, NULL, 0, NULL));
    assert_status(STATUS_SUCCESS, wdmemu_registry_create_key(RG_HOST_TEST "\\sub")); /* exists: left as it is */
}

static void create_key_needs_every_parent_but_the_last(void **state)
{
    (void)state;
    HANDLE root = rg_create(NULL, RG_TEST);
    HANDLE key = (HANDLE)(ULONG_PTR)0xdead;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_try_create(root, L"test\\sub\\key", 0, &key, NULL));
    assert_null(key);
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_try_create(root, L"test\\subkey", 0, &key, NULL));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_try_create(NULL, RG_TEST L"\\a\\b", 0, &key, NULL));
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, rg_try_create(root, L"\\rooted", 0, &key, NULL));
    assert_status(STATUS_OBJECT_NAME_INVALID, rg_try_create(root, L"a\\\\b", 0, &key, NULL));
    ZwClose(root);
}

static void volatile_parents_need_volatile_children(void **state)
{
    (void)state;
    HANDLE key = NULL;
    assert_status(STATUS_CHILD_MUST_BE_VOLATILE,
                  rg_try_create(NULL, L"\\Registry\\Machine\\Hardware\\DeviceMap\\Wdmemu", 0, &key, NULL));
    assert_status(STATUS_SUCCESS, rg_try_create(NULL, L"\\Registry\\Machine\\Hardware\\DeviceMap\\Wdmemu",
                                                REG_OPTION_VOLATILE, &key, NULL));
    ZwClose(key);
    assert_status(STATUS_CHILD_MUST_BE_VOLATILE,
                  RtlCreateRegistryKey(RTL_REGISTRY_DEVICEMAP, L"Wdmemu\\Other"));
}

static void names_outside_the_registry_are_not_keys(void **state)
{
    (void)state;
    HANDLE key = NULL;
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, rg_try_open(NULL, L"\\", KEY_READ, &key));
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, rg_try_open(NULL, L"\\Device", KEY_READ, &key));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_try_open(NULL, L"\\Foobar", KEY_READ, &key));
    assert_status(STATUS_OBJECT_PATH_NOT_FOUND, rg_try_open(NULL, L"\\Foobar\\Machine", KEY_READ, &key));
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, rg_try_open(NULL, L"Machine", KEY_READ, &key));
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, rg_try_open(NULL, L"", KEY_READ, &key));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_try_open(NULL, L"\\Registry\\Nothing", KEY_READ, &key));
    assert_status(STATUS_SUCCESS, rg_try_open(NULL, L"\\Registry\\", KEY_READ, &key));
    /* an empty name relative to a key opens that key again */
    HANDLE again = NULL;
    assert_status(STATUS_SUCCESS, rg_try_open(key, L"", KEY_READ, &again));
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, ZwEnumerateKey(again, 0, KeyBasicInformation, &b, sizeof(b), &length));
    assert_true(rg_wequal(((KEY_BASIC_INFORMATION *)b.bytes)->Name, ((KEY_BASIC_INFORMATION *)b.bytes)->NameLength,
                          L"MACHINE"));
    ZwClose(again);
    ZwClose(key);
    OBJECT_ATTRIBUTES bad;
    UNICODE_STRING name = RTL_CONSTANT_STRING(RG_TEST);
    InitializeObjectAttributes(&bad, &name, 0, NULL, NULL);
    bad.Length *= 2;
    assert_status(STATUS_INVALID_PARAMETER, ZwOpenKey(&key, KEY_READ, &bad));
    assert_status(STATUS_ACCESS_VIOLATION, ZwOpenKey(&key, KEY_READ, NULL));
}

static void delete_key_refuses_keys_with_subkeys_and_hive_roots(void **state)
{
    (void)state;
    HANDLE key = rg_create(NULL, RG_TEST);
    HANDLE sub = rg_create(key, L"sub");
    assert_status(STATUS_CANNOT_DELETE, ZwDeleteKey(key));
    assert_status(STATUS_SUCCESS, ZwDeleteKey(sub));
    assert_status(STATUS_SUCCESS, ZwDeleteKey(key));
    ZwClose(sub);
    ZwClose(key);
    HANDLE machine = rg_open(L"\\Registry\\Machine", KEY_ALL_ACCESS);
    assert_status(STATUS_CANNOT_DELETE, ZwDeleteKey(machine));
    ZwClose(machine);
    assert_status(STATUS_CANNOT_DELETE, wdmemu_registry_delete_key("HKLM\\SYSTEM"));
    assert_status(STATUS_SUCCESS, wdmemu_registry_delete_key("HKLM\\System\\CurrentControlSet\\Control"));
}

static void deleted_key_handles_fail_with_key_deleted(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST "\\gone", "v", 1));
    HANDLE a = rg_open(RG_TEST L"\\gone", KEY_ALL_ACCESS);
    HANDLE b = rg_open(RG_TEST L"\\GONE", KEY_READ);
    assert_status(STATUS_SUCCESS, ZwDeleteKey(a));
    rg_buffer buffer;
    ULONG length = 0;
    assert_status(STATUS_KEY_DELETED, rg_query(b, L"v", KeyValuePartialInformation, &buffer, sizeof(buffer), &length));
    assert_status(STATUS_KEY_DELETED, rg_query(a, L"v", KeyValuePartialInformation, &buffer, sizeof(buffer), &length));
    UNICODE_STRING v = RTL_CONSTANT_STRING(L"v");
    assert_status(STATUS_KEY_DELETED, ZwSetValueKey(a, &v, 0, REG_DWORD, &(ULONG){2}, sizeof(ULONG)));
    assert_status(STATUS_KEY_DELETED, ZwDeleteKey(a));
    assert_status(STATUS_KEY_DELETED, ZwFlushKey(a));
    assert_status(STATUS_KEY_DELETED, ZwEnumerateKey(b, 0, KeyBasicInformation, &buffer, sizeof(buffer), &length));
    HANDLE child = NULL;
    assert_status(STATUS_KEY_DELETED, rg_try_create(a, L"child", 0, &child, NULL));
    /* gone from lookups and enumeration */
    HANDLE again = NULL;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, rg_try_open(NULL, RG_TEST L"\\gone", KEY_READ, &again));
    HANDLE parent = rg_open(RG_TEST, KEY_READ);
    assert_status(STATUS_NO_MORE_ENTRIES,
                  ZwEnumerateKey(parent, 0, KeyBasicInformation, &buffer, sizeof(buffer), &length));
    ZwClose(parent);
    /* a key of the same name can be made again, independent of the deleted one */
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST "\\gone", "v", 3));
    assert_status(STATUS_KEY_DELETED, rg_query(b, L"v", KeyValuePartialInformation, &buffer, sizeof(buffer), &length));
    assert_status(STATUS_SUCCESS, ZwClose(a));
    assert_status(STATUS_SUCCESS, ZwClose(b));
    /* the host's recursive delete leaves open handles just as dead */
    HANDLE c = rg_open(RG_TEST L"\\gone", KEY_READ);
    assert_status(STATUS_SUCCESS, wdmemu_registry_delete_key(RG_HOST_TEST));
    assert_status(STATUS_KEY_DELETED, rg_query(c, L"v", KeyValuePartialInformation, &buffer, sizeof(buffer), &length));
    ZwClose(c);
    assert_no_findings();
}

/* ---- access, names, handles ---------------------------------------------------------------- */

static void operations_need_the_access_they_were_opened_for(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    ZwClose(key);
    HANDLE reader = rg_open(RG_TEST, KEY_READ);
    UNICODE_STRING v = RTL_CONSTANT_STRING(L"deletetest");
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_ACCESS_DENIED, ZwSetValueKey(reader, &v, 0, REG_DWORD, &(ULONG){1}, sizeof(ULONG)));
    assert_status(STATUS_ACCESS_DENIED, ZwDeleteValueKey(reader, &v));
    assert_status(STATUS_ACCESS_DENIED, ZwDeleteKey(reader));
    HANDLE sub = NULL;
    assert_status(STATUS_ACCESS_DENIED, rg_try_create(reader, L"newkey", 0, &sub, NULL));
    assert_status(STATUS_SUCCESS, rg_query(reader, L"deletetest", KeyValuePartialInformation, &b, sizeof(b), &length));
    ZwClose(reader);

    HANDLE writer = rg_open(RG_TEST, KEY_SET_VALUE);
    assert_status(STATUS_ACCESS_DENIED, rg_query(writer, L"deletetest", KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_status(STATUS_ACCESS_DENIED, ZwEnumerateKey(writer, 0, KeyBasicInformation, &b, sizeof(b), &length));
    assert_status(STATUS_ACCESS_DENIED, ZwEnumerateValueKey(writer, 0, KeyValueBasicInformation, &b, sizeof(b), &length));
    assert_status(STATUS_SUCCESS, ZwSetValueKey(writer, &v, 0, REG_DWORD, &(ULONG){1}, sizeof(ULONG)));
    ZwClose(writer);

    HANDLE generic = rg_open(RG_TEST, GENERIC_READ); /* mapped to KEY_READ */
    assert_status(STATUS_SUCCESS, rg_query(generic, L"deletetest", KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_status(STATUS_ACCESS_DENIED, ZwSetValueKey(generic, &v, 0, REG_DWORD, &(ULONG){1}, sizeof(ULONG)));
    ZwClose(generic);

    HANDLE none = (HANDLE)(ULONG_PTR)0xdead;
    assert_status(STATUS_ACCESS_DENIED, rg_try_open(NULL, RG_TEST, 0, &none));
    assert_null(none);
}

static void names_are_case_insensitive_and_keep_their_case(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword("hklm\\software\\WdmemuTest\\MixedCase", "ValueName", 5));
    HANDLE key = rg_open(L"\\REGISTRY\\MACHINE\\SOFTWARE\\wdmemutest\\mixedcase", KEY_READ);
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, rg_query(key, L"VALUENAME", KeyValueBasicInformation, &b, sizeof(b), &length));
    assert_true(rg_wequal(((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->Name,
                          ((KEY_VALUE_BASIC_INFORMATION *)b.bytes)->NameLength, L"ValueName"));
    ZwClose(key);
    HANDLE parent = rg_open(RG_TEST, KEY_READ);
    assert_status(STATUS_SUCCESS, ZwEnumerateKey(parent, 0, KeyBasicInformation, &b, sizeof(b), &length));
    assert_true(rg_wequal(((KEY_BASIC_INFORMATION *)b.bytes)->Name, ((KEY_BASIC_INFORMATION *)b.bytes)->NameLength,
                          L"MixedCase"));
    ZwClose(parent);
    ULONG value = 0;
    assert_status(STATUS_SUCCESS, wdmemu_registry_get_value(RG_HOST_TEST "\\MIXEDCASE", "valuename", NULL, &value,
                                                            sizeof(value), NULL));
    assert_int_equal(value, 5);
}

static void closing_a_key_handle_twice_is_a_finding(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    assert_status(STATUS_SUCCESS, ZwClose(key));
    assert_int_equal(wdmemu_finding_count(), 0);
    assert_status(STATUS_INVALID_HANDLE, ZwClose(key));
    const wdmemu_finding *f = ts_finding("INVALID_KERNEL_HANDLE");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "ZwClose"));
    /* the closed handle is no key any more */
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_INVALID_HANDLE, rg_query(key, L"deletetest", KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_status(STATUS_INVALID_HANDLE, ZwFlushKey(NULL));
    assert_status(STATUS_INVALID_HANDLE, ZwDeleteKey(NULL));
}

static void flush_succeeds_and_registry_ddis_want_passive_level(void **state)
{
    (void)state;
    HANDLE key = rg_test_key();
    assert_status(STATUS_SUCCESS, ZwFlushKey(key));
    assert_int_equal(wdmemu_finding_count(), 0);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    ZwFlushKey(key);
    KeLowerIrql(old);
    const wdmemu_finding *f = ts_finding("IRQL_NOT_LESS_OR_EQUAL");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "ZwFlushKey"));
    ZwClose(key);
}

/* ---- RtlQueryRegistryValues -------------------------------------------------------------------- */

#define RG_MAX_CALLS 16

typedef struct rg_call {
    WCHAR name[32];
    ULONG type;
    ULONG length;
    UCHAR data[128];
    PVOID context;
    PVOID entry_context;
} rg_call;

static rg_call rg_calls[RG_MAX_CALLS];
static int rg_call_count;
static NTSTATUS rg_routine_status;

static NTSTATUS NTAPI rg_routine(PWSTR ValueName, ULONG ValueType, PVOID ValueData, ULONG ValueLength, PVOID Context,
                                 PVOID EntryContext)
{
    if (rg_call_count < RG_MAX_CALLS) {
        rg_call *c = &rg_calls[rg_call_count];
        memset(c, 0, sizeof(*c));
        if (ValueName != NULL) {
            ULONG n = rg_wlen(ValueName);
            memcpy(c->name, ValueName, (n < 31 ? n : 31) * sizeof(WCHAR));
        }
        c->type = ValueType;
        c->length = ValueLength;
        if (ValueData != NULL)
            memcpy(c->data, ValueData, ValueLength < sizeof(c->data) ? ValueLength : sizeof(c->data));
        c->context = Context;
        c->entry_context = EntryContext;
    }
    rg_call_count++;
    return rg_routine_status;
}

static int rg_query_setup(void **state)
{
    ts_setup(state);
    rg_call_count = 0;
    rg_routine_status = STATUS_SUCCESS;
    memset(rg_calls, 0, sizeof(rg_calls));
    return 0;
}

#define rg_query_test(f) cmocka_unit_test_setup_teardown(f, rg_query_setup, ts_teardown)

static void query_routine_gets_multi_sz_strings_one_by_one(void **state)
{
    (void)state;
    const char *strings[] = {"one", "two"};
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_multi_string(RG_HOST_TEST, "List", strings, 2));
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].QueryRoutine = rg_routine;
    table[0].Name = L"List";
    table[0].EntryContext = (PVOID)(ULONG_PTR)0x1234;
    int context;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, &context, NULL));
    assert_int_equal(rg_call_count, 2);
    assert_true(rg_wequal(rg_calls[0].name, 8, L"List"));
    assert_int_equal(rg_calls[0].type, REG_SZ);
    assert_int_equal(rg_calls[0].length, 8);
    assert_memory_equal(rg_calls[0].data, L"one", 8);
    assert_memory_equal(rg_calls[1].data, L"two", 8);
    assert_ptr_equal(rg_calls[1].context, &context);
    assert_ptr_equal(rg_calls[1].entry_context, (PVOID)(ULONG_PTR)0x1234);
    /* NOEXPAND: the raw REG_MULTI_SZ in one call */
    rg_call_count = 0;
    table[0].Flags = RTL_QUERY_REGISTRY_NOEXPAND;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(rg_call_count, 1);
    assert_int_equal(rg_calls[0].type, REG_MULTI_SZ);
    assert_int_equal(rg_calls[0].length, 18);
    assert_memory_equal(rg_calls[0].data, L"one\0two\0", 18);
    /* DIRECT with NOEXPAND: one UNICODE_STRING holding every string */
    WCHAR storage[16];
    UNICODE_STRING all = {0, sizeof(storage), storage};
    table[0].QueryRoutine = NULL;
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_NOEXPAND;
    table[0].EntryContext = &all;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(all.Length, 16);
    assert_memory_equal(storage, L"one\0two\0", 18);
    /* DIRECT without NOEXPAND is refused for REG_MULTI_SZ */
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    assert_status(STATUS_INVALID_PARAMETER, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
}

static void expand_sz_values_are_expanded_unless_noexpand(void **state)
{
    (void)state;
    static const WCHAR raw[] = L"%SystemRoot%\\system32;%SYSTEMDRIVE%;%Nope%;100%";
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_value(RG_HOST_TEST, "Path", REG_EXPAND_SZ, raw, sizeof(raw)));
    WCHAR storage[64];
    UNICODE_STRING text = {0, sizeof(storage), storage};
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[0].Name = L"Path";
    table[0].EntryContext = &text;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_true(rg_wequal(storage, text.Length, L"C:\\Windows\\system32;C:;%Nope%;100%"));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_NOEXPAND;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_true(rg_wequal(storage, text.Length, raw));
    /* a QueryRoutine sees the expansion as REG_SZ; an Environment block replaces the defaults */
    static const WCHAR environment[] = L"SystemRoot=D:\\W\0Nope=yes\0";
    table[0].Flags = 0;
    table[0].QueryRoutine = rg_routine;
    table[0].EntryContext = NULL;
    assert_status(STATUS_SUCCESS,
                  RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, (PVOID)environment));
    assert_int_equal(rg_call_count, 1);
    assert_int_equal(rg_calls[0].type, REG_SZ);
    static const WCHAR expected[] = L"D:\\W\\system32;%SYSTEMDRIVE%;yes;100%";
    assert_int_equal(rg_calls[0].length, sizeof(expected));
    assert_memory_equal(rg_calls[0].data, expected, sizeof(expected));
}

static void null_name_enumerates_values_and_subkey_topkey_switch_keys(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "a", 1));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "b", 2));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST "\\Sub", "c", 3));
    ULONG c = 0, b = 0;
    RTL_QUERY_REGISTRY_TABLE table[7];
    memset(table, 0, sizeof(table));
    table[0].QueryRoutine = rg_routine; /* every value of the top key */
    table[1].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    table[1].Name = L"Sub";
    table[2].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[2].Name = L"c";
    table[2].EntryContext = &c;
    table[3].Flags = RTL_QUERY_REGISTRY_TOPKEY;
    table[3].Name = L"ignored";
    table[4].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[4].Name = L"b";
    table[4].EntryContext = &b;
    table[5].QueryRoutine = rg_routine;
    table[5].Flags = RTL_QUERY_REGISTRY_NOVALUE;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(rg_call_count, 3);
    assert_true(rg_wequal(rg_calls[0].name, 2, L"a"));
    assert_int_equal(rg_u32(rg_calls[0].data), 1);
    assert_true(rg_wequal(rg_calls[1].name, 2, L"b"));
    assert_int_equal(rg_calls[2].type, REG_NONE); /* NOVALUE: just a callback */
    assert_int_equal(rg_calls[2].length, 0);
    assert_int_equal(c, 3);
    assert_int_equal(b, 2);
    /* an empty key with REQUIRED on the enumerating entry */
    assert_status(STATUS_SUCCESS, wdmemu_registry_create_key(RG_HOST_TEST "\\Empty"));
    memset(table, 0, sizeof(table));
    table[0].QueryRoutine = rg_routine;
    table[0].Flags = RTL_QUERY_REGISTRY_REQUIRED;
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND,
                  RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST L"\\Empty", table, NULL, NULL));
    /* a missing subkey: REQUIRED fails, otherwise its entries get their defaults */
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY | RTL_QUERY_REGISTRY_REQUIRED;
    table[0].Name = L"Missing";
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND,
                  RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
}

static void direct_binary_data_uses_the_size_header(void **state)
{
    (void)state;
    static const UCHAR blob[6] = {1, 2, 3, 4, 5, 6};
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_value(RG_HOST_TEST, "Blob", REG_BINARY, blob, sizeof(blob)));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_value(RG_HOST_TEST, "Small", REG_BINARY, blob, 3));
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[0].Name = L"Blob";
    /* positive size: length, type, then the data */
    ULONG with_header[4] = {sizeof(with_header), 0, 0, 0};
    table[0].EntryContext = with_header;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(with_header[0], 6);
    assert_int_equal(with_header[1], REG_BINARY);
    assert_memory_equal(&with_header[2], blob, 6);
    /* negative size: the data alone */
    LONG data_only[2] = {-(LONG)sizeof(data_only), 0};
    table[0].EntryContext = data_only;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_memory_equal(data_only, blob, 6);
    /* too small either way */
    ULONG tight[3] = {sizeof(tight), 0, 0}; /* 12 bytes: 8 of header leave 4 for 6 of data */
    table[0].EntryContext = tight;
    assert_status(STATUS_BUFFER_TOO_SMALL, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    LONG tiny[2] = {-5, 0};
    table[0].EntryContext = tiny;
    assert_status(STATUS_BUFFER_TOO_SMALL, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    /* up to a ULONG of data is stored in place */
    ULONG small = 0xFFFFFFFF;
    table[0].Name = L"Small";
    table[0].EntryContext = &small;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(small, 0xFF030201);
}

static void direct_string_into_a_small_buffer_is_buffer_too_small(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_string(RG_HOST_TEST, "Name", "abcdef"));
    WCHAR storage[6];
    UNICODE_STRING text = {0, sizeof(storage), storage}; /* room for "abcde" and no NUL */
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[0].Name = L"Name";
    table[0].EntryContext = &text;
    assert_status(STATUS_BUFFER_TOO_SMALL, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(text.Length, 0);
    WCHAR bigger[7];
    text.Buffer = bigger;
    text.MaximumLength = sizeof(bigger);
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_true(rg_wequal(bigger, text.Length, L"abcdef"));
    assert_int_equal(bigger[6], 0);
}

static void typecheck_refuses_a_value_of_another_type(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_string(RG_HOST_TEST, "Speed", "fast"));
    ULONG speed = 0x55;
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
    table[0].Name = L"Speed";
    table[0].EntryContext = &speed;
    table[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_NONE;
    assert_status(STATUS_OBJECT_TYPE_MISMATCH,
                  RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(speed, 0x55);
    /* a DIRECT entry with a QueryRoutine, or without a Name, is an invalid table */
    table[0].QueryRoutine = rg_routine;
    assert_status(STATUS_INVALID_PARAMETER, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    table[0].Flags = 0;
    table[0].QueryRoutine = NULL; /* neither routine nor DIRECT */
    assert_status(STATUS_INVALID_PARAMETER, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
}

static void delete_flag_removes_values_after_they_are_read(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "Once", 9));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "Keep", 1));
    ULONG once = 0;
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_DELETE;
    table[0].Name = L"Once";
    table[0].EntryContext = &once;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(once, 9);
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_registry_get_value(RG_HOST_TEST, "Once", NULL, NULL, 0, NULL));
    size_t needed = 0;
    assert_status(STATUS_BUFFER_TOO_SMALL, wdmemu_registry_get_value(RG_HOST_TEST, "Keep", NULL, NULL, 0, &needed));
    assert_int_equal(needed, sizeof(ULONG));
}

static void optional_paths_and_routine_errors(void **state)
{
    (void)state;
    ULONG value = 0;
    ULONG fallback = 17;
    RTL_QUERY_REGISTRY_TABLE table[3];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[0].Name = L"Value";
    table[0].EntryContext = &value;
    table[0].DefaultType = REG_DWORD;
    table[0].DefaultData = &fallback;
    table[0].DefaultLength = sizeof(fallback);
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND,
                  RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST L"\\Nowhere", table, NULL, NULL));
    assert_int_equal(value, 0);
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE | RTL_REGISTRY_OPTIONAL,
                                                         RG_TEST L"\\Nowhere", table, NULL, NULL));
    assert_int_equal(value, 17);
    /* an error from a QueryRoutine stops the table; STATUS_BUFFER_TOO_SMALL does not */
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "a", 1));
    memset(table, 0, sizeof(table));
    table[0].QueryRoutine = rg_routine;
    table[0].Name = L"a";
    table[1].QueryRoutine = rg_routine;
    table[1].Name = L"a";
    rg_routine_status = STATUS_BUFFER_TOO_SMALL;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(rg_call_count, 2);
    rg_call_count = 0;
    rg_routine_status = STATUS_DEVICE_CONFIGURATION_ERROR;
    assert_status(STATUS_DEVICE_CONFIGURATION_ERROR,
                  RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RG_TEST, table, NULL, NULL));
    assert_int_equal(rg_call_count, 1);
}

/* ---- the other Rtl routines ------------------------------------------------------------------ */

static void rtl_write_create_check_and_delete_relative_to_services(void **state)
{
    (void)state;
    ULONG five = 5;
    assert_status(STATUS_SUCCESS, RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, NULL));
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, NULL));
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, L""));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"wdmemu"));
    /* RtlCreateRegistryKey makes the last key only */
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"wdmemu\\Parameters"));
    assert_status(STATUS_SUCCESS, RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"wdmemu"));
    assert_status(STATUS_SUCCESS, RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"WDMEMU"));
    /* RtlWriteRegistryValue creates a missing last key too */
    assert_status(STATUS_SUCCESS, RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, L"wdmemu\\Parameters", L"Five",
                                                        REG_DWORD, &five, sizeof(five)));
    ULONG type = 0, read = 0;
    assert_status(STATUS_SUCCESS, wdmemu_registry_get_value("HKLM\\SYSTEM\\CurrentControlSet\\Services\\wdmemu\\Parameters",
                                                            "five", &type, &read, sizeof(read), NULL));
    assert_int_equal(type, REG_DWORD);
    assert_int_equal(read, 5);
    assert_status(STATUS_SUCCESS, RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, L"wdmemu\\Parameters", L"Five"));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND,
                  RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, L"wdmemu\\Parameters", L"Five"));
    /* RTL_REGISTRY_HANDLE: the routines work on an open key (which needs the access) */
    HANDLE reader = rg_open(RG_SERVICES L"\\wdmemu", KEY_READ);
    assert_status(STATUS_ACCESS_DENIED, RtlWriteRegistryValue(RTL_REGISTRY_HANDLE, (PCWSTR)reader, L"x", REG_DWORD,
                                                              &five, sizeof(five)));
    HANDLE writer = rg_open(RG_SERVICES L"\\wdmemu", KEY_ALL_ACCESS);
    assert_status(STATUS_SUCCESS, RtlWriteRegistryValue(RTL_REGISTRY_HANDLE, (PCWSTR)writer, L"x", REG_DWORD, &five,
                                                        sizeof(five)));
    ULONG x = 0;
    RTL_QUERY_REGISTRY_TABLE table[2];
    memset(table, 0, sizeof(table));
    table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    table[0].Name = L"x";
    table[0].EntryContext = &x;
    assert_status(STATUS_SUCCESS, RtlQueryRegistryValues(RTL_REGISTRY_HANDLE, (PCWSTR)reader, table, NULL, NULL));
    assert_int_equal(x, 5);
    assert_status(STATUS_SUCCESS, ZwClose(writer));
    assert_status(STATUS_SUCCESS, ZwClose(reader));
    assert_status(STATUS_INVALID_PARAMETER, RtlCheckRegistryKey(RTL_REGISTRY_MAXIMUM, L"x"));
    assert_status(STATUS_SUCCESS, RtlCheckRegistryKey(RTL_REGISTRY_USER, NULL));
    assert_status(STATUS_SUCCESS, RtlCheckRegistryKey(RTL_REGISTRY_WINDOWS_NT, NULL));
    assert_status(STATUS_SUCCESS, RtlCheckRegistryKey(RTL_REGISTRY_CONTROL, NULL));
    assert_no_findings();
}

/* ---- host API ----------------------------------------------------------------------------- */

static void host_values_round_trip(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword("HKEY_LOCAL_MACHINE\\Software\\WdmemuTest", "d", 0x01020304));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_string(RG_HOST_TEST, "s", "ab"));
    const char *list[] = {"x", "yz"};
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_multi_string(RG_HOST_TEST, "m", list, 2));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_multi_string(RG_HOST_TEST, "none", NULL, 0));
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_value("HKU\\.DEFAULT\\Wdmemu", "q", REG_QWORD,
                                                            &(ULONGLONG){0x1122334455667788ULL}, 8));
    UCHAR buffer[32];
    ULONG type = 0;
    size_t needed = 0;
    assert_status(STATUS_SUCCESS, wdmemu_registry_get_value(RG_HOST_TEST, "D", &type, buffer, sizeof(buffer), &needed));
    assert_int_equal(type, REG_DWORD);
    assert_int_equal(needed, 4);
    assert_int_equal(rg_u32(buffer), 0x01020304);
    assert_status(STATUS_SUCCESS, wdmemu_registry_get_value(RG_HOST_TEST, "s", &type, buffer, sizeof(buffer), &needed));
    assert_int_equal(type, REG_SZ);
    assert_int_equal(needed, 6);
    assert_memory_equal(buffer, L"ab", 6);
    assert_status(STATUS_SUCCESS, wdmemu_registry_get_value(RG_HOST_TEST, "m", &type, buffer, sizeof(buffer), &needed));
    assert_int_equal(type, REG_MULTI_SZ);
    assert_int_equal(needed, 12);
    assert_memory_equal(buffer, L"x\0yz\0", 12);
    assert_status(STATUS_SUCCESS, wdmemu_registry_get_value(RG_HOST_TEST, "none", &type, buffer, sizeof(buffer), &needed));
    assert_int_equal(needed, 2);
    assert_status(STATUS_BUFFER_TOO_SMALL, wdmemu_registry_get_value(RG_HOST_TEST, "s", &type, buffer, 5, &needed));
    assert_int_equal(needed, 6);
    assert_status(STATUS_SUCCESS,
                  wdmemu_registry_get_value("\\Registry\\User\\.Default\\Wdmemu", "q", &type, buffer, 8, &needed));
    assert_int_equal(type, REG_QWORD);
    /* what the host wrote, a driver reads */
    HANDLE key = rg_open(RG_TEST, KEY_READ);
    rg_buffer b;
    ULONG length = 0;
    assert_status(STATUS_SUCCESS, rg_query(key, L"s", KeyValuePartialInformation, &b, sizeof(b), &length));
    assert_memory_equal(((KEY_VALUE_PARTIAL_INFORMATION *)b.bytes)->Data, L"ab", 6);
    ZwClose(key);
    /* recursive delete */
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST "\\a\\b\\c", "deep", 1));
    assert_status(STATUS_SUCCESS, wdmemu_registry_delete_key(RG_HOST_TEST));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_registry_get_value(RG_HOST_TEST "\\a\\b\\c", "deep", NULL, NULL, 0, NULL));
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_registry_delete_key(RG_HOST_TEST));
    assert_int_equal(ts_messages.error_count, 0); /* expected failures are not reported as errors */
}

static void host_api_rejects_bad_names_and_arguments(void **state)
{
    (void)state;
    assert_status(STATUS_OBJECT_PATH_SYNTAX_BAD, wdmemu_registry_set_dword("Software\\x", "v", 1));
    assert_non_null(strstr(wdmemu_last_error(), "Software\\x"));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_registry_set_dword(NULL, "v", 1));
    assert_status(STATUS_OBJECT_TYPE_MISMATCH, wdmemu_registry_set_dword("\\Device", "v", 1));
    assert_status(STATUS_OBJECT_NAME_INVALID, wdmemu_registry_set_dword("HKLM\\a\\\\b", "v", 1));
    assert_status(STATUS_OBJECT_NAME_INVALID, wdmemu_registry_set_dword("HKLM\\bad\xff", "v", 1));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_registry_set_value(RG_HOST_TEST, "v", REG_BINARY, NULL, 4));
    const char *list[] = {"a", ""};
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_registry_set_multi_string(RG_HOST_TEST, "m", list, 2));
    assert_status(STATUS_INVALID_PARAMETER, wdmemu_registry_get_value(RG_HOST_TEST, "v", NULL, NULL, 4, NULL));
    assert_status(STATUS_CANNOT_DELETE, wdmemu_registry_delete_key("\\Registry"));
    assert_status(STATUS_CANNOT_DELETE, wdmemu_registry_delete_key("HKU\\.default"));
    assert_true(ts_messages.error_count > 0);
}

static void shutdown_empties_the_registry(void **state)
{
    (void)state;
    assert_status(STATUS_SUCCESS, wdmemu_registry_set_dword(RG_HOST_TEST, "v", 1));
    HANDLE open_key = rg_open(RG_TEST, KEY_READ); /* left open on purpose: shutdown reclaims it */
    HANDLE deleted = rg_open(RG_TEST, KEY_ALL_ACCESS);
    assert_status(STATUS_SUCCESS, wdmemu_registry_delete_key(RG_HOST_TEST));
    (void)open_key;
    (void)deleted;
    wdmemu_shutdown();
    wdmemu_set_message_handler(ts_on_message, NULL);
    wdmemu_init();
    assert_status(STATUS_OBJECT_NAME_NOT_FOUND, wdmemu_registry_get_value(RG_HOST_TEST, "v", NULL, NULL, 0, NULL));
    assert_status(STATUS_SUCCESS, RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, NULL)); /* rebuilt at first use */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        rg_test(driver_entry_reads_direct_dword_and_string_parameters),
        rg_test(missing_parameters_take_their_defaults),
        rg_test(required_missing_value_is_name_not_found),
        rg_test(driver_opens_parameters_relative_to_its_registry_path),
        ts_test(query_value_basic_information_is_exact),
        ts_test(query_value_full_information_aligns_data_after_the_name),
        ts_test(query_value_partial_information_and_align64),
        ts_test(query_value_without_room_for_the_fixed_part_is_buffer_too_small),
        ts_test(query_value_with_only_the_fixed_part_is_buffer_overflow),
        ts_test(query_missing_value_or_bad_class_fails),
        ts_test(default_value_has_an_empty_name),
        ts_test(enumerate_keys_sorted_case_insensitively_until_no_more_entries),
        ts_test(enumerate_key_node_and_full_information_carry_the_class),
        ts_test(enumerate_values_in_creation_order),
        ts_test(create_key_reports_disposition_and_trailing_backslash),
        ts_test(create_key_needs_every_parent_but_the_last),
        ts_test(volatile_parents_need_volatile_children),
        ts_test(names_outside_the_registry_are_not_keys),
        ts_test(delete_key_refuses_keys_with_subkeys_and_hive_roots),
        ts_test(deleted_key_handles_fail_with_key_deleted),
        ts_test(operations_need_the_access_they_were_opened_for),
        ts_test(names_are_case_insensitive_and_keep_their_case),
        ts_test(closing_a_key_handle_twice_is_a_finding),
        ts_test(flush_succeeds_and_registry_ddis_want_passive_level),
        rg_query_test(query_routine_gets_multi_sz_strings_one_by_one),
        rg_query_test(expand_sz_values_are_expanded_unless_noexpand),
        rg_query_test(null_name_enumerates_values_and_subkey_topkey_switch_keys),
        rg_query_test(direct_binary_data_uses_the_size_header),
        rg_query_test(direct_string_into_a_small_buffer_is_buffer_too_small),
        rg_query_test(typecheck_refuses_a_value_of_another_type),
        rg_query_test(delete_flag_removes_values_after_they_are_read),
        rg_query_test(optional_paths_and_routine_errors),
        ts_test(rtl_write_create_check_and_delete_relative_to_services),
        ts_test(host_values_round_trip),
        ts_test(host_api_rejects_bad_names_and_arguments),
        ts_test(shutdown_empties_the_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
