#!/usr/bin/env bash
# daemon-faults.sh POINT: the daemon dies (H2K_FAULT: _exit(137), as if
# SIGKILLed) when a job reaches POINT, with two VMs queued; restarted without
# the fault, it finishes both exactly once (issue #9, item 3):
#   - each VM published once (one folder: disk + XML + report.json), no
#     staging folder left, .errors/ empty, every source archived once,
#     nothing left in the queue (tests/integration/exactly_once.py);
#   - the killed job done with attempts 2 when the kill came before its
#     publish (the run is redone; the crash is not charged: interrupted 1),
#     1 when after (its published folder is recognised: not redone);
#   - what the kill left on disk is what POINT says (checked before the
#     restart, so each test really reaches its point), and the restart's log
#     says what recovery did with it.
# Copy-only conversions (guest_fixes: false): this is about the job
# lifecycle. VMs: alpha (streamOptimized VMDK, one file) is job-1, beta (VMX +
# monolithicSparse VMDK, two files) is job-2; the fault targets alpha, except
# mid_archive, which needs a VM with a second file still to archive: beta.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
source "$(dirname "$0")/wave-lib.sh"
POINT=${1:?usage: daemon-faults.sh POINT}
case $POINT in
  before_staging|mid_copy|staging_complete) expect_attempts=2 ;;
  after_publish_rename|after_done_commit|mid_archive) expect_attempts=1 ;;
  *) fail "unknown fault point '$POINT'" ;;
esac
unset H2K_FAULT  # only the first daemon gets it

new_daemon_dir
trap 'stop_daemon_quietly; rm -rf "$D"' EXIT
write_config "max_concurrent_jobs: 2
file_stable_timeout: 2
enable_deduplication: false
conversion:
  guest_fixes: false"
stage_vm alpha vmdk-streamOptimized
stage_vm beta vmx
write_expect "$D/expect.json" alpha beta
if [[ $POINT == mid_archive ]]; then target=job-2 victim=beta; else target=job-1 victim=alpha; fi

start_daemon H2K_FAULT="$POINT:job=${target#job-}"
grep -q "fault injection armed (H2K_FAULT): $POINT for $target" "$DAEMON_LOG" || fail "the daemon did not log the armed fault"
# Paused while both are dropped: both are queued when the first one starts,
# and job ids follow the drop order.
ctl pause >/dev/null
drop_queued alpha job-1
drop_queued beta job-2
# The answer to resume and the first assignment leave with the same commit,
# so at an early POINT the daemon may die before its answer is written: a
# lost answer is fine, the loop below checks that it died at POINT.
ctl resume >/dev/null || echo "note: no answer to resume (the daemon may have died at $POINT first)"

# The daemon must die at POINT, not finish the wave.
end=$((SECONDS + 300))
while kill -0 "$DAEMON_PID" 2>/dev/null; do
  (( SECONDS < end )) || fail "the daemon did not reach $POINT for $target within 300 s"
  # (jobs_in_state: done AND archived; at after_done_commit the target's
  # "done" is visible for the moment the archiver takes to reach the point.)
  if [[ "$(jobs_in_state done 2>/dev/null)" == 2 ]]; then
    fail "both jobs finished: $POINT was never reached by $target"
  fi
  sleep 0.5
done
rc=0; wait "$DAEMON_PID" || rc=$?
[[ $rc == 137 ]] || { tail -n 20 "$D/daemon.stdout" "$DAEMON_LOG" >&2; fail "the daemon exited with $rc, expected 137"; }
grep -qx "H2K_FAULT: $POINT reached by $target: exiting with 137" "$D/daemon.stdout" ||
  { cat "$D/daemon.stdout" >&2; fail "no H2K_FAULT line for $POINT/$target on the daemon's stderr"; }
pass "the daemon exited with 137 at $POINT of $target ($victim)"

