#!/usr/bin/env bash
# cluster-e2e.sh PART: the cluster on one machine, every node in its own
# network namespace, one directory standing in for the NFS share (bind-
# mounted at a different path per node).
#   spread   1 coordinator + 2 converters + 2 watchers; 8 VMs dropped: each
#            converted exactly once, on both converters; `hyperctl nodes`
#            lists all four nodes up with their slots.
#   dedup    content dedup (xxh128) with 2 watchers: no watcher hashes; a
#            renamed copy of a converted VM becomes a job, is hashed by the
#            node converting it, and ends done as a duplicate of the
#            original (duplicate_of), archived, not converted.
#   kill     a converter is killed (kill -9) mid-job: its job completes on
#            the other converter, exactly once, not charged as a retry; the
#            killed node, restarted, rejoins under a new incarnation and
#            takes work (the other converter drained meanwhile).
#   freeze   kill -STOP of a converter, then its link taken down silently
#            (no TCP reset) on the other: each is declared dead about
#            node_timeout later (asserted: within twice
#            node_timeout, so a loaded CI host does not fail it), its job
#            moved; after kill -CONT / link up, the old holder's late work
#            is rejected (revoked or stale)
#            and never published; every VM exactly once.
#   fence    a converter stops (SIGSTOP, H2K_FAULT=publish_allowed) at the
#            worst moment: the coordinator allowed its publish and it has
#            not renamed yet. Declared dead, its staging folder is fenced off
#            and the job runs on the other converter; thawed, its rename
#            finds nothing: the VM is published once, by the new holder.
#   coord    the coordinator frozen (SIGSTOP) for twice node_timeout while
#            3 jobs run on the nodes: on waking it declares no node dead (the
#            silence was its own); then kill -9 of the coordinator: the
#            restarted coordinator keeps their leases (the nodes reconnect
#            and claim them): nothing lost, nothing duplicated, no job
#            restarted (each done at epoch 1, attempt 1).
#   tls      mutual TLS: a node with a certificate of the cluster's CA joins;
#            one with a certificate of another CA, and one speaking plain
#            TCP, are refused and say so in their logs; the coordinator logs
#            each refusal with the node's address and OpenSSL's reason.
#   share    a converter whose share is not mounted joins but gets no job
#            (`hyperctl nodes`: no-share, naming the missing marker) until
#            it is mounted; a converter that loses its mount under a running
#            job (umount -l): the failure that follows is not charged, the
#            job completes on the other converter, exactly once, and the
#            node takes jobs again once remounted. Then the coordinator
#            loses its own mount while a node runs a job: the job's sources
#            stay in the queue, marked, until it is back, then are archived
#            once (no second job for them).
#   chaos    faults of random kinds, targets, moments and lengths (seeded:
#            CHAOS_SEED=N repeats the fault sequence) while 12 VMs go
#            through 3 converters: kill -9 and restart of a converter, the
#            watcher or the coordinator, SIGSTOP of a converter or of the
#            coordinator, a converter's link cut silently, the share
#            unmounted under a converter's or the coordinator's open files
#            (umount -l); faults overlap,
#            and last shorter or longer than node_timeout. Then everything
#            heals: every VM published exactly once, no attempt charged (no
#            fault was a job's own), no staging left, every node back up.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../integration/lib.sh"
source "$HERE/../integration/daemon-lib.sh"
source "$HERE/../integration/wave-lib.sh"
source "$HERE/lib/netns.sh"
source "$HERE/cluster-lib.sh"
PART=${1:?usage: cluster-e2e.sh spread|dedup|kill|freeze|fence|coord|share|tls|chaos}
[[ $EUID == 0 ]] || { echo "needs root (network namespaces)"; exit 77; }
unset H2K_FAULT
set -euo pipefail

# Each copy takes at least SLOW_COPY s (a qemu-img wrapper first on the
# converters' PATH): jobs are surely running when a fault hits them.
slow_qemu_img() {
  mkdir -p "$D/bin"
  cat >"$D/bin/qemu-img" <<SH
#!/bin/bash
if [[ "\$1" == convert ]]; then sleep ${SLOW_COPY:-3}; fi
exec $(command -v qemu-img) "\$@"
SH
  chmod +x "$D/bin/qemu-img"
}

# A coordinator that also watches the queue, and conv1, conv2 (slowed
# copies). ENV=VALUE arguments go to conv1 only.
start_coordinator_and_two_converters() {
  cluster_start_env coord conv1 conv2
  slow_qemu_img
  node_config coord "[coordinator, watcher]"
  for n in conv1 conv2; do node_config "$n" converter; done
  start_node coord
  wait_until 30 "the coordinator to answer" coord_ready
  start_node conv1 PATH="$D/bin:$PATH" "$@"
  start_node conv2 PATH="$D/bin:$PATH"
  for n in conv1 conv2; do wait_until 60 "$n to join" node_up "$n" || { dump_logs coord "$n"; fail "$n did not join"; }; done
}

# running_on NODE JOB: JOB is running on NODE (hyperctl list-jobs).
running_on() {
  ctl --json list-jobs --state running | python3 -c '
import json, sys
sys.exit(0 if any(j.get("node") == sys.argv[1] and j["id"] == sys.argv[2] for j in json.load(sys.stdin)["jobs"]) else 1)' "$1" "$2"
}

# start_on_conv1 VM JOB: drops VM, queued as JOB, and makes it start on conv1
# (conv2 drained until it runs there), then gives conv2 work again.
start_on_conv1() {
  ctl drain --node conv2 >/dev/null
  ctl pause >/dev/null
  drop_queued "$1" "$2"
  ctl resume >/dev/null
  wait_until 60 "$2 to run on conv1" running_on conv1 "$2" || { dump_logs coord conv1; fail "$2 did not start on conv1"; }
  ctl undrain --node conv2 >/dev/null
}

