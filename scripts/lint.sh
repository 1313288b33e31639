#!/usr/bin/env bash
# Formatting check (clang-format, config in .clang-format). `--fix` rewrites.
# `--tidy` runs clang-tidy (.clang-tidy) over src/ with build/tidy's compile
# database: a developer check, not yet part of CI (it takes minutes here).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' | grep -v '^build')
if [ "${1:-}" = "--tidy" ]; then
  cmake -S . -B build/tidy -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DMB_BUILD_BENCH=OFF >/dev/null
  cmake --build build/tidy >/dev/null
  git ls-files 'src/*.cc' | xargs -P "$(nproc)" -n 4 clang-tidy -p build/tidy --quiet
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
