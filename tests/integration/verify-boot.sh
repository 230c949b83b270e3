#!/usr/bin/env bash
# The verification boot (hyper2kvm convert --verify-boot), on the real fixture
# guest under TCG:
#   1. the guest converted WITHOUT guest fixes cannot find its root on virtio:
#      the boot fails early on the initramfs' own words, the job fails with
#      exit code 5 (guest_fix), the --json error carries the reason and the
#      console tail, nothing is published, nothing is left behind;
#   2. the converted guest boots: report.json has verify_boot.passed with
#      serial evidence, the published disk has no backing file and checks
#      clean, no overlay, temp file or qemu of ours is left; booted again as
#      its domain XML says, it shows a UUID root and its NIC up with an address;
#   3. the same guest without a serial console (console=ttyS0 removed) passes
#      on the evidence of its own journal, read back after power-off;
#   4. the daemon's conversion.verify_boot* keys are parsed and shown.
# usage: verify-boot.sh
source "$(dirname "$0")/lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder (scripts/test.sh sets it)}

read -r rel expected_mac < <(python3 - "$FIX/fixtures.json" <<'PY'
import json, sys
for v in json.load(open(sys.argv[1])):
    if v["name"] == "vmdk-streamOptimized":
        print(v["path"], v.get("expected_mac", "")); break
else:
    sys.exit("vmdk-streamOptimized not in fixtures.json")
PY
)
src="$FIX/$rel"
[[ -f "$src" ]] || fail "fixture $src missing"

work=$(mktemp -d /var/tmp/h2k-verify-it-XXXXXX)
trap 'rm -rf "$work"' EXIT
# Our own TMPDIR: every overlay, console log and QMP socket of the boot goes
# there, so "nothing left" and "no qemu of ours" can be checked exactly. The
# libguestfs appliance cache stays where it is (rebuilding it costs minutes).
export LIBGUESTFS_CACHEDIR=${LIBGUESTFS_CACHEDIR:-/var/tmp}
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"

# Nothing of a verification boot may outlive the conversion.
assert_nothing_left() {
  local what=$1 left procs
  left=$(find "$TMPDIR" -mindepth 1 \( -name 'h2k-*' -o -name '*.qcow2' -o -name 'console.log' -o -name 'qmp.sock' \) | head -5)
  [[ -z "$left" ]] || fail "$what: left in TMPDIR: $left"
  procs=$(pgrep -af "$TMPDIR" | grep -v pgrep || true)
  [[ -z "$procs" ]] || fail "$what: processes of the boot still running: $procs"
  [[ -z "$(find "$work" -maxdepth 2 -name '.*partial*')" ]] || fail "$what: a staging folder was left behind"
}

# --- 1. failing: the unconverted guest on virtio ------------------------------
out1="$work/out-fail"; mkdir -p "$out1"
# The boot stops on the initramfs' evidence; the timeout is only the limit
# for a TCG boot on a busy machine (as convert-and-boot's H2K_BOOT_TIMEOUT).
boot_timeout=${H2K_BOOT_TIMEOUT:-420}
echo "converting $src with --no-guest-fixes --verify-boot --verify-boot-timeout $boot_timeout"
t0=$SECONDS
set +e
"$H2K_BIN" convert "$src" --output-dir "$out1" --no-guest-fixes --verify-boot --verify-boot-timeout "$boot_timeout" \
  --json >"$work/fail.json" 2>"$work/fail.stderr"
rc=$?
set -e
echo "exit code $rc after $((SECONDS - t0)) s"
tail -n 15 "$work/fail.stderr"
[[ $rc -eq 5 ]] || fail "a guest that does not boot must fail the conversion with exit code 5 (guest_fix), got $rc"
[[ "$(json_get "$work/fail.json" 'j["status"]')" == failed ]] || fail "--json error object has no status failed"
[[ "$(json_get "$work/fail.json" 'j["error"]["kind"]')" == guest_fix ]] || fail "error kind is not guest_fix"
[[ "$(json_get "$work/fail.json" 'j["error"]["retryable"]')" == False ]] || fail "a failed boot must not be retryable"
[[ "$(json_get "$work/fail.json" 'j["error"]["phase"]')" == verify ]] || fail "error phase is not verify"
reason=$(json_get "$work/fail.json" 'j["error"]["reason"]')
echo "reason: $reason"
[[ "$reason" == *"failed to boot on virtio (TCG)"* ]] || fail "the reason does not say the guest failed to boot on virtio (TCG)"
[[ "$reason" == *"Gave up waiting for root"* ]] || fail "the reason does not quote the initramfs' root wait"
[[ "$(json_get "$work/fail.json" 'j["error"]["file"]')" == "$src" ]] || fail "the error does not name the VM file"
json_get "$work/fail.json" '"\n".join(j["error"]["details"])' >"$work/fail.details"
grep -q 'Begin: Waiting for root file system' "$work/fail.details" || fail "console tail lacks the root wait: $(cat "$work/fail.details")"
grep -q 'Dropping to a shell' "$work/fail.details" || fail "console tail lacks the initramfs shell"
grep -qx '(initramfs)' "$work/fail.details" || fail "console tail lacks the (initramfs) prompt"
grep -q 'verify' "$work/fail.stderr" || fail "no verify progress on stderr"
assert_empty_dir "$out1"
assert_nothing_left "failed boot"
pass "unconverted guest: boot fails on its initramfs shell in $((SECONDS - t0)) s, exit 5, console tail in the error, nothing published"

