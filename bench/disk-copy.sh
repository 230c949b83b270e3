#!/usr/bin/env bash
# Benchmark: hyper2kvm's disk copy against qemu-img and cp, side by side.
#
# usage: bench/disk-copy.sh [--size-gib N] [--data-gib M] [--runs R] [--bin PATH] [--workdir DIR] [--keep]
#   --size-gib N   virtual size of the source disk (default 4)
#   --data-gib M   GiB of incompressible random data spread across it (default 1.5)
#   --runs R       timed runs per tool and source format (default 3)
#   --bin PATH     hyper2kvm binary (default: build/nodes/hyper2kvm, else $H2K_BIN)
#   --workdir DIR  scratch folder (default: a new folder under /var/tmp)
#   --keep         keep the scratch folder (sources and logs) afterwards
#
# Makes a sparse raw source image (random data in chunks across the disk,
# explicitly written zero regions and holes between them), converts it once
# (untimed) into VMDK streamOptimized and VMDK monolithicSparse, then for each
# source format and each run times, one after the other (order rotated per run):
#   hyper2kvm  `hyper2kvm convert SRC --output-dir D --no-guest-fixes --json -q`;
#              its copy phase (report.json timings_seconds.copy) and its total
#   qemu-img   `qemu-img convert -O qcow2 SRC out.qcow2`, qemu-img's defaults
#   cp         `cp --sparse=always SRC out` (the physical limit for a copy)
# Every wall time covers the command plus an fsync of its output (hyper2kvm
# fsyncs its copy itself; the other two would otherwise be timed against the
# page cache). Peak RSS comes from GNU time (%M: the largest single process of
# the command's tree, so for hyper2kvm max(hyper2kvm, the qemu-img it runs)).
# Every output is checked with `qemu-img compare` against its source; any
# difference fails the benchmark. The page cache is dropped before every timed
# command when the kernel allows it, otherwise the output says "warm cache".
# Prints a table of medians, MiB/s of data, peak RSS and the ratios
# hyper2kvm/qemu-img and hyper2kvm/cp (ratios of the medians; the per-run
# ratios are printed too, as the machine is shared and the numbers are noisy).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_GIB=4
DATA_GIB=1.5
RUNS=3
BIN=""
WORKDIR=""
KEEP=0
while (($#)); do
  case $1 in
    --size-gib) SIZE_GIB=$2; shift 2 ;;
    --data-gib) DATA_GIB=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "disk-copy: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "disk-copy: --runs must be a positive integer" >&2; exit 2; }

PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

