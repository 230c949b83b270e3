#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for N seconds from its
# seed corpus. Fails (exit 1) on any crash, sanitizer report or timeout.
#
# usage: tests/fuzz/run-fuzzers.sh [seconds-per-target] [build-dir]
#   seconds-per-target  default 20
#   build-dir           default $H2K_FUZZ_BUILD_DIR or /tmp/h2k-fuzz-build
# Environment: CXX (default clang++-14), JOBS (default 2), FUZZ_TARGETS (names
# to run, default all fuzz_* built), FUZZ_KEEP_CORPUS=1 to keep found inputs.
set -eu

seconds=${1:-20}
build=${2:-${H2K_FUZZ_BUILD_DIR:-/tmp/h2k-fuzz-build}}
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
cxx=${CXX:-clang++-14}
jobs=${JOBS:-2}

targets=${FUZZ_TARGETS:-$(sed -n 's/^h2k_add_fuzzer(\([a-z0-9_]*\).*/fuzz_\1/p' "$here/CMakeLists.txt")}

mkdir -p "$build"
echo "== configuring $build with $cxx"
cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DH2K_BUILD_FUZZERS=ON -DH2K_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
echo "== building:" $targets
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets

artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
failed=""
for target in $targets; do
  exe=$build/tests/fuzz/$target
  max_len=$(sed -n 's/^max_len *= *\([0-9]*\).*/\1/p' "$here/$target.options" 2>/dev/null || true)
  # New inputs go to a scratch corpus so the committed seeds stay small.
  work=$build/fuzz-corpus/$target
  [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || rm -rf "$work"
  mkdir -p "$work"
  echo "== $target: ${seconds}s, max_len=${max_len:-default}"
  if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      ${max_len:+-max_len=$max_len} -artifact_prefix="$artifacts/$target-" \
      "$work" "$here/corpus/$target" >"$build/$target.log" 2>&1; then
    echo "!! $target FAILED; log: $build/$target.log, artifacts in $artifacts"
    tail -40 "$build/$target.log"
    failed="$failed $target"
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$build/$target.log" | tail -2
  fi
done

if [ -n "$failed" ]; then
  echo "fuzzers failed:$failed"
  exit 1
fi
echo "all fuzzers ran ${seconds}s without findings"
