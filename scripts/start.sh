#!/usr/bin/env bash
# Starts the server locally at http://localhost:7071, the way a newcomer runs it: installs Azurite from npm if
# needed, starts it (unless a storage connection string is configured), and runs the local ASP.NET Core host of the
# Functions app's endpoints in Development, which seeds the demo client and the demo user.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/azurite-table ]; then
  echo "==> Installing Azurite (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

azurite_pid=""
cleanup() { if [ -n "$azurite_pid" ]; then kill "$azurite_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

if [ -z "${OAuth__Storage__ConnectionString:-}" ] && [ -z "${OAuth__Storage__TableServiceUri:-}" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
    echo "==> Azurite (or another Table endpoint) is already listening on 127.0.0.1:10002; using it"
  else
    echo "==> Starting Azurite's Table service on 127.0.0.1:10002 (data in .azurite/)"
    mkdir -p .azurite
    node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort 10002 --location .azurite --skipApiVersionCheck --loose --silent &
    azurite_pid=$!
    for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break; sleep 0.2; done
  fi
fi

echo "==> Starting the server on http://localhost:7071 (demo user: demo / demo-password; Ctrl+C stops it)"
ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" dotnet run --project functions/Serverless.Local -c Release
