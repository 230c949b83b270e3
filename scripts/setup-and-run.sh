#!/usr/bin/env bash
# Command 1 of the quickstart: install what is needed, build, install the
# binaries to /usr/local/bin, and run the hyper2kvm daemon on its embedded
# default configuration: drop VM files into /var/lib/hyper2kvm/queue, find
# the KVM guests in /var/lib/hyper2kvm/output/<date>/<vm>/, and watch it with
#   hyperctl watch
# (its state and control socket are in /var/lib/hyper2kvm/state, state_dir).
# The daemon runs in the foreground (Ctrl-C stops it cleanly; a conversion
# that was running resumes at the next start). Pass --config FILE to use a
# daemon.yaml instead (see cluster-config/daemon.yaml). Under systemd, use
# cluster-config/systemd/hyper2kvm.service instead of this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
install -m 0755 build/nodes/hyper2kvm build/tools/hyperctl/hyperctl /usr/local/bin/
echo "installed: /usr/local/bin/hyper2kvm /usr/local/bin/hyperctl"
# libguestfs under TCG by default (the default config says so too): nested
# KVM is often broken on cloud VMs and a hung appliance is worse than a slow one.
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
echo "starting the daemon: drop VM files into the watch_dir (default /var/lib/hyper2kvm/queue); state and control socket in /var/lib/hyper2kvm/state; Ctrl-C stops it"
exec /usr/local/bin/hyper2kvm "$@"
