#!/usr/bin/env bash
# daemon-slots.sh PART: the daemon's slots and staging under faults (issue #9).
#   throw          a converter slot throws mid-job (H2K_FAULT=slot_throw:job=1,
#                  2 s into job-1's first attempt): the slot is replaced at once
#                  (status: slots_alive == max_concurrent_jobs == 2), the job is
#                  queued again, charged, and completes (done, attempts 2); the
#                  other job is untouched; each VM published once.
#   same_name      three VMX files whose VM is named web01, dropped at once with
#                  max_concurrent_jobs 3 and started together: three distinct
#                  output folders (web01, web01-<job>...), each complete.
#   shared_output  two daemons (own queue, own state) sharing one output folder:
#                  each daemon's start-up sweep removes its own dead staging
#                  folders and never the other's, nor a CLI run's
#                  (.x.partial-<pid>-<n>). Needs the state outside the output
#                  folder (state_dir); skipped (77) while it is still there.
# Copy-only conversions (guest_fixes: false).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
source "$(dirname "$0")/wave-lib.sh"
PART=${1:?usage: daemon-slots.sh throw|same_name|shared_output}
unset H2K_FAULT

base_config="file_stable_timeout: 2
enable_deduplication: false
conversion:
  guest_fixes: false"

case $PART in
throw)
  new_daemon_dir
  trap 'stop_daemon_quietly; rm -rf "$D"' EXIT
  # Each copy takes at least 4 s (a qemu-img first on the daemon's PATH
  # waits before the real one): job-1's first attempt is surely still running
  # when its slot throws, 2 s after it started, whatever the machine's speed.
  mkdir -p "$D/bin"
  cat >"$D/bin/qemu-img" <<SH
#!/bin/bash
if [[ "\$1" == convert ]]; then echo "\$(date +%s.%N) convert" >>"$D/convert-times"; sleep 4; fi
exec $(command -v qemu-img) "\$@"
SH
  chmod +x "$D/bin/qemu-img"
  write_config "max_concurrent_jobs: 2
