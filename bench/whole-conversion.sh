#!/usr/bin/env bash
# Benchmark: a whole conversion of the real fixture guest, hyper2kvm against
# virt-v2v, side by side, and whether each result boots.
#
# usage: bench/whole-conversion.sh [--fixture DIR] [--variant NAME] [--runs R] [--bin PATH]
#                                  [--boot-timeout S] [--workdir DIR] [--keep]
#   --fixture DIR     fixture folder holding fixtures.json (default: the last line
#                     printed by tests/fixtures/build-fixtures.sh, which builds or
#                     reuses the cached fixtures)
#   --variant NAME    fixture variant to convert (default vmdk-monolithicSparse;
#                     "raw" or "base" picks the raw base image)
#   --runs R          timed conversions per tool (default 1); only the last
#                     output of each tool is booted
#   --bin PATH        hyper2kvm binary (default: build/nodes/hyper2kvm, else $H2K_BIN)
#   --boot-timeout S  seconds to wait for the guest's H2K-BOOT-OK line (default 300)
#   --workdir DIR     scratch folder (default: a new folder under /var/tmp)
#   --keep            keep the scratch folder (outputs, serial logs) afterwards
#
# Times, one after the other (order alternating per run), with the page cache
# dropped before each when the kernel allows it:
#   hyper2kvm  `hyper2kvm convert SRC --output-dir D --json -q` (guest fixes on)
#   virt-v2v   `virt-v2v -i disk SRC -o local -os D -of qcow2 -on NAME`
# both with LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
# (nested KVM hangs here, so the libguestfs appliance runs under TCG). Then it
# boots each output with tests/fixtures/boot-check.sh on virtio-blk and
# virtio-net with the fixture's MAC, and prints a table: tool, median wall
# seconds, ratio vs virt-v2v, peak RSS, boots yes/no, and the guest's
# H2K-BOOT-OK line or the last serial lines. A conversion that fails is
# reported (and the script exits 1 at the end); a guest that does not boot is
# a result, not an error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIXTURE=""
VARIANT=vmdk-monolithicSparse
RUNS=1
BIN=""
BOOT_TIMEOUT=300
WORKDIR=""
KEEP=0
while (($#)); do
  case $1 in
    --fixture) FIXTURE=$2; shift 2 ;;
    --variant) VARIANT=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --boot-timeout) BOOT_TIMEOUT=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "whole-conversion: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "whole-conversion: --runs must be a positive integer" >&2; exit 2; }

PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
export LIBGUESTFS_BACKEND=direct
export LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# --- prerequisites (benchmarks install their own packages) -------------------
need=()
command -v virt-v2v >/dev/null || need+=(virt-v2v)
# virt-v2v 2.2 needs nbdkit (`-i disk`) and nbdcopy/nbdinfo (libnbd-bin, copying the
# disk), which Debian's virt-v2v package does not pull in.
command -v nbdkit >/dev/null || need+=(nbdkit)
command -v nbdcopy >/dev/null && command -v nbdinfo >/dev/null || need+=(libnbd-bin)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  echo "whole-conversion: installing ${need[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi
# libguestfs (hyper2kvm's guest fixer and virt-v2v) reads the host kernel; Debian ships it 0600.
chmod 0644 /boot/vmlinuz-* 2>/dev/null || true

if [[ -z $BIN ]]; then
  if [[ -x $ROOT/build/nodes/hyper2kvm ]]; then BIN=$ROOT/build/nodes/hyper2kvm
  elif [[ -n ${H2K_BIN:-} ]]; then BIN=$H2K_BIN
  else echo "whole-conversion: no hyper2kvm binary (run bash scripts/build.sh or pass --bin)" >&2; exit 2; fi
fi
BIN=$(readlink -f "$BIN")
"$BIN" convert --help >/dev/null || { echo "whole-conversion: $BIN convert --help failed" >&2; exit 2; }
BOOT_CHECK=$ROOT/tests/fixtures/boot-check.sh
[[ -f $BOOT_CHECK ]] || { echo "whole-conversion: $BOOT_CHECK missing" >&2; exit 2; }

if [[ -z $FIXTURE ]]; then
  echo "whole-conversion: building or reusing the fixtures (tests/fixtures/build-fixtures.sh)"
  FIXTURE=$(bash "$ROOT/tests/fixtures/build-fixtures.sh" | tail -n 1)
fi
[[ -f $FIXTURE/fixtures.json ]] || { echo "whole-conversion: no fixtures.json in $FIXTURE" >&2; exit 2; }