# lost_at NODE [first|last]: unix time of the coordinator's first (or last)
# "node NODE lost" line ("" if none).
lost_at() {
  python3 - "$D/nodes/coord/daemon.log" "$1" "${2:-first}" <<'PY'
import sys, datetime
times = [datetime.datetime.fromisoformat(l.split()[0]).timestamp()
         for l in open(sys.argv[1]) if "node %s lost" % sys.argv[2] in l]
if times: print(times[0] if sys.argv[3] == "first" else times[-1])
PY
}

case $PART in
spread)
  cluster_start_env coord conv1 conv2 watch1 watch2
  slow_qemu_img
  node_config coord coordinator
  for n in conv1 conv2; do node_config "$n" converter; done
  for n in watch1 watch2; do node_config "$n" watcher; done
  start_node coord
  wait_until 30 "the coordinator to answer" coord_ready
  for n in conv1 conv2; do start_node "$n" PATH="$D/bin:$PATH"; done
  for n in watch1 watch2; do start_node "$n"; done
  for n in conv1 conv2 watch1 watch2; do wait_until 60 "$n to join" node_up "$n" || { dump_logs coord "$n"; fail "$n did not join"; }; done
  pass "4 nodes joined"
  names=()
  variants=(vmdk-streamOptimized vmx qcow2 raw vmdk-streamOptimized vmx qcow2 raw)
  for i in "${!variants[@]}"; do
    stage_vm "vm$i" "${variants[$i]}"
    names+=("vm$i")
  done
  write_expect "$D/expect.json" "${names[@]}"
  drop_vm "${names[@]}"
  wait_until 900 "8 jobs done" all_done 8 || { dump_logs coord conv1 conv2 watch1 watch2; fail "not all done"; }
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  [[ "$(ctl --json list-jobs | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))')" == 8 ]] \
    || fail "two watchers on one share made more than 8 jobs"
  succeeded_on | sort
  for n in conv1 conv2; do
    succeeded_on | contains " $n\$" || fail "no job ran on $n: $(succeeded_on | tr '\n' ' ')"
  done
  [[ "$(succeeded_on | wc -l)" == 8 ]] || fail "the coordinator logged $(succeeded_on | wc -l) successes, 8 expected"
  ctl nodes
  for n in conv1 conv2; do
    [[ "$(node_field "$n" slots_total)" == 2 ]] || fail "$n: slots_total $(node_field "$n" slots_total), 2 expected"
    [[ "$(node_field "$n" accel)" =~ ^(kvm|tcg)$ ]] || fail "$n: accel '$(node_field "$n" accel)'"
  done
  total_done=$(nodes_json | python3 -c 'import json,sys; print(sum(n["jobs_done"] for n in json.load(sys.stdin)["nodes"]))')
  [[ $total_done == 8 ]] || fail "hyperctl nodes counts $total_done jobs done, 8 expected"
  age=$(node_field watch1 last_heartbeat_age_s)
  python3 -c "import sys; sys.exit(0 if float('$age') < 4 else 1)" || fail "watch1's last heartbeat is $age s old"
  pass "8 VMs converted exactly once over conv1 and conv2; hyperctl nodes right"
  ;;

dedup)
  # Content dedup (xxh128 on every node): no watcher hashes; the node that
  # converts a job does, and sends the key with its request for a folder.
  DEDUP=xxh128
  cluster_start_env coord conv1 watch1 watch2
  node_config coord coordinator
  node_config conv1 converter
  for n in watch1 watch2; do node_config "$n" watcher; done
  start_node coord
  wait_until 30 "the coordinator to answer" coord_ready
  for n in conv1 watch1 watch2; do start_node "$n"; done
  for n in conv1 watch1 watch2; do wait_until 60 "$n to join" node_up "$n" || { dump_logs coord "$n"; fail "$n did not join"; }; done
  stage_vm vm2 qcow2
  write_expect "$D/expect.json" vm2
  drop_vm vm2
  wait_until 300 "vm2 done" all_done 1 || { dump_logs coord conv1 watch1 watch2; fail "vm2 not done"; }
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  original=$(job_id_of vm2.qcow2)
  grep -q "job $original succeeded in .* on conv1/" "$D/nodes/coord/daemon.log" || fail "vm2 was not converted on conv1"
  # A renamed copy becomes a job (a watcher that hashed would have skipped
  # it), its converting node hashes it, and the coordinator ends it as a
  # duplicate of the original's job without converting it.
  stage_vm vm2copy qcow2
  drop_vm vm2copy
  wait_until 300 "the copy's job done" all_done 2 || { dump_logs coord conv1 watch1 watch2; fail "the copy's job not done"; }
  copy_job=$(job_id_of vm2copy.qcow2)
  [[ -n "$copy_job" ]] || fail "no job for the renamed copy: a watcher hashed it (or it was lost)"
  ctl --json job-status "$copy_job" >"$D/copy.json"
  python3 - "$D/copy.json" "$original" <<'PY' || fail "the copy's job: $(cat "$D/copy.json")"
