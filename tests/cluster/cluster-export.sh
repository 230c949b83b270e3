#!/usr/bin/env bash
# cluster.export: an export node of its own (the exporter role on another
# host), as in the field: the vCenter is reachable from the export node only
# (the simulator listens on 127.0.0.1 inside that node's namespace), the
# coordinator and the converter node never talk to it.
#   - `hyperctl convert --vm` on the coordinator: the export runs on exp1
#     (its slot exp1/export-1 holds the lease), its files land in the share,
#     the coordinator queues the conversion directly and conv1 converts it
#     (copy-only); the result is in the share's output, the lease completed,
#     nothing left in .exports, `hyperctl nodes` shows the export node.
#   - Plain TCP between the nodes (no cluster.tls): the submitter's password
#     never leaves the coordinator (exp1 logs in with its own
#     VSPHERE_PASSWORD) and appears in no node's log or state.
#   - kill -9 of the export node mid-download: after node_timeout its lease
#     is taken back, uncharged; the restarted node (new incarnation) exports
#     the job again under a new epoch; the VM is converted exactly once and
#     the dead attempt's folder does not stay in the share.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../integration/lib.sh"
source "$HERE/../integration/daemon-lib.sh"
source "$HERE/lib/netns.sh"
source "$HERE/cluster-lib.sh"
source "$HERE/../vsphere/lib/vcsim.sh"
[[ $EUID == 0 ]] || { echo "needs root (network namespaces)"; exit 77; }
vcsim_available || { echo "skipped: no vCenter simulator kit in $VCSIM_KIT"; exit 77; }
set -euo pipefail

VM=DC0_H0_VM0
NODE_TIMEOUT=3
cluster_start_env coord exp1 conv1
W=$D/work-test
mkdir -p "$W"

node_config coord coordinator
node_config exp1 exporter "export:
  concurrent_exports: 1
  parallel_disks: 2"
node_config conv1 converter

