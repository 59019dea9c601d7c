#!/usr/bin/env bash
# Install headless Chromium and its driver from Debian (packages `chromium`, `chromium-driver`) when
# missing; used by `make browser-deps` (a prerequisite of `make test`) and by tests/test_browser.py.
# Idempotent: returns at once when /usr/bin/chromium already runs. Never downloads a browser build
# (no `playwright install`): Playwright is pointed at /usr/bin/chromium.
# Exit status 0 when Chromium is usable afterwards, 1 otherwise (the browser test then skips).
set -u
CHROMIUM=${LSTM_CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ] && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: no apt-get on this machine; install chromium and chromium-driver by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install_chromium: not root and no password-less sudo; cannot install chromium" >&2
        exit 1
    fi
fi
# Serialise concurrent installs (pytest-xdist workers, make -j): apt/dpkg hold their own locks,
# but two `apt-get update` runs racing would just fail.
LOCK=/tmp/lstm-course-install-chromium.lock
exec 9>"$LOCK"
flock 9 2>/dev/null || true
if [ -x "$CHROMIUM" ] && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
echo "install_chromium: installing chromium and chromium-driver (Debian packages, about 35 s)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null \
    && $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
status=$?
if [ $status -ne 0 ]; then
    echo "install_chromium: apt-get failed (status $status); chromium is not available" >&2
    exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "install_chromium: apt-get installed chromium, but $CHROMIUM is not an executable" >&2
    exit 1
fi
exit 0
