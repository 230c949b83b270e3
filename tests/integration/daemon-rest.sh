#!/usr/bin/env bash
# The REST API with the real daemon and curl: every route (status codes and
# JSON fields), a job queued over HTTP and followed to done, cancel and
# retry, /metrics as Prometheus text, the bearer token (missing, wrong,
# right), malformed and oversize bodies, unknown routes and methods; then
# `hyperctl --server` against the socket's output; then the starts the
# daemon must refuse (token file readable by others, a non-loopback listen
# without a token, an address it cannot bind).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

new_daemon_dir
trap 'stop_daemon_quietly; [[ -n "${HOLD_PID:-}" ]] && kill "$HOLD_PID" 2>/dev/null; rm -rf "$D"' EXIT
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
TOKEN=tok-$RANDOM$RANDOM$RANDOM
TOKEN_FILE=$D/api.token
( umask 077; echo "$TOKEN" >"$TOKEN_FILE" )
write_config "max_concurrent_jobs: 1
conversion:
  guest_fixes: false
api:
  listen: 127.0.0.1:$PORT
  token_file: $TOKEN_FILE
  max_body_bytes: 65536
  timeout: 5"
start_daemon
grep -q "REST API on $URL" "$DAEMON_LOG" || fail "the log does not say where the REST API listens"
grep -q "$TOKEN" "$DAEMON_LOG" "$D/daemon.stdout" && fail "the token appears in the daemon's log"

# api METHOD PATH [curl args...]: prints the status; the body is in $D/body.
api() {
  local method=$1 path=$2; shift 2
  curl -sS -o "$D/body" -D "$D/headers" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$URL$path"
}
body() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$D/body"; }
expect() {  # expect STATUS METHOD PATH [curl args...]
  local want=$1; shift
  local got; got=$(api "$@")
  [[ "$got" == "$want" ]] || fail "$1 $2: HTTP $got, expected $want: $(head -c 400 "$D/body")"
}

# --- auth ----------------------------------------------------------------
code=$(curl -sS -o "$D/body" -w '%{http_code}' "$URL/health")
[[ "$code" == 200 && "$(body 'j["status"]')" == ok ]] || fail "GET /health without a token: $code $(cat "$D/body")"
code=$(curl -sS -o "$D/body" -D "$D/headers" -w '%{http_code}' "$URL/status")
[[ "$code" == 401 ]] || fail "GET /status without a token: HTTP $code, expected 401"
grep -qi '^WWW-Authenticate: Bearer' "$D/headers" || fail "401 without WWW-Authenticate: Bearer"
body 'j["error"]' | contains -i token || fail "401 body: $(cat "$D/body")"
code=$(curl -sS -o "$D/body" -w '%{http_code}' -H "Authorization: Bearer wrong-$TOKEN" "$URL/status")
[[ "$code" == 401 ]] || fail "GET /status with a wrong token: HTTP $code, expected 401"
code=$(curl -sS -o "$D/body" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN%?}" "$URL/status")
[[ "$code" == 401 ]] || fail "GET /status with a token one byte short: HTTP $code"
expect 200 GET /status
[[ "$(body 'j["status"]')" == running && "$(body 'j["pid"]')" == "$DAEMON_PID" ]] || fail "GET /status body: $(cat "$D/body")"
grep -q "refused GET /status" "$DAEMON_LOG" || fail "refused requests are not logged"
grep -q "$TOKEN" "$DAEMON_LOG" && fail "the token appears in the daemon's log after refusals"
pass "auth: /health open; missing and wrong tokens 401 with WWW-Authenticate; the right one 200; token never logged"

