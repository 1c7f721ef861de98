#!/usr/bin/env python3
"""Share of JIT/GC/other samples per window of a `perf script` output."""
import sys, re, collections
path = sys.argv[1]; win = float(sys.argv[2]) if len(sys.argv) > 2 else 5
w = collections.defaultdict(collections.Counter); t0 = None
thread = None; ts = 0; frames = []
def flush():
    if thread is None: return
    k = "jit" if thread.startswith(".NET Tiered Com") or any("libclrjit" in f for f in frames) else "gc" if "GC" in thread else "other"
    w[int((ts - t0) // win)][k] += 1
for line in open(path, errors="replace"):
    if not line.strip(): flush(); thread = None; frames = []; continue
    if not line.startswith((" ", "\t")):
        m = re.match(r"(.*?)\s+\d+\s+(?:\[\d+\]\s+)?(\d+\.\d+):", line)
        thread = m.group(1).strip(); ts = float(m.group(2)); t0 = ts if t0 is None else t0; frames = []
    else: frames.append(line)
flush()
for k in sorted(w):
    c = w[k]; n = sum(c.values())
    print(f"{k*win:5.0f}-{(k+1)*win:3.0f} s: {n:6d} samples, JIT {100*c['jit']/n:5.1f}%, GC threads {100*c['gc']/n:4.1f}%")
