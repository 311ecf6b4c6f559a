//! The policy store actor: CRUD, protections, persistence and the published snapshot.

use crate::barrier::Barrier;
use crate::policy_store::{
    ClearPolicies, DeletePolicy, GetPolicy, ListPolicies, LoadPolicies, PolicySet, PolicyStore, PutPolicy,
    DEFAULT_POLICY,
};
use crate::test_support::unsealed_barrier;
use actix::prelude::*;
use arc_swap::ArcSwap;
use std::sync::Arc;

async fn store(barrier: Arc<Barrier>) -> (Addr<PolicyStore>, Arc<ArcSwap<PolicySet>>) {
    let published = Arc::new(ArcSwap::from_pointee(PolicySet::default()));
    let addr = PolicyStore::new(barrier, published.clone()).start();
    addr.send(LoadPolicies).await.unwrap().unwrap();
    (addr, published)
}

fn put(name: &str, raw: &str) -> PutPolicy {
    PutPolicy { name: name.into(), raw: raw.into() }
}

const TEXT: &str = "# kept as written\npath \"secret/*\" {\n  capabilities = [\"read\"]\n}\n";

#[actix_rt::test]
async fn first_load_creates_default_and_lists_it() {
    let (addr, published) = store(unsealed_barrier().await).await;
    assert_eq!(addr.send(ListPolicies).await.unwrap(), vec!["default".to_string()]);
    let default = addr.send(GetPolicy("default".into())).await.unwrap().unwrap().unwrap();
    assert_eq!(default.raw, DEFAULT_POLICY);
    assert!(published.load().get("response-wrapping").is_some());
    let root = published.load().get("root").unwrap();
    assert_eq!(root.raw, "");
}

#[actix_rt::test]
async fn put_get_delete_and_reload() {
    let barrier = unsealed_barrier().await;
    let (addr, published) = store(barrier.clone()).await;
    addr.send(put("Team-A", TEXT)).await.unwrap().unwrap();
    let got = addr.send(GetPolicy("team-a".into())).await.unwrap().unwrap().unwrap();
    assert_eq!(got.name, "team-a");
    assert_eq!(got.raw, TEXT);
    let acl = published.load().acl(&["team-a".into()]).unwrap();
    assert_eq!(acl.capabilities("secret/x"), vec!["read".to_string()]);
    assert_eq!(addr.send(ListPolicies).await.unwrap(), vec!["default".to_string(), "team-a".into()]);

    // A second actor over the same barrier loads what the first persisted.
    let (addr2, _) = store(barrier).await;
    let again = addr2.send(GetPolicy("TEAM-A".into())).await.unwrap().unwrap().unwrap();
    assert_eq!(again.raw, TEXT);

    addr.send(DeletePolicy("team-a".into())).await.unwrap().unwrap();
    assert!(addr.send(GetPolicy("team-a".into())).await.unwrap().unwrap().is_none());
    assert!(published.load().get("team-a").is_none());
    // Deleting what does not exist succeeds.
    addr.send(DeletePolicy("team-a".into())).await.unwrap().unwrap();
}

#[actix_rt::test]
async fn protections_and_bad_input() {
    let (addr, _) = store(unsealed_barrier().await).await;
    let root = addr.send(put("root", TEXT)).await.unwrap().unwrap_err();
    assert_eq!((root.status(), root.to_string()), (400, "cannot update \"root\" policy".to_string()));
    let root = addr.send(DeletePolicy("ROOT".into())).await.unwrap().unwrap_err();
    assert_eq!(root.to_string(), "cannot delete \"root\" policy");
    let default = addr.send(DeletePolicy("default".into())).await.unwrap().unwrap_err();
    assert_eq!((default.status(), default.to_string()), (400, "cannot delete default policy".to_string()));
    let rw = addr.send(put("response-wrapping", TEXT)).await.unwrap().unwrap_err();
    assert_eq!(rw.status(), 400);

    // `default` may be edited.
    addr.send(put("default", TEXT)).await.unwrap().unwrap();
    assert_eq!(addr.send(GetPolicy("default".into())).await.unwrap().unwrap().unwrap().raw, TEXT);

    let bad = addr.send(put("bad", "path \"x\" {\n  capabilities = [\"read\"\n")).await.unwrap().unwrap_err();
    assert_eq!(bad.status(), 400);
    assert!(bad.to_string().starts_with("failed to parse policy: At "), "{bad}");
    for name in ["a/b", "", "x\ny"] {
        let err = addr.send(put(name, TEXT)).await.unwrap().unwrap_err();
        assert_eq!(err.status(), 400, "{name:?}");
    }
    assert_eq!(addr.send(ListPolicies).await.unwrap(), vec!["default".to_string()]);
}

#[actix_rt::test]
async fn clear_forgets_everything() {
    let (addr, published) = store(unsealed_barrier().await).await;
    addr.send(ClearPolicies).await.unwrap();
    assert!(published.load().get("default").is_none());
    assert!(addr.send(ListPolicies).await.unwrap().is_empty());
}
