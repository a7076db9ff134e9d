#!/usr/bin/env bash
# Runs every StateVault test with the real servers it needs: installs what is missing (npm packages, Chromium),
# starts a throwaway PostgreSQL and an S3-compatible server on loopback, runs `dotnet test`, and stops them.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter FullyQualifiedName~Sqlite).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/backends.sh
ensure_tools
trap stop_backends EXIT
start_postgres
start_s3rver
dotnet test StateVault.slnx -c Release --logger "console;verbosity=normal" "$@"
