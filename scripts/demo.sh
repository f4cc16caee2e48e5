#!/usr/bin/env bash
# One command for a fresh machine: installs what is missing, builds, and runs the demo.
set -euo pipefail
source "$(dirname "$0")/lib/bootstrap.sh"
ensure_node
ensure_pnpm
ensure_deps
cd "$ROOT"
say "Building the web app and starting the demo"
exec pnpm demo
