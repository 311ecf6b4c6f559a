#!/usr/bin/env bash
# The project's test command (README.md; CI runs exactly this through .ci/run).
# Installs what a fresh Debian machine lacks, then: format and lint checks, the Rust unit and
# end-to-end tests (real node processes over HTTP), hvac's own integration tests, hvac's raft calls
# against a 3-node cluster and the OpenBao CLI against strongbox.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
scripts/install-deps.sh --with-bao

step "cargo fmt"
cargo fmt --all -- --check

# One build of every target with the test feature set, so `cargo test` reuses it (RocksDB's
# C++ build is the slow part: features that differ between steps would rebuild it). The test
# binary has the fault switch the partition tests cut cluster links with (node/src/server/faults.rs).
features=(--features strongbox-node/faults)
step "build"
cargo build --workspace --all-targets "${features[@]}"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export STRONGBOX_BIN="$target_dir/debug/strongbox"

step "cargo test (unit and end-to-end)"
cargo test --workspace "${features[@]}"

step "cargo clippy"
cargo clippy --workspace --all-targets "${features[@]}" -- -D warnings

step "hvac integration tests"
scripts/hvac-compat.sh

step "hvac raft calls against a 3-node cluster"
scripts/hvac-raft.sh

step "OpenBao CLI against strongbox"
scripts/bao-compat.sh

printf '\nall test stages passed\n'
