# Shared helpers for the integration scripts (sourced).
set -euo pipefail

H2K_BIN=${H2K_BIN:?H2K_BIN must name the hyper2kvm binary}
SRC_DIR=${H2K_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# `producer | contains [grep options] PATTERN`: true when the input matches.
# Reads all of its input first: `grep -q` leaves at the first match, and under
# pipefail the producer's SIGPIPE on its next write then fails the pipeline
# whenever the output is longer than a pipe buffer's worth of timing luck.
contains() { local in; in=$(cat); grep -q "$@" <<<"$in"; }

# Content hash of every regular file below a folder (or of one file), to prove
# that a conversion never modified its source.
tree_hash() {
  if [[ -d "$1" ]]; then (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  else sha256sum "$1" | cut -d' ' -f1; fi
}

# Asserts that a folder holds nothing (no partial outputs were published).
assert_empty_dir() {
  local left
  left=$(find "$1" -mindepth 1 -maxdepth 1 | head -5)
  [[ -z "$left" ]] || fail "output folder $1 is not empty after a failed conversion: $left"
}

json_get() {  # json_get FILE PYTHON-EXPR-ON-j
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# domain_first_disk XML: "DISK FORMAT BUS MAC" of a domain XML: its first
# disk's file, driver type and bus, and its first NIC's MAC ("" without one,
# so read it last).
domain_first_disk() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
d = ET.parse(sys.argv[1]).getroot()
disk = d.find("./devices/disk")
mac = d.find("./devices/interface/mac")
print(disk.find("source").get("file"), disk.find("driver").get("type"), disk.find("target").get("bus"),
      mac.get("address") if mac is not None else "")
PY
}
