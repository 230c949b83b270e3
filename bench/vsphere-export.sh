#!/usr/bin/env bash
# vSphere export: `hyper2kvm export` against `govc export.ovf`, side by side on
# the same simulated VM (govmomi's vcsim with VM export, on 127.0.0.1), in one
# run, interleaved: a VM with --disks disks of --size-mib MiB of incompressible
# data each (streamOptimized VMDKs uploaded over its disk files).
#   1. unthrottled (loopback): govc (one stream, disks one after another) vs
#      hyper2kvm with 1, 2 and 4 parallel disk streams;
#   2. every NFC stream paced to --rate (default 30MB/s, as NFC behaves in
#      the field; vcsim's VCSIM_NFC_RATE): the same four runs.
# For each: median wall seconds over --runs, MB/s (10^6) of exported disk
# bytes, the ratio govc/hyper2kvm (> 1 = hyper2kvm faster), and hyper2kvm's
# peak RSS. Every exported disk is compared byte for byte with what was
# uploaded: a wrong result fails the bench. govc's times include a sync of
# the files it wrote (hyper2kvm fsyncs every file before publishing it). Goals (issue #11): unthrottled
# >= 1.0x govc with one stream, >= 1.5x with 4; paced >= 3x with 4 streams;
# peak RSS <= 64 MiB.
# usage: bash bench/vsphere-export.sh [--disks 4] [--size-mib 256] [--runs 3]
#                                     [--rate 30MB] [--bin PATH] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DISKS=4 SIZE_MIB=256 RUNS=3 RATE=30MB BIN=${H2K_BIN:-build/nodes/hyper2kvm} KEEP=0 WORKDIR=
while (($#)); do
  case $1 in
    --disks) DISKS=$2; shift 2 ;; --size-mib) SIZE_MIB=$2; shift 2 ;; --runs) RUNS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;; --bin) BIN=$2; shift 2 ;; --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--disks N] [--size-mib N] [--runs N] [--rate R] [--bin PATH] [--keep]" >&2; exit 2 ;;
  esac
done
[[ -x $BIN ]] || { echo "vsphere-export: no hyper2kvm binary at $BIN (bash scripts/build.sh)" >&2; exit 1; }
bash tests/vsphere/vcsim-kit/build-vcsim.sh /var/cache/hyper2kvm-vcsim >/dev/null
export H2K_VCSIM_KIT=/var/cache/hyper2kvm-vcsim/bin
source bench/lib.sh
bench_workdir vsphere-export h2k-bench-export
export H2K_BIN=$BIN
source tests/integration/lib.sh
source tests/vsphere/lib/vcsim.sh
trap 'stop_vcsim; if ((KEEP)); then echo "vsphere-export: kept $WORKDIR"; else rm -rf "$WORKDIR"; fi' EXIT
W=$WORKDIR
VM=DC0_H0_VM0

echo "vsphere-export: making $DISKS disks of $SIZE_MIB MiB (random data, streamOptimized)"
for ((i = 0; i < DISKS; i++)); do
  head -c "$((SIZE_MIB << 20))" /dev/urandom >"$W/d$i.raw"
  qemu-img convert -O vmdk -o subformat=streamOptimized "$W/d$i.raw" "$W/d$i.vmdk"
  rm -f "$W/d$i.raw"
done

