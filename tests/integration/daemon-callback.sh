#!/usr/bin/env bash
# The conversion-complete callback with the real daemon: a local receiver on
# 127.0.0.1 gets one signed POST per finished job. The test recomputes the
# HMAC-SHA256 over the exact body with the shared secret, and checks the
# seed's fields: a copy-only conversion -> status success with the published
# files; a garbage .vmdk -> status failed with its error file.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}

new_daemon_dir
trap 'stop_daemon_quietly; [[ -n "${RECV_PID:-}" ]] && kill "$RECV_PID" 2>/dev/null; rm -rf "$D"' EXIT

# The receiver keeps each request's raw body (what the signature covers).
RECV_LOG=$D/callbacks.jsonl
python3 - "$RECV_LOG" >"$D/recv.port" 2>"$D/recv.err" <<'PY' &
import http.server, json, sys
log = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "raw": body.decode()}) + "\n")
        log.flush()
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
RECV_PID=$!
for _ in $(seq 1 50); do [[ -s "$D/recv.port" ]] && break; sleep 0.1; done
RECV_PORT=$(cat "$D/recv.port")
[[ -n "$RECV_PORT" ]] || fail "receiver did not start"

SECRET=cb-$RANDOM$RANDOM$RANDOM
( umask 077; echo "$SECRET" >"$D/callback.secret" )
write_config "max_concurrent_jobs: 1
api:
  listen: off
conversion:
  guest_fixes: false
notifications:
  callback_url: http://127.0.0.1:$RECV_PORT/webhook/conversion-complete
  callback_secret_file: $D/callback.secret
  callback_all_jobs: true"
"$H2K_BIN" --config "$CFG" --check-config >"$D/check.json" 2>/dev/null || fail "--check-config refused the callback keys"
grep -q "$SECRET" "$D/check.json" && fail "--check-config shows the callback secret"
[[ "$(json_get "$D/check.json" 'j["notifications"]["callback_all_jobs"]')" == True ]] || fail "--check-config: callback_all_jobs"
start_daemon

mkdir -p "$D/elsewhere"
cp "$FIX/$(fixture_path qcow2)" "$D/elsewhere/cb01.qcow2"
head -c 1048576 /dev/urandom >"$D/elsewhere/garbage.vmdk"
ok_id=$(ctl --json queue-job "$D/elsewhere/cb01.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["id"])')
bad_id=$(ctl --json queue-job "$D/elsewhere/garbage.vmdk" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["id"])')
two_callbacks() { [[ -f "$RECV_LOG" && $(wc -l <"$RECV_LOG") -ge 2 ]]; }
wait_until 300 "two callbacks" two_callbacks
sleep 1

python3 - "$RECV_LOG" "$SECRET" "$ok_id" "$bad_id" <<'PY' || fail "callback payloads: $(cat "$RECV_LOG")"
import hashlib, hmac, json, os, sys
log, secret, ok_id, bad_id = sys.argv[1:]
calls = [json.loads(l) for l in open(log)]
by_job = {}
for c in calls:
    h = {k.lower(): v for k, v in c["headers"].items()}
    assert c["path"] == "/webhook/conversion-complete", c["path"]
    assert h["x-hyper2kvm-event"] == "conversion-complete", h
    want = "sha256=" + hmac.new(secret.encode(), c["raw"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(h["x-hyper2kvm-signature"], want), (h["x-hyper2kvm-signature"], want)
    assert h["content-type"].startswith("application/json"), h
    body = json.loads(c["raw"])
    by_job.setdefault(body["job_id"], []).append(body)
ok = by_job[ok_id]; assert len(ok) == 1, ok
ok = ok[0]
assert ok["status"] == "success" and ok["vm_name"], ok
assert os.path.isdir(ok["output_dir"]), ok
assert ok["files"] and all(os.path.isfile(f) and f.startswith(ok["output_dir"] + "/") for f in ok["files"]), ok
assert any(f.endswith("report.json") for f in ok["files"]) and any(f.endswith(".qcow2") for f in ok["files"]), ok
assert isinstance(ok["duration_seconds"], (int, float)) and ok["duration_seconds"] > 0, ok
# guest_fixes is off: the report says no fix was applied.
assert ok["modifications"].get("applied") is False, ok
bad = by_job[bad_id][-1]
assert bad["status"] == "failed" and bad["vm_name"] == "garbage", bad
assert bad["error"], bad
assert bad["retry_available"] is False and bad["retry_count"] == 0, bad
assert bad["error_file"].endswith("/.errors/garbage.vmdk.error.json") and os.path.isfile(bad["error_file"]), bad
print("ok", ok["files"], bad["error"][:80])
PY
grep -q "$SECRET" "$DAEMON_LOG" && fail "the callback secret appears in the log"
pass "signed callbacks: success (files, output_dir, duration) and failed (error, error_file, retry_available false); HMAC verified"

# A secret file others can read: the daemon refuses to start, naming the key.
ctl stop >/dev/null; wait_exit "$DAEMON_PID" 60 || true; DAEMON_PID=
chmod 644 "$D/callback.secret"
rc=0; timeout 60 "$H2K_BIN" --config "$CFG" >"$D/refused.out" 2>&1 || rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "the daemon started with a callback secret file of mode 0644"
grep -q "notifications.callback_secret_file" "$D/refused.out" || fail "refusal does not name the key: $(tail -3 "$D/refused.out")"
grep -q "$SECRET" "$D/refused.out" && fail "the refusal shows the secret"
pass "callback_secret_file readable by others: start refused naming notifications.callback_secret_file"