import json, sys
j = json.load(open(sys.argv[1]))["job"]
assert j["state"] == "done", j["state"]
assert j.get("duplicate_of") == sys.argv[2], (j.get("duplicate_of"), sys.argv[2])
PY
  grep -E "job $copy_job: .* is a duplicate of job $original \(already converted; hashed by conv[12]/slot-[12]\)" \
    "$D/nodes/coord/daemon.log" || fail "the coordinator did not log the converting node's hash"
  ctl job-status "$copy_job" | grep -q "^Duplicate of: *$original " || fail "hyperctl job-status does not say: $(ctl job-status "$copy_job")"
  ! ls "$O"/*/ | grep -q vm2copy || fail "the duplicate was converted: $(ls "$O"/*/)"
  copy_archived() { [[ -e "$Q/.processed" ]] && find "$Q/.processed" -name vm2copy.qcow2 | grep -q .; }
  wait_until 30 "the duplicate's file to be archived" copy_archived || fail "the duplicate's file was not archived"
  pass "a renamed copy: hashed once by its converting node, done as a duplicate of $original, not converted"
  # The original was hashed by conv1 too, before converting (its journal).
  ctl logs "$original" >"$D/original.log"
  grep -q "phase hash: computing the dedup key (xxh128)" "$D/original.log" || fail "no hash phase in $original's journal: $(cat "$D/original.log")"
  ;;

kill)
  SLOW_COPY=6
  start_coordinator_and_two_converters
  inc1=$(node_field conv1 incarnation)
  stage_vm alpha vmdk-streamOptimized
  stage_vm beta qcow2
  stage_vm gamma raw
  write_expect "$D/expect.json" alpha beta gamma
  # job-1 must run on conv1.
  start_on_conv1 alpha job-1
  sleep 2  # inside the (slowed) copy
  kill -9 "${NODE_PID[conv1]}"
  pass "conv1 killed (kill -9) while running job-1"
  moved() { grep -q "node conv1 lost" "$D/nodes/coord/daemon.log"; }
  wait_until 30 "the coordinator to notice conv1's death" moved || { dump_logs coord; fail "conv1's death not noticed"; }
  wait_until 300 "job-1 done" all_done 1 || { dump_logs coord conv2; fail "job-1 not done"; }
  grep -q "job job-1 succeeded in .* on conv2/" "$D/nodes/coord/daemon.log" || fail "job-1 did not complete on conv2"
  attempts=$(ctl --json job-status job-1 | python3 -c 'import json,sys; j=json.load(sys.stdin)["job"]; print(j["attempts"], j.get("charged_attempts", j["attempts"] - j.get("interrupted", 0)))')
  echo "job-1 attempts (all, charged): $attempts"
  [[ "${attempts#* }" == 1 ]] || fail "job-1's move to conv2 was charged as a retry: $attempts"
  pass "job-1 completed on conv2 after conv1's death, not charged"
  # conv1 comes back: a new incarnation; conv2 drained so that new work must go to conv1.
  start_node conv1 PATH="$D/bin:$PATH"
  rejoined() { node_up conv1 && [[ "$(node_field conv1 incarnation)" != "$inc1" ]]; }
  wait_until 60 "conv1 to rejoin" rejoined || { dump_logs coord conv1; fail "conv1 did not rejoin"; }
  ctl drain --node conv2 >/dev/null
  drop_vm beta gamma
  wait_until 300 "3 jobs done" all_done 3 || { dump_logs coord conv1; fail "beta/gamma not done"; }
  for j in job-2 job-3; do
    grep -q "job $j succeeded in .* on conv1/" "$D/nodes/coord/daemon.log" || fail "$j did not run on the rejoined conv1"
  done
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  ctl nodes
  pass "conv1 killed mid-job: job moved to conv2 exactly once; conv1 rejoined as a new incarnation and took work"
  ;;
freeze)
  SLOW_COPY=${SLOW_COPY:-12}
  NODE_TIMEOUT=4
  start_coordinator_and_two_converters
  stage_vm alpha qcow2
  stage_vm beta raw
  write_expect "$D/expect.json" alpha beta
  # 1. job-1 on conv1, then conv1 frozen.
  start_on_conv1 alpha job-1
  sleep 1
  kill -STOP "${NODE_PID[conv1]}"
  t_stop=$(date +%s.%N)
  lost_conv1() { [[ -n "$(lost_at conv1)" ]]; }
  wait_until 60 "conv1 to be declared dead" lost_conv1 || { dump_logs coord; fail "frozen conv1 never declared dead"; }
  d1=$(python3 -c "print(round($(lost_at conv1) - $t_stop, 1))")
  echo "frozen conv1 declared dead after $d1 s (node_timeout $NODE_TIMEOUT s)"
  python3 -c "import sys; sys.exit(0 if $d1 <= 2 * $NODE_TIMEOUT else 1)" || fail "conv1 declared dead after $d1 s: more than twice node_timeout"
  wait_until 60 "job-1 to move to conv2" running_on conv2 job-1 || { dump_logs coord conv2; fail "job-1 did not move to conv2"; }
  pass "frozen conv1 declared dead after $d1 s; job-1 moved to conv2"
  # 2. conv1 thaws (its attempt of job-1 is stale now); job-2 goes to conv1,
  #    then conv1's link is cut silently while it runs.
  kill -CONT "${NODE_PID[conv1]}"
  rejoined() { node_up conv1; }
  wait_until 60 "conv1 to rejoin" rejoined || { dump_logs coord conv1; fail "conv1 did not rejoin after SIGCONT"; }
  start_on_conv1 beta job-2
  sleep 1
  before=$(grep -c "node conv1 lost" "$D/nodes/coord/daemon.log")
  cluster_link_down conv1
  t_down=$(date +%s.%N)
  lost_again() { [[ "$(grep -c "node conv1 lost" "$D/nodes/coord/daemon.log")" -gt $before ]]; }
  wait_until 60 "conv1 (link down) to be declared dead" lost_again || { dump_logs coord; fail "cut-off conv1 never declared dead"; }
  t_lost=$(lost_at conv1 last)
  d2=$(python3 -c "print(round($t_lost - $t_down, 1))")
  echo "cut-off conv1 declared dead after $d2 s"
  python3 -c "import sys; sys.exit(0 if $d2 <= 2 * $NODE_TIMEOUT else 1)" || fail "conv1 declared dead after $d2 s: more than twice node_timeout"
  wait_until 60 "job-2 to move to conv2" running_on conv2 job-2 || { dump_logs coord conv2; fail "job-2 did not move to conv2"; }
  pass "silent link loss: conv1 declared dead after $d2 s; job-2 moved to conv2"
  cluster_link_up conv1
  wait_until 120 "both jobs done" all_done 2 || { dump_logs coord conv1 conv2; fail "jobs not done"; }
  wait_until 60 "conv1 to rejoin after the link came back" rejoined || { dump_logs coord conv1; fail "conv1 did not rejoin"; }
  sleep "$SLOW_COPY"  # conv1's stale attempts had time to reach their publish step
  for j in job-1 job-2; do
    grep -q "job $j succeeded in .* on conv2/" "$D/nodes/coord/daemon.log" || fail "$j did not complete on conv2"
    grep -qE "job $j: conv1/slot-[0-9]+ claims epoch 1, which is no longer its lease: revoked|stale .* for job $j \(epoch 1, conv1/" \
      "$D/nodes/coord/daemon.log" || { dump_logs coord conv1; fail "conv1's late attempt of $j was neither revoked nor rejected as stale"; }
  done
  ! grep -q "succeeded in .* on conv1/" "$D/nodes/coord/daemon.log" || fail "a stale attempt on conv1 was recorded as a success"
  [[ -z "$(find "$O" -name '.*partial*' 2>/dev/null)" ]] || fail "staging left behind: $(find "$O" -name '.*partial*')"
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  grep -E "revoked|stale" "$D/nodes/coord/daemon.log" | cut -c1-200
  pass "frozen and cut-off converters: detected, jobs moved, late attempts rejected, each VM published once"
  ;;