# The source: the variant's path (and the MAC the guest expects) from fixtures.json.
read -r SRC_REL SRC_MAC < <("$PY" - "$FIXTURE/fixtures.json" "$VARIANT" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
want = sys.argv[2]
items = data if isinstance(data, list) else data.get("variants", data)
if isinstance(items, dict):
    items = [dict(v, name=k) for k, v in items.items() if isinstance(v, dict)]
mac = next((v.get("expected_mac") for v in items if v.get("expected_mac")), "") if items else ""
if not isinstance(data, list):
    mac = mac or data.get("expected_mac", "") or data.get("mac", "")
def pick():
    for v in items:
        if v.get("name") == want:
            return v.get("path")
    if want in ("raw", "base"):
        for v in items:
            if v.get("name") in ("raw", "base", "raw-base", "base-raw") or str(v.get("format", "")) == "raw":
                return v.get("path")
        if not isinstance(data, list):
            for k in ("base", "base_image", "raw", "base_raw"):
                if isinstance(data.get(k), str):
                    return data[k]
                if isinstance(data.get(k), dict) and data[k].get("path"):
                    return data[k]["path"]
    return None
p = pick()
if not p:
    sys.exit("variant %s not in fixtures.json (have: %s)" % (want, ", ".join(str(v.get("name")) for v in items)))
for v in items:
    if v.get("name") == want and v.get("expected_mac"):
        mac = v["expected_mac"]
print(p, mac or "-")
PY
)
SRC=$SRC_REL
[[ $SRC == /* ]] || SRC=$FIXTURE/$SRC_REL
[[ -f $SRC ]] || { echo "whole-conversion: source $SRC missing" >&2; exit 2; }
[[ $SRC_MAC == - ]] && SRC_MAC=""

source "$ROOT/bench/lib.sh"
bench_workdir whole-conversion h2k-bench-whole

drop_caches
[[ $CACHE == cold ]] || echo "whole-conversion: cannot write /proc/sys/vm/drop_caches: measuring with a warm cache"

echo "whole-conversion: source $SRC ($(qemu-img info --output=json "$SRC" | "$PY" -c 'import json,sys; j=json.load(sys.stdin); print(j["format"], j["virtual-size"]//2**20, "MiB virtual")'); $(du -m "$SRC" | cut -f1) MiB on disk)"
echo "whole-conversion: $($BIN --version 2>/dev/null || echo hyper2kvm), $(virt-v2v --version 2>/dev/null | head -n 1), $(qemu-img --version | head -n 1)"

RESULTS=$WORKDIR/results.tsv   # tool run seconds rss_kib status
: >"$RESULTS"
FAILED=0
H2K_DISK="" H2K_MAC="" V2V_DISK=""
NAME=h2kbench

time_cmd() {  # time_cmd LOGPREFIX CMD... : sets T, RSS, returns the exit code
  local log=$1; shift
  local t0 t1 rc=0
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$log.rss" -- "$@" >"$log.stdout" 2>"$log.stderr" || rc=$?
  t1=$EPOCHREALTIME
  T=$("$PY" -c "print(f'{$t1 - $t0:.2f}')")
  RSS=$(tail -n 1 "$log.rss" | grep -Eo '^[0-9]+$' || echo 0)
  return $rc
}

run_h2k() {
  local run=$1 out=$WORKDIR/h2k-$1
  rm -rf "$out"; mkdir -p "$out"
  drop_caches
  echo "  run $run: hyper2kvm convert ..."
  if time_cmd "$WORKDIR/h2k-$run" "$BIN" convert "$SRC" --output-dir "$out" --name "$NAME" --json -q; then
    local parsed
    if parsed=$("$PY" - "$WORKDIR/h2k-$run.stdout" <<'PY'
import json, sys, xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1]))
assert j["status"] == "success", j.get("status")
d = j["output"]["disks"][0]
mac = ""
try:
    m = ET.parse(j["output"]["domain_xml"]).getroot().find("./devices/interface/mac")
    mac = m.get("address") if m is not None else ""
except Exception:
    pass
t = j["timings_seconds"]
phases = " ".join(f"{k}={v:.1f}" for k, v in t.items())
print(d["path"], d["format"], mac or "-", j["guest_fixes"]["applied"], phases)
PY
    ); then
      local fmt applied phases
      read -r H2K_DISK fmt H2K_MAC applied phases <<<"$parsed"
      [[ $H2K_MAC == - ]] && H2K_MAC=""
      echo "  run $run: hyper2kvm ${T}s (report: $phases; guest fixes applied: $applied) rss ${RSS} KiB"
      printf 'hyper2kvm\t%s\t%s\t%s\tok\n' "$run" "$T" "$RSS" >>"$RESULTS"
      return 0
    fi
  fi
  echo "  run $run: hyper2kvm FAILED after ${T}s:" >&2
  tail -n 20 "$WORKDIR/h2k-$run.stderr" >&2
  head -c 2000 "$WORKDIR/h2k-$run.stdout" >&2
  printf 'hyper2kvm\t%s\t%s\t%s\tfailed\n' "$run" "$T" "$RSS" >>"$RESULTS"
  H2K_DISK=""
  FAILED=1
}

run_v2v() {
  local run=$1 out=$WORKDIR/v2v-$1
  rm -rf "$out"; mkdir -p "$out"
  drop_caches
  echo "  run $run: virt-v2v ..."
  if time_cmd "$WORKDIR/v2v-$run" virt-v2v -i disk "$SRC" -o local -os "$out" -of qcow2 -on "$NAME" \
     && [[ -f $out/$NAME-sda ]]; then
    V2V_DISK=$out/$NAME-sda
    echo "  run $run: virt-v2v ${T}s rss ${RSS} KiB"
    printf 'virt-v2v\t%s\t%s\t%s\tok\n' "$run" "$T" "$RSS" >>"$RESULTS"
  else
    echo "  run $run: virt-v2v FAILED after ${T}s:" >&2
    tail -n 20 "$WORKDIR/v2v-$run.stderr" >&2
    printf 'virt-v2v\t%s\t%s\t%s\tfailed\n' "$run" "$T" "$RSS" >>"$RESULTS"
    V2V_DISK=""
    FAILED=1
  fi
}

for ((run = 1; run <= RUNS; run++)); do
  # keep only the newest output of each tool (the one that is booted)
  rm -rf "$WORKDIR/h2k-$((run - 1))" "$WORKDIR/v2v-$((run - 1))"
  if ((run % 2)); then run_h2k "$run"; run_v2v "$run"; else run_v2v "$run"; run_h2k "$run"; fi
done

# --- boot both outputs on virtio --------------------------------------------------
MAC=${SRC_MAC:-${H2K_MAC:-52:54:00:12:34:56}}
boot() {  # boot TOOL DISK -> appends TOOL\tyes|no\tdetail to boots.tsv
  local tool=$1 disk=$2 log=$WORKDIR/serial-$1.log line detail
  if [[ -z $disk ]]; then
    printf '%s\tno\tconversion failed, nothing to boot\n' "$tool" >>"$WORKDIR/boots.tsv"; return
  fi
  echo "  booting the $tool output ($disk) on virtio, MAC $MAC, timeout ${BOOT_TIMEOUT}s ..."
  line=$(bash "$BOOT_CHECK" "$disk" --format qcow2 --bus virtio --nic virtio --mac "$MAC" \
           --timeout "$BOOT_TIMEOUT" --log "$log" 2>"$WORKDIR/boot-$tool.stderr" | tr -d '\r' | grep -a -m1 'H2K-BOOT-OK' || true)
  [[ -n $line ]] || line=$(tr -d '\r' <"$log" 2>/dev/null | grep -a -m1 'H2K-BOOT-OK' || true)
  if [[ -n $line ]]; then
    printf '%s\tyes\t%s\n' "$tool" "$line" >>"$WORKDIR/boots.tsv"
  else
    detail=$(tr -d '\r' <"$log" 2>/dev/null | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -av '^[[:space:]]*$' | tail -n 6 | sed 's/^/    | /')
    [[ -n $detail ]] || detail=$(tail -n 6 "$WORKDIR/boot-$tool.stderr" | sed 's/^/    | /')
    printf '%s\tno\tlast serial lines:\n%s\n' "$tool" "$detail" >>"$WORKDIR/boots.tsv"
  fi
}
: >"$WORKDIR/boots.tsv"
boot hyper2kvm "$H2K_DISK"
boot virt-v2v "$V2V_DISK"

echo
echo "whole-conversion results: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s), libguestfs under TCG, ${CACHE} cache, ${RUNS} run(s) per tool"
echo "source: $SRC"
"$PY" - "$RESULTS" "$WORKDIR/boots.tsv" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
rss = defaultdict(int)
failed = set()
for line in open(sys.argv[1]):
    tool, run, sec, kib, status = line.rstrip("\n").split("\t")
    if status == "ok":
        runs[tool].append(float(sec))
    else:
        failed.add(tool)
    rss[tool] = max(rss[tool], int(kib))
boots = {}
tool = None
for line in open(sys.argv[2]):
    parts = line.rstrip("\n").split("\t")
    if len(parts) == 3 and parts[0] in ("hyper2kvm", "virt-v2v"):
        tool = parts[0]
        boots[tool] = [parts[1], parts[2]]
    elif tool:
        boots[tool][1] += "\n" + line.rstrip("\n")
base = statistics.median(runs["virt-v2v"]) if runs["virt-v2v"] else None
hdr = f"{'tool':<10} {'wall s':>8} {'vs virt-v2v':>12} {'peak RSS':>10} {'boots':>6}"
print(hdr)
print("-" * len(hdr))
for t in ("hyper2kvm", "virt-v2v"):
    if runs[t]:
        m = statistics.median(runs[t])
        ratio = f"{m / base:.2f}x" if base else "n/a"
        wall = f"{m:.1f}"
    else:
        wall, ratio = "FAILED", "n/a"
    b = boots.get(t, ["no", ""])
    print(f"{t:<10} {wall:>8} {ratio:>12} {rss[t] / 1024:>6.0f} MiB {b[0]:>6}")
print()
for t in ("hyper2kvm", "virt-v2v"):
    b = boots.get(t, ["no", "(not booted)"])
    print(f"{t}: boots={b[0]}: {b[1]}")
PY
exit $FAILED
