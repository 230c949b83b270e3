#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, builds,
# builds or reuses the cached guest fixtures, and runs the whole CTest suite:
# unit tests, fuzzers (briefly), and end-to-end conversions that boot the
# converted guests under TCG.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/install-deps.sh --with-tests
# Compiled objects are kept outside the clone, like the fixtures, so a test
# run on a machine that built the project before recompiles only what changed
# (a cold build takes ~25 min on 2 cores, a warm one a few). The cache is
# keyed by each compilation's preprocessed input and flags; paths under the
# clone are made relative (BASEDIR), so another clone of the same commit
# hits. Precompiled headers need the sloppiness below (ccache's manual).
have_ccache=false
command -v ccache >/dev/null && have_ccache=true
if $have_ccache; then
  export CCACHE_DIR=${CCACHE_DIR:-/var/cache/hyper2kvm-ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
  ccache --zero-stats >/dev/null
fi
BUILD_DIR=${BUILD_DIR:-build}
BUILD_DIR=$BUILD_DIR bash scripts/build.sh
if $have_ccache; then
  echo "test: ccache $(ccache --print-stats | awk -F'\t' '
    $1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 }
    $1 == "cache_miss" { m = $2 }
    END { printf "%d hits, %d misses", h, m }')"
fi

# KVM may be present but broken (nested virtualisation): everything in the
# test suite runs libguestfs and qemu under TCG.
export LIBGUESTFS_BACKEND=direct
export LIBGUESTFS_BACKEND_SETTINGS=force_tcg
unset LIBGUESTFS_CACHEDIR

# The vCenter simulator (govmomi's vcsim with VM export, and govc) for the
# vSphere tests; the kit keeps its own stamp (a hash of its build script and
# overlay) and is rebuilt only when they change.
echo "test: building (or reusing) the vCenter simulator"
H2K_VCSIM_KIT=${H2K_VCSIM_CACHE:-/var/cache/hyper2kvm-vcsim}
bash tests/vsphere/vcsim-kit/build-vcsim.sh "$H2K_VCSIM_KIT" | tail -n 1
export H2K_VCSIM_KIT="$H2K_VCSIM_KIT/bin"

echo "test: building (or reusing) the guest fixtures"
H2K_FIXTURES=$(bash tests/fixtures/build-fixtures.sh | tail -n 1)
export H2K_FIXTURES
echo "test: fixtures in $H2K_FIXTURES"

echo "test: building (or reusing) the layout guests (LVM, UEFI+XFS, two disks)"
H2K_LAYOUT_FIXTURES=$(bash tests/fixtures/build-layout-guests.sh | tail -n 1)
export H2K_LAYOUT_FIXTURES
echo "test: layout guests in $H2K_LAYOUT_FIXTURES"

cd "$BUILD_DIR"
# Up to four tests at once within four "cpu" slots: a test that keeps a
# core busy (TCG boots, appliances) takes two, the others one
# (cmake/TestWeights.cmake), so at most two heavy tests share the machine.
ctest --output-on-failure --timeout 1800 -j "${CTEST_JOBS:-4}" \
  --resource-spec-file "$ROOT/tests/ctest-resources.json" "$@"