fence)
  # Copies of 8 s: conv2's attempt is still copying when conv1 thaws, so
  # conv1's late rename meets no published output, only the fence.
  SLOW_COPY=${SLOW_COPY:-8}
  NODE_TIMEOUT=4
  start_coordinator_and_two_converters H2K_FAULT=publish_allowed:job=1
  stage_vm alpha qcow2
  write_expect "$D/expect.json" alpha
  start_on_conv1 alpha job-1
  stopped() { grep -q "H2K_FAULT: publish_allowed reached by job-1" "$D/nodes/conv1/stdout" 2>/dev/null; }
  wait_until 120 "conv1 to stop between its publish permission and its rename" stopped \
    || { dump_logs coord conv1; fail "conv1 never reached its publish permission for job-1"; }
  [[ "$(ps -o state= -p "${NODE_PID[conv1]}" | tr -d ' ')" == T ]] || fail "conv1 is not stopped: $(ps -o state= -p "${NODE_PID[conv1]}")"
  staged=$(find "$O" -name '.alpha.partial-job-1.e1.*')
  [[ -n "$staged" ]] || fail "no staging folder of job-1's first attempt while conv1 is stopped before its rename"
  pass "conv1 stopped after the publish permission for job-1, its staging folder complete: ${staged#"$O"/}"
  lost_conv1() { [[ -n "$(lost_at conv1)" ]]; }
  wait_until 60 "conv1 to be declared dead" lost_conv1 || { dump_logs coord; fail "stopped conv1 never declared dead"; }
  grep -q "job job-1: conv1/slot-[0-9]* was allowed to publish (epoch 1) but had not: its staging folder is fenced off" \
    "$D/nodes/coord/daemon.log" || { dump_logs coord; fail "the coordinator did not fence off conv1's staging folder"; }
  [[ ! -e "$staged" ]] || fail "conv1's staging folder is still where its rename would find it: $staged"
  # conv1 thaws at once: its engine goes on with the rename it was allowed,
  # while job-1's new attempt is still copying on conv2.
  kill -CONT "${NODE_PID[conv1]}"
  # Its engine finds what it staged gone (it checks before the rename), or
  # the rename itself fails: either way nothing is published.
  late='(cannot publish output|gone from the staging folder)'
  tried() {
    grep -Eq "job job-1: outcome 'failed' \(.*$late.*\) of a revoked lease \(epoch 1\) dropped" "$D/nodes/conv1/daemon.log" ||
      grep -Eq "stale outcome 'failed' \(.*$late.*\) for job job-1 \(epoch 1, conv1/" "$D/nodes/coord/daemon.log"
  }
  # The failure is dropped by conv1's link (the lease was revoked when it
  # registered again) or, if it got there first, by the coordinator (stale).
  wait_until 60 "conv1's late rename to fail" tried || { dump_logs coord conv1; fail "conv1's late attempt did not end in a failed rename"; }
  grep -h "of a revoked lease (epoch [0-9]*) dropped\|stale outcome" "$D/nodes/conv1/daemon.log" "$D/nodes/coord/daemon.log" | cut -c1-300
  [[ -z "$(find "$O" -mindepth 2 -maxdepth 2 -name alpha)" ]] || [[ "$(ctl --json job-status job-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["state"])')" == done ]] \
    || fail "alpha appeared in the output while job-1's new attempt is still running (conv1 published late)"
  pass "thawed after its publish permission, conv1 found nothing to rename"
  wait_until 120 "job-1 done on conv2" all_done 1 || { dump_logs coord conv2; fail "job-1 not done after conv1 was lost"; }
  grep -q "job job-1 succeeded in .* on conv2/" "$D/nodes/coord/daemon.log" || fail "job-1 did not complete on conv2"
  rejoined() { node_up conv1; }
  wait_until 60 "conv1 to rejoin" rejoined || { dump_logs coord conv1; fail "conv1 did not rejoin"; }
  ! grep -q "succeeded in .* on conv1/" "$D/nodes/coord/daemon.log" || fail "the stale attempt on conv1 was recorded as a success"
  [[ -z "$(find "$O" -name '.*partial*' 2>/dev/null)" ]] || fail "staging left behind: $(find "$O" -name '.*partial*')"
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  pass "job-1 published once, by conv2; conv1 back in the cluster"
  ;;

