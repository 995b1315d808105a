# shellcheck shell=bash disable=SC2034
# (CMD, PREP, DEST and the knobs are run.sh's: this file is sourced by it)
# bench/sftp.sh - the SFTP cases of bench/run.sh (sourced by it; run when SUITES contains sftp).
#
# A private OpenSSH sshd on 127.0.0.1 (its own host key, config and log, key login only), and
# ferry-cli next to rsync -e ssh, OpenSSH sftp and scp, rclone's sftp remote and unison over
# ssh, in the same interleaved rounds (run_group of run.sh). Client and server share the
# machine's cores and the "remote" folders are on the same file system, so what is measured
# is the protocol and the crypto, not a network.
#
# Every command of this suite runs with HOME=$WORK/home, whose .ssh/ holds the client key,
# a known_hosts with the server's key and a config with one Host alias per cipher:
#   bench-chacha   Ciphers chacha20-poly1305@openssh.com (OpenSSH's default)
#   bench-gcm      Ciphers aes128-gcm@openssh.com
# OpenSSH's tools take ~/.ssh from the password database, not from $HOME, so they are given
# the config with -F; ferry-cli reads $HOME/.ssh itself; rclone has a remote of its own
# (key_file, known_hosts_file; it cannot choose a cipher and negotiates aes128-gcm, so it is
# in the gcm groups). The cipher each case really used is read from sshd's log (CIPHER lines).
#
# Groups (sets sftp-S and sftp-L, the same data as the local sets S and L):
#   sftp-L put-chacha, put-gcm  large files up; reference: the raw pipe, every byte of the set
#                               through `ssh ALIAS 'cat >/dev/null'`; put-chacha also runs cp -a
#                               and ferry-cli to a local folder (the memory reference)
#   sftp-L get-chacha, get-gcm  large files down; reference: the raw pipe the other way,
#                               `ssh ALIAS 'find SRC -type f -exec cat {} +' >/dev/null`
#   sftp-S put-chacha, put-gcm  the small files up; reference cp -a; put-chacha also has
#                               ferry-cli to a local folder and ferry-cli two-way
#   sftp-S nochange             every tool again on the copy and state its last put round left
#                               (rclone's from put-gcm); reference: find over source and a copy

SFTP_ALIAS_chacha=bench-chacha
SFTP_ALIAS_gcm=bench-gcm
SFTP_CIPHER_chacha=chacha20-poly1305@openssh.com
SFTP_CIPHER_gcm=aes128-gcm@openssh.com
SSHD_PID=""
SFTP_FERRY=0            # 1: ferry-cli's SFTP slot is in (its endpoint works, or failed a probe)

sftp_note() { emit "NOTE sftp: $*"; }

