#!/usr/bin/env bash
# hvac's raft calls (read_raft_config, remove_raft_node, join_raft_cluster, take/restore/
# force_restore_raft_snapshot) against a 3-node strongbox cluster (scripts/compat/hvac_raft.py;
# hvac's own raft tests need Vault Enterprise).
#
# Usage: scripts/hvac-raft.sh [PYTEST_ARGS ...]
#
# Environment:
#   STRONGBOX_BIN        server binary (default <repo>/target/debug/strongbox)
#   STRONGBOX_VENV       venv to create/use (default <repo>/.venv)
#   STRONGBOX_BASE_PORT  dev-cluster.sh's base port (default 18300: nodes on 18310, 18320, 18330)
#
# The cluster lives in a temporary folder and is always stopped at exit; when the tests fail,
# the tail of each node's log is printed and the folder is kept.
# Exit status: pytest's (2 for setup errors).
set -euo pipefail

COMPAT_NAME=hvac-raft
# shellcheck source-path=SCRIPTDIR source=compat/venv.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compat/venv.sh"

STRONGBOX_BIN="$(compat_abspath "${STRONGBOX_BIN:-$REPO_ROOT/target/debug/strongbox}")"
[ -x "$STRONGBOX_BIN" ] || compat_die "STRONGBOX_BIN=$STRONGBOX_BIN is not an executable file (build it first: scripts/build.sh)"
export STRONGBOX_BIN
export STRONGBOX_BASE_PORT="${STRONGBOX_BASE_PORT:-18300}"

compat_ensure_hvac_env
compat_ensure_bao

# Wait (up to 15 s) until nothing listens on the nodes' API and cluster ports: a node that was
# just stopped may still hold them while it flushes its storage.
wait_ports_free() {
    "$STRONGBOX_VENV/bin/python" - "$STRONGBOX_BASE_PORT" <<'PY'
import socket, sys, time
base = int(sys.argv[1])
ports = [base + 10 * i + d for i in (1, 2, 3) for d in (0, 1)]
deadline = time.monotonic() + 15
while True:
    busy = []
    for port in ports:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                busy.append(port)
    if not busy:
        sys.exit(0)
    if time.monotonic() > deadline:
        sys.exit(f"ports in use: {busy}")
    time.sleep(0.2)
PY
}

STRONGBOX_CLUSTER_DIR="$(mktemp -d "${TMPDIR:-/tmp}/strongbox-hvac-raft.XXXXXX")"
export STRONGBOX_CLUSTER_DIR
rc=2
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    "$REPO_ROOT/scripts/dev-cluster.sh" down >/dev/null || true
    wait_ports_free || true
    if [ "$rc" != 0 ]; then
        for log in "$STRONGBOX_CLUSTER_DIR"/node*/node.log; do
            [ -f "$log" ] || continue
            compat_log "--- last lines of $log"
            tail -n 30 "$log" >&2
        done
        compat_log "cluster data and logs kept in $STRONGBOX_CLUSTER_DIR"
    else
        rm -rf "$STRONGBOX_CLUSTER_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

compat_log "server:  $STRONGBOX_BIN"
compat_log "cluster: $STRONGBOX_CLUSTER_DIR (base port $STRONGBOX_BASE_PORT)"
wait_ports_free || compat_die "another process holds ports of base port $STRONGBOX_BASE_PORT (set STRONGBOX_BASE_PORT)"
"$REPO_ROOT/scripts/dev-cluster.sh" up 3 >&2

set +e
"$STRONGBOX_VENV/bin/python" -m pytest -p no:cacheprovider -o addopts= -rfEsxX -v \
    --rootdir "$COMPAT_DIR" "$COMPAT_DIR/hvac_raft.py" "$@"
rc=$?
set -e
if [ "$rc" = 0 ]; then compat_log "hvac raft calls passed"; else compat_log "hvac raft calls FAILED (exit $rc)"; fi
exit "$rc"
