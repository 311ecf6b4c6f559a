"""hvac's raft calls (hvac.api.system_backend.raft) and the bao CLI's `operator raft
list-peers | snapshot save` against a real strongbox raft cluster.

hvac 2.4.0's own raft integration tests only run against Vault Enterprise, so this module
drives the same client methods itself, asserting what a user of hvac would see. It expects
a cluster started by scripts/dev-cluster.sh (scripts/hvac-raft.sh does that) and reads
STRONGBOX_CLUSTER_DIR, STRONGBOX_BASE_PORT and STRONGBOX_BIN. The tests run in file order:
each leaves the cluster with three unsealed voters for the next.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import hvac
import pytest
from hvac import exceptions

CLUSTER_DIR = Path(os.environ["STRONGBOX_CLUSTER_DIR"])
BASE_PORT = int(os.environ.get("STRONGBOX_BASE_PORT", "8200"))
INIT = json.loads((CLUSTER_DIR / "init.json").read_text())
TOKEN, KEY = INIT["root_token"], INIT["keys_base64"][0]
NODES = [1, 2, 3]
MOUNT = "raftkv"
STATE = {}  # what one test leaves for a later one


def api_port(i):
    return BASE_PORT + 10 * i


def addr(i):
    return f"http://127.0.0.1:{api_port(i)}"


def client(i):
    return hvac.Client(url=addr(i), token=TOKEN, timeout=10)


def wait_for(what, probe, timeout=30.0):
    """Poll probe() until it returns something truthy; errors count as 'not yet'."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            last = probe()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - any failure means "not yet"
            last = e
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def servers(i=None):
    """data.config.servers of read_raft_config, asked of node i (default: any live node)."""
    for n in [i] if i else NODES:
        try:
            return client(n).sys.read_raft_config()["data"]["config"]["servers"]
        except Exception:  # noqa: BLE001
            if i:
                raise
    raise AssertionError("no node answered read_raft_config")


def leader():
    """The node number of the raft leader (the active node)."""
    (s,) = [s for s in servers() if s["leader"]]
    return int(s["node_id"].removeprefix("node"))


def full_cluster():
    """Three voters node1..3 with one leader, as every node sees them."""
    want = sorted(f"node{i}" for i in NODES)
    for i in NODES:
        s = servers(i)
        if sorted(x["node_id"] for x in s) != want or not all(x["voter"] for x in s):
            return False
        if sum(x["leader"] for x in s) != 1:
            return False
    return True


def kv_read(path, node=None):
    """A kv v2 secret's data, read on node (default: the active node)."""
    kv = client(node or leader()).secrets.kv.v2
    return kv.read_secret_version(path, mount_point=MOUNT, raise_on_deleted_version=True)["data"]["data"]


def kv_write(path, value):
    client(leader()).secrets.kv.v2.create_or_update_secret(path, secret={"v": value}, mount_point=MOUNT)


@pytest.fixture(scope="module", autouse=True)
def kv_mount():
    wait_for("three voters", full_cluster)
    client(leader()).sys.enable_secrets_engine("kv", path=MOUNT, options={"version": "2"})


def test_read_raft_config():
    s = servers()
    assert len(s) == 3, s
    assert sorted(x["node_id"] for x in s) == ["node1", "node2", "node3"]
    assert sum(x["leader"] for x in s) == 1, s
    assert all(x["voter"] for x in s), s
    for x in s:
        i = int(x["node_id"].removeprefix("node"))
        assert x["address"] == f"127.0.0.1:{api_port(i) + 1}", x
    # A standby answers with the same membership.
    standby = next(i for i in NODES if i != leader())
    assert sorted((x["node_id"], x["leader"]) for x in servers(standby)) == sorted(
        (x["node_id"], x["leader"]) for x in s
    )


def test_remove_raft_node():
    lead = leader()
    gone = max(i for i in NODES if i != lead)
    STATE["removed"] = gone
    resp = client(lead).sys.remove_raft_node(f"node{gone}")
    assert resp.status_code == 204, resp.text
    STATE["right_after"] = sorted(x["node_id"] for x in servers(lead))

    def two_left():
        s = servers(lead)
        return len(s) == 2 and s

    left = wait_for("two servers", two_left)
    assert f"node{gone}" not in [x["node_id"] for x in left], left
    assert all(x["voter"] for x in left), left


def test_remove_raft_node_is_visible_at_once():
    gone = STATE["removed"]
    assert STATE["right_after"] == sorted(f"node{i}" for i in NODES if i != gone)


