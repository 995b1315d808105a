# Shared by the integration scripts: a private $ROOT with an isolated HOME and
# Ferry data folder, helpers that refuse to touch anything outside it, and
# assertions that collect failures per case. Source it after setting nothing;
# the caller passes the ferry-cli path as $1.
set -u
export LC_ALL=C

CLI=${1:-}
if [[ -z $CLI || ! -x $CLI ]]; then echo "usage: bash $(basename "$0") /path/to/ferry-cli [case…]" >&2; exit 2; fi
CLI=$(cd "$(dirname "$CLI")" && pwd)/$(basename "$CLI")
PY=/usr/bin/python3; [[ -x $PY ]] || PY=python3

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ferry-cli-test.XXXXXX") || { echo "mktemp failed" >&2; exit 2; }
ROOT=$(cd "$ROOT" && pwd -P)
cleanup() { [[ -n ${BGPID:-} ]] && kill -9 "$BGPID" 2>/dev/null; chmod -R u+rwX "$ROOT" 2>/dev/null; rm -rf -- "$ROOT"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# Nothing may touch the real home or Ferry's real data folder.
export FERRY_DATA_DIR=$ROOT/ferry-data HOME=$ROOT/home XDG_DATA_HOME=$ROOT/home/.local/share \
       XDG_CONFIG_HOME=$ROOT/home/.config XDG_CACHE_HOME=$ROOT/home/.cache XDG_RUNTIME_DIR=$ROOT/home/run
mkdir -p "$FERRY_DATA_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$ROOT/results"
chmod 700 "$XDG_RUNTIME_DIR"
unset FERRY_PASSWORD

# ---------------------------------------------------------------- helpers
inside() { # refuse any path outside $ROOT
  local p; p=$(realpath -m -- "$1")
  [[ $p == "$ROOT"/* ]] || { echo "FATAL: refusing to touch $1 (outside $ROOT)" >&2; exit 99; }
}
safe_rm() { local p; for p in "$@"; do inside "$p"; rm -rf -- "$p"; done; }

FAILS=()
fail() { FAILS+=("$*"); }

# setup NAME: fresh case folder $T with empty sides $L and $R; cwd = $T
setup() {
  T=$ROOT/$1; inside "$T"; safe_rm "$T"; mkdir -p "$T/L" "$T/R"
  L=$T/L R=$T/R S=$T/state.db OUT=$T/out.json ERR=$T/err.txt RC=
  cd "$T" || exit 99
}
# put FILE CONTENT: write a file (creating parents), path must be inside $ROOT
put() { inside "$1"; mkdir -p -- "$(dirname -- "$1")"; printf '%s' "$2" > "$1"; }

# cli ARGS...: run ferry-cli, stdout -> $OUT, stderr -> $ERR, exit code -> $RC
cli() { timeout 60 "$CLI" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
sync2() { cli sync "$L" "$R" --mode two-way --state "$S" --json "$@"; }
mirror() { cli sync "$L" "$R" --mode mirror --json "$@"; }

expect_rc() { [[ $RC == "$1" ]] || fail "${2:+$2: }exit $RC, want $1 ($(head -c 200 "$ERR" | tr '\n' ' '))"; }
expect_same() { local d; d=$(diff -r --no-dereference "$L" "$R" 2>&1) || fail "trees differ: $(head -c 200 <<<"$d" | tr '\n' ' ')"; }
expect_content() { # expect_content FILE CONTENT
  if [[ ! -f $1 ]]; then fail "missing file ${1#"$T"/}"
  elif [[ $(cat -- "$1") != "$2" ]]; then fail "${1#"$T"/}: content '$(head -c 60 -- "$1")', want '$2'"; fi
}
expect_absent() { local p; for p in "$@"; do [[ -e $p || -L $p ]] && fail "${p#"$T"/} should not exist"; done; return 0; }
expect_dir() { local p; for p in "$@"; do [[ -d $p && ! -L $p ]] || fail "missing folder ${p#"$T"/}"; done; return 0; }

# jv EXPR: evaluate a python expression over the JSON in $OUT (d = object, c = counts)
jv() {
  "$PY" - "$OUT" "$1" <<'EOF'
import json, sys
try:
    d = json.loads(open(sys.argv[1], encoding="utf-8").read())
except Exception as e:
    print("<no json: %s>" % e); sys.exit(0)
c = d.get("counts", {}) if isinstance(d, dict) else {}
try:
    v = eval(sys.argv[2], {"d": d, "c": c})
except Exception as e:
    v = "<error %r>" % e
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
EOF
}
expect_j() { local got; got=$(jv "$1"); [[ $got == "$2" ]] || fail "json $1 = $got, want $2"; }
# a run that should find nothing to do
expect_quiet() {
  sync2; expect_rc 0 "re-run"
  expect_j 'sum(v for k, v in c.items() if k != "record")' 0
  expect_j 'len(d["actions"])' 0
}
# signature of trees/files: types, names, sizes, file mtimes, link targets and contents
sig() {
  local p
  for p in "$@"; do
    if [[ -e $p || -L $p ]]; then
      find "$p" -printf '%y %p %s %l\n' | sort
      find "$p" ! -type d -printf '%p %T@\n' | sort
      find "$p" -type f -exec md5sum {} + | sort
    else echo "absent $p"; fi
  done
}
expect_sig() { # expect_sig FILE PATHS...: signature unchanged since FILE was written
  local f=$1; shift
  sig "$@" > "$f.after"
  cmp -s "$f" "$f.after" || fail "changed: $(diff "$f" "$f.after" | grep '^[<>]' | head -3 | tr '\n' ' ')"
}


# run_cases CASE...: runs each case function in a subshell, prints TAP-like lines
# and a summary; returns non-zero when any case failed. Extra script arguments
# after the binary select cases by name.
run_cases() {
  local cases=("$@") passed=0 failed=0 c res name
  [[ ${#SELECTED[@]} -gt 0 ]] && cases=("${SELECTED[@]}")
  for c in "${cases[@]}"; do
    res=$ROOT/results/$c
    name=${c#t_}
    # A misspelt case (in CASES or on the command line) fails; it would otherwise run nothing and pass.
    if ! declare -F "$c" >/dev/null; then echo "not ok - $name: no such case"; failed=$((failed + 1)); continue; fi
    ( FAILS=(); "$c"; cd "$ROOT" || exit; printf '%s\n' "${FAILS[@]}" > "$res" )
    if [[ ! -f $res ]]; then echo "not ok - $name: case aborted"; failed=$((failed + 1))
    elif [[ -z $(tr -d '\n' < "$res") ]]; then echo "ok - $name"; passed=$((passed + 1))
    else echo "not ok - $name: $(grep -v '^$' "$res" | head -4 | paste -sd ';' | sed 's/;/; /g')"; failed=$((failed + 1)); fi
  done
  echo "$passed passed, $failed failed"
  [[ $failed == 0 ]]
}