# sshd_start: server files in $WORK/sshd, the client's HOME in $WORK/home. Returns non-zero
# (with a NOTE) when no server answers.
sshd_start() {
  SD=$WORK/sshd
  SH=$WORK/home
  rm -rf "$SD" "$SH" "$WORK/remote-home"
  mkdir -p "$SD" "$SH/.ssh" "$WORK/remote-home" || return 1
  chmod 700 "$SD" "$SH/.ssh"
  ssh-keygen -q -t ed25519 -N '' -f "$SD/host_ed25519" -C ferry-bench-host </dev/null >/dev/null || return 1
  ssh-keygen -q -t ed25519 -N '' -f "$SH/.ssh/id_ed25519" -C ferry-bench-client </dev/null >/dev/null || return 1
  cp "$SH/.ssh/id_ed25519.pub" "$SD/authorized_keys"
  chmod 600 "$SD/authorized_keys"
  SSH_USER=$(id -un)
  if [[ -z ${SSH_PORT:-} ]]; then
    SSH_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
  fi
  # LogLevel DEBUG1: sshd logs the cipher of every connection ("kex: client->server cipher:").
  # SetEnv HOME: the server side's HOME (unison keeps its remote archive there) is ours, not
  # the user's; PermitUserRC no: no ~/.ssh/rc of the real user runs.
  cat >"$SD/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $SD/host_ed25519
PidFile $SD/sshd.pid
AuthorizedKeysFile $SD/authorized_keys
AllowUsers $SSH_USER
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PermitUserRC no
PermitUserEnvironment no
SetEnv HOME=$WORK/remote-home
Subsystem sftp internal-sftp
LogLevel DEBUG1
MaxStartups 100:30:200
MaxSessions 100
EOF
  [[ $(id -u) == 0 ]] && mkdir -p /run/sshd && chmod 755 /run/sshd
  /usr/sbin/sshd -t -f "$SD/sshd_config" >>"$TOOL_LOG" 2>&1 || { sftp_note "sshd -t refused $SD/sshd_config (see $TOOL_LOG)"; return 1; }
  /usr/sbin/sshd -D -f "$SD/sshd_config" -E "$SD/sshd.log" </dev/null >/dev/null 2>&1 &
  SSHD_PID=$!
  echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$SD/host_ed25519.pub")" >"$SH/.ssh/known_hosts"
  local c alias cipher
  : >"$SH/.ssh/config"
  for c in chacha gcm; do
    alias=SFTP_ALIAS_$c
    cipher=SFTP_CIPHER_$c
    # one complete block per alias: no option is given twice for a host, so it does not
    # matter whether a parser keeps the first value (OpenSSH) or the last. No LogLevel:
    # libssh reads "ERROR" as "log warnings" and would write its debugging to stderr.
    cat >>"$SH/.ssh/config" <<EOF
Host ${!alias}
  HostName 127.0.0.1
  Port $SSH_PORT
  User $SSH_USER
  IdentityFile $SH/.ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $SH/.ssh/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  Ciphers ${!cipher}
  BatchMode yes

EOF
  done
  cat >"$WORK/rclone-sftp.conf" <<EOF
[bench]
type = sftp
host = 127.0.0.1
port = $SSH_PORT
user = $SSH_USER
key_file = $SH/.ssh/id_ed25519
known_hosts_file = $SH/.ssh/known_hosts
EOF
  local i
  for ((i = 0; i < 50; i++)); do
    HOME=$SH ssh -F "$SH/.ssh/config" "$SFTP_ALIAS_chacha" true </dev/null >/dev/null 2>&1 && return 0
    kill -0 "$SSHD_PID" 2>/dev/null || break
    sleep 0.1
  done
  sftp_note "the private sshd on 127.0.0.1:$SSH_PORT does not answer (see $SD/sshd.log)"
  return 1
}

sshd_stop() {
  [[ -n $SSHD_PID ]] || return 0
  kill "$SSHD_PID" 2>/dev/null
  wait "$SSHD_PID" 2>/dev/null
  SSHD_PID=""
}

# sshd_mark, then cipher_line FIELDS: a CIPHER line with the ciphers of the connections sshd
# logged since the mark (none: no line)
SSHD_LOG_MARK=0
sshd_mark() { SSHD_LOG_MARK=$(wc -l <"$SD/sshd.log" 2>/dev/null || echo 0); }
cipher_line() {
  local got
  got=$(tail -n +$((SSHD_LOG_MARK + 1)) "$SD/sshd.log" 2>/dev/null | grep -o 'client->server cipher: [^ ]*' \
        | awk '{n[$3]++} END {for (c in n) printf "%s%s:%d", (k++ ? "," : ""), c, n[c]}')
  [[ -n $got ]] && emit "CIPHER $1 connections=$got"
  return 0
}

