#!/usr/bin/env bash
# Saves PNGs of Ferry's windows into docs/screenshots/ (run after a build):
# the empty main window, then, on a prepared demo (three jobs, some history,
# fresh changes on both sides), the job list, every wizard page, the
# wizard's SSH / SFTP server form with a tested connection, the host-key
# dialog and the remote folder browser (against a private sshd on
# 127.0.0.1, when sshd is installed), the preview, a sync in progress
# (paused for the picture), the finished run and the history. Each window renders itself (QWidget::grab), under Xvfb when
# there is no display. Nothing outside a temporary folder is touched.
# FERRY_BUILD_DIR picks another build folder than ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$repo/docs/screenshots
build=${FERRY_BUILD_DIR:-$repo/build}
cli=$build/app/ferry-cli
app=$build/app/ferry
[[ -x $cli && -x $app ]] || { echo "build first: ./packaging/dev.sh test (or cmake --build build)" >&2; exit 2; }
mkdir -p "$out"
demo=$(mktemp -d "${TMPDIR:-/tmp}/ferry-demo.XXXXXX")
sshd_pid=
trap '[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null; rm -rf "$demo"' EXIT
export HOME=$demo/home XDG_CONFIG_HOME=$demo/home/.config XDG_DATA_HOME=$demo/home/.local/share
export XDG_RUNTIME_DIR=$demo/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
run() {
    if [ -z "${DISPLAY:-}" ]; then xvfb-run -a -s "-screen 0 1280x800x24" "$@"; else "$@"; fi
}

# The empty state.
FERRY_DATA_DIR=$demo/empty-data FERRY_SCREENSHOT_DIR=$out run timeout 60 "$app"

# A demo: documents synced with a laptop, photos mirrored to a NAS, projects backed up.
export FERRY_DATA_DIR=$demo/data
D=$HOME/Documents L=$HOME/Laptop/Documents
w() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }
for m in January February March April; do w "$D/Invoices/2026-$m.pdf" "invoice $m"; done
w "$D/Letters/landlord.odt" "Dear landlord"
w "$D/Letters/bank.odt" "Dear bank"
w "$D/Notes/ideas.md" "# Ideas"
w "$D/Notes/todo.md" "- water the plants"
w "$D/Taxes/2025/return.pdf" "tax return"
for i in 1 2 3 4 5 6; do w "$HOME/Pictures/2026/IMG_$((4000 + i)).jpg" "photo $i"; done
for p in website thesis; do w "$HOME/Projects/$p/README.md" "# $p"; done
# A private SSH server on 127.0.0.1 (its own host and client keys, a free
# port) with a few folders: the server form connects to it for real, meets
# its unknown host key (the host-key dialog) and browses it. The client key
# reaches Ferry through the demo HOME's ~/.ssh/config, as a user's would.
start_sshd() {
    local d=$demo/.sshd port i
    mkdir -p "$d" && chmod 700 "$d"
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" >/dev/null </dev/null
    ssh-keygen -q -t ed25519 -N '' -f "$d/client_ed25519" >/dev/null </dev/null
    cp "$d/client_ed25519.pub" "$d/authorized_keys" && chmod 600 "$d/authorized_keys"
    port=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    cat > "$d/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
AllowUsers $(id -un)
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
Subsystem sftp internal-sftp
CFG
    if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; fi # sshd's privilege separation folder, when run as root
    /usr/sbin/sshd -t -f "$d/sshd_config" || return 1
    /usr/sbin/sshd -D -e -f "$d/sshd_config" </dev/null >/dev/null 2>"$d/sshd.log" &
    sshd_pid=$!
    for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"
    printf 'Host 127.0.0.1\n  IdentityFile %s\n' "$d/client_ed25519" > "$HOME/.ssh/config"
    for f in Books Car Garden Health House Insurance Invoices Kids Letters Manuals Music Notes Photos/2025 Photos/2026 \
             Recipes School Taxes Travel Work; do mkdir -p "$demo/server/Documents/$f"; done
    sftp_url="sftp://$(id -un)@127.0.0.1:$port$demo/server/Documents"
}
sftp_url=
if [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null; then
    start_sshd || echo "screenshots: no private sshd; the server pictures use a made-up server" >&2
fi
"$cli" job add "Documents ⇄ Laptop" "$D" "$L" --mode two-way --exclude '*.tmp' --exclude '.cache/' \
       --schedule "daily 02:30" >/dev/null
"$cli" job add "Photos → NAS" "$HOME/Pictures" "$HOME/nas/Photos" --mode mirror \
       --versioning "$HOME/nas/.versions" --versions-keep 10 --schedule hourly >/dev/null
"$cli" job add "Projects backup" "$HOME/Projects" "$HOME/usb-drive/Projects" --mode update \
       --schedule "weekly fri 18:00" >/dev/null
if [ -n "$sftp_url" ]; then # a side on the server, as the job list shows it
    "$cli" job add "Documents → NAS" "$D" "$sftp_url" --mode update >/dev/null
fi
"$cli" run "Documents ⇄ Laptop" -q
"$cli" run "Photos → NAS" -q
sleep 1.1
# Changes on both sides since then: the preview shows them.
w "$D/Notes/todo.md" "- water the plants
- call the plumber"
w "$L/Letters/bank.odt" "Dear bank, about my account"
w "$D/Notes/ideas.md" "# Ideas (desktop)"
w "$L/Notes/ideas.md" "# Ideas (laptop), longer"
rm "$L/Invoices/2026-January.pdf"
w "$L/Letters/school.odt" "Dear school"
w "$D/Invoices/2026-May.pdf" "invoice May"
mkdir -p "$D/Videos"
for i in $(seq -w 1 120); do head -c 8000000 /dev/zero > "$D/Videos/clip-$i.mov"; done

FERRY_SCREENSHOT_SFTP=$sftp_url FERRY_SCREENSHOT_DIR=$out FERRY_SCREENSHOT_JOB="Documents ⇄ Laptop" \
    run timeout 180 "$app"
ls -l "$out"