# --- 2. passing: the converted guest -------------------------------------------
out2="$work/out-pass"; mkdir -p "$out2"
echo "converting $src with --verify-boot"
t0=$SECONDS
set +e
"$H2K_BIN" convert "$src" --output-dir "$out2" --verify-boot --json >"$work/pass.json" 2>"$work/pass.stderr"
rc=$?
set -e
echo "exit code $rc after $((SECONDS - t0)) s"
tail -n 15 "$work/pass.stderr"
[[ $rc -eq 0 ]] || fail "hyper2kvm convert --verify-boot exited $rc"
vm_dir=$(json_get "$work/pass.json" 'j["output"]["vm_dir"]')
report="$vm_dir/report.json"
[[ -f "$report" ]] || fail "report.json missing in $vm_dir"
json_get "$report" 'json.dumps({k: v for k, v in j["verify_boot"].items() if k not in ("console_tail", "journal_tail")})'
[[ "$(json_get "$report" 'j["verify_boot"]["passed"]')" == True ]] || fail "verify_boot.passed is not true"
[[ "$(json_get "$report" 'j["verify_boot"]["status"]')" == passed ]] || fail "verify_boot.status is not passed"
[[ "$(json_get "$report" 'j["verify_boot"]["evidence"]')" == serial ]] || fail "verify_boot.evidence is not serial"
[[ "$(json_get "$report" 'j["verify_boot"]["accel"]')" == tcg ]] || fail "verify_boot.accel is not tcg (force_tcg)"
[[ "$(json_get "$report" 'j["verify_boot"]["disk_bus"]')" == virtio ]] || fail "the boot did not use virtio disks"
[[ "$(json_get "$report" 'j["verify_boot"]["nic_model"]')" == virtio ]] || fail "the boot did not use a virtio NIC"
line=$(json_get "$report" 'j["verify_boot"]["evidence_line"]')
echo "evidence: $line"
[[ "$line" == *"Reached target"* || "$line" == *"login:"* ]] || fail "evidence line is not a target or a login prompt: $line"
[[ "$(json_get "$report" 'len(j["verify_boot"]["console_tail"])')" -gt 5 ]] || fail "report.json has no console tail"
[[ "$(json_get "$report" 'j["request"]["verify_boot"]')" == True ]] || fail "report.json request does not record verify_boot"
[[ "$(json_get "$report" '"verify" in j["timings_seconds"]')" == True ]] || fail "no verify timing in report.json"
cmp -s <(json_get "$work/pass.json" 'j["verify_boot"]["passed"]') <(echo True) || fail "--json output lacks verify_boot"
disk=$(json_get "$report" 'j["output"]["disks"][0]["path"]')
[[ -f "$disk" ]] || fail "published disk $disk missing"
info=$(qemu-img info --output=json "$disk")
python3 -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(1 if "backing-filename" in j else 0)' "$info" \
  || fail "the published disk has a backing file: $info"
qemu-img check -q "$disk" || fail "qemu-img check of the published disk failed"
assert_nothing_left "passed boot"
pass "converted guest: verification boot passed (serial) in $((SECONDS - t0)) s for the whole conversion, published disk clean"

# The published guest booted as its domain XML says (virtio-blk, virtio-net
# with the source's MAC): its own boot-OK line must show a root named by UUID
# and the NIC up with an address (the NIC name pinned to the VMware MAC must
# follow it). This is the fixture's one full CLI conversion: the
# e2e.<variant> tests copy the other forms without guest fixes.
read -r dom_disk dom_fmt dom_bus dom_mac < <(domain_first_disk "$(json_get "$report" 'j["output"]["domain_xml"]')")
[[ "$dom_bus" == virtio ]] || fail "domain disk bus is $dom_bus, expected virtio"
[[ -n "$dom_mac" ]] || fail "the domain XML has no NIC"
[[ -z "$expected_mac" || "$dom_mac" == "$expected_mac" ]] || fail "domain MAC $dom_mac, expected the source MAC $expected_mac"
line=$(TMPDIR=/var/tmp bash "$SRC_DIR/tests/fixtures/boot-check.sh" "$dom_disk" --format "$dom_fmt" --bus virtio --nic virtio \
        --mac "$dom_mac" --timeout "$boot_timeout" --log "$work/domain-boot.log" | grep 'H2K-BOOT-OK' || true)
