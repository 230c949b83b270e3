#!/usr/bin/env bash
# The control socket with the real daemon: every command through hyperctl,
# then garbage, an oversize request and 20 concurrent clients on the raw
# socket; the daemon must answer each with a reply (or an error reply) and
# keep running. Ends with `stop` (exit 0, the running job kept for the next
# start) and `drain`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}

new_daemon_dir
trap 'stop_daemon_quietly; rm -rf "$D"' EXIT
write_config "max_concurrent_jobs: 1
conversion:
  guest_fixes: false"
# Copies here take a second; to stop or cancel a job *while it runs*, a
# qemu-img first on the daemon's PATH makes `convert` slow (a slow storage
# stand-in) whenever $D/slow exists. Cancellation must kill it.
mkdir -p "$D/bin"
real=$(command -v qemu-img)
printf '#!/bin/bash
if [[ "$1" == convert && -e "%s/slow" ]]; then sleep 60; fi
exec "%s" "$@"
' "$D" "$real" >"$D/bin/qemu-img"
chmod +x "$D/bin/qemu-img"
start_daemon PATH="$D/bin:$PATH"
sock="$D/state/control.sock"
[[ "$(stat -c %a "$sock")" == 660 ]] || fail "control.sock mode is $(stat -c %a "$sock"), expected 660"

ctl status | contains RUNNING || fail "status: $(ctl status)"
ctl --json status | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and j["status"]=="running" and j["pid"]>0, j' || fail "status --json"
ctl stats | contains "Success Rate" || fail "stats (human)"
ctl --json stats | python3 -c 'import json,sys; j=json.load(sys.stdin); assert "total_processed" in j["stats"]' || fail "stats --json"
ctl stats --prometheus | contains "^hyper2kvm_queue_depth" || fail "stats --prometheus"
pass "status and stats"

# pause: a file queued while paused waits.
ctl pause | contains -i paused || fail "pause"
mkdir -p "$D/elsewhere"
cp "$FIX/$(fixture_path qcow2)" "$D/elsewhere/ctl01.qcow2"
ctl --json queue-job "$D/elsewhere/ctl01.qcow2" --priority low >"$D/q.json" || fail "queue-job"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$D/q.json")
ctl queue-job "$D/elsewhere/missing.qcow2" >/dev/null 2>&1 && fail "queue-job of a missing file succeeded"
ctl queue-job relative.qcow2 >/dev/null 2>&1 && fail "queue-job of a relative path succeeded"
sleep 3
ctl --json job-status "$id" | python3 -c '
import json, sys
j = json.load(sys.stdin)["job"]
assert j["state"] == "queued" and j["queue_position"] == 1 and j["priority"] == "low", j' || fail "job stays queued while paused"
ctl set-priority "$id" high >/dev/null || fail "set-priority"
ctl --json job-status "$id" | python3 -c 'import json,sys; assert json.load(sys.stdin)["job"]["priority"]=="high"' || fail "priority not changed"
ctl set-priority "$id" urgent >/dev/null 2>&1 && fail "set-priority accepted 'urgent'"
ctl cancel-job "$id" >/dev/null || fail "cancel-job"
ctl --json job-status "$id" | python3 -c 'import json,sys; assert json.load(sys.stdin)["job"]["state"]=="cancelled"' || fail "not cancelled"
ctl retry-job "$id" >/dev/null || fail "retry-job"
ctl --json job-status "$id" | python3 -c 'import json,sys; assert json.load(sys.stdin)["job"]["state"]=="queued"' || fail "not queued again"
rc=0; ctl job-status no-such-job >/dev/null 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "job-status of an unknown job must exit 1 (got $rc)"
ctl list-jobs | contains "$id" || fail "list-jobs"
pass "pause, queue-job, job-status, set-priority, cancel-job, retry-job, list-jobs"

ctl resume | contains -i running || fail "resume"
done_job() { ctl --json job-status "$id" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["job"]["state"]=="done" else 1)'; }
wait_until 300 "the job to run after resume" done_job
[[ -f "$D/elsewhere/ctl01.qcow2" ]] || fail "a file queued from outside the queue was moved"
pass "resume: the job ran; the operator's file outside the queue was left in place"

# Raw socket: garbage, unknown command, oversize, concurrency, half-open clients.
python3 - "$sock" <<'PY' || fail "raw socket behaviour"
import json, socket, sys, threading
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(path); return s, s.makefile("rb")
def ask(s, f, raw):
    s.sendall(raw); return json.loads(f.readline())
s, f = conn()
r = ask(s, f, b"this is not json\n"); assert r["ok"] is False and r["error"], r
r = ask(s, f, b'{"command": "self-destruct"}\n'); assert r["ok"] is False and "self-destruct" in r["error"], r
r = ask(s, f, b'{"command": "job-status"}\n'); assert r["ok"] is False and "job_id" in r["error"], r
r = ask(s, f, b'{"command": "status"}\n'); assert r["ok"] is True, r   # the same connection still works
s.close()
s, f = conn()
try:
    s.sendall(b'{"command": "status", "pad": "' + b"x" * (1 << 20) + b'"}\n')
