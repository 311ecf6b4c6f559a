#!/usr/bin/env bash
# Build (scripts/build.sh, the same build the tests use) and start `strongbox server -dev`: in
# memory, unsealed, KV v2 at secret/, on http://127.0.0.1:8200. Arguments go to the server,
# e.g. scripts/dev-server.sh -dev-root-token-id=root
set -euo pipefail
bin=$("$(dirname "${BASH_SOURCE[0]}")/build.sh")
exec "$bin" server -dev "$@"
