#!/usr/bin/env bash
# Integration tests for saved jobs, runs and the history: the real ferry-cli
# binary, the real app database file, several processes at once.
#   usage: bash jobs_test.sh /path/to/ferry-cli [case…]
# Each case gets its own Ferry data folder ($FERRY_DATA_DIR) inside $ROOT.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SELECTED=("${@:2}")

# jsetup NAME: setup plus a private data folder and database path $DB
jsetup() {
  setup "$1"
  export FERRY_DATA_DIR=$T/data
  DB=$FERRY_DATA_DIR/ferry.db
}
# sqlq SQL: one value from the app database (read-only), via Python's sqlite3
sqlq() {
  "$PY" - "$DB" "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = c.execute(sys.argv[2]).fetchone()
print(r[0] if r else "")
EOF
}
# wait_for_lock FILE: until a process holds the run lock and has written its name
wait_for_lock() {
  local i
  for ((i = 0; i < 500; i++)); do
    [[ -s $1 ]] && ! flock -n "$1" true 2>/dev/null && return 0
    sleep 0.01
  done
  return 1
}
many_files() { # many_files DIR N: N small files in 10 folders
  "$PY" - "$1" "$2" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%d" % (i % 10))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "w") as f:
        f.write("content %d\n" % i * 20)
EOF
}

# start_frozen_run NAME LOCKFILE: a run of job NAME in the background ($BGPID),
# stopped (SIGSTOP) once it holds the lock and its run is recorded as running
start_frozen_run() {
  "$CLI" run "$1" -q >"$T/a.out" 2>"$T/a.err" &
  BGPID=$!
  wait_for_lock "$2" || fail "the run of $1 never took the lock"
  local i
  for ((i = 0; i < 200; i++)); do
    [[ $(sqlq "SELECT count(*) FROM runs WHERE outcome='running'") -ge 1 ]] && break
    sleep 0.01
  done
  kill -STOP "$BGPID"
  # The stop is delivered when the kernel next schedules the process: on a
  # loaded machine ps can still see it running for a moment.
  local st=
  for ((i = 0; i < 250; i++)); do
    st=$(ps -o stat= -p "$BGPID" 2>/dev/null)
    [[ $st == T* || -z $st ]] && break
    sleep 0.02
  done
  [[ $st == T* ]] || fail "the run was not frozen while running (state '$st'; make the tree bigger)"
}

