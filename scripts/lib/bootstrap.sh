# Shared setup for scripts/demo.sh and scripts/test.sh: everything a fresh machine with Node 20 and npm lacks.
# Sourced, not run. Every step says what it does; nothing happens silently.

PNPM_VERSION=12.4.2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ensure_node() {
  command -v node >/dev/null || die "Node.js 20 or newer is required (https://nodejs.org)."
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js 20 or newer is required; found $(node -v)."
}

ensure_pnpm() {
  if command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
  # No packageManager field and no corepack: see docs/decisions/001-workspace-and-tooling.md.
  say "Installing pnpm $PNPM_VERSION with npm (global)"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null || die "could not install pnpm $PNPM_VERSION"
  hash -r
}

# Debian packages (apt) for what npm cannot give. Installed only when missing.
ensure_apt() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "Debian packages ${missing[*]} are missing; install them as root (apt-get install ${missing[*]})."
    sudo='sudo'
  fi
  say "Installing Debian packages: ${missing[*]} (apt-get; about 30 s)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

ensure_deps() {
  say "Installing npm dependencies (pnpm install; about 90 s the first time, while better-sqlite3 compiles)"
  # better-sqlite3 is compiled from source here; node-gyp must use this Node's headers, not download them.
  local nodedir
  nodedir=$(cd "$(dirname "$(command -v node)")/.." && pwd)
  (cd "$ROOT" && npm_config_nodedir="$nodedir" pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -vE '^(Progress|\.\.\..*install: )' | tail -n 20)
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "pnpm install failed"
}
