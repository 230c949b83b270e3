# shellcheck shell=bash
# Needs: iproute2 (ip, ss), iputils-ping (ping), openssl, python3, util-linux (mount, mountpoint)
#
# Multi-host tests on one machine: each cluster node gets its own network
# namespace, all joined by a bridge in a "hub" namespace; one directory
# stands in for the NFS share and is bind-mounted at a different path per
# node. Sourced by tests (which may run `set -euo pipefail`):
#
#   source tests/cluster/lib/netns.sh
#   cluster_require_tools
#   trap 'rm -rf "$tmp"' EXIT         # own traps first, then:
#   cluster_trap_teardown              # teardown runs before that rm -rf
#   cluster_net_up auto a b c          # or a fixed ID 1..250
#   cluster_share_setup "$tmp" a b c
#   pid=$(cluster_spawn a "$tmp/a.log" my-daemon --share "$(cluster_share_path a)")
#   cluster_exec b ping -c1 -W1 "$(cluster_addr a)"
#   cluster_link_down a; ...; cluster_link_up a
#
# Layout for ID n (1..250): namespaces h2k<n>-hub (bridge br0) and
# h2k<n>-<NAME>; node k (1-based, in the order given) owns eth0 with
# 10.231.<n>.<k>/24, cabled to hub port h2k<n>n<k>. Nodes have no default
# route and nothing sits in the root namespace, so the host's addresses and
# routes are never touched and are unreachable from the nodes.
#
# Bookkeeping lives in $CLUSTER_RUN_DIR/<n>/ (default /run/h2k-cluster),
# not in shell variables, so that helpers called in $(...) subshells (like
# cluster_spawn) are still seen by cluster_teardown, and a later run can
# clean up after a run that was SIGKILLed (ctest timeout) before its trap.
# Files there: owner (claiming PID), names, mounts, pids.

CLUSTER_RUN_DIR=${CLUSTER_RUN_DIR:-/run/h2k-cluster}
CLUSTER_ID=${CLUSTER_ID:-}

_cluster_die() { echo "cluster: $*" >&2; return 1; }

# ---------------------------------------------------------------- tools

# cluster_require_tools: apt-get installs whatever of the "# Needs:" line
# is missing (CI starts from a fresh Debian 12; ping is not in the base).
cluster_require_tools() {
  local -A pkg_of=([ip]=iproute2 [ss]=iproute2 [ping]=iputils-ping
    [openssl]=openssl [python3]=python3 [mountpoint]=util-linux)
  local cmd missing=()
  for cmd in "${!pkg_of[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_of[$cmd]}")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "cluster: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------- IDs

# _cluster_claim ID: 0 if ID is now (or already) owned by this test ($$).
# mkdir is the atomic lock, so two runs picking at once never share an ID;
# a claim whose owner is dead (run killed before its trap) is reaped first.
_cluster_claim() {
  local id=$1 dir=$CLUSTER_RUN_DIR/$1 owner
  mkdir -p "$CLUSTER_RUN_DIR"
  if mkdir "$dir" 2>/dev/null; then
    # Namespaces with this ID but no claim: made by hand; leave them be.
    if [[ -n $(_cluster_ns_list "$id") ]]; then rmdir "$dir"; return 1; fi
    echo $$ >"$dir/owner"
    return 0
  fi
  owner=$(cat "$dir/owner" 2>/dev/null) || owner=
  [[ $owner == "$$" ]] && return 0
  # An empty owner is a claim being made right now: not stale.
  [[ -n $owner ]] && ! kill -0 "$owner" 2>/dev/null || return 1
  # rename is atomic: of two runs finding the same stale claim, one reaps.
  mv -T "$dir" "$dir.stale.$$" 2>/dev/null || return 1
  _cluster_reap "$id" "$dir.stale.$$"
  _cluster_claim "$id"
}

# cluster_pick_id: claims and echoes a free ID, starting from one derived
# from $$ so that parallel ctest runs usually try different IDs first.
cluster_pick_id() {
  local i id base=$(($$ % 250))
  for ((i = 0; i < 250; i++)); do
    id=$(((base + i) % 250 + 1))
    if _cluster_claim "$id"; then echo "$id"; return 0; fi
  done
  _cluster_die "no free cluster ID in 1..250 (see $CLUSTER_RUN_DIR)"
}

