"""Transit keys move between OpenBao and Strongbox: for every asymmetric type, a key made on
one server is backed up, restored on the other, and what either signs or encrypts the other
verifies or decrypts. OpenBao keeps Vault's keysutil format, so this is the proof a Vault
backup restores here and the reverse.

Usage: transit_cross.py OPENBAO_ADDR STRONGBOX_ADDR TOKEN
Prints "ok - ..." / "not ok - ..." per check; exits 1 when any failed.
"""

import base64
import json
import sys
import urllib.error
import urllib.request

TYPES = ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-3072", "aes256-gcm96"]


def call(addr, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{addr}/v1/{path}", method=method, data=data, headers={"X-Vault-Token": token})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, json.loads(text) if text else None


def main():
    bao, strongbox, token = sys.argv[1:4]
    names = {bao: "openbao", strongbox: "strongbox"}
    failed = 0

    def check(name, ok, detail=""):
        nonlocal failed
        if ok:
            print(f"ok - {name}")
        else:
            failed += 1
            print(f"not ok - {name}\n    | {detail}")

    for addr in (bao, strongbox):
        call(addr, token, "POST", "sys/mounts/cross-transit", {"type": "transit"})
    message = base64.b64encode(b"moved between servers").decode()
    for kind in TYPES:
        for src, dst in ((bao, strongbox), (strongbox, bao)):
            label = f"transit {kind}: {names[src]} -> {names[dst]}"
            name = f"{kind}-from-{names[src]}"
            settings = {"type": kind, "exportable": True, "allow_plaintext_backup": True}
            status, _ = call(src, token, "POST", f"cross-transit/keys/{name}", settings)
            backup = call(src, token, "GET", f"cross-transit/backup/{name}")[1]
            status, body = call(dst, token, "POST", f"cross-transit/restore/{name}", {"backup": backup["data"]["backup"]})
            check(f"{label}: restore", status == 204, f"{status} {body}")
            read_src = call(src, token, "GET", f"cross-transit/keys/{name}")[1]["data"]
            read_dst = call(dst, token, "GET", f"cross-transit/keys/{name}")[1]["data"]
            same = {k: read_src[k] == read_dst[k] for k in ("type", "latest_version", "exportable", "keys")}
            check(f"{label}: the restored key reads the same", all(same.values()), f"{same} {read_src} {read_dst}")
            if kind.startswith("aes"):
                continue
            for signer, verifier in ((src, dst), (dst, src)):
                status, signed = call(signer, token, "POST", f"cross-transit/sign/{name}", {"input": message})
                status, verified = call(verifier, token, "POST", f"cross-transit/verify/{name}",
                                        {"input": message, "signature": signed["data"]["signature"]})
                ok = status == 200 and verified["data"]["valid"] is True
                check(f"{label}: {names[signer]} signs, {names[verifier]} verifies", ok, f"{status} {verified}")
        if kind.startswith("rsa") or kind.startswith("aes"):
            name = f"{kind}-from-openbao"
            for sealer, opener in ((bao, strongbox), (strongbox, bao)):
                status, sealed = call(sealer, token, "POST", f"cross-transit/encrypt/{name}", {"plaintext": message})
                status, opened = call(opener, token, "POST", f"cross-transit/decrypt/{name}",
                                      {"ciphertext": sealed["data"]["ciphertext"]})
                ok = status == 200 and opened["data"]["plaintext"] == message
                check(f"transit {kind}: {names[sealer]} encrypts, {names[opener]} decrypts", ok, f"{status} {opened}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