$base_config"
  stage_vm alpha vmdk-streamOptimized
  stage_vm beta vmx
  write_expect "$D/expect.json" alpha beta
  start_daemon PATH="$D/bin:$PATH" H2K_FAULT=slot_throw:job=1
  ctl pause >/dev/null
  drop_queued alpha job-1
  drop_queued beta job-2
  ctl resume >/dev/null
  slot_lost() { grep -qE "slot-[0-9]+ stopped \(" "$DAEMON_LOG"; }
  wait_until 120 "the log to say a slot was lost" slot_lost
  sleep 1
  grep -E "stopped \(|job job-1 (cancelled|failed)" "$DAEMON_LOG" | cut -c1-220
  if ! grep -qE "slot-[0-9]+ stopped \(.*\) while running job job-1: replaced; the job is queued again \(charged as an attempt\)" "$DAEMON_LOG"; then
    ctl --json job-status job-1 | python3 -c 'import json,sys; j=json.load(sys.stdin)["job"]; print("job-1: state %s, attempts %s, last_error %s" % (j["state"], j["attempts"], j["last_error"]))' >&2 || true
    fail "job-1's slot died but the job was not queued again (charged) by the slot-loss handler; a \"job job-1 cancelled\" line means the dying slot's own cancelled report was taken for an operator's cancel-job"
  fi
  status_slots() { ctl --json status | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["max_concurrent_jobs"], s["slots_alive"])'; }
  read -r max alive < <(status_slots)
  [[ $max == 2 && $alive == 2 ]] || fail "after the slot loss: max_concurrent_jobs $max, slots_alive $alive (2 and 2 expected)"
  pass "job-1's slot threw and was replaced: slots_alive $alive of $max"
  wait_until 300 "both jobs to be done" all_done 2
  grep -qE "job job-1 started \(attempt 2, epoch 2," "$DAEMON_LOG" || fail "job-1 did not run again as attempt 2, epoch 2"
  read -r max alive < <(status_slots)
  [[ $max == 2 && $alive == 2 ]] || fail "at the end: max_concurrent_jobs $max, slots_alive $alive"
  [[ "$(grep -c "stopped (" "$DAEMON_LOG")" == 1 ]] || fail "more than one slot was lost: $(grep "stopped (" "$DAEMON_LOG")"
  ! grep -q "H2K_FAULT: " "$D/daemon.stdout" || fail "the daemon printed an exit fault line"
  kill -0 "$DAEMON_PID" || fail "the daemon is gone"
  check_exactly_once "$D/expect.json" --attempts job-1=2 || fail "exactly-once conditions after the slot loss"
  ctl --json status | python3 -c 'import json,sys; s=json.load(sys.stdin); print("status: slots_alive %s/%s, stale_results %s" % (s["slots_alive"], s["max_concurrent_jobs"], s["stale_results"]))'
  ctl drain >/dev/null
  wait_exit "$DAEMON_PID" 60 || fail "the daemon exited non-zero after drain"
  pass "a slot lost mid-job: replaced, its job completed on attempt 2, full slot count kept"
  ;;

same_name)
  new_daemon_dir
  trap 'stop_daemon_quietly; rm -rf "$D"' EXIT
  write_config "max_concurrent_jobs: 3
$base_config"
  # Three VMs named web01 (displayName), in three differently named VMX files.
  for v in a b c; do stage_vm "web01$v" vmx web01; done
  write_expect "$D/expect.json" web01a web01b web01c
  start_daemon
  ctl pause >/dev/null   # all three queued, then started together
  drop_queued web01a job-1
  drop_queued web01b job-2
  drop_queued web01c job-3
  ctl resume >/dev/null
  wait_until 300 "the three web01 jobs to be done" all_done 3
  # They really ran side by side: all three started before the first ended.
  python3 - "$DAEMON_LOG" <<'PY' || fail "the three jobs did not run at the same time"
import re, sys
started, first_end = set(), None
for n, line in enumerate(open(sys.argv[1])):
    m = re.search(r"job (job-\d) started", line)
    if m and first_end is None: started.add(m.group(1))
    if first_end is None and re.search(r"job job-\d (succeeded|failed)", line): first_end = n
assert started == {"job-1", "job-2", "job-3"}, started
PY
  check_exactly_once "$D/expect.json" || fail "exactly-once conditions for three same-name VMs"
  ctl --json list-jobs | python3 -c '
import json, sys
paths = sorted(j["output_path"] for j in json.load(sys.stdin)["jobs"])
assert len(set(paths)) == 3, paths
names = sorted(p.split("/")[-1] for p in paths)
assert names[0] == "web01" and all(n.startswith("web01-job-") for n in names[1:]), names
print("output folders:", ", ".join(paths))' || fail "output folder names"
  ctl drain >/dev/null
  wait_exit "$DAEMON_PID" 60 || fail "the daemon exited non-zero after drain"
  pass "three VMs named web01 converted at once: three distinct, complete output folders"
  ;;

shared_output)
  # Two daemons: variables of each kept apart (daemon-lib.sh works on the
  # globals of "the" daemon; everything it sets under $D is saved).
  save_daemon() {
    local v vars="D Q O CFG DAEMON_LOG DAEMON_PID"
    for v in $(compgen -v); do
      case " $vars " in *" $v "*) continue ;; esac
      [[ $v =~ ^(BASH|FUNCNAME|PIPESTATUS|_$) ]] && continue
      [[ "${!v:-}" == "$D"/* ]] && vars+=" $v"
    done
    declare -p $vars | sed 's/^declare \(-[-a-zA-Z]*\) /declare -g \1 /' >"$SAVED/$1"
  }
  use_daemon() { [[ -n "${CUR:-}" ]] && save_daemon "$CUR"; source "$SAVED/$1"; CUR=$1; }
  SAVED=$(mktemp -d)
  cleanup() {
    local n
    for n in A B; do [[ -f "$SAVED/$n" ]] || continue; use_daemon "$n"; stop_daemon_quietly; rm -rf "$D"; done
    rm -rf "$SAVED"
  }
  trap cleanup EXIT
  new_daemon_dir; DAEMON_PID=
  write_config "max_concurrent_jobs: 1
$base_config"
  stage_vm alpha vmdk-streamOptimized
  write_expect "$D/expect.json" alpha
  SHARED=$O
  CUR=A; save_daemon A
  new_daemon_dir; DAEMON_PID=
  rmdir "$O"; O=$SHARED
  write_config "max_concurrent_jobs: 1
$base_config"
  stage_vm beta vmx
  write_expect "$D/expect.json" beta
  CUR=B; save_daemon B

  # 1. A dies at staging_complete: a complete staging folder of A's dead attempt.
  use_daemon A
  start_daemon H2K_FAULT=staging_complete:job=1
  if [[ -e "$O/.daemon" ]]; then
    echo "SKIP: the daemon keeps its state in the output folder ($O/.daemon): two daemons cannot share it until state_dir exists"
    exit 77
  fi
  drop_vm alpha
  rc=0; wait_exit "$DAEMON_PID" 300 || rc=$?
  [[ $rc == 137 ]] || fail "daemon A exited with $rc, expected 137 at staging_complete"
  SA=$(find "$O" -mindepth 2 -maxdepth 2 -type d -name '.alpha.partial-job-1.e1.*')
  [[ -n "$SA" && $(wc -l <<<"$SA") == 1 ]] || fail "no (or more than one) staging folder of A's job-1: '$SA'"
  IA=${SA##*.}; DATE=$(basename "$(dirname "$SA")")
  pass "daemon A (instance $IA) died at staging_complete, leaving $(basename "$SA")"

  # 2. B starts (its sweep must leave A's staging), dies the same way.
  use_daemon B
  start_daemon H2K_FAULT=staging_complete:job=1
  [[ -d "$SA" ]] || fail "daemon B's start-up removed A's staging folder $SA"
  drop_vm beta
  rc=0; wait_exit "$DAEMON_PID" 300 || rc=$?
  [[ $rc == 137 ]] || fail "daemon B exited with $rc, expected 137 at staging_complete"
  SB=$(find "$O" -mindepth 2 -maxdepth 2 -type d -name '.beta.partial-job-1.e1.*')
  [[ -n "$SB" && $(wc -l <<<"$SB") == 1 ]] || fail "no (or more than one) staging folder of B's job-1: '$SB'"
  IB=${SB##*.}
  [[ $IA != "$IB" ]] || fail "both daemons have instance id $IA"
  [[ -d "$SA" ]] || fail "A's staging folder vanished while B ran"
  pass "daemon B (instance $IB) left A's staging alone, died leaving $(basename "$SB")"

  # 3. Folders of other writers: a CLI run's (pid-n), B's of another job
  #    (as if B were writing it right now), and one of A's own that no job of
  #    A's runs (dead: A's sweep must take it).
  mkfake() { mkdir -p "$1"; echo data >"$1/disk.qcow2"; }
  CLI1=$O/.x.partial-1234-0; CLI2=$O/$DATE/.web.partial-1234-1
  GB=$O/$DATE/.ghost.partial-job-9.e3.$IB; GA=$O/$DATE/.ghost.partial-job-9.e3.$IA
  for f in "$CLI1" "$CLI2" "$GB" "$GA"; do mkfake "$f"; done

  # 4. A restarts: removes its own two, keeps B's two and the CLI ones; finishes alpha.
  use_daemon A
  mark=$(wc -l <"$DAEMON_LOG")
  start_daemon
  for f in "$SB" "$GB" "$CLI1" "$CLI2"; do [[ -d $f ]] || fail "A's start-up sweep removed $f (not A's)"; done
  for f in "$SA" "$GA"; do [[ ! -e $f ]] || fail "A's start-up sweep left its own dead staging $f"; done
  tail -n +"$((mark + 1))" "$DAEMON_LOG" | contains "removed the unfinished output $SA " || fail "A's log does not name $SA as removed"
  wait_until 300 "A's job to be done" all_done 1
  for f in "$GB" "$CLI1" "$CLI2"; do [[ -f $f/disk.qcow2 ]] || fail "$f was emptied while A converted"; done
  [[ -f "$SB/beta.xml" ]] || fail "B's staging $SB was touched while A converted: $(ls -A "$SB" 2>&1)"
  pass "A removed only its own dead staging ($(basename "$SA"), $(basename "$GA")) and converted alpha"

  # 5. B restarts: removes its own two, keeps the CLI ones and A's result.
  use_daemon B
  mark=$(wc -l <"$DAEMON_LOG")
  start_daemon
  for f in "$SB" "$GB"; do [[ ! -e $f ]] || fail "B's start-up sweep left its own dead staging $f"; done
  for f in "$CLI1" "$CLI2"; do [[ -d $f ]] || fail "B's start-up sweep removed the CLI run's $f"; done
  tail -n +"$((mark + 1))" "$DAEMON_LOG" | contains "removed the unfinished output $SB " || fail "B's log does not name $SB as removed"
  wait_until 300 "B's job to be done" all_done 1
  pass "B removed only its own dead staging ($(basename "$SB"), $(basename "$GB")) and converted beta"

  # 6. Both results exactly once in the shared folder (the CLI folders were ours: gone first).
  rm -rf "$CLI1" "$CLI2"
  use_daemon A; ctl --json list-jobs >"$D/jobs.json"; JA=$D/jobs.json; EA=$D/expect.json; QA=$Q
  use_daemon B; ctl --json list-jobs >"$D/jobs.json"; JB=$D/jobs.json; EB=$D/expect.json; QB=$Q
  python3 -c 'import json,sys; print(json.dumps({"vms": json.load(open(sys.argv[1]))["vms"] + json.load(open(sys.argv[2]))["vms"]}))' \
    "$EA" "$EB" >"$D/expect-both.json"
  python3 "$EXACTLY_ONCE" --output "$SHARED" --watch "$QA" --watch "$QB" --jobs "$JA" --jobs "$JB" \
    --expect "$D/expect-both.json" --ignore .daemon || fail "exactly-once conditions in the shared output folder"
  for n in A B; do use_daemon $n; ctl drain >/dev/null; wait_exit "$DAEMON_PID" 60 || fail "daemon $n exited non-zero after drain"; done
  pass "two daemons sharing one output folder: neither removed the other's staging"
  ;;
*) fail "unknown part '$PART'" ;;
esac
