#!/usr/bin/env bash
# bench/run.sh - Ferry's benchmark: ferry-cli side by side with cp, find, rsync, unison and
# rclone on the same generated data, in the same interleaved rounds. One command:
#
#     bash bench/run.sh                 # full run; rewrites bench/RESULTS.md
#     SUITES=sftp bash bench/run.sh     # only the SFTP cases (their section of RESULTS.md)
#     SMOKE=1 bash bench/run.sh         # tiny data, one round, report in $WORK (CTest: bench_smoke)
#
# Knobs (environment):
#   SUITES="local sftp"  which cases: local (sets S M L, scale, reconciler) and/or sftp (a
#                    private OpenSSH server on 127.0.0.1; sets S and L up, L down, S no-change)
#   SFTP_SETS="S L"  data sets of the sftp suite;  SSH_PORT= (default: a free port)
#   SETS="S M L"     data sets (S 20,000 x 1-64 KiB, M 100,000 x 0-4 KiB, L 1 GiB + 20 x 50 MiB)
#   RUNS=3           timed rounds per group (limits and nochange add one untimed warm-up round)
#   CHANGE_RUNS=5    timed rounds of the change groups, the noisiest (each round is a new change set)
#   WORK=/tmp/ferry-bench   scratch folder: data, logs, results.txt (data removed at the end)
#   FERRY=<repo>/build/app/ferry-cli   built with `cmake --build build` when the default is missing
#   SCALE_1M=1       run the metadata scale case: 250,000 and 1,000,000 empty files
#   SMOKE=0          1 = 300 files per set, RUNS=1 (unless given), no L, scale on 1,200/300 files, installs nothing,
#                    report written to $WORK/RESULTS.md instead of bench/RESULTS.md; the sftp
#                    suite runs on 300 files and a 4 MB set L (skipped with a NOTE without sshd)
#   SEED=42  KEEP=0 (1 = keep the data)  CASE_TIMEOUT= (seconds per timed command, none by default;
#                    SMOKE: 60)
#   SETTLE_S=40      pause after a large deletion before the next timed run (SMOKE: 0); see README
#   RECONCILE_BENCH=<build>/bench/reconcile_bench   reconciler micro-benchmark, run when present
#
# Exit status: 0 all checks passed and every Ferry run exited 0; 1 a check failed or a Ferry
# run exited non-zero; 2 set-up error; 77 SMOKE without the prerequisites (CTest skips).
# The method is described in bench/README.md.
set -uo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

SMOKE=${SMOKE:-0}
SEED=${SEED:-42}
KEEP=${KEEP:-0}
WORK=${WORK:-/tmp/ferry-bench}
CASE_TIMEOUT=${CASE_TIMEOUT:-}
SETTLE_S=${SETTLE_S:-40}
if [[ $SMOKE == 1 ]]; then
  SETS=${SETS:-"S M"}
  RUNS=${RUNS:-1}
  CHANGE_RUNS=${CHANGE_RUNS:-1}
  SMALL_FILES=300
  SCALE_SIZES="1200 300"
  SETTLE_S=0
  CASE_TIMEOUT=${CASE_TIMEOUT:-60}     # tiny data: a case that takes a minute is stuck
  [[ ${SCALE_1M:-1} == 0 ]] && SCALE_SIZES=""
  REPORT_MD=$WORK/RESULTS.md
else
  SETS=${SETS:-"S M L"}
  RUNS=${RUNS:-3}
  CHANGE_RUNS=${CHANGE_RUNS:-5}
  SMALL_FILES=0                        # 0 = the set's real size
  SCALE_SIZES="250000 1000000"
  [[ ${SCALE_1M:-1} == 0 ]] && SCALE_SIZES=""
  REPORT_MD=$BENCH_DIR/RESULTS.md
fi

