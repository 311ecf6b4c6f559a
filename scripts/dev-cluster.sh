#!/usr/bin/env bash
# A local strongbox raft cluster for development: N node processes on 127.0.0.1, each with
# its own ports, data folder and log, formed as an operator would (operator init on node 1,
# sys/storage/raft/join and unseal on the others).
#
# Usage: scripts/dev-cluster.sh up [N]     start N nodes (default 3) and form the cluster
#        scripts/dev-cluster.sh status     who runs, who is active, the raft peers
#        scripts/dev-cluster.sh down       stop every node (data is kept; `up` starts fresh)
#
# Node i listens on 127.0.0.1:$((BASE_PORT + 10*i)) (API) and the next port (cluster).
# Environment:
#   STRONGBOX_CLUSTER_DIR   where data, logs and init.json live (default <repo>/.dev-cluster)
#   STRONGBOX_BASE_PORT     BASE_PORT above (default 8200: node 1 on 8210)
#   STRONGBOX_BIN           the binary (default: built by scripts/build.sh)
# The unseal key and root token are in $STRONGBOX_CLUSTER_DIR/init.json (a development
# cluster: one key share).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${STRONGBOX_CLUSTER_DIR:-$REPO/.dev-cluster}"
BASE_PORT="${STRONGBOX_BASE_PORT:-8200}"

api_port() { echo $((BASE_PORT + 10 * $1)); }
addr() { echo "http://127.0.0.1:$(api_port "$1")"; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

binary() {
    if [[ -n "${STRONGBOX_BIN:-}" ]]; then
        echo "$STRONGBOX_BIN"
        return
    fi
    "$REPO/scripts/build.sh"
}

wait_http() {
    for _ in $(seq 1 200); do
        curl -s -o /dev/null "$1/v1/sys/health" && return 0
        sleep 0.1
    done
    echo "node at $1 did not start; see its log" >&2
    return 1
}

wait_unsealed() {
    for _ in $(seq 1 300); do
        [[ "$(curl -s "$1/v1/sys/seal-status" | json_field '["sealed"]')" == "False" ]] && return 0
        sleep 0.1
    done
    echo "node at $1 did not unseal" >&2
    return 1
}

write_config() {
    local i=$1 port
    port=$(api_port "$i")
    mkdir -p "$DIR/node$i/data"
    cat >"$DIR/node$i/config.hcl" <<HCL
storage "raft" {
  path    = "$DIR/node$i/data"
  node_id = "node$i"
}
listener "tcp" {
  address         = "127.0.0.1:$port"
  cluster_address = "127.0.0.1:$((port + 1))"
  tls_disable     = true
}
api_addr      = "http://127.0.0.1:$port"
cluster_addr  = "https://127.0.0.1:$((port + 1))"
disable_mlock = true
HCL
}

up() {
    local n=${1:-3} bin
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive number" >&2; exit 1; }
    down quiet
    rm -rf "$DIR"
    mkdir -p "$DIR"
    bin=$(binary)
    for i in $(seq 1 "$n"); do
        write_config "$i"
        "$bin" server -config="$DIR/node$i/config.hcl" >"$DIR/node$i/node.log" 2>&1 &
        echo $! >"$DIR/node$i/pid"
    done
    for i in $(seq 1 "$n"); do wait_http "$(addr "$i")"; done
    curl -s -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "$(addr 1)/v1/sys/init" >"$DIR/init.json"
    local key token
    key=$(json_field '["keys_base64"][0]' <"$DIR/init.json")
    token=$(json_field '["root_token"]' <"$DIR/init.json")
    curl -s -X PUT -d "{\"key\":\"$key\"}" "$(addr 1)/v1/sys/unseal" >/dev/null
    wait_unsealed "$(addr 1)"
    for i in $(seq 2 "$n"); do
        curl -s -X POST -d "{\"leader_api_addr\":\"$(addr 1)\"}" "$(addr "$i")/v1/sys/storage/raft/join" >/dev/null
        curl -s -X PUT -d "{\"key\":\"$key\"}" "$(addr "$i")/v1/sys/unseal" >/dev/null
        wait_unsealed "$(addr "$i")"
    done
    echo "strongbox cluster of $n nodes is up (data and logs in $DIR)"
    for i in $(seq 1 "$n"); do
        echo "export VAULT_ADDR=$(addr "$i")   # node$i"
    done
    echo "export VAULT_TOKEN=$token"
}

status() {
    [[ -d "$DIR" ]] || { echo "no cluster in $DIR"; return 0; }
    for d in "$DIR"/node*; do
        local i=${d##*node} state
        if [[ -f "$d/pid" ]] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
            case "$(curl -s -o /dev/null -w '%{http_code}' "$(addr "$i")/v1/sys/health")" in
                200) state=active ;;
                429) state=standby ;;
                503) state=sealed ;;
                *) state=unknown ;;
            esac
        else
            state=stopped
        fi
        echo "node$i  $(addr "$i")  $state"
    done
    if [[ -f "$DIR/init.json" ]]; then
        local token
        token=$(json_field '["root_token"]' <"$DIR/init.json")
        for d in "$DIR"/node*; do
            local i=${d##*node}
            if curl -s -o /dev/null "$(addr "$i")/v1/sys/health"; then
                VAULT_ADDR=$(addr "$i") VAULT_TOKEN=$token "$(binary)" operator raft list-peers || true
                break
            fi
        done
    fi
}

down() {
    [[ -d "$DIR" ]] || return 0
    for pidfile in "$DIR"/node*/pid; do
        [[ -f "$pidfile" ]] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
    [[ "${1:-}" == quiet ]] || echo "stopped the cluster in $DIR"
}

case "${1:-}" in
    up) up "${2:-3}" ;;
    status) status ;;
    down) down ;;
    *)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 1
        ;;
esac
