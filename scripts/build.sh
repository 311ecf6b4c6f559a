#!/usr/bin/env bash
# The project's one build, shared by scripts/test.sh and scripts/dev-server.sh so that RocksDB's
# C++ (about 12 minutes on 2 cores) is compiled once per target directory: every target of the
# workspace with the test feature set, linted by clippy as it compiles. Clippy's driver wraps
# rustc for the workspace's own crates only (RUSTC_WORKSPACE_WRAPPER), so no separate
# `cargo clippy` run (whose check mode builds every build script and proc macro, and so RocksDB,
# once more) is needed. A `cargo build -p ...` with another package selection unifies features
# differently and would build RocksDB again: use this script, or --workspace with --test/--lib.
#
# Source it to get the environment (then `build` runs the build), or run it: it builds and
# prints the path of the `strongbox` binary.
set -euo pipefail

features=(--features strongbox-node/faults)
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
# `cargo clippy -- -D warnings` passes its arguments to the driver the same way.
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

build() {
    (cd "$(dirname "${BASH_SOURCE[0]}")/.." && cargo build --workspace --all-targets "${features[@]}")
}

strongbox_bin() {
    local target_dir
    target_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    printf '%s/debug/strongbox\n' "$target_dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    build >&2
    strongbox_bin
fi
