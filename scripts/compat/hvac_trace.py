"""pytest plugin: record every HTTP exchange the hvac tests make, one JSON line each.

Enabled by scripts/hvac-compat.sh when HVAC_TRACE=<file> is set (it adds
scripts/compat to PYTHONPATH and passes `-p hvac_trace`). Each line:
  {"test": nodeid, "method", "path", "params", "body", "status", "content_type", "response"}
"path" drops scheme/host/port so traces from different servers can be diffed
(e.g. strongbox vs. `bao server`). Traffic of setUpClass (server start, init,
unseal) is attributed to the first test of the class.
"""

import json
import os
from urllib.parse import urlsplit

import requests

_TRACE_PATH = os.environ.get("HVAC_TRACE")
_state = {"test": None}
_original_request = requests.Session.request


def _write(record):
    with open(_TRACE_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")


def _traced_request(self, method, url, *args, **kwargs):
    parts = urlsplit(url)
    record = {
        "test": _state["test"],
        "method": str(method).upper(),
        "path": parts.path + (("?" + parts.query) if parts.query else ""),
        "params": kwargs.get("params") or None,
        "body": kwargs.get("json", kwargs.get("data")),
    }
    try:
        response = _original_request(self, method, url, *args, **kwargs)
    except Exception as exc:  # connection refused while the server starts, etc.
        record["error"] = f"{type(exc).__name__}: {exc}"[:300]
        _write(record)
        raise
    record["status"] = response.status_code
    record["content_type"] = response.headers.get("Content-Type")
    try:
        record["response"] = response.json() if response.content else None
    except ValueError:
        record["response"] = response.text[:2000]
    _write(record)
    return response


def pytest_configure(config):
    if _TRACE_PATH:
        requests.Session.request = _traced_request


def pytest_runtest_logstart(nodeid, location):
    _state["test"] = nodeid
