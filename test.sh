#!/usr/bin/env bash
# Runs every StateVault test with the real servers it needs: installs what is missing (npm packages, Chromium),
# starts a throwaway PostgreSQL and an S3-compatible server on loopback, runs the tests, and stops the servers.
# Tests that stop the shared PostgreSQL on purpose (trait Category=Outage) run alone after the others.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter FullyQualifiedName~Sqlite).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/backends.sh
ensure_tools
trap stop_backends EXIT
start_postgres
start_s3rver

log="$SV_RUN_DIR/dotnet-test.log"
dotnet build StateVault.slnx -c Release -nologo -clp:ErrorsOnly
status=0
if [ "$#" -gt 0 ]; then
  dotnet test StateVault.slnx -c Release --no-build "$@" 2>&1 | tee -a "$log" || status=$?
else
  dotnet test StateVault.slnx -c Release --no-build --filter "Category!=Outage" 2>&1 | tee -a "$log" || status=$?
  dotnet test StateVault.slnx -c Release --no-build --filter "Category=Outage" 2>&1 | tee -a "$log" || status=$?
  # The peers' own conformance suites (Akka.Persistence.TCK, Orleans.Persistence.TestKit) against our adapters, on the
  # file store and this PostgreSQL; their "Failed/Passed/Skipped" lines go into the same log and the closing line.
  if [ "$status" = 0 ]; then
    SV_PEER_LOG="$log" scripts/peer-suites.sh || status=$?
  else
    log "dotnet test failed: the peer conformance suites (scripts/peer-suites.sh) were not run"
  fi
fi

# One closing line for the whole run, summed over every test assembly and both passes.
grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" \
  | awk -F'[:,]' '{f+=$2; p+=$4; s+=$6} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}'
exit "$status"
