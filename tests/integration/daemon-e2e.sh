#!/usr/bin/env bash
# The daemon end to end, with the real process and real fixture images:
#  - app01: an OVF package arriving in two steps (descriptor + .mf first, the
#    disk 5 s later) must become ONE job once the disk is there;
#  - web01.vhdx grows slowly while being "copied" (6 chunks, 2 s apart) and
#    must not be taken before it is complete;
#  - db01.vmdk: a plain VMDK;
#  - junk.vmdk: garbage, must land in .errors/ with its .error.json;
#  - db01.vmdk again after it was converted: a duplicate, skipped and archived.
# All three VMs convert, the outputs appear under output/<date>/<vm>/, the
# sources are archived, stats.json, metrics.prom and `hyperctl stats` agree,
# the webhook receiver got one notification per finished job (and never saw
# the token in the daemon log), every converted disk holds its guest's bytes,
# and `drain` ends the daemon with exit 0.
# Copy-only (guest_fixes: false): this test is about the daemon (arrival,
# grouping, stability, archiving, stats, notifications). The daemon's guest
# fixes are booted by vsphere.daemon.boot and run to the final audit by
# e2e.daemon_crash; the CLI's by e2e.verify_boot and e2e.layout.*.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}

new_daemon_dir
cleanup() { stop_daemon_quietly; [[ -n "${HOOK_PID:-}" ]] && kill "$HOOK_PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
start_webhook_receiver
write_config "max_concurrent_jobs: 2
file_stable_timeout: 60
retry_policy:
  enabled: false
notifications:
  enabled: true
  webhook_url: http://127.0.0.1:$HOOK_PORT/hooks/SECRET-TOKEN-42
  webhook_type: generic
  notify_on_success: true
  notify_on_failure: true
conversion:
  guest_fixes: false"
start_daemon
pass "daemon up: $(ctl status | head -1)"

today=$(date +%F)
# 1. OVF package in two steps.
mkdir -p "$D/stage"
tar -xf "$FIX/$(fixture_path ova)" -C "$D/stage"
ovf=$(cd "$D/stage" && ls *.ovf); mf=$(cd "$D/stage" && ls *.mf); disk=$(cd "$D/stage" && ls *.vmdk)
cp "$D/stage/$ovf" "$D/stage/$mf" "$Q/"
# 2. A VHDX that grows slowly, 3. a VMDK, 4. garbage.
vhdx="$FIX/$(fixture_path vhdx)"
size=$(stat -c %s "$vhdx"); chunk=$(( (size + 5) / 6 ))
(
  for i in 0 1 2 3 4 5; do
    dd if="$vhdx" of="$Q/web01.vhdx" bs="$chunk" skip="$i" seek="$i" count=1 conv=notrunc status=none
    sleep 2
  done
) &
grower=$!
cp "$FIX/$(fixture_path vmdk-monolithicSparse)" "$Q/db01.vmdk"
head -c 1048576 /dev/urandom >"$Q/junk.vmdk"
sleep 5
cp "$D/stage/$disk" "$Q/"
wait "$grower"
pass "dropped: $ovf + $mf (then $disk), web01.vhdx (grown over 12 s), db01.vmdk, junk.vmdk"

# The growing file must not have been taken before it was complete: its job
# (if any yet) was created after the last chunk was written.
last_write=$(date +%s)

done_jobs() { [[ "$(jobs_in_state done)" -ge 3 && "$(jobs_in_state failed)" -ge 1 ]]; }
wait_until 2400 "three conversions done and the garbage failed" done_jobs
ctl list-jobs

# Exactly the jobs expected: 3 done, 1 failed, nothing else.
[[ "$(jobs_in_state done)" == 3 ]] || fail "expected 3 done jobs"
[[ "$(jobs_in_state failed)" == 1 ]] || fail "expected 1 failed job"
for s in queued running retry_wait cancelled; do [[ "$(jobs_in_state $s)" == 0 ]] || fail "unexpected $s jobs"; done
ctl --json list-jobs >"$D/jobs.json"
python3 - "$D/jobs.json" "$O" "$today" "$ovf" "$disk" "$last_write" <<'PY' || fail "job records"
import json, os, sys, datetime
jobs = json.load(open(sys.argv[1]))["jobs"]; out, today, ovf, disk = sys.argv[2:6]; last_write = int(sys.argv[6])
by_src = {j["sources"][0]: j for j in jobs}
assert set(by_src) >= {ovf, "web01.vhdx", "db01.vmdk"}, by_src.keys()
# The OVF package is one job holding the descriptor, the manifest and the disk.
assert disk not in by_src, "the OVF's disk became a job of its own"
assert set(by_src[ovf]["sources"]) == {ovf, disk, ovf[:-4] + ".mf"}, by_src[ovf]["sources"]
for src in (ovf, "web01.vhdx", "db01.vmdk"):
    j = by_src[src]
    assert j["state"] == "done", j
    # Relative to the output folder (a host mounting the share elsewhere reads the same).
    assert j["output_path"].startswith(today + "/"), j["output_path"]
    p = os.path.join(out, j["output_path"])
    assert os.path.isfile(os.path.join(p, "report.json")), p
    r = json.load(open(os.path.join(p, "report.json")))
    assert r["status"] == "success", r["status"]
created = datetime.datetime.fromisoformat(by_src["web01.vhdx"]["created_at"].replace("Z", "+00:00")).timestamp()
assert created >= last_write, "web01.vhdx was queued %.1f s before its last chunk was written" % (last_write - created)
junk = [j for j in jobs if j["state"] == "failed"][0]
assert junk["last_error"]["kind"] == "invalid_input", junk
print("jobs ok")
PY
pass "3 jobs done with outputs under $O/$today/, OVF package converted as one job"

# Nothing half-written under the output folder.
[[ -z "$(find "$O" -name '.*partial*')" ]] || fail "a staging folder is visible under $O"
# Sources archived; garbage set aside with its report.
for f in "$ovf" "$mf" "$disk" web01.vhdx db01.vmdk; do
  [[ -f "$Q/.processed/$today/$f" ]] || fail "$f not archived to .processed/$today/"
  [[ ! -e "$Q/$f" ]] || fail "$f still in the queue"
done
[[ -f "$Q/.errors/junk.vmdk" ]] || fail "junk.vmdk not moved to .errors/"
ej="$Q/.errors/junk.vmdk.error.json"
[[ -f "$ej" ]] || fail "no $ej"
python3 - "$ej" "$Q" <<'PY' || fail ".error.json fields"
import json, sys
e = json.load(open(sys.argv[1]))
for k in ("filename", "filepath", "file_size_mb", "timestamp", "error", "phase", "log_tail", "suggestion", "system_info", "retry_info"):
    assert k in e, "missing " + k
assert e["filename"] == "junk.vmdk", e["filename"]
assert "junk.vmdk" in e["error"], e["error"]
assert e["system_info"]["disk_space_free_gb"] is not None and e["system_info"]["memory_available_gb"] is not None
print("error.json ok:", e["error"])
PY
pass "sources archived, garbage in .errors/ with a complete error.json"

# 5. The duplicate.
cp "$FIX/$(fixture_path vmdk-monolithicSparse)" "$Q/db01.vmdk"
dup_archived() { [[ ! -e "$Q/db01.vmdk" ]] && ls "$Q/.processed/$today/" | contains '^db01.vmdk.1$'; }
wait_until 120 "the duplicate db01.vmdk to be archived" dup_archived
[[ "$(jobs_in_state done)" == 3 && "$(jobs_in_state queued)" == 0 && "$(jobs_in_state running)" == 0 ]] || fail "the duplicate was queued"
grep -q "db01.vmdk is a duplicate of job" "$DAEMON_LOG" || fail "the duplicate was not logged"
pass "duplicate skipped and archived"

# Stats: the file, the metrics and the control socket agree.
ctl stats
ctl --json stats >"$D/stats-reply.json"
sleep 3  # stats.json is written at most once a second after an event
python3 - "$D/state/stats.json" "$D/state/metrics.prom" "$D/stats-reply.json" <<'PY' || fail "statistics"
import json, re, sys
s = json.load(open(sys.argv[1])); live = json.load(open(sys.argv[3]))["stats"]
m = {}
for line in open(sys.argv[2]):
    if line.startswith("#") or not line.strip(): continue
    name, value = line.rsplit(" ", 1); m[name] = float(value)
for doc in (s, live):
    assert doc["total_processed"] == 3, doc["total_processed"]
    assert doc["total_failed"] == 1, doc["total_failed"]
    assert doc["total_duplicates"] == 1, doc["total_duplicates"]
    assert abs(doc["success_rate"] - 75.0) < 0.05, doc["success_rate"]
    assert doc["current_queue_depth"] == 0
assert m['hyper2kvm_conversions_total{status="succeeded"}'] == 3, m
assert m['hyper2kvm_conversions_total{status="failed"}'] == 1, m
assert m['hyper2kvm_conversions_total{status="duplicate"}'] == 1, m
assert m["hyper2kvm_conversion_duration_seconds_count"] == 3, m
assert m["hyper2kvm_queue_depth"] == 0 and m["hyper2kvm_active_conversions"] == 0, m
assert m["hyper2kvm_bytes_converted_total"] > 0
assert set(s["by_file_type"]) >= {"ovf", "vhdx", "vmdk"}, s["by_file_type"].keys()
print("stats ok: processed", s["total_processed"], "failed", s["total_failed"], "avg", s["average_processing_time_seconds"])
PY
ctl --json stats --prometheus | python3 -c 'import json,sys; t=json.load(sys.stdin)["metrics"]; assert "hyper2kvm_conversions_total" in t' \
  || fail "stats --prometheus over the socket"
pass "stats.json, metrics.prom and hyperctl stats agree"

# Notifications: one per finished job, and the token never logged.
python3 - "$HOOK_LOG" <<'PY' || fail "webhook notifications"
import json, sys
events = [json.loads(l)["body"]["event"] for l in open(sys.argv[1])]
assert events.count("conversion_success") == 3, events
assert events.count("conversion_failure") == 1, events
print("webhook events:", events)
PY
! grep -q "SECRET-TOKEN-42" "$DAEMON_LOG" "$D/daemon.stdout" || fail "the webhook token appears in the daemon log"
pass "webhook got 3 successes and 1 failure; token not logged"

# Every converted disk holds exactly its guest's bytes (the slowly grown VHDX
# included: taken only once complete), read through qemu-img from the sources
# the daemon archived.
python3 - "$D/jobs.json" "$O" "$Q/.processed/$today" "$ovf" "$disk" >"$D/pairs.txt" <<'PY'
import json, os, sys
jobs = {j["sources"][0]: j for j in json.load(open(sys.argv[1]))["jobs"]}
out, archived, ovf, disk = sys.argv[2:6]
for primary, src in ((ovf, disk), ("web01.vhdx", "web01.vhdx"), ("db01.vmdk", "db01.vmdk")):
    folder = os.path.join(out, jobs[primary]["output_path"])
    qcow2 = [f for f in os.listdir(folder) if f.endswith(".qcow2")]
    assert len(qcow2) == 1, (folder, os.listdir(folder))
    print(os.path.join(archived, src), os.path.join(folder, qcow2[0]))
PY
while read -r src converted; do
  qemu-img compare "$src" "$converted" >/dev/null || fail "$converted does not hold the bytes of $src"
done <"$D/pairs.txt"
[[ $(wc -l <"$D/pairs.txt") == 3 ]] || fail "expected 3 converted disks"
pass "the 3 converted disks hold their guests' bytes (qemu-img compare with the archived sources)"

# drain: the daemon exits 0 and leaves its state consistent.
ctl drain
wait_exit "$DAEMON_PID" 60 || fail "daemon exited non-zero after drain"
[[ ! -S "$D/state/control.sock" ]] || fail "control socket left behind after drain"
[[ ! -e "$O/.daemon" ]] || fail "the daemon wrote its state into the output folder ($O/.daemon) instead of state_dir"
pass "drain: daemon exited 0"
