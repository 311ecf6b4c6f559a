"""Schemathesis check for scripts/openapi-check.sh: every error answer is in Vault's format.

An error is a JSON object with an `errors` list of strings, except Vault's 404s that carry a
response body (a KV v2 hint: the usual envelope with warnings), and 405/415 answers of the HTTP
layer, which are Vault's too.
"""

import pathlib
import re

import schemathesis

# Vault's own 500s, one message a line (escapes as written in JSON strings, `.*` for the echoed
# input); see the file.
_ALLOWED_500S = [
    re.compile(".*".join(re.escape(part) for part in line.encode().decode("unicode_escape").split(".*")), re.S)
    for line in (pathlib.Path(__file__).parent / "vault-500s.txt").read_text().splitlines()
    if line and not line.startswith("#")
]


@schemathesis.check
def only_vaults_own_server_errors(ctx, response, case):
    """A 5xx is a defect unless Vault answers the same request with the same 500."""
    if response.status_code < 500:
        return None
    try:
        errors = response.json().get("errors", [])
    except Exception:  # noqa: BLE001
        errors = []
    if errors and all(any(p.fullmatch(e) for p in _ALLOWED_500S) for e in errors):
        return None
    raise AssertionError(f"server error {response.status_code}: {response.text[:300]!r}")


@schemathesis.check
def vault_error_format(ctx, response, case):
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except Exception as e:  # noqa: BLE001 - any decode failure is the finding
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}") from e
    if not isinstance(body, dict):
        raise AssertionError(f"{response.status_code} body is not an object: {body!r}")
    errors = body.get("errors")
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return None
    if response.status_code == 404 and "warnings" in body and "data" in body:
        return None
    raise AssertionError(f"{response.status_code} is not in Vault's error format: {body!r}")
