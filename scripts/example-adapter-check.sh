#!/usr/bin/env bash
# Proves the example third-party adapter (examples/recordstore-adapter-lmdb) the way a third party uses it,
# entirely from packed tarballs, in folders outside the repository:
#   1. packs core, sqlite, postgres, testkit and cli (pnpm pack: workspace:* becomes a version);
#   2. as the adapter's author: installs the adapter's dependencies from npm and core/testkit from the
#      tarballs, builds, type-checks (its test imports the built package by name) and packs it;
#   3. as an application: installs every tarball plus the packed adapter with npm, in a layout with SEVERAL
#      copies of @recordstore/core (the application's core is 0.1.1, the same build re-versioned, while cli,
#      sqlite, postgres and testkit pin 0.1.0, so npm gives each its own copy; the adapter, whose core is a
#      peer dependency, shares the application's), then
#      (a) runs the whole conformance suite on the installed adapter (vitest and @recordstore/testkit from
#          there), and
#      (b) drives `npx recordstore` with a recordstore.yaml that loads the adapter through `plugins:` and names
#          it `class: lmdb`: config check, health, put, get, list --filter, backup create + verify,
#          copy --verify to and from SQLite (the inline lmdb: form included), and typed errors with the CLI's
#          exit codes.
# Exits non-zero on the first failure, printing the command's output.
# Usage: bash scripts/example-adapter-check.sh [--no-build] [--keep]
#   --no-build  pack the packages' existing dist/ (CI runs this after `pnpm test`, which built them)
#   --keep      keep the work folder (printed at the start) for inspection
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
example="$repo/examples/recordstore-adapter-lmdb"

build=true
keep=false
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    --keep) keep=true ;;
    *) echo "example-adapter-check: unknown option $arg (known: --no-build, --keep)" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/recordstore-example-adapter.XXXXXX")
