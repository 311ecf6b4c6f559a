# shellcheck shell=bash disable=SC2153 # CLIENTS and the others are scripts/bench's
# The multi-node mode of scripts/bench (BENCH_NODES=N, N >= 2), sourced by it: for strongbox and,
# when found, OpenBao, an N-node raft cluster on 127.0.0.1 (storage "raft" per node, distinct
# ports and data folders, tls_disable listeners, disable_mlock), formed as an operator would:
# sys/init on node 1 and its unseal, then sys/storage/raft/join + unseal on the others, until
# every node is a raft voter (both promote joined nodes with autopilot). Then, against the leader
# (the active node, whose sys/health answers 200):
#
#   kvv2_write, kvv2_read   the load tests, BENCH_CLIENTS clients (as the single-node mode)
#   commit                  kvv2_write with one client: sequential write latency p50/p99
#   failover                kill -9 of the leader, then the time until another node's sys/health
#                           answers 200 (health_ms) and until a write to it succeeds (write_ms),
#                           polled every 20 ms
#
# Both servers run their default raft timing (performance_multiplier 5). The clusters share the
# machine's CPUs with each other's load generator only in turn: one cluster runs at a time.
# Uses from scripts/bench: LOG_DIR, RESULTS, LOADGEN_BIN, CLIENTS, DURATION, NUMKVS, THREADS,
# SERVERS, BAO_BIN, field, outcome, ratio, free_port, startup_bin, compat_log.

CLUSTER_PIDS=()
CLUSTER_ADDRS=()
CLUSTER_TOKEN=""
CLUSTER_LEADER="" # index into CLUSTER_ADDRS / CLUSTER_PIDS

cluster_json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

cluster_down() {
    local pid
    for pid in "${CLUSTER_PIDS[@]}"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${CLUSTER_PIDS[@]}"; do
        [ -n "$pid" ] || continue
        wait "$pid" 2>/dev/null || true
    done
    CLUSTER_PIDS=()
    CLUSTER_ADDRS=()
}

cluster_health() { curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-2}" "$1/v1/sys/health" || true; }

