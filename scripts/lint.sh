#!/usr/bin/env bash
# Formatting check (clang-format, config in .clang-format). `--fix` rewrites.
# `--tidy [BUILD_DIR]` runs clang-tidy (.clang-tidy) over src/ and fails on
# any finding; it uses BUILD_DIR's compile database (a configured and built
# clang build; CI passes build/fuzz-ci), or configures and builds build/tidy.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' | grep -v '^build')
if [ "${1:-}" = "--tidy" ]; then
  db=${2:-}
  if [ -z "$db" ]; then
    db=build/tidy
    cmake -S . -B "$db" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DMB_BUILD_BENCH=OFF >/dev/null
    cmake --build "$db" >/dev/null
  fi
  git ls-files 'src/*.cc' | xargs -P "$(nproc)" -n 4 clang-tidy -p "$db" --quiet --warnings-as-errors='*'
  exit
fi
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