case "$work/" in "$repo"/*) echo "example-adapter-check: the work folder must be outside the repository" >&2; exit 2 ;; esac
cleanup() { if $keep; then echo "example-adapter-check: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

started=$(date +%s)
say() { echo "example-adapter: $* ($(($(date +%s) - started))s)"; }
fail() { echo "example-adapter: FAILED: $*" >&2; exit 1; }

# better-sqlite3 (a CLI dependency) compiles against the local Node headers: its prebuilt binaries are on
# GitHub, which cannot be reached here. Only it: lmdb's prebuilt binaries come from npm (@lmdb/lmdb-linux-x64).
export npm_config_nodedir="${npm_config_nodedir:-/usr}" npm_config_build_from_source=better-sqlite3
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false npm_config_loglevel=error
export npm_config_prefer_offline=true
npm_quiet() { "$@" >"$work/npm.log" 2>&1 || { cat "$work/npm.log" >&2; fail "$*"; }; }

say "work folder $work"
if $build; then
  say "building the workspace packages (pnpm run build)"
  pnpm run --silent build >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "pnpm run build"; }
fi

packs="$work/packs"
mkdir -p "$packs"
for pkg in core sqlite postgres testkit cli; do
  (cd "$repo/packages/$pkg" && pnpm pack --pack-destination "$packs" >/dev/null) || fail "pnpm pack $pkg"
done
tgz() { echo "$packs/recordstore-$1-0.1.0.tgz"; }
say "packed: $(cd "$packs" && ls | tr '\n' ' ')"

# --- 2. the adapter's author: build and pack it against the packed core ------------------------------------
author="$work/adapter"
mkdir -p "$author"
tar -C "$example" --exclude=node_modules --exclude=dist -cf - . | tar -C "$author" -xf -
cp "$author/package.json" "$work/adapter-package.json"
(
  cd "$author"
  # @recordstore/* are not on the npm registry (yet): the tarballs stand in for the devDependencies.
  npm_quiet npm install --save-dev "$(tgz core)" "$(tgz testkit)"
  npm_quiet npm run build
  # After the build: the conformance test imports the package by its own name (its dist/).
  npm_quiet npm run typecheck
  # Pack with the package.json as written (the install above rewrote the two devDependencies to file: paths).
  cp "$work/adapter-package.json" package.json
  npm_quiet npm pack --pack-destination "$packs"
)
adapter_tgz="$packs/recordstore-adapter-lmdb-0.1.0.tgz"
[ -f "$adapter_tgz" ] || fail "the adapter was not packed"
say "adapter built and packed: $(tar -tzf "$adapter_tgz" | sed 's|^package/||' | tr '\n' ' ')"

# --- 3. the application -------------------------------------------------------------------------------
# Several copies of core, laid out by npm itself: the application depends on core 0.1.1 (the same build,
# re-versioned, as if it had taken a patch release) while cli, sqlite, postgres and testkit pin 0.1.0. npm
# gives each of those its own 0.1.0 copy; the adapter, whose core is a peer dependency, shares the
# application's. `overrides` only stand in for the registry, which does not serve @recordstore/core 0.1.0.
core_app="$work/core-0.1.1"
mkdir -p "$core_app"
tar -xzf "$(tgz core)" -C "$core_app"
node -e "const f='$core_app/package/package.json',fs=require('fs'),p=JSON.parse(fs.readFileSync(f));p.version='0.1.1';fs.writeFileSync(f,JSON.stringify(p,null,2))"
(cd "$core_app/package" && npm_quiet npm pack --pack-destination "$packs")

app="$work/app"
mkdir -p "$app"
cd "$app"
npm_quiet npm init -y
node -e "
const fs = require('fs');
const p = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const core = 'file:$(tgz core)';
p.dependencies = {
  '@recordstore/core': 'file:$packs/recordstore-core-0.1.1.tgz',
  '@recordstore/cli': 'file:$(tgz cli)',
  '@recordstore/sqlite': 'file:$(tgz sqlite)',
  '@recordstore/postgres': 'file:$(tgz postgres)',
  'recordstore-adapter-lmdb': 'file:$adapter_tgz',
};
p.devDependencies = { '@recordstore/testkit': 'file:$(tgz testkit)', vitest: '4.1.12' };
p.overrides = Object.fromEntries(
  ['cli', 'sqlite', 'postgres', 'testkit'].map((name) => ['@recordstore/' + name, { '@recordstore/core': core }]),
);
fs.writeFileSync('package.json', JSON.stringify(p, null, 2));
"
say "installing the application (npm install of the tarballs; compiles better-sqlite3)"
npm_quiet npm install

copies=$(find node_modules -name package.json -path '*/@recordstore/core/package.json' | sort)
for f in $copies; do echo "  @recordstore/core $(node -p "require('./$f').version") in $(dirname "$f")"; done
[ "$(echo "$copies" | wc -l)" -ge 2 ] || fail "expected several copies of @recordstore/core, found: $copies"
# The folder of the copy of core a package loads (resolved from its own folder, as Node does).
core_of() {
  node -e "const p=require('path'),r=require('module').createRequire(p.resolve('$1'));
console.log(p.relative(process.cwd(),p.dirname(p.dirname(r.resolve('@recordstore/core')))))"
}
cli_core=$(core_of node_modules/@recordstore/cli/package.json)
adapter_core=$(core_of node_modules/recordstore-adapter-lmdb/package.json)
echo "  the CLI loads core from $cli_core; the adapter from $adapter_core"
[ "$cli_core" != "$adapter_core" ] || fail "the CLI and the adapter share one copy of core; the proof needs two"

# (a) the conformance suite on the installed adapter -----------------------------------------------------
mkdir -p test
cp "$example/test/conformance.test.ts" test/
cp "$example/vitest.config.ts" .
say "(a) conformance suite on the installed adapter (npx vitest run)"
npx --no-install vitest run --reporter=dot >"$work/vitest.log" 2>&1 || { cat "$work/vitest.log" >&2; fail "conformance suite"; }
grep -E 'Test Files|Tests ' "$work/vitest.log" | sed 's/\x1b\[[0-9;]*m//g; s/^ */  /'

# (b) the CLI, with the adapter loaded by name from the YAML file -----------------------------------------
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

say "passed: conformance suite and CLI on the installed adapter, core loaded in $(echo "$copies" | wc -l) copies"