# --- read routes ---------------------------------------------------------
expect 200 GET /nodes
body 'len(j["nodes"])' | contains '^1$' || fail "GET /nodes: $(cat "$D/body")"
expect 200 GET /jobs
[[ "$(body 'j["jobs"]')" == "[]" ]] || fail "GET /jobs on a new daemon: $(cat "$D/body")"
expect 200 GET /metrics
grep -qi '^Content-Type: text/plain; version=0.0.4' "$D/headers" || fail "/metrics content type: $(grep -i content-type "$D/headers")"
grep -q '^hyper2kvm_queue_depth ' "$D/body" || fail "/metrics has no hyper2kvm_queue_depth: $(head -c 300 "$D/body")"
pass "GET /nodes, /jobs, /metrics (Prometheus text)"

# --- errors --------------------------------------------------------------
expect 404 GET /no/such/route
body 'j["error"]' | contains "no route" || fail "404 body: $(cat "$D/body")"
expect 405 PUT /jobs --data ''
grep -qi '^Allow: GET, POST' "$D/headers" || fail "405 without Allow"
expect 400 POST /jobs -H 'Content-Type: application/json' --data-binary '{"path": '
body 'j["error"]' | contains "not valid JSON" || fail "bad JSON body: $(cat "$D/body")"
expect 400 POST /jobs --data-binary '{"path": "relative.qcow2"}'
body 'j["error"]' | contains "absolute" || fail "relative path: $(cat "$D/body")"
expect 400 GET '/jobs?state=sleeping'
expect 400 GET '/jobs?limit=0'
expect 404 GET /jobs/no-such-job
body 'j["error"]' | contains "no job no-such-job" || fail "unknown job: $(cat "$D/body")"
expect 404 DELETE /jobs/no-such-job
head -c 100000 /dev/zero | tr '\0' 'x' >"$D/big"
expect 413 POST /jobs --data-binary @"$D/big"
body 'j["error"]' | contains "65536" || fail "413 body: $(cat "$D/body")"
expect 400 POST /convert --data-binary '{"vm": "db01"}'
body 'j["error"]' | contains "vcenter" || fail "vSphere convert without vcenter: $(cat "$D/body")"
expect 400 POST /convert --data-binary '{"vm": "db01", "vcenter": "127.0.0.1:9", "insecure": "yes"}'
curl -sS -m 10 "$URL/health" >/dev/null || fail "the API stopped answering after the error cases"
pass "404, 405 with Allow, 400 (bad JSON, validation), 404 unknown job, 413 over max_body_bytes"

# A vSphere VM: queued for an export slot (this vCenter does not answer, so
# the export fails and waits for its retry), then cancelled; the password
# given with it is never written anywhere.
expect 201 POST /convert --data-binary '{"vm": "db01", "vcenter": "127.0.0.1:9", "username": "u", "password": "pw-rest-4711", "insecure": true}'
vid=$(body 'j["job"]["id"]')
[[ "$(body 'j["job"]["vsphere"]["vm"], j["job"]["vsphere"]["exported"]')" == "db01 False" ]] || fail "POST /convert VM: $(cat "$D/body")"
is_waiting() { api GET "/jobs/$vid" >/dev/null; [[ "$(body 'j["job"]["state"]')" == retry_wait ]]; }
wait_until 60 "the export of $vid to fail and wait for a retry" is_waiting
body 'j["job"]["last_error"]["reason"]' | contains "127.0.0.1" || fail "export error does not name the vCenter: $(cat "$D/body")"
expect 200 DELETE "/jobs/$vid"
[[ "$(body 'j["job"]["state"]')" == cancelled ]] || fail "DELETE of the export job: $(cat "$D/body")"
grep -rq "pw-rest-4711" "$D" && fail "the password given to POST /convert was written under $D: $(grep -rl pw-rest-4711 "$D")"
pass "POST /convert of a VM: 201, export attempted and retried (error names the vCenter), DELETE cancels; password never written"

