#!/usr/bin/env bash
# End to end: convert one fixture variant with the real hyper2kvm binary, check
# what a user would check (exit code, report.json, domain XML valid, source
# untouched, nothing partial), then boot the result under TCG on virtio-blk +
# virtio-net with the domain's MAC and require the guest's boot-OK line with a
# UUID root and the NIC up with an address.
# usage: convert-and-boot.sh [--copy-only] VARIANT [extra hyper2kvm convert args...]
#   --copy-only  for tests about an input FORMAT (the guest fixes are the same
#                for every form and are booted by the other variants): convert
#                with --no-guest-fixes and require the output disk to hold
#                exactly the guest's bytes (qemu-img compare with the raw
#                fixture) instead of booting it.
source "$(dirname "$0")/lib.sh"
copy_only=0
if [[ "${1:-}" == --copy-only ]]; then copy_only=1; shift; fi
variant=$1; shift
((copy_only)) && set -- --no-guest-fixes "$@"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder (scripts/test.sh sets it)}

read -r rel kind expected_mac < <(python3 - "$FIX/fixtures.json" "$variant" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
items = data if isinstance(data, list) else data.get("variants", data)
if isinstance(items, dict):
    items = [dict(v, name=k) for k, v in items.items()]
for v in items:
    if v["name"] == sys.argv[2]:
        print(v["path"], v.get("kind", "disk"), v.get("expected_mac", "")); break
else:
    sys.exit("variant %s not in fixtures.json" % sys.argv[2])
PY
)
src="$FIX/$rel"
[[ -e "$src" ]] || fail "fixture $src missing"
src_dir=$(dirname "$src")
before=$(tree_hash "$src_dir")

work=$(mktemp -d /var/tmp/h2k-e2e-XXXXXX)
trap 'rm -rf "$work"' EXIT
out="$work/out"; mkdir -p "$out"

echo "converting $src"
set +e
"$H2K_BIN" convert "$src" --output-dir "$out" --json "$@" >"$work/report.json" 2>"$work/stderr.log"
rc=$?
set -e
cat "$work/stderr.log" | tail -n 40
[[ $rc -eq 0 ]] || fail "hyper2kvm convert exited $rc"

[[ "$(tree_hash "$src_dir")" == "$before" ]] || fail "the source files changed during conversion"
pass "source unchanged"

vm_dir=$(json_get "$work/report.json" 'j["output"]["vm_dir"]')
[[ -d "$vm_dir" ]] || fail "vm folder $vm_dir missing"
[[ -z "$(find "$out" -maxdepth 1 -name '.*partial*')" ]] || fail "a staging folder was left behind"
[[ -f "$vm_dir/report.json" ]] || fail "report.json missing in $vm_dir"
cmp -s <(json_get "$vm_dir/report.json" 'j["status"]') <(echo success) || fail "report.json status is not success"
if ((copy_only)); then
  [[ "$(json_get "$vm_dir/report.json" 'j["guest_fixes"]["applied"]')" == "False" ]] || fail "guest fixes ran in a copy-only conversion"
else
  [[ "$(json_get "$vm_dir/report.json" 'j["guest_fixes"]["applied"]')" == "True" ]] || fail "guest fixes were not applied"
  actions=$(json_get "$vm_dir/report.json" '" ".join(sorted({c["action"] for c in j["guest_fixes"]["changes"]}))')
  echo "guest changes: $actions"
  for a in fstab initramfs; do [[ " $actions " == *" $a "* ]] || fail "no '$a' change recorded in report.json"; done
  # The final audit ran and every check passed (it fails the conversion otherwise).
  nchecks=$(json_get "$vm_dir/report.json" 'len(j["checks"])')
  [[ "$nchecks" -ge 3 ]] || fail "report.json lists $nchecks audit checks, expected fstab, root= and initramfs at least"
  [[ "$(json_get "$vm_dir/report.json" 'all(c["ok"] for c in j["checks"])')" == "True" ]] || fail "an audit check failed"
fi
if [[ " $* " == *" --define "* ]]; then
  [[ "$(json_get "$vm_dir/report.json" 'j["output"]["defined"]')" == "True" ]] ||
    fail "--define was given but report.json says the domain was not defined: $(json_get "$vm_dir/report.json" 'j["output"]["define_error"]')"
  pass "domain defined in libvirt ($(json_get "$vm_dir/report.json" 'j["output"]["domain_uuid"]'))"
fi
xml=$(json_get "$vm_dir/report.json" 'j["output"]["domain_xml"]')
virt-xml-validate "$xml" domain >/dev/null || fail "domain XML $xml does not validate"
pass "report.json and domain XML valid"

read -r disk fmt bus mac < <(domain_first_disk "$xml")
[[ "$bus" == virtio ]] || fail "domain disk bus is $bus, expected virtio"
[[ -f "$disk" ]] || fail "domain disk $disk does not exist"
# A bare disk carries no MAC: only its guest names one, and a copy-only
# conversion does not look inside.
if ((copy_only)) && [[ "$kind" == disk ]]; then expected_mac=""; fi
if [[ -n "$expected_mac" ]]; then
  [[ "$mac" == "$expected_mac" ]] || fail "domain MAC $mac, expected the source MAC $expected_mac"
fi
pass "domain uses virtio and MAC $mac"

if ((copy_only)); then
  # The format reader must hand over the guest's bytes exactly.
  qemu-img compare -f raw "$FIX/raw/debian12-vmware.raw" -F "$fmt" "$disk" >/dev/null ||
    fail "the converted disk differs from the guest it was made from"
  pass "converted disk is identical to the source guest (qemu-img compare)"
  exit 0
fi

line=$(bash "$SRC_DIR/tests/fixtures/boot-check.sh" "$disk" --format "$fmt" --bus virtio --nic virtio --mac "$mac" \
        --timeout "${H2K_BOOT_TIMEOUT:-420}" --log "$work/serial.log" | grep 'H2K-BOOT-OK' || true)
if [[ -z "$line" ]]; then
  tail -n 40 "$work/serial.log" >&2 || true
  fail "converted guest did not boot on virtio"
fi
echo "$line"
[[ "$line" == *"rootspec=UUID="* ]] || fail "guest root is not named by UUID: $line"
[[ "$line" == *"state=up"* ]] || fail "guest NIC is not up: $line"
[[ "$line" != *"addr=none"* ]] || fail "guest NIC has no address: $line"
pass "converted guest boots on virtio with a UUID root and a working NIC"
