#!/usr/bin/env python3
"""Runs test_trace so that it keeps its Chrome trace, then checks the file the way a viewer
would read it: one JSON array of events with the fields Trace Event Format requires, and every
asynchronous IRP span closed by a matching end, innermost first."""
import json
import os
import shlex
import subprocess
import sys
import tempfile
# Set by tests/meson.build: the command that runs the program under test (wine for a Windows
# cross build; empty otherwise).
wrapper = shlex.split(os.environ.get('WDMEMU_EXE_WRAPPER', ''))


def main():
    test_trace = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        env = dict(os.environ, WDMEMU_TEST_CHROME_OUT=path, CMOCKA_TEST_ABORT="0")
        run = subprocess.run(wrapper + [test_trace], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout, run.stderr)
            return 1
        with open(path, encoding="utf-8") as f:
            events = json.load(f)
    if not isinstance(events, list) or not events:
        print("not a non-empty JSON array")
        return 1
    open_spans = {}
    kinds = set()
    for event in events:
        for field in ("ph", "name", "pid", "tid"):
            if field not in event:
                print("event without", field, event)
                return 1
        if event["ph"] != "M" and not isinstance(event.get("ts"), (int, float)):
            print("event without a numeric ts", event)
            return 1
        kinds.add(event["ph"])
        if event["ph"] == "b":
            open_spans.setdefault(event["id"], []).append(event["name"])
        elif event["ph"] == "e":
            stack = open_spans.get(event["id"], [])
            if not stack or stack.pop() != event["name"]:
                print("span end without its beginning", event)
                return 1
    left = {k: v for k, v in open_spans.items() if v}
    if left:
        print("spans never closed:", left)
        return 1
    for ph in ("b", "e", "B", "E", "i"):
        if ph not in kinds:
            print("no", ph, "events")
            return 1
    print(len(events), "events, spans balanced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