die() { echo "run.sh: $*" >&2; exit 2; }
say() { echo "[bench $(date +%T)] $*" >&2; }
SUITES=${SUITES:-"local sftp"}
SFTP_SETS=${SFTP_SETS:-"S L"}
for suite in $SUITES; do
  case $suite in local | sftp) ;; *) die "SUITES: unknown suite '$suite' (local, sftp)" ;; esac
done
[[ -n ${SUITES// /} ]] || die "SUITES is empty (local, sftp or both)"
for set in $SFTP_SETS; do
  case $set in S | L) ;; *) die "SFTP_SETS: unknown set '$set' (S, L)" ;; esac
done
suite_on() { [[ " $SUITES " == *" $1 "* ]]; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ $CHANGE_RUNS =~ ^[1-9][0-9]*$ ]] || die "CHANGE_RUNS must be a positive integer"

# ---------------------------------------------------------------- prerequisites
# Missing tools are installed with apt (sudo when not root), except in SMOKE mode, where a
# missing peer is only skipped: a test must not change the machine.
apt_install() {
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  say "installing with apt: $*"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 && "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1; }
}

PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3 || true)
if [[ $SMOKE != 1 ]]; then
  missing=()
  for tool in rsync unison rclone; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [[ -x /usr/bin/time ]] || missing+=(time)
  [[ -n $PY ]] || missing+=(python3)
  if suite_on sftp; then
    [[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
    for tool in ssh sftp scp ssh-keygen; do command -v "$tool" >/dev/null || { missing+=(openssh-client); break; }; done
  fi
  if ((${#missing[@]})); then apt_install "${missing[@]}" || say "apt could not install all of: ${missing[*]}"; fi
  [[ -n $PY ]] || PY=$(command -v python3 || true)
fi
if [[ -z $PY ]]; then
  [[ $SMOKE == 1 ]] && { echo "run.sh: python3 is missing; smoke test skipped" >&2; exit 77; }
  die "python3 is missing"
fi
TIME_BIN=/usr/bin/time
[[ -x $TIME_BIN ]] || TIME_BIN=""

if [[ -z ${FERRY:-} ]]; then
  FERRY=$REPO/build/app/ferry-cli
  if [[ ! -x $FERRY ]]; then
    [[ $SMOKE == 1 ]] && { echo "run.sh: $FERRY is not built; smoke test skipped" >&2; exit 77; }
    say "building ferry-cli"
    if [[ ! -f $REPO/build/CMakeCache.txt ]]; then
      cmake -S "$REPO" -B "$REPO/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake configure failed"
    fi
    cmake --build "$REPO/build" --target ferry-cli || die "building ferry-cli failed"
  fi
fi
[[ -x $FERRY ]] || die "FERRY=$FERRY is not an executable"
FERRY=$(cd "$(dirname "$FERRY")" && pwd)/$(basename "$FERRY")
BUILD_DIR=$(cd "$(dirname "$FERRY")/.." && pwd)
if [[ -z ${RECONCILE_BENCH:-} ]]; then
  RECONCILE_BENCH=$BUILD_DIR/bench/reconcile_bench
  if [[ $SMOKE != 1 && ! -x $RECONCILE_BENCH && -f $BUILD_DIR/CMakeCache.txt ]]; then
    cmake --build "$BUILD_DIR" --target reconcile_bench >/dev/null 2>&1 || say "reconcile_bench could not be built"
  fi
fi

# ---------------------------------------------------------------- work folder
# WORK is only ever emptied of what this script put there (marked by .ferry-bench).
if [[ -e $WORK && -n $(ls -A "$WORK" 2>/dev/null) && ! -e $WORK/.ferry-bench ]]; then
  die "WORK=$WORK exists and was not made by bench/run.sh; choose another WORK"
fi
mkdir -p "$WORK" || die "cannot create WORK=$WORK"
WORK=$(cd "$WORK" && pwd)
touch "$WORK/.ferry-bench"
rm -rf "$WORK/data"
sync
# when many files were last deleted (see settle); what happened before the start is unknown,
# so the start counts as a deletion
LAST_DELETE=$EPOCHSECONDS
rm -rf "$WORK/timings"
mkdir -p "$WORK/data" "$WORK/timings"
RESULTS=$WORK/results.txt
TOOL_LOG=$WORK/tools.log                 # stdout and stderr of every measured command
: >"$RESULTS"
: >"$TOOL_LOG"
: >"$WORK/rclone.conf"
export FERRY_DATA_DIR=$WORK/ferry-data   # ferry-cli never touches the real data folder
mkdir -p "$FERRY_DATA_DIR"
FAILED=0
DROP_CHECKED=0

emit() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
q() { printf '%q' "$1"; }                # shell-quote one word for the command strings

# peers that can run; a missing one is skipped with a NOTE
declare -A HAVE=()
for tool in rsync unison rclone; do
  if command -v "$tool" >/dev/null; then HAVE[$tool]=1; else emit "NOTE $tool is not installed: its cases are skipped"; fi
done
[[ -n $TIME_BIN ]] || emit "NOTE /usr/bin/time is missing: peak RSS is not measured"

# ---------------------------------------------------------------- environment record
version_of() { "$@" 2>&1 | head -n1 | tr -s ' '; }
emit "ENV date $(date -u +%FT%TZ)"
emit "ENV cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
emit "ENV nproc $(nproc)"
emit "ENV memory $(free -m | awk '/^Mem:/ {print $2 " MB"}')"
emit "ENV kernel $(uname -sr)"
emit "ENV work_fs $(df --output=fstype,source "$WORK" | tail -n1 | tr -s ' ') (WORK=$WORK); page cache warm"
emit "ENV knobs SUITES=\"$SUITES\" SETS=\"$SETS\" SFTP_SETS=\"$SFTP_SETS\" RUNS=$RUNS CHANGE_RUNS=$CHANGE_RUNS SEED=$SEED SMOKE=$SMOKE SETTLE_S=$SETTLE_S scale=\"${SCALE_SIZES:-off}\""
emit "ENV results_file $RESULTS"
# a run with fewer sets, rounds or cases than the full one says so in its report; the local
# and the SFTP sections of RESULTS.md each say it for their own part
join_items() { local text=$1 item; shift; for item in "$@"; do text+=", $item"; done; printf '%s' "$text"; }
partial=()
[[ $SETS == "S M L" ]] || partial+=("SETS=\"$SETS\"")
((RUNS >= 3)) || partial+=("RUNS=$RUNS")
((CHANGE_RUNS >= 3)) || partial+=("CHANGE_RUNS=$CHANGE_RUNS")
[[ -n $SCALE_SIZES ]] || partial+=("no scale case")
if [[ $SMOKE != 1 ]] && suite_on local && ((${#partial[@]})); then emit "ENV partial $(join_items "${partial[@]}")"; fi
partial=()
[[ $SFTP_SETS == "S L" ]] || partial+=("SFTP_SETS=\"$SFTP_SETS\"")
((RUNS >= 3)) || partial+=("RUNS=$RUNS")
if [[ $SMOKE != 1 ]] && suite_on sftp && ((${#partial[@]})); then emit "ENV sftp_partial $(join_items "${partial[@]}")"; fi
emit "ENV ferry $(version_of "$FERRY" --version) ($FERRY)"
emit "ENV ferry_build source $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown), binary built $(date -u -r "$FERRY" +%FT%TZ), $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null | sed 's/^$/RelWithDebInfo (project default)/')"
[[ -n ${HAVE[rsync]:-} ]] && emit "ENV rsync $(version_of rsync --version)"
[[ -n ${HAVE[unison]:-} ]] && emit "ENV unison $(version_of unison -version)"
[[ -n ${HAVE[rclone]:-} ]] && emit "ENV rclone $(version_of rclone version)"
emit "ENV cp $(version_of cp --version)"
emit "ENV python $(version_of "$PY" --version)"
stale=$(find "$REPO/core" "$REPO/app" -newer "$FERRY" \( -name '*.cpp' -o -name '*.h' \) 2>/dev/null | wc -l)
((stale == 0)) || emit "NOTE $stale source files under core/ and app/ are newer than $FERRY: rebuild (cmake --build build) to measure them"

# ---------------------------------------------------------------- cases
# A case is a name with a command (CMD), an untimed preparation (PREP) and, when the run
# should leave a copy of the source, its destination (DEST) for the check after the run.
declare -A CMD=() PREP=() DEST=()

# define_case CASE STAGE DST STATE: STAGE is "first" (empty destination) or "again"
define_case() {
  local case=$1 stage=$2 dst=$3 state=$4 cmd s d st
  s=$(q "$SRC"); d=$(q "$dst"); st=$(q "$state")
  case $case in
    find-one)      cmd="find $s -printf '%s %T@\n' >/dev/null" ;;
    find-both)     cmd="find $s $d -printf '%s %T@\n' >/dev/null" ;;
    cp-a)          cmd="cp -a $s $d" ;;
    cp-a-sync)     cmd="cp -a $s $d && sync -f $d" ;;   # the same copy made durable, as Ferry's are
    cp-changed)    cmd="cp -a $s/big.bin $s/f01.bin $d/" ;;   # set L's change set, copied once
    rsync)         cmd="rsync -a --delete $s/ $d/" ;;
    unison)        cmd="UNISON=$st unison $s $d -batch -times -silent" ;;
    rclone-sync)   cmd="RCLONE_CONFIG=$(q "$WORK/rclone.conf") rclone sync $s $d" ;;
    rclone-bisync) cmd="RCLONE_CONFIG=$(q "$WORK/rclone.conf") rclone bisync $s $d --workdir $st"
                   [[ $stage == first ]] && cmd+=" --resync" ;;
    ferry-twoway)  cmd="FERRY_TIMING=1 $(q "$FERRY") sync $s $d --mode two-way --state $st/db -q" ;;
    ferry-mirror)  cmd="FERRY_TIMING=1 $(q "$FERRY") sync $s $d --mode mirror --state $st/db -q" ;;
    *) die "unknown case $case" ;;
  esac
  CMD[$case]=$cmd
  DEST[$case]=""
  [[ $case == find-* ]] || DEST[$case]=$dst
  PREP[$case]="sync"
  if [[ $stage == first && $case != find-* ]]; then
    # a destination and a state folder nobody has used (rclone bisync wants the folder to exist)
    PREP[$case]="rm -rf $d $st && mkdir -p $st"
    [[ $case == rclone-bisync ]] && PREP[$case]+=" $d"
    PREP[$case]+=" && sync"
  fi
}

