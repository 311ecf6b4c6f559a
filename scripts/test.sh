#!/usr/bin/env bash
# The project's test command (README.md; CI runs exactly this through .ci/run).
# Installs what a fresh Debian machine lacks, then: format and lint checks, the Rust unit and
# end-to-end tests (real node processes over HTTP), hvac's own integration tests, hvac's raft calls
# against a 3-node cluster, the OpenBao CLI against strongbox, and the generated OpenAPI document
# validated and fuzzed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
scripts/install-deps.sh --with-bao

step "cargo fmt"
cargo fmt --all -- --check

# One build of every target, linted by clippy as it compiles: clippy's driver wraps rustc for the
# workspace's own crates only (RUSTC_WORKSPACE_WRAPPER), so dependencies -- RocksDB's C++ above
# all -- are the very units `cargo run -p strongbox-node` builds, and no separate `cargo clippy`
# (whose check mode would build every build script and proc macro, and so RocksDB, once more) is
# needed. `cargo test` reuses the build. The test binary has the fault switch the partition tests
# cut cluster links with (node/src/server/faults.rs).
features=(--features strongbox-node/faults)
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
# `cargo clippy -- -D warnings` passes its arguments to the driver the same way.
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
step "build, with clippy's lints as errors"
cargo build --workspace --all-targets "${features[@]}"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export STRONGBOX_BIN="$target_dir/debug/strongbox"

step "cargo test (unit and end-to-end)"
cargo test --workspace "${features[@]}"

step "hvac integration tests"
scripts/hvac-compat.sh

step "hvac raft calls against a 3-node cluster"
scripts/hvac-raft.sh

step "OpenBao CLI against strongbox"
scripts/bao-compat.sh

step "the OpenAPI document: validated, then fuzzed with schemathesis"
scripts/openapi-check.sh

printf '\nall test stages passed\n'