# --- prerequisites (benchmarks install their own packages) -------------------
need=()
command -v qemu-img >/dev/null || need+=(qemu-utils)
[[ -x /usr/bin/time ]] || need+=(time)
command -v "$PY" >/dev/null || need+=(python3)
if ((${#need[@]})); then
  echo "disk-copy: installing ${need[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi

if [[ -z $BIN ]]; then
  if [[ -x $ROOT/build/nodes/hyper2kvm ]]; then BIN=$ROOT/build/nodes/hyper2kvm
  elif [[ -n ${H2K_BIN:-} ]]; then BIN=$H2K_BIN
  else echo "disk-copy: no hyper2kvm binary (run bash scripts/build.sh or pass --bin)" >&2; exit 2; fi
fi
BIN=$(readlink -f "$BIN")
"$BIN" convert --help >/dev/null || { echo "disk-copy: $BIN convert --help failed" >&2; exit 2; }

source "$ROOT/bench/lib.sh"
bench_workdir disk-copy h2k-bench-copy

drop_caches
[[ $CACHE == cold ]] || echo "disk-copy: cannot write /proc/sys/vm/drop_caches: measuring with a warm cache"

# --- the source image ---------------------------------------------------------
SRC_RAW=$WORKDIR/src.raw
echo "disk-copy: making a ${SIZE_GIB} GiB sparse raw image with ${DATA_GIB} GiB of random data in $WORKDIR"
read -r DATA_MIB SIZE_MIB < <("$PY" - "$SRC_RAW" "$SIZE_GIB" "$DATA_GIB" <<'PY'
import os, sys
path, size_gib, data_gib = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
MiB = 1 << 20
size = int(size_gib * 1024) * MiB
data = int(data_gib * 1024) * MiB
if data <= 0 or data > size:
    sys.exit("--data-gib must be > 0 and at most --size-gib")
chunk = 32 * MiB                 # random data per chunk
nchunks = max(1, data // chunk)
chunk = data // nchunks // MiB * MiB
stride = size // nchunks // MiB * MiB
zeros = min(8 * MiB, max(0, stride - chunk - MiB))   # explicitly written zeros after each chunk
written = 0
with open(path, "wb") as f:
    f.truncate(size)
    for i in range(nchunks):
        off = i * stride
        f.seek(off)
        left = chunk
        while left:
            n = min(left, 4 * MiB)
            f.write(os.urandom(n))
            left -= n
        written += chunk
        if zeros:
            f.write(b"\0" * zeros)   # allocated, but all zero: a copier should skip it
    f.flush()
    os.fsync(f.fileno())
print(written // MiB, size // MiB)
PY
)
echo "disk-copy: source: $SIZE_MIB MiB virtual, $DATA_MIB MiB random data, $(du -m "$SRC_RAW" | cut -f1) MiB allocated"

declare -A SRC SRCFMT
SRC[raw]=$SRC_RAW; SRCFMT[raw]=raw
FORMATS=(raw)
for sub in streamOptimized monolithicSparse; do
  f="vmdk-$sub"
  SRC[$f]=$WORKDIR/src-$sub.vmdk; SRCFMT[$f]=vmdk
  echo "disk-copy: converting the source to VMDK $sub (untimed)"
  qemu-img convert -f raw -O vmdk -o subformat=$sub "$SRC_RAW" "${SRC[$f]}"
  FORMATS+=("$f")
done
sync

RESULTS=$WORKDIR/results.tsv   # format tool run seconds rss_kib [h2k_total]
: >"$RESULTS"
OUT=$WORKDIR/out

fail() { echo "disk-copy: FAIL: $*" >&2; exit 1; }

# time_cmd OUTFILE_TO_FSYNC CMD... : sets T (wall seconds incl. fsync) and RSS (KiB)
time_cmd() {
  local sync_target=$1; shift
  local t0 t1 rc=0
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$WORKDIR/rss" -- "$@" >"$WORKDIR/stdout" 2>"$WORKDIR/stderr" || rc=$?
  [[ $rc -eq 0 && -n $sync_target && -e $sync_target ]] && sync "$sync_target"
  t1=$EPOCHREALTIME
  T=$("$PY" -c "print(f'{$t1 - $t0:.3f}')")
  RSS=$(tail -n 1 "$WORKDIR/rss")
  return $rc
}

compare() {  # compare SRC SRCFMT OUT OUTFMT WHAT
  qemu-img compare -q -f "$2" -F "$4" "$1" "$3" || fail "$5: qemu-img compare says $3 differs from $1"
}

run_h2k() {  # fmt run
  local fmt=$1 run=$2 src=${SRC[$1]}
  rm -rf "$OUT"; mkdir -p "$OUT"
  drop_caches
  time_cmd "" "$BIN" convert "$src" --output-dir "$OUT" --no-guest-fixes --json -q \
    || { tail -n 20 "$WORKDIR/stderr" >&2; cat "$WORKDIR/stdout" >&2; fail "hyper2kvm convert $src failed"; }
  local parsed copy total disk
  parsed=$("$PY" - "$WORKDIR/stdout" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
if j.get("status") != "success":
    sys.exit("status %r" % j.get("status"))
t = j["timings_seconds"]
disks = j["output"]["disks"]
if len(disks) != 1:
    sys.exit("expected one output disk, got %d" % len(disks))
print(t["copy"], t["total"], disks[0]["format"], disks[0]["path"])
PY
) || fail "hyper2kvm report.json unusable"
  read -r copy total ofmt disk <<<"$parsed"
  [[ $ofmt == qcow2 && -f $disk ]] || fail "hyper2kvm output $disk ($ofmt) missing"
  compare "$src" "${SRCFMT[$fmt]}" "$disk" qcow2 "hyper2kvm ($fmt, run $run)"
  printf '%s\thyper2kvm-copy\t%s\t%s\t%s\n' "$fmt" "$run" "$copy" "$RSS" >>"$RESULTS"
  printf '%s\thyper2kvm-total\t%s\t%s\t%s\n' "$fmt" "$run" "$total" "$RSS" >>"$RESULTS"
  printf '%s\thyper2kvm-wall\t%s\t%s\t%s\n' "$fmt" "$run" "$T" "$RSS" >>"$RESULTS"
  echo "  run $run $fmt hyper2kvm: copy ${copy}s total ${total}s wall ${T}s rss ${RSS} KiB"
  rm -rf "$OUT"
}

run_qemu() {
  local fmt=$1 run=$2 src=${SRC[$1]}
  rm -rf "$OUT"; mkdir -p "$OUT"
  drop_caches
  time_cmd "$OUT/out.qcow2" qemu-img convert -O qcow2 "$src" "$OUT/out.qcow2" \
    || { cat "$WORKDIR/stderr" >&2; fail "qemu-img convert $src failed"; }
  compare "$src" "${SRCFMT[$fmt]}" "$OUT/out.qcow2" qcow2 "qemu-img ($fmt, run $run)"
  printf '%s\tqemu-img\t%s\t%s\t%s\n' "$fmt" "$run" "$T" "$RSS" >>"$RESULTS"
  echo "  run $run $fmt qemu-img: ${T}s rss ${RSS} KiB"
  rm -rf "$OUT"
}

run_cp() {
  local fmt=$1 run=$2 src=${SRC[$1]}
  rm -rf "$OUT"; mkdir -p "$OUT"
  local dst=$OUT/$(basename "$src")
  drop_caches
  time_cmd "$dst" cp --sparse=always "$src" "$dst" || { cat "$WORKDIR/stderr" >&2; fail "cp $src failed"; }
  compare "$src" "${SRCFMT[$fmt]}" "$dst" "${SRCFMT[$fmt]}" "cp ($fmt, run $run)"
  printf '%s\tcp\t%s\t%s\t%s\n' "$fmt" "$run" "$T" "$RSS" >>"$RESULTS"
  echo "  run $run $fmt cp: ${T}s rss ${RSS} KiB"
  rm -rf "$OUT"
}

TOOLS=(run_h2k run_qemu run_cp)
for ((run = 1; run <= RUNS; run++)); do
  for fmt in "${FORMATS[@]}"; do
    # rotate the order per run so no tool always goes first (or last)
    for ((k = 0; k < 3; k++)); do
      "${TOOLS[$(((k + run - 1) % 3))]}" "$fmt" "$run"
    done
  done
done

echo
echo "disk-copy results: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s), $(uname -r), $(qemu-img --version | head -n 1)"
echo "source: ${SIZE_MIB} MiB virtual, ${DATA_MIB} MiB random data; ${RUNS} run(s) each; ${CACHE} cache; load average before the table: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$RESULTS" "$DATA_MIB" "${FORMATS[@]}" <<'PY'
import statistics, sys
from collections import defaultdict
path, data_mib, formats = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
rows = defaultdict(dict)   # (fmt, tool) -> {run: (sec, rss)}
for line in open(path):
    fmt, tool, run, sec, rss = line.rstrip("\n").split("\t")
    rows[(fmt, tool)][int(run)] = (float(sec), int(rss))
label = {"hyper2kvm-copy": "hyper2kvm (copy phase)", "hyper2kvm-total": "hyper2kvm (total)",
         "hyper2kvm-wall": "hyper2kvm (process wall)", "qemu-img": "qemu-img convert -O qcow2",
         "cp": "cp --sparse=always"}
hdr = f"{'source':<22} {'tool':<26} {'median s':>9} {'MiB/s':>8} {'peak RSS':>10} {'/qemu-img':>10} {'/cp':>7}"
print(hdr)
print("-" * len(hdr))
def med(fmt, tool):
    return statistics.median(v[0] for v in rows[(fmt, tool)].values())
for fmt in formats:
    q, c = med(fmt, "qemu-img"), med(fmt, "cp")
    for tool in ["hyper2kvm-copy", "hyper2kvm-total", "hyper2kvm-wall", "qemu-img", "cp"]:
        m = med(fmt, tool)
        rss = max(v[1] for v in rows[(fmt, tool)].values()) / 1024
        rq = f"{m / q:.2f}x" if tool.startswith("hyper2kvm") else ""
        rc = f"{m / c:.2f}x" if tool.startswith("hyper2kvm") else ""
        print(f"{fmt:<22} {label[tool]:<26} {m:>9.2f} {data_mib / m:>8.0f} {rss:>7.0f} MiB {rq:>10} {rc:>7}")
print()
print("per-run ratios (hyper2kvm copy phase / other tool, same run):")
for fmt in formats:
    h = rows[(fmt, "hyper2kvm-copy")]
    for other in ["qemu-img", "cp"]:
        o = rows[(fmt, other)]
        rs = [f"{h[r][0] / o[r][0]:.2f}" for r in sorted(h) if r in o]
        print(f"  {fmt:<22} /{other:<9} {' '.join(rs)}")
PY
