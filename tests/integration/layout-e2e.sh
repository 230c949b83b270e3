#!/usr/bin/env bash
# End to end on a layout guest (tests/fixtures/build-layout-guests.sh): convert
# it with the real hyper2kvm binary, check what a user checks (exit code,
# source untouched, nothing partial left, report.json success with every
# guest check ok, domain XML valid, the source MAC kept), then boot the result
# as its domain XML describes it (tests/fixtures/boot-domain.sh, TCG, fresh
# UEFI variables for a UEFI guest) and require the guest's boot-OK line with
# its configured NIC name up with an address, and its layout mounted (the LV
# root and /boot, the ESP, /var on the second disk, swap: see layouts.json).
# One conversion and one boot.
# usage: layout-e2e.sh GUEST [extra hyper2kvm convert args...]
source "$(dirname "$0")/lib.sh"
guest=${1:?usage: layout-e2e.sh GUEST [convert args...]}; shift
FIX=${H2K_LAYOUT_FIXTURES:?H2K_LAYOUT_FIXTURES must name the layout guests folder (scripts/test.sh sets it)}
[[ -f "$FIX/layouts.json" ]] || fail "$FIX/layouts.json missing: is H2K_LAYOUT_FIXTURES a layouts-<hash> folder?"

# name input expected_nic mac firmware (tab-separated), from layouts.json.
IFS=$'\t' read -r input nic mac firmware < <(python3 - "$FIX/layouts.json" "$guest" <<'PY'
import json, sys
for g in json.load(open(sys.argv[1])):
    if g["name"] == sys.argv[2]:
        print("\t".join([g["input"], g["expected_nic"], g["mac"], g["firmware"]])); break
else:
    sys.exit("layout guest %s is not in layouts.json" % sys.argv[2])
PY
) || fail "cannot read guest $guest from $FIX/layouts.json"
src="$FIX/$input"
[[ -e "$src" ]] || fail "layout guest input $src missing"
src_dir=$(dirname "$src")
before=$(tree_hash "$src_dir")

work=$(mktemp -d /var/tmp/h2k-layout-e2e-XXXXXX)
trap 'rm -rf "$work"' EXIT
out="$work/out"; mkdir -p "$out"

echo "converting $src ($guest: $firmware, NIC $nic $mac)"
set +e
"$H2K_BIN" convert "$src" --output-dir "$out" --json "$@" >"$work/report.json" 2>"$work/stderr.log"
rc=$?
set -e
tail -n 40 "$work/stderr.log"
[[ $rc -eq 0 ]] || fail "hyper2kvm convert exited $rc ($(json_get "$work/report.json" 'j.get("error", {}).get("message", "")' 2>/dev/null || true))"

[[ "$(tree_hash "$src_dir")" == "$before" ]] || fail "the source files changed during conversion"
pass "source unchanged"

vm_dir=$(json_get "$work/report.json" 'j["output"]["vm_dir"]')
[[ -d "$vm_dir" ]] || fail "vm folder $vm_dir missing"
[[ -z "$(find "$out" -maxdepth 2 -name '*.partial*')" ]] || fail "a staging (.partial) folder was left behind: $(find "$out" -maxdepth 2 -name '*.partial*')"
report="$vm_dir/report.json"
[[ -f "$report" ]] || fail "report.json missing in $vm_dir"
[[ "$(json_get "$report" 'j["status"]')" == success ]] || fail "report.json status is not success"
# The engine's final audit of the converted guest: report.json "checks",
# objects {name, ok, detail}; at least one, all ok.
python3 - "$report" <<'PY' || fail "report.json checks are missing or not all ok (above)"
import json, sys
j = json.load(open(sys.argv[1]))
checks = j.get("checks")
if not isinstance(checks, list) or not checks:
    sys.exit("report.json has no 'checks' array with at least one check")
bad = 0
for c in checks:
    ok = c.get("ok") is True
    print("  check %-4s %s: %s" % ("ok" if ok else "FAIL", c.get("name"), c.get("detail", "")))
    bad += not ok
sys.exit(1 if bad else 0)
PY
pass "report.json: status success, every check ok"

xml=$(json_get "$report" 'j["output"]["domain_xml"]')
virt-xml-validate "$xml" domain >/dev/null || fail "domain XML $xml does not validate"
read -r dom_fw dom_mac ndisks < <(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
d = ET.parse(sys.argv[1]).getroot()
os_el = d.find("os")
efi = os_el.get("firmware") == "efi" or os_el.find("loader") is not None
mac = d.find("./devices/interface/mac")
print("efi" if efi else "bios", mac.get("address") if mac is not None else "none",
      len([x for x in d.findall("./devices/disk") if x.get("device", "disk") == "disk"]))
PY
)
[[ "$dom_fw" == "$firmware" ]] || fail "domain firmware is $dom_fw, the source VM boots $firmware"
[[ "$dom_mac" == "$mac" ]] || fail "domain MAC $dom_mac, expected the source MAC $mac"
pass "domain XML valid: firmware $dom_fw, MAC $dom_mac, $ndisks disk(s)"

set +e
line=$(bash "$SRC_DIR/tests/fixtures/boot-domain.sh" "$xml" --timeout "${H2K_BOOT_TIMEOUT:-420}" --log "$work/serial.log")
brc=$?
set -e
if [[ $brc -ne 0 || "$line" != H2K-BOOT-OK* ]]; then
  fail "the converted $guest did not boot as its domain XML describes (boot-domain.sh exit $brc)"
fi
echo "$line"
layout=$(tr -d '\r' < "$work/serial.log" | grep -ao 'H2K-LAYOUT.*' | head -n 1 || true)
echo "${layout:-no H2K-LAYOUT line}"
[[ " $line " == *" nic=$nic "* ]] || fail "guest NIC is not $nic (the name the guest's network config uses): $line"
[[ "$line" == *" state=up "* ]] || fail "guest NIC is not up: $line"
[[ "$line" != *"addr=none"* ]] || fail "guest NIC has no address: $line"
[[ -n "$layout" ]] || fail "no H2K-LAYOUT line on the console"
python3 - "$FIX/layouts.json" "$guest" "$line" "$layout" <<'PY' || fail "the converted guest's layout is not what it should be (above)"
import json, re, sys
g = next(x for x in json.load(open(sys.argv[1])) if x["name"] == sys.argv[2])
def fields(line):
    return dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
got = {"boot_ok": fields(sys.argv[3]), "layout": fields(sys.argv[4])}
bad = 0
for part, want in g.get("expect", {}).items():
    for key, rx in want.items():
        v = got[part].get(key, "")
        if not re.search(rx, v) or v == "none":
            print("  %s %s=%s does not match %s" % (part, key, v, rx))
            bad += 1
sys.exit(1 if bad else 0)
PY
pass "converted $guest boots: NIC $nic up with an address, layout mounted ($layout)"
