# Shared set-up for the benchmarks (sourced). Expects BIN, WORKDIR, KEEP set.

# bench_workdir NAME PREFIX: a fresh (or the given) work folder, removed on exit
# unless --keep, holding a private copy of the binary so a rebuild of build/
# during the benchmark cannot swap it.
bench_workdir() {
  local name=$1 prefix=$2
  if [[ -z $WORKDIR ]]; then WORKDIR=$(mktemp -d "/var/tmp/$prefix-XXXXXX")
  else mkdir -p "$WORKDIR"; fi
  WORKDIR=$(readlink -f "$WORKDIR")
  BENCH_NAME=$name
  trap 'if ((KEEP)); then echo "$BENCH_NAME: kept $WORKDIR"; else rm -rf "$WORKDIR"; fi' EXIT
  cp "$BIN" "$WORKDIR/hyper2kvm"
  BIN=$WORKDIR/hyper2kvm
}

# Cold-cache measurements where the kernel allows dropping the page cache;
# CACHE says which one the figures are.
CACHE=cold
drop_caches() {
  sync
  if [[ $CACHE == cold ]]; then echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || CACHE=warm; fi
}
