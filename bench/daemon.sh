#!/usr/bin/env bash
# The daemon's own costs (no conversions: bench/daemon/noop_converter.hpp
# replaces the engine in daemon_bench only):
#   1. ingest: 1,000 files dropped at once, stable -> conversion start (median, p99)
#   2. scale: N queued jobs (default 100,000): enqueue and dispatch rates, peak
#      RSS, RocksDB size, restart recovery time
#   3. idle: the real daemon (`hyper2kvm --config`) with an empty queue: RSS and CPU over 60 s
#   4. hashing: dedup keys (md5, xxh128) of a 2 GiB file vs md5sum and the disk read rate (dd)
# usage: bash bench/daemon.sh [--jobs N] [--files N] [--hash-gib N] [--idle-s N] [--build DIR] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=100000 FILES=1000 HASH_GIB=2 IDLE_S=60 BUILD=build KEEP=0 WORKDIR=""
while (($#)); do
  case $1 in
    --jobs) JOBS=$2; shift 2 ;; --files) FILES=$2; shift 2 ;; --hash-gib) HASH_GIB=$2; shift 2 ;;
    --idle-s) IDLE_S=$2; shift 2 ;; --build) BUILD=$2; shift 2 ;; --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--jobs N] [--files N] [--hash-gib N] [--idle-s N] [--build DIR] [--keep]" >&2; exit 2 ;;
  esac
done
DB=$BUILD/bench/daemon_bench BIN=$BUILD/nodes/hyper2kvm
[[ -x $DB && -x $BIN ]] || { echo "build first: cmake --build $BUILD --target daemon_bench hyper2kvm" >&2; exit 2; }
source bench/lib.sh
bench_workdir daemon h2k-bench-daemon

echo "== 1. ingest ($FILES files at once)"
"$DB" ingest "$WORKDIR/ingest" --files "$FILES"
rm -rf "$WORKDIR/ingest"

echo "== 2. scheduler scale ($JOBS jobs)"
"$DB" scale "$WORKDIR/scale" --jobs "$JOBS"
rm -rf "$WORKDIR/scale"

echo "== 3. idle daemon (${IDLE_S} s)"
mkdir -p "$WORKDIR/idle"
cat >"$WORKDIR/idle/d.yaml" <<YAML
watch_dir: $WORKDIR/idle/queue
output_dir: $WORKDIR/idle/output
work_dir: $WORKDIR/idle/work
state_dir: $WORKDIR/idle/state
log_file: $WORKDIR/idle/daemon.log
YAML
"$BIN" --config "$WORKDIR/idle/d.yaml" &
pid=$!
sleep 5
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks); sleep "$IDLE_S"; t1=$(ticks)
hz=$(getconf CLK_TCK)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"; wait "$pid" || true
python3 -c "print('  idle daemon: RSS %.1f MiB, %s threads, CPU %.3f %% of one core over %s s' % ($rss/1024, '$threads', 100.0*($t1-$t0)/$hz/$IDLE_S, $IDLE_S))"

echo "== 4. hashing (${HASH_GIB} GiB file; cache: $CACHE)"
f=$WORKDIR/hash.bin
head -c "$((HASH_GIB * 1024 * 1024 * 1024))" /dev/urandom >"$f"
drop_caches
t=$( { /usr/bin/time -f %e dd if="$f" of=/dev/null bs=4M status=none; } 2>&1 )
python3 -c "print('  disk read (dd, $CACHE):  %8.1f MB/s' % ($HASH_GIB*1073.741824/$t))"
drop_caches
t=$( { /usr/bin/time -f %e md5sum "$f" >/dev/null; } 2>&1 )
md5_base=$(python3 -c "print($HASH_GIB*1073.741824/$t)")
printf '  md5sum (%s):         %8.1f MB/s  (baseline 1.00x)\n' "$CACHE" "$md5_base"
for m in md5 xxh128; do
  drop_caches
  read -r _ method rate _ < <("$DB" hash "$f" "$m")
  python3 -c "print('  hyper2kvm %-7s ($CACHE): %8.1f MB/s  (%.2fx md5sum)' % ('$method', $rate, $rate/$md5_base))"
done