# ferry_sftp_probe: can this ferry-cli sync to an sftp:// side? Sets SFTP_FERRY. A build
# without the endpoint says so ("... not available ...") and its slot is reported as not
# available; any other failure keeps the slot (its runs then fail the checks, the run exits 1).
# A ferry-cli that wants a password before it connects (the key is what logs in here) is
# tried once more with one in FERRY_PASSWORD; if that works, every Ferry case gets it too
# (SFTP_FERRY_ENV), with a NOTE.
SFTP_FERRY_ENV=""
probe_once() {             # probe_once ENV...: one probe sync; sets PROBE_RC, PROBE_OUT
  local p=$WORK/sftp-probe
  rm -rf "$p"
  mkdir -p "$p/src/sub" "$p/state"
  echo probe >"$p/src/sub/a.txt"
  sshd_mark
  PROBE_OUT=$(env "$@" "$FERRY" sync "$p/src" "sftp://$SSH_USER@$SFTP_ALIAS_chacha$p/dst" --mode mirror \
                --state "$p/state/db" -q 2>&1 </dev/null)
  PROBE_RC=$?
  [[ $PROBE_RC == 0 ]] && ! diff -r "$p/src" "$p/dst" >/dev/null 2>&1 && PROBE_RC="diff"
  printf '== sftp probe %s: ferry-cli exit %s\n%s\n' "$*" "$PROBE_RC" "$PROBE_OUT" >>"$TOOL_LOG"
  rm -rf "$p"
  PROBE_OUT=$(head -n1 <<<"$PROBE_OUT" | tr -s ' ')
}
ferry_sftp_probe() {
  probe_once
  if [[ $PROBE_RC != 0 ]] && grep -qi 'needs a password' <<<"$PROBE_OUT"; then
    local first=$PROBE_OUT
    probe_once FERRY_PASSWORD=bench-key-login-needs-none
    if [[ $PROBE_RC == 0 ]]; then
      SFTP_FERRY_ENV="FERRY_PASSWORD=bench-key-login-needs-none "
      sftp_note "ferry-cli asks for a password before it connects although the key logs in (\"$first\"); its runs get FERRY_PASSWORD, which the key login leaves unused"
    fi
  fi
  if [[ $PROBE_RC == 0 ]]; then
    SFTP_FERRY=1
    emit "ENV sftp_ferry available (a probe sync to sftp://$SSH_USER@$SFTP_ALIAS_chacha worked)"
    cipher_line "set=probe group=probe case=ferry-cli"
  elif grep -qi 'not available' <<<"$PROBE_OUT"; then
    SFTP_FERRY=0
    emit "ENV sftp_ferry not available in this build: $PROBE_OUT"
    sftp_note "Ferry's slot is not available in this build (see \"Ferry's SFTP slot\"); the peers are measured alone"
  else
    SFTP_FERRY=1
    emit "ENV sftp_ferry probe failed (exit $PROBE_RC): $PROBE_OUT"
    sftp_note "ferry-cli's probe sync over SFTP failed (exit $PROBE_RC: $PROBE_OUT); its cases run anyway"
    FAILED=1
  fi
}

# sftp_define CASE STAGE ROUND: CMD, PREP and DEST of one case of the group being run, whose
# direction is SFTP_DIRN (up, down, again) and cipher SFTP_C (chacha, gcm). Every case has a
# destination and a state folder of its own, named by direction, case and cipher; a first-copy
# group gives every round but the last its own (.rN), as the local cases do.
sftp_define() {
  local case=$1 stage=$2 round=$3 tag="" c=$SFTP_C cmd dir=up
  [[ $stage == first && $round != $((RUNS - 1)) ]] && tag=".r$round"
  [[ $case == rclone ]] && c=gcm                      # rclone negotiates aes128-gcm, always
  [[ $case == cp-a || $case == ferry-local || $case == find-both ]] && c=local
  [[ $SFTP_DIRN == down ]] && dir=down
  local alias=SFTP_ALIAS_$c
  alias=${!alias:-}
  local dst=$BASE/dst-$dir-$case-$c$tag st=$BASE/state/$case-$c$tag
  local s d stq cfg sshc rcenv ferry
  s=$(q "$SRC"); d=$(q "$dst"); stq=$(q "$st"); cfg=$(q "$SH/.ssh/config")
  sshc="ssh -F $cfg"
  rcenv="RCLONE_CONFIG=$(q "$WORK/rclone-sftp.conf")"
  ferry="${SFTP_FERRY_ENV}FERRY_TIMING=1 $(q "$FERRY") sync"
  if [[ $SFTP_DIRN == down ]]; then
    case $case in
      pipe-down)    cmd="$sshc $alias 'find $s -type f -exec cat {} +' >/dev/null" ;;
      rsync)        cmd="rsync -a --delete -e '$sshc' $alias:$s/ $d/" ;;
      sftp)         cmd="printf '%s\\n' 'get -rp \"$SRC\" \"$dst\"' | sftp -F $cfg -q -b - $alias" ;;
      scp)          cmd="scp -F $cfg -rpq $alias:$s $d" ;;
      rclone)       cmd="$rcenv rclone sync bench:$s $d --sftp-disable-hashcheck" ;;
      unison)       cmd="UNISON=$stq unison $d ssh://$alias/$s -sshargs '-F $cfg' -batch -times -silent" ;;
      ferry-mirror) cmd="$ferry sftp://$SSH_USER@$alias$s $d --mode mirror --state $stq/db -q" ;;
      *) die "unknown SFTP download case $case" ;;
    esac
  else
    case $case in
      find-both)    dst=$BASE/dst-up-rsync-$SFTP_C; d=$(q "$dst")
                    cmd="find $s $d -printf '%s %T@\\n' >/dev/null" ;;
      cp-a)         cmd="cp -a $s $d" ;;
      ferry-local)  cmd="$ferry $s $d --mode mirror --state $stq/db -q" ;;
      pipe-up)      cmd="find $s -type f -exec cat {} + | $sshc $alias 'cat >/dev/null'" ;;
      rsync)        cmd="rsync -a --delete -e '$sshc' $s/ $alias:$d/" ;;
      sftp)         cmd="printf '%s\\n' 'put -rp \"$SRC\" \"$dst\"' | sftp -F $cfg -q -b - $alias" ;;
      scp)          cmd="scp -F $cfg -rpq $s $alias:$d" ;;
      rclone)       cmd="$rcenv rclone sync $s bench:$d --sftp-disable-hashcheck" ;;
      unison)       cmd="UNISON=$stq unison $s ssh://$alias/$d -sshargs '-F $cfg' -batch -times -silent" ;;
      ferry-mirror) cmd="$ferry $s sftp://$SSH_USER@$alias$d --mode mirror --state $stq/db -q" ;;
      ferry-twoway) cmd="$ferry $s sftp://$SSH_USER@$alias$d --mode two-way --state $stq/db -q" ;;
      *) die "unknown SFTP upload case $case" ;;
    esac
  fi
  CMD[$case]=$cmd
  DEST[$case]=$dst
  [[ $case == find-* || $case == pipe-* ]] && DEST[$case]=""
  PREP[$case]="sync"
  [[ $stage == first && -n ${DEST[$case]} ]] && PREP[$case]="rm -rf $d $stq && mkdir -p $stq && sync"
  return 0
}

