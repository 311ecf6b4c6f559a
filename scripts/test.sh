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

# shellcheck source=build.sh
. scripts/build.sh
step "build, with clippy's lints as errors"
build
STRONGBOX_BIN=$(strongbox_bin)
export STRONGBOX_BIN

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
