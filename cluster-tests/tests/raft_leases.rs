//! Lease expiry across a `kill -9` of the active node of a 3-node raft cluster: tokens with a
//! short TTL, created through the active node just before it dies, are revoked by the node
//! that takes over, close to their deadline (not before it, nor much after it), and a token
//! with a long TTL keeps working. The new active node knows every lease (`sys/leases/*`).

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::{Client, Cluster};

/// How late a revocation may be seen after its deadline: the timer itself fires on time, then
/// the revocation is a few raft writes on a loaded two-core machine, plus the polling period.
const SLACK: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(200);
/// Short TTLs, long enough that a failover normally ends before the first one is due.
const SHORT_TTLS: [u64; 2] = [12, 16];

struct Token {
    token: String,
    accessor: String,
    ttl: Duration,
    /// Before the create request was sent, and after its response came back: the lease's
    /// deadline lies between `sent + ttl` and `acked + ttl`.
    sent: Instant,
    acked: Instant,
}

fn must_create(c: &Client, ttl: u64) -> Token {
    let sent = Instant::now();
    let body = json!({ "ttl": format!("{ttl}s"), "policies": ["default"] });
    let r = c.must_status(200, "POST", "auth/token/create", Some(&body));
    let acked = Instant::now();
    let field = |k: &str| r.json["auth"][k].as_str().unwrap_or_else(|| panic!("no {k} in {}", r.text)).to_string();
    Token { token: field("client_token"), accessor: field("accessor"), ttl: Duration::from_secs(ttl), sent, acked }
}

/// Whether the accessor is still listed. `LIST auth/token/accessors` reads the accessor index
/// without checking expiry, so a token leaves it only when the expiration manager revokes it
/// (a lookup of an expired token would revoke it on the spot and hide a late timer).
fn is_listed(c: &Client, accessor: &str) -> Result<bool, String> {
    let r = c.try_request("LIST", "auth/token/accessors", None)?;
    if r.status != 200 {
        return Err(format!("LIST auth/token/accessors: {} {}", r.status, r.text));
    }
    Ok(r.json["data"]["keys"].as_array().is_some_and(|k| k.iter().any(|a| a == accessor)))
}

/// Every token lease ID the node lists under `auth/token/create/`.
fn token_lease_ids(c: &Client) -> Vec<String> {
    c.must_lease_ids("auth/token/create/")
}

fn lease_lookup(c: &Client, lease: &str) -> Value {
    c.must_status(200, "PUT", "sys/leases/lookup", Some(&json!({ "lease_id": lease }))).json["data"].clone()
}

#[test]
fn short_token_leases_expire_on_time_across_a_kill_of_the_active_node() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let old = c.client(leader);

    let long = must_create(&old, 3600);
    let short: Vec<Token> = SHORT_TTLS.iter().map(|ttl| must_create(&old, *ttl)).collect();
    let leases_before = token_lease_ids(&old);
    assert_eq!(leases_before.len(), 3, "one lease per token (the root token has none): {leases_before:?}");

    c.nodes[leader].note("test: kill -9 of the active node right after creating the tokens");
    let killed_at = Instant::now();
    c.nodes[leader].kill();
    let others: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (new_leader, _) = c.must_wait_leader_among(&others);
    let active_at = Instant::now();
    let failover = active_at - killed_at;
    println!("a new active node (node {new_leader}) after {failover:?}");
    assert!(failover < ELECTION_DEADLINE, "failover took {failover:?}");
    let new = c.client(new_leader);

    // The new active node knows every lease, with the expiry the old one gave it.
    let mut leases_after = token_lease_ids(&new);
    leases_after.sort();
    let mut expected = leases_before.clone();
    expected.sort();
    assert_eq!(leases_after, expected, "the leases on the new active node");
    for lease in &leases_after {
        let data = lease_lookup(&new, lease);
        assert_eq!(data["id"], json!(lease), "{data}");
        assert!(data["expire_time"].is_string(), "a token lease has an expiry: {data}");
    }
    // The long-lived token works through the new active node and through the other standby.
    let other = *others.iter().find(|i| **i != new_leader).unwrap();
    for i in [new_leader, other] {
        let r = c.nodes[i].client().with_token(&long.token).must_status(200, "GET", "auth/token/lookup-self", None);
        assert_eq!(r.json["data"]["accessor"], json!(long.accessor), "{}", r.text);
    }

    // Each short token: listed until its deadline, gone within SLACK of it (or of the
    // failover, if the deadline passed while no node was active).
    let mut pending: Vec<(&Token, Option<Instant>)> = short.iter().map(|t| (t, None)).collect();
    let give_up = Instant::now() + Duration::from_secs(*SHORT_TTLS.iter().max().unwrap()) + SLACK * 3;
    while pending.iter().any(|(_, gone)| gone.is_none()) {
        assert!(Instant::now() < give_up, "short tokens never revoked");
        for (t, gone) in pending.iter_mut().filter(|(_, gone)| gone.is_none()) {
            let before_probe = Instant::now();
            match is_listed(&new, &t.accessor) {
                Ok(true) => {
                    let latest = (t.acked + t.ttl).max(active_at) + SLACK;
                    assert!(
                        before_probe < latest,
                        "token with ttl {:?} still not revoked {:?} after its deadline (failover {failover:?})",
                        t.ttl,
                        before_probe - (t.acked + t.ttl)
                    );
                }
                Ok(false) => *gone = Some(Instant::now()),
                Err(e) => panic!("probing the new active node: {e}"),
            }
        }
        std::thread::sleep(POLL);
    }
    for (t, gone) in &pending {
        let gone = gone.unwrap();
        assert!(gone >= t.sent + t.ttl, "token with ttl {:?} revoked {:?} early", t.ttl, (t.sent + t.ttl) - gone);
        println!("token with ttl {:?}: seen revoked {:?} after its deadline", t.ttl, gone - (t.acked + t.ttl));
        // What its holder sees, on either node.
        for i in [new_leader, other] {
            let r = c.nodes[i].client().with_token(&t.token).must_request("GET", "auth/token/lookup-self", None);
            assert_eq!(r.status, 403, "revoked token on node {i}: {}", r.text);
        }
    }

    // The long-lived token and its lease are still there; the short ones' leases are gone.
    for i in [new_leader, other] {
        c.nodes[i].client().with_token(&long.token).must_status(200, "GET", "auth/token/lookup-self", None);
    }
    let remaining = token_lease_ids(&new);
    assert_eq!(remaining.len(), 1, "only the long token's lease is left: {remaining:?}");
    let ttl = lease_lookup(&new, &remaining[0])["ttl"].as_u64().unwrap_or(0);
    assert!(ttl > 3000, "the long lease keeps its TTL: {ttl}");

    // The killed node comes back as a standby and serves the same view.
    c.nodes[leader].restart();
    c.must_unseal(leader);
    let back = c.nodes[leader].client();
    back.with_token(&long.token).must_status(200, "GET", "auth/token/lookup-self", None);
    for t in &short {
        let r = back.with_token(&t.token).must_request("GET", "auth/token/lookup-self", None);
        assert_eq!(r.status, 403, "revoked token on the restarted node: {}", r.text);
    }
}