def test_wiped_node_joins_again():
    gone = STATE["removed"]
    node = CLUSTER_DIR / f"node{gone}"
    pid = int((node / "pid").read_text())
    os.kill(pid, signal.SIGTERM)

    def dead():
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"
        except FileNotFoundError:
            return True

    wait_for(f"node{gone} (pid {pid}) to exit", dead)
    data = node / "data"
    shutil.rmtree(data)
    data.mkdir()
    with open(node / "node.log", "ab") as log:
        proc = subprocess.Popen(
            [os.environ["STRONGBOX_BIN"], "server", f"-config={node / 'config.hcl'}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (node / "pid").write_text(f"{proc.pid}\n")
    fresh = client(gone)
    status = wait_for("the fresh node to listen", fresh.sys.read_seal_status)
    assert status["initialized"] is False and status["sealed"] is True, status

    joined = fresh.sys.join_raft_cluster(leader_api_addr=addr(leader()))
    assert joined["joined"] is True, joined  # Vault's body, {"joined": true}, not under "data"
    # As Vault, a joining node may still answer "sealed": the join completes in the background.
    fresh.sys.submit_unseal_key(KEY)
    wait_for("the fresh node to unseal", lambda: not fresh.sys.read_seal_status()["sealed"])
    wait_for("three voters again", full_cluster, timeout=60)
    kv_write("after-join", "x")
    wait_for("the rejoined node to serve", lambda: kv_read("after-join", gone) == {"v": "x"})


def test_take_and_restore_raft_snapshot():
    kv_write("snap", "old")
    resp = client(leader()).sys.take_raft_snapshot()
    assert resp.status_code == 200, resp.text
    snap = resp.content
    assert snap[:2] == b"\x1f\x8b", snap[:16]  # gzip
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(snap))) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert {"meta.json", "state.bin", "SHA256SUMS"} <= set(members), sorted(members)
    sums = dict(line.split()[::-1] for line in members["SHA256SUMS"].decode().splitlines())
    for name, digest in sums.items():
        assert hashlib.sha256(members[name]).hexdigest() == digest, name
    assert {"meta.json", "state.bin"} <= set(sums), sums
    STATE["snapshot"] = snap

    kv_write("snap", "new")
    assert kv_read("snap") == {"v": "new"}
    restored = client(leader()).sys.restore_raft_snapshot(snap)
    assert restored.status_code == 204, restored.text
    wait_for("the old value back", lambda: kv_read("snap") == {"v": "old"})
    wait_for("three voters after the restore", full_cluster)


def test_force_restore_raft_snapshot():
    kv_write("snap", "newer")
    resp = client(leader()).sys.force_restore_raft_snapshot(STATE["snapshot"])
    assert resp.status_code == 204, resp.text
    wait_for("the old value back", lambda: kv_read("snap") == {"v": "old"})
    wait_for("three voters after the forced restore", full_cluster)


@pytest.mark.parametrize("restore", ["restore_raft_snapshot", "force_restore_raft_snapshot"])
def test_restore_of_garbage_is_refused(restore):
    c = client(leader())
    # Vault answers 500 here (WriteSnapshotToTemp's error is returned as is).
    with pytest.raises(exceptions.InternalServerError) as err:
        getattr(c.sys, restore)(b"this is not a raft snapshot")
    assert err.value.errors and all(isinstance(e, str) and e for e in err.value.errors), err.value.errors
    # The cluster is untouched and keeps working.
    assert full_cluster()
    assert not any(client(i).sys.read_seal_status()["sealed"] for i in NODES)
    kv_write("after-garbage", restore)
    assert kv_read("after-garbage") == {"v": restore}


def test_bao_cli_against_the_cluster(tmp_path):
    """The bao CLI's raft commands, through a standby of the same 3-node cluster."""
    bao = Path(sys.executable).with_name("bao")
    standby = next(i for i in NODES if i != leader())
    env = {**os.environ, "BAO_ADDR": addr(standby), "BAO_TOKEN": TOKEN}

    def run(*args):
        out = subprocess.run([str(bao), *args], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out.stdout

    lines = run("operator", "raft", "list-peers").splitlines()
    assert lines[0].split() == ["Node", "Address", "State", "Voter"], lines
    rows = [line.split() for line in lines[2:]]
    assert sorted(r[0] for r in rows) == ["node1", "node2", "node3"], rows
    assert sum(r[2] == "leader" for r in rows) == 1 and all(r[3] == "true" for r in rows), rows

    snap = tmp_path / "bao.snap"
    run("operator", "raft", "snapshot", "save", str(snap))
    with tarfile.open(snap, "r:gz") as t:
        assert {"meta.json", "state.bin", "SHA256SUMS"} <= set(t.getnames())
