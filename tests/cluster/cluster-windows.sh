#!/usr/bin/env bash
# cluster-windows.sh: a Windows guest in a cluster whose first converter has
# no virtio-win drivers. The guest is a bare disk (nothing says "Windows"
# before it is inspected): the Windows-shaped image of the windows_guest unit
# tests (NTFS, the SYSTEM and SOFTWARE hives of a Windows Server 2019; it is
# inspected as Windows but does not boot, so nothing here boots it).
# The same guest is dropped a second time as a VMX whose guestOS says
# Windows: that one is known to need virtio-win before it runs.
#   1. coordinator (+ watcher) and conv1 (no virtio_win_dir), guest fixes on:
#      the VMX is never assigned. conv1 converts the bare disk as far as
#      inspection, finds Windows, and hands the job back (missing_capability)
#      instead of converting it on emulated devices. The job is queued again,
#      not charged, shows `needs: [virtio-win]`, publishes nothing, and is
#      never given to conv1 again although conv1 has free slots.
#   2. conv2 joins with a virtio-win folder: both jobs run there and are
#      done, one output folder each, whose domain boots the disk on virtio
#      and whose report lists the viostor driver; the sources archived.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../integration/lib.sh"
source "$HERE/../integration/daemon-lib.sh"
source "$HERE/lib/netns.sh"
source "$HERE/cluster-lib.sh"
H2K_WINDOWS_IMAGE=${H2K_WINDOWS_IMAGE:?H2K_WINDOWS_IMAGE must name the h2k_windows_image helper}
[[ $EUID == 0 ]] || { echo "needs root (network namespaces)"; exit 77; }
unset H2K_FAULT
set -euo pipefail
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# A virtio-win folder laid out like the extracted ISO (placeholders, not
# drivers: nothing boots Windows here), for the guest's release and others.
fake_virtio_win() {
  local root=$1 os arch pair dir name ext
  for os in 2k16 2k19 w10; do
    for arch in amd64 x86; do
      for pair in viostor:viostor vioscsi:vioscsi NetKVM:netkvm Balloon:balloon; do
        dir=${pair%%:*} name=${pair##*:}
        mkdir -p "$root/$dir/$os/$arch"
        for ext in sys inf cat; do
          echo "placeholder $dir/$os/$arch/$name.$ext (not a real driver)" >"$root/$dir/$os/$arch/$name.$ext"
        done
      done
    done
  done
}

# job_json ID: hyperctl job-status --json of one job.
job_json() { ctl --json job-status "$1"; }
job_value() {  # job_value ID PYTHON-EXPR-ON-j
  job_json "$1" | python3 -c "import json,sys; j=json.load(sys.stdin)['job']; print($2)"
}
# waits_for_virtio_win ID: queued, needing virtio-win.
waits_for_virtio_win() { [[ "$(job_value "$1" "j['state'], ','.join(j.get('needs') or [])")" == "queued virtio-win" ]]; }
jobs_queued() { [[ -n "$(job_id_of win2019.img)" && -n "$(job_id_of winvmx.vmx)" ]]; }
# Both done, their sources archived (jobs_in_state counts those only).
jobs_finished() { [[ "$(jobs_in_state done)" == 2 ]]; }

cluster_start_env coord conv1 conv2
GUEST_FIXES=true node_config coord "[coordinator, watcher]"
GUEST_FIXES=true node_config conv1 converter
GUEST_FIXES=true VIRTIO_WIN="$D/virtio-win" node_config conv2 converter
fake_virtio_win "$D/virtio-win"
"$H2K_WINDOWS_IMAGE" "$D/in/win2019.img" || fail "cannot build the Windows-shaped image"
# The same guest described as Windows: a VMX (guestOS) and its sparse VMDK.
qemu-img convert -q -f raw -O vmdk "$D/in/win2019.img" "$D/in/winvmx.vmdk"
cat >"$D/in/winvmx.vmx" <<'VMX'
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "14"
displayName = "winvmx"
guestOS = "windows2019srv-64"
memSize = "2048"
numvcpus = "2"
scsi0.present = "TRUE"
scsi0.virtualDev = "lsisas1068"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "winvmx.vmdk"
VMX

start_node coord
wait_until 30 "the coordinator to answer" coord_ready
start_node conv1
wait_until 60 "conv1 to join" node_up conv1
caps=$(node_field conv1 capabilities)
[[ $caps != *virtio-win* ]] || fail "conv1 offers virtio-win without a virtio_win_dir: $caps"

# 1. Only conv1 is up. The VMX says Windows: never assigned. The bare disk
#    says nothing: conv1 finds Windows after the copy and hands it back.
mv "$D/in/winvmx.vmx" "$Q/winvmx.vmx"   # the descriptor first: its disk never looks like a VM of its own
mv "$D/in/winvmx.vmdk" "$Q/winvmx.vmdk"
mv "$D/in/win2019.img" "$Q/win2019.img"
wait_until 120 "both jobs to be queued" jobs_queued
DISK_JOB=$(job_id_of win2019.img)
VMX_JOB=$(job_id_of winvmx.vmx)
wait_until 600 "$DISK_JOB to be handed back by conv1 (queued, needs virtio-win)" waits_for_virtio_win "$DISK_JOB"
node_log coord | contains "job $DISK_JOB: conv1/slot-[0-9]* lacks virtio-win for this guest (.*this node cannot give it virtio drivers.*queued again for a node that has it (not charged)" \
  || { dump_logs coord conv1; fail "the coordinator does not say why $DISK_JOB came back"; }
published=$(find "$O" -mindepth 2 -maxdepth 2 ! -path '*/.*')
[[ -z $published ]] || fail "something was published after the hand-back: $published"
[[ -f "$Q/win2019.img" ]] || fail "the source left the queue after the hand-back"
pass "conv1 (no virtio-win) handed the bare Windows disk back: queued, needs virtio-win, nothing published"
# conv1 has two free slots and stays up: neither job may go to it.
sleep 6
for job in "$DISK_JOB" "$VMX_JOB"; do
  waits_for_virtio_win "$job" || fail "$job: $(job_json "$job")"
done
[[ "$(job_value "$VMX_JOB" "j['attempts']")" == 0 ]] || fail "$VMX_JOB (described as Windows) was given to conv1"
[[ "$(job_value "$DISK_JOB" "j['attempts']")" == 1 ]] || fail "$DISK_JOB was given to conv1 more than once"
pass "both wait while only conv1 (free, without virtio-win) is up; the VMX never went to it"

# 2. conv2 with virtio-win joins: both run there and are done.
start_node conv2
wait_until 60 "conv2 to join" node_up conv2
[[ "$(node_field conv2 capabilities)" == *virtio-win* ]] || fail "conv2 does not offer virtio-win: $(node_field conv2 capabilities)"
wait_until 900 "both jobs done on conv2, sources archived" jobs_finished
for job in "$DISK_JOB" "$VMX_JOB"; do job_json "$job" >"$D/$job.json"; done
python3 - "$O" "$Q" "$D/$DISK_JOB.json" win2019.img 1 "$D/$VMX_JOB.json" winvmx.vmx 0 <<'PY' \
  || { dump_logs coord conv2; fail "the Windows jobs' results"; }
import json, os, sys, glob
out, queue, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
folders = sorted(d for d in glob.glob(os.path.join(out, "*", "*")) if os.path.isdir(d))
if len(folders) != 2: sys.exit("FAIL: two output folders expected: %s" % folders)
for i in range(0, len(rest), 3):
    j = json.load(open(rest[i]))["job"]
    source, handbacks = rest[i + 1], int(rest[i + 2])
    def check(cond, what):
        if not cond: sys.exit("FAIL: %s (%s): %s\n%s" % (j["id"], source, what, json.dumps(j, indent=1)))
    check(j["node"] == "conv2", "done on conv2, not %s" % j["node"])
    check(j["interrupted"] == handbacks, "hand-backs are not charged: interrupted %d" % j["interrupted"])
    check(j["attempts"] == 1 + handbacks, "attempts %d" % j["attempts"])
    # What a node found is kept in the job; what a description says is read
    # from it while the job waits (archived with the sources once done).
    if handbacks: check(j.get("needs") == ["virtio-win"], "the job shows what it needed: %s" % j.get("needs"))
    folder = os.path.join(out, j["output_path"] or "(none)")  # output_path: relative to the output folder
    check(folder in folders, "its output folder %s is one of %s" % (j["output_path"], folders))
    xmls = glob.glob(os.path.join(folder, "*.xml"))
    check(len(xmls) == 1, "one domain XML in %s" % os.listdir(folder))
    xml = open(xmls[0]).read()
    check("bus='virtio'" in xml or 'bus="virtio"' in xml, "the domain's disk is on virtio:\n" + xml)
    report_path = os.path.join(folder, "report.json")
    check(os.path.exists(report_path), "a report.json in %s" % os.listdir(folder))
    text = open(report_path).read()
    check("viostor" in text, "the report lists viostor")
    check(json.loads(text).get("node") == "conv2", "the report names the node: %s" % json.loads(text).get("node"))
    check(not os.path.exists(os.path.join(queue, source)), "the source left the queue")
    archived = glob.glob(os.path.join(queue, ".processed", "**", source), recursive=True)
    check(len(archived) == 1, "the source archived once: %s" % archived)
    print("ok: %s done on conv2 in %s" % (j["id"], os.path.relpath(folder, out)))
PY
pass "each Windows guest converted once, on the node with virtio-win: virtio disk, viostor installed"
touch "$D/.passed"
