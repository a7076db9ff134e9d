#!/usr/bin/env bash
# A long run of the server fuzz target (test/StateVault.Server.Tests/Fuzz/ServerFuzzTests.cs) outside the suite.
# The suite runs 3,000 inputs within 60 s with a fixed seed; this runs as many as you ask for, with a seed of your choice.
#
#   scripts/fuzz.sh [INPUTS] [SECONDS] [SEED]      defaults: 200000 inputs, 3600 s, a random seed
#
# It prints the seed first: a failure reproduces with the same seed (and at most the same number of inputs).
set -euo pipefail
cd "$(dirname "$0")/.."

inputs="${1:-200000}"
seconds="${2:-3600}"
seed="${3:-$RANDOM$RANDOM}"
echo "fuzz: seed $seed, up to $inputs inputs, up to $seconds s"

dotnet build test/StateVault.Server.Tests/StateVault.Server.Tests.csproj -c Release -nologo -clp:ErrorsOnly
STATEVAULT_FUZZ_SEED="$seed" STATEVAULT_FUZZ_INPUTS="$inputs" STATEVAULT_FUZZ_SECONDS="$seconds" \
  dotnet test test/StateVault.Server.Tests/StateVault.Server.Tests.csproj -c Release --no-build \
  --filter "FullyQualifiedName~ServerFuzzTests" --logger "console;verbosity=detailed"