# The simulator runs in exp1's namespace, on its loopback: only exp1 reaches it.
# Paced (2 MB/s per stream): the 2 x 12 MiB download takes about 6 s, time
# to kill the export node mid-way.
VCSIM_NETNS=$(cluster_ns exp1)
VCSIM_FIXED_PASSWORD="pw-cluster-$RANDOM$RANDOM" start_vcsim "$W/sim" VCSIM_NFC_RATE=2M
make_vmdk d0 12
make_vmdk d1 12
# Two disks: a second one created, then both files replaced by the VMDKs.
govc vm.disk.create -vm "$VM" -name "$VM/extra1" -size 1M >/dev/null || fail "cannot add a disk to $VM"
mapfile -t files < <(govc device.info -vm "$VM" -json 'disk-*' | python3 -c '
import json, sys
for d in json.load(sys.stdin)["Devices"]:
    print(d["Backing"]["FileName"].split("] ", 1)[1])')
((${#files[@]} == 2)) || fail "$VM has ${#files[@]} disks, expected 2"
govc datastore.upload "$W/d0.vmdk" "${files[0]}" >/dev/null 2>&1 || fail "upload of d0"
govc datastore.upload "$W/d1.vmdk" "${files[1]}" >/dev/null 2>&1 || fail "upload of d1"

start_node coord
wait_until 30 "the coordinator to answer" coord_ready
start_node exp1 VSPHERE_PASSWORD="$VCSIM_PASSWORD"
start_node conv1
for n in exp1 conv1; do wait_until 60 "$n to join" node_up "$n" || { dump_logs coord "$n"; fail "$n did not join"; }; done
[[ $(node_field exp1 roles) == *exporter* ]] || fail "hyperctl nodes: exp1 roles $(node_field exp1 roles)"
pass "coordinator, export node (vCenter reachable from it only) and converter node up"

# The test's own namespace cannot reach the simulator: the vCenter address
# is only meaningful on the export node.
VSPHERE_PASSWORD=$VCSIM_PASSWORD ctl convert --vm "$VM" --vcenter "$VCSIM_HOST" --username "$VCSIM_USER" --insecure \
  --json >"$W/submit.json" 2>"$W/submit.err" || fail "hyperctl convert refused: $(cat "$W/submit.err" "$W/submit.json")"
id=$(json_get "$W/submit.json" 'j["job"]["id"]')

job_view() { ctl job-status "$id" --json >"$W/status.json" 2>/dev/null && json_get "$W/status.json" "(lambda j: $1)(j['job'])"; }
exporting_on_exp1() { grep -q "job $id started .*exp1/export-1" "$D/nodes/coord/daemon.log" && find "$SHARE/queue/.exports" -name '*.part' -size +1M 2>/dev/null | grep -q .; }
wait_until 60 "the export to run on exp1" exporting_on_exp1 || { dump_logs coord exp1; fail "the export did not start on exp1"; }
grep -q "password is not sent to a remote export node over plain TCP" "$D/nodes/coord/daemon.log" ||
  fail "the coordinator did not say it kept the password (plain TCP)"
pass "the export runs on exp1/export-1 (epoch 1), writing into the share; the password stayed on the coordinator"

# kill -9 of the export node mid-download.
kill -9 "${NODE_PID[exp1]}"
t_kill=$SECONDS
node_lost() { grep -q "node exp1 lost" "$D/nodes/coord/daemon.log"; }
wait_until 30 "the coordinator to declare exp1 lost" node_lost || { dump_logs coord; fail "exp1's death went unnoticed"; }
[[ $(job_view 'j["state"]') == queued ]] || fail "the job is $(job_view 'j["state"]') after its export node died"
pass "exp1 killed mid-download: lost after $((SECONDS - t_kill)) s, its job queued again"

start_node exp1 VSPHERE_PASSWORD="$VCSIM_PASSWORD"
# Done, its files archived too (moved just after "done" is durable).
done_job() { [[ $(job_view 'j["state"] + ("" if not j.get("archive_pending") else " (archiving)")') == done ]]; }
wait_until 300 "the job to be exported again and converted" done_job || { dump_logs coord exp1 conv1; fail "job $id not done: $(job_view 'j["state"]')"; }

log=$D/nodes/coord/daemon.log
grep -q "job $id started .*epoch 2, exp1/export-1" "$log" || fail "the second export was not epoch 2 on exp1: $(grep "job $id" "$log")"
grep -q "job $id exported DC0_H0_VM0" "$log" || fail "no export accepted for $id"
grep -q "job $id succeeded in [0-9.]* s on conv1/slot-" "$log" || fail "$id was not converted on conv1: $(grep "job $id" "$log")"
[[ $(grep -c "job $id succeeded" "$log") == 1 ]] || fail "$id succeeded more than once"
grep -q "exp1/export-1 stopped (node exp1 lost.*job $id: the job is queued again (not charged)" "$log" ||
  fail "the lost export was not taken back uncharged"
[[ $(job_view 'j["vsphere"]["exported"]') == True ]] || fail "the job does not say it was exported"
pass "exported again by the restarted exp1 (epoch 2), converted on conv1, succeeded once"

n_disks=$(find "$O" -name '*.qcow2' | wc -l)
[[ $n_disks == 2 ]] || fail "expected the VM's 2 disks in the share's output, found $n_disks: $(find "$O" | head)"
left=$(find "$SHARE/queue/.exports" -mindepth 1 2>/dev/null | head -5)
[[ -z $left ]] || fail "left in the share's .exports: $left"
grep '^vcsim-lease ' "$VCSIM_LOG" | grep -q 'event=complete' || fail "no export lease was completed"
pass "2 disks converted into the share's output; .exports empty; the second lease completed"

hits=$(grep -rlF -- "$VCSIM_PASSWORD" "$D/nodes/coord" "$D/nodes/conv1" "$SHARE" 2>/dev/null || true)
[[ -z $hits ]] || fail "the vCenter password appears in: $hits"
pass "the password appears in no coordinator, converter or share file"
touch "$D/.passed"
