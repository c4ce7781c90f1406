#!/usr/bin/env bash
# Installs everything recordstore needs on a fresh machine, idempotently:
#   pnpm (the pinned version), the workspace's dependencies, and (with --postgres) the PostgreSQL
#   binaries the test suite uses to start a throwaway cluster when no container runtime or URL is given.
# Usage: bash scripts/bootstrap.sh [--postgres]
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
want_postgres=false
for arg in "$@"; do
  case "$arg" in
    --postgres) want_postgres=true ;;
    *) echo "bootstrap: unknown option $arg (known: --postgres)" >&2; exit 2 ;;
  esac
done

say() { echo "bootstrap: $*" >&2; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

have_pg_binaries() {
  command -v initdb >/dev/null 2>&1 && return 0
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if $want_postgres; then
  # The test suite's throwaway clusters, streaming replicas (pg_basebackup), PgBouncer in transaction
  # mode and TLS certificates (openssl) all come from Debian's packages.
  missing=()
  [ -n "${RECORDSTORE_TEST_POSTGRES_URL:-}" ] || have_pg_binaries || missing+=(postgresql)
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing ${missing[*]} (apt-get install -y ${missing[*]})"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      say "missing: ${missing[*]}. Install them (apt-get install -y ${missing[*]}), or set"
      say "RECORDSTORE_TEST_POSTGRES_URL, or start a container runtime (Docker or podman)."
    fi
  fi
fi

# better-sqlite3 compiles from source against the local Node headers (no download).
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
say "installing dependencies"
CI=true pnpm install --frozen-lockfile --reporter=silent
if node scripts/dist-fresh.mjs >/dev/null; then
  say "build up to date (dist/ newer than every source)"
else
  say "building"
  pnpm run --silent build >/dev/null
fi
say "ready"
