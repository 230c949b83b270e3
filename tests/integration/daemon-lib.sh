# Helpers for the daemon tests (sourced after lib.sh): a scratch daemon with
# its own folders and config, started in the background like systemd would,
# and hyperctl pointed at it.
H2K_HYPERCTL=${H2K_HYPERCTL:?H2K_HYPERCTL must name the hyperctl binary}

# new_daemon_dir: sets D (base), Q (queue), O (output), CFG (daemon.yaml path).
# The daemon's state_dir (database, stats.json, metrics.prom, control.sock)
# is $D/state: on local disk, outside the output folder.
new_daemon_dir() {
  D=$(mktemp -d /var/tmp/h2k-daemon-XXXXXX)
  Q=$D/queue; O=$D/output
  mkdir -p "$Q" "$O" "$D/work"
  CFG=$D/daemon.yaml
  DAEMON_LOG=$D/daemon.log
}

# write_config EXTRA-YAML: the base settings every daemon test shares, plus
# whatever the test needs (later keys are appended; the parser rejects
# duplicates, so the caller passes only keys not listed here).
write_config() {
  cat >"$CFG" <<YAML
watch_dir: $Q
output_dir: $O
work_dir: $D/work
state_dir: $D/state
log_file: $DAEMON_LOG
verbose: 2
$1
YAML
}

# start_daemon [ENV=VALUE...]: runs the daemon in the background; waits for
# its control socket to answer.
start_daemon() {
  env "$@" "$H2K_BIN" --config "$CFG" >>"$D/daemon.stdout" 2>&1 &
  DAEMON_PID=$!
  local i
  for i in $(seq 1 100); do
    if [[ -S "$D/state/control.sock" ]] && ctl status >/dev/null 2>&1; then return 0; fi
    kill -0 "$DAEMON_PID" 2>/dev/null || { tail -n 30 "$D/daemon.stdout" "$DAEMON_LOG" >&2 || true; fail "daemon exited at start-up"; }
    sleep 0.2
  done
  fail "daemon control socket did not come up"
}

ctl() { "$H2K_HYPERCTL" --state-dir "$D/state" "$@"; }

# wait_until TIMEOUT-SECONDS DESCRIPTION COMMAND...: polls every 2 s.
wait_until() {
  local timeout=$1 what=$2; shift 2
  local end=$((SECONDS + timeout))
  until "$@"; do
    if (( SECONDS >= end )); then
      echo "--- daemon log (tail) ---" >&2; tail -n 60 "$DAEMON_LOG" >&2 || true
      fail "timed out after ${timeout}s waiting for: $what"
    fi
    kill -0 "$DAEMON_PID" 2>/dev/null || { tail -n 60 "$DAEMON_LOG" >&2 || true; fail "daemon died while waiting for: $what"; }
    sleep 2
  done
}

# Counts jobs in a state (from hyperctl list-jobs --json). A done job counts
# once its sources are archived too (the archiver moves them just after
# "done" is durable), so a test that waited for N done jobs may look in
# .processed/ at once.
jobs_in_state() {
  ctl --json list-jobs --state "$1" | python3 -c '
import json, sys
jobs = json.load(sys.stdin)["jobs"]
print(len([j for j in jobs if not j.get("archive_pending")]))'
}

# job_id_of FILE: the id of the job whose first source is FILE ("" if none).
job_id_of() {
  ctl --json list-jobs | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    if j["sources"] and j["sources"][0] == sys.argv[1]: print(j["id"]); break' "$1"
}

# wait_exit PID TIMEOUT: waits for a background process, returns its status.
wait_exit() {
  local pid=$1 timeout=$2 end=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    (( SECONDS < end )) || fail "process $pid did not exit within ${timeout}s"
    sleep 0.5
  done
  wait "$pid"
}

stop_daemon_quietly() {
  if [[ -n "${DAEMON_PID:-}" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
}

fixture_path() {  # fixture_path VARIANT
  python3 - "$H2K_FIXTURES/fixtures.json" "$1" <<'PY'
import json, sys
for v in json.load(open(sys.argv[1])):
    if v["name"] == sys.argv[2]:
        print(v["path"]); break
else:
    sys.exit("variant %s not in fixtures.json" % sys.argv[2])
PY
}

# A webhook receiver on 127.0.0.1 recording each POST as one JSON line: path,
# headers, body (parsed) and raw (the exact text, which a signature covers).
# Sets HOOK_PORT, HOOK_LOG and HOOK_PID.
start_webhook_receiver() {
  HOOK_LOG=$D/webhook.jsonl
  python3 - "$HOOK_LOG" >"$D/webhook.port" 2>"$D/webhook.err" <<'PY' &
import http.server, json, sys
log = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": json.loads(body),
                              "raw": body.decode()}) + "\n")
        log.flush()
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
  HOOK_PID=$!
  for _ in $(seq 1 50); do [[ -s "$D/webhook.port" ]] && break; sleep 0.1; done
  HOOK_PORT=$(cat "$D/webhook.port")
  [[ -n "$HOOK_PORT" ]] || fail "webhook receiver did not start"
}