# paths_for CASE STAGE ROUND: sets P_DST and P_STATE. A first-copy group gives every run a
# destination and state of its own; the last round's are the plain names that the re-run
# groups continue from. The others are deleted after the group (see drop_extra_copies).
paths_for() {
  local case=$1 stage=$2 round=$3 tag=""
  [[ $stage == first && $round != $((RUNS - 1)) ]] && tag=".r$round"
  P_DST=$BASE/dst-$case$tag
  P_STATE=$BASE/state/$case$tag
  [[ $case == find-both || $case == cp-changed ]] && P_DST=$BASE/dst-cp-a
  [[ $case == find-one ]] && P_DST=""
  return 0
}

# define_for CASE STAGE ROUND: CMD, PREP and DEST of a case of the suite being run (SUITE_NOW)
SUITE_NOW=local
define_for() {
  if [[ $SUITE_NOW == sftp ]]; then
    sftp_define "$@"
  else
    paths_for "$@"
    define_case "$1" "$2" "$P_DST" "$P_STATE"
  fi
}

# the SFTP cases (sftp_suite, sftp_define)
# shellcheck source=bench/sftp.sh
. "$BENCH_DIR/sftp.sh"

# peers: the peer cases whose tools are installed
peers() {
  local out=()
  [[ -n ${HAVE[rsync]:-} ]] && out+=(rsync)
  [[ -n ${HAVE[unison]:-} ]] && out+=(unison)
  [[ -n ${HAVE[rclone]:-} ]] && out+=(rclone-sync rclone-bisync)
  echo "${out[@]}"
}

