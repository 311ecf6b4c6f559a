#!/usr/bin/env bash
# Check the OpenAPI document strongbox generates from its backends' tables
# (`GET /v1/sys/internal/specs/openapi`): it must validate as OpenAPI 3, and requests
# schemathesis generates from it must never crash the node, never get a 5xx other than the
# ones Vault itself answers (scripts/compat/vault-500s.txt, each checked against OpenBao), and
# never answer an error outside Vault's format.
#
# Usage: scripts/openapi-check.sh
#
# Environment:
#   STRONGBOX_BIN            server binary (default <repo>/target/debug/strongbox)
#   STRONGBOX_VENV           venv for the Python tools (default <repo>/.venv)
#   OPENAPI_CHECK_MAX_TIME   seconds schemathesis may spend (default 120)
#   OPENAPI_CHECK_SEED       schemathesis' random seed (fixed by default, so CI runs repeat;
#                            set another to explore)
#
# It starts its own `server -dev` on a free loopback port, mounts a few engines so the document
# covers them, and stops the server afterwards. Output ends with
# "openapi-check: N passed, M failed".
set -uo pipefail

COMPAT_NAME=openapi-check
# shellcheck source-path=SCRIPTDIR source=compat/venv.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compat/venv.sh"

compat_ensure_venv
req="$COMPAT_DIR/openapi-requirements.txt"
stamp="$STRONGBOX_VENV/.strongbox-openapi-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(compat_sha256 "$req")" ]; then
    compat_log "installing $(grep -v '^#' "$req" | tr '\n' ' ')"
    compat_pip install --quiet -r "$req" || compat_die "pip install -r $req failed"
    compat_sha256 "$req" >"$stamp"
fi

STRONGBOX_BIN="$(compat_abspath "${STRONGBOX_BIN:-$REPO_ROOT/target/debug/strongbox}")"
[ -x "$STRONGBOX_BIN" ] || compat_die "STRONGBOX_BIN=$STRONGBOX_BIN is not an executable file"
MAX_TIME="${OPENAPI_CHECK_MAX_TIME:-120}"
WORK="$(mktemp -d)"
PORT="$(compat_free_port)"
ADDR="http://127.0.0.1:$PORT"
"$STRONGBOX_BIN" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { failed=$((failed + 1)); printf 'not ok - %s\n' "$1"; }

api() { curl -sS -H "X-Vault-Token: root" "$@"; }
for _ in $(seq 1 100); do
    api -o /dev/null "$ADDR/v1/sys/health" 2>/dev/null && break
    sleep 0.1
done
api -X POST -d '{"type":"kv"}' "$ADDR/v1/sys/mounts/kv" >/dev/null
api -X POST -d '{"type":"userpass"}' "$ADDR/v1/sys/auth/userpass" >/dev/null
api -X POST -d '{"type":"approle"}' "$ADDR/v1/sys/auth/approle" >/dev/null
api -X POST -d '{"type":"transit"}' "$ADDR/v1/sys/mounts/transit" >/dev/null

if api -f -o "$WORK/openapi.json" "$ADDR/v1/sys/internal/specs/openapi"; then
    ok "the document is served"
else
    not_ok "the document is served"
fi
paths=$("$STRONGBOX_VENV/bin/python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["paths"]))' "$WORK/openapi.json" 2>/dev/null || echo 0)
if [ "$paths" -gt 10 ]; then ok "the document has $paths paths"; else not_ok "the document has $paths paths"; fi

if "$STRONGBOX_VENV/bin/openapi-spec-validator" "$WORK/openapi.json" >"$WORK/validator.log" 2>&1; then
    ok "openapi-spec-validator accepts it"
else
    not_ok "openapi-spec-validator accepts it"
    cat "$WORK/validator.log"
fi

# Fuzz every operation against the live node, bounded in time. The token is root's, so the
# requests reach the handlers rather than stopping at the ACL. Three operations would end the
# run rather than test anything: sealing the node, stepping it down, and revoking the token
# the requests carry.
# From the scratch directory: schemathesis keeps a cache in its working directory.
if cd "$WORK" && SCHEMATHESIS_HOOKS=vault_errors_hook PYTHONPATH="$COMPAT_DIR" "$STRONGBOX_VENV/bin/schemathesis" run "$WORK/openapi.json" \
    --url "$ADDR/v1" -H "X-Vault-Token: root" \
    --checks only_vaults_own_server_errors,vault_error_format \
    --exclude-path-regex '^/(sys/seal|sys/step-down|auth/token/revoke-self)$' \
    --phases examples,coverage,fuzzing --max-time "$MAX_TIME" --workers 1 --seed "${OPENAPI_CHECK_SEED:-20261203}" \
    --request-timeout 10 --no-color >"$WORK/schemathesis.log" 2>&1; then
    ok "schemathesis: no 5xx but Vault's own, every error in Vault's format"
else
    not_ok "schemathesis: no 5xx but Vault's own, every error in Vault's format"
    grep -E '^_{4,} |server error|not in Vault|Custom check' "$WORK/schemathesis.log" | head -n 60
fi
tail -n 5 "$WORK/schemathesis.log" | sed 's/^/# /'

if kill -0 "$SERVER" 2>/dev/null && api -f -o /dev/null "$ADDR/v1/sys/health"; then
    ok "the node is still up and healthy"
else
    not_ok "the node is still up and healthy"
    tail -n 40 "$WORK/server.log"
fi

printf 'openapi-check: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
