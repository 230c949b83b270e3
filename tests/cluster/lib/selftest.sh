#!/usr/bin/env bash
# Self-test of netns.sh: bash tests/cluster/lib/selftest.sh (as root).
# Exit 0 when every check passes; 1 with "FAIL - <check>" otherwise; 77
# (ctest's SKIP_RETURN_CODE) when not root. Takes ~8-10 s, most of it the
# silent-link-down check, which has to wait out TCP retransmission.
# shellcheck disable=SC2016 # bash -c '...' bodies expand their own $1 $2
# shellcheck disable=SC2119 # cluster_teardown's optional ID is not our $1
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=$here/netns.sh
# shellcheck source=netns.sh
source "$lib"

passed=0
ok() { echo "ok $((++passed)) - $*"; }
fail() {
  echo "FAIL - $*" >&2
  echo "selftest: $passed passed, 1 failed"
  exit 1
}
fails() { ! "$@"; }
check() { # DESCRIPTION CMD...
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# wait_for SECONDS CMD...: polls CMD every 20 ms.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.02
  done
}

[[ $EUID -eq 0 ]] || { echo "SKIP: needs root (network namespaces, mounts)"; exit 77; }
cluster_require_tools
SECONDS=0
tmp=$(mktemp -d /tmp/h2k-cluster-selftest-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cluster_trap_teardown

root_net() { ip -o addr show; ip route show; ip -o link show | awk -F': ' '{ print $2 }'; }
root_before=$(root_net)

# ------------------------------------------------------------ traps

trap_chained() { [[ $(trap -p EXIT) == *cluster_teardown*'rm -rf'* ]]; }
check "cluster_trap_teardown runs teardown, then the earlier EXIT trap" trap_chained

# A child test that fails (exit 3) or is sent SIGTERM still cleans up, runs
# its own earlier trap, and keeps its exit status.
# (A file, not a function: `f &` would fork a subshell and $! would be it.)
cat >"$tmp/child.sh" <<'EOF'
set -euo pipefail
source "$1"
trap 'touch "$2/old-trap"' EXIT
cluster_trap_teardown
cluster_net_up auto x
echo "$CLUSTER_ID" >"$2/id"
touch "$2/ready"
if [[ $3 == term ]]; then sleep 30 & echo $! >"$2/sleep"; wait $!; fi
exit 3
EOF
child_cleaned() { # DIR WANT-RC RC
  [[ $3 == "$2" && -e $1/old-trap && -z $(_cluster_ns_list "$(cat "$1/id")") ]]
}
mkdir "$tmp/c1" "$tmp/c2"
rc=0; bash "$tmp/child.sh" "$lib" "$tmp/c1" exit || rc=$?
check "failing child: exit status 3 kept, old trap ran, namespaces gone" child_cleaned "$tmp/c1" 3 "$rc"
bash "$tmp/child.sh" "$lib" "$tmp/c2" term & child=$!
wait_for 5 test -s "$tmp/c2/sleep" || fail "child cluster did not come up"
kill -TERM "$child"
rc=0; wait "$child" || rc=$?
kill "$(cat "$tmp/c2/sleep")" 2>/dev/null || true
check "SIGTERMed child: exit 143, old trap ran, namespaces gone" child_cleaned "$tmp/c2" 143 "$rc"

# ------------------------------------------------------------ network

cluster_net_up auto a b c
cluster_print_map | sed 's/^/# /'
ID=$CLUSTER_ID

other_id=$(bash -c 'source "$1"; id=$(cluster_pick_id); echo "$id"; cluster_teardown "$id"' _ "$lib")
check "a parallel run picks another ID ($other_id != $ID)" test "$other_id" != "$ID"
bash -c 'source "$1"; cluster_teardown' _ "$lib" 2>/dev/null # inherits CLUSTER_ID
check "a child script's cluster_teardown leaves our live cluster alone" \
  test "$(_cluster_ns_list "$ID" | wc -l)" == 4
check "a parallel run cannot take ID $ID explicitly" \
  bash -c '! (source "$1"; cluster_net_up "$2" x) 2>/dev/null' _ "$lib" "$ID"

# A run killed by SIGKILL (no trap) leaves its cluster behind; the next run
# to want that ID reaps it.
{ bash -c 'source "$1"; cluster_net_up auto x; echo "$CLUSTER_ID" >"$2/id"; kill -9 $$' _ "$lib" "$tmp"; } 2>/dev/null || true
stale=$(cat "$tmp/id")
check "SIGKILLed run left h2k$stale-* behind (precondition)" test -n "$(_cluster_ns_list "$stale")"
check "a later run reclaims stale ID $stale" \
  bash -c 'source "$1"; cluster_net_up "$2" y && cluster_teardown' _ "$lib" "$stale"
check "stale namespaces are gone" test -z "$(_cluster_ns_list "$stale")"

check "root namespace: addresses, routes and links untouched" test "$(root_net)" == "$root_before"
only_subnet() { [[ $(cluster_exec a ip -4 route show) == "10.231.$ID.0/24 dev eth0 "* && $(cluster_exec a ip -4 route show | wc -l) == 1 ]]; }
check "node routes: only 10.231.$ID.0/24, no default route" only_subnet

pings() { cluster_exec "$1" ping -q -c1 -W1 "$2" >/dev/null 2>&1; }
for src in a b c; do
  for dst in a b c; do
    [[ $src == "$dst" ]] && continue
    check "$src pings $dst ($(cluster_addr "$dst"))" pings "$src" "$(cluster_addr "$dst")"
  done
done
for addr in $(ip -4 -o addr show scope global | awk '{ sub("/.*", "", $4); print $4 }'); do
  check "a cannot reach root-namespace address $addr" fails pings a "$addr"
done

# ------------------------------------------------------------ share

cluster_share_setup "$tmp/cl" a b c
pa=$(cluster_share_path a) pb=$(cluster_share_path b) pc=$(cluster_share_path c)
check "share paths differ per node and are mount points" \
  bash -c '[[ $1 != "$2" ]] && mountpoint -q "$1" && mountpoint -q "$2"' _ "$pa" "$pb"
echo hello >"$pa/f"
check "file written via a's path is visible via b's path" test "$(cat "$pb/f")" == hello
cluster_exec c sh -c 'echo from-c >"$1/g"' _ "$pc"
check "file written inside c's namespace is in the real share" test "$(cat "$tmp/cl/share/g")" == from-c

# ------------------------------------------------------------ spawn

pid=$(cluster_spawn b "$tmp/sleep.log" sleep 100)
check "spawned PID $pid is sleep itself" test "$(cat "/proc/$pid/comm")" == sleep
check "spawned PID runs in b's namespace" \
  test "$(readlink "/proc/$pid/ns/net")" == "net:[$(stat -L -c %i "/run/netns/$(cluster_ns b)")]"
proc_state() { _cluster_stat "$1" 3 2>/dev/null; }
is_state() { [[ $(proc_state "$1") == "$2" ]]; }
kill -STOP "$pid"
check "kill -STOP stops it (state T)" wait_for 2 is_state "$pid" T
kill -CONT "$pid"
check "kill -CONT resumes it" wait_for 2 is_state "$pid" S
# What the running daemon sees of the share, through its own mount table.
sees_f() { [[ -e /proc/$1/root$pb/f ]]; }
check "spawned process sees the share" sees_f "$pid"
cluster_share_detach b
check "share_detach reaches the running process (mount propagation)" fails sees_f "$pid"
cluster_share_attach b
check "share_attach reaches it again" sees_f "$pid"
gone() { [[ ! -e /proc/$1 || $(proc_state "$1") == Z ]]; }
kill -9 "$pid"
check "kill -9 PID ends it" wait_for 2 gone "$pid"
survivor=$(cluster_spawn c "$tmp/survivor.log" sleep 100) # for teardown to kill

# ------------------------------------------------------------ link down

# Both ends keep sending while b's cable is pulled; any error, EOF or RST
# seen by either side is a failure, and after replugging every byte must
# arrive (the connection survived).
cat >"$tmp/probe.py" <<'EOF'
import os, socket, sys, time
role, addr, port, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
CHUNK, N = 1000, 15
def mark(name):
    open(os.path.join(d, f"{role}.{name}"), "w").close()
def wait_for(name, secs=20):
    end = time.time() + secs
    while not os.path.exists(os.path.join(d, name)):
        if time.time() > end: sys.exit(f"{role}: timed out waiting for {name}")
        time.sleep(0.02)
if role == "server":
    ls = socket.create_server((addr, port)); mark("listening")
    s, _ = ls.accept()
else:
    s = socket.create_connection((addr, port), timeout=5)
s.settimeout(None)
s.sendall(b"x" * CHUNK); mark("connected")
wait_for("down")
t0, total = time.time(), 0
for i in range(N):  # 3 s of outage
    try:
        s.sendall(b"y" * CHUNK)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err: sys.exit(f"{role}: SO_ERROR {os.strerror(err)} during outage")
        try:
            got = s.recv(65536, socket.MSG_DONTWAIT)
            if got == b"": sys.exit(f"{role}: EOF during outage")
            total += len(got)
        except BlockingIOError:
            pass
    except OSError as e:
        sys.exit(f"{role}: {e!r} during outage after {time.time() - t0:.1f}s")
    time.sleep(0.2)
mark("quiet")
wait_for("up")
s.shutdown(socket.SHUT_WR)
t1 = time.time()
s.settimeout(20)
while True:
    b = s.recv(65536)
    if not b: break
    total += len(b)
want = CHUNK * (N + 1)
print(f"{role}: no error during outage; got {total}/{want} bytes, {time.time() - t1:.1f}s after link up")
sys.exit(0 if total == want else 1)
EOF
mkdir "$tmp/probe"
cluster_exec b python3 "$tmp/probe.py" server 0.0.0.0 7000 "$tmp/probe" >"$tmp/server.out" 2>&1 & probe_server=$!
wait_for 10 test -e "$tmp/probe/server.listening" || fail "probe server did not start: $(cat "$tmp/server.out")"
cluster_exec a python3 "$tmp/probe.py" client "$(cluster_addr b)" 7000 "$tmp/probe" >"$tmp/client.out" 2>&1 & probe_client=$!
wait_for 10 test -e "$tmp/probe/server.connected" -a -e "$tmp/probe/client.connected" || fail "probe did not connect"
cluster_link_down b
no_carrier() { [[ $(cluster_exec b ip -o link show eth0) == *NO-CARRIER* ]]; }
check "link_down b: b's eth0 shows NO-CARRIER" no_carrier
check "link_down b: a cannot ping b" fails pings a "$(cluster_addr b)"
touch "$tmp/probe/down"
wait_for 10 test -e "$tmp/probe/server.quiet" -a -e "$tmp/probe/client.quiet" || true
cluster_link_up b
touch "$tmp/probe/up"
rc=0; wait "$probe_client" || rc=$?
sed 's/^/# /' "$tmp/client.out"
check "link down is silent for the sender (a), connection survives" test "$rc" == 0
rc=0; wait "$probe_server" || rc=$?
sed 's/^/# /' "$tmp/server.out"
check "link down is silent for the cut-off node (b), connection survives" test "$rc" == 0
check "link_up b: a pings b again" pings a "$(cluster_addr b)"

# ------------------------------------------------------------ certificates

c=$tmp/certs
cluster_make_certs "$c" a b c
verify() { openssl verify -CAfile "$c/ca.pem" "$c/$1.pem" >/dev/null 2>&1; }
for n in a b c; do
  check "openssl verify: $n.pem is signed by ca.pem" verify "$n"
done
check "openssl verify: rogue.pem is refused by ca.pem" fails verify rogue
has_san() { openssl x509 -in "$c/b.pem" -noout -ext subjectAltName | grep -q "DNS:b, IP Address:$(cluster_addr b)"; }
check "b.pem carries DNS:b and IP:$(cluster_addr b)" has_san

# tls_get NODE SERVER-NODE PORT CERT-BASE: an HTTP GET over mutual TLS from
# NODE; the client checks the server's cert (CA and IP SAN) as well.
tls_get() {
  printf 'GET / HTTP/1.0\r\n\r\n' | cluster_exec "$1" timeout 5 openssl s_client -quiet \
    -connect "$(cluster_addr "$2"):$3" -verify_ip "$(cluster_addr "$2")" \
    -CAfile "$c/ca.pem" -verify_return_error -cert "$c/$4.pem" -key "$c/$4.key" 2>&1
}
served() { grep -q '^HTTP/1.0 200 ok' <<<"$1"; }
tls_server=$(cluster_spawn b "$tmp/s_server.log" openssl s_server -quiet -accept 4433 -www \
  -cert "$c/b.pem" -key "$c/b.key" -CAfile "$c/ca.pem" -Verify 1 -verify_return_error)
cluster_wait_port b 4433
out=$(tls_get a b 4433 a) || true
check "mutual TLS a -> b with CA-signed certs succeeds" served "$out"
out=$(tls_get a b 4433 rogue) || true
check "mutual TLS: b refuses a client with the rogue cert" fails served "$out"
rogue_server=$(cluster_spawn c "$tmp/s_rogue.log" openssl s_server -quiet -accept 4434 -www \
  -cert "$c/rogue.pem" -key "$c/rogue.key" -CAfile "$c/ca.pem" -Verify 1)
cluster_wait_port c 4434
out=$(tls_get a c 4434 a) || true
check "mutual TLS: a refuses a server with the rogue cert" fails served "$out"

# ------------------------------------------------------------ teardown

cluster_teardown
check "teardown: no h2k$ID-* namespace left" test -z "$(_cluster_ns_list "$ID")"
check "teardown: no mount left under $tmp" fails grep -qF " $tmp/" /proc/self/mountinfo
all_gone() { local p; for p in "$@"; do gone "$p" || return 1; done; }
check "teardown: spawned processes are dead" wait_for 2 all_gone "$survivor" "$tls_server" "$rogue_server"
check "teardown: ID $ID released" test ! -e "$CLUSTER_RUN_DIR/$ID"
check "teardown twice is fine" cluster_teardown
check "root namespace still untouched" test "$(root_net)" == "$root_before"

echo "selftest: $passed passed, 0 failed (${SECONDS}s)"