# ---------------------------------------------------------------- deleting without skewing
# On ext4 without a journal (this kind of VM), creating files shortly after many files were
# deleted is several times slower (the inode allocator skips recently freed inodes). So no
# timed run starts within SETTLE_S seconds of a large deletion made by this script, and a
# first-copy run never goes to a folder that was just deleted (see paths_for).
drop_trees() {                           # drop_trees PATH...: delete, flush, remember when
  rm -rf "$@"
  sync
  LAST_DELETE=$EPOCHSECONDS
}
settle() {
  local left=$((LAST_DELETE + SETTLE_S - EPOCHSECONDS))
  if ((SETTLE_S > 0 && left > 0)); then
    say "waiting ${left}s after a large deletion (SETTLE_S=$SETTLE_S)"
    sleep "$left"
  fi
}
drop_extra_copies() {
  local extra=()
  shopt -s nullglob
  extra=("$BASE"/dst-*.r[0-9]* "$BASE"/state/*.r[0-9]*)
  shopt -u nullglob
  ((${#extra[@]})) && drop_trees "${extra[@]}"
  return 0
}

# ---------------------------------------------------------------- checks
# listing DIR: one sorted line per entry: type, relative path, and for files size and mtime
listing() {
  find "$1" -mindepth 1 \( -type f -printf 'f %P %s %T@\n' \) -o \( -type d -printf 'd %P\n' \) \
       -o -printf '%y %P\n' | sort
}

snapshot_source() { listing "$SRC" >"$WORK/src.listing"; }

# check_copy SET GROUP CASE ROUND DST: the destination must equal the source (diff -rq, and
# the listing: names, sizes, file mtimes), and the source must not have changed.
check_copy() {
  local set=$1 group=$2 case=$3 round=$4 dst=$5 tree=ok meta=ok src=ok n result=ok
  diff -rq "$SRC" "$dst" >"$WORK/check.diff" 2>&1 || tree=DIFF
  listing "$dst" >"$WORK/dst.listing"
  n=$(diff "$WORK/src.listing" "$WORK/dst.listing" | grep -c '^[<>]')
  ((n == 0)) || meta="$n-lines"
  listing "$SRC" | cmp -s - "$WORK/src.listing" || src=CHANGED
  [[ $tree == ok && $meta == ok && $src == ok ]] || { result=FAIL; FAILED=1; }
  emit "CHECK set=$set group=$group case=$case round=$round result=$result tree=$tree meta=$meta src=$src dst=$dst"
  if [[ $result != ok ]]; then
    { echo "== CHECK FAIL $set $group $case round $round"; head -n 20 "$WORK/check.diff"
      diff "$WORK/src.listing" "$WORK/dst.listing" | head -n 20; } >>"$TOOL_LOG"
  fi
}

# ---------------------------------------------------------------- the harness
# read_steal: STEAL_NOW = CPU time the hypervisor gave to others so far, all CPUs, in 1/100 s
# (/proc/stat's cpu line; a builtin read, no fork)
read_steal() {
  local label user nice sys idle iowait irq softirq rest
  STEAL_NOW=0
  read -r label user nice sys idle iowait irq softirq STEAL_NOW rest 2>/dev/null </proc/stat
  [[ $STEAL_NOW =~ ^[0-9]+$ ]] || STEAL_NOW=0
}

# timed_run CMD: wall time from $EPOCHREALTIME around /usr/bin/time; sets T0 T1 RSS_KIB RC and
# STEAL_MS (CPU time stolen from this VM during the run, summed over its CPUs: a busy host)
timed_run() {
  local wrap=()
  [[ -n $TIME_BIN ]] && wrap=("$TIME_BIN" -f %M -o "$WORK/time.out")
  [[ -n $CASE_TIMEOUT ]] && wrap+=(timeout "$CASE_TIMEOUT")
  rm -f "$WORK/time.out"
  read_steal
  local steal0=$STEAL_NOW
  T0=$EPOCHREALTIME
  "${wrap[@]}" bash -c "$1" >>"$TOOL_LOG" 2>&1
  RC=$?
  T1=$EPOCHREALTIME
  read_steal
  STEAL_MS=$(( (STEAL_NOW - steal0) * 10 ))   # /proc/stat counts in USER_HZ, 100 on Linux
  RSS_KIB=-1
  [[ -s $WORK/time.out ]] && RSS_KIB=$(tail -n1 "$WORK/time.out")
}

# run_group SET GROUP STAGE REF WARMUP HOOK FILES BYTES CASE...
#   Rounds are interleaved, the order rotated by one each round and reversed every other
#   round (so no case always follows the same neighbour); WARMUP untimed rounds come
#   first. HOOK (a function or "") runs before every round with the round number. After every
#   timed run of a case with a destination: check_copy. Statistics: report.py summarize.
run_group() {
  local set=$1 group=$2 stage=$3 ref=$4 warm=$5 hook=$6 files=$7 bytes=$8
  shift 8
  local cases=("$@") n=$# timings="$WORK/timings/$set.$group" r k c rounds=$RUNS
  [[ $group == change ]] && rounds=$CHANGE_RUNS
  : >"$timings"
  for c in "${cases[@]}"; do
    define_for "$c" "$stage" $((RUNS - 1))
    emit "CMD set=$set group=$group case=$c prep: ${PREP[$c]} | run: ${CMD[$c]}"
  done
  say "set $set, group $group: ${cases[*]} ($rounds rounds, $warm warm-up)"
  for ((r = -warm; r < rounds; r++)); do
    [[ -n $hook ]] && "$hook" "$r"
    settle
    for ((k = 0; k < n; k++)); do
      # Odd rounds run the order backwards, so a case does not always follow the same
      # neighbour (a tool that leaves many deleted inodes slows the next one's creates).
      local pos=$(( (k + r + warm) % n ))
      (( (r + warm) % 2 == 1 )) && pos=$(( (n - 1 - k + r + warm) % n ))
      c=${cases[pos]}
      define_for "$c" "$stage" "$r"
      bash -c "${PREP[$c]}" >>"$TOOL_LOG" 2>&1
      echo "== $set $group $c round $r" >>"$TOOL_LOG"
      [[ $SUITE_NOW == sftp ]] && sshd_mark
      timed_run "${CMD[$c]}"
      ((r < 0)) && continue
      [[ $SUITE_NOW == sftp && $r == 0 ]] && cipher_line "set=$set group=$group case=$c"
      echo "$r $c $T0 $T1 $RSS_KIB $RC $STEAL_MS" >>"$timings"
      if [[ $c == ferry-* && $RC != 0 ]]; then
        FAILED=1
        emit "NOTE $c exited $RC in set $set, group $group, round $r (see $TOOL_LOG)"
      fi
      if [[ -n ${DEST[$c]} ]]; then
        check_copy "$set" "$group" "$c" "$r" "${DEST[$c]}"
        # large copies: only the last round's, which later groups go on with, are kept
        # (DROP_CHECKED=2, the SFTP large files: no later group goes on with any of them)
        [[ $DROP_CHECKED == 2 || ($DROP_CHECKED == 1 && ${DEST[$c]##*/} == *.r[0-9]*) ]] && rm -rf "${DEST[$c]}"
      fi
    done
  done
  "$PY" "$BENCH_DIR/report.py" summarize "$timings" --set "$set" --group "$group" --ref "$ref" \
        --files "$files" --bytes "$bytes" --cases "${cases[*]}" | tee -a "$RESULTS"
  [[ $stage == first ]] && drop_extra_copies
  return 0
}

