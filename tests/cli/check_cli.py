#!/usr/bin/env python3
"""Checks wdmemu-run's contract: exit status 0 only for a clean load/unload, 1 otherwise, and
messages that name the driver, the status and what was left behind.

usage: check_cli.py WDMEMU_RUN DRIVER_DIR"""
import os
import shlex
import subprocess
import sys

run, drivers = sys.argv[1], sys.argv[2]
# Set by tests/meson.build: the command that runs the programs under test (wine for a Windows
# cross build; empty otherwise) and the file suffix of driver modules.
wrapper = shlex.split(os.environ.get('WDMEMU_EXE_WRAPPER', ''))
suffix = os.environ.get('WDMEMU_MODULE_SUFFIX', '.so')
failures = 0
passed = 0


def driver(name):
    return os.path.join(drivers, name + suffix)


def case(title, args, status, stdout=(), stderr=(), absent=()):
    global failures, passed
    proc = subprocess.run(wrapper + [run] + args, capture_output=True, text=True, timeout=60)
    problems = []
    if proc.returncode != status:
        problems.append('exit status %d, expected %d' % (proc.returncode, status))
    for text in stdout:
        if text not in proc.stdout:
            problems.append('stdout lacks %r' % text)
    for text in stderr:
        if text not in proc.stderr:
            problems.append('stderr lacks %r' % text)
    for text in absent:
        if text in proc.stdout or text in proc.stderr:
            problems.append('output should not contain %r' % text)
    if problems:
        failures += 1
        print('FAIL %s: %s' % (title, '; '.join(problems)))
        print('  stdout: ' + proc.stdout.replace('\n', '\n          '))
        print('  stderr: ' + proc.stderr.replace('\n', '\n          '))
    else:
        passed += 1
        print('ok   %s' % title)


case('clean driver loads and unloads', [driver('tiny')], 0,
     stdout=['loaded \\Driver\\tiny: DriverEntry returned STATUS_SUCCESS (0x00000000)',
             'device \\Device\\WdmemuTiny', 'unloaded \\Driver\\tiny cleanly'],
     stderr=['tiny: DriverEntry \\Registry\\Machine\\System\\CurrentControlSet\\Services\\tiny',
             'tiny: unloading'])
case('quiet hides debug output', ['--quiet', driver('tiny')], 0, absent=['tiny: DriverEntry \\Registry'])
case('name option names the driver', ['--name=zero', driver('tiny')], 0,
     stdout=['loaded \\Driver\\zero'], stderr=['Services\\zero'])
case('leaked device fails and is named', [driver('leaky')], 1,
     stderr=['LEAKED_DEVICE', '\\Device\\WdmemuLeaky', 'LEAKED_SYMBOLIC_LINK', '2 findings'])
case('failing DriverEntry fails with its status', [driver('failentry')], 1,
     stderr=['DriverEntry of \\Driver\\failentry failed',
             'STATUS_DEVICE_CONFIGURATION_ERROR (0xC0000182)', '\\Device\\WdmemuFailEntry'])
case('driver without DriverUnload cannot be unloaded', [driver('nounload')], 1,
     stderr=['has no DriverUnload routine', 'STATUS_INVALID_DEVICE_REQUEST'])
case('exception in DriverEntry is a finding', [driver('raising')], 1,
     stderr=['KMODE_EXCEPTION_NOT_HANDLED', 'STATUS_ACCESS_VIOLATION'])
case('missing module', [os.path.join(drivers, 'missing' + suffix)], 1, stderr=['STATUS_DLL_NOT_FOUND'])
case('module without DriverEntry', [driver('nodriverentry')], 1, stderr=['exports no DriverEntry'])
case('help documents the contract', ['--help'], 0, stdout=['usage: wdmemu-run', 'exit status'])
case('no module is a usage error', [], 1, stderr=['no driver module given'])
case('unknown option is a usage error', ['--bogus', driver('tiny')], 1, stderr=['unknown option --bogus'])
case('threaded mode loads and unloads', ['--mode=threaded', '--seed=7', driver('tiny')], 0,
     stdout=['unloaded \\Driver\\tiny cleanly'])
case('bad mode is a usage error', ['--mode=fast', driver('tiny')], 1, stderr=['--mode must be'])
case('a missing script is an error', [driver('tiny'), 'script.txt'], 1, stderr=['cannot open script script.txt'])

case('text trace on stderr', ['--quiet', '--trace=text', driver('tiny')], 0,
     stderr=['DRIVER_ENTRY \\Driver\\tiny', 'DEVICE_CREATED \\Device\\WdmemuTiny', 'DRIVER_UNLOADED \\Driver\\tiny'])
# With a text trace on the terminal, DbgPrint output appears once: as the trace's DEBUG_PRINT record.
proc = subprocess.run(wrapper + [run, '--trace=text:stdout', driver('tiny')], capture_output=True, text=True,
                      timeout=60)
both = proc.stdout + proc.stderr
if proc.returncode == 0 and both.count('tiny: unloading') == 1 and 'DEBUG_PRINT' in proc.stdout:
    passed += 1
    print('ok   debug output is not doubled by a text trace on the terminal')
else:
    failures += 1
    print('FAIL debug output with a text trace: %d copies, exit %d' % (both.count('tiny: unloading'), proc.returncode))
case('unknown trace format is a usage error', ['--trace=xml', driver('tiny')], 1,
     stderr=['--trace=xml', 'unknown trace format'])

# JSON Lines and Chrome traces written to files are valid JSON.
import json
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    jsonl, chrome = os.path.join(tmp, 't.jsonl'), os.path.join(tmp, 't.json')
    case('jsonl and chrome traces to files', ['--quiet', '--trace=jsonl:' + jsonl, '--trace=chrome:' + chrome,
                                              driver('tiny')], 0)
    try:
        with open(jsonl, encoding='utf-8') as f:
            kinds = [json.loads(line)['kind'] for line in f]
        with open(chrome, encoding='utf-8') as f:
            events = json.load(f)
        assert kinds[0] == 'DRIVER_ENTRY' and kinds[-1] == 'DRIVER_UNLOADED', kinds
        assert isinstance(events, list) and len(events) == len(kinds) + 1, (len(events), len(kinds))
        passed += 1
        print('ok   trace files parse')
    except (OSError, ValueError, AssertionError) as problem:
        failures += 1
        print('FAIL trace files parse: %r' % (problem,))

print('%d passed, %d failed' % (passed, failures))
sys.exit(1 if failures else 0)
