#!/usr/bin/env bash
# Ferry's developer entry point on Debian 12 / Ubuntu:
#   packaging/dev.sh run    install what is missing, build, launch Ferry
#   packaging/dev.sh test   install what is missing, build, run the whole test suite, then the
#                           unit, property and integration tests again under ASan + UBSan
#   packaging/dev.sh build  install what is missing and build
# Packages come from apt (with sudo when not root). The build goes to build/
# with Ninja, and ccache when present.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ninja-build pkg-config ccache
          qt6-base-dev qt6-tools-dev qt6-l10n-tools libsqlite3-dev libssh-dev libxxhash-dev
          qtkeychain-qt6-dev
          catch2 librapidcheck-dev python3 xvfb xauth
          dbus gnome-keyring libsecret-tools
          openssh-server openssh-client)

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing missing packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
    if [ ! -f build/build.ninja ]; then
        cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
    fi
    cmake --build build -j"$(nproc)"
}

# The same sources with AddressSanitizer and UndefinedBehaviorSanitizer, in
# build-asan/: only what the unit, property and integration tests run.
build_sanitized() {
    if [ ! -f build-asan/build.ninja ]; then
        cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_SANITIZE=ON
    fi
    local targets=(ferry_unit_tests ferry_secret_tests ferry-cli)
    compgen -G 'tests/sftp/*.cpp' >/dev/null && targets+=(ferry_sftp_tests)
    cmake --build build-asan -j"$(nproc)" --target "${targets[@]}"
}

case "${1:-}" in
run)
    install_missing
    build
    if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        echo "No display found: starting Ferry under a virtual X server (xvfb-run)." >&2
        exec xvfb-run -a build/app/ferry "${@:2}"
    fi
    exec build/app/ferry "${@:2}"
    ;;
test)
    install_missing
    build
    ctest --test-dir build --output-on-failure -j"$(nproc)" "${@:2}"
    [ $# -gt 1 ] && exit 0 # a chosen subset: the plain build only
    build_sanitized
    # Unit, property and integration tests again under ASan + UBSan; any
    # report fails its test. (The GUI tests and the benchmark smoke run only
    # in the plain build.)
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -L 'unit|integration' -E 'bench_smoke'
    ;;
build)
    install_missing
    build
    ;;
*)
    echo "usage: packaging/dev.sh run|test|build" >&2
    exit 2
    ;;
esac
