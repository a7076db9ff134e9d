#!/usr/bin/env bash
# Rewrites StateVault.slnx from the projects on disk (used when merging branches that each added projects).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "<Solution>"
  for folder in src test bench samples; do
    projects=$(find "$folder" -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*' 2>/dev/null | sort)
    [ -z "$projects" ] && continue
    echo "  <Folder Name=\"/$folder/\">"
    for p in $projects; do echo "    <Project Path=\"$p\" />"; done
    echo "  </Folder>"
  done
  echo "</Solution>"
} > StateVault.slnx
