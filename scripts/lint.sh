#!/usr/bin/env bash
# Formatting check (clang-format, config in .clang-format). `--fix` rewrites.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' | grep -v '^build')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if clang-format --dry-run -Werror "${files[@]}"; then
  echo "lint: ${#files[@]} files formatted correctly"
else
  echo "lint: run scripts/lint.sh --fix" >&2
  exit 1
fi