# rss_tree SET CASE...: one more no-change run of each case, untimed, under rsstree.py: the
# peak of the summed RSS of the command's whole process tree (sampled every 5 ms, never below
# its largest single process), as an RSSTREE line.
rss_tree() {
  local set=$1 c line
  shift
  say "set $set: peak RSS of each tool's whole process tree (one more no-change run each)"
  for c in "$@"; do
    define_for "$c" again 0
    bash -c "${PREP[$c]}" >>"$TOOL_LOG" 2>&1
    echo "== $set rss-tree $c" >>"$TOOL_LOG"
    local wrap=()
    [[ -n $CASE_TIMEOUT ]] && wrap=(timeout "$CASE_TIMEOUT")
    line=$("${wrap[@]}" "$PY" "$BENCH_DIR/rsstree.py" "${CMD[$c]}" 2>>"$TOOL_LOG")
    if [[ $line != peak_tree_KiB=* ]]; then
      emit "NOTE rsstree.py measured nothing for $c in set $set (see $TOOL_LOG)"
      [[ $c == ferry-* ]] && FAILED=1
      continue
    fi
    if [[ $c == ferry-* && $line != *" rc=0" ]]; then
      FAILED=1
      emit "NOTE $c failed in the process-tree RSS run of set $set (${line##* }; see $TOOL_LOG)"
    fi
    emit "RSSTREE set=$set group=nochange case=$c $(awk '{
      for (i = 1; i <= NF; i++) { split($i, kv, "=")
        if (kv[1] ~ /_KiB$/) { sub(/_KiB$/, "_MB", kv[1]); printf "%s=%.1f ", kv[1], kv[2] / 1024 } else printf "%s ", $i }
    }' <<<"$line")"
  done
}

