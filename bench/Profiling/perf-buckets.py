#!/usr/bin/env python3
"""Groups `perf script` samples of one .NET process into buckets by the nearest owning frame, leaf first (e.g. a
System.Text.Json frame under Serverless.OAuth counts as the core). Usage: perf-buckets.py FILE [µs per token] [bucket to detail]."""
import sys, re, collections
path = sys.argv[1]; per_req = float(sys.argv[2]) if len(sys.argv) > 2 else 0
detail = sys.argv[3] if len(sys.argv) > 3 else None

COMPONENTS = [  # (bucket, regex on the frame text), checked in order for each frame from the leaf up
  ("logging/telemetry", r"\[Microsoft\.Extensions\.Logging[^\]]*\]|\[OpenTelemetry[^\]]*\]|System\.Diagnostics\.Activity|System\.Diagnostics\.DiagnosticListener|DiagnosticSource|\[Azure\.Monitor|Worker\.OpenTelemetry|\bLoggerMessage|Logging\.Logger"),
  ("our core (Serverless.OAuth/Demo)", r"\[Serverless\.OAuth\]|\[Serverless\.Demo\]"),
  ("our Functions app", r"\[Serverless\.Functions\]"),
  ("integration (Worker.Extensions.Http.AspNetCore)", r"Worker\.Extensions\.Http\.AspNetCore"),
  ("worker SDK gRPC layer (Worker.Grpc)", r"\[Microsoft\.Azure\.Functions\.Worker\.Grpc\]"),
  ("worker SDK invocation pipeline (Worker.Core/Worker)", r"\[Microsoft\.Azure\.Functions\.Worker[^\]]*\]"),
  ("gRPC client + protobuf", r"\[Grpc\.|\[Google\.Protobuf\]"),
  ("HTTP client (gRPC's HTTP/2 transport)", r"\[System\.Net\.Http\]"),
  ("Kestrel", r"Microsoft\.AspNetCore\.Server\.Kestrel|\[Microsoft\.AspNetCore\.Connections|System\.IO\.Pipelines"),
  ("ASP.NET Core pipeline (hosting, routing, forwarded headers)", r"\[Microsoft\.AspNetCore\.[^\]]*\]"),
  ("DI", r"\[Microsoft\.Extensions\.DependencyInjection"),
  ("sockets (managed)", r"System\.Net\.Sockets"),
  ("thread pool / tasks / waits", r"System\.Threading\.|System\.Runtime\.CompilerServices\.Async|PortableThreadPool|LowLevelLifoSemaphore"),
]
COMP = [(b, re.compile(r)) for b, r in COMPONENTS]

def classify(thread, frames):
    if "GC" in thread and (thread.startswith(".NET Server GC") or thread.startswith(".NET BGC") or thread.startswith(".NET Background")):
        return "GC (GC threads)"
    if thread.startswith(".NET Tiered Com"):
        return "JIT (tiered compilation thread)"
    if frames and "libclrjit" in frames[0]:
        return "JIT (other threads)"
    for f in frames:
        if "libclrjit" in f:
            return "JIT (other threads)"
        for b, r in COMP:
            if r.search(f):
                return b
    if not frames:
        return "unknown"
    leaf = frames[0]
    if "kernel.kallsyms" in leaf:
        sysc = next((f for f in frames if "__x64_sys_" in f or "__do_sys_" in f), None)
        m = re.search(r"__(?:x64|do)_sys_(\w+)", sysc) if sysc else None
        return "kernel: " + (m.group(1) if m else "other (irq, page faults)")
    if "libcoreclr" in leaf:
        return "runtime native (libcoreclr: allocation, GC on user threads, stubs)"
    if "libc.so" in leaf:
        return "libc"
    if "libcrypto" in leaf or "libssl" in leaf:
        return "OpenSSL"
    return "other: " + re.sub(r"^\s*[0-9a-f]+\s+", "", leaf)[:80]

samples = collections.Counter(); total = 0
detail_frames = collections.Counter()
thread = None; frames = []
def flush():
    global total
    if thread is None: return
    b = classify(thread, frames)
    samples[b] += 1; total += 1
    if detail and b == detail:
        # the first owning frame, for detail
        for f in frames:
            m = re.search(r"\] (\S+?)(?:\(|\[)", f)
            if m and not re.search(r"System\.(Threading|Runtime)", f):
                detail_frames[m.group(1)[:150]] += 1; break
for line in open(path, errors="replace"):
    if not line.strip():
        flush(); thread = None; frames = []; continue
    if not line.startswith((" ", "\t")):
        thread = re.split(r"\s+\d+\s+(?:\[\d+\]\s+)?\d+\.\d+:", line)[0].strip(); frames = []
    else:
        frames.append(line.strip())
flush()
print(f"{total} samples")
for b, n in samples.most_common():
    us = f"{per_req * n / total:7.1f} us" if per_req else ""
    print(f"{100.0*n/total:6.1f}%  {us}  {b}")
if detail:
    print("--", detail)
    for f, n in detail_frames.most_common(40):
        print(f"{100.0*n/total:6.2f}%  {f}")
