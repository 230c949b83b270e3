#!/usr/bin/env bash
# Bad input gets a clear error naming the file and the reason, a non-zero
# exit code, no partial output, and an untouched source. Runs the real binary
# on real (deliberately broken) files made here with qemu-img, tar and python.
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /var/tmp/h2k-bad-XXXXXX)
trap 'umount "$work/tiny" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

# expect_failure NAME EXPECTED_RC "text the message must contain"... -- convert args
expect_failure() {
  local name=$1 want_rc=$2; shift 2
  local needles=()
  while [[ $1 != -- ]]; do needles+=("$1"); shift; done
  shift
  local src=$1
  local out="$work/out-$name"; rm -rf "$out"; mkdir -p "$out"
  local before; before=$(tree_hash "$src")
  set +e
  "$H2K_BIN" convert "$@" --output-dir "$out" --quiet >"$work/$name.out" 2>"$work/$name.err"
  local rc=$?
  set -e
  local msg; msg=$(cat "$work/$name.err")
  [[ $rc -eq $want_rc ]] || fail "$name: exit code $rc, expected $want_rc; stderr: $msg"
  for n in "${needles[@]}"; do
    [[ "$msg" == *"$n"* ]] || fail "$name: message does not contain '$n': $msg"
  done
  assert_empty_dir "$out"
  [[ "$(tree_hash "$src")" == "$before" ]] || fail "$name: the source was modified"
  pass "$name: rc=$rc: $(echo "$msg" | tail -n 1)"
}

# 1. Not a disk image at all (a text file with a disk-like name).
printf '#!/bin/sh\necho hello\n' > notes.vmdk
expect_failure text-file 3 "notes.vmdk" "not a disk image" -- notes.vmdk

# 2. A truncated VMDK: the first 100 bytes of a real sparse VMDK.
qemu-img create -q -f vmdk -o subformat=monolithicSparse whole.vmdk 64M
head -c 100 whole.vmdk > truncated.vmdk
expect_failure truncated-vmdk 3 "truncated.vmdk" -- truncated.vmdk

# 3. A descriptor whose flat extent is missing.
qemu-img create -q -f vmdk -o subformat=monolithicFlat flat.vmdk 64M
mkdir -p lonely && cp flat.vmdk lonely/flat.vmdk
expect_failure missing-extent 3 "flat-flat.vmdk" "missing" -- lonely/flat.vmdk

# 4. A qcow2 whose header is corrupted (cluster_bits = 40).
qemu-img create -q -f qcow2 bad.qcow2 64M
printf '\x00\x00\x00\x28' | dd of=bad.qcow2 bs=1 seek=20 conv=notrunc status=none
expect_failure corrupt-qcow2 3 "bad.qcow2" -- bad.qcow2

# 5. A truncated VHDX.
qemu-img create -q -f vhdx whole.vhdx 64M
head -c 70000 whole.vhdx > truncated.vhdx
expect_failure truncated-vhdx 3 "truncated.vhdx" -- truncated.vhdx

# 6. Hostile OVAs: path traversal, a symlink, a size past the end of the file.
python3 - <<'PY'
import io, tarfile
ovf = b'<?xml version="1.0"?><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/>'
def add(t, name, data, **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data))
with tarfile.open("traversal.ova", "w", format=tarfile.USTAR_FORMAT) as t:
    add(t, "vm.ovf", ovf); add(t, "../../etc/evil.vmdk", b"x" * 512)