round_snapshot() { snapshot_source; }
round_change() {
  local line
  line=$("$PY" "$BENCH_DIR/gen.py" change "$SET" "$SRC" "$1" --seed "$SEED")
  emit "$line"
  sync
  [[ $line == *" deleted=0 "* ]] || LAST_DELETE=$EPOCHSECONDS   # the change set deleted files too
  snapshot_source
}

count_files() { find "$1" -type f -printf '%s\n' | awk '{n++; b += $1} END {print n + 0, b + 0}'; }

# ---------------------------------------------------------------- local cases
if suite_on local; then
  # ---------------------------------------------------------------- data sets S, M, L
  for SET in $SETS; do
    case $SET in S | M | L) ;; *) die "unknown set $SET (S, M or L)" ;; esac
    if [[ $SET == L && $SMOKE == 1 ]]; then emit "NOTE set L skipped in SMOKE mode"; continue; fi
    BASE=$WORK/data/$SET
    SRC=$BASE/src
    mkdir -p "$BASE/state"
    gen_args=(tree "$SET" "$SRC" --seed "$SEED")
    ((SMALL_FILES > 0)) && gen_args+=(--files "$SMALL_FILES")
    say "generating set $SET"
    data=$("$PY" "$BENCH_DIR/gen.py" "${gen_args[@]}") || die "generating set $SET failed"
    emit "$data"
    read -r FILES BYTES < <(count_files "$SRC")
    sync
    snapshot_source
    read -ra PEERS <<<"$(peers)"

    if [[ $SET == L ]]; then
      # large files: the first copy for throughput (each round's 2 GiB copy but the last is
      # dropped once checked), a no-change re-run, and a change set of 1 MiB appended to the
      # 1 GiB file plus one 50 MiB file touched; its floor is cp -a of those two files
      DROP_CHECKED=1
      run_group "$SET" initial first cp-a 0 "" "$FILES" "$BYTES" cp-a cp-a-sync "${PEERS[@]}" ferry-twoway ferry-mirror
      DROP_CHECKED=0
      run_group "$SET" nochange again find-both 1 round_snapshot "$FILES" 0 find-both "${PEERS[@]}" ferry-twoway ferry-mirror
      run_group "$SET" change again cp-changed 0 round_change "$FILES" 0 cp-changed "${PEERS[@]}" ferry-twoway ferry-mirror
    else
      run_group "$SET" limits again find-one 1 "" "$FILES" 0 find-one
      run_group "$SET" initial first cp-a 0 "" "$FILES" "$BYTES" cp-a cp-a-sync "${PEERS[@]}" ferry-twoway ferry-mirror
      # re-runs: every tool on its own destination and state, left by the last initial round
      run_group "$SET" nochange again find-both 1 round_snapshot "$FILES" 0 find-both "${PEERS[@]}" ferry-twoway ferry-mirror
      [[ $SET == M ]] && rss_tree "$SET" "${PEERS[@]}" ferry-twoway ferry-mirror
      run_group "$SET" change again find-both 0 round_change "$FILES" 0 find-both "${PEERS[@]}" ferry-twoway ferry-mirror
    fi
    [[ $KEEP == 1 ]] || drop_trees "$BASE"
  done

  # ---------------------------------------------------------------- metadata scale
  for entries in $SCALE_SIZES; do
    case $entries in 1000000) SET=scale-1M ;; 250000) SET=scale-250k ;; *) SET=scale-$entries ;; esac
    BASE=$WORK/data/$SET
    SRC=$BASE/src
    mkdir -p "$BASE/state"
    say "generating $entries empty files"
    data=$("$PY" "$BENCH_DIR/gen.py" scale "$SRC" "$entries") || die "generating $SET failed"
    emit "${data/SCALE /SCALE set=$SET }"
    sync
    snapshot_source
    run_group "$SET" initial first cp-a 0 "" "$entries" 0 cp-a ferry-twoway
    run_group "$SET" nochange again find-both 1 round_snapshot "$entries" 0 find-both ferry-twoway
    [[ $KEEP == 1 ]] || drop_trees "$BASE"
  done

  # ---------------------------------------------------------------- reconciler alone
  if [[ -x $RECONCILE_BENCH ]]; then
    rb_args=()
    [[ $SMOKE == 1 ]] && rb_args=(20000)   # smoke: only that the call and the parsing work
    say "running $RECONCILE_BENCH ${rb_args[*]}"
    line=$("$RECONCILE_BENCH" "${rb_args[@]}" 2>>"$TOOL_LOG" | grep '^RECONCILE ' | tail -n1)
    if [[ -n $line ]]; then emit "$line"; else emit "NOTE $RECONCILE_BENCH printed no RECONCILE line"; fi
  else
    emit "NOTE reconciler benchmark not measured: $RECONCILE_BENCH is not built"
  fi
fi # local cases

# ---------------------------------------------------------------- SFTP cases
suite_on sftp && sftp_suite

# ---------------------------------------------------------------- report
[[ $KEEP == 1 ]] || rm -rf "$WORK/data"
md_args=(markdown "$RESULTS" "$REPORT_MD" --notes-from "$REPORT_MD" --suites "$SUITES")
[[ $SMOKE == 1 ]] && md_args+=(--smoke)
"$PY" "$BENCH_DIR/report.py" "${md_args[@]}" || die "writing $REPORT_MD failed"
say "results: $RESULTS; report: $REPORT_MD"
if ((FAILED)); then
  say "FAILED: a check failed or a Ferry run exited non-zero (see CHECK/NOTE lines and $TOOL_LOG)"
  exit 1
fi
exit 0
