#!/usr/bin/env bash
# kill -9 the daemon in the middle of a conversion, start it again: the job
# runs again and is published exactly once; nothing is lost or half-written.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}

new_daemon_dir
trap 'stop_daemon_quietly; rm -rf "$D"' EXIT
# The full guest phase (appliance, fixes, initramfs rebuild, final audit):
# the kill must interrupt it, and the rerun must pass the audit (a guest
# without virtio in its initramfs is refused, so no shortcut here).
write_config "max_concurrent_jobs: 1
file_stable_timeout: 60"
start_daemon
cp "$FIX/$(fixture_path vmdk-streamOptimized)" "$Q/crash01.vmdk"

# Wait until the conversion is well under way (past the copy, inside the
# guest phase: the appliance and the guest-fix child are running).
in_guest_phase() {
  ctl --json list-jobs --state running | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["jobs"]
sys.exit(0 if jobs and jobs[0]["progress"] and jobs[0]["progress"]["phase"] in ("inspect", "fix", "guest") else 1)'
}
wait_until 600 "the job to reach the guest phase" in_guest_phase
job_id=$(ctl --json list-jobs --state running | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
# This daemon's own descendants (other tests may run conversions meanwhile):
# the guest-fix child, libguestfs' recovery process, the qemu appliance.
descendants() { local p; for p in $(pgrep -P "$1" || true); do echo "$p"; descendants "$p"; done; }
children=$(descendants "$DAEMON_PID")
pgrep -P "$DAEMON_PID" -f "__guest-fix" >/dev/null || fail "no guest-fix child while in the guest phase"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
pass "daemon killed with SIGKILL while $job_id was in the guest phase"
sleep 2
# Nothing was published; the child processes died with the daemon.
[[ -z "$(find "$O" -mindepth 2 -maxdepth 2 -path "$O/20*" -not -name '.*')" ]] || fail "a VM folder was published by the killed run"
for i in $(seq 1 20); do
  alive=""; for p in $children; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
  [[ -z "$alive" ]] && break; sleep 0.5
done
[[ -z "$alive" ]] || fail "processes of the killed daemon outlived it:$(for p in $alive; do echo; ps -o pid=,args= -p "$p" | cut -c1-120; done)"
[[ -f "$Q/crash01.vmdk" ]] || fail "the source left the queue"

start_daemon
grep -q "job $job_id was interrupted" "$DAEMON_LOG" || fail "the restart did not report the interrupted job"
finished() {
  # A job that failed for good will never be done: say why at once.
  if [[ "$(jobs_in_state failed)" != 0 ]]; then
    tail -n 20 "$DAEMON_LOG" >&2; fail "the interrupted job failed after the restart"
  fi
  [[ "$(jobs_in_state done)" == 1 ]]
}
wait_until 1200 "the interrupted job to finish after the restart" finished
ctl job-status "$job_id"
ctl --json job-status "$job_id" >"$D/job.json"
python3 - "$D/job.json" "$O" <<'PY' || fail "job after restart"
import json, os, sys, glob
j = json.load(open(sys.argv[1]))["job"]
assert j["state"] == "done", j["state"]
assert j["attempts"] == 2, "attempts %s (1 killed + 1 completed expected)" % j["attempts"]
published = [p for p in glob.glob(os.path.join(sys.argv[2], "20*", "*")) if not os.path.basename(p).startswith(".")]
assert not os.path.isabs(j["output_path"]), "output_path must be relative to the output folder: " + j["output_path"]
assert published == [os.path.join(sys.argv[2], j["output_path"])], (published, j["output_path"])
print("published once:", published[0])
PY
[[ -z "$(find "$O" -name '.*partial*')" ]] || fail "a staging folder was left behind"
[[ "$(jobs_in_state queued)" == 0 && "$(jobs_in_state failed)" == 0 ]] || fail "unexpected job states after restart"
ctl drain
wait_exit "$DAEMON_PID" 120 || fail "daemon exited non-zero after drain"
# stats.json is written at most once a second after an event, and at exit.
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["total_processed"]==1, s["total_processed"]' \
  "$D/state/stats.json" || fail "stats.json total_processed != 1 after the drain"
pass "exactly one publication after kill -9 and restart; daemon drained"