coord)
  SLOW_COPY=${SLOW_COPY:-30}
  NODE_TIMEOUT=4
  start_coordinator_and_two_converters
  stage_vm alpha qcow2
  stage_vm beta raw
  stage_vm gamma vmdk-streamOptimized
  write_expect "$D/expect.json" alpha beta gamma
  drop_vm alpha beta gamma
  three_running() { [[ "$(jobs_in_state running)" == 3 ]]; }
  wait_until 120 "3 jobs running" three_running || { dump_logs coord conv1 conv2; fail "3 jobs never ran at once"; }
  ctl --json list-jobs --state running | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]: print(j["id"], j["holder"], "epoch", j["epoch"])'
  # First frozen for twice node_timeout: the nodes see it silent and
  # reconnect; on waking it must not take them for dead (its own silence).
  kill -STOP "${NODE_PID[coord]}"
  sleep $((2 * NODE_TIMEOUT))
  kill -CONT "${NODE_PID[coord]}"
  pass "coordinator frozen for $((2 * NODE_TIMEOUT)) s (node_timeout $NODE_TIMEOUT s) with 3 jobs running"
  sleep 3  # a tick or two after waking, and the nodes' reconnection
  ! grep -q "node conv[12] lost" "$D/nodes/coord/daemon.log" || { dump_logs coord; fail "a node was declared dead for the coordinator's own silence"; }
  [[ "$(jobs_in_state running)" == 3 ]] || { dump_logs coord conv1 conv2; fail "the 3 jobs are not all running after the freeze"; }
  paused() { grep -q "this coordinator did not run for" "$D/nodes/coord/daemon.log"; }
  wait_until 30 "the coordinator to log its own pause" paused || { dump_logs coord; fail "no pause logged"; }
  grep -m1 "this coordinator did not run for" "$D/nodes/coord/daemon.log" | cut -c1-200
  pass "after its freeze the coordinator kept both nodes and their 3 jobs"
  kill -9 "${NODE_PID[coord]}"
  pass "coordinator killed (kill -9) with 3 jobs running on the nodes"
  sleep 2
  start_node coord
  wait_until 30 "the coordinator to answer" coord_ready
  wait_until 300 "3 jobs done" all_done 3 || { dump_logs coord conv1 conv2; fail "not all done after the restart"; }
  grep -E "kept for its node|lease kept across" "$D/nodes/coord/daemon.log" | cut -c1-200
  for j in job-1 job-2 job-3; do
    read -r epoch attempts < <(ctl --json job-status "$j" | python3 -c 'import json,sys; j=json.load(sys.stdin)["job"]; print(j["epoch"], j["attempts"])')
    [[ $epoch == 1 && $attempts == 1 ]] || { dump_logs coord; fail "$j was restarted: epoch $epoch, attempts $attempts (1 and 1 expected)"; }
    grep -q "job $j: .* still runs it (epoch 1): lease kept across the coordinator restart" "$D/nodes/coord/daemon.log" \
      || fail "$j: its lease was not claimed back after the restart"
  done
  ! grep -q "started (attempt 2" "$D/nodes/coord/daemon.log" || fail "a job was started again after the restart"
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  pass "coordinator kill -9 with 3 jobs running: leases kept, nothing lost, nothing duplicated, nothing restarted"
  ;;

