#!/bin/sh
# Regenerates the seed corpora in tests/fuzz/corpus/ from real qemu-img images
# and hand-written text. Run it after changing a parser's accepted input; the
# results are small and committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mk() { qemu-img create -q "$@"; }
seed() { mkdir -p "$corpus/$1"; cp "$2" "$corpus/$1/$3"; }
head_seed() { mkdir -p "$corpus/$1"; head -c "$4" "$2" > "$corpus/$1/$3"; }

# --- images -----------------------------------------------------------------
mk -f vmdk -o subformat=monolithicSparse "$work/mono.vmdk" 1M
mk -f vmdk -o subformat=streamOptimized "$work/stream.vmdk" 1M
mk -f vmdk -o subformat=monolithicFlat "$work/flat.vmdk" 1M
mk -f vmdk -o subformat=twoGbMaxExtentSparse "$work/split.vmdk" 5G
mk -f vmdk -o subformat=twoGbMaxExtentFlat "$work/splitflat.vmdk" 1M
mk -f vpc -o subformat=dynamic "$work/dynamic.vhd" 1M
mk -f vpc -o subformat=dynamic,force_size=on "$work/dynamic-qem2.vhd" 3M
mk -f vpc -o subformat=fixed,force_size=on "$work/fixed.vhd" 4K
mk -f vpc -o subformat=fixed "$work/fixed-chs.vhd" 4K
mk -f vhdx "$work/small.vhdx" 10M
mk -f vhdx -o block_size=32M "$work/big.vhdx" 1G
mk -f qcow2 -o cluster_size=512 "$work/v3.qcow2" 64K
mk -f qcow2 -o cluster_size=512,compat=0.10 "$work/v2.qcow2" 64K
mk -f qcow2 -o cluster_size=16K,extended_l2=on "$work/l2.qcow2" 1M
mk -f qcow2 -o cluster_size=512 -b v3.qcow2 -F qcow2 "$work/overlay.qcow2"

seed fuzz_vmdk_sparse_header "$work/mono.vmdk" monolithicSparse.vmdk
seed fuzz_vmdk_sparse_header "$work/stream.vmdk" streamOptimized.vmdk
seed fuzz_vmdk_sparse_header "$work/split-s001.vmdk" split-extent.vmdk
seed fuzz_vmdk_descriptor "$work/flat.vmdk" monolithicFlat.txt
seed fuzz_vmdk_descriptor "$work/split.vmdk" twoGbMaxExtentSparse.txt
seed fuzz_vmdk_descriptor "$work/splitflat.vmdk" twoGbMaxExtentFlat.txt
seed fuzz_vhd "$work/dynamic.vhd" dynamic.vhd
seed fuzz_vhd "$work/dynamic-qem2.vhd" dynamic-qem2.vhd
seed fuzz_vhd "$work/fixed.vhd" fixed.vhd
seed fuzz_vhd "$work/fixed-chs.vhd" fixed-chs.vhd
mkdir -p "$corpus/fuzz_vhdx"
"$here/make_sparse_seed.py" "$work/small.vhdx" "$corpus/fuzz_vhdx/small.sparse"
"$here/make_sparse_seed.py" "$work/big.vhdx" "$corpus/fuzz_vhdx/big-blocks.sparse"
seed fuzz_qcow2 "$work/v3.qcow2" v3.qcow2
seed fuzz_qcow2 "$work/v2.qcow2" v2.qcow2
seed fuzz_qcow2 "$work/l2.qcow2" extended-l2.qcow2
seed fuzz_qcow2 "$work/overlay.qcow2" overlay.qcow2

# probe: the start of every kind (probe reads heads; small is fine).
seed fuzz_probe "$work/v3.qcow2" v3.qcow2
seed fuzz_probe "$work/dynamic.vhd" dynamic.vhd
seed fuzz_probe "$work/fixed.vhd" fixed.vhd
seed fuzz_probe "$work/flat.vmdk" descriptor.vmdk
head_seed fuzz_probe "$work/mono.vmdk" sparse-head.vmdk 2048
head_seed fuzz_probe "$work/small.vhdx" vhdx-head.vhdx 1024
printf 'ovf\n' > "$work/x.ovf"
tar -C "$work" --format=ustar -cf "$work/vm.ova" x.ovf
seed fuzz_probe "$work/vm.ova" tiny.ova
{ head -c 510 /dev/zero; printf '\125\252'; head -c 512 /dev/zero; } > "$corpus/fuzz_probe/mbr.img"

# --- text -------------------------------------------------------------------
mkdir -p "$corpus/fuzz_vmdk_descriptor" "$corpus/fuzz_probe"
cat > "$corpus/fuzz_vmdk_descriptor/vmware-workstation.txt" <<'TXT'
# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=a1b2c3d4
parentCID=ffffffff
isNativeSnapshot="no"
createType="twoGbMaxExtentFlat"

# Extent description
RW 4192256 FLAT "web01-f001.vmdk" 0
RDONLY 2048 FLAT "web 01 tail.vmdk" 8
NOACCESS 100 ZERO
RW 64 SPARSE "sub/web01-s001.vmdk"

# The Disk Data Base
#DDB

ddb.adapterType = "lsilogic"
ddb.geometry.cylinders = "522"
ddb.geometry.heads = "255"
ddb.geometry.sectors = "63"
ddb.uuid = "60 00 C2 9a 7d 3e 41 1e-8c 35 02 00 b4 00 8e 1d"
ddb.virtualHWVersion = "14"
TXT
cat > "$corpus/fuzz_vmdk_descriptor/esx-delta.txt" <<'TXT'
# Disk DescriptorFile
version=3
CID=1234abcd
parentCID=a1b2c3d4
createType="seSparse"
parentFileNameHint="web01.vmdk"
RW 2048 SESPARSE "web01-000001-sesparse.vmdk"
TXT
cat > "$corpus/fuzz_probe/web01.vmx" <<'TXT'
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "web01"
memsize = "2048"
scsi0:0.fileName = "web01.vmdk"
TXT
cat > "$corpus/fuzz_probe/vm.ovf" <<'TXT'
<?xml version="1.0" encoding="UTF-8"?>
<!-- exported -->
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References/></ovf:Envelope>
TXT
printf '{"manifest_version": 1, "disks": [{"path": "disk1.vmdk"}]}\n' > "$corpus/fuzz_probe/manifest.json"
printf '#!/bin/sh\necho not a disk\n' > "$corpus/fuzz_probe/script.sh"
echo "seeds written to $corpus"