# ---------------------------------------------------------------- cases
t_job_lifecycle() {
  jsetup lifecycle
  put "$L/a.txt" "alpha"; put "$L/sub/b.txt" "beta"; put "$R/c.txt" "gamma"; put "$L/skip.tmp" "temp"
  cli job add Docs "$L" "$R" --mode two-way --exclude '*.tmp' --conflict newer --schedule "daily 02:30" --json
  expect_rc 0 "job add"
  expect_j 'd["job"]["name"]' Docs
  expect_j 'd["job"]["exclude"]' '["*.tmp"]'
  expect_j 'd["job"]["schedule"]' "daily 02:30"
  expect_j 'd["job"]["last_run"]' null
  cli job add Docs "$L" "$R"; expect_rc 2 "a second job with the same name"
  grep -q "already exists" "$ERR" || fail "duplicate name: no clear message"

  cli job list --json; expect_rc 0 "job list"
  expect_j '[j["name"] for j in d["jobs"]]' '["Docs"]'
  cli job list; expect_rc 0
  grep -q "^Docs .*never run" "$OUT" || fail "job list (text) should show Docs as never run: $(head -c 300 "$OUT")"

  cli run Docs --json; expect_rc 0 "run"
  expect_j 'd["job"]' Docs
  expect_j 'c["copy_left_to_right"]' 3   # a.txt, sub, sub/b.txt
  expect_j 'c["copy_right_to_left"]' 1
  expect_content "$R/a.txt" alpha; expect_content "$R/sub/b.txt" beta; expect_content "$L/c.txt" gamma
  expect_absent "$R/skip.tmp"
  local run1; run1=$(jv 'd["run_id"]')

  cli history Docs --json; expect_rc 0 "history"
  expect_j 'len(d["runs"])' 1
  expect_j 'd["runs"][0]["outcome"]' in-sync
  expect_j 'd["runs"][0]["trigger"]' cli
  expect_j 'd["runs"][0]["counts"]["copy_left_to_right"]' 3
  expect_j 'd["runs"][0]["id"]' "$run1"
  cli history --run "$run1" --json; expect_rc 0 "history --run"
  expect_j 'sorted(i["action"] + " " + i["path"] + " " + i["result"] for i in d["run"]["items"])' \
    '["copy-to-left c.txt done", "copy-to-right a.txt done", "copy-to-right sub done", "copy-to-right sub/b.txt done"]'

  put "$R/a.txt" "alpha edited on the right"
  cli run Docs; expect_rc 0 "second run"
  expect_content "$L/a.txt" "alpha edited on the right"
  cli history; expect_rc 0
  [[ $(grep -c "Docs" "$OUT") == 2 ]] || fail "history (text) should list two runs of Docs"

  cli job edit Docs --exclude 'cache/' --remove-exclude '*.tmp' --mode mirror --json; expect_rc 0 "job edit"
  expect_j 'd["job"]["exclude"]' '["cache/"]'
  expect_j 'd["job"]["mode"]' mirror
  cli job edit Docs --include '*.txt' --include 'sub/' --max-size 10M --min-age 5m --json; expect_rc 0 "job edit filters"
  expect_j 'd["job"]["include"]' '["*.txt", "sub/"]'
  expect_j 'd["job"]["max_size_bytes"]' 10485760
  expect_j 'd["job"]["min_age_s"]' 300
  cli job edit Docs --remove-include 'sub/' --max-size 0 --min-age 0 --json; expect_rc 0 "job edit removes filters"
  expect_j 'd["job"]["include"]' '["*.txt"]'
  expect_j 'd["job"]["max_size_bytes"]' 0
  cli job edit Docs --min-size 2M --max-size 1M; expect_rc 2 "crossed size limits"
  grep -q "no file would be synced" "$ERR" || fail "crossed limits: no clear message ($(head -c 200 "$ERR"))"
  cli job edit Docs --clear-includes --json; expect_rc 0; expect_j 'd["job"]["include"]' '[]'
  cli job show Docs; expect_rc 0 "job show"
  grep -q "^mode: *mirror" "$OUT" || fail "job show should print the new mode"
  grep -q "^include: *everything" "$OUT" || fail "job show should print the include patterns"
  grep -q "^last run:.*in-sync" "$OUT" || fail "job show should print the last run"

  cli job export Docs "$T/docs.json"; expect_rc 0 "job export"
  [[ $(grep -c '"cache/"' "$T/docs.json") == 1 ]] || fail "the export should hold the job's exclude pattern"
  cli job remove Docs; expect_rc 0 "job remove"
  [[ -d $L && -d $R ]] || fail "removing a job must not touch its folders"
  expect_content "$R/a.txt" "alpha edited on the right"
  cli job list --json; expect_j 'd["jobs"]' '[]'
  cli history Docs --json; expect_rc 0 "history of a removed job"
  expect_j 'len(d["runs"])' 2
  expect_j 'd["runs"][0]["job_exists"]' false
  cli job import "$T/docs.json" --json; expect_rc 0 "job import"
  expect_j 'd["job"]["name"]' Docs
  expect_j 'd["job"]["mode"]' mirror
  cli run Docs --json; expect_rc 0 "run after import"
}

