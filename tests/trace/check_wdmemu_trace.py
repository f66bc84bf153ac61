#!/usr/bin/env python3
"""wdmemu-trace: a JSON Lines trace recorded by wdmemu-run converts back to JSON Lines byte for
byte, to text with the live sink's lines, and to a Chrome trace whose spans pair; filters keep
only what they name; a malformed line is an error naming its line.

usage: check_wdmemu_trace.py WDMEMU_RUN WDMEMU_TRACE DRIVER_DIR SCRIPT_DIR"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

run, tool, drivers, scripts = sys.argv[1:5]
# Set by tests/meson.build: the command that runs the programs under test (wine for a Windows
# cross build; empty otherwise) and the file suffix of driver modules.
wrapper = shlex.split(os.environ.get('WDMEMU_EXE_WRAPPER', ''))
suffix = os.environ.get('WDMEMU_MODULE_SUFFIX', '.so')
failures = passed = 0


def check(title, condition, detail=''):
    global failures, passed
    if condition:
        passed += 1
        print('ok   ' + title)
    else:
        failures += 1
        print('FAIL %s %s' % (title, detail))


with tempfile.TemporaryDirectory() as tmp:
    jsonl, text = os.path.join(tmp, 't.jsonl'), os.path.join(tmp, 't.txt')
    subprocess.run(wrapper + [run, '-q', '--trace=jsonl:' + jsonl, '--trace=text:' + text,
                    os.path.join(drivers, 'echo' + suffix), os.path.join(scripts, 'echo.wdm')],
                   check=True, capture_output=True)
    original = open(jsonl, encoding='utf-8').read()
    live_text = open(text, encoding='utf-8').read()

    def convert(*args, stdin=None):
        return subprocess.run(wrapper + [tool] + list(args), capture_output=True, text=True, input=stdin)

    same = convert('--to=jsonl', jsonl)
    check('jsonl round trip is byte for byte', same.returncode == 0 and same.stdout == original)
    as_text = convert(jsonl)
    check('text conversion equals the live text sink', as_text.returncode == 0 and as_text.stdout == live_text)
    from_stdin = convert('-', stdin=original)
    check('reads standard input', from_stdin.stdout == live_text)
    chrome = convert('--to=chrome', jsonl)
    try:
        events = json.loads(chrome.stdout)
        opened = {}
        balanced = True
        for e in events:
            if e['ph'] == 'b':
                opened.setdefault(e['id'], []).append(e['name'])
            elif e['ph'] == 'e':
                balanced &= bool(opened.get(e['id'])) and opened[e['id']].pop() == e['name']
        check('chrome conversion parses and pairs its spans', balanced and len(events) > 10)
    except ValueError as problem:
        check('chrome conversion parses and pairs its spans', False, repr(problem))
    ioctl_only = [json.loads(l) for l in convert('--to=jsonl', '--major=IRP_MJ_DEVICE_CONTROL', jsonl).stdout.splitlines()]
    check('--major keeps that major function only',
          ioctl_only and all(r.get('major_name') == 'IRP_MJ_DEVICE_CONTROL' for r in ioctl_only))
    one = [json.loads(l) for l in convert('--to=jsonl', '--irp=4', jsonl).stdout.splitlines()]
    check('--irp keeps one IRP', one and all(r.get('irp') == 4 for r in one))
    driver = [json.loads(l) for l in convert('--to=jsonl', '--driver=echo', jsonl).stdout.splitlines()]
    check('--driver keeps one driver', driver and all(r['driver'] == '\\Driver\\echo' for r in driver))
    broken = os.path.join(tmp, 'broken.jsonl')
    with open(broken, 'w', encoding='utf-8') as f:
        f.write(original.splitlines()[0] + '\n{"v":1,"kind":\n')
    bad = convert(broken)
    check('a malformed line is an error with its line number', bad.returncode == 1 and ':2:' in bad.stderr, bad.stderr)
    check('unknown options are usage errors', convert('--to=xml', jsonl).returncode == 1)

print('%d passed, %d failed' % (passed, failures))
sys.exit(1 if failures else 0)
