#!/usr/bin/env bash
# Runs the peers' own conformance suites against StateVault's adapters, on the file store AND on PostgreSQL:
#   akka    : Akka.Persistence.TCK snapshot specs          vs src/StateVault.Akka    (test/peer-suites/akka/*.cs)
#   orleans : Orleans.Persistence.TestKit (incl. model-based) vs src/StateVault.Orleans (test/peer-suites/orleans/*.cs)
# The suites are third-party code kept outside the repo (../shared/peer-suites, read-only): each is copied to a
# temporary folder, our plugin-under-test file and a reference to our adapter are dropped in there, it is built
# once, and run once per store (STATEVAULT_PEER_STORE tells our spec file which store).
#
# Usage: scripts/peer-suites.sh [akka] [orleans]      (default: both)
# Env:   SV_PEER_SUITES  suites folder (default: <repo>/../shared/peer-suites)
#        SV_PEER_LOG     file the dotnet test output is appended to (test.sh sums its "Failed: X, Passed: Y, Skipped: Z" lines)
#        STATEVAULT_TEST_POSTGRES  PostgreSQL URI (when unset, a throwaway server is started with scripts/backends.sh)
#        STATEVAULT_REQUIRE_BACKENDS=1  a missing suite folder or PostgreSQL is a failure instead of a skip
# Exit:  0 when every run passed (or was skipped with a reason), 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
source scripts/backends.sh

require=0; case "${STATEVAULT_REQUIRE_BACKENDS:-}" in 1|true) require=1 ;; esac
suites_dir="${SV_PEER_SUITES:-$root/../shared/peer-suites}"
suites=("$@"); [ ${#suites[@]} -eq 0 ] && suites=(akka orleans)
log="${SV_PEER_LOG:-$SV_RUN_DIR/peer-suites.log}"
status=0
summary=()

say() { printf '[peer-suites] %s\n' "$*" >&2; }
unavailable() { # reason
  if [ "$require" = 1 ]; then say "FAIL: $1 (STATEVAULT_REQUIRE_BACKENDS is set)"; status=1; else say "SKIP: $1"; fi
}

if [ ! -d "$suites_dir/akka-tck" ] || [ ! -d "$suites_dir/orleans" ]; then
  unavailable "peer suites not found at $suites_dir (expected akka-tck/ and orleans/ beside the repo in shared/peer-suites)"
  exit "$status"
fi

started_pg=0
if [ -z "${STATEVAULT_TEST_POSTGRES:-}" ]; then
  start_postgres || true
  [ -n "${STATEVAULT_TEST_POSTGRES:-}" ] && started_pg=1
fi
work="$(mktemp -d "${SV_RUN_DIR}/peer-suites.XXXXXX")"
cleanup() {
  rm -rf "$work"
  if [ "$started_pg" = 1 ]; then stop_backends; fi
}
trap cleanup EXIT

stores=("file")
if [ -n "${STATEVAULT_TEST_POSTGRES:-}" ]; then stores+=("postgresql"); else unavailable "PostgreSQL is not available (no STATEVAULT_TEST_POSTGRES, no server binaries): the suites run on the file store only"; fi

store_uri() { # suite store
  case "$2" in
    file) echo "file:$work/store-$1" ;;
    postgresql)
      local sep='?'; case "$STATEVAULT_TEST_POSTGRES" in *\?*) sep='&' ;; esac
      echo "${STATEVAULT_TEST_POSTGRES}${sep}schema=peer_${1}_$$_${RANDOM}" ;;
  esac
}

# Copies a suite without build outputs, writable, and adds our spec file and adapter references (no third-party file is edited:
# the references come in through a Directory.Build.targets next to the test project).
prepare() { # suite-folder test-project-dir spec-dir spec-file target-name adapter
  local src="$suites_dir/$1" dst="$work/$1"
  mkdir -p "$dst"
  cp "$suites_dir/Directory.Build.props" "$work/" 2>/dev/null || true
  tar -C "$src" --exclude=bin --exclude=obj --exclude=TestResults --exclude=target -cf - . | tar -C "$dst" -xf -
  chmod -R u+w "$work"
  mkdir -p "$dst/$2/$3"
  cp "$root/test/peer-suites/$4" "$dst/$2/$3/$5"
  cat >"$dst/$2/Directory.Build.targets" <<XML
<Project>
  <ItemGroup>
    <ProjectReference Include="$root/src/$6/$6.csproj" />
    <ProjectReference Include="$root/src/StateVault.PostgreSql/StateVault.PostgreSql.csproj" />
  </ItemGroup>
</Project>
XML
}

run_suite() { # name folder test-project filter
  local name="$1" project="$work/$2/$3" t0=$SECONDS
  say "$name: building $(basename "$3") (from a temporary copy of $suites_dir/$2)"
  if ! dotnet build "$project" -c Release -nologo -clp:ErrorsOnly >"$work/$name-build.log" 2>&1; then
    cat "$work/$name-build.log" >&2
    say "FAIL: $name did not build"; status=1; summary+=("$name: build failed"); return
  fi
  say "$name: built in $((SECONDS - t0)) s"
  for store in "${stores[@]}"; do
    local t1=$SECONDS out="$work/$name-$store.out" rc=0
    echo "[peer-suites] $name on $store" >>"$log"
    STATEVAULT_PEER_STORE="$(store_uri "$name" "$store")" \
      dotnet test "$project" -c Release --no-build --filter "$4" >"$out" 2>&1 || rc=$?
    cat "$out" >>"$log"
    local counts; counts=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$out" | tail -n 1)
    if [ "$rc" != 0 ] || [ -z "$counts" ]; then
      grep -E '^\s+(Failed|Error Message|\[FAIL\])|^\s+at |error' "$out" | head -n 60 >&2
      status=1
    fi
    counts="${counts:-no test ran}"
    summary+=("$(printf '%-8s %-10s %s (%d s)' "$name" "$store" "$(echo "$counts" | tr -s ' ')" $((SECONDS - t1)))")
    say "$name on $store: $counts, exit $rc, $((SECONDS - t1)) s"
  done
}

for suite in "${suites[@]}"; do
  case "$suite" in
    akka)
      prepare akka-tck tests/Akka.Persistence.TCK.Tests PluginUnderTest akka/StateVaultSnapshotStoreSpecs.cs StateVaultSnapshotStoreSpecs.cs StateVault.Akka
      run_suite akka akka-tck tests/Akka.Persistence.TCK.Tests "FullyQualifiedName~PluginUnderTest" ;;
    orleans)
      prepare orleans tests/Orleans.Persistence.TestKit.Tests ProviderUnderTest orleans/StateVaultGrainStorageTests.cs StateVaultGrainStorageTests.cs StateVault.Orleans
      run_suite orleans orleans tests/Orleans.Persistence.TestKit.Tests "FullyQualifiedName~ProviderUnderTest" ;;
    *) say "unknown suite '$suite' (akka, orleans)"; exit 2 ;;
  esac
done

say "results:"
for line in "${summary[@]}"; do say "  $line"; done
exit "$status"
