#!/usr/bin/env bash
# ferry-cli against a real OpenSSH sshd that this script starts on 127.0.0.1
# (a free port, its own host key and config, everything under $ROOT; the
# approach of shared/recipes/start-sshd.sh). HOME is a temporary folder whose
# ~/.ssh/config points 127.0.0.1 at the test's client key, so the real ~/.ssh
# and ssh-agent are never used.
#   usage: bash sftp_cli_test.sh /path/to/ferry-cli [case…]
# Exit 77 (skipped) when no sshd is installed.
set -u
[[ -x /usr/sbin/sshd ]] || { echo "no /usr/sbin/sshd (package openssh-server): skipped" >&2; exit 77; }
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SELECTED=("${@:2}")
unset SSH_AUTH_SOCK SSH_AGENT_PID FERRY_PASSWORD
ME=$(id -un)

# ---------------------------------------------------------------- the server
SSHD=$ROOT/sshd
# The listener's pid is kept in a file: a case (a subshell) may restart the
# server, and the script's exit must stop the one that runs then.
stop_sshd() {
  local pid; pid=$(cat "$SSHD/listener.pid" 2>/dev/null)
  [[ -n $pid ]] || return 0
  # The listener and the session processes it forked for our connections.
  local kids; kids=$(pgrep -P "$pid" 2>/dev/null)
  kill "$pid" $kids 2>/dev/null
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$SSHD/listener.pid"
}
trap 'stop_sshd; cleanup' EXIT
new_host_key() { rm -f "$SSHD/host_ed25519" "$SSHD/host_ed25519.pub"; ssh-keygen -q -t ed25519 -N '' -f "$SSHD/host_ed25519" >/dev/null; }
start_sshd() { # start_sshd [PORT]: on PORT (the same one after a restart) or a free one
  PORT=${1:-$("$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}
  cat > "$SSHD/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $SSHD/host_ed25519
PidFile $SSHD/sshd.pid
AuthorizedKeysFile $SSHD/authorized_keys
AllowUsers $ME
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
Subsystem sftp internal-sftp
LogLevel VERBOSE
CFG
  if [[ $(id -u) == 0 ]]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi
  /usr/sbin/sshd -t -f "$SSHD/sshd_config" || { echo "FATAL: sshd -t refused the config" >&2; exit 1; }
  /usr/sbin/sshd -D -e -f "$SSHD/sshd_config" </dev/null >/dev/null 2>>"$SSHD/sshd.log" &
  echo $! > "$SSHD/listener.pid"
  local i
  for ((i = 0; i < 100; i++)); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.05; done
  echo "FATAL: sshd did not start: $(tail -5 "$SSHD/sshd.log")" >&2; exit 1
}
mkdir -p "$SSHD" "$HOME/.ssh"; chmod 700 "$SSHD" "$HOME/.ssh"
new_host_key
ssh-keygen -q -t ed25519 -N '' -f "$HOME/.ssh/ferry_test_key" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$ROOT/nas_job_key" >/dev/null # a key only a job names (--ssh-key)
cat "$HOME/.ssh/ferry_test_key.pub" "$ROOT/nas_job_key.pub" > "$SSHD/authorized_keys"; chmod 600 "$SSHD/authorized_keys"
start_sshd
# The login goes through ~/.ssh/config: the key has no default name, only
# IdentityFile names it. (An absolute path: libssh expands '~' from the
# password database, not from $HOME, which is a temporary folder here.)
cat > "$HOME/.ssh/config" <<CFG
Host 127.0.0.1
  IdentityFile $HOME/.ssh/ferry_test_key
CFG
chmod 600 "$HOME/.ssh/config"
FINGERPRINT=$(ssh-keygen -lf "$SSHD/host_ed25519.pub" | awk '{print $2}')

# ssetup NAME: setup, a data folder of the case's own (Ferry's known_hosts
# lives there), the server's folder $SRV (an absolute path there) and $URL.
ssetup() {
  setup "$1"
  export FERRY_DATA_DIR=$T/data
  mkdir -p "$FERRY_DATA_DIR"
  SRV=$T/srv/docs; URL="sftp://$ME@127.0.0.1:$PORT$SRV"
  mkdir -p "$T/srv"
}
# ssync ARGS…: a two-way sync of $L and the server folder, no terminal
ssync() { cli sync "$L" "$URL" --mode two-way --json "$@" </dev/null; }
trust() { cli sync "$L" "$URL" --mode two-way --accept-new-host-key --dry-run </dev/null; expect_rc 0 "accepting the host key"; }
expect_server_same() { local d; d=$(diff -r --no-dereference "$L" "$SRV" 2>&1) || fail "left and server differ: $(head -c 200 <<<"$d" | tr '\n' ' ')"; }

# ---------------------------------------------------------------- cases
t_two_way_with_a_key_from_ssh_config() {
  ssetup two_way
  put "$L/a.txt" "alpha"; put "$L/sub/b.txt" "beta"; mkdir -p "$L/empty"
  cd "$T" || return
  cli sync ./L "$URL" --mode two-way --accept-new-host-key --json </dev/null
  expect_rc 0 "first sync to the server"
  expect_j 'c["copy_left_to_right"]' 4 # a.txt, sub, sub/b.txt and the empty folder
  expect_server_same
  grep -qi "password" "$ERR" && fail "a key login should not mention a password: $(head -c 300 "$ERR")"
  # Converges: a second run plans nothing.
  ssync; expect_rc 0 "second run"
  expect_j 'sum(v for k, v in c.items() if k != "record")' 0
  # Changes on the server come back; a deletion here goes there.
  sleep 1.1; put "$SRV/sub/b.txt" "beta, edited on the server"; put "$SRV/new.txt" "made on the server"
  rm "$L/a.txt"
  ssync; expect_rc 0 "third run"
  expect_content "$L/sub/b.txt" "beta, edited on the server"
  expect_content "$L/new.txt" "made on the server"
  expect_absent "$SRV/a.txt"
  expect_server_same
  ssync; expect_rc 0 "fourth run"
  expect_j 'sum(v for k, v in c.items() if k != "record")' 0
  [[ -z $(find "$L" "$SRV" -name '.ferry-tmp-*') ]] || fail "temporary files left"
}

t_new_host_key_refused_without_a_terminal() {
  ssetup unknown_key
  put "$L/a.txt" "alpha"
  sig "$L" "$T/srv" > "$T/before"
  ssync
  expect_rc 2 "an unknown host key, no terminal, no flag"
  grep -q -- "$FINGERPRINT" "$ERR" || fail "the fingerprint $FINGERPRINT should be printed: $(head -c 400 "$ERR")"
  grep -q -- "--accept-new-host-key" "$ERR" || fail "the refusal should name --accept-new-host-key"
  expect_j 'd["host_key"]["fingerprint"]' "$FINGERPRINT"
  expect_j 'd["host_key"]["accepted"]' false
  expect_sig "$T/before" "$L" "$T/srv"
  [[ -s $FERRY_DATA_DIR/known_hosts ]] && fail "a refused key was remembered"
  # Accepted and remembered: later runs need no flag.
  ssync --accept-new-host-key; expect_rc 0 "accepted with --accept-new-host-key"
  grep -q "was accepted and recorded" "$ERR" || fail "accepting should say where the key was recorded: $(head -c 300 "$ERR")"
  expect_j 'd["host_key"]["remembered"]' true
  grep -q "127.0.0.1" "$FERRY_DATA_DIR/known_hosts" || fail "the key should be in Ferry's known_hosts"
  ssync; expect_rc 0 "the remembered key"
  grep -q "host key" "$ERR" && fail "a remembered key should not be mentioned again: $(head -c 300 "$ERR")"
  expect_server_same
  [[ -s $HOME/.ssh/known_hosts ]] && fail "the user's own known_hosts was written"
  return 0
}

t_new_host_key_asked_on_a_terminal() {
  command -v script >/dev/null || { echo "# no script(1): the terminal question is not tested" >&2; return 0; }
  ssetup terminal_key
  put "$L/a.txt" "alpha"
  # Refused: answer "n" on a pseudo-terminal.
  printf 'n\n' | timeout 60 script -qec "'$CLI' sync '$L' '$URL' --mode two-way" /dev/null > "$T/tty1.txt" 2>&1
  grep -q "The authenticity of host '\[127.0.0.1\]:$PORT' can't be established" "$T/tty1.txt" \
    || fail "the terminal should be asked: $(head -c 400 "$T/tty1.txt" | tr '\r\n' '  ')"
  grep -q "ED25519 key fingerprint is $FINGERPRINT" "$T/tty1.txt" || fail "the question should show the fingerprint"
  grep -q "Trust it and remember it? \[y/N\]" "$T/tty1.txt" || fail "the question should end with [y/N]"
  [[ -e $SRV/a.txt ]] && fail "a refused key still synced"
  printf 'y\n' | timeout 60 script -qec "'$CLI' sync '$L' '$URL' --mode two-way" /dev/null > "$T/tty2.txt" 2>&1
  expect_content "$SRV/a.txt" "alpha"
  grep -q "127.0.0.1" "$FERRY_DATA_DIR/known_hosts" || fail "a key accepted on the terminal should be remembered"
}

t_changed_host_key_is_a_safety_stop() {
  ssetup changed_key
  put "$L/a.txt" "alpha"
  ssync --accept-new-host-key; expect_rc 0 "first sync"
  cli job add Srv "$L" "$URL" --mode two-way; expect_rc 0 "job add"
  cli run Srv </dev/null; expect_rc 0 "job run with the remembered key"
  # The server comes back with another host key.
  stop_sshd; new_host_key; start_sshd "$PORT"
  put "$L/b.txt" "beta"
  sig "$L" "$T/srv" > "$T/before"
  ssync; expect_rc 4 "sync: a changed host key"
  grep -q "different host key" "$ERR" || fail "the stop should explain the changed key: $(head -c 400 "$ERR")"
  grep -q "Nothing was changed" "$ERR" || fail "the stop should say nothing was changed"
  expect_j '"stopped_by" in d' true
  ssync --accept-new-host-key; expect_rc 4 "--accept-new-host-key never accepts a changed key"
  cli run Srv --json </dev/null; expect_rc 4 "run: a changed host key"
  cli history Srv --json; expect_rc 0
  expect_j 'd["runs"][0]["outcome"]' stopped
  expect_j 'd["runs"][0]["exit_code"]' 4
  expect_sig "$T/before" "$L" "$T/srv"
  # The user checked the key: removing the old line lets the new one be
  # accepted. The server's folder is then told apart from the one synced
  # before (its identity includes the host key): --accept-new-root too.
  ssh-keygen -R "[127.0.0.1]:$PORT" -f "$FERRY_DATA_DIR/known_hosts" >/dev/null 2>&1
  ssync --accept-new-host-key; expect_rc 4 "a new host key makes the folder another one"
  grep -q -- "--accept-new-root" "$ERR" || fail "the root check should name --accept-new-root: $(head -c 300 "$ERR")"
  ssync --accept-new-root; expect_rc 0 "after the old key was removed and the folder accepted"
  expect_content "$SRV/b.txt" "beta"
}

t_refused_login_and_lazy_password() {
  ssetup login
  put "$L/a.txt" "alpha"
  trust
  # A user the server does not allow: keys fail, the server asks for a
  # password, and nobody can give one here.
  local bad="sftp://nobody-ferry@127.0.0.1:$PORT$SRV"
  cli sync "$L" "$bad" --mode mirror </dev/null; expect_rc 2 "no password to be had"
  grep -q 'FERRY_PASSWORD is not set' "$ERR" || fail "the message should say which variable to set: $(head -c 400 "$ERR")"
  FERRY_PASSWORD=wrong-password cli sync "$L" "$bad" --mode mirror </dev/null; expect_rc 2 "a refused login"
  grep -q "it comes from the environment variable FERRY_PASSWORD" "$ERR" || fail "sync should say where the password comes from"
  grep -qi "refused\|not accepted" "$ERR" || fail "the message should say the login was refused: $(head -c 400 "$ERR")"
  grep -q "wrong-password" "$ERR" "$OUT" && fail "the password was printed"
  # A saved job says which of its settings to use (its --password-env).
  cli job add Far "$L" "$bad" --mode mirror --password-env FAR_PW; expect_rc 0 "job add"
  ( unset FAR_PW; export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/no-bus; cli run Far </dev/null
    echo "$RC" > "$T/rc"; cp "$ERR" "$T/far.err" )
  [[ $(cat "$T/rc") == 2 ]] || fail "run of a job whose server wants a password nobody has: exit $(cat "$T/rc"), want 2"
  grep -q 'FAR_PW is not set' "$T/far.err" || fail "the message should name the job's variable: $(head -c 300 "$T/far.err")"
  # The right user with a key that works: no password is asked for or used.
  cli sync "$L" "$URL" --mode mirror </dev/null; expect_rc 0 "a key login, no password anywhere"
  grep -qi password "$ERR" && fail "a key login should not mention a password: $(head -c 300 "$ERR")"
  [[ -e $SRV/a.txt ]] || fail "the mirror did not reach the server"
  # An unreachable server (nothing listens on port 1) may answer later: exit 1.
  cli sync "$L" "sftp://$ME@127.0.0.1:1$SRV" --mode mirror </dev/null; expect_rc 1 "an unreachable server"
}

t_job_with_its_own_key_and_server_versions() {
  ssetup job_key
  put "$L/a.txt" "alpha"
  trust
  # The job's key is no key ~/.ssh/config names: the job must bring it.
  mv "$HOME/.ssh/config" "$HOME/.ssh/config.off"
  cli job add Nas "$L" "$URL" --mode mirror --ssh-key "$ROOT/nas_job_key" --server-versions "$T/srv/versions" --json
  expect_rc 0 "job add with --ssh-key and --server-versions"
  cli run Nas --json </dev/null; local rc=$RC; cp "$ERR" "$T/run1.err"
  mv "$HOME/.ssh/config.off" "$HOME/.ssh/config"
  [[ $rc == 0 ]] || fail "run with the job's own key: exit $rc ($(head -c 300 "$T/run1.err"))"
  expect_content "$SRV/a.txt" "alpha"
  # A replaced file keeps a version in the server's versions folder.
  sleep 1.1; put "$L/a.txt" "alpha, second"
  cli run Nas --json </dev/null; expect_rc 0 "second run"
  expect_content "$SRV/a.txt" "alpha, second"
  [[ -n $(grep -rl -- "alpha" "$T/srv/versions" 2>/dev/null) ]] \
    || fail "the replaced file should be kept in the server's versions folder: $(find "$T/srv" | head -5 | tr '\n' ' ')"
}

t_killed_runs_resume_over_sftp() { # the interrupted-run soak of cli_test.sh, with the right side on the server
  ssetup soak
  local i d delay
  for d in {0..19}; do mkdir -p "$L/d$d"; for i in {0..99}; do printf 'file %d/%d\n' "$d" "$i" > "$L/d$d/f$i"; done; done
  for i in 1 2 3; do head -c 24M /dev/urandom > "$L/big$i.bin"; done
  (cd "$L" && find . -type f -exec md5sum {} + > "$T/sums")
  trust
  for delay in 0.2 0.5 1.0; do # each run gets further: scan, first copies, large files
    "$CLI" sync "$L" "$URL" --mode two-way -q >/dev/null 2>&1 </dev/null & BGPID=$!
    sleep "$delay"; kill -9 "$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null; BGPID=
    echo "# killed after ${delay}s: $(find "$SRV" -type f ! -name '.ferry-tmp-*' 2>/dev/null | wc -l) files on the server," \
         "$(find "$SRV" -name '.ferry-tmp-*' 2>/dev/null | wc -l) temporary" >&2
  done
  ssync; expect_rc 0 "the resumed run"
  (cd "$L" && md5sum --quiet -c "$T/sums" >/dev/null 2>&1) || fail "the left side lost or changed files"
  (cd "$SRV" && md5sum --quiet -c "$T/sums" >/dev/null 2>&1) || fail "the server misses files or has wrong content"
  [[ -z $(find "$L" -name '.ferry-tmp-*') ]] || fail "temporary files reached the left side: $(find "$L" -name '.ferry-tmp-*' | head -2)"
  ssync; expect_rc 0 "a run after that"
  expect_j 'sum(v for k, v in c.items() if k != "record")' 0
  # Without locks over SFTP a temporary on the server is taken for another
  # run's while it is recent (SftpBackend::removeStaleTemp); one a day old is
  # a leftover, and the next run removes it.
  local temps; temps=$(find "$SRV" -name '.ferry-tmp-*')
  if [[ -n $temps ]]; then
    echo "# $(wc -l <<<"$temps") recent temporaries kept on the server; aged, they must go" >&2
    while IFS= read -r f; do touch -d '2 days ago' "$f"; done <<<"$temps"
    ssync; expect_rc 0 "a run that meets day-old temporaries"
    [[ -z $(find "$SRV" -name '.ferry-tmp-*') ]] || fail "day-old temporaries left on the server: $(find "$SRV" -name '.ferry-tmp-*' | head -2)"
  fi
  expect_server_same
}

CASES=(
  t_two_way_with_a_key_from_ssh_config t_new_host_key_refused_without_a_terminal t_new_host_key_asked_on_a_terminal
  t_changed_host_key_is_a_safety_stop t_refused_login_and_lazy_password t_job_with_its_own_key_and_server_versions
  t_killed_runs_resume_over_sftp
)
run_cases "${CASES[@]}"