# One simulator per phase (its knobs are read at start): the VM gets its extra
# disks, then every disk file is replaced by one of ours.
setup_vm() {
  local i
  for ((i = 1; i < DISKS; i++)); do govc vm.disk.create -vm "$VM" -name "$VM/extra$i" -size 1M >/dev/null; done
  mapfile -t files < <(govc device.info -vm "$VM" -json 'disk-*' | python3 -c '
import json, sys
for d in json.load(sys.stdin)["Devices"]:
    print(d["Backing"]["FileName"].split("] ", 1)[1])')
  ((${#files[@]} == DISKS)) || fail "the simulator VM has ${#files[@]} disks, expected $DISKS"
  for ((i = 0; i < DISKS; i++)); do govc datastore.upload "$W/d$i.vmdk" "${files[$i]}" >/dev/null 2>&1; done
}

# run_timed OUT_JSON CMD...: wall seconds, CPU seconds and peak RSS (KiB) of
# CMD (with its children), and the simulator's CPU seconds meanwhile: on a
# small machine the two share the cores, and "cores" = (both CPUs) / wall
# says how close a run came to using all of them.
run_timed() {
  local out=$1; shift
  python3 - "$out" "$VCSIM_PID" "$@" <<'EOF'
import json, os, subprocess, sys, time
out, sim, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
tick = os.sysconf("SC_CLK_TCK")
def sim_cpu():
    f = open(f"/proc/{sim}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
s0 = sim_cpu()
t = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(out + ".log", "w"))
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t
json.dump({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "sim_cpu": sim_cpu() - s0, "rss_kib": ru.ru_maxrss,
           "status": os.waitstatus_to_exitcode(status)}, open(out, "w"))
EOF
}

check_disks() {  # DIR: every exported disk equals its source, in order
  local dir=$1 i got
  mapfile -t got < <(find "$dir" -name '*.vmdk' | sort -V)
  ((${#got[@]} == DISKS)) || fail "$dir holds ${#got[@]} disks, expected $DISKS"
  for ((i = 0; i < DISKS; i++)); do cmp -s "${got[$i]}" "$W/d$i.vmdk" || fail "${got[$i]} differs from disk $i"; done
}

bytes=0
for ((i = 0; i < DISKS; i++)); do bytes=$((bytes + $(stat -c %s "$W/d$i.vmdk"))); done

phase() {  # NAME [KNOB=V...]
  local name=$1; shift
  start_vcsim "$W/$name" "$@"
  setup_vm
  local run tool
  for ((run = 1; run <= RUNS; run++)); do
    for tool in govc h2k-1 h2k-2 h2k-4; do
      local out="$W/$name/out-$tool-$run" res="$W/$name/$tool-$run.json"
      rm -rf "$out"; mkdir -p "$out"; drop_caches
      if [[ $tool == govc ]]; then
        # govc does not fsync what it wrote; hyper2kvm does (a published export
        # must survive a crash), so govc's time includes a sync of its files.
        run_timed "$res" bash -c '"$1" export.ovf -vm "$2" "$3" && sync "$3"/*/*' _ "$VCSIM_KIT/govc" "$VM" "$out"
      else
        VSPHERE_PASSWORD=$VCSIM_PASSWORD run_timed "$res" "$BIN" export --vm "$VM" --vcenter "$VCSIM_HOST" \
          --username "$VCSIM_USER" --insecure --output-dir "$out" --parallel-disks "${tool#h2k-}"
      fi
      [[ $(json_get "$res" 'j["status"]') == 0 ]] || fail "$name: $tool run $run failed: $(tail -3 "$res.log")"
      check_disks "$out"
    done
  done
  stop_vcsim
  python3 - "$W/$name" "$name" "$RUNS" "$bytes" <<'EOF'
import json, os, re, statistics, sys
d, name, runs, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tools = ("govc", "h2k-1", "h2k-2", "h2k-4")
res = {t: [json.load(open(f"{d}/{t}-{r}.json")) for r in range(1, runs + 1)] for t in tools}
# hyper2kvm asks the lease for its manifest and says how long the server took
# to answer ("answered in X s"); vcsim computes it then, re-reading every
# disk (ESXi hashes during the transfer), and govc never asks.
def manifest_s(t, r):
    if t == "govc": return 0.0
    m = re.search(r"answered in ([0-9.]+) s", open(f"{d}/{t}-{r}.json.log").read())
    return float(m.group(1)) if m else 0.0
for t in tools:
    for r, x in enumerate(res[t], 1): x["manifest"] = manifest_s(t, r)
med = {t: statistics.median(x["wall"] for x in v) for t, v in res.items()}
net = {t: statistics.median(x["wall"] - x["manifest"] for x in v) for t, v in res.items()}
print(f"\n{name}: {nbytes / 1e6:.0f} MB of disks, median of {runs} run(s)")
print(f"  {'tool':<22}{'seconds':>9}{'MB/s':>9}{'govc/this':>11}{'peak RSS':>11}"
      f"{'manifest s':>12}{'govc/this without':>19}{'CPU s':>8}{'sim CPU s':>11}{'cores':>7}")
for t in tools:
    label = "govc export.ovf" if t == "govc" else f"hyper2kvm export x{t[4:]}"
    rss = max(x["rss_kib"] for x in res[t]) / 1024
    man = statistics.median(x["manifest"] for x in res[t])
    cpu = statistics.median(x["cpu"] for x in res[t])
    sim = statistics.median(x["sim_cpu"] for x in res[t])
    cores = statistics.median((x["cpu"] + x["sim_cpu"]) / x["wall"] for x in res[t])
    print(f"  {label:<22}{med[t]:>9.2f}{nbytes / 1e6 / med[t]:>9.1f}{med['govc'] / med[t]:>10.2f}x{rss:>9.1f} MiB"
          f"{man:>12.2f}{net['govc'] / net[t]:>18.2f}x{cpu:>8.2f}{sim:>11.2f}{cores:>7.2f}")
print("  (manifest s: the simulator computing the lease manifest when hyper2kvm asks for it;")
print("   'without': the ratio with that wait taken out of hyper2kvm's time;")
print(f"   CPU s: the tool's user+system CPU; sim CPU s: the simulator's meanwhile; cores: both over the wall time, of {os.cpu_count()})")
EOF
}

echo "vsphere-export: $DISKS x $SIZE_MIB MiB, $RUNS run(s) per tool, page cache: $CACHE"
phase unthrottled
phase "paced-$RATE" VCSIM_NFC_RATE="$RATE"
