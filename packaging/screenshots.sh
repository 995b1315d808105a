#!/usr/bin/env bash
# Saves PNGs of Ferry's windows into docs/screenshots/ (run after a build):
# the empty main window, then, on a prepared demo (three jobs, some history,
# fresh changes on both sides), the job list, every wizard page, the
# preview, a sync in progress (paused for the picture), the finished run and
# the history. Each window renders itself (QWidget::grab), under Xvfb when
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
trap 'rm -rf "$demo"' EXIT
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
"$cli" job add "Documents ⇄ Laptop" "$D" "$L" --mode two-way --exclude '*.tmp' --exclude '.cache/' \
       --schedule "daily 02:30" >/dev/null
"$cli" job add "Photos → NAS" "$HOME/Pictures" "$HOME/nas/Photos" --mode mirror \
       --versioning "$HOME/nas/.versions" --versions-keep 10 --schedule hourly >/dev/null
"$cli" job add "Projects backup" "$HOME/Projects" "$HOME/usb-drive/Projects" --mode update \
       --schedule "weekly fri 18:00" >/dev/null
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
FERRY_SCREENSHOT_DIR=$out FERRY_SCREENSHOT_JOB="Documents ⇄ Laptop" run timeout 180 "$app"
ls -l "$out"