# cluster_wait WHAT SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
cluster_wait() {
    local what="$1" secs="$2" i
    shift 2
    for ((i = 0; i < secs * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    compat_log "timed out after ${secs}s waiting for $what"
    return 1
}

cluster_listening() { [ "$(cluster_health "$1")" != 000 ]; }
cluster_unsealed() { [ "$(curl -s --max-time 2 "$1/v1/sys/seal-status" | cluster_json '["sealed"]' 2>/dev/null)" = False ]; }
cluster_active() { [ "$(cluster_health "$1")" = 200 ]; }

# Every server of the raft configuration is a voter, and there are N of them.
cluster_all_voters() {
    local n="$1"
    curl -s --max-time 2 -H "X-Vault-Token: $CLUSTER_TOKEN" "${CLUSTER_ADDRS[$CLUSTER_LEADER]}/v1/sys/storage/raft/configuration" \
        | python3 -c 'import json,sys
s=json.load(sys.stdin)["data"]["config"]["servers"]
sys.exit(0 if len(s)==int(sys.argv[1]) and all(x.get("voter") for x in s) else 1)' "$n" 2>/dev/null
}

cluster_kv_ready() {
    curl -fs -o /dev/null --max-time 2 -H "X-Vault-Token: $CLUSTER_TOKEN" "${CLUSTER_ADDRS[$CLUSTER_LEADER]}/v1/secret/config"
}

# cluster_up NAME N: start and form an N-node cluster of NAME; KV v2 mounted at secret/.
cluster_up() {
    local name="$1" n="$2" bin dir i port cport key init
    bin="$(startup_bin "$name")"
    dir="$LOG_DIR/cluster-$name"
    CLUSTER_PIDS=()
    CLUSTER_ADDRS=()
    for ((i = 1; i <= n; i++)); do
        port="$(free_port)"
        cport="$(free_port)"
        while [ "$cport" = "$port" ]; do cport="$(free_port)"; done
        mkdir -p "$dir/node$i/data"
        cat >"$dir/node$i/config.hcl" <<HCL
storage "raft" {
  path    = "$dir/node$i/data"
  node_id = "node$i"
}
listener "tcp" {
  address         = "127.0.0.1:$port"
  cluster_address = "127.0.0.1:$cport"
  tls_disable     = true
}
api_addr      = "http://127.0.0.1:$port"
cluster_addr  = "https://127.0.0.1:$cport"
disable_mlock = true
HCL
        env -u VAULT_ADDR -u VAULT_TOKEN -u BAO_ADDR -u BAO_TOKEN \
            "$bin" server -config="$dir/node$i/config.hcl" >"$dir/node$i.log" 2>&1 </dev/null &
        CLUSTER_PIDS+=("$!")
        CLUSTER_ADDRS+=("http://127.0.0.1:$port")
    done
    for ((i = 0; i < n; i++)); do
        cluster_wait "$name node$((i + 1)) to listen" 30 cluster_listening "${CLUSTER_ADDRS[$i]}" || return 1
    done
    init="$(curl -s --max-time 60 -X PUT -d '{"secret_shares":1,"secret_threshold":1}' "${CLUSTER_ADDRS[0]}/v1/sys/init")"
    echo "$init" >"$dir/init.json"
    key="$(cluster_json '["keys_base64"][0]' <<<"$init")" || { compat_log "$name: sys/init failed: $init"; return 1; }
    CLUSTER_TOKEN="$(cluster_json '["root_token"]' <<<"$init")"
    curl -s --max-time 30 -X PUT -d "{\"key\":\"$key\"}" "${CLUSTER_ADDRS[0]}/v1/sys/unseal" >/dev/null
    cluster_wait "$name node1 to become active" 60 cluster_active "${CLUSTER_ADDRS[0]}" || return 1
    CLUSTER_LEADER=0
    for ((i = 1; i < n; i++)); do
        curl -s --max-time 30 -X POST -d "{\"leader_api_addr\":\"${CLUSTER_ADDRS[0]}\"}" \
            "${CLUSTER_ADDRS[$i]}/v1/sys/storage/raft/join" >"$dir/node$((i + 1)).join.json"
        curl -s --max-time 30 -X PUT -d "{\"key\":\"$key\"}" "${CLUSTER_ADDRS[$i]}/v1/sys/unseal" >/dev/null
        cluster_wait "$name node$((i + 1)) to unseal" 60 cluster_unsealed "${CLUSTER_ADDRS[$i]}" || return 1
    done
    local start=$SECONDS
    cluster_wait "$name: $n raft voters" 120 cluster_all_voters "$n" || return 1
    compat_log "$name: $n nodes are voters $((SECONDS - start))s after the last unseal"
    curl -s --max-time 30 -X POST -H "X-Vault-Token: $CLUSTER_TOKEN" -d '{"type":"kv","options":{"version":"2"}}' \
        "${CLUSTER_ADDRS[0]}/v1/sys/mounts/secret" >/dev/null
    cluster_wait "$name secret/ (KV v2)" 60 cluster_kv_ready || return 1
}

# cluster_loadgen NAME TEST LABEL CLIENTS [ARGS...]: one load generator run against the leader.
cluster_loadgen() {
    local name="$1" test="$2" label="$3" clients="$4" rc=0 log="$LOG_DIR/cluster-$3-$2.loadgen.log"
    shift 4
    "$LOADGEN_BIN" --addr "${CLUSTER_ADDRS[$CLUSTER_LEADER]}" --token "$CLUSTER_TOKEN" --test "$test" \
        --clients "$clients" --duration "$DURATION" --numkvs "$NUMKVS" --threads "$THREADS" \
        --label "$label" "$@" >>"$RESULTS" 2>"$log" || rc=$?
    cat "$log" >&2
    [ "$rc" = 0 ] || compat_log "loadgen $test against the $name cluster exited with status $rc"
}

cluster_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# cluster_failover NAME: kill -9 the leader; time another node's sys/health 200 and a write.
cluster_failover() {
    local name="$1" t0 now health_ms="" write_ms="" i code new=""
    compat_log "$name: kill -9 of the leader (node$((CLUSTER_LEADER + 1)), pid ${CLUSTER_PIDS[$CLUSTER_LEADER]})"
    t0="$(cluster_now_ms)"
    kill -9 "${CLUSTER_PIDS[$CLUSTER_LEADER]}"
    wait "${CLUSTER_PIDS[$CLUSTER_LEADER]}" 2>/dev/null || true
    CLUSTER_PIDS[CLUSTER_LEADER]=""
    while :; do
        now="$(cluster_now_ms)"
        [ $((now - t0)) -lt 60000 ] || break
        if [ -z "$new" ]; then
            for ((i = 0; i < ${#CLUSTER_ADDRS[@]}; i++)); do
                [ "$i" != "$CLUSTER_LEADER" ] || continue
                if [ "$(cluster_health "${CLUSTER_ADDRS[$i]}" 0.5)" = 200 ]; then
                    health_ms=$(($(cluster_now_ms) - t0))
                    new="$i"
                    break
                fi
            done
        fi
        if [ -n "$new" ]; then
            code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST -H "X-Vault-Token: $CLUSTER_TOKEN" \
                -d '{"data":{"foo":"after-failover"}}' "${CLUSTER_ADDRS[$new]}/v1/secret/data/failover" || true)"
            if [ "$code" = 200 ]; then
                write_ms=$(($(cluster_now_ms) - t0))
                break
            fi
        fi
        sleep 0.02
    done
    if [ -z "$write_ms" ]; then
        compat_log "$name: no new leader accepted a write within 60 s of the kill"
        return 1
    fi
    compat_log "$name: node$((new + 1)) active after ${health_ms} ms, a write succeeded after ${write_ms} ms"
    printf '{"label":"%s","test":"failover","nodes":%s,"health_ms":%s,"write_ms":%s,"errors":0}\n' \
        "$name" "${#CLUSTER_ADDRS[@]}" "$health_ms" "$write_ms" >>"$RESULTS"
}

# cluster_run NAME N: one cluster of NAME, every measurement against it, then it is stopped.
cluster_run() {
    local name="$1" n="$2" failed=0
    compat_log "$name: forming a $n-node raft cluster (logs: $LOG_DIR/cluster-$name)"
    if cluster_up "$name" "$n"; then
        compat_log "$name: $("$(startup_bin "$name")" version 2>/dev/null | head -n 1); leader ${CLUSTER_ADDRS[$CLUSTER_LEADER]}"
        cluster_loadgen "$name" kvv2_write "$name" "$CLIENTS"
        cluster_loadgen "$name" kvv2_read "$name" "$CLIENTS"
        cluster_loadgen "$name" kvv2_write "$name-commit" 1 --no-seed
        cluster_failover "$name" || failed=1
    else
        failed=1
    fi
    cluster_down
    rm -rf "$LOG_DIR/cluster-$name"/node*/data
    return "$failed"
}

# The load table rows of one test for every server.
cluster_rows() {
    local test="$1" label="$2" shown="$3" name
    for name in "${SERVERS[@]}"; do
        case "$(outcome "$name$label" "$test")" in
            failed) printf '%-20s %-10s %10s  %s\n' "$shown" "$name" FAILED "(no result)" ;;
            *) printf '%-20s %-10s %10s %8s %9s %9s%s\n' "$shown" "$name" \
                "$(field "$name$label" "$test" rps)" "$(field "$name$label" "$test" errors)" \
                "$(field "$name$label" "$test" p50_ms)" "$(field "$name$label" "$test" p99_ms)" \
                "$([ "$(outcome "$name$label" "$test")" = ok ] || echo '  <- ERRORS')" ;;
        esac
    done
}

# run_cluster_all N: every cluster in turn, then the tables. Non-zero when something failed.
run_cluster_all() {
    local n="$1" name failed=0 test
    trap 'cluster_down; stop_server' EXIT
    compat_log "cluster mode: $n nodes per cluster; clients=$CLIENTS duration=${DURATION}s numkvs=$NUMKVS loadgen-threads=$THREADS cpus=$(nproc 2>/dev/null || echo '?') (the nodes and the load generator share them)"
    compat_log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
    for name in "${SERVERS[@]}"; do
        cluster_run "$name" "$n" || failed=1
    done

    echo
    echo "$n-node raft clusters, load on the leader"
    printf '%-20s %-10s %10s %8s %9s %9s\n' test server "req/s" errors p50_ms p99_ms
    cluster_rows kvv2_write "" kvv2_write
    cluster_rows kvv2_read "" kvv2_read
    cluster_rows kvv2_write -commit "commit (1 client)"
    echo
    printf '%-20s %-10s %12s %12s\n' failover server "health_ms" "write_ms"
    for name in "${SERVERS[@]}"; do
        printf '%-20s %-10s %12s %12s\n' "kill -9 leader" "$name" \
            "$(field "$name" failover health_ms)" "$(field "$name" failover write_ms)"
        [ -n "$(field "$name" failover write_ms)" ] || failed=1
    done
    if [ -n "$BAO_BIN" ]; then
        echo
        printf '%-20s %22s %22s %22s\n' test "rps strongbox/openbao" "p50 strongbox/openbao" "p99 strongbox/openbao"
        for test in kvv2_write kvv2_read; do
            printf '%-20s %22s %22s %22s\n' "$test" \
                "$(ratio "$(field strongbox "$test" rps)" "$(field openbao "$test" rps)")" \
                "$(ratio "$(field strongbox "$test" p50_ms)" "$(field openbao "$test" p50_ms)")" \
                "$(ratio "$(field strongbox "$test" p99_ms)" "$(field openbao "$test" p99_ms)")"
        done
        printf '%-20s %22s %22s %22s\n' "commit (1 client)" \
            "$(ratio "$(field strongbox-commit kvv2_write rps)" "$(field openbao-commit kvv2_write rps)")" \
            "$(ratio "$(field strongbox-commit kvv2_write p50_ms)" "$(field openbao-commit kvv2_write p50_ms)")" \
            "$(ratio "$(field strongbox-commit kvv2_write p99_ms)" "$(field openbao-commit kvv2_write p99_ms)")"
        printf '%-20s %22s\n' "failover write_ms" \
            "$(ratio "$(field strongbox failover write_ms)" "$(field openbao failover write_ms)")"
    fi
    for name in "${SERVERS[@]}"; do
        for test in kvv2_write kvv2_read; do
            [ "$(outcome "$name" "$test")" = ok ] || failed=1
        done
        [ "$(outcome "$name-commit" kvv2_write)" = ok ] || failed=1
    done
    return "$failed"
}
