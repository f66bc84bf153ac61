#!/usr/bin/env python3
"""wdmemu-run request scripts: a script whose expectations all hold passes (exit 0) and prints
each result; one whose expectations all miss fails (exit 1) naming every line; parse errors
name the line; two modules load in order (filter over tiny) and unload in reverse.

usage: check_scripts.py WDMEMU_RUN DRIVER_DIR SCRIPT_DIR"""
import os
import shlex
import subprocess
import sys

run, drivers, scripts = sys.argv[1], sys.argv[2], sys.argv[3]
# Set by tests/meson.build: the command that runs the programs under test (wine for a Windows
# cross build; empty otherwise) and the file suffix of driver modules.
wrapper = shlex.split(os.environ.get('WDMEMU_EXE_WRAPPER', ''))
suffix = os.environ.get('WDMEMU_MODULE_SUFFIX', '.so')
failures = passed = 0


def check(title, args, status, expect=(), absent=()):
    global failures, passed
    proc = subprocess.run(wrapper + [run, '--quiet'] + args, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    problems = []
    if proc.returncode != status:
        problems.append('exit status %d, expected %d' % (proc.returncode, status))
    problems += ['output lacks %r' % text for text in expect if text not in out]
    problems += ['output has %r' % text for text in absent if text in out]
    if problems:
        failures += 1
        print('FAIL %s: %s\n%s' % (title, '; '.join(problems), out))
    else:
        passed += 1
        print('ok   %s' % title)


echo = os.path.join(drivers, 'echo' + suffix)
good = os.path.join(scripts, 'echo.wdm')
bad = os.path.join(scripts, 'failing.wdm')
check('every command of a passing script', [echo, good], 0,
      expect=['read sync 4 -> STATUS_SUCCESS (0x00000000) info=4 data=45454545',
              'ioctl sync 0x22200C -> STATUS_INVALID_DEVICE_REQUEST (0xC0000010)',
              'ioctl ov 0x222004 -> STATUS_PENDING',
              'echo.wdm:12: completed ioctl ov 0x222004',
              'echo.wdm:15: completed ioctl ov 0x222008',
              'echo.wdm:18: completed ioctl ov 0x222008',
              'unloaded \\Driver\\echo cleanly'],
      absent=['FAILED'])
check('the script can also be given with --script', [echo, '--script', good], 0, absent=['FAILED'])
check('every missed expectation is named by its line', [echo, bad], 1,
      expect=['failing.wdm:3: FAILED: status STATUS_SUCCESS (0x00000000), expected STATUS_END_OF_FILE',
              'failing.wdm:4: FAILED: information 3, expected 4',
              'failing.wdm:5: FAILED: data differs',
              'failing.wdm:7: FAILED: the request completed at once, expected it to be pending',
              'failing.wdm:8: FAILED: ioctl ov 0x222008 was still pending at the end of the script',
              "failing.wdm:9: FAILED: unknown command 'frobnicate'",
              'failing.wdm:10: FAILED: no handle named nosuch',
              'failing.wdm:11: FAILED: CTL_CODE(1, 2) is not a number or CTL_CODE',
              'script expectations failed'])
check('a missing script is an error', [echo, os.path.join(scripts, 'nonexistent.wdm')], 1,
      expect=['cannot open script'])
tiny, filt = os.path.join(drivers, 'tiny' + suffix), os.path.join(drivers, 'filter' + suffix)
check('modules load in order and unload in reverse', [tiny, filt], 0,
      expect=['loaded \\Driver\\tiny', 'loaded \\Driver\\filter', 'unloaded \\Driver\\filter cleanly',
              'unloaded \\Driver\\tiny cleanly'])
# Golden traces: the echo script's text and JSON Lines traces, in deterministic mode, are exactly
# the committed ones (regenerate with WDMEMU_UPDATE_GOLDEN=1 after an intended change).
import difflib
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    text, jsonl = os.path.join(tmp, 't.txt'), os.path.join(tmp, 't.jsonl')
    subprocess.run(wrapper + [run, '-q', '--trace=text:' + text, '--trace=jsonl:' + jsonl, echo, good],
                   capture_output=True, timeout=60)
    filtered = os.path.join(tmp, 'f.txt')
    subprocess.run(wrapper + [run, '-q', '--trace=text:' + filtered, tiny, filt, os.path.join(scripts, 'filter.wdm')],
                   capture_output=True, timeout=60)
    for produced, golden in ((text, 'echo.trace.txt'), (jsonl, 'echo.trace.jsonl'), (filtered, 'filter.trace.txt')):
        golden_path = os.path.join(scripts, golden)
        got = open(produced, encoding='utf-8').read()
        if os.environ.get('WDMEMU_UPDATE_GOLDEN') == '1':
            with open(golden_path, 'w', encoding='utf-8') as f:
                f.write(got)
        want = open(golden_path, encoding='utf-8').read()
        if got == want:
            passed += 1
            print('ok   golden %s' % golden)
        else:
            failures += 1
            print('FAIL golden %s differs:' % golden)
            sys.stdout.writelines(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                            golden, 'produced'))[:40])
        if golden.endswith('.jsonl'):
            import json
            try:
                for line in got.splitlines():
                    json.loads(line)
                passed += 1
                print('ok   every JSON line parses')
            except ValueError as problem:
                failures += 1
                print('FAIL a JSON line does not parse: %r' % (problem,))

print('%d passed, %d failed' % (passed, failures))
sys.exit(1 if failures else 0)
