#!/usr/bin/env bash
# One command for a fresh machine: installs what is missing (pnpm, npm packages, Debian's chromium and
# postgresql), starts a throwaway PostgreSQL, then runs typecheck, lint, every package's unit and integration
# tests (on SQLite and PostgreSQL) and the Playwright suite in Chromium. Ends with "N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib/bootstrap.sh"
set -e
ensure_node
ensure_pnpm
ensure_apt chromium postgresql
ensure_deps
set +e
cd "$ROOT"

RESULTS="$ROOT/.tmp/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

source "$ROOT/scripts/lib/postgres.sh"
start_postgres || die "could not start a throwaway PostgreSQL"
trap stop_postgres EXIT

failures=()
run_stage() {
  local name=$1
  shift
  say "$name"
  if ! "$@"; then failures+=("$name"); fi
}

run_stage "Type-checking every package" pnpm typecheck
run_stage "Linting (ESLint, type-aware)" pnpm lint
run_stage "Checking formatting (Prettier)" pnpm format:check
for pkg in shared server provisioning web emulator e2e; do
  run_stage "Unit and integration tests: $pkg (Vitest)" \
    pnpm --filter "@kantiv/$pkg" exec vitest run --reporter=default --reporter=json --outputFile="$RESULTS/vitest-$pkg.json"
done
run_stage "Building the web app" pnpm build
run_stage "End-to-end tests in Chromium (Playwright)" \
  env PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS/playwright.json" pnpm --filter @kantiv/e2e exec playwright test

node "$ROOT/scripts/lib/summarize-results.mjs" "$RESULTS"
summary_rc=$?
if [ ${#failures[@]} -gt 0 ]; then
  printf 'Failed stages: %s\n' "$(IFS=', '; echo "${failures[*]}")" >&2
  exit 1
fi
exit $summary_rc
