#!/usr/bin/env bash
# Installs the Debian 12 packages hyper2kvm needs to build, run and test.
# Idempotent: does nothing (quickly) when everything is already installed.
set -euo pipefail

BUILD_PKGS=(build-essential cmake ninja-build pkg-config git
  libcaf-dev libguestfs-dev libvirt-dev libyaml-cpp-dev librocksdb-dev nlohmann-json3-dev
  libboost-test-dev libcurl4-openssl-dev libpugixml-dev libcli11-dev libspdlog-dev libhivex-dev
  libssl-dev libsystemd-dev libxxhash-dev libcpp-httplib-dev libjemalloc-dev)
RUN_PKGS=(qemu-utils libguestfs-tools linux-image-amd64 libvirt-clients libvirt-daemon libhivex-bin
  libxml2-utils ntfs-3g)
TEST_PKGS=(qemu-system-x86 debootstrap ovmf grub-pc-bin fdisk dosfstools e2fsprogs tar coreutils
  clang-14 libclang-rt-14-dev python3 openssl iproute2 procps iputils-ping util-linux
  golang-go golang-github-vmware-govmomi-dev golang-github-kr-pretty-dev ccache)
# (iputils-ping, util-linux: the cluster tests' network namespaces and bind
# mounts. Installed here, before any test: a package installed mid-run makes
# libguestfs rebuild its appliance under the tests that run next.
# golang-*: the vCenter simulator, built from Debian's govmomi by
# tests/vsphere/vcsim-kit/build-vcsim.sh. ccache: scripts/test.sh keeps
# compiled objects outside the clone, like the fixtures.)

want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}")
[[ "${1:-}" == "--with-tests" ]] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
# libguestfs reads the host kernel to build its appliance; Debian ships /boot/vmlinuz-* 0600.
chmod 0644 /boot/vmlinuz-* 2>/dev/null || true
echo "install-deps: all packages present"