share)
  SLOW_COPY=${SLOW_COPY:-8}
  # Long: no node is lost here; the mid-job failure must be judged by the
  # share, not outrun by the move of a node's jobs after node_timeout.
  NODE_TIMEOUT=20
  cluster_start_env coord conv1 conv2
  slow_qemu_img
  node_config coord "[coordinator, watcher]"
  for n in conv1 conv2; do node_config "$n" converter; done
  # 1. conv2's NFS export is not mounted: an empty local folder at its share_root.
  cluster_share_detach conv2
  start_node coord
  wait_until 30 "the coordinator to answer" coord_ready
  [[ -s "$SHARE/.hyper2kvm-share" ]] || fail "the coordinator wrote no share marker in the share"
  start_node conv1 PATH="$D/bin:$PATH"
  start_node conv2 PATH="$D/bin:$PATH"
  wait_until 60 "conv1 to join" node_up conv1 || { dump_logs coord conv1; fail "conv1 did not join"; }
  no_share() { [[ "$(node_field "$1" health 2>/dev/null)" == no-share ]]; }
  wait_until 60 "conv2 to join without its share" no_share conv2 || { dump_logs coord conv2; fail "conv2 not shown as no-share"; }
  ctl nodes
  problem=$(node_field conv2 share_problem)
  [[ $problem == *"$(cluster_share_path conv2)/.hyper2kvm-share is missing"* ]] || fail "conv2's share problem does not name its marker: $problem"
  grep -q "cannot use the share" "$D/nodes/conv2/daemon.log" || fail "conv2 did not log that it cannot use the share"
  "$H2K_BIN" --config "$D/nodes/conv2/daemon.yaml" --check-config 2>&1 >/dev/null | grep "warning: .*hyper2kvm-share is missing" \
    || fail "--check-config on conv2 does not warn that the share is missing"
  stage_vm alpha qcow2
  stage_vm beta raw
  stage_vm gamma vmdk-streamOptimized
  drop_vm alpha beta gamma
  wait_until 300 "3 jobs done" all_done 3 || { dump_logs coord conv1 conv2; fail "alpha/beta/gamma not done"; }
  for j in job-1 job-2 job-3; do
    grep -q "job $j succeeded in .* on conv1/" "$D/nodes/coord/daemon.log" || { succeeded_on; fail "$j did not run on conv1"; }
  done
  ! grep -q "job-[0-9]* .*conv2/slot" "$D/nodes/coord/daemon.log" || { grep "conv2/slot" "$D/nodes/coord/daemon.log" | head; fail "a job was given to conv2 without its share"; }
  pass "conv2 without its share joined as no-share and got none of 3 jobs"
  # 2. Mounted: it takes jobs. conv1 loses its mount under a running job.
  cluster_share_attach conv2
  wait_until 30 "conv2 to see the share" node_up conv2 || { dump_logs coord conv2; fail "conv2 not up after mounting"; }
  grep -q "node conv2 can use the share again" "$D/nodes/coord/daemon.log" || fail "the coordinator did not log conv2's share back"
  "$H2K_BIN" --config "$D/nodes/conv2/daemon.yaml" --check-config 2>&1 >/dev/null | grep "share id $(cat "$SHARE/.hyper2kvm-share")" \
    || fail "--check-config on conv2 does not show the share's id"
  stage_vm delta qcow2
  stage_vm epsilon raw
  write_expect "$D/expect.json" alpha beta gamma delta epsilon
  start_on_conv1 delta job-4
  sleep 2  # inside the (slowed) copy
  cluster_share_detach_lazy conv1
  pass "conv1's share unmounted (umount -l) while it runs job-4"
  wait_until 60 "conv1 to be shown as no-share" no_share conv1 || { dump_logs coord conv1; fail "conv1's lost share not noticed"; }
  drop_vm epsilon
  wait_until 300 "5 jobs done" all_done 5 || { dump_logs coord conv1 conv2; fail "delta/epsilon not done"; }
  grep -q "job job-4 succeeded in .* on conv2/" "$D/nodes/coord/daemon.log" || { succeeded_on; fail "job-4 did not complete on conv2"; }
  grep -q "job job-5 succeeded in .* on conv2/" "$D/nodes/coord/daemon.log" || { succeeded_on; fail "job-5 went to conv1 without its share"; }
  grep -E "job job-4: conv1/slot-[0-9]+ reported .* while its node cannot use the share" "$D/nodes/coord/daemon.log" | cut -c1-240 \
    || { dump_logs coord conv1; fail "job-4's failure on conv1 was not judged as the share's"; }
  read -r attempts interrupted < <(ctl --json job-status job-4 | python3 -c 'import json,sys; j=json.load(sys.stdin)["job"]; print(j["attempts"], j.get("interrupted", 0))')
  echo "job-4: attempts $attempts, interrupted $interrupted"
  [[ $attempts == 2 && $interrupted == 1 ]] || fail "job-4's failure on conv1 was charged: attempts $attempts, interrupted $interrupted"
  ! grep -q "failed for good" "$D/nodes/coord/daemon.log" || fail "a job failed for good"
  pass "job-4's failure on conv1 (share gone) not charged; it completed on conv2"
  # 3. conv1 remounted: up again.
  cluster_share_attach conv1
  wait_until 30 "conv1 to see the share again" node_up conv1 || { dump_logs coord conv1; fail "conv1 not up after remounting"; }
  # 4. The coordinator (no slots of its own) loses its mount while job-6
  # runs on a node: the job completes, but its sources are not recorded as
  # archived while the coordinator cannot see them (they would be taken for
  # a new VM once the share is back); archived once it is.
  stage_vm zeta qcow2
  write_expect "$D/expect.json" alpha beta gamma delta epsilon zeta
  drop_vm zeta
  job6_running() { ctl --json list-jobs --state running | grep -q '"job-6"'; }
  wait_until 60 "job-6 to run" job6_running || { dump_logs coord; fail "job-6 did not start"; }
  cluster_share_detach_lazy coord
  pass "the coordinator's share unmounted (umount -l) while job-6 runs"
  coord_share_lost() { ctl --json status | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("share_problem") else 1)'; }
  wait_until 30 "the coordinator to see its share gone" coord_share_lost || { dump_logs coord; fail "the coordinator did not notice its share gone"; }
  ctl status | grep "Share: UNUSABLE: .*hyper2kvm-share is missing" || fail "hyperctl status does not show the coordinator's share problem"
  job6_field() { ctl --json job-status job-6 | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"].get(sys.argv[1]) or "")' "$1"; }
  job6_done() { [[ "$(job6_field state)" == done ]]; }
  wait_until 120 "job-6 done" job6_done || { dump_logs coord conv1 conv2; fail "job-6 not done with the coordinator's share gone"; }
  sleep 3  # time for an archive attempt, were one to go out
  [[ -n "$(job6_field archive_pending)" ]] || fail "job-6 recorded as archived while the coordinator could not see its share"
  [[ -e "$Q/$(primary_of zeta)" ]] || fail "zeta's source left the queue while the coordinator could not see it: $(ls -R "$Q" | head)"
  pass "job-6 done; its sources wait in the queue, still marked for archiving"
  cluster_share_attach coord
  job6_archived() { [[ -z "$(job6_field archive_pending)" ]]; }
  wait_until 30 "job-6's sources archived" job6_archived || { dump_logs coord; fail "job-6 not archived after the share came back"; }
  [[ ! -e "$Q/$(primary_of zeta)" ]] || fail "zeta's source still in the queue"
  grep -q "this coordinator can use its share at .* again" "$D/nodes/coord/daemon.log" || fail "the coordinator did not log its share back"
  sleep 5  # its watcher scans the remounted queue: nothing there may become a job
  ctl --json list-jobs >"$D/jobs.json"
  python3 -c 'import json,sys; n=len(json.load(open(sys.argv[1]))["jobs"]); sys.exit(0 if n == 6 else "%d jobs for 6 VMs" % n)' "$D/jobs.json" \
    || { dump_logs coord; fail "a VM became a second job after the coordinator's share came back"; }
  pass "the coordinator's share back: job-6's sources archived, once, no second job"
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions"; }
  ctl nodes
  pass "share faults: no job to a node without the share, a failure caused by a lost mount not charged, the coordinator's lost mount waited for, every VM once"
  ;;

tls)
  cluster_start_env coord conv1 rogue plain
  cluster_make_certs "$D/tls" coord conv1 >/dev/null
  tls_of() { printf '  tls:\n    certificate: %s\n    key: %s\n    ca: %s' "$D/tls/$1.pem" "$D/tls/$1.key" "$D/tls/ca.pem"; }
  node_config coord "[coordinator, watcher]" "$(tls_of coord)"
  node_config conv1 converter "$(tls_of conv1)"
  node_config rogue converter "$(printf '  tls:\n    certificate: %s\n    key: %s\n    ca: %s' "$D/tls/rogue.pem" "$D/tls/rogue.key" "$D/tls/ca.pem")"
  node_config plain converter
  start_node coord
  wait_until 30 "the coordinator to answer" coord_ready
  grep -q "listening on .* (mutual TLS)" "$D/nodes/coord/daemon.log" || fail "the coordinator does not say it listens with mutual TLS"
  for n in conv1 rogue plain; do start_node "$n"; done
  wait_until 60 "conv1 to join over TLS" node_up conv1 || { dump_logs coord conv1; fail "conv1 (good certificate) did not join"; }
  refused() { grep -q "cannot reach the coordinator" "$D/nodes/$1/daemon.log" 2>/dev/null; }
  for n in rogue plain; do
    wait_until 60 "$n to be refused" refused "$n" || { dump_logs coord "$n"; fail "$n: no refusal in its log"; }
  done
  # The coordinator's side: each refused node named by its address, with
  # OpenSSL's reason (a foreign CA: its certificate; plain TCP: not TLS).
  coord_refused() { grep -q "refused a connection from $(cluster_addr "$1"):[0-9]*: TLS handshake failed: $2" "$D/nodes/coord/daemon.log"; }
  wait_until 60 "the coordinator to log rogue's refusal" coord_refused rogue "its certificate" \
    || { dump_logs coord; fail "the coordinator did not log the refusal of rogue (foreign CA)"; }
  wait_until 60 "the coordinator to log plain's refusal" coord_refused plain "" \
    || { dump_logs coord; fail "the coordinator did not log the refusal of plain (plain TCP)"; }
  ! grep -q "refused a connection from $(cluster_addr conv1):" "$D/nodes/coord/daemon.log" \
    || fail "the coordinator logged a refusal of conv1, whose certificate is the cluster's"
  ! grep -q "will not be logged on this side" "$D/nodes/coord/daemon.log" || fail "SSL_accept is not interposed"
  sleep 3
  for n in rogue plain; do
    [[ -z "$(node_field "$n" health 2>/dev/null)" ]] || fail "$n joined the cluster"
    grep -m1 "cannot reach the coordinator" "$D/nodes/$n/daemon.log" | cut -c1-220
    grep -m1 "refused a connection from $(cluster_addr "$n"):" "$D/nodes/coord/daemon.log" | cut -c1-260
  done
  stage_vm alpha qcow2
  write_expect "$D/expect.json" alpha
  drop_vm alpha
  wait_until 300 "alpha done over TLS" all_done 1 || { dump_logs coord conv1; fail "the job did not complete over TLS"; }
  pass "TLS: the node with the cluster's certificate joined and converted; a foreign certificate and plain TCP were refused, and logged on both sides"
  ;;