_cluster_state() {
  [[ -n $CLUSTER_ID ]] || { _cluster_die "no cluster: call cluster_net_up first"; return 1; }
  echo "$CLUSTER_RUN_DIR/$CLUSTER_ID"
}

# ---------------------------------------------------------------- network

# _cluster_ns_list ID: this ID's namespaces. The trailing "-" keeps ID 1
# from matching h2k12-*.
_cluster_ns_list() {
  { ip netns list 2>/dev/null || true; } | awk -v p="h2k$1-" 'index($1, p) == 1 { print $1 }'
}

# _cluster_index NAME: 1-based position of NAME in cluster_net_up's list.
_cluster_index() {
  local state name=${1:?node name missing}
  state=$(_cluster_state) || return 1
  awk -v n="$name" '$0 == n { print NR; found = 1; exit } END { exit !found }' \
    "$state/names" 2>/dev/null || { _cluster_die "unknown node '$name'"; return 1; }
}

# cluster_ns NAME: the node's namespace ("hub" names the bridge's).
cluster_ns() {
  _cluster_state >/dev/null || return 1
  [[ ${1:?node name missing} == hub ]] || _cluster_index "$1" >/dev/null || return 1
  echo "h2k$CLUSTER_ID-$1"
}

# cluster_addr NAME: the node's IPv4 address.
cluster_addr() {
  local k
  k=$(_cluster_index "$1") || return 1
  echo "10.231.$CLUSTER_ID.$k"
}

# cluster_print_map: one "NAME NAMESPACE ADDRESS" line per node.
cluster_print_map() {
  local state name
  state=$(_cluster_state) || return 1
  while read -r name; do
    echo "$name $(cluster_ns "$name") $(cluster_addr "$name")"
  done <"$state/names"
}

_cluster_hub_port() { # NAME -> hub-side veth name (<= 15 chars: h2k250n250)
  local k
  k=$(_cluster_index "$1") || return 1
  echo "h2k${CLUSTER_ID}n$k"
}

_cluster_node_up() { # NAME K
  local ns=h2k$CLUSTER_ID-$1 hub=h2k$CLUSTER_ID-hub port=h2k${CLUSTER_ID}n$2
  ip netns add "$ns" || return 1
  ip -n "$ns" link set lo up || return 1
  # Both veth ends are created straight inside their namespaces: no
  # interface ever appears in the root namespace, not even briefly.
  ip -n "$hub" link add "$port" type veth peer name eth0 netns "$ns" || return 1
  ip -n "$hub" link set "$port" master br0 up || return 1
  ip -n "$ns" addr add "10.231.$CLUSTER_ID.$2/24" dev eth0 || return 1
  ip -n "$ns" link set eth0 up
}

