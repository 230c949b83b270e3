# VMs for the daemon's fault-injection tests and the soak benchmark (sourced
# after lib.sh and daemon-lib.sh): each VM is prepared outside the queue,
# then dropped with renames (descriptor first, so the watcher never sees a
# VMX's disk alone), and what was dropped is written down for
# exactly_once.py, which checks the wave once it finished.
FIX=${H2K_FIXTURES:?H2K_FIXTURES must name the fixture folder}
EXACTLY_ONCE=${EXACTLY_ONCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/exactly_once.py}
declare -gA WAVE_SHA=()   # fixture path -> sha256 (a fixture is hashed once per run)

fixture_sha() {
  local f=$1
  [[ -n "${WAVE_SHA[$f]:-}" ]] || WAVE_SHA[$f]=$(sha256sum "$f" | cut -d' ' -f1)
  echo "${WAVE_SHA[$f]}"
}

# stage_vm NAME VARIANT [DISPLAY-NAME]: NAME's files in $D/in/NAME, ready to
# drop. A disk variant becomes NAME.<ext>; the vmx variant becomes NAME.vmx
# (displayName DISPLAY-NAME, default NAME) + NAME.vmdk, two files. Writes
# $D/in/NAME.sources: "<file> <sha256>" per line, the job's first source first.
stage_vm() {
  local name=$1 variant=$2 display=${3:-$1} src dir=$D/in/$1
  src=$FIX/$(fixture_path "$variant")
  mkdir -p "$dir"
  if [[ $variant == vmx ]]; then
    local disk
    disk=$(sed -n 's/^scsi0:0.fileName = "\(.*\)"$/\1/p' "$src")
    [[ -n "$disk" ]] || fail "no scsi0:0.fileName in $src"
    sed -e "s/^displayName = .*/displayName = \"$display\"/" -e "s/^scsi0:0.fileName = .*/scsi0:0.fileName = \"$name.vmdk\"/" \
      "$src" >"$dir/$name.vmx"
    cp "$(dirname "$src")/$disk" "$dir/$name.vmdk"
    { echo "$name.vmx $(sha256sum "$dir/$name.vmx" | cut -d' ' -f1)"
      echo "$name.vmdk $(fixture_sha "$(dirname "$src")/$disk")"; } >"$D/in/$name.sources"
  else
    [[ $display == "$name" ]] || fail "stage_vm: a bare disk's VM name is its file name"
    local ext=${src##*.}
    cp "$src" "$dir/$name.$ext"
    echo "$name.$ext $(fixture_sha "$src")" >"$D/in/$name.sources"
  fi
  echo "$display" >"$D/in/$name.display"
}

# The file a VM's job is known by (its first source).
primary_of() { head -n 1 "$D/in/$1.sources" | cut -d' ' -f1; }

# drop_vm NAME...: renames each VM's files into the queue, first source first.
drop_vm() {
  local name f
  for name in "$@"; do
    while read -r f _; do mv "$D/in/$name/$f" "$Q/$f"; done <"$D/in/$name.sources"
  done
}

# drop_queued NAME JOB-ID: drops NAME and waits until it is queued as JOB-ID
# (run while the daemon is paused: job ids then follow the drop order).
drop_queued() {
  local name=$1 want=$2 p
  p=$(primary_of "$name")
  drop_vm "$name"
  queued_as() { [[ -n "$(job_id_of "$p")" ]]; }
  wait_until 180 "$p to be queued" queued_as
  [[ "$(job_id_of "$p")" == "$want" ]] || fail "$p was queued as $(job_id_of "$p"), expected $want"
}

# write_expect FILE NAME...: the exactly_once.py expectations for these VMs.
write_expect() {
  local out=$1; shift
  python3 - "$D/in" "$@" >"$out" <<'PY'
import json, sys
d, names = sys.argv[1], sys.argv[2:]
vms = []
for n in names:
    src = {}
    for line in open("%s/%s.sources" % (d, n)):
        f, h = line.split()
        src[f] = h
    vms.append({"name": open("%s/%s.display" % (d, n)).read().strip(), "sources": src})
print(json.dumps({"vms": vms}, indent=1))
PY
}

# check_exactly_once EXPECT-FILE [exactly_once.py options]: checks the
# finished wave of the running daemon; the daemon's legacy state folder
# (.daemon, if the state still lives in the output folder) is not a result.
check_exactly_once() {
  local expect=$1; shift
  ctl --json list-jobs >"$D/jobs.json"
  python3 "$EXACTLY_ONCE" --output "$O" --watch "$Q" --jobs "$D/jobs.json" --expect "$expect" --ignore .daemon "$@"
}

# all_done N: N jobs done; fails at once when one failed for good.
all_done() {
  if [[ "$(jobs_in_state failed)" != 0 ]]; then
    ctl --json list-jobs --state failed >&2
    tail -n 40 "$DAEMON_LOG" >&2
    fail "a job failed for good"
  fi
  [[ "$(jobs_in_state done)" == "$1" ]]
}
