#!/usr/bin/env bash
# Retry with backoff: qemu-img fails twice with an I/O error, then works.
# The fault is injected at a real boundary: a qemu-img found first on the
# daemon's PATH that fails its first two `convert` runs the way a flaky
# storage does ("error while writing ... Input/output error") and then runs
# the real qemu-img. The job must fail twice, be retried after retry_delay
# (2 s) and retry_delay*backoff (4 s), succeed on attempt 3, and be counted in
# total_retried. Guest fixes are off: only the copy matters here.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/daemon-lib.sh"
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}

new_daemon_dir
trap 'stop_daemon_quietly; rm -rf "$D"' EXIT
mkdir -p "$D/bin"
real=$(command -v qemu-img)
cat >"$D/bin/qemu-img" <<SH
#!/bin/bash
if [[ "\$1" == convert ]]; then
  n=\$(( \$(cat "$D/convert-count" 2>/dev/null || echo 0) + 1 )); echo \$n >"$D/convert-count"
  echo "\$(date +%s.%N) convert \$n" >>"$D/convert-times"
  if (( n <= 2 )); then echo "qemu-img: error while writing at byte 0: Input/output error" >&2; exit 1; fi
fi
exec "$real" "\$@"
SH
chmod +x "$D/bin/qemu-img"
write_config "max_concurrent_jobs: 1
file_stable_timeout: 30
retry_policy:
  enabled: true
  max_retries: 3
  retry_delay: 2
  backoff_multiplier: 2.0
conversion:
  guest_fixes: false"
start_daemon PATH="$D/bin:$PATH"
cp "$FIX/$(fixture_path qcow2)" "$Q/flaky01.qcow2"
finished() { [[ "$(jobs_in_state done)" == 1 ]]; }
wait_until 300 "the flaky job to succeed" finished
ctl --json list-jobs --state done >"$D/done.json"
python3 - "$D/done.json" "$D/convert-times" "$D/state/stats.json" <<'PY' || fail "retry schedule"
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
assert job["attempts"] == 3, job["attempts"]
times = [float(l.split()[0]) for l in open(sys.argv[2])]
assert len(times) == 3, times
gap1, gap2 = times[1] - times[0], times[2] - times[1]
# Each gap is the delay plus the job's start-up (probe, qemu-img check): at
# least the delay, and not much more.
assert 2.0 <= gap1 < 2.0 + 6, gap1
assert 4.0 <= gap2 < 4.0 + 6, gap2
assert gap2 > gap1, (gap1, gap2)
print("retry gaps %.2f s and %.2f s" % (gap1, gap2))
PY
# stats.json follows the events within about a second.
stats_ok() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if (s["total_retried"], s["total_processed"], s["total_failed"]) == (2, 1, 0) else 1)' "$D/state/stats.json"; }
wait_until 30 "stats.json: total_retried 2, processed 1, failed 0" stats_ok
grep -c "failed (io_error)" "$DAEMON_LOG" | contains -x 2 || fail "expected two logged retryable failures"
[[ ! -e "$Q/.errors/flaky01.qcow2.error.json" ]] || fail "a retried-then-successful job got an error report"

# A permanent error is not retried: a truncated qcow2 fails at once.
head -c 65536 "$FIX/$(fixture_path qcow2)" >"$Q/broken01.qcow2"
failed() { [[ "$(jobs_in_state failed)" == 1 ]]; }
wait_until 120 "the broken file to fail" failed
ctl --json list-jobs --state failed | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
assert j["attempts"] == 1, "a permanent error was retried: %s attempts" % j["attempts"]
assert j["last_error"]["kind"] in ("invalid_input", "unsupported"), j["last_error"]' || fail "permanent error handling"
[[ -f "$Q/.errors/broken01.qcow2.error.json" ]] || fail "no error report for broken01.qcow2"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["retry_info"]["retry_count"]==0, e["retry_info"]' \
  "$Q/.errors/broken01.qcow2.error.json" || fail "retry_info of a permanent failure"
ctl drain
wait_exit "$DAEMON_PID" 60 || fail "daemon exited non-zero after drain"
pass "retried twice on the configured schedule, counted in total_retried; permanent error failed at once"
