//! Use counts, expiry and renewal.

use super::*;

#[tokio::test]
async fn the_last_use_marks_the_token_for_revocation() {
    let (store, _) = store().await;
    let t = store.create(NewToken { num_uses: 2, ..spec(None, 600) }).await.unwrap();
    let first = store.use_token(&t.entry).await.unwrap().unwrap();
    assert_eq!(first.num_uses, 1);
    let last = store.use_token(&first).await.unwrap().unwrap();
    assert_eq!(last.num_uses, -1);
    assert!(store.lookup(&t.id).await.unwrap().is_none(), "no use left");
    assert_eq!(store.lookup_tainted(&t.id).await.unwrap().unwrap().num_uses, -1);
    assert!(store.use_token(&last).await.unwrap().is_none());
}

#[tokio::test]
async fn concurrent_requests_cannot_share_the_last_use() {
    let (store, _) = store().await;
    for _ in 0..20 {
        let t = store.create(NewToken { num_uses: 1, ..spec(None, 600) }).await.unwrap();
        let (a, b) = tokio::join!(store.use_token(&t.entry), store.use_token(&t.entry));
        let passed = [a.unwrap(), b.unwrap()].iter().filter(|r| r.is_some()).count();
        assert_eq!(passed, 1);
    }
}

#[tokio::test]
async fn unlimited_tokens_are_not_written_on_use() {
    let (store, _) = store().await;
    let t = mint(&store, None).await;
    let used = store.use_token(&t.entry).await.unwrap().unwrap();
    assert!(Arc::ptr_eq(&used, &t.entry));
}

#[tokio::test]
async fn an_expired_token_is_refused_and_removed_with_its_children() {
    let (store, _) = store().await;
    let parent = store.create(spec(None, 60)).await.unwrap();
    let child = store.create(spec(Some(&parent), 3600)).await.unwrap();
    store.advance_clock(61);
    assert!(!alive(&store, &child).await, "a child dies with its expired parent");
    assert!(!alive(&store, &parent).await);
    assert!(store.load_key(parent.entry.key()).await.unwrap().is_none(), "removed lazily");
    assert!(store.load_key(child.entry.key()).await.unwrap().is_none());
    assert!(store.lookup_accessor(&child.entry.accessor).await.unwrap().is_none());
}

#[tokio::test]
async fn root_tokens_without_ttl_never_expire() {
    let (store, _) = store().await;
    let root = store.create_root(None).await.unwrap();
    store.advance_clock(10 * 365 * 86400);
    assert!(store.lookup(&root).await.unwrap().is_some());
}

#[tokio::test]
async fn batch_tokens_expire_and_die_with_their_parent() {
    let (store, _) = store().await;
    let parent = mint(&store, None).await;
    let batch = store.create(NewToken { token_type: TokenType::Batch, ..spec(Some(&parent), 600) }).await.unwrap();
    let orphan = store.create(NewToken { token_type: TokenType::Batch, ..spec(None, 600) }).await.unwrap();
    assert!(alive(&store, &batch).await);
    store.revoke_tree(parent.entry.key()).await.unwrap();
    assert!(!alive(&store, &batch).await, "parent revoked");
    assert!(alive(&store, &orphan).await);
    store.advance_clock(601);
    assert!(!alive(&store, &orphan).await, "expired");
}

#[tokio::test]
async fn renew_extends_from_now_and_reuses_the_last_ttl() {
    let (store, _) = store().await;
    let t = store.create(spec(None, 600)).await.unwrap();
    store.advance_clock(300);
    let r = store.renew(t.entry.key(), 0, SYS, None).await.unwrap();
    assert_eq!((r.ttl, r.warnings.len()), (600, 0));
    assert_eq!(r.entry.remaining_ttl(store.now()), 599);
    assert!(r.entry.last_renewal_time.is_some());
    let r = store.renew(t.entry.key(), 7200, SYS, None).await.unwrap();
    assert_eq!(r.ttl, 7200);
    assert_eq!(store.renew(t.entry.key(), 0, SYS, None).await.unwrap().ttl, 7200, "last granted TTL");
}

#[tokio::test]
async fn renew_is_capped_by_explicit_max_ttl_with_vaults_warning() {
    let (store, _) = store().await;
    let t = store.create(NewToken { explicit_max_ttl: 7200, ..spec(None, 3600) }).await.unwrap();
    let r = store.renew(t.entry.key(), 3 * 3600, SYS, None).await.unwrap();
    assert_eq!(r.ttl, 7200);
    assert_eq!(
        r.warnings,
        vec!["TTL of \"3h\" exceeded the effective max_ttl of \"2h\"; TTL value is capped accordingly"]
    );
}

#[tokio::test]
async fn periodic_tokens_renew_to_their_period() {
    let (store, _) = store().await;
    let t = store.create(NewToken { period: 1800, ..spec(None, 1800) }).await.unwrap();
    store.advance_clock(40 * 86400);
    let r = store.renew(t.entry.key(), 7200, SYS, None).await;
    assert!(r.is_err(), "expired before renewal");
    let t = store.create(NewToken { period: 1800, ..spec(None, 1800) }).await.unwrap();
    for _ in 0..3 {
        store.advance_clock(1000);
        assert_eq!(store.renew(t.entry.key(), 7200, SYS, None).await.unwrap().ttl, 1800);
    }
}

#[tokio::test]
async fn non_renewable_and_root_tokens_refuse_renewal() {
    let (store, _) = store().await;
    let t = store.create(NewToken { renewable: false, ..spec(None, 600) }).await.unwrap();
    assert_eq!(store.renew(t.entry.key(), 0, SYS, None).await.unwrap_err().to_string(), "lease is not renewable");
    let root = store.create_root(None).await.unwrap();
    let key = store.hash(&root).unwrap();
    assert_eq!(store.renew(&key, 0, SYS, None).await.unwrap_err().to_string(), "lease is not renewable");
}

#[tokio::test]
async fn role_tokens_renew_with_the_roles_current_period() {
    let (store, _) = store().await;
    store.put_role(&Role { name: "p".into(), token_period: 600, ..Default::default() }).await.unwrap();
    let t = store.create(NewToken { role: "p".into(), period: 600, ..spec(None, 600) }).await.unwrap();
    store.put_role(&Role { name: "p".into(), token_period: 900, ..Default::default() }).await.unwrap();
    assert_eq!(store.renew(t.entry.key(), 0, SYS, None).await.unwrap().ttl, 900);
    store.delete_role("p").await.unwrap();
    let err = store.renew(t.entry.key(), 0, SYS, None).await.unwrap_err();
    assert_eq!(err.to_string(), "original token role \"p\" could not be found, not renewing");
}
