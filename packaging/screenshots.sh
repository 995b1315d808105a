#!/usr/bin/env bash
# Saves PNGs of Ferry's windows into docs/screenshots/ (run after a build).
# Each window renders itself (QWidget::grab), under Xvfb when there is no display.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
run() {
    if [ -z "${DISPLAY:-}" ]; then xvfb-run -a -s "-screen 0 1280x800x24" "$@"; else "$@"; fi
}
FERRY_SCREENSHOT_DIR="$out" FERRY_QUIT_AFTER_MS=1500 run build/app/ferry
ls -l "$out"
