#!/usr/bin/env bash
# Runs every test of the project. On a fresh machine with the .NET 10 SDK and Node.js it installs what is missing
# first: Azurite from npm (pinned in package-lock.json), Debian's Chromium for the browser tests, and the NuGet
# packages. Test fixtures start their own
# Azurite on free 127.0.0.1 ports, so nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# npm ci starts node_modules afresh; skip it when node_modules was installed from this very lock file.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.installed-from-lock 2>/dev/null)" = "$lock_hash" ] && [ -f node_modules/azurite/dist/src/table/main.js ]; then
  step "Node.js packages (Azurite) are up to date"
else
  step "Installing Node.js packages (Azurite)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.installed-from-lock
fi

# The browser tests drive Debian's Chromium. Install it where it is missing and we may (as root, with apt-get);
# elsewhere the browser tests fail with the command that installs it.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "Installing Chromium for the browser tests (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: the browser tests will fail. Install it with: sudo apt-get install chromium (or set CHROMIUM_PATH)."
  fi
fi

step "Restoring and building (Release)"
dotnet build Serverless.sln -c Release -nologo -clp:ErrorsOnly

step "Running the tests"
log="$(mktemp)"
set +e
dotnet test Serverless.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole run, summed over the test projects.
awk '/(Passed|Failed)! +- +Failed: / {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "\nTests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
