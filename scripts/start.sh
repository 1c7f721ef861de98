#!/usr/bin/env bash
# Starts the server locally at http://localhost:7071 in Development, which seeds the demo client and the demo user.
# With Azure Functions Core Tools ('func' on PATH) it runs the Functions app itself: 'func start' in
# functions/Serverless.Functions, with local.settings.json made from local.settings.sample.json if missing, and full
# Azurite (blob, queue and table: the Functions host keeps timer leases and keys in AzureWebJobsStorage). Without
# Core Tools it runs the local ASP.NET Core host of the same routes, which needs only Azurite's Table service.
# Azurite is installed from npm if needed and started unless OAuth__Storage__ConnectionString or
# OAuth__Storage__TableServiceUri is set or something already listens on its ports.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/azurite ] || [ ! -x node_modules/.bin/azurite-table ]; then
  echo "==> Installing Azurite (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

azurite_pid=""
cleanup() { if [ -n "$azurite_pid" ]; then kill "$azurite_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts Azurite with the given services' ports (the table port is always 10002) and waits for the Table service.
start_azurite() {
  local what="$1"; shift
  if [ -n "${OAuth__Storage__ConnectionString:-}" ] || [ -n "${OAuth__Storage__TableServiceUri:-}" ]; then
    echo "==> Storage is configured (OAuth__Storage__*); not starting Azurite"
  elif listening 10002; then
    echo "==> Azurite (or another Table endpoint) is already listening on 127.0.0.1:10002; using it"
  else
    echo "==> Starting Azurite ($what) on 127.0.0.1 (data in .azurite/)"
    mkdir -p .azurite
    "$@" --location .azurite --skipApiVersionCheck --loose --silent &
    azurite_pid=$!
    for _ in $(seq 1 50); do listening 10002 && break; sleep 0.2; done
  fi
}

if command -v func >/dev/null 2>&1; then
  echo "==> Azure Functions Core Tools found ($(command -v func)): running the Functions app with 'func start'"
  if [ ! -f functions/Serverless.Functions/local.settings.json ]; then
    echo "==> Creating functions/Serverless.Functions/local.settings.json from local.settings.sample.json"
    cp local.settings.sample.json functions/Serverless.Functions/local.settings.json
  fi
  start_azurite "blob 10000, queue 10001, table 10002" node_modules/.bin/azurite \
    --blobHost 127.0.0.1 --blobPort 10000 --queueHost 127.0.0.1 --queuePort 10001 --tableHost 127.0.0.1 --tablePort 10002
  echo "==> Starting the Functions app on http://localhost:7071 (demo user: demo / demo-password; Ctrl+C stops it)"
  cd functions/Serverless.Functions
  func start --port 7071
else
  echo "==> Azure Functions Core Tools ('func') not found: running the local ASP.NET Core host of the same routes"
  start_azurite "table 10002" node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort 10002
  echo "==> Starting the server on http://localhost:7071 (demo user: demo / demo-password; Ctrl+C stops it)"
  ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" dotnet run --project functions/Serverless.Local -c Release
fi
