#!/usr/bin/env bash
# vsphere.daemon.<part>: the one-command migration, `hyperctl convert --vm`,
# through the daemon's export slots against the vCenter simulator, checked as
# an operator would: exit codes, what --follow shows, the output, the state
# of the queue, and the simulator's own trace of every lease.
#   boot     the fixture guest (streamOptimized VMDK) uploaded over a VM's
#            disk: `hyperctl convert --vm --follow` exports, converts (guest
#            fixes on) and exits 0 naming the domain XML; the result boots on
#            virtio under TCG; the exported files are archived, nothing stays
#            in .exports; the lease completed; `hyperctl logs` tells the story;
#            the password appears in no log, file or output
#   retry    the simulator is killed mid-download: the attempt fails with the
#            host named, nothing partial stays in the queue, the job waits for
#            its retry; the simulator comes back (same address and password)
#            and the same job completes (copy-only conversion); a VM that does
#            not exist and a wrong password fail for good with clear errors
#   sigterm  SIGTERM to the daemon mid-export: the lease is aborted, nothing
#            stays in the queue; the restarted daemon (password now from its
#            own environment: the submitter's is never stored) exports the job
#            again under a new lease and completes it; the conversion-complete
#            callback (callback_all_jobs: false) comes, signed, for the
#            exported job only, not for an ordinary one
set -euo pipefail
PART=${1:?usage: daemon-export.sh boot|retry|sigterm}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../integration/lib.sh"
source "$HERE/../integration/daemon-lib.sh"
source "$HERE/lib/vcsim.sh"
vcsim_available || { echo "skipped: no vCenter simulator kit in $VCSIM_KIT"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/h2k-vsphere-daemon.XXXXXX")
DAEMON_PID=
cleanup() {
  [[ -n $DAEMON_PID ]] && kill -9 "$DAEMON_PID" 2>/dev/null || true
  [[ -n ${HOOK_PID:-} ]] && kill "$HOOK_PID" 2>/dev/null || true
  stop_vcsim
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $W ${D:-}"; else rm -rf "$W" "${D:-}"; fi
}
trap cleanup EXIT

VM=DC0_H0_VM0

# upload_disk VMDK: replaces the first disk file of $VM with VMDK.
upload_disk() {
  local file
  file=$(govc device.info -vm "$VM" -json 'disk-*' | python3 -c '
import json, sys
print(json.load(sys.stdin)["Devices"][0]["Backing"]["FileName"].split("] ", 1)[1])')
  govc datastore.upload "$1" "$file" >/dev/null 2>&1 || fail "upload of $1 to $file"
}

# submit [ARGS...]: hyperctl convert --vm $VM against the simulator, job id on stdout.
submit() {
  VSPHERE_PASSWORD=$VCSIM_PASSWORD ctl convert --vm "$VM" --vcenter "$VCSIM_HOST" --username "$VCSIM_USER" --insecure \
    --json "$@" >"$W/submit.json" 2>"$W/submit.err" || fail "hyperctl convert refused: $(cat "$W/submit.err" "$W/submit.json")"
  json_get "$W/submit.json" 'j["job"]["id"]'
}

job_field() {  # ID PYTHON-EXPR-ON-j (j = the job view)
  ctl job-status "$1" --json >"$W/status.json" 2>/dev/null || return 1
  json_get "$W/status.json" "(lambda j: $2)(j['job'])"
}
# "done" once its files are archived too (moved just after "done" is durable).
job_state_is() {
  [[ $(job_field "$1" 'j["state"] if j["state"] != "done" or not j.get("archive_pending") else "archiving"') == "$2" ]]
}

lease_trace() { grep '^vcsim-lease ' "$VCSIM_LOG" || true; }
queue_leftovers() { find "$Q/.exports" -type f 2>/dev/null || true; }
part_size() { find "$Q/.exports" -name '*.part' -printf '%s\n' 2>/dev/null | sort -n | tail -1; }
has_part_of() { local s; s=$(part_size); [[ -n $s && $s -ge $1 ]]; }

# The password must not be written anywhere the daemon or hyperctl write.
check_no_password() {
  local hits
  hits=$(grep -rlF -- "$VCSIM_PASSWORD" "$D" "$W"/*.json "$W"/*.err "$W"/*.log 2>/dev/null | grep -v '/vcsim' || true)
  [[ -z $hits ]] || fail "the vCenter password appears in: $hits"
  pass "the password appears in no log, state file or output"
}

part_boot() {
  local fix=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}/vmdk-streamOptimized/debian12-vmware.vmdk
  [[ -f $fix ]] || fail "fixture $fix missing"
  start_vcsim "$W/sim"
  upload_disk "$fix"
  # The VM's NIC gets the MAC the fixture guest was installed with, as the
  # guest's own network configuration and its VM agree in the field.
  govc vm.network.change -vm "$VM" -net "VM Network" -net.address 00:50:56:aa:bb:01 ethernet-0 ||
    fail "cannot set the MAC of $VM's NIC"
  new_daemon_dir
  write_config "export:
  concurrent_exports: 1"
  start_daemon
  local t0=$SECONDS rc=0
  VSPHERE_PASSWORD=$VCSIM_PASSWORD ctl convert --vm "$VM" --vcenter "$VCSIM_HOST" --username "$VCSIM_USER" --insecure \
    --follow >"$W/follow.log" 2>"$W/follow.err" || rc=$?
  cat "$W/follow.log" "$W/follow.err" | tail -n 25
  ((rc == 0)) || fail "hyperctl convert --vm --follow exited $rc"
  contains 'export' <"$W/follow.log" || fail "--follow never showed the export phase"
  contains 'virsh define' <"$W/follow.log" || fail "--follow did not end with the command to define the domain"
  pass "hyperctl convert --vm --follow: exported and converted in $((SECONDS - t0)) s, exit 0"

  local id
  id=$(ctl list-jobs --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
  wait_until 30 "job $id done, its files archived" job_state_is "$id" done
  local xml
  xml=$(job_field "$id" 'j["domain_xml"]')
  [[ -f $xml ]] || fail "job-status names no domain XML (got '$xml')"
  [[ $(job_field "$id" 'j["vsphere"]["exported"]') == True ]] || fail "the job does not say it was exported"
  virt-xml-validate "$xml" domain >/dev/null || fail "domain XML $xml does not validate"
  lease_trace | contains 'event=complete' || fail "the export lease was not completed: $(lease_trace)"
  if lease_trace | contains 'event=abort'; then fail "a lease was aborted: $(lease_trace)"; fi
  [[ -z $(queue_leftovers) ]] || fail "files left in the queue's .exports: $(queue_leftovers)"
  find "$Q/.processed" -path "*$id-e*/$VM/disk-0.vmdk" | grep -q . || fail "the exported disk was not archived under .processed"
  pass "lease completed; exported files archived under .processed, .exports empty; domain XML valid"

  ctl logs "$id" >"$W/logs.log" 2>&1 || fail "hyperctl logs $id failed: $(cat "$W/logs.log")"
  for word in queued exported succeeded; do contains "$word" <"$W/logs.log" || fail "hyperctl logs lacks '$word': $(cat "$W/logs.log")"; done
  pass "hyperctl logs: $(wc -l <"$W/logs.log") lines from queued through exported to succeeded"
  check_no_password

  read -r disk fmt mac < <(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
d = ET.parse(sys.argv[1]).getroot()
disk = d.find("./devices/disk"); mac = d.find("./devices/interface/mac")
print(disk.find("source").get("file"), disk.find("driver").get("type"), mac.get("address") if mac is not None else "")
PY
  )
  local line
  line=$(bash "$SRC_DIR/tests/fixtures/boot-check.sh" "$disk" --format "$fmt" --bus virtio --nic virtio --mac "$mac" \
          --timeout "${H2K_BOOT_TIMEOUT:-420}" --log "$W/serial.log" | grep 'H2K-BOOT-OK' || true)
  [[ -n $line ]] || { tail -n 40 "$W/serial.log" >&2 || true; fail "the migrated guest did not boot on virtio"; }
  [[ $mac == 00:50:56:aa:bb:01 ]] || fail "the domain does not keep the VM's MAC: $mac"
  [[ $line == *"state=up"* ]] || fail "guest NIC is not up: $line"
  pass "the migrated guest boots on virtio under TCG: $line"
}

part_retry() {
  make_vmdk d0 24
  # Paced (2 MB/s): the download takes about 12 s, time to kill the simulator mid-way.
  VCSIM_FIXED_PASSWORD="pw-fixed-$RANDOM$RANDOM" start_vcsim "$W/sim" VCSIM_NFC_RATE=2M
  local port=${VCSIM_HOST##*:} password=$VCSIM_PASSWORD
  upload_disk "$W/d0.vmdk"
  new_daemon_dir
  write_config "export:
  concurrent_exports: 1
  parallel_disks: 1
retry_policy:
  enabled: true
  max_retries: 3
  retry_delay: 15
conversion:
  guest_fixes: false
  libvirt_uri: test:///default"
  start_daemon
  local id
  id=$(submit --define)
  wait_until 60 "a partial download in .exports" has_part_of $((2 << 20))
  stop_vcsim  # kill -9: the vCenter is gone mid-download
  pass "simulator killed with $(part_size) bytes of disk-0 downloaded"
  wait_until 90 "job $id waiting for its retry" job_state_is "$id" retry_wait
  local err
  err=$(job_field "$id" 'j["last_error"]["reason"]')
  [[ $err == *127.0.0.1* ]] || fail "the error does not name the vCenter host: $err"
  [[ -z $(queue_leftovers) ]] || fail "partial files left in the queue: $(queue_leftovers)"
  pass "attempt failed ($err); nothing partial left in the queue; retry scheduled"

  # The vCenter comes back at the same address; its inventory is new: the VM's disk again.
  VCSIM_PORT=$port VCSIM_FIXED_PASSWORD=$password start_vcsim "$W/sim2"
  upload_disk "$W/d0.vmdk"
  wait_until 180 "job $id done" job_state_is "$id" done
  local out
  out=$(job_field "$id" 'j["output_dir"]')
  local disk
  disk=$(find "$out" -name '*.qcow2' | head -1)
  [[ -f $disk ]] || fail "no converted disk in $out"
  qemu-img compare -f vmdk "$W/d0.vmdk" -F qcow2 "$disk" >/dev/null || fail "the converted disk differs from the VM's disk"
  [[ $(job_field "$id" 'j["attempts"]') == 1 ]] || fail "conversion attempts: $(job_field "$id" 'j["attempts"]')"
  [[ $(json_get "$out/report.json" 'j["output"]["defined"]') == True ]] ||
    fail "--define: the domain was not defined on test:///default: $(json_get "$out/report.json" 'j["output"]')"
  [[ -z $(queue_leftovers) ]] || fail "files left in .exports: $(queue_leftovers)"
  lease_trace | contains 'event=complete' || fail "the second lease was not completed: $(lease_trace)"
  pass "the simulator is back: the same job exported again and converted once, disk identical"

  # Faults that no retry can fix: they fail for good, saying why.
  VM=NoSuchVM
  id=$(submit)
  wait_until 60 "job $id failed" job_state_is "$id" failed
  err=$(job_field "$id" 'j["last_error"]["reason"]')
  [[ $err == *NoSuchVM* && $err == *"not found"* ]] || fail "unclear error for a missing VM: $err"
  [[ $(job_field "$id" 'j["attempts"]') == 1 ]] || fail "a missing VM was retried"
  [[ -f $Q/.errors/NoSuchVM.error.json ]] || fail "no .errors/NoSuchVM.error.json"
  pass "missing VM: failed at once: $err"
  VM=DC0_H0_VM0
  VCSIM_PASSWORD=wrong-password-$RANDOM id=$(submit)
  wait_until 60 "job $id failed" job_state_is "$id" failed
  err=$(job_field "$id" 'j["last_error"]["reason"]')
  [[ $err == *[Ll]ogin* || $err == *password* || $err == *credentials* ]] || fail "unclear error for a wrong password: $err"
  VCSIM_PASSWORD=$password
  check_no_password
  pass "wrong password: failed at once: $err"
}

part_sigterm() {
  new_daemon_dir
  start_webhook_receiver
  local secret=cb-$RANDOM$RANDOM
  ( umask 077; echo "$secret" >"$W/callback.secret" )
  make_vmdk d0 24
  start_vcsim "$W/sim" VCSIM_NFC_RATE=2M
  upload_disk "$W/d0.vmdk"
  write_config "export:
  concurrent_exports: 1
  parallel_disks: 1
vsphere:
  username: $VCSIM_USER
conversion:
  guest_fixes: false
notifications:
  callback_url: http://127.0.0.1:$HOOK_PORT/hook
  callback_secret_file: $W/callback.secret"
  # The daemon's own password: used once the submitter's is gone (restart).
  start_daemon VSPHERE_PASSWORD="$VCSIM_PASSWORD"
  local id
  id=$(submit)
  local epoch1
  wait_until 60 "a partial download in .exports" has_part_of $((2 << 20))
  epoch1=$(job_field "$id" 'j["epoch"]')
  kill -TERM "$DAEMON_PID"
  local i
  for i in $(seq 1 60); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$DAEMON_PID" 2>/dev/null && fail "the daemon did not exit within 30 s of SIGTERM"
  wait "$DAEMON_PID" 2>/dev/null || true
  lease_trace | contains 'event=abort' || fail "SIGTERM: the lease was not aborted: $(lease_trace)"
  [[ -z $(queue_leftovers) ]] || fail "SIGTERM: files left in the queue: $(queue_leftovers)"
  pass "SIGTERM mid-export: lease aborted, nothing left in the queue"

  start_daemon VSPHERE_PASSWORD="$VCSIM_PASSWORD"
  wait_until 180 "job $id done after the restart" job_state_is "$id" done
  local epoch2
  epoch2=$(job_field "$id" 'j["epoch"]')
  ((epoch2 > epoch1)) || fail "the job ran again under the same lease (epoch $epoch1 -> $epoch2)"
  [[ $(lease_trace | grep -c 'event=complete') == 1 ]] || fail "expected exactly one completed lease: $(lease_trace)"
  local disk
  disk=$(find "$(job_field "$id" 'j["output_dir"]')" -name '*.qcow2' | head -1)
  qemu-img compare -f vmdk "$W/d0.vmdk" -F qcow2 "$disk" >/dev/null || fail "the converted disk differs from the VM's disk"
  [[ $(find "$O" -name '*.qcow2' | wc -l) == 1 ]] || fail "more than one output: $(find "$O" -name '*.qcow2')"
  pass "restarted daemon exported again (epoch $epoch1 -> $epoch2) with its own credentials: one output, identical disk"

  # An ordinary job (a file queued by hand, which fails): no callback for it.
  head -c 4096 /dev/urandom >"$W/garbage.vmdk"
  local plain
  plain=$(ctl --json queue-job "$W/garbage.vmdk" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["id"])')
  wait_until 120 "job $plain failed" job_state_is "$plain" failed
  sleep 2
  python3 - "$HOOK_LOG" "$secret" "$id" "$plain" <<'PY' || fail "callbacks: $(cat "$HOOK_LOG" 2>/dev/null)"
import hashlib, hmac, json, sys
log, secret, exported, plain = sys.argv[1:]
calls = [json.loads(l) for l in open(log)]
bodies = []
for c in calls:
    h = {k.lower(): v for k, v in c["headers"].items()}
    want = "sha256=" + hmac.new(secret.encode(), c["raw"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(h["x-hyper2kvm-signature"], want), (h, want)
    bodies.append(json.loads(c["raw"]))
mine = [b for b in bodies if b["job_id"] == exported]
assert len(mine) == 1 and mine[0]["status"] == "success", bodies
assert any(f.endswith(".qcow2") for f in mine[0]["files"]), mine
assert not [b for b in bodies if b["job_id"] == plain], bodies
PY
  pass "signed conversion-complete callback for the exported job, none for the ordinary one"
}

"part_$PART"
