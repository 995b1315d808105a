#!/usr/bin/env bash
# What flushing copied files costs: a first copy of ~20,000 small files and
# of 1 GiB of large files, 3 rounds, with
#   cp -a                 (no flush at all)
#   cp -a + sync -f       (the same data made durable: the fair reference)
#   none / fdatasync / syncfs   LocalBackend's write pattern alone (fsync_cost)
#   ferry-cli             the real mirror run (one syncfs per batch of state rows and
#                         one at the end of the run: see Executor::flushSides)
# on the disk under WORK (default /var/tmp; not tmpfs). Prints seconds.
# usage: bash bench/fsync_cost.sh BUILD_DIR   (needs BUILD_DIR/bench/fsync_cost, BUILD_DIR/app/ferry-cli)
set -euo pipefail
BUILD=$(cd "${1:?usage: fsync_cost.sh BUILD_DIR}" && pwd)
COST=$BUILD/bench/fsync_cost FERRY=$BUILD/app/ferry-cli
WORK=${WORK:-/var/tmp}/ferry-fsync-cost.$$
ROUNDS=${ROUNDS:-3} THREADS=${THREADS:-4}
[[ $(stat -f -c %T "${WORK%/*}") != tmpfs ]] || { echo "WORK is on tmpfs; flushes cost nothing there" >&2; exit 2; }
mkdir -p "$WORK"; trap 'rm -rf -- "$WORK"' EXIT
export FERRY_DATA_DIR=$WORK/data

echo "# generating data in $WORK ($(df -h --output=source,fstype "$WORK" | tail -1))" >&2
python3 - "$WORK/small" <<'PY'
import os, random, sys
root = sys.argv[1]; random.seed(7)
for i in range(20000):
    d = os.path.join(root, "d%03d" % (i % 200)); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f: f.write(os.urandom(random.randint(512, 16384)))
PY
mkdir -p "$WORK/large"
for i in 1 2 3 4 5 6 7 8; do head -c $((128 << 20)) /dev/urandom > "$WORK/large/big$i"; done
sync -f "$WORK"

now() { date +%s.%N; }
run() { # run LABEL SET CMD...: prints one line, time of CMD with DST fresh
  local label=$1 set=$2; shift 2
  rm -rf -- "$WORK/dst"; sync -f "$WORK"
  local t0; t0=$(now); "$@" >/dev/null; local t1; t1=$(now)
  printf '%-8s %-18s %8.3f\n' "$set" "$label" "$(echo "$t1 - $t0" | bc)"
}
for round in $(seq "$ROUNDS"); do
  echo "# round $round" >&2
  for set in small large; do
    S=$WORK/$set D=$WORK/dst
    run "cp -a" $set cp -a "$S" "$D"
    run "cp -a + sync -f" $set bash -c 'cp -a "$1" "$2" && sync -f "$2"' _ "$S" "$D"
    run "none" $set "$COST" none "$S" "$D" "$THREADS"
    run "fdatasync" $set "$COST" fdatasync "$S" "$D" "$THREADS"
    run "syncfs/256" $set "$COST" syncfs "$S" "$D" "$THREADS"
    run "ferry-cli" $set bash -c 'mkdir "$3" && "$1" sync "$2" "$3" --mode mirror --threads "$4" -q' _ "$FERRY" "$S" "$D" "$THREADS"
  done
done