# cluster_net_up ID|auto NAME...: builds the hub and one namespace per NAME;
# sets CLUSTER_ID (exported for child scripts that source this file too).
cluster_net_up() {
  local id=${1:?usage: cluster_net_up ID|auto NAME...} name k=0 state seen=" "
  shift
  (($# > 0)) || { _cluster_die "cluster_net_up: no node names"; return 1; }
  for name in "$@"; do
    [[ $name =~ ^[a-z0-9][a-z0-9_-]{0,30}$ && $name != hub ]] ||
      { _cluster_die "bad node name '$name' (lowercase, digits, _ -; not 'hub')"; return 1; }
    [[ $seen != *" $name "* ]] || { _cluster_die "node '$name' given twice"; return 1; }
    seen+="$name "
  done
  if [[ $id == auto ]]; then
    id=$(cluster_pick_id) || return 1
  else
    if ! [[ $id =~ ^[1-9][0-9]{0,2}$ ]] || ((id > 250)); then
      _cluster_die "cluster ID must be 1..250 or auto, not '$id'"
      return 1
    fi
    _cluster_claim "$id" || { _cluster_die "cluster ID $id is in use"; return 1; }
  fi
  # Set before anything is created, so a trap fired by a failure below
  # still finds (and removes) the half-built cluster.
  export CLUSTER_ID=$id
  state=$CLUSTER_RUN_DIR/$id
  printf '%s\n' "$@" >"$state/names"
  ip netns add "h2k$id-hub" || return 1
  ip -n "h2k$id-hub" link set lo up || return 1
  ip -n "h2k$id-hub" link add br0 type bridge || return 1
  ip -n "h2k$id-hub" link set br0 up || return 1
  for name in "$@"; do
    _cluster_node_up "$name" $((++k)) || { _cluster_die "could not set up node '$name'"; return 1; }
  done
}

# cluster_exec NAME CMD...: runs CMD inside the node's namespace.
cluster_exec() {
  local ns
  ns=$(cluster_ns "$1") || return 1
  shift
  ip netns exec "$ns" "$@"
}

_cluster_stat() { # PID FIELD (>= 3, as in proc(5)) -> that /proc/PID/stat field
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # comm may hold spaces; field 3 starts after ") "
  awk -v f="$(($2 - 2))" '{ print $f }' <<<"$stat"
}
_cluster_starttime() { _cluster_stat "$1" 22; } # clock ticks since boot

# cluster_spawn NAME LOGFILE CMD...: starts CMD in the background inside the
# node's namespace, stdout+stderr appended to LOGFILE, stdin /dev/null;
# echoes its PID. That PID is the program itself, so kill -9 / kill -STOP
# hit it: bash forks once for the `&` simple command and execs ip in the
# child, and `ip netns exec` setns()es and execs CMD without forking. We
# wait (<= 2 s) until that exec is done so the caller never races with ip.
# Safe in $(...): the PID is recorded in a file for cluster_teardown.
cluster_spawn() {
  local ns state log=${2:?usage: cluster_spawn NAME LOGFILE CMD...} pid netid ipbin i
  (($# >= 3)) || { _cluster_die "cluster_spawn: no command"; return 1; }
  ns=$(cluster_ns "$1") || return 1
  state=$(_cluster_state) || return 1
  shift 2
  ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid $(_cluster_starttime "$pid" || echo 0)" >>"$state/pids"
  netid=net:[$(stat -L -c %i "/run/netns/$ns")]
  ipbin=$(readlink -f "$(command -v ip)")
  for ((i = 0; i < 100; i++)); do
    [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "$netid" &&
      $(readlink "/proc/$pid/exe" 2>/dev/null) != "$ipbin" ]] && break
    # Exited already (gone, or a zombie of ours): its log says why.
    [[ $(_cluster_stat "$pid" 3) =~ ^[^ZX]$ ]] || break
    sleep 0.02
  done
  echo "$pid"
}

# cluster_wait_port NAME PORT [SECONDS]: until something listens on TCP
# PORT inside the node (default 10 s).
cluster_wait_port() {
  local end=$((SECONDS + ${3:-10})) port=${2:?usage: cluster_wait_port NAME PORT [SECONDS]}
  until [[ -n $(cluster_exec "$1" ss -Hltn "sport = :$port") ]]; do
    ((SECONDS < end)) || { _cluster_die "nothing listens on $1:$port"; return 1; }
    sleep 0.05
  done
}

# ---------------------------------------------------------------- faults

# cluster_link_down NAME / cluster_link_up NAME: pull / replug the node's
# cable at the hub. Setting the *hub-side* veth end down is silent: the
# bridge stops forwarding to that port and the node's eth0 loses carrier,
# so frames both ways are just dropped. No RST, FIN or ICMP reaches either
# side: established TCP sockets on both ends keep accepting send() and see
# no error or EOF (they retransmit until TCP's own timeout, ~15 min, or an
# application heartbeat gives up), a new connect() to or from the node
# times out, connected UDP sends saw no error even after 70 s (ARP entries
# just go INCOMPLETE/FAILED). After link_up the queued data is delivered at
# the next retransmission (<= a few s for short outages). All checked by
# selftest.sh or measured when this was written.
# The node's eth0 keeps its address and route but shows NO-CARRIER, as
# with a pulled cable. Detaching the port from the bridge (`nomaster`) is
# as silent and keeps the carrier; `ip link set eth0 down` *inside* the node
# is NOT silent: it removes the node's subnet route, so its connect() and
# UDP sends fail at once with ENETUNREACH.
cluster_link_down() { _cluster_link "$1" down; }
cluster_link_up() { _cluster_link "$1" up; }

_cluster_link() { # NAME up|down
  local port
  port=$(_cluster_hub_port "$1") || return 1
  ip -n "h2k$CLUSTER_ID-hub" link set "$port" "$2"
}

# ---------------------------------------------------------------- share

# cluster_share_setup ROOT NAME...: ROOT/share is the one real directory
# (the "NFS export"); node NAME sees it at ROOT/hosts/NAME/mnt/h2k.
# ROOT/hosts is first bind-mounted onto itself and made shared: processes
# started with cluster_spawn/cluster_exec live in a mount namespace copied
# by `ip netns exec` (made a slave of ours), and only shared mounts keep
# propagating into it -- so cluster_share_detach/attach and teardown's
# unmounts reach daemons that are already running.
cluster_share_setup() {
  local root=${1:?usage: cluster_share_setup ROOT NAME...} state name
  shift
  state=$(_cluster_state) || return 1
  mkdir -p "$root/share" "$root/hosts" || return 1
  root=$(cd "$root" && pwd -P) || return 1
  echo "$root" >"$state/share_root"
  _cluster_mount --bind "$root/hosts" "$root/hosts" || return 1
  mount --make-shared "$root/hosts" || return 1
  for name in "$@"; do
    _cluster_index "$name" >/dev/null || return 1
    mkdir -p "$root/hosts/$name/mnt/h2k" || return 1
    cluster_share_attach "$name" || return 1
  done
}

_cluster_mount() { # --bind SRC DST: mounts and records DST for teardown
  local state
  state=$(_cluster_state) || return 1
  mount "$1" "$2" "$3" || return 1
  echo "$3" >>"$state/mounts"
}

# cluster_share_path NAME: where node NAME sees the share.
cluster_share_path() {
  local state root
  state=$(_cluster_state) || return 1
  root=$(cat "$state/share_root" 2>/dev/null) || { _cluster_die "no share: call cluster_share_setup first"; return 1; }
  _cluster_index "$1" >/dev/null || return 1
  echo "$root/hosts/$1/mnt/h2k"
}

# cluster_share_detach NAME / cluster_share_attach NAME: the node loses /
# regains its mount of the share (running processes too); while detached
# its path is an empty local directory, as with an unmounted NFS export.
cluster_share_detach() {
  local path
  path=$(cluster_share_path "$1") || return 1
  ! mountpoint -q "$path" || umount "$path"
}

# cluster_share_detach_lazy NAME: the same while the node has files open
# there (umount -l): its open files still work, every new path lookup finds
# the empty local directory, as after an NFS export vanished under a job.
cluster_share_detach_lazy() {
  local path
  path=$(cluster_share_path "$1") || return 1
  ! mountpoint -q "$path" || umount -l "$path"
}

cluster_share_attach() {
  local path root
  path=$(cluster_share_path "$1") || return 1
  root=$(cat "$(_cluster_state)/share_root") || return 1
  mountpoint -q "$path" || _cluster_mount --bind "$root/share" "$path"
}

# ---------------------------------------------------------------- teardown

_cluster_kill_ns() { # ID: SIGKILL everything inside the ID's namespaces
  local ns pids i
  for ((i = 0; i < 50; i++)); do
    pids=$(for ns in $(_cluster_ns_list "$1"); do ip netns pids "$ns" 2>/dev/null; done) || true
    [[ -n $pids ]] || return 0
    # shellcheck disable=SC2086 # one PID per word
    kill -9 $pids 2>/dev/null || true
    sleep 0.1
  done
  echo "cluster: processes still alive in h2k$1-*: $pids" >&2
}

_cluster_kill_recorded() { # STATEDIR: spawned PIDs that left the namespace
  local pid start
  [[ -f $1/pids ]] || return 0
  while read -r pid start; do
    # Same start time = still our process, not a recycled PID.
    [[ $(_cluster_starttime "$pid" 2>/dev/null) == "$start" ]] &&
      kill -9 "$pid" 2>/dev/null
  done <"$1/pids"
  return 0
}

_cluster_umount_all() { # STATEDIR: unmounts in reverse order of mounting
  local path
  [[ -f $1/mounts ]] || return 0
  tac "$1/mounts" | while read -r path; do
    while mountpoint -q "$path" 2>/dev/null; do
      umount "$path" 2>/dev/null || umount -l "$path" || break
    done
  done
}

# _cluster_reap ID STATEDIR: removes every trace; never fails.
_cluster_reap() {
  local ns
  _cluster_kill_recorded "$2"
  _cluster_kill_ns "$1"
  for ns in $(_cluster_ns_list "$1"); do
    ip netns del "$ns" 2>/dev/null || echo "cluster: could not delete $ns" >&2
  done
  _cluster_umount_all "$2"
  rm -rf "$2"
  return 0
}

# cluster_teardown [ID]: kills what runs in the cluster, deletes its
# namespaces, unmounts the share; a no-op when there is nothing (safe to
# call twice, or before cluster_net_up). CLUSTER_ID is exported, so a child
# script sourcing this file sees the parent's cluster: it may use it, but
# its teardown leaves alone a cluster whose owner (the claiming $$) lives.
cluster_teardown() {
  local id=${1:-$CLUSTER_ID} owner
  [[ -n $id && -d $CLUSTER_RUN_DIR/$id ]] || return 0
  owner=$(cat "$CLUSTER_RUN_DIR/$id/owner" 2>/dev/null) || owner=
  if [[ -n $owner && $owner != "$$" ]] && kill -0 "$owner" 2>/dev/null; then
    echo "cluster: not tearing down cluster $id: owned by live PID $owner" >&2
    return 0
  fi
  _cluster_reap "$id" "$CLUSTER_RUN_DIR/$id"
}

# cluster_trap_teardown: runs cluster_teardown on EXIT, *before* whatever
# EXIT trap was set already (read back with `trap -p EXIT` and appended):
# a typical earlier trap is `rm -rf "$tmp"`, which must find no bind mounts
# and no live daemons under $tmp. A trap set *after* this call replaces
# ours -- then call cluster_teardown from it yourself. INT/TERM/HUP without
# a trap of their own get `exit`, since bash skips EXIT traps when a signal
# kills it. The exit status of the script is kept.
cluster_trap_teardown() {
  local old sig words=()
  old=$(trap -p EXIT)
  if [[ -n $old ]]; then
    eval "words=($old)" # trap -p quotes it for reuse: trap -- 'CMDS' EXIT
    old=${words[2]}
    [[ $old != *cluster_teardown* ]] || return 0 # installed already
  fi
  # shellcheck disable=SC2064 # expand $old now, on purpose
  trap "cluster_teardown${old:+; $old}" EXIT
  for sig in INT TERM HUP; do
    # shellcheck disable=SC2064
    [[ -n $(trap -p "$sig") ]] || trap "exit $((128 + $(kill -l "$sig")))" "$sig"
  done
}

# ---------------------------------------------------------------- TLS

# cluster_make_certs DIR NAME...: for CAF's libcaf_openssl. DIR/ca.pem+key
# (test CA); DIR/NAME.pem+key signed by it (CN=NAME, SAN DNS:NAME and the
# node's IP when NAME is a cluster node; serverAuth+clientAuth, so one cert
# serves both ends of a mutual-TLS link); DIR/rogue-ca.pem+key and
# DIR/rogue.pem+key (CN=rogue) for "wrong CA is refused" tests.
# EC P-256 (fast), 2 days of validity.
cluster_make_certs() {
  local dir=${1:?usage: cluster_make_certs DIR NAME...} name ip
  shift
  mkdir -p "$dir" || return 1
  _cluster_ca "$dir" ca h2k-test-ca || return 1
  _cluster_ca "$dir" rogue-ca h2k-rogue-ca || return 1
  for name in "$@"; do
    ip=
    if [[ -n $CLUSTER_ID ]] && _cluster_index "$name" >/dev/null 2>&1; then
      ip=$(cluster_addr "$name")
    fi
    _cluster_leaf "$dir" ca "$name" "$ip" || return 1
  done
  _cluster_leaf "$dir" rogue-ca rogue "" || return 1
}

_cluster_key() { # FILE
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1")
}

_cluster_ca() { # DIR BASE CN
  _cluster_key "$1/$2.key" || return 1
  openssl req -x509 -new -key "$1/$2.key" -subj "/CN=$3" -days 2 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1/$2.pem"
}

_cluster_leaf() { # DIR CA-BASE NAME IP
  local dir=$1 ca=$2 name=$3 san="DNS:$3" rc=0
  [[ -z $4 ]] || san+=",IP:$4"
  _cluster_key "$dir/$name.key" || return 1
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=$san" >"$dir/$name.ext"
  openssl req -new -key "$dir/$name.key" -subj "/CN=$name" -out "$dir/$name.csr" &&
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" \
      -set_serial "0x$(openssl rand -hex 8)" -days 2 -sha256 \
      -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null || rc=1
  rm -f "$dir/$name.csr" "$dir/$name.ext"
  return "$rc"
}