# What the kill left: the state each point stands for.
published=$(find "$O" -mindepth 2 -maxdepth 2 -type d -name "$victim" | head -n 1)
staging=$(find "$O" -mindepth 1 -maxdepth 2 -type d -name ".$victim.partial-$target.e1.*" | head -n 1)
vsrc=$(primary_of "$victim")
case $POINT in
  before_staging)
    [[ -z "$published$staging" ]] || fail "$POINT: something was written for $victim: $published$staging"
    [[ -f "$Q/$vsrc" ]] || fail "$POINT: $vsrc left the queue" ;;
  mid_copy|staging_complete)
    [[ -z "$published" ]] || fail "$POINT: $victim was published: $published"
    [[ -n "$staging" ]] || fail "$POINT: no staging folder .$victim.partial-$target.e1.<instance> in the output folder"
    [[ -n "$(find "$staging" -type f -size +0 -name "*.qcow2")" ]] || fail "$POINT: the staging folder holds no disk data"
    if [[ $POINT == staging_complete ]]; then
      [[ -f "$staging/$victim.xml" && -f "$staging/report.json" ]] || fail "$POINT: the staging folder is not complete: $(ls -A "$staging")"
    fi
    [[ -f "$Q/$vsrc" ]] || fail "$POINT: $vsrc left the queue" ;;
  after_publish_rename|after_done_commit)
    [[ -n "$published" && -z "$staging" ]] || fail "$POINT: $victim not published (or staging left): '$published' '$staging'"
    [[ -f "$Q/$vsrc" ]] || fail "$POINT: $vsrc was archived before the restart" ;;
  mid_archive)
    [[ -n "$published" ]] || fail "$POINT: $victim not published"
    in_queue=$(cut -d' ' -f1 "$D/in/$victim.sources" | while read -r f; do [[ -f "$Q/$f" ]] && echo "$f"; done)
    archived=$(find "$Q/.processed" -type f 2>/dev/null | xargs -r -n1 basename | grep "^$victim\." || true)
    [[ $(echo "$in_queue" | grep -c .) == 1 && $(echo "$archived" | grep -c .) == 1 ]] ||
      fail "$POINT: expected one of $victim's two files archived and one in the queue; queue: [$in_queue] archived: [$archived]" ;;
esac
pass "the kill left what $POINT stands for${staging:+ (staging $(basename "$staging"))}${published:+ (published ${published#$O/})}"

# Restart without the fault; both jobs finish.
mark=$(wc -l <"$DAEMON_LOG")
start_daemon
wait_until 300 "both jobs to be done after the restart" all_done 2
restart_log=$D/restart.log
tail -n +"$((mark + 1))" "$DAEMON_LOG" >"$restart_log"
echo "--- recovery in the restart's log ---"
grep -E "interrupted|already published|unfinished output|archiving|archived|started|succeeded|stale" "$restart_log" | cut -c1-220 || true

need() { grep -qE "$1" "$restart_log" || fail "the restart's log does not say: $2"; }
never() { ! grep -qE "$1" "$restart_log" || fail "the restart's log says: $2: $(grep -E "$1" "$restart_log" | head -n 1)"; }
case $POINT in
  before_staging|mid_copy|staging_complete)
    need "job $target was interrupted \(daemon stopped or crashed\): queued again" "$target was interrupted and queued again"
    need "job $target started \(attempt 2, epoch 2," "$target ran again (attempt 2, epoch 2)"
    if [[ -n "$staging" ]]; then
      need "removed the unfinished output .*/$(basename "$staging")" "the dead attempt's staging folder $(basename "$staging") was removed"
    fi ;;
  after_publish_rename)
    need "job $target had already published [0-9-]+/$victim before the restart: marked done" "$target's publication was recognised"
    need "job $target: finishing the archiving of its sources" "$target's sources are archived at start-up"
    need "job $target: sources archived to " "$target's sources were archived"
    never "job $target (started|was interrupted)" "$target was run again" ;;
  after_done_commit|mid_archive)
    need "job $target: finishing the archiving of its sources" "$target's interrupted archiving is finished at start-up"
    need "job $target: sources archived to " "$target's sources were archived"
    never "job $target (started|was interrupted|had already published)" "$target was recovered as if still running" ;;
esac
never "failed for good|stale .* dropped" "a job failed or a stale report arrived"
pass "the restart's log says what recovery did"

check_exactly_once "$D/expect.json" --attempts "$target=$expect_attempts" || fail "exactly-once conditions after $POINT"
ctl --json list-jobs | python3 -c '
import json, sys
for j in sorted(json.load(sys.stdin)["jobs"], key=lambda j: j["id"]):
    print("  %s %-5s attempts %d interrupted %d epoch %d -> %s" % (j["id"], j["state"], j["attempts"], j["interrupted"], j["epoch"], j["output_path"]))'
ctl drain >/dev/null
wait_exit "$DAEMON_PID" 60 || fail "the daemon exited non-zero after drain"
pass "$POINT: both VMs exactly once after the restart ($target attempts $expect_attempts)"