# sftp_peers CIPHER: the peer cases of a transfer group whose tools are installed (unison in
# the chacha groups, rclone in the gcm ones: the cipher it negotiates)
sftp_peers() {
  local out=()
  [[ -n ${HAVE[rsync]:-} ]] && out+=(rsync)
  out+=(sftp scp)
  [[ $1 == chacha && -n ${HAVE[unison]:-} ]] && out+=(unison)
  [[ $1 == gcm && -n ${HAVE[rclone]:-} ]] && out+=(rclone)
  echo "${out[@]}"
}

sftp_suite() {
  local t missing=()
  for t in ssh sftp scp ssh-keygen /usr/sbin/sshd; do command -v "$t" >/dev/null || missing+=("$t"); done
  if ((${#missing[@]})); then
    sftp_note "OpenSSH is not installed (missing: ${missing[*]}): the SFTP cases are skipped"
    [[ $SMOKE == 1 ]] || FAILED=1
    return 0
  fi
  local saved_home=$HOME saved_agent=${SSH_AUTH_SOCK:-}
  trap sshd_stop EXIT
  trap 'exit 130' INT TERM
  if ! sshd_start; then
    sshd_stop
    [[ $SMOKE == 1 ]] || FAILED=1
    sftp_note "no private sshd: the SFTP cases are skipped"
    trap - EXIT INT TERM
    return 0
  fi
  # every command of the suite: our HOME (ssh config, key, known_hosts), no agent
  export HOME=$SH
  unset SSH_AUTH_SOCK
  emit "ENV sftp_server OpenSSH sshd on 127.0.0.1:$SSH_PORT as $SSH_USER, key login, internal-sftp ($SD/sshd_config)"
  emit "ENV sftp_openssh $(version_of ssh -V)"
  emit "ENV sftp_env HOME=$SH for every command: .ssh/config has Host $SFTP_ALIAS_chacha (Ciphers $SFTP_CIPHER_chacha) and $SFTP_ALIAS_gcm (Ciphers $SFTP_CIPHER_gcm); OpenSSH tools get it with -F; rclone has its own sftp remote; no ssh-agent"
  local c alias
  for c in chacha gcm; do
    alias=SFTP_ALIAS_$c
    sshd_mark
    ssh -F "$SH/.ssh/config" "${!alias}" true </dev/null >/dev/null 2>&1
    cipher_line "set=probe group=probe case=ssh-${!alias}"
  done
  if [[ -n ${HAVE[rclone]:-} ]]; then
    sshd_mark
    RCLONE_CONFIG=$WORK/rclone-sftp.conf rclone lsd bench:/ </dev/null >/dev/null 2>&1
    cipher_line "set=probe group=probe case=rclone"
  fi
  ferry_sftp_probe
  local mirror=() twoway=()
  ((SFTP_FERRY)) && mirror=(ferry-mirror) && twoway=(ferry-twoway)

  local SET set data gen_args extra
  for SET in $SFTP_SETS; do
    set=sftp-$SET
    BASE=$WORK/data/$set
    SRC=$BASE/src
    mkdir -p "$BASE/state"
    gen_args=(tree "$SET" "$SRC" --seed "$SEED")
    if [[ $SMOKE == 1 ]]; then
      [[ $SET == S ]] && gen_args+=(--files "$SMALL_FILES")
      [[ $SET == L ]] && gen_args+=(--shrink 512)        # 2 MiB + 20 x 100 KiB
    fi
    say "generating set $set"
    data=$("$PY" "$BENCH_DIR/gen.py" "${gen_args[@]}") || die "generating set $set failed"
    emit "${data/DATA set=$SET /DATA set=$set }"
    read -r FILES BYTES < <(count_files "$SRC")
    sync
    snapshot_source
    SUITE_NOW=sftp
    if [[ $SET == L ]]; then
      DROP_CHECKED=2        # every 2 GB copy goes once checked: nothing goes on with them
      SFTP_DIRN=up
      for SFTP_C in chacha gcm; do
        extra=()
        [[ $SFTP_C == chacha ]] && extra=(cp-a ferry-local)
        # shellcheck disable=SC2046
        run_group "$set" "put-$SFTP_C" first pipe-up 0 "" "$FILES" "$BYTES" \
          pipe-up ${extra[@]+"${extra[@]}"} $(sftp_peers $SFTP_C) ${mirror[@]+"${mirror[@]}"}
      done
      SFTP_DIRN=down
      for SFTP_C in chacha gcm; do
        # shellcheck disable=SC2046
        run_group "$set" "get-$SFTP_C" first pipe-down 0 "" "$FILES" "$BYTES" \
          pipe-down $(sftp_peers $SFTP_C) ${mirror[@]+"${mirror[@]}"}
      done
      DROP_CHECKED=0
    else
      SFTP_DIRN=up
      SFTP_C=chacha
      # shellcheck disable=SC2046
      run_group "$set" put-chacha first cp-a 0 "" "$FILES" "$BYTES" \
        cp-a ferry-local $(sftp_peers chacha) ${mirror[@]+"${mirror[@]}"} ${twoway[@]+"${twoway[@]}"}
      SFTP_C=gcm
      # shellcheck disable=SC2046
      run_group "$set" put-gcm first cp-a 0 "" "$FILES" "$BYTES" \
        cp-a $(sftp_peers gcm) ${mirror[@]+"${mirror[@]}"}
      # no-change re-runs on the copies the last put rounds left
      SFTP_DIRN=again
      SFTP_C=chacha
      local nc=()
      [[ -n ${HAVE[rsync]:-} ]] && nc+=(rsync)
      [[ -n ${HAVE[unison]:-} ]] && nc+=(unison)
      [[ -n ${HAVE[rclone]:-} ]] && nc+=(rclone)
      run_group "$set" nochange again find-both 1 round_snapshot "$FILES" 0 \
        find-both ${nc[@]+"${nc[@]}"} ${twoway[@]+"${twoway[@]}"}
    fi
    SUITE_NOW=local
    [[ $KEEP == 1 ]] || drop_trees "$BASE"
  done
  emit "ENV sftp_connections $(grep -c 'client->server cipher' "$SD/sshd.log") in all"
  sshd_stop
  [[ $KEEP == 1 ]] || rm -rf "$WORK/remote-home"
  trap - EXIT INT TERM
  export HOME=$saved_home
  [[ -n $saved_agent ]] && export SSH_AUTH_SOCK=$saved_agent
  return 0
}
