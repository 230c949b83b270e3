#!/usr/bin/env bash
# vsphere.export.<part>: `hyper2kvm export` against the vCenter simulator (vcsim
# with VM export, tests/vsphere/vcsim-kit), asserting what a user checks: the
# files are byte for byte the VM's disks, the checksums were verified, the
# lease ended as it should (the simulator's trace), nothing complete-looking is
# left after a failure.
#   basic      one disk: identical file, OVF, manifest.json (sha256, parsed by
#              `hyper2kvm inspect`), lease completed; powered-on VM refused
#              before any lease, exported with --shutdown; unknown VM named in the error
#   parallel   three disks: their NFC GETs overlap in time; with the simulator's
#              manifest sha1 (ESXi's default), then VCSIM_MANIFEST_ALGO=sha256,
#              the export asks the lease for sha256 (SetManifestChecksumType)
#              and verifies every disk by it
#   range      SIGTERM mid-download: lease aborted, only a .part left; the next
#              run resumes it (206) to an identical file; with the server
#              ignoring Range, the rerun restarts from zero (reported), identical
#   keepalive  6 s lease timeout, a 12 s stall: the export succeeds, Progress
#              every <= 3 s, no timeout; a 1 s lease does time out: the error says so
#   killed     the simulator dies mid-download: clear error naming the host,
#              no file at the final name
set -euo pipefail
PART=${1:?usage: vsphere-export.sh basic|parallel|range|keepalive|killed}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../integration/lib.sh"
source "$HERE/lib/vcsim.sh"
vcsim_available || { echo "skipped: no vCenter simulator kit in $VCSIM_KIT"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/h2k-vsphere-export.XXXXXX")
EXPORT_PID=
cleanup() {
  [[ -n $EXPORT_PID ]] && kill -9 "$EXPORT_PID" 2>/dev/null || true
  stop_vcsim
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

# give_disks VM VMDK...: the VM gets as many disks as VMDKs given (extra ones
# created), and each disk file is replaced by one VMDK, in device order.
give_disks() {
  local vm=$1; shift
  local vmdks=("$@") want=$# i files
  for ((i = 1; i < want; i++)); do govc vm.disk.create -vm "$vm" -name "$vm/extra$i" -size 1M >/dev/null; done
  mapfile -t files < <(govc device.info -vm "$vm" -json 'disk-*' | python3 -c '
import json, sys
for d in json.load(sys.stdin)["Devices"]:
    print(d["Backing"]["FileName"].split("] ", 1)[1])')
  ((${#files[@]} == want)) || fail "VM $vm has ${#files[@]} disks, expected $want"
  for ((i = 0; i < want; i++)); do govc datastore.upload "${vmdks[$i]}" "${files[$i]}" >/dev/null 2>&1 || fail "upload of ${files[$i]}"; done
}

# h2k_export OUT VM [ARGS...]: the export against the running simulator.
h2k_export() {
  local out=$1 vm=$2; shift 2
  VSPHERE_PASSWORD=$VCSIM_PASSWORD "$H2K_BIN" export --vm "$vm" --vcenter "$VCSIM_HOST" --username "$VCSIM_USER" \
    --insecure --output-dir "$out" "$@"
}

# h2k_export_bg ERR_LOG OUT VM [ARGS...]: the same in the background, EXPORT_PID
# its pid (a simple command, so the signals the test sends reach hyper2kvm itself).
h2k_export_bg() {
  local err=$1 out=$2 vm=$3; shift 3
  VSPHERE_PASSWORD=$VCSIM_PASSWORD "$H2K_BIN" export --vm "$vm" --vcenter "$VCSIM_HOST" --username "$VCSIM_USER" \
    --insecure --output-dir "$out" "$@" 2>"$err" &
  EXPORT_PID=$!
}

# wait_part FILE MIN_BYTES SECONDS: until a .part holds at least MIN_BYTES.
wait_part() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    [[ -f $1 && $(stat -c %s "$1") -ge $2 ]] && return 0
    sleep 0.1
  done
  fail "$1 did not reach $2 bytes in $3 s (has $(stat -c %s "$1" 2>/dev/null || echo none))"
}

lease_trace() { grep '^vcsim-lease ' "$VCSIM_LOG" || true; }
nfc_trace() { grep '^vcsim-nfc ' "$VCSIM_LOG" | grep -v 'event=stall' || true; }

# check_manifest DIR VM VMDK...: manifest.json lists the disks in order with
# their sizes and sha256 (checked against sha256sum of the uploaded VMDKs).
check_manifest() {
  local dir=$1 vm=$2; shift 2
  local sums=() f
  for f in "$@"; do sums+=("$(stat -c %s "$f"):$(sha256sum "$f" | cut -d' ' -f1)"); done
  python3 - "$dir/manifest.json" "$vm" "${sums[@]}" <<'EOF' || fail "manifest.json of $vm is wrong"
import json, sys
m = json.load(open(sys.argv[1])); vm = sys.argv[2]; want = [s.split(":") for s in sys.argv[3:]]
assert m["manifest_version"] == "1.0", m["manifest_version"]
assert m["source"]["vm_name"] == vm, m["source"]
assert m["vm"]["cpu"] >= 1 and m["vm"]["memory_mb"] >= 1, m["vm"]
assert len(m["disks"]) == len(want), m["disks"]
for i, (d, (size, sha)) in enumerate(zip(m["disks"], want)):
    assert d["local_path"] == f"disk-{i}.vmdk", d
    assert d["bytes"] == int(size), (d, size)
    assert d["checksum"] == "sha256:" + sha, (d, sha)
    assert d["boot_order_hint"] == i, d
EOF
}

start_vcsim_with() {  # DIR [KNOB=V...]
  start_vcsim "$@"
  echo "vcsim on $VCSIM_HOST (${*:2})"
}

part_basic() {
  make_vmdk d0 4
  start_vcsim_with "$W/sim"
  give_disks DC0_H0_VM0 "$W/d0.vmdk"
  local out=$W/out t0=$SECONDS
  h2k_export "$out" DC0_H0_VM0 --json >"$W/res.json" 2>"$W/err.log" || fail "export failed: $(cat "$W/err.log")"
  local dir=$out/DC0_H0_VM0
  cmp "$dir/disk-0.vmdk" "$W/d0.vmdk" || fail "disk-0.vmdk differs from the uploaded disk"
  pass "disk-0.vmdk is byte-identical to the VM's disk ($((SECONDS - t0)) s)"
  [[ -s $dir/DC0_H0_VM0.ovf ]] && grep -q 'disk-0.vmdk' "$dir/DC0_H0_VM0.ovf" || fail "no OVF naming disk-0.vmdk"
  check_manifest "$dir" DC0_H0_VM0 "$W/d0.vmdk"
  [[ ! -e $dir/.export-partial ]] || fail "work folder left behind: $(ls -A "$dir/.export-partial")"
  [[ $(json_get "$W/res.json" 'j["files"][0]["checksum"], j["files"][0]["manifest_algo"], j["verified"], j["files"][0]["sha1"] == ""') == "verified sha256 True True" ]] ||
    fail "result does not say verified by sha256 (asked of the lease; no sha1 computed): $(cat "$W/res.json")"
  lease_trace | contains 'event=checksumtype algos=disk-0.vmdk=sha256' || fail "the lease was not asked for sha256: $(lease_trace)"
  pass "OVF and manifest.json (sizes, sha256) written; checksum verified against the lease's sha256 (asked for by SetManifestChecksumType)"
  "$H2K_BIN" inspect --json "$dir/manifest.json" >"$W/inspect.json" || fail "hyper2kvm inspect refuses the manifest"
  [[ $(json_get "$W/inspect.json" 'len(j["disks"])') == 1 ]] || fail "inspect sees $(json_get "$W/inspect.json" 'len(j["disks"])') disks"
  pass "hyper2kvm inspect reads the export's manifest.json"
  lease_trace | contains 'event=complete' || fail "the lease was not completed: $(lease_trace)"
  if lease_trace | contains 'event=abort'; then fail "a lease was aborted: $(lease_trace)"; fi
  pass "lease completed, none aborted"

  govc vm.power -on DC0_H0_VM1 >/dev/null
  local rc=0
  h2k_export "$W/out-on" DC0_H0_VM1 2>"$W/err-on.log" || rc=$?
  ((rc == 3)) || fail "powered-on VM: exit $rc, expected 3: $(cat "$W/err-on.log")"
  contains 'VM DC0_H0_VM1 is poweredOn; power it off or pass --shutdown' <"$W/err-on.log" || fail "unclear error: $(cat "$W/err-on.log")"
  if lease_trace | contains 'vm=DC0_H0_VM1'; then fail "a lease was created for the powered-on VM: $(lease_trace)"; fi
  [[ ! -e $W/out-on/DC0_H0_VM1 ]] || fail "powered-on VM: output folder created"
  pass "powered-on VM refused before any lease: $(grep "^hyper2kvm:" "$W/err-on.log")"

  h2k_export "$W/out-on" DC0_H0_VM1 --shutdown --shutdown-timeout 30 2>"$W/err-sd.log" >/dev/null ||
    fail "--shutdown: export failed: $(cat "$W/err-sd.log")"
  govc vm.info DC0_H0_VM1 | contains 'poweredOff' || fail "--shutdown: VM still on: $(govc vm.info DC0_H0_VM1)"
  [[ -f $W/out-on/DC0_H0_VM1/manifest.json ]] || fail "--shutdown: no manifest.json"
  pass "--shutdown: guest shut down, then exported"

  rc=0
  h2k_export "$W/out-none" NoSuchVM 2>"$W/err-none.log" || rc=$?
  ((rc != 0)) || fail "unknown VM: export succeeded"
  contains "NoSuchVM" <"$W/err-none.log" && contains "not found" <"$W/err-none.log" || fail "unclear error: $(cat "$W/err-none.log")"
  pass "unknown VM: exit $rc, $(grep "^hyper2kvm:" "$W/err-none.log")"
}

# overlap: every pair of the NFC GETs (status 200) of the last lease overlaps in time.
check_overlap() {
  nfc_trace | python3 -c '
import re, sys
gets = {}
for line in sys.stdin:
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    if f.get("method") == "GET" and f.get("status") == "200":
        gets[line.split()[2]] = (float(f["start"]), float(f["end"]))
assert len(gets) == 3, gets
latest_start = max(s for s, e in gets.values()); earliest_end = min(e for s, e in gets.values())
print(" ".join(f"{k}={s:.2f}..{e:.2f}" for k, (s, e) in sorted(gets.items())))
sys.exit(0 if latest_start < earliest_end else 1)' || fail "the three downloads did not overlap: $(nfc_trace)"
}

part_parallel() {
  make_vmdk d0 6; make_vmdk d1 6; make_vmdk d2 6
  local algo
  for algo in sha1 sha256; do
    # Paced streams (4 MB/s each): the downloads take long enough to see them overlap.
    start_vcsim_with "$W/sim-$algo" VCSIM_NFC_RATE=4M VCSIM_MANIFEST_ALGO=$algo
    give_disks DC0_H0_VM0 "$W/d0.vmdk" "$W/d1.vmdk" "$W/d2.vmdk"
    local out=$W/out-$algo t0=$SECONDS
    h2k_export "$out" DC0_H0_VM0 --parallel-disks 3 --json >"$W/res-$algo.json" 2>"$W/err-$algo.log" ||
      fail "export failed: $(cat "$W/err-$algo.log")"
    local i
    for i in 0 1 2; do cmp "$out/DC0_H0_VM0/disk-$i.vmdk" "$W/d$i.vmdk" || fail "disk-$i.vmdk differs"; done
    check_manifest "$out/DC0_H0_VM0" DC0_H0_VM0 "$W/d0.vmdk" "$W/d1.vmdk" "$W/d2.vmdk"
    [[ $(json_get "$W/res-$algo.json" '" ".join(f["checksum"] + "/" + f["manifest_algo"] for f in j["files"])') == \
       "verified/sha256 verified/sha256 verified/sha256" ]] || fail "not all verified by sha256: $(cat "$W/res-$algo.json")"
    lease_trace | contains 'event=checksumtype algos=disk-0.vmdk=sha256,disk-1.vmdk=sha256,disk-2.vmdk=sha256' ||
      fail "the lease was not asked for sha256: $(lease_trace)"
    local spans
    spans=$(check_overlap)
    lease_trace | contains 'event=complete' || fail "lease not completed"
    pass "simulator's manifest $algo, sha256 asked for: 3 disks identical and verified in $((SECONDS - t0)) s; GETs overlap: $spans"
    stop_vcsim
  done
}

# interrupt OUT VM: starts the export, SIGTERMs it once disk-0's .part holds
# 2 MiB (the simulator stalls at 3 MiB), expects the cancelled exit.
interrupt() {
  local out=$1 vm=$2
  h2k_export_bg "$W/err-int.log" "$out" "$vm"
  wait_part "$out/$vm/.export-partial/disk-0.vmdk.part" $((2 << 20)) 20
  kill -TERM "$EXPORT_PID"
  local rc=0 t0=$SECONDS
  wait "$EXPORT_PID" || rc=$?
  EXPORT_PID=
  ((rc == 130)) || fail "SIGTERM: exit $rc, expected 130: $(cat "$W/err-int.log")"
  ((SECONDS - t0 <= 5)) || fail "SIGTERM took $((SECONDS - t0)) s to take effect"
  contains 'export cancelled; lease aborted' <"$W/err-int.log" || fail "no 'lease aborted' message: $(cat "$W/err-int.log")"
  lease_trace | contains 'event=abort' || fail "the lease was not aborted: $(lease_trace)"
  [[ ! -e $out/$vm/disk-0.vmdk && ! -e $out/$vm/manifest.json ]] || fail "a file at the final name after SIGTERM: $(ls -A "$out/$vm")"
  [[ -s $out/$vm/.export-partial/disk-0.vmdk.part ]] || fail "no .part kept"
  pass "SIGTERM: exit 130, lease aborted, $(stat -c %s "$out/$vm/.export-partial/disk-0.vmdk.part") bytes kept in disk-0.vmdk.part, nothing at the final name"
}

part_range() {
  make_vmdk d0 8
  # Range honoured: the rerun (a new lease, a new URL) continues the .part.
  start_vcsim_with "$W/sim" VCSIM_NFC_RATE=8M VCSIM_NFC_STALL=0:3M:30
  give_disks DC0_H0_VM0 "$W/d0.vmdk"
  interrupt "$W/out" DC0_H0_VM0
  local kept
  kept=$(stat -c %s "$W/out/DC0_H0_VM0/.export-partial/disk-0.vmdk.part")
  h2k_export "$W/out" DC0_H0_VM0 --json >"$W/res.json" 2>"$W/err.log" || fail "rerun failed: $(cat "$W/err.log")"
  cmp "$W/out/DC0_H0_VM0/disk-0.vmdk" "$W/d0.vmdk" || fail "resumed disk-0.vmdk differs"
  [[ $(json_get "$W/res.json" 'j["files"][0]["resumes"], j["files"][0]["restarts"], j["files"][0]["checksum"]') == "1 0 verified" ]] ||
    fail "rerun did not resume: $(cat "$W/res.json")"
  nfc_trace | contains "range=bytes=$kept- status=206" || fail "no 206 answer to bytes=$kept-: $(nfc_trace)"
  pass "rerun resumed at byte $kept (206) to an identical, verified file"
  stop_vcsim

  # Range ignored: the rerun gets 200 for bytes=N-, starts over, says so.
  rm -rf "$W/out2"
  start_vcsim_with "$W/sim2" VCSIM_NFC_IGNORE_RANGE=1 VCSIM_NFC_RATE=8M VCSIM_NFC_STALL=0:3M:30
  give_disks DC0_H0_VM0 "$W/d0.vmdk"
  interrupt "$W/out2" DC0_H0_VM0
  h2k_export "$W/out2" DC0_H0_VM0 --json >"$W/res2.json" 2>"$W/err2.log" || fail "rerun failed: $(cat "$W/err2.log")"
  cmp "$W/out2/DC0_H0_VM0/disk-0.vmdk" "$W/d0.vmdk" || fail "restarted disk-0.vmdk differs"
  contains 'server ignored Range.*restarting disk-0.vmdk from zero' <"$W/err2.log" || fail "restart not reported: $(cat "$W/err2.log")"
  [[ $(json_get "$W/res2.json" 'j["files"][0]["restarts"], j["files"][0]["checksum"]') == "1 verified" ]] ||
    fail "restart not counted: $(cat "$W/res2.json")"
  pass "server ignoring Range: restart from zero reported ($(grep -o 'server ignored Range[^;]*' "$W/err2.log" | head -1)), file identical and verified"
}

part_keepalive() {
  make_vmdk d0 4
  start_vcsim_with "$W/sim" VCSIM_LEASE_TIMEOUT=6 VCSIM_NFC_STALL=0:1M:12
  give_disks DC0_H0_VM0 "$W/d0.vmdk"
  local t0=$SECONDS
  h2k_export "$W/out" DC0_H0_VM0 --json >"$W/res.json" 2>"$W/err.log" || fail "export failed: $(cat "$W/err.log")"
  cmp "$W/out/DC0_H0_VM0/disk-0.vmdk" "$W/d0.vmdk" || fail "disk-0.vmdk differs"
  grep -q 'event=stall' "$VCSIM_LOG" || fail "the simulator did not stall the download"
  if lease_trace | contains 'event=timeout'; then fail "the lease timed out: $(lease_trace)"; fi
  lease_trace | contains 'event=complete' || fail "lease not completed: $(lease_trace)"
  # The gaps between the lease's export, progress and complete events.
  local gaps
  gaps=$(lease_trace | python3 -c '
import re, sys
ts = [float(re.search(r" t=(\S+)", l).group(1)) for l in sys.stdin if re.search(r"event=(export|progress|complete) ", l)]
gaps = [b - a for a, b in zip(ts, ts[1:])]
print(f"{len(ts)} events, largest gap {max(gaps):.1f} s")
sys.exit(0 if gaps and max(gaps) <= 3.0 else 1)') || fail "lease renewed too seldom: $(lease_trace)"
  pass "12 s stall on a 6 s lease: export succeeded in $((SECONDS - t0)) s, no timeout; $gaps"
  stop_vcsim

  # A lease shorter than the keeper's 2 s minimum interval does end: the
  # error must say so (not only "HTTP 404"), and nothing is published.
  start_vcsim_with "$W/sim-short" VCSIM_LEASE_TIMEOUT=1 VCSIM_NFC_STALL=0:1M:5
  give_disks DC0_H0_VM0 "$W/d0.vmdk"
  local rc=0
  h2k_export "$W/out-short" DC0_H0_VM0 2>"$W/err-short.log" || rc=$?
  ((rc == 4)) || fail "lease timed out: exit $rc, expected 4: $(cat "$W/err-short.log")"
  lease_trace | contains 'event=timeout' || fail "the simulator's lease did not time out: $(lease_trace)"
  local msg
  msg=$(grep '^hyper2kvm: ' "$W/err-short.log" | tail -1)
  [[ $msg == *"Timedout"* && $msg == *DC0_H0_VM0* ]] || fail "the error does not say the lease timed out: $msg"
  [[ ! -e $W/out-short/DC0_H0_VM0/disk-0.vmdk ]] || fail "a file at the final name"
  pass "1 s lease (shorter than the keeper's interval): exit 4, $msg"
}

part_killed() {
  make_vmdk d0 8
  start_vcsim_with "$W/sim" VCSIM_NFC_RATE=1M
  give_disks DC0_H0_VM0 "$W/d0.vmdk"
  local host=$VCSIM_HOST
  h2k_export_bg "$W/err.log" "$W/out" DC0_H0_VM0
  wait_part "$W/out/DC0_H0_VM0/.export-partial/disk-0.vmdk.part" $((1 << 20)) 30
  stop_vcsim
  local rc=0 t0=$SECONDS
  wait "$EXPORT_PID" || rc=$?
  EXPORT_PID=
  ((rc == 4)) || fail "simulator killed: exit $rc, expected 4 (retryable): $(cat "$W/err.log")"
  local msg
  msg=$(grep '^hyper2kvm: ' "$W/err.log" | tail -1)
  [[ $msg == *"$host"* && $msg == *disk-0.vmdk* ]] || fail "the error does not name the host and file: $msg"
  [[ ! -e $W/out/DC0_H0_VM0/disk-0.vmdk && ! -e $W/out/DC0_H0_VM0/manifest.json ]] || fail "a file at the final name"
  pass "simulator killed: exit 4 after $((SECONDS - t0)) s of retries: $msg"
}

case $PART in
  basic | parallel | range | keepalive | killed) "part_$PART" ;;
  *) fail "unknown part '$PART'" ;;
esac