chaos)
  # Fault kinds and lengths drawn from a seeded generator; the jobs' own
  # timing (copies of random length, 2-7 s more than the copy itself) is
  # not, so a seed repeats the faults, not every interleaving.
  SEED=${CHAOS_SEED:-$(( $(date +%s%N) % 100000 ))}
  RANDOM=$SEED
  echo "chaos seed $SEED (CHAOS_SEED=$SEED repeats this fault sequence)"
  NODE_TIMEOUT=3
  WINDOW=${CHAOS_SECONDS:-75}
  cluster_start_env coord conv1 conv2 conv3 watch1
  SLOW_COPY='$((2 + RANDOM % 6))' slow_qemu_img  # drawn by the wrapper, at each copy
  node_config coord "[coordinator, watcher]"
  node_config watch1 watcher
  CONVS=(conv1 conv2 conv3)
  for n in "${CONVS[@]}"; do node_config "$n" converter; done
  declare -A STATE=() HEAL_AT=()
  start() {  # start NAME: (re)starts a node (converters with the slow copies)
    if [[ $1 == conv* ]]; then start_node "$1" PATH="$D/bin:$PATH"; else start_node "$1"; fi
    STATE[$1]=up
  }
  start coord
  wait_until 30 "the coordinator to answer" coord_ready
  for n in "${CONVS[@]}" watch1; do start "$n"; done
  for n in "${CONVS[@]}" watch1; do wait_until 60 "$n to join" node_up "$n" || { dump_logs coord "$n"; fail "$n did not join"; }; done
  names=()
  variants=(vmdk-streamOptimized vmdk-streamOptimized vmx vmdk-streamOptimized qcow2 vmdk-streamOptimized)
  for i in $(seq 0 11); do
    stage_vm "vm$i" "${variants[$((i % ${#variants[@]}))]}"
    names+=("vm$i")
  done
  write_expect "$D/expect.json" "${names[@]}"
  drop_vm "${names[@]}"
  pass "12 VMs dropped; faults for up to $WINDOW s"

  FAULTS=$D/faults.log
  note() { echo "$(date +%T.%3N) $*" | tee -a "$FAULTS"; }
  ms_between() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }  # a length in ms, uniform
  now_ms() { date +%s%3N; }
  heal() {
    local n=$1 was=${STATE[$1]}
    case $was in
      dead) start "$n" ;;
      frozen) kill -CONT "${NODE_PID[$n]}" ;;
      cut) cluster_link_up "$n" ;;
      noshare) cluster_share_attach "$n" ;;
    esac
    note "heal $n (was $was)"
    STATE[$n]=up
    unset "HEAL_AT[$n]"
  }
  # inject NAME KIND MIN-MS MAX-MS: the fault now, its end (heal) later.
  inject() {
    local n=$1 kind=$2 len
    len=$(ms_between "$3" "$4")
    case $kind in
      dead) kill -9 "${NODE_PID[$n]}" ;;
      frozen) kill -STOP "${NODE_PID[$n]}" ;;
      cut) cluster_link_down "$n" ;;
      noshare) cluster_share_detach_lazy "$n" ;;  # its export vanishes under its open files
    esac
    STATE[$n]=$kind
    HEAL_AT[$n]=$(( $(now_ms) + len ))
    note "fault $n $kind for $len ms"
  }
  jobs_left() {  # jobs not done yet ("" when the coordinator cannot answer now)
    [[ ${STATE[coord]} == up ]] && coord_ready || return 0
    ctl --json list-jobs 2>/dev/null | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["jobs"]
print(12 - len([j for j in jobs if j["state"] == "done" and not j.get("archive_pending")]))' 2>/dev/null || true
  }
  end=$((SECONDS + WINDOW)) next_fault=$(( $(now_ms) + 1000 )) coord_kills=0 faults=0
  while (( SECONDS < end )); do
    for n in "${!HEAL_AT[@]}"; do (( $(now_ms) >= HEAL_AT[$n] )) && heal "$n"; done
    if (( $(now_ms) >= next_fault )); then
      next_fault=$(( $(now_ms) + $(ms_between 700 3500) ))
      r=$((RANDOM % 12))
      if (( r <= 7 )); then
        n=${CONVS[$((RANDOM % 3))]}
        if [[ ${STATE[$n]} == up ]]; then
          faults=$((faults + 1))
          case $r in
            0|1|2) inject "$n" dead 300 4000 ;;
            3|4) inject "$n" frozen 500 $((2 * NODE_TIMEOUT * 1000)) ;;
            5|6) inject "$n" cut 500 $((2 * NODE_TIMEOUT * 1000)) ;;
            *) inject "$n" noshare 500 $((2 * NODE_TIMEOUT * 1000)) ;;
          esac
        fi
      elif (( r == 8 )); then
        [[ ${STATE[watch1]} == up ]] && { faults=$((faults + 1)); inject watch1 dead 300 3000; }
      elif [[ ${STATE[coord]} == up ]]; then
        faults=$((faults + 1))
        if (( r == 9 && coord_kills < 4 )); then
          coord_kills=$((coord_kills + 1))
          inject coord dead 200 2500
        elif (( r == 11 )); then
          inject coord noshare 1000 $((2 * NODE_TIMEOUT * 1000 + 4000))
        else
          inject coord frozen 500 5000
        fi
      fi
    fi
    left=$(jobs_left)
    [[ "$left" == 0 ]] && { note "all 12 jobs done"; break; }
    sleep 0.2
  done
  for n in "${!HEAL_AT[@]}"; do heal "$n"; done
  pass "$faults faults injected ($coord_kills coordinator kills); all nodes healed"
  wait_until 60 "the coordinator to answer" coord_ready
  wait_until 600 "12 jobs done" all_done 12 || { dump_logs coord conv1 conv2 conv3 watch1; fail "not all done after the faults"; }
  for n in "${CONVS[@]}" watch1; do
    wait_until 90 "$n back in the cluster" node_up "$n" || { dump_logs coord "$n"; fail "$n is not up after the faults"; }
  done
  # A stale attempt still copying on a node (its lease moved elsewhere) ends
  # by itself and removes its staging folder: never published.
  no_staging() { [[ -z "$(find "$O" -name '.*partial*' 2>/dev/null)" ]]; }
  wait_until 60 "no staging folder left" no_staging || fail "staging left behind: $(find "$O" -name '.*partial*')"
  ctl --json list-jobs >"$D/jobs.json"
  python3 - "$D/jobs.json" <<'PY' || fail "job count"
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
assert len(jobs) == 12, "%d jobs for 12 VMs: %s" % (len(jobs), [j["sources"][0] for j in jobs])
for j in jobs:
    print(j["id"], j["sources"][0], "epoch", j["epoch"], "attempts", j["attempts"], "interrupted", j.get("interrupted", 0))
PY
  # No attempt charged: every fault was the cluster's, none a job's own.
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$D/expect.json" \
    || { dump_logs coord; fail "exactly-once conditions (seed $SEED)"; }
  ! grep -q "failed for good" "$D/nodes/coord/daemon.log" || fail "a job failed for good"
  echo "coordinator log: $(grep -c "node conv[0-9] lost" "$D/nodes/coord/daemon.log") node losses, $(grep -c "stale " "$D/nodes/coord/daemon.log") stale reports, $(grep -c "revoked" "$D/nodes/coord/daemon.log") revocations, $(grep -c "fenced off" "$D/nodes/coord/daemon.log") fences"
  pass "chaos (seed $SEED, $faults faults): 12 VMs published exactly once, nothing charged, no staging left, all nodes up"
  ;;

*) fail "unknown part $PART" ;;
esac
touch "$D/.passed"  # the folder goes at exit; kept after a failure
