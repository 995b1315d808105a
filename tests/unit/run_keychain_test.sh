#!/usr/bin/env bash
# Runs the "[keychain]" tests against a real Secret Service: a private D-Bus
# session bus with GNOME Keyring, unlocked with a throwaway password, in a
# throwaway HOME. Nothing touches the user's own keyring. --warn NoTests:
# Catch2 exits 0 when the tag matches no test, so a renamed tag would pass.
#   usage: bash run_keychain_test.sh /path/to/ferry_secret_tests
set -euo pipefail
BIN=$1
for tool in dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "missing $tool (packages dbus, gnome-keyring; ./packaging/dev.sh test installs them)" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ferry-keyring.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/home" "$TMP/run"
chmod 700 "$TMP/run"
export HOME=$TMP/home XDG_DATA_HOME=$TMP/home/.local/share XDG_RUNTIME_DIR=$TMP/run XDG_CONFIG_HOME=$TMP/home/.config
unset DISPLAY WAYLAND_DISPLAY
exec dbus-run-session -- bash -c '
  printf "throwaway" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  exec "$0" --warn NoTests "[keychain]"
' "$BIN"
