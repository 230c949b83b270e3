#!/usr/bin/env bash
# Command 1 of the quickstart: install what is needed, build, and run hyper2kvm
# on its default configuration (folders under /var/lib/hyper2kvm).
# The watch-folder daemon comes with issue #3; until then the files given as
# arguments are converted into the default output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
BASE=${H2K_BASE:-/var/lib/hyper2kvm}
mkdir -p "$BASE/queue" "$BASE/output" "$BASE/work"
if (($# == 0)); then
  build/nodes/hyper2kvm --help
  echo
  echo "Built. Convert a VM with: bash scripts/setup-and-run.sh path/to/vm.ova  (output in $BASE/output)"
  exit 0
fi
rc=0
for f in "$@"; do
  build/nodes/hyper2kvm convert "$f" --output-dir "$BASE/output" || rc=$?
done
exit $rc
