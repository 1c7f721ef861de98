#!/usr/bin/env bash
# Samples where the CPU goes under client_credentials load, with perf (dotnet-trace's collect-linux needs the kernel's
# user_events, and its EventPipe sampler counts waiting threads too): the local host (in the harness's process), then
# the Functions worker and the harness (the host emulator), each for REC seconds after WARM seconds of load.
# Usage: bench/Profiling/profile-worker.sh PUBLISHED_FUNCTIONS_APP OUT_PREFIX   (as root; WARM=30 REC=10 by default)
# Then: perf script -i OUT_PREFIX.worker.data > w.txt; python3 bench/Profiling/perf-buckets.py w.txt [µs per token]
# Symbols: DOTNET_PerfMapEnabled=1 writes /tmp/perf-PID.map (delete them afterwards); W^X off so that perf finds the
# JIT's code where the map says it is. Frames of libcoreclr and libclrjit stay unnamed (no symbols), so the buckets go
# by thread name (GC, tiered compilation) and by library for those.
set -u
app=$(realpath "$1"); pfx=$2; warm=${WARM:-30}; rec=${REC:-10}
cd "$(dirname "$0")/../.."
mkdir -p "$pfx.out"
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
dotnet bench/Serverless.Benchmarks/bin/Release/net10.0/Serverless.Benchmarks.dll worker --out "$pfx.out" \
  --app "profiled=$app|DOTNET_PerfMapEnabled=1|DOTNET_EnableWriteXorExecute=0" --runs 0 --warm-up "$warm" \
  --duration $((rec + 4)) --connections 16 --wrk-cpus 1 > "$pfx.log" 2>&1 &
bench=$!
record() { perf record -e cpu-clock -F 999 -g -p "$1" -o "$2" -- sleep "$rec" > "$2.log" 2>&1; }
until grep -q 'local host (before)' "$pfx.log"; do sleep 1; kill -0 $bench 2>/dev/null || exit 1; done
sleep 2; echo "local host: $(uptime)"; record $bench "$pfx.local.data"
until grep -q 'client_credentials, profiled' "$pfx.log"; do sleep 1; kill -0 $bench 2>/dev/null || exit 1; done
sleep 2; worker=$(pgrep -f "$app/Serverless.Functions.dll" | head -1); echo "worker $worker: $(uptime)"
record "$worker" "$pfx.worker.data" &
recording=$!
record $bench "$pfx.emulator.data"
wait $recording
wait $bench
echo "figures of this run: $pfx.out/worker.json"