[[ -n "$line" ]] || { tail -n 40 "$work/domain-boot.log" >&2 || true; fail "the published guest did not boot on virtio as its domain says"; }
echo "$line"
[[ "$line" == *"rootspec=UUID="* ]] || fail "guest root is not named by UUID: $line"
[[ "$line" == *"state=up"* ]] || fail "guest NIC is not up: $line"
[[ "$line" != *"addr=none"* ]] || fail "guest NIC has no address: $line"
pass "the published guest boots as its domain says: virtio-blk + virtio-net ($dom_mac), UUID root, NIC up with an address"

# --- 3. a guest silent on its serial port: evidence from its journal -------------
# The converted disk with the kernel console on the screen only (no
# console=ttyS0): the OS says nothing on the serial port, so the boot is judged
# from the journal of that boot, read back from the overlay after power-off.
silent="$work/silent/debian12-silent.qcow2"
mkdir -p "$work/silent"
cp --sparse=always "$disk" "$silent"
guestfish -a "$silent" -i download /boot/grub/grub.cfg "$work/grub.cfg"
grep -q 'console=ttyS0' "$work/grub.cfg" || fail "the converted grub.cfg has no console=ttyS0 to remove"
sed -i 's/ console=ttyS0,115200//g' "$work/grub.cfg"
guestfish -a "$silent" -i upload "$work/grub.cfg" /boot/grub/grub.cfg
out3="$work/out-silent"; mkdir -p "$out3"
echo "converting $silent (no serial console) with --no-guest-fixes --verify-boot"
t0=$SECONDS
set +e
"$H2K_BIN" convert "$silent" --output-dir "$out3" --no-guest-fixes --verify-boot --json >"$work/silent.json" 2>"$work/silent.stderr"
rc=$?
set -e
echo "exit code $rc after $((SECONDS - t0)) s"
grep 'verify' "$work/silent.stderr" | tail -n 5
[[ $rc -eq 0 ]] || fail "hyper2kvm convert --verify-boot of the silent guest exited $rc: $(tail -n 5 "$work/silent.stderr")"
report3=$(json_get "$work/silent.json" 'j["output"]["report"]')
json_get "$report3" 'json.dumps({k: v for k, v in j["verify_boot"].items() if k not in ("console_tail", "journal_tail")})'
[[ "$(json_get "$report3" 'j["verify_boot"]["passed"]')" == True ]] || fail "silent guest: verify_boot.passed is not true"
[[ "$(json_get "$report3" 'j["verify_boot"]["evidence"]')" == journal ]] || fail "silent guest: the evidence is not its journal"
line=$(json_get "$report3" 'j["verify_boot"]["evidence_line"]')
echo "evidence: $line"
[[ "$line" == *"Reached target"* || "$line" == *"Startup finished"* ]] || fail "journal evidence is no target line: $line"
[[ "$(json_get "$report3" 'len(j["verify_boot"]["journal_tail"])')" -gt 5 ]] || fail "report.json has no journal tail"
assert_nothing_left "silent guest"
pass "silent guest: verification boot passed from its journal in $((SECONDS - t0)) s"

# --- 4. the daemon's keys --------------------------------------------------------
cat >"$work/daemon.yaml" <<EOF
watch_dir: $work/queue
output_dir: $work/output
work_dir: $work/scratch
conversion:
  verify_boot: true
  verify_boot_timeout: 5m
  verify_boot_accel: tcg
EOF
"$H2K_BIN" --config "$work/daemon.yaml" --check-config >"$work/check.json" 2>/dev/null || fail "--check-config refused verify_boot keys"
[[ "$(json_get "$work/check.json" 'j["conversion"]["verify_boot"]')" == True ]] || fail "--check-config does not show verify_boot"
[[ "$(json_get "$work/check.json" 'j["conversion"]["verify_boot_timeout"]')" == 300 ]] || fail "--check-config: verify_boot_timeout"
[[ "$(json_get "$work/check.json" 'j["conversion"]["verify_boot_accel"]')" == tcg ]] || fail "--check-config: verify_boot_accel"
printf 'conversion:\n  verify_boot_acel: tcg\n' >"$work/bad.yaml"
set +e
msg=$("$H2K_BIN" --config "$work/bad.yaml" --check-config 2>&1 >/dev/null)
rc=$?
set -e
[[ $rc -eq 2 && "$msg" == *"conversion.verify_boot_acel: unknown key (did you mean conversion.verify_boot_accel?)"* ]] \
  || fail "a misspelt key is not named: rc=$rc $msg"
pass "daemon: conversion.verify_boot keys parsed, shown by --check-config, misspellings named"
