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
own_run_dir=0; [ -z "${SV_RUN_DIR:-}" ] && own_run_dir=1
source scripts/backends.sh
trap '[ "$own_run_dir" = 1 ] && rm -rf "$SV_RUN_DIR"' EXIT

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
  if [ "$own_run_dir" = 1 ]; then rm -rf "$SV_RUN_DIR"; fi
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

# Runs one built suite on one store; appends its output to the log and its counts to the summary file.
run_store() { # name project filter store
  local name="$1" project="$2" store="$4" t1=$SECONDS out="$work/$1-$4.out" rc=0
  STATEVAULT_PEER_STORE="$(store_uri "$name" "$store")" \
    dotnet test "$project" -c Release --no-build --filter "$3" >"$out" 2>&1 || rc=$?
  local counts; counts=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$out" | tail -n 1)
  if [ "$rc" != 0 ] || [ -z "$counts" ]; then
    grep -E '^\s+(Failed|Error Message)|^\s+at |error' "$out" | head -n 60 >&2
    echo "fail" >"$work/$name-$store.failed"
  fi
  counts="${counts:-no test ran}"
  printf '%-8s %-10s %s (%d s)\n' "$name" "$store" "$(echo "$counts" | tr -s ' ')" $((SECONDS - t1)) >"$work/$name-$store.summary"
  say "$name on $store: $counts, exit $rc, $((SECONDS - t1)) s"
}

declare -A projects filters
projects[akka]="$work/akka-tck/tests/Akka.Persistence.TCK.Tests"; filters[akka]="FullyQualifiedName~PluginUnderTest"
projects[orleans]="$work/orleans/tests/Orleans.Persistence.TestKit.Tests"; filters[orleans]="FullyQualifiedName~ProviderUnderTest"
for suite in "${suites[@]}"; do
  case "$suite" in
    akka) prepare akka-tck tests/Akka.Persistence.TCK.Tests PluginUnderTest akka/StateVaultSnapshotStoreSpecs.cs StateVaultSnapshotStoreSpecs.cs StateVault.Akka ;;
    orleans) prepare orleans tests/Orleans.Persistence.TestKit.Tests ProviderUnderTest orleans/StateVaultGrainStorageTests.cs StateVaultGrainStorageTests.cs StateVault.Orleans ;;
    *) say "unknown suite '$suite' (akka, orleans)"; exit 2 ;;
  esac
done

# One build for every selected suite: MSBuild restores once and builds the projects side by side.
t0=$SECONDS
{
  echo "<Solution>"
  for suite in "${suites[@]}"; do echo "  <Project Path=\"${projects[$suite]}/$(basename "${projects[$suite]}").csproj\" />"; done
  echo "</Solution>"
} >"$work/peers.slnx"
say "building ${suites[*]} (temporary copies of $suites_dir)"
if ! dotnet build "$work/peers.slnx" -c Release -nologo -clp:ErrorsOnly >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  say "FAIL: the peer suites did not build"
  exit 1
fi
say "built in $((SECONDS - t0)) s"

for suite in "${suites[@]}"; do
  echo "[peer-suites] $suite on ${stores[*]}" >>"$log"
  if [ "$suite" = orleans ]; then
    # The Orleans runs are mostly waiting (in-process cluster, generated sequences): both stores at once.
    for store in "${stores[@]}"; do run_store "$suite" "${projects[$suite]}" "${filters[$suite]}" "$store" & done
    wait
  else
    # The Akka specs assert on timings (timefactor 3): one store at a time.
    for store in "${stores[@]}"; do run_store "$suite" "${projects[$suite]}" "${filters[$suite]}" "$store"; done
  fi
  for store in "${stores[@]}"; do
    cat "$work/$suite-$store.out" >>"$log"
    summary+=("$(cat "$work/$suite-$store.summary")")
    [ -f "$work/$suite-$store.failed" ] && status=1
  done
done

say "results:"
for line in "${summary[@]}"; do say "  $line"; done
exit "$status"
