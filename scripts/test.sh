#!/usr/bin/env bash
# One command for a fresh machine: installs what is missing (pnpm, npm packages, Debian's chromium and
# postgresql), starts a throwaway PostgreSQL, then runs typecheck, lint, every package's unit and integration
# tests (on SQLite and PostgreSQL) and the Playwright suite in Chromium. Ends with "N passed, N failed" followed by
# "; failed stages: …" when any stage (typecheck, lint, format, a runner, build) failed or left no results.
set -uo pipefail
source "$(dirname "$0")/lib/bootstrap.sh"
set -e
ensure_node
ensure_pnpm
ensure_apt chromium postgresql systemd
ensure_deps
set +e
cd "$ROOT"

RESULTS="$ROOT/.tmp/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

source "$ROOT/scripts/lib/postgres.sh"
start_postgres || die "could not start a throwaway PostgreSQL"
trap stop_postgres EXIT

# Every runner that must report; a missing results file is a failure, not a package quietly left out.
VITEST_PACKAGES=(shared server provisioning web emulator e2e)
EXPECTED=()
for pkg in "${VITEST_PACKAGES[@]}"; do EXPECTED+=("vitest-$pkg"); done
EXPECTED+=(playwright)

failures=()
# run_stage <short name for the summary> <description> <command…>
run_stage() {
  local id=$1 name=$2
  shift 2
  say "$name"
  if ! "$@"; then failures+=("$id"); fi
}

run_stage typecheck "Type-checking every package" pnpm typecheck
run_stage lint "Linting (ESLint, type-aware)" pnpm lint
run_stage format "Checking formatting (Prettier)" pnpm format:check
for pkg in "${VITEST_PACKAGES[@]}"; do
  run_stage "vitest-$pkg" "Unit and integration tests: $pkg (Vitest)" \
    pnpm --filter "@kantiv/$pkg" exec vitest run --reporter=default --reporter=json --outputFile="$RESULTS/vitest-$pkg.json"
done
run_stage build "Building the web app" pnpm build
run_stage playwright "End-to-end tests in Chromium (Playwright)" \
  env PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS/playwright.json" pnpm --filter @kantiv/e2e exec playwright test

# The summary's last line names every failed stage, so it is the one line to read.
node "$ROOT/scripts/lib/summarize-results.mjs" "$RESULTS" \
  --expect "$(IFS=,; echo "${EXPECTED[*]}")" --failed-stages "$(IFS=,; echo "${failures[*]}")"
