#!/usr/bin/env python3
"""Example spate agent: target tracking on busy slots.

spate's `external` policy starts this script once per run and talks to it in
newline-delimited JSON (protocol in experiments/agents/README.md):

  spate -> hello {"spate": 1, "functions": [...], "interval_s": ...}
  agent -> {"ok": true}
  then, every decision interval:
  spate -> tick  {"t": ..., "functions": [{"name", "arrival_rate", ...}]}
  agent -> {"decisions": {"name": replicas, ...}}

The rule: a function whose invocations arrive at rate lambda (1/s) and take
service_time s (each holding one slot) keeps lambda * service_time slots
busy on average; to run them at a utilization of --target (0.7 by default)
with `concurrency` slots per replica it needs

    replicas = ceil(arrival_rate * service_time / (target * concurrency))

clamped to the function's [min, max]. A function with no replica but
requests waiting gets at least one (nothing completes at zero replicas, so
the service time is unknown). When a metric is null (no scrape yet, nothing
completed in the window) the function is left out of the reply and keeps
its current target.

Rules for any agent: write only protocol lines to stdout and flush each one
(logs go to stderr); answer every tick with exactly one line within the
policy's timeout_s; exit when stdin reaches EOF (the run is over).
Standard library only.

Usage in a config:
  "autoscaler": {"policy": "external",
                 "command": ["python3", "experiments/agents/agent.py",
                             "--target", "0.7"]}
"""

import argparse
import json
import math
import sys

PROTOCOL = 1


def send(message):
    """Writes one protocol line. flush=True matters: stdout is a pipe, so
    Python would otherwise buffer the reply and spate would time out."""
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def receive():
    """Reads the next message from spate, or None at EOF (end of the run).
    readline() returns as soon as a line is there; blank lines are skipped."""
    while True:
        line = sys.stdin.readline()
        if not line:
            return None
        if line.strip():
            return json.loads(line)


def decide(spec, now, target):
    """Replicas for one function, with a reason, or None to keep its target.

    spec: the function's entry in the hello (min, max, concurrency, ...);
    now:  its entry in this tick (replica counts and windowed metrics)."""
    if not spec["managed"]:
        return None  # the engine ignores decisions for unmanaged functions
    lo, hi = spec["min"], spec["max"]
    rate, service = now["arrival_rate"], now["service_time"]
    if rate is None or service is None:
        if now["ready"] + now["pending"] == 0 and now["held_at_zero"] > 0:
            want = max(1, lo)
            return {"replicas": want,
                    "reason": "%d held at zero: wake to %d"
                              % (now["held_at_zero"], want)}
        return None
    busy = rate * service                       # slots busy on average
    need = busy / (target * spec["concurrency"])
    # the small epsilon keeps 3.0000000000000004 (float noise) at 3
    want = min(hi, max(lo, math.ceil(need - 1e-9)))
    return {"replicas": want,
            "reason": "%.4g/s x %.4g s / (%.2f x %d slots) = %.3f"
                      % (rate, service, target, spec["concurrency"], need)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.7,
                        help="utilization of the slots to aim for (0..1]")
    parser.add_argument("--verbose", action="store_true",
                        help="log every decision to stderr")
    args = parser.parse_args()

    hello = receive()
    if hello is None:
        return 0
    if hello.get("spate") != PROTOCOL:
        send({"error": "agent.py speaks protocol %d, not %r"
                       % (PROTOCOL, hello.get("spate"))})
        return 1
    if not 0 < args.target <= 1:
        send({"error": "--target must be in (0, 1], got %g" % args.target})
        return 1
    functions = {f["name"]: f for f in hello["functions"]}
    send({"ok": True})

    while True:
        tick = receive()
        if tick is None:
            return 0  # spate closed our stdin: the run is over
        decisions = {}
        for now in tick["functions"]:
            d = decide(functions[now["name"]], now, args.target)
            if d is not None:
                decisions[now["name"]] = d
                if args.verbose:  # stderr: stdout carries the protocol
                    print("agent.py: t=%g %s -> %d (%s)"
                          % (tick["t"], now["name"], d["replicas"],
                             d["reason"]), file=sys.stderr)
        # An exception above ends the agent; spate then stops the run
        # with "the agent exited with status 1" and our traceback is on
        # stderr. Failing loudly beats keeping targets silently.
        send({"decisions": decisions})


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(1)  # spate went away mid-reply
