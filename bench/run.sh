#!/usr/bin/env bash
# Measures everything docs/PERFORMANCE.md reports and rewrites it from this one run: the
# BenchmarkDotNet hot paths, then the end-to-end load test (the C# echo upstream and
# @modelcontextprotocol/server-everything, each direct, through Portcullis with memory and SQLite
# stores and through the npm peers mcp-proxy and passthrough-mcp-server; server-everything over
# stdio through Portcullis and supergateway), start-up time and idle-session memory.
# Needs the .NET 10 SDK, node with npm, and redis-server (for the Redis counter row).
# Extra arguments go to the load test, e.g. `bench/run.sh --clients 16 32 64 --duration 5 --rounds 3`
# (see `dotnet bench/Portcullis.LoadTest/bin/Release/net10.0/Portcullis.LoadTest.dll run --help`);
# PORTCULLIS_BENCH_FILTER picks the BenchmarkDotNet classes (default: all).
# At the defaults (5 rounds; 16 and 32 clients for 3 s each, after 20 s of warm-up per path) the
# load test takes about 20 minutes on 2 cores, the hot paths about 5.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in dotnet node npm redis-server; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required (apt-get install nodejs npm redis-server)" >&2; exit 1; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d)
redis_pid=""
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release -v quiet src/Portcullis.Cli
dotnet build -c Release -v quiet bench/Portcullis.LoadTest
(cd bench/Portcullis.LoadTest/node && npm ci --no-audit --no-fund --loglevel=error)

# A throwaway Redis on a free loopback port for the counter-reservation row.
port=""
for candidate in $(shuf -i 20000-40000 -n 50); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "error: no free port for redis-server" >&2; exit 1; }
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

PORTCULLIS_BENCH_REDIS="redis://127.0.0.1:$port" dotnet run -c Release --project bench/Portcullis.Benchmarks -- \
  --filter "${PORTCULLIS_BENCH_FILTER:-*}" --job short --buildTimeout 900 --exporters github --artifacts "$work/benchmarks"

findings=()
[ -f bench/findings.md ] && findings=(--findings bench/findings.md)
dotnet bench/Portcullis.LoadTest/bin/Release/net10.0/Portcullis.LoadTest.dll run \
  --portcullis src/Portcullis.Cli/bin/Release/net10.0/portcullis.dll \
  --peer bench/Portcullis.LoadTest/node \
  --benchmarks "$work/benchmarks/results" \
  "${findings[@]}" \
  --output docs/PERFORMANCE.md \
  --command "bench/run.sh${*:+ $*}" \
  "$@"
