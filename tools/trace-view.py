#!/usr/bin/env python3
"""Turns a wdmemu Chrome trace (WDMEMU_TRACE=chrome:trace.json) into one self-contained HTML
page that draws it without a network connection: one lane per IRP with its span at each device
level (nested as the IRP goes down the stack, as long as it was pending), one lane per thread
with its dispatch and completion-routine slices, and instant events as ticks.  For the full
viewer, open the same JSON file in https://ui.perfetto.dev.

usage: trace-view.py TRACE.json OUT.html"""
import html
import json
import sys

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>wdmemu trace</title>
<style>
 body { font: 12px sans-serif; margin: 12px; }
 .lane { position: relative; height: 22px; border-bottom: 1px solid #eee; }
 .label { position: absolute; left: 0; width: 150px; top: 4px; color: #333; overflow: hidden; white-space: nowrap; }
 .span { position: absolute; height: 16px; top: 3px; border-radius: 2px; color: #fff; font-size: 10px;
         overflow: hidden; white-space: nowrap; padding-left: 2px; box-sizing: border-box; }
 .tick { position: absolute; width: 2px; height: 18px; top: 2px; background: #c33; }
 h1 { font-size: 15px; }
</style></head><body>
<h1>TITLE</h1>
<div id="lanes"></div>
<script>
const events = EVENTS;
const timed = events.filter(e => e.ph !== "M");
const t0 = Math.min(...timed.map(e => e.ts)), t1 = Math.max(...timed.map(e => e.ts));
const width = 1100, left = 160, scale = t1 > t0 ? width / (t1 - t0) : 1;
const x = ts => left + (ts - t0) * scale;
const lanes = new Map();
function lane(name) {
  if (!lanes.has(name)) lanes.set(name, []);
  return lanes.get(name);
}
const colors = ["#3a7", "#37a", "#a73", "#73a", "#a37", "#7a3"];
const open = new Map();
for (const e of events) {
  if (e.ph === "b") {
    const stack = open.get(e.id) || [];
    stack.push(e);
    open.set(e.id, stack);
  } else if (e.ph === "e") {
    const stack = open.get(e.id) || [];
    const b = stack.pop();
    if (b) lane(e.id + " level " + stack.length).push({from: b.ts, to: e.ts, name: b.name, color: colors[stack.length % 6]});
  } else if (e.ph === "B") {
    const key = "thread " + e.tid;
    const stack = open.get(key) || [];
    stack.push(e);
    open.set(key, stack);
  } else if (e.ph === "E") {
    const key = "thread " + e.tid;
    const stack = open.get(key) || [];
    const b = stack.pop();
    if (b) lane(key + " depth " + stack.length).push({from: b.ts, to: e.ts, name: b.name, color: "#555"});
  } else if (e.ph === "i") {
    lane("events").push({at: e.ts, name: e.name});
  }
}
const root = document.getElementById("lanes");
for (const [name, items] of lanes.entries()) {
  const div = document.createElement("div");
  div.className = "lane";
  div.innerHTML = '<span class="label">' + name + '</span>';
  for (const it of items) {
    const el = document.createElement("div");
    if (it.at !== undefined) {
      el.className = "tick"; el.style.left = x(it.at) + "px"; el.title = it.name;
    } else {
      el.className = "span"; el.style.left = x(it.from) + "px";
      el.style.width = Math.max(3, (it.to - it.from) * scale) + "px";
      el.style.background = it.color; el.textContent = it.name; el.title = it.name;
    }
    div.appendChild(el);
  }
  root.appendChild(div);
}
</script></body></html>
"""


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 1
    with open(sys.argv[1], encoding="utf-8") as f:
        events = json.load(f)
    page = PAGE.replace("TITLE", html.escape(sys.argv[1]))
    page = page.replace("EVENTS", json.dumps(events).replace("</", "<\\/"))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
