# The cluster tests' common parts (sourced after tests/integration/lib.sh,
# daemon-lib.sh and tests/cluster/lib/netns.sh): a coordinator
# and nodes, each in its own network namespace, sharing one directory that
# every node mounts at its own path (so share-relative paths are exercised).
# Copy-only conversions (guest_fixes: false) unless GUEST_FIXES=true: these
# tests are about scheduling, not about the guest.
H2K_BIN=${H2K_BIN:?H2K_BIN must name the hyper2kvm binary}
declare -gA NODE_PID=()

# cluster_start_env NAME...: namespaces + share for these nodes; sets D (the
# test folder), SHARE (the real share), Q and O (queue and output as the
# TEST sees them: through the share itself).
cluster_start_env() {
  cluster_require_tools
  D=$(mktemp -d /var/tmp/h2k-cluster.XXXXXX)
  mkdir -p "$D/in"
  CLUSTER_ID=$(cluster_pick_id)
  # The folder goes once the nodes are stopped and the share unmounted
  # (cluster_trap_teardown runs first); kept after a failure, for its logs.
  trap '[[ ! -e "$D/.passed" ]] || rm -rf "$D"' EXIT
  cluster_trap_teardown
  cluster_net_up "$CLUSTER_ID" "$@"
  cluster_share_setup "$D" "$@"
  SHARE=$D/share
  Q=$SHARE/queue
  O=$SHARE/output
  mkdir -p "$Q" "$O"
}

# node_config NAME ROLE [EXTRA-YAML]: NAME's daemon.yaml (its paths through
# its own mount of the share; state and scratch on "local" disk). In the
# environment: GUEST_FIXES=true (default false), VIRTIO_WIN=DIR (the node's
# conversion.virtio_win_dir; default none).
node_config() {
  local name=$1 role=$2 extra=${3:-} mnt
  mnt=$(cluster_share_path "$name")
  mkdir -p "$D/nodes/$name"
  {
    echo "watch_dir: $mnt/queue"
    echo "output_dir: $mnt/output"
    echo "work_dir: $D/nodes/$name/work"
    echo "state_dir: $D/nodes/$name/state"
    echo "file_stable_timeout: 2"
    # DEDUP=md5|xxh128: content dedup (in a cluster, hashed by the converting node).
    if [[ -n "${DEDUP:-}" ]]; then
      echo "enable_deduplication: true"
      echo "deduplication_method: $DEDUP"
    else
      echo "enable_deduplication: false"
    fi
    echo "log_file: $D/nodes/$name/daemon.log"
    echo "max_concurrent_jobs: 2"
    echo "conversion:"
    echo "  guest_fixes: ${GUEST_FIXES:-false}"
    [[ -z "${VIRTIO_WIN:-}" ]] || echo "  virtio_win_dir: $VIRTIO_WIN"
    # The KVM hosts (here: the test) see the output at the share's real path.
    echo "  domain_output_dir: $D/share/output"
    echo "cluster:"
    echo "  role: $role"
    echo "  node_name: $name"
    echo "  share_root: $mnt"
    echo "  heartbeat_interval: 0.5"
    echo "  node_timeout: ${NODE_TIMEOUT:-4}"
    if [[ $role == *coordinator* ]]; then
      echo "  listen: $(cluster_addr "$name"):4710"
    else
      echo "  coordinator: $(cluster_addr coord):4710"
    fi
    [[ -z "$extra" ]] || echo "$extra"
  } >"$D/nodes/$name/daemon.yaml"
}

# start_node NAME [ENV=VALUE...]: runs NAME's daemon in its namespace.
start_node() {
  local name=$1; shift
  NODE_PID[$name]=$(cluster_spawn "$name" "$D/nodes/$name/stdout" env "$@" LIBGUESTFS_BACKEND=direct \
    "$H2K_BIN" --config "$D/nodes/$name/daemon.yaml")
  if [[ $name == coord ]]; then
    # daemon-lib's wait_until watches this process (and shows this log).
    DAEMON_PID=${NODE_PID[coord]}
    DAEMON_LOG=$D/nodes/coord/daemon.log
  fi
}

node_log() { cat "$D/nodes/$1/daemon.log" 2>/dev/null; }

# The coordinator's control socket (hyperctl runs in the root namespace:
# the socket is a file on the coordinator's local disk).
ctl() { "$H2K_HYPERCTL" --state-dir "$D/nodes/coord/state" "$@"; }

nodes_json() { ctl --json nodes; }

# The coordinator answers on its control socket (a socket file alone may be
# a dead process's).
coord_ready() { ctl --json status >/dev/null 2>&1; }

# node_field NAME FIELD: a field of NAME in `hyperctl nodes`.
node_field() {
  nodes_json | python3 -c '
import json, sys
for n in json.load(sys.stdin)["nodes"]:
    if n["name"] == sys.argv[1]: print(n[sys.argv[2]]); break' "$1" "$2"
}

node_up() { [[ "$(node_field "$1" health 2>/dev/null)" == up ]]; }

# succeeded_on: "<job> <node>" for every job the coordinator saw succeed.
succeeded_on() {
  sed -n 's/.*job \(job-[0-9]*\) succeeded in [0-9.]* s on \([^/]*\)\/slot-.*/\1 \2/p' "$D/nodes/coord/daemon.log"
}

dump_logs() {
  local n
  for n in "$@"; do
    echo "----- $n (last 40 lines)" >&2
    tail -n 40 "$D/nodes/$n/daemon.log" >&2 2>/dev/null || true
    tail -n 5 "$D/nodes/$n/stdout" >&2 2>/dev/null || true
  done
}
