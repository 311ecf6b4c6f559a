//! What ACL evaluation adds to a request: a token holding 100 policies of 20 paths each
//! (exact, prefix and `+` rules), checked on five paths. Target: under 10 µs per request.
//!
//! `cargo bench -p strongbox-actors --bench acl`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use serde_json::{json, Map, Value};
use strongbox_actors::policy_store::{Acl, AclOperation, Policy, PolicySet};

fn policies() -> Vec<Policy> {
    (0..100)
        .map(|p| {
            let mut text = String::new();
            for r in 0..20 {
                let rule = match r % 4 {
                    0 => format!("secret/team{p}/app{r}"),
                    1 => format!("secret/team{p}/dir{r}/*"),
                    2 => format!("kv/+/team{p}/svc{r}"),
                    _ => format!("auth/+/role{p}-{r}*"),
                };
                text.push_str(&format!("path \"{rule}\" {{\n  capabilities = [\"read\", \"update\"]\n}}\n"));
            }
            Policy::parse(format!("p{p}"), text).expect("benchmark policy parses")
        })
        .collect()
}

const PATHS: [&str; 5] = [
    "secret/team42/app4",
    "secret/team42/dir5/x/y",
    "kv/data/team7/svc6",
    "auth/approle/role99-19x",
    "nothing/matches/here",
];

fn body() -> Map<String, Value> {
    json!({"a": 1}).as_object().cloned().unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let policies = policies();
    let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
    let acl = Acl::new(&policies).expect("policies compile");
    let set = PolicySet::from_policies(policies);
    let body = body();

    // The request path: fetch the token's compiled ACL from the snapshot's cache, then check.
    c.bench_function("acl/request_100x20", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % PATHS.len();
            let acl = set.cached_acl(black_box(&names)).expect("cached");
            black_box(acl.allow(AclOperation::Update, PATHS[i], &body).allowed)
        })
    });
    c.bench_function("acl/check_100x20", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % PATHS.len();
            black_box(acl.allow(AclOperation::Read, black_box(PATHS[i]), &body).allowed)
        })
    });
    // A policy change publishes a new snapshot: the first request after it compiles the ACL.
    c.bench_function("acl/compile_100x20", |b| b.iter(|| Acl::new(black_box(&set_policies(&set, &names)))));
}

fn set_policies(set: &PolicySet, names: &[String]) -> Vec<Policy> {
    names.iter().filter_map(|n| set.get(n)).map(|p| (*p).clone()).collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
