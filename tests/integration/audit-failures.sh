#!/usr/bin/env bash
# The final audit must fail a conversion whose guest would not boot, loudly
# and with nothing published. Two guests made broken on purpose from the
# fixture (copies; the fixture itself is never touched):
#  1. fstab requires a filesystem that is on none of the VM's disks
#     (UUID=0badf00d-...): the guest would stop in emergency mode;
#  2. an initramfs-tools hook that strips every virtio module from each image
#     it builds: the rebuild "succeeds", but the image cannot reach the root
#     on virtio.
# Each: exit code 5 (guest fix failed), the --json error names the VM file
# and the reason, the output folder stays empty, the source is unchanged.
source "$(dirname "$0")/lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder (scripts/test.sh sets it)}
raw="$FIX/raw/debian12-vmware.raw"
[[ -f "$raw" ]] || fail "fixture $raw missing"

work=$(mktemp -d /var/tmp/h2k-audit-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/fstab" "$work/initramfs"
qemu-img convert -O qcow2 "$raw" "$work/fstab/broken-fstab.qcow2"
qemu-img convert -O qcow2 "$raw" "$work/initramfs/broken-initramfs.qcow2"

cat >"$work/zz-strip-virtio" <<'HOOK'
#!/bin/sh
# Made broken on purpose by hyper2kvm's tests: no virtio driver survives.
PREREQ=""
prereqs() { echo "$PREREQ"; }
case "$1" in prereqs) prereqs; exit 0 ;; esac
find "${DESTDIR}" -name 'virtio*.ko*' -delete
HOOK
# One appliance launch edits both copies (same UUIDs: mounted one at a time, by device).
guestfish -a "$work/fstab/broken-fstab.qcow2" -a "$work/initramfs/broken-initramfs.qcow2" <<GF
run
mount /dev/sda1 /
write-append /etc/fstab "UUID=0badf00d-0000-4000-8000-00000000dead /srv/data ext4 defaults 0 2\n"
umount /
mount /dev/sdb1 /
upload $work/zz-strip-virtio /etc/initramfs-tools/hooks/zz-strip-virtio
chmod 0755 /etc/initramfs-tools/hooks/zz-strip-virtio
umount /
GF

convert_must_fail() {   # convert_must_fail NAME SOURCE: runs the conversion, leaves $err
  local name=$1 src=$2
  local before out rc
  before=$(tree_hash "$src")
  out="$work/out-$name"; mkdir -p "$out"
  set +e
  "$H2K_BIN" convert "$src" --output-dir "$out" --json >"$work/$name.json" 2>"$work/$name.log"
  rc=$?
  set -e
  tail -n 5 "$work/$name.log"
  [[ $rc -eq 5 ]] || { cat "$work/$name.json"; fail "$name: exit code $rc, expected 5 (guest fix failed)"; }
  assert_empty_dir "$out"
  [[ "$(tree_hash "$src")" == "$before" ]] || fail "$name: the source changed"
  err=$(json_get "$work/$name.json" 'j["error"]["message"]')
  echo "$name: $err"
  [[ "$err" == *"$src"* ]] || fail "$name: the error does not name the VM file $src"
  [[ "$(json_get "$work/$name.json" 'j["error"]["retryable"]')" == False ]] || fail "$name: a broken guest must not be retried"
}

convert_must_fail fstab "$work/fstab/broken-fstab.qcow2"
[[ "$err" == *'fstab line'*'UUID=0badf00d-0000-4000-8000-00000000dead /srv/data ext4 defaults 0 2'* ]] ||
  fail "fstab: the error does not quote the fstab line"
[[ "$err" == *"no filesystem or partition on the VM's disks has UUID 0badf00d"* ]] || fail "fstab: the error does not say why"
pass "an unresolvable required fstab line fails the conversion, naming the line; nothing published"

convert_must_fail initramfs "$work/initramfs/broken-initramfs.qcow2"
[[ "$err" == *"would not boot on virtio"* ]] || fail "initramfs: not reported by the audit"
[[ "$err" == *"initramfs 6."*": /boot/initrd.img-"*" lacks virtio_blk, virtio_pci"* ]] ||
  fail "initramfs: the error does not name the image and the missing drivers"
pass "an initramfs without virtio fails the audit, naming the image and the drivers; nothing published"