# --- a job over HTTP -------------------------------------------------------
mkdir -p "$D/elsewhere"
cp "$FIX/$(fixture_path qcow2)" "$D/elsewhere/rest01.qcow2"
expect 201 POST /jobs --data-binary "{\"path\": \"$D/elsewhere/rest01.qcow2\", \"priority\": \"high\"}"
id=$(body 'j["job"]["id"]')
[[ -n "$id" ]] || fail "POST /jobs: no job id: $(cat "$D/body")"
job_state() { api GET "/jobs/$id" >/dev/null; body 'j["job"]["state"]'; }
is_done() { [[ "$(job_state)" == done ]]; }
wait_until 300 "job $id to be done (GET /jobs/{id})" is_done
expect 409 DELETE "/jobs/$id"
body 'j["error"]' | contains "already done" || fail "cancel of a done job: $(cat "$D/body")"
expect 200 GET "/jobs?state=done&limit=5"
body '[x["id"] for x in j["jobs"]]' | contains "$id" || fail "GET /jobs?state=done: $(cat "$D/body")"
ls "$O"/*/rest01/report.json >/dev/null 2>&1 || fail "job $id published nothing under $O"
pass "POST /jobs 201 -> GET /jobs/{id} until done; DELETE of a done job 409; GET /jobs?state=done"

# cancel and retry: paused (POST /control), so the job waits.
expect 200 POST /control --data-binary '{"command": "pause"}'
[[ "$(body 'j["ok"]')" == True ]] || fail "POST /control pause: $(cat "$D/body")"
cp "$FIX/$(fixture_path qcow2)" "$D/elsewhere/rest02.qcow2"
expect 201 POST /convert --data-binary "{\"path\": \"$D/elsewhere/rest02.qcow2\"}"
id2=$(body 'j["job"]["id"]')
expect 200 DELETE "/jobs/$id2"
[[ "$(body 'j["job"]["state"]')" == cancelled ]] || fail "DELETE /jobs/$id2: $(cat "$D/body")"
expect 411 POST "/jobs/$id2/retry"
body 'j["error"]' | contains "Content-Length" || fail "411 body: $(cat "$D/body")"
expect 200 POST "/jobs/$id2/retry" --data ''
[[ "$(body 'j["job"]["state"]')" == queued ]] || fail "POST /jobs/$id2/retry: $(cat "$D/body")"
expect 409 POST "/jobs/$id2/retry" --data ''
expect 200 POST /control --data-binary '{"command": "resume"}'
id=$id2
wait_until 300 "retried job $id2 to be done" is_done
expect 400 POST /control --data-binary '{"command": "self-destruct"}'
[[ "$(body 'j["ok"]')" == False ]] || fail "POST /control with an unknown command: $(cat "$D/body")"
pass "POST /convert (share path) 201; DELETE cancels 200; retry 200 then 409; POST /control pause/resume"

# --- hyperctl --server -------------------------------------------------------
hyperctl_http() { "$H2K_HYPERCTL" --server "$URL" --token-file "$TOKEN_FILE" "$@"; }
hyperctl_http status | contains RUNNING || fail "hyperctl --server status: $(hyperctl_http status 2>&1)"
HYPERCTL_TOKEN_FILE=$TOKEN_FILE "$H2K_HYPERCTL" --server "$URL" status | contains RUNNING || fail "HYPERCTL_TOKEN_FILE"
via_http=$(hyperctl_http --json list-jobs)
via_socket=$(ctl --json list-jobs)
[[ "$via_http" == "$via_socket" ]] || fail "list-jobs --json differs: http: $via_http socket: $via_socket"
[[ "$(hyperctl_http list-jobs)" == "$(ctl list-jobs)" ]] || fail "list-jobs text differs between --server and the socket"
rc=0; hyperctl_http job-status no-such-job >/dev/null 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "hyperctl --server job-status of an unknown job must exit 1 like the socket (got $rc)"
rc=0; "$H2K_HYPERCTL" --server "$URL" status >/dev/null 2>"$D/err" || rc=$?
[[ $rc != 0 ]] && grep -q 401 "$D/err" || fail "hyperctl --server without a token: rc $rc, $(cat "$D/err")"
pass "hyperctl --server: status, list-jobs (--json identical to the socket's), exit codes, 401 without a token"

ctl stop >/dev/null
wait_exit "$DAEMON_PID" 60 || fail "daemon did not exit after stop"
DAEMON_PID=

# --- refused starts ------------------------------------------------------
# start_refused REASON-PATTERN: the daemon must exit non-zero saying why.
start_refused() {
  local rc=0
  timeout 60 "$H2K_BIN" --config "$CFG" >"$D/refused.out" 2>&1 || rc=$?
  [[ $rc != 0 && $rc != 124 ]] || fail "the daemon started (rc $rc) though: $1"
  grep -q -- "$2" "$D/refused.out" || fail "refused start does not say '$2': $(tail -5 "$D/refused.out")"
}
chmod 644 "$TOKEN_FILE"
start_refused "token file mode 0644" "$TOKEN_FILE has mode 0644"
grep -q "$TOKEN" "$D/refused.out" && fail "the refusal shows the token"
chmod 600 "$TOKEN_FILE"

write_config "api:
  listen: 0.0.0.0:$PORT"
start_refused "listen on every address without a token" "api.token_file"
"$H2K_BIN" --config "$CFG" --check-config >/dev/null 2>&1 && fail "--check-config accepts listen 0.0.0.0 without a token file"

write_config "api:
  listen: 0.0.0.0:$PORT
  token_file: $TOKEN_FILE"
"$H2K_BIN" --config "$CFG" --check-config >"$D/check.json" 2>/dev/null || fail "--check-config refused a token-protected API"
[[ "$(json_get "$D/check.json" 'j["api"]["token_file"]')" == "$TOKEN_FILE" ]] || fail "--check-config does not show api.token_file"
grep -q "$TOKEN" "$D/check.json" && fail "--check-config shows the token"

# An address the user chose that is taken: a startup error naming api.listen.
# The earlier daemons of this test served $PORT, so connections to it may
# still be in TIME_WAIT: the holder binds with SO_REUSEADDR, as the daemon
# does (a listening socket still keeps every other one out), and says when
# it holds the port, so the daemon is started only once it really is taken.
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); print("held", flush=True); time.sleep(120)' "$PORT" >"$D/hold-port.out" &
HOLD_PID=$!
for _ in $(seq 1 100); do [[ -s "$D/hold-port.out" ]] && break; kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
[[ -s "$D/hold-port.out" ]] || fail "the test could not hold 127.0.0.1:$PORT itself (in use by another program)"
write_config "api:
  listen: 127.0.0.1:$PORT"
start_refused "api.listen taken" "api.listen 127.0.0.1:$PORT"
pass "refused starts: token file 0644 (named), 0.0.0.0 without api.token_file, a taken api.listen; --check-config shows the path, not the token"
kill "$HOLD_PID" 2>/dev/null; HOLD_PID=

# The default address taken: the daemon starts without the API, with a
# warning naming api.listen, and the control socket works. Only a port this
# test holds itself is known to stay taken: the suite's other daemons use the
# same default address and come and go, so "found taken" could be free again
# a moment later. The holder retries for up to a minute while another
# daemon has it.
python3 -c 'import socket,sys,time
s=socket.socket()
for _ in range(600):
    try:
        s.bind(("127.0.0.1",8080)); break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(1)
s.listen(); print("held", flush=True); time.sleep(120)' >"$D/hold.out" 2>/dev/null &
HOLD_PID=$!
for _ in $(seq 1 650); do [[ -s "$D/hold.out" ]] && break; kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
if [[ -s "$D/hold.out" ]]; then
  write_config ""
  start_daemon
  # (The API starts just after the control socket start_daemon waits for.)
  wait_until 20 "a warning naming api.listen in the log (the default port taken)" \
    grep -q "cannot listen on api.listen 127.0.0.1:8080.*continuing without the REST API" "$DAEMON_LOG"
  ctl status | contains RUNNING || fail "control socket after a taken default API port"
  pass "default api.listen taken: warning naming api.listen, the daemon runs, the control socket answers"
else
  echo "skip: 127.0.0.1:8080 stayed taken by another process for a minute; the taken-default-port case is not checked"
fi