t_password_never_stored() {
  jsetup secrets
  local secret="Sup3r-S3cret-$RANDOM-pw"
  export NAS_PW=$secret FERRY_PASSWORD=$secret
  cli job add Nas "$L" "sftp://me@127.0.0.1:1/srv/docs" --mode mirror --password-env NAS_PW --json
  expect_rc 0 "job add with a password variable"
  expect_j 'd["job"]["password_env"]' NAS_PW
  # No keychain service runs here: --save-password must refuse, clearly, and save nothing.
  ( unset DBUS_SESSION_BUS_ADDRESS DISPLAY; export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/no-bus
    cli job add Nas2 "$L" "sftp://me@127.0.0.1:2222/srv/other" --password-env NAS_PW --save-password
    echo "$RC" > "$T/rc2"; cat "$ERR" > "$T/err2" )
  [[ $(cat "$T/rc2") == 2 ]] || fail "--save-password without a keychain: exit $(cat "$T/rc2"), want 2"
  grep -q "keychain" "$T/err2" || fail "--save-password without a keychain should say so"
  grep -q -- "--password-env" "$T/err2" || fail "--save-password without a keychain should name the fallback"
  cli job show Nas --json; expect_rc 0 "job show"
  cp "$OUT" "$T/show.json"; cp "$ERR" "$T/show.err"
  grep -q "NAS_PW" "$T/show.json" || fail "job show should say where the password comes from"
  cli job export Nas "$T/nas.json"; expect_rc 0 "job export"
  cli job export Nas; cp "$OUT" "$T/export-stdout.json"
  cli run Nas --json; cp "$OUT" "$T/run.json"; cp "$ERR" "$T/run.err"
  [[ $RC != 0 ]] || fail "run of an SFTP job whose server is unreachable (port 1): exit 0"
  grep -q "environment variable NAS_PW" "$T/run.err" || fail "run should say where a password would come from"
  cli history --json; cp "$OUT" "$T/history.json"
  cli job list; cp "$OUT" "$T/list.txt"
  # The password is nowhere: database (and its WAL), state, exports, outputs.
  local hits
  hits=$(grep -rl --binary-files=text -- "$secret" "$FERRY_DATA_DIR" "$T"/*.json "$T"/*.err "$T"/*.txt "$T/err2" 2>/dev/null)
  [[ -z $hits ]] || fail "the password was written to: $hits"
  [[ -s $DB ]] || fail "the app database should exist"
  unset NAS_PW FERRY_PASSWORD
}

t_no_password_source() {
  # A password is looked for up front only where it is cheap (environment,
  # keychain); the prompt, or the error that says what to set, comes only
  # when a server asks for one (sftp_cli_test.sh has the server). Here the
  # server is not even reachable (port 1): the run must fail for that, not
  # for a password nobody asked for.
  jsetup no_password
  cli job add Far "$L" "sftp://me@127.0.0.1:1/srv" --password-env FAR_PW; expect_rc 0
  ( unset FAR_PW; export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/no-bus; cli run Far </dev/null
    echo "$RC" > "$T/rc" )
  [[ $(cat "$T/rc") != 0 ]] || fail "run of a job whose server is unreachable: exit 0"
  grep -q 'FAR_PW is not set' "$ERR" && fail "a password was demanded before any server asked for one: $(head -c 300 "$ERR")"
  grep -q 'password comes from' "$ERR" && fail "no password source was found, yet one was named: $(head -c 300 "$ERR")"
  return 0
}

t_sftp_job_settings() { # job add/edit/show/export/import with an sftp side, its key and its server versions folder
  jsetup sftp_settings
  mkdir -p "$HOME/.ssh"; : > "$HOME/.ssh/nas_ed25519"
  cd "$HOME" || return
  cli job add Nas "$L" "sftp://me@[::1]:2222/srv/docs" --mode two-way --ssh-key .ssh/nas_ed25519 \
      --versioning "$T/versions" --server-versions /srv/versions --password-env NAS_PW --json
  expect_rc 0 "job add with an sftp side"
  cd "$T" || return
  expect_j 'd["job"]["right"]' "sftp://me@[::1]:2222/srv/docs"
  expect_j 'd["job"]["ssh_key"]' "$HOME/.ssh/nas_ed25519"
  expect_j 'd["job"]["server_versions"]' /srv/versions
  expect_j 'd["job"]["versioning"]' "$T/versions"
  cli job show Nas; expect_rc 0 "job show"
  grep -q "^ssh key: *$HOME/.ssh/nas_ed25519\$" "$OUT" || fail "job show should name the SSH key: $(grep -i ssh "$OUT")"
  grep -q "^versioning: .*/srv/versions (on the server)" "$OUT" || fail "job show should name the server's versions folder: $(grep versioning "$OUT")"
  grep -q "^right: *sftp://me@\[::1\]:2222/srv/docs" "$OUT" || fail "job show should print the URL: $(grep right "$OUT")"
  # Export and import carry the key file and the server folder (never a password).
  cli job export Nas "$T/nas.json"; expect_rc 0 "job export"
  grep -q '"ssh_key": "'"$HOME"'/.ssh/nas_ed25519"' "$T/nas.json" || fail "the export should hold the key file"
  grep -q '"server_versions": "/srv/versions"' "$T/nas.json" || fail "the export should hold the server's versions folder"
  cli job remove Nas; expect_rc 0
  cli job import "$T/nas.json" --json; expect_rc 0 "job import"
  expect_j 'd["job"]["ssh_key"]' "$HOME/.ssh/nas_ed25519"
  expect_j 'd["job"]["server_versions"]' /srv/versions
  expect_j 'd["job"]["password_env"]' NAS_PW
  # Edit: the key removed, the mode to a mirror onto the server that keeps versions there only.
  cli job edit Nas --ssh-key '' --mode mirror --json; expect_rc 0 "job edit --ssh-key ''"
  expect_j 'd["job"]["ssh_key"]' ""
  cli job edit Nas --versioning none --json; expect_rc 0 "versioning off"
  cli job edit Nas --server-versions /srv/old --json; expect_rc 0 "--server-versions alone"
  expect_j 'd["job"]["versioning"]' server
  expect_j 'd["job"]["server_versions"]' /srv/old
  cli job edit Nas --left "$T/other" --right "sftp://backup@nas.local/srv/docs2" --json; expect_rc 0 "edit the sides"
  expect_j 'd["job"]["right"]' "sftp://backup@nas.local/srv/docs2"
  # Two-way: the local side then needs its own folder, and says so.
  cli job edit Nas --mode two-way; expect_rc 2 "two-way with versions on the server only"
  grep -q -- "--versioning DIR" "$ERR" || fail "the refusal should say how to give the local side a folder: $(head -c 300 "$ERR")"
  # A local versions folder alone does not cover a server side: explained, refused.
  cli job add Nas2 "$L" "sftp://me@127.0.0.1:2222/srv/docs" --versioning "$T/versions"; expect_rc 2 "--versioning DIR with a server side"
  grep -q "folder on this computer" "$ERR" || fail "the refusal should say DIR is on this computer: $(head -c 300 "$ERR")"
  grep -q -- "--server-versions" "$ERR" || fail "the refusal should name --server-versions: $(head -c 300 "$ERR")"
  cli job add Nas3 "$L" "sftp://me@host/x" --server-versions relative/path; expect_rc 2 "a relative server folder"
  cli job add Nas4 "$L" "sftp://me:hunter2@host/x"; expect_rc 2 "a password inside an sftp URL"
  grep -q hunter2 "$ERR" "$OUT" && fail "the refusal repeats the password"
  cli job add Nas5 "$L" "sftp://::1/x"; expect_rc 2 "an IPv6 host without brackets"
  cli job add Nas6 "$L" "$R" --ssh-key "$HOME/.ssh/nas_ed25519"; expect_rc 2 "a key for a job with two local folders"
  cli job list --json; expect_j 'sorted(j["name"] for j in d["jobs"])' '["Nas"]'
  # run takes --accept-new-host-key (the server here is unreachable: port 1).
  cli job edit Nas --right "sftp://me@127.0.0.1:1/srv" --mode mirror; expect_rc 0
  cli run Nas --accept-new-host-key </dev/null
  [[ $RC != 0 ]] || fail "a run against an unreachable server: exit 0"
  grep -q "unknown option" "$ERR" && fail "run should take --accept-new-host-key: $(head -c 200 "$ERR")"
  return 0
}

t_second_run_refused_and_stale_lock_taken_over() {
  jsetup lock
  many_files "$L" 20000
  cli job add Big "$L" "$R" --mode two-way; expect_rc 0
  local id lock; id=$(sqlq "SELECT id FROM jobs WHERE name='Big'"); lock=$FERRY_DATA_DIR/locks/job-$id.lock
  # A first run, frozen while it holds the lock and its run is recorded.
  start_frozen_run Big "$lock"
  cli run Big --json; expect_rc 2 "a second run of the same job"
  grep -q "already running" "$ERR" || fail "the refusal should say the job is already running: $(head -c 200 "$ERR")"
  grep -q "pid $BGPID" "$ERR" || fail "the refusal should name the running process (pid $BGPID)"
  cli job edit Big --exclude x; expect_rc 2 "editing a running job"
  # A crash: the holder dies with the lock taken and its run marked running.
  kill -KILL "$BGPID"; wait "$BGPID" 2>/dev/null; BGPID=
  [[ $(sqlq "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1") == running ]] || fail "the killed run should still be recorded as running"
  cli run Big --json; expect_rc 0 "the next run after a crash"
  grep -q "took over the run lock" "$ERR" || fail "the next run should say it took over a stale lock"
  grep -q "marked 1 earlier run" "$ERR" || fail "the next run should mark the crashed run interrupted"
  [[ $(sqlq "SELECT outcome FROM runs ORDER BY id LIMIT 1") == interrupted ]] || fail "the crashed run should be recorded as interrupted"
  diff -r "$L" "$R" >/dev/null || fail "after the recovery run both sides should be equal"
  cli history Big --json
  expect_j '[r["outcome"] for r in d["runs"]]' '["in-sync", "interrupted"]'
}

t_crashed_runs_are_shown_truthfully() { # also once their job is removed
  jsetup crashed
  many_files "$L" 20000
  cli job add Big "$L" "$R" --mode two-way; expect_rc 0
  local id lock; id=$(sqlq "SELECT id FROM jobs WHERE name='Big'"); lock=$FERRY_DATA_DIR/locks/job-$id.lock
  start_frozen_run Big "$lock"
  kill -KILL "$BGPID"; wait "$BGPID" 2>/dev/null; BGPID=
  cli history --outcome interrupted --json; expect_rc 0 "history --outcome interrupted"
  expect_j 'len(d["runs"])' 1
  [[ $(sqlq "SELECT outcome FROM runs ORDER BY id DESC LIMIT 1") == interrupted ]] ||
    fail "the history should record the dead run as interrupted, not only show it so"
  start_frozen_run Big "$lock"
  kill -KILL "$BGPID"; wait "$BGPID" 2>/dev/null; BGPID=
  cli job remove Big; expect_rc 0 "removing the job after a crash"
  cli history Big --json; expect_rc 0 "history of the removed job"
  expect_j '[r["outcome"] for r in d["runs"]]' '["interrupted", "interrupted"]'
  expect_j '[r["job_exists"] for r in d["runs"]]' '[false, false]'
}

t_versions_and_restore() { # DESIGN.md: versions JOB [PATH], restore JOB PATH [--version TIME] [--to DIR]
  jsetup versions
  local V=$T/versions
  put "$L/doc.txt" "v1"; put "$L/sub/a.txt" "a1"; put "$L/pad" "p"
  cli job add Docs "$L" "$R" --mode mirror --versioning "$V"; expect_rc 0
  cli run Docs; expect_rc 0 "first run"
  put "$L/doc.txt" "v2 longer"; rm "$L/sub/a.txt"; sleep 1.1
  cli run Docs; expect_rc 0 "second run"
  put "$L/doc.txt" "v3 longest"; sleep 1.1
  cli run Docs; expect_rc 0 "third run"
  cli versions Docs --json; expect_rc 0 "versions"
  expect_j 'sorted(v["path"] for v in d["versions"])' '["doc.txt", "doc.txt", "sub/a.txt"]'
  local older; older=$(jv '[v["stamp"] for v in d["versions"] if v["path"] == "doc.txt"][1]')
  cli versions Docs sub --json; expect_rc 0 "versions of a folder"
  expect_j '[v["path"] for v in d["versions"]]' '["sub/a.txt"]'
  cli versions Docs "$L/sub/a.txt" --json; expect_rc 0 "versions of an absolute path inside the job"
  expect_j 'len(d["versions"])' 1

  cli restore Docs doc.txt --dry-run --json; expect_rc 0 "restore --dry-run"
  expect_j '[i["result"] for i in d["items"]]' '["would-replace"]'
  expect_content "$L/doc.txt" "v3 longest"
  cli restore Docs doc.txt --json; expect_rc 0 "restore the newest version"
  expect_content "$L/doc.txt" "v2 longer"
  cli versions Docs doc.txt --json   # the replaced v3 is kept as a version: a restore can be undone
  expect_j 'len(d["versions"])' 3
  cli restore Docs doc.txt --version "$older" --to "$T/out" --json; expect_rc 0 "restore an older version elsewhere"
  expect_content "$T/out/doc.txt" "v1"; expect_content "$L/doc.txt" "v2 longer"
  cli restore Docs sub; expect_rc 0 "restore a deleted folder's files"
  expect_content "$L/sub/a.txt" "a1"
  cli restore Docs sub --json; expect_rc 0 "restoring again changes nothing"
  expect_j '[i["result"] for i in d["items"]]' '["already-so"]'
  cli run Docs; expect_rc 0 "the next run carries restored files on"
  expect_content "$R/sub/a.txt" "a1"; expect_content "$R/doc.txt" "v2 longer"
  [[ $(find "$V" -type f | wc -l) -ge 4 ]] || fail "versions must never be moved away by a restore"

  cli restore Docs nothing.txt; expect_rc 2 "no such version"
  grep -q "ferry-cli versions Docs" "$ERR" || fail "no version: the message should point at 'versions'"
  cli restore Docs ../etc/passwd; expect_rc 2 "a path that climbs out"
  cli restore Docs doc.txt --version yesterday-ish; expect_rc 2 "a bad time"
  cli job add Plain "$T/p1" "$T/p2"; cli versions Plain; expect_rc 2 "versioning off"
  grep -q "versioning is off" "$ERR" || fail "versioning off: no clear message ($(head -c 200 "$ERR"))"
}

t_parallel_processes_do_not_corrupt() {
  jsetup parallel
  local i
  for i in 1 2 3 4; do
    mkdir -p "$T/L$i" "$T/R$i"; many_files "$T/L$i" 300
  done
  # Jobs added by four processes at once.
  local pids=()
  for i in 1 2 3 4; do "$CLI" job add "job$i" "$T/L$i" "$T/R$i" >/dev/null 2>"$T/add$i.err" & pids+=($!); done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail "job add $((i + 1)) failed: $(head -c 200 "$T/add$((i + 1)).err")"; done
  cli job list --json; expect_j 'sorted(j["name"] for j in d["jobs"])' '["job1", "job2", "job3", "job4"]'
  # Four jobs run three times each, all at once, with readers of the history in between.
  local round
  for round in 1 2 3; do
    pids=()
    for i in 1 2 3 4; do
      put "$T/L$i/round$round.txt" "round $round of job $i"
      "$CLI" run "job$i" -q >/dev/null 2>"$T/run$i.err" & pids+=($!)
      "$CLI" history --json >/dev/null 2>>"$T/hist.err" & pids+=($!)
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail "a process failed in round $round: $(cat "$T"/run*.err "$T/hist.err" | head -c 300)"; done
  done
  for i in 1 2 3 4; do diff -r "$T/L$i" "$T/R$i" >/dev/null || fail "job$i: sides differ"; done
  [[ $(sqlq "PRAGMA integrity_check") == ok ]] || fail "integrity_check of the app database failed"
  [[ $(sqlq "SELECT count(*) FROM runs WHERE outcome='in-sync'") == 12 ]] || fail "want 12 finished runs, got $(sqlq "SELECT count(*) FROM runs")"
  [[ $(sqlq "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM run_items i WHERE i.run_id = r.id) = 0") == 0 ]] || fail "every run should have its items"
  [[ $(sqlq "SELECT sum(copied_to_right) FROM runs") == $((4 * (300 + 10 + 3))) ]] || fail "copied counts: $(sqlq "SELECT sum(copied_to_right) FROM runs"), want $((4 * 313))"
}

t_corrupt_database() {
  jsetup corrupt
  cli job add One "$L" "$R"; expect_rc 0
  "$PY" -c "import sys; open(sys.argv[1], 'r+b').write(b'garbage!' * 64)" "$DB"
  rm -f "$DB-wal" "$DB-shm"
  cp "$DB" "$T/before.db"
  cli job list; expect_rc 2 "job list on a damaged database"
  grep -q "damaged" "$ERR" || fail "the error should say the database is damaged: $(head -c 200 "$ERR")"
  grep -q -- "--reset-database" "$ERR" || fail "the error should say how to start afresh"
  cmp -s "$DB" "$T/before.db" || fail "the damaged database must be left as it is"
  cli run One; expect_rc 2 "run on a damaged database"
  cmp -s "$DB" "$T/before.db" || fail "the damaged database must be left as it is"
  cli --reset-database; expect_rc 0 "--reset-database"
  local kept; kept=$(ls "$FERRY_DATA_DIR"/ferry.db.damaged-* 2>/dev/null | head -1)
  [[ -n $kept ]] || fail "the damaged file should be kept aside"
  [[ -n $kept ]] && { cmp -s "$kept" "$T/before.db" || fail "the kept file should be the damaged one, unchanged"; }
  cli job list --json; expect_rc 0 "job list on the fresh database"
  expect_j 'd["jobs"]' '[]'
  cli --reset-database; expect_rc 2 "--reset-database on a healthy database"
  grep -q "healthy" "$ERR" || fail "reset of a healthy database should be refused"
  # A job command may also reset on the way.
  printf 'not a database at all' > "$DB"; rm -f "$DB-wal" "$DB-shm"
  cli job list --reset-database --json; expect_rc 0 "job list --reset-database"
  [[ $(ls "$FERRY_DATA_DIR"/ferry.db.damaged-* | wc -l) == 2 ]] || fail "the second damaged file should be kept too"
}

t_foreign_database() {
  jsetup foreign
  mkdir -p "$FERRY_DATA_DIR"
  "$PY" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE notes(t TEXT)'); c.execute(\"INSERT INTO notes VALUES('mine')\"); c.commit()" "$DB"
  cp "$DB" "$T/before.db"
  cli job list; expect_rc 2 "a foreign SQLite file"
  grep -q "not a Ferry app database" "$ERR" || fail "the error should say the file is not Ferry's: $(head -c 200 "$ERR")"
  cmp -s "$DB" "$T/before.db" || fail "a foreign database must be left as it is"
  # Another program's file that has no tables yet, marked as its own, is not taken over either.
  rm -f "$DB"; "$PY" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA application_id=1234'); c.commit()" "$DB"
  cp "$DB" "$T/before.db"
  cli job list; expect_rc 2 "an empty SQLite file of another program"
  grep -q "not a Ferry app database" "$ERR" || fail "the error should say the file is not Ferry's: $(head -c 200 "$ERR")"
  cmp -s "$DB" "$T/before.db" || fail "a foreign database must be left as it is"
}

t_vanished_folder() {
  jsetup vanished
  put "$L/a" "1"; put "$R/b" "2"
  cli job add Usb "$L" "$R"; expect_rc 0
  cli run Usb; expect_rc 0 "first run"
  mv "$L" "$T/unplugged"
  cli run Usb --json; expect_rc 4 "a side that vanished"
  grep -qi "missing\|not found\|unplugged\|does not exist" "$ERR" || fail "the error should say the folder is missing: $(head -c 300 "$ERR")"
  expect_content "$R/a" "1"; expect_content "$R/b" "2"
  cli history Usb --json
  expect_j 'd["runs"][0]["outcome"]' stopped
  expect_j 'len(d["runs"][0]["message"]) > 10' true
}

t_bad_imports() {
  jsetup imports
  cat > "$T/typo.json" <<EOF
{"name": "Typo", "left": "$L", "right": "$R", "mode": "two-way", "exlude": ["*.tmp"]}
EOF
  cli job import "$T/typo.json"; expect_rc 2 "an unknown setting"
  grep -q "unknown setting 'exlude'" "$ERR" || fail "the error should name the unknown key: $(head -c 200 "$ERR")"
  cat > "$T/url.json" <<EOF
{"name": "Url", "left": "gopher://host/x", "right": "$R"}
EOF
  cli job import "$T/url.json"; expect_rc 2 "an invalid URL"
  grep -q "gopher" "$ERR" || fail "the error should name the bad location"
  printf '{"name": "Half", "left": ' > "$T/broken.json"
  cli job import "$T/broken.json"; expect_rc 2 "a truncated file"
  grep -q "not a job file" "$ERR" || fail "a broken file should be called that"
  cli job add Bad "$L" "ftp://user:secret@127.0.0.1/x"; expect_rc 2 "a password inside a URL"
  cli job add Nested "$L" "$L/inside"; expect_rc 2 "a folder inside the other"
  cli job add Opt "$L" "$R" --bogus; expect_rc 2 "an unknown option"
  cli job add Pw "$L" "$R" --password hunter2; expect_rc 2 "a password as an argument"
  cli run Nobody; expect_rc 2 "an unknown job"
  grep -q "job list" "$ERR" || fail "an unknown job should point at 'job list'"
  cli job list --json; expect_j 'd["jobs"]' '[]'
}

t_conflicts_pending() {
  jsetup conflicts
  put "$L/doc.txt" "v1"
  cli job add Ask "$L" "$R" --conflict ask; expect_rc 0
  cli run Ask; expect_rc 0 "first run"
  sleep 1.1
  put "$L/doc.txt" "left edit"; put "$R/doc.txt" "right edit, longer"
  cli run Ask --json; expect_rc 3 "a conflict left for the user"
  cli conflicts Ask --json; expect_rc 0
  expect_j '[c["path"] for c in d["conflicts"]]' '["doc.txt"]'
  expect_j 'len(d["conflicts"][0]["reason"]) > 10' true
  cli history Ask --json
  expect_j 'd["runs"][0]["outcome"]' conflicts
  expect_j 'd["runs"][0]["counts"]["conflicts_pending"]' 1
  expect_content "$L/doc.txt" "left edit"; expect_content "$R/doc.txt" "right edit, longer"
  # The user settles it by hand; the next run has nothing pending.
  cp "$L/doc.txt" "$R/doc.txt"
  cli run Ask; expect_rc 0 "after settling"
  cli conflicts Ask --json; expect_j 'd["conflicts"]' '[]'
}

t_dry_run() {
  jsetup dry
  put "$L/a" "1"
  cli job add Dry "$L" "$R"; expect_rc 0
  cli run Dry --dry-run --json; expect_rc 0 "dry run"
  expect_j 'c["copy_left_to_right"]' 1
  expect_j 'd["run_id"]' null
  expect_absent "$R/a"
  cli history --json; expect_j 'd["runs"]' '[]'
}

t_restore_of_an_empty_path_or_the_root_is_refused_without_all() { # issue 13 #13: an unset variable
  jsetup restoreall
  local V=$T/versions
  put "$L/a.txt" "a1"; put "$L/sub/b.txt" "b1"
  cli job add Docs "$L" "$R" --mode mirror --versioning "$V"; expect_rc 0
  cli run Docs; expect_rc 0 "first run"
  put "$L/a.txt" "a2 newer"; put "$L/sub/b.txt" "b2 newer"; sleep 1.1
  cli run Docs; expect_rc 0 "second run keeps the old ones as versions"
  local p
  for p in "" "." "./" "/" "$L" "$L/"; do
    cli restore Docs "$p"; expect_rc 2 "restore Docs '$p'"
    grep -q -- "--all" "$ERR" || fail "restore Docs '$p': the message should name --all ($(head -c 200 "$ERR"))"
    expect_content "$L/a.txt" "a2 newer"; expect_content "$L/sub/b.txt" "b2 newer"
  done
  cli restore Docs sub --all; expect_rc 2 "--all with a PATH"
  cli restore Docs --all --json; expect_rc 0 "restore --all"
  expect_content "$L/a.txt" "a1"; expect_content "$L/sub/b.txt" "b1"
}

t_a_new_job_never_inherits_a_removed_jobs_state() { # issue 13 #1: ids restart after --reset-database
  jsetup inherit
  local L2=$T/L2 R2=$T/R2
  put "$L/a.txt" "alpha"; put "$R/b.txt" "beta"
  cli job add Old "$L" "$R"; expect_rc 0
  cli run Old; expect_rc 0 "the old job's run"
  "$PY" -c "import sys; open(sys.argv[1], 'r+b').write(b'garbage!' * 64)" "$DB"
  rm -f "$DB-wal" "$DB-shm"
  cli --reset-database; expect_rc 0 "--reset-database"
  [[ -n $(ls "$FERRY_DATA_DIR"/state/orphaned/ 2>/dev/null) ]] || fail "the old job's state should be set aside"
  # A brand-new job (which gets the old one's id again) on other folders.
  put "$L2/mine.txt" "mine"; put "$R2/theirs.txt" "theirs"
  cli job add New "$L2" "$R2"; expect_rc 0
  cli run New --json; expect_rc 0 "a new job's first run is a first run"
  expect_content "$L2/mine.txt" "mine"; expect_content "$R2/mine.txt" "mine"
  expect_content "$L2/theirs.txt" "theirs"; expect_content "$R2/theirs.txt" "theirs"
  # Removing a job takes its state with it; the next job starts afresh too.
  local before; before=$(ls "$FERRY_DATA_DIR"/state/*.db | wc -l)
  cli job remove New; expect_rc 0
  [[ $(ls "$FERRY_DATA_DIR"/state/*.db 2>/dev/null | wc -l) == $((before - 1)) ]] || fail "job remove should take its state file"
  rm "$R2/theirs.txt"
  cli job add Newer "$L2" "$R2"; expect_rc 0
  cli run Newer --accept-new-root; expect_rc 0 "a re-added job's first run"
  expect_content "$L2/theirs.txt" "theirs"
}

t_jobs_sharing_a_versions_folder_keep_their_versions_apart() { # issue 13 #3
  jsetup sharedversions
  local V=$T/versions LA=$T/LA RA=$T/RA LC=$T/LC RC2=$T/RC
  put "$LA/k1" "A one"; put "$LC/k1" "C one"
  cli job add JA "$LA" "$RA" --mode mirror --versioning "$V"; expect_rc 0
  cli job add JC "$LC" "$RC2" --mode mirror --versioning "$V" --versions-keep 1; expect_rc 0
  cli run JA; expect_rc 0; cli run JC; expect_rc 0
  put "$LA/k1" "A two"; put "$LC/k1" "C two"; sleep 1.1
  cli run JA; expect_rc 0 "JA keeps 'A one'"; cli run JC; expect_rc 0 "JC keeps 'C one'"
  put "$LA/k1" "A three"; put "$LC/k1" "C three"; sleep 1.1
  cli run JA; expect_rc 0 "JA keeps 'A two'"; cli run JC; expect_rc 0 "JC keeps 'C two', its retention keeps 1"
  cli versions JA --json; expect_rc 0
  expect_j 'len(d["versions"])' 2
  expect_j 'sorted(open(v["file"]).read() for v in d["versions"])' '["A one", "A two"]'
  cli versions JC --json; expect_rc 0
  expect_j '[open(v["file"]).read() for v in d["versions"]]' '["C two"]'
  cli restore JA k1; expect_rc 0 "restore JA k1"
  expect_content "$LA/k1" "A two"
}

CASES=(
  t_job_lifecycle t_password_never_stored t_no_password_source t_sftp_job_settings t_second_run_refused_and_stale_lock_taken_over
  t_crashed_runs_are_shown_truthfully t_versions_and_restore t_parallel_processes_do_not_corrupt t_corrupt_database t_foreign_database t_vanished_folder t_bad_imports
  t_conflicts_pending t_dry_run t_restore_of_an_empty_path_or_the_root_is_refused_without_all
  t_a_new_job_never_inherits_a_removed_jobs_state t_jobs_sharing_a_versions_folder_keep_their_versions_apart
)
run_cases "${CASES[@]}"
