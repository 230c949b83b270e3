# Starts and stops govmomi's vCenter simulator for the vSphere tests (sourced
# after tests/integration/lib.sh). The kit (vcsim + govc, with VM export) is
# built by ../shared/vcsim/build-vcsim.sh; scripts/test.sh builds or reuses it
# and exports H2K_VCSIM_KIT=<kit>/bin. Knobs (VCSIM_NFC_RATE, VCSIM_LEASE_TIMEOUT,
# VCSIM_NFC_IGNORE_RANGE, VCSIM_NFC_STALL, VCSIM_MANIFEST_ALGO) are passed as
# NAME=VALUE arguments to start_vcsim; its trace goes to $VCSIM_LOG.
#
#   start_vcsim DIR [KNOB=VALUE...]   -> VCSIM_HOST (127.0.0.1:PORT), VCSIM_URL
#                                        (https://HOST/sdk), VCSIM_PID, VCSIM_LOG,
#                                        VCSIM_USER / VCSIM_PASSWORD (the simulator's
#                                        only accepted credentials), GOVC_* for govc
#                                        VCSIM_PORT / VCSIM_FIXED_PASSWORD, when set,
#                                        pin the port and password (a simulator
#                                        restarted "as the same vCenter")
#                                        VCSIM_NETNS, when set, runs the simulator (and
#                                        govc) inside that network namespace: on its
#                                        127.0.0.1, reachable from nothing else there
#   stop_vcsim                        kill -9 it (idempotent)
#   govc ARGS...                      the kit's govc against the running simulator
VCSIM_KIT=${H2K_VCSIM_KIT:-/var/cache/hyper2kvm-vcsim/bin}

vcsim_available() { [[ -x "$VCSIM_KIT/vcsim" && -x "$VCSIM_KIT/govc" ]]; }

# A free TCP port on 127.0.0.1 (the kernel's pick; released before vcsim binds
# it, so a race with another test is possible but harmless: start_vcsim retries).
vcsim_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_vcsim() {
  local dir=$1; shift
  vcsim_available || fail "the vCenter simulator kit is missing in $VCSIM_KIT (run ../shared/vcsim/build-vcsim.sh)"
  mkdir -p "$dir/vcsim-tmp"
  VCSIM_USER=h2k-user
  VCSIM_PASSWORD=${VCSIM_FIXED_PASSWORD:-"pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"}
  VCSIM_LOG="$dir/vcsim.log"
  local try port
  for try in 1 2 3 4 5; do
    port=${VCSIM_PORT:-$(vcsim_free_port)}
    # `ip netns exec` execs the simulator itself: VCSIM_PID is the simulator.
    ${VCSIM_NETNS:+ip netns exec "$VCSIM_NETNS"} env "$@" TMPDIR="$dir/vcsim-tmp" "$VCSIM_KIT/vcsim" -l "127.0.0.1:$port" -autostart=false \
      -username "$VCSIM_USER" -password "$VCSIM_PASSWORD" >"$dir/vcsim.out" 2>"$VCSIM_LOG" &
    VCSIM_PID=$!
    local i
    for i in $(seq 1 100); do
      if grep -q "^export GOVC_URL" "$dir/vcsim.out" 2>/dev/null; then
        VCSIM_HOST="127.0.0.1:$port"
        VCSIM_URL="https://$VCSIM_HOST/sdk"
        export GOVC_URL="https://$VCSIM_HOST/sdk" GOVC_USERNAME="$VCSIM_USER" GOVC_PASSWORD="$VCSIM_PASSWORD" GOVC_INSECURE=1
        return 0
      fi
      kill -0 "$VCSIM_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$VCSIM_PID" 2>/dev/null || true; wait "$VCSIM_PID" 2>/dev/null || true
  done
  fail "vcsim did not start: $(tail -5 "$VCSIM_LOG" 2>/dev/null)"
}

stop_vcsim() {
  [[ -n "${VCSIM_PID:-}" ]] || return 0
  kill -9 "$VCSIM_PID" 2>/dev/null || true
  wait "$VCSIM_PID" 2>/dev/null || true
  VCSIM_PID=
}

govc() { ${VCSIM_NETNS:+ip netns exec "$VCSIM_NETNS"} "$VCSIM_KIT/govc" "$@"; }

# make_vmdk NAME MIB: $W/NAME.vmdk, a streamOptimized VMDK of MIB MiB of
# random data (incompressible: about as large as the data), to upload over a
# simulator VM's disk. $W is the calling test's scratch folder.
make_vmdk() {
  head -c "$(($2 << 20))" /dev/urandom >"$W/$1.raw"
  qemu-img convert -O vmdk -o subformat=streamOptimized "$W/$1.raw" "$W/$1.vmdk"
  rm -f "$W/$1.raw"
}