with tarfile.open("symlink.ova", "w", format=tarfile.USTAR_FORMAT) as t:
    add(t, "vm.ovf", ovf)
    ti = tarfile.TarInfo("disk.vmdk"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/shadow"; t.addfile(ti)
with tarfile.open("huge.ova", "w", format=tarfile.USTAR_FORMAT) as t:
    add(t, "vm.ovf", ovf)
# Declare a 100 GiB member in a file that is only a few KiB long.
data = bytearray(open("huge.ova", "rb").read())
hdr = bytearray(512); name = b"disk1.vmdk"; hdr[0:len(name)] = name
hdr[100:108] = b"0000644\0"; hdr[108:116] = b"0000000\0"; hdr[116:124] = b"0000000\0"
hdr[124:136] = b"%011o\0" % (100 << 30); hdr[136:148] = b"00000000000\0"; hdr[156:157] = b"0"
hdr[257:263] = b"ustar\0"; hdr[263:265] = b"00"; hdr[148:156] = b" " * 8
hdr[148:156] = b"%06o\0 " % sum(hdr)
pos = len(data) - 1024  # before the two zero end blocks
while pos > 0 and data[pos - 512:pos] == bytes(512): pos -= 512
open("huge.ova", "wb").write(bytes(data[:pos]) + bytes(hdr) + b"\0" * 4096)
PY
expect_failure ova-traversal 3 "traversal.ova" ".." -- traversal.ova
expect_failure ova-symlink 3 "symlink.ova" "link" -- symlink.ova
expect_failure ova-huge 3 "huge.ova" "disk1.vmdk" -- huge.ova

# 7. An OVA whose manifest checksum does not match its disk.
qemu-img create -q -f vmdk -o subformat=streamOptimized vm-disk1.vmdk 64M
cat > vm.ovf <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References><File ovf:href="vm-disk1.vmdk" ovf:id="file1"/></References>
  <DiskSection><Info>disks</Info><Disk ovf:capacity="64" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/></DiskSection>
  <VirtualSystem ovf:id="vm"><Info>vm</Info><Name>vm</Name>
    <VirtualHardwareSection><Info>hw</Info>
      <Item><rasd:ElementName>disk</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection></VirtualSystem></Envelope>
XML
printf 'SHA256(vm.ovf)= %s\nSHA256(vm-disk1.vmdk)= %s\n' "$(sha256sum vm.ovf | cut -d' ' -f1)" "$(printf 'not the disk' | sha256sum | cut -d' ' -f1)" > vm.mf
tar --format=ustar -cf badsum.ova vm.ovf vm-disk1.vmdk vm.mf
expect_failure ova-bad-checksum 3 "badsum.ova" "vm-disk1.vmdk" "checksum" -- badsum.ova

# 8. An appliance that will not start: an unknown backend, and a launch that
# exceeds its deadline. Both are retryable (exit 4) and leave nothing behind.
qemu-img create -q -f qcow2 blank.qcow2 64M
expect_failure appliance-backend 4 "blank.qcow2" "no-such-backend" -- blank.qcow2 --libguestfs-backend no-such-backend
expect_failure appliance-timeout 4 "blank.qcow2" "did not launch within 1 s" -- blank.qcow2 --appliance-timeout 1

# 9. A full output disk (needs permission to mount a tmpfs; reported when not).
qemu-img create -q -f raw data.raw 64M
python3 -c "import os; f=open('data.raw','r+b'); [ (f.seek(i<<20), f.write(os.urandom(1<<20))) for i in range(48)]"
mkdir -p tiny
if mount -t tmpfs -o size=16m tmpfs tiny 2>/dev/null; then
  before=$(tree_hash data.raw)
  set +e
  "$H2K_BIN" convert data.raw --output-dir tiny --quiet --no-guest-fixes 2>"$work/full.err"
  rc=$?
  set -e
  [[ $rc -eq 4 ]] || fail "full-disk: exit code $rc, expected 4: $(cat "$work/full.err")"
  grep -qi "space" "$work/full.err" || fail "full-disk: message does not mention space: $(cat "$work/full.err")"
  assert_empty_dir tiny
  [[ "$(tree_hash data.raw)" == "$before" ]] || fail "full-disk: source modified"
  pass "full-disk: rc=4: $(tail -n 1 "$work/full.err")"
else
  echo "SKIPPED full-disk: cannot mount a tmpfs here (not permitted)"
fi
echo "bad-inputs: all checks passed"
