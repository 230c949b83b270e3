#!/usr/bin/env bash
# Soak: kill -9 the daemon at a random moment of a 4-VM wave, restart it, and
# check that every VM still ends exactly once (issue #9). Goal: every trial passes.
#
#   bash bench/soak.sh [--trials 20] [--seed N] [--bin PATH] [--hyperctl PATH] [--keep]
#
# A first, unkilled run of the wave measures its duration T (from the drop to
# the last job done). Each trial then drops the same wave into a fresh daemon
# (own queue, output and state), kills it with SIGKILL at a moment drawn
# uniformly from [0, T), restarts it, waits for the wave to finish and checks
# the exactly-once conditions of tests/integration/exactly_once.py: each VM
# published once (one folder: disk + XML + report.json), no staging folder
# left, .errors/ empty, every source archived once with its content, nothing
# left in the queue, every job done with attempts = 1 + interrupted (a crash
# is never charged to the job). Copy-only conversions (guest_fixes: false),
# max_concurrent_jobs 2. VMs: a streamOptimized VMDK, a VMX with its VMDK (two
# files), a qcow2, a dynamic VHD.
# Prints one line per trial (ok/FAIL, kill time, job states at the kill, what
# recovery did) and "soak: N/M trials passed (goal M/M)"; exit status 1 if
# any trial failed (its folder is kept).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=20 SEED=$RANDOM KEEP=0
BIN=${H2K_BIN:-$ROOT/build/nodes/hyper2kvm}
CTL=${H2K_HYPERCTL:-$ROOT/build/tools/hyperctl/hyperctl}
while (($#)); do
  case $1 in
    --trials) TRIALS=$2; shift 2 ;; --seed) SEED=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;; --hyperctl) CTL=$2; shift 2 ;; --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--trials N] [--seed N] [--bin PATH] [--hyperctl PATH] [--keep]" >&2; exit 2 ;;
  esac
done
[[ -x $BIN && -x $CTL ]] || { echo "build first: cmake --build build --target hyper2kvm hyperctl" >&2; exit 2; }
export H2K_FIXTURES=${H2K_FIXTURES:-$(bash "$ROOT/tests/fixtures/build-fixtures.sh" | tail -n 1)}
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# Private copies: a rebuild of build/ during the soak cannot swap them.
SOAK=$(mktemp -d /var/tmp/h2k-soak-XXXXXX)
cp "$BIN" "$SOAK/hyper2kvm"; cp "$CTL" "$SOAK/hyperctl"
export H2K_BIN=$SOAK/hyper2kvm H2K_HYPERCTL=$SOAK/hyperctl
IT=${H2K_IT_DIR:-$ROOT/tests/integration}   # the integration tests' helpers
source "$IT/lib.sh"
source "$IT/daemon-lib.sh"
source "$IT/wave-lib.sh"
set +e +o pipefail; set -u   # a failed trial is reported, not fatal
unset H2K_FAULT
trap 'stop_daemon_quietly; if ((KEEP)); then echo "soak: kept $SOAK"; else rm -rf "$SOAK"; fi' EXIT
VMS="alpha beta gamma delta"

# The wave's files, staged once; each trial takes hard links (the daemon
# only renames its sources, and exactly_once.py checks their content).
D=$SOAK/master; mkdir -p "$D/in"
stage_vm alpha vmdk-streamOptimized
stage_vm beta vmx
stage_vm gamma qcow2
stage_vm delta vhd-dynamic
write_expect "$SOAK/expect.json" $VMS
MASTER=$SOAK/master

# new_trial: a fresh daemon folder with the wave ready to drop.
new_trial() {
  new_daemon_dir
  cp -al "$MASTER/in" "$D/in"
  write_config "max_concurrent_jobs: 2
file_stable_timeout: 2
enable_deduplication: false
conversion:
  guest_fixes: false"
}
now() { date +%s.%N; }
# One line: each job's state (and phase), and the VMs not queued yet.
state_line() {
  ctl --json list-jobs 2>/dev/null | python3 -c '
import json, sys
jobs = sorted(json.load(sys.stdin)["jobs"], key=lambda j: int(j["id"].split("-")[1]))
out = []
for j in jobs:
    s = j["state"]
    if s == "running" and j.get("progress"): s += "(%s)" % j["progress"].get("phase")
    out.append("%s:%s=%s" % (j["id"], j["sources"][0].split(".")[0], s))
n = int(sys.argv[1]) - len(jobs)
if n: out.append("%d not queued" % n)
print(" ".join(out))' 4 || echo "(no answer)"
}
# What the restart's recovery did, counted from its log lines.
recovery_line() {
  python3 - "$1" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
c = lambda p: len(re.findall(p, log))
print("recovery: %d requeued, %d published-before-kill marked done, %d archiving finished, %d staging removed"
      % (c(r"was interrupted \(daemon stopped or crashed\)"), c(r"had already published"),
         c(r"finishing the archiving"), c(r"removed the unfinished output")))
PY
}
check_trial() {  # exactly-once conditions of the finished wave; problems on stdout
  local out
  out=$(check_exactly_once "$SOAK/expect.json" 2>&1) && return 0
  echo "$out" | grep -v '^ok' | sed 's/^/    /'
  return 1
}

# Calibration: the unkilled wave.
new_trial
start_daemon
t0=$(now); drop_vm $VMS
wait_until 900 "the calibration wave" all_done 4
T=$(python3 -c "print(round($(now) - $t0, 1))")
check_trial >"$SOAK/calibration.txt" || { cat "$SOAK/calibration.txt"; echo "soak: the unkilled wave is not exactly-once: nothing to measure"; exit 1; }
ctl drain >/dev/null; wait_exit "$DAEMON_PID" 60
rm -rf "$D"
echo "soak: calibration wave of 4 VMs took ${T} s (seed $SEED)"

passed=0
for ((i = 1; i <= TRIALS; i++)); do
  at=$(python3 -c "import random; random.seed($SEED * 1000 + $i); print('%.2f' % random.uniform(0, $T))")
  new_trial
  start_daemon
  t0=$(now); drop_vm $VMS
  sleep "$(python3 -c "print(max(0.0, $t0 + $at - $(now)))")"
  state=$(state_line)
  kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
  mark=$(wc -l <"$DAEMON_LOG")
  start_daemon
  ok=1
  problems=""
  end=$((SECONDS + 900))
  until [[ "$(jobs_in_state done 2>/dev/null)" == 4 ]]; do
    if (( SECONDS >= end )) || [[ "$(jobs_in_state failed 2>/dev/null)" != 0 ]] || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
      ok=0; problems="    the wave did not finish after the restart: $(state_line)"; break
    fi
    sleep 1
  done
  tail -n +"$((mark + 1))" "$DAEMON_LOG" >"$D/restart.log"
  if ((ok)); then problems=$(check_trial) || ok=0; fi
  if ((ok)); then
    passed=$((passed + 1))
    printf 'trial %2d: ok    kill at %6.2f s of %s s; at the kill: %s; %s\n' "$i" "$at" "$T" "$state" "$(recovery_line "$D/restart.log")"
    ctl drain >/dev/null; wait_exit "$DAEMON_PID" 60 >/dev/null || true
    rm -rf "$D"
  else
    printf 'trial %2d: FAIL  kill at %6.2f s of %s s; at the kill: %s; %s\n%s\n    kept: %s\n' "$i" "$at" "$T" "$state" \
      "$(recovery_line "$D/restart.log")" "$problems" "$D"
    stop_daemon_quietly
  fi
done
echo "soak: $passed/$TRIALS trials passed (goal $TRIALS/$TRIALS)"
((passed == TRIALS))