except (BrokenPipeError, ConnectionResetError):
    pass
line = f.readline()
assert line and json.loads(line)["ok"] is False and "exceeds" in json.loads(line)["error"], line
s.close()
half, _ = conn(); half.sendall(b'{"command": "sta')           # disconnects mid-line
mute, _ = conn()
for _ in range(200): mute.sendall(b'{"command": "status"}\n')  # never reads its replies
half.close()
errors = []
def client(n):
    try:
        s, f = conn()
        for i in range(50):
            r = ask(s, f, b'{"command": "status"}\n')
            assert r["ok"] and r["status"] == "running", r
        s.close()
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
[t.start() for t in threads]; [t.join() for t in threads]
assert not errors, errors[:3]
mute.close()
print("raw socket ok: garbage, unknown, missing arg, oversize, 20x50 concurrent requests")
PY
ctl status | contains RUNNING || fail "daemon not healthy after the socket abuse"
pass "garbage, oversize and concurrent clients handled; daemon still running"

# cancel-job on a running job: the conversion is killed, nothing published.
touch "$D/slow"
cp "$FIX/$(fixture_path qcow2)" "$Q/cancel01.qcow2"
running() { [[ "$(jobs_in_state running)" == 1 ]]; }
wait_until 120 "cancel01 to start" running
cid=$(ctl --json list-jobs --state running | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
ctl cancel-job "$cid" >/dev/null || fail "cancel-job of a running job"
cancelled() { ctl --json job-status "$cid" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["job"]["state"]=="cancelled" else 1)'; }
wait_until 60 "the running job to be cancelled" cancelled
pgrep -f "$D/bin/qemu-img" >/dev/null && fail "the cancelled job's qemu-img is still running"
[[ -z "$(find "$O" -name '.*partial*')" && ! -e "$O/$(date +%F)/cancel01" ]] || fail "the cancelled job left output"
[[ -f "$Q/cancel01.qcow2" ]] || fail "the cancelled job's source was removed"
pass "cancel-job on a running job: conversion killed, nothing published, source kept"

# stop: interrupts a running job and keeps it for the next start.
cp "$FIX/$(fixture_path qcow2)" "$Q/stop01.qcow2"
wait_until 120 "stop01 to start" running
ctl stop | contains -i stopping || fail "stop"
wait_exit "$DAEMON_PID" 120 || fail "daemon exited non-zero after stop"
[[ -z "$(find "$O" -name '.*partial*')" ]] || fail "stop left a staging folder"
[[ -f "$Q/stop01.qcow2" ]] || fail "stop lost the source"
pass "stop: daemon exited 0, the interrupted job's source kept"
rm -f "$D/slow"
# The restart also moves the state of an earlier version: what this daemon
# left in state_dir is put where earlier versions kept it (<output_dir>/.daemon)
# and must come back, once, with every job in it.
mv "$D/state" "$O/.daemon"
start_daemon PATH="$D/bin:$PATH"
grep -qF "moved the daemon state from $O/.daemon to $D/state (renamed)" "$DAEMON_LOG" ||
  fail "no log line about moving $O/.daemon to $D/state"
[[ ! -e "$O/.daemon" && -d "$D/state/state.rocksdb" ]] || fail "the old state folder was not moved: $(ls -A "$O" "$D/state")"
# The stopped job is queued again: by the scheduler as `stop` interrupts it
# ("interrupted by stop"), or by the start-up recovery if the daemon died
# before that was recorded ("was interrupted").
grep -qE "interrupted by stop|was interrupted" "$DAEMON_LOG" || fail "the stopped job was not queued again for the next start"
# hyperctl --output-dir (deprecated) still finds the daemon once its socket moved to state_dir.
H2K_STATE_DIR="$D/state" "$H2K_HYPERCTL" --output-dir "$O" status 2>"$D/note.txt" | contains RUNNING ||
  fail "hyperctl --output-dir did not reach the daemon: $(cat "$D/note.txt")"
grep -q "deprecated: use --state-dir" "$D/note.txt" || fail "hyperctl --output-dir printed no deprecation note"
wait_until 300 "the interrupted job to finish after restart" bash -c "[[ \$('$H2K_HYPERCTL' --state-dir '$D/state' --json list-jobs --state done | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"jobs\"]))') == 2 ]]"
ctl drain
wait_exit "$DAEMON_PID" 60 || fail "daemon exited non-zero after drain"
[[ ! -e "$sock" ]] || fail "socket left after drain"
pass "restart moved the old <output_dir>/.daemon to state_dir and resumed the stopped job; drain exited 0"
