//! Revoking trees and orphans, tidy, and cache coherence.

use super::*;

#[tokio::test]
async fn revoking_a_parent_revokes_the_whole_subtree() {
    let (store, _) = store().await;
    let parent = mint(&store, None).await;
    let child = mint(&store, Some(&parent)).await;
    let grandchild = mint(&store, Some(&child)).await;
    let sibling = mint(&store, None).await;
    assert_eq!(store.children(parent.entry.key()).await.unwrap(), vec![child.entry.key().to_string()]);
    store.revoke_tree(parent.entry.key()).await.unwrap();
    for t in [&parent, &child, &grandchild] {
        assert!(!alive(&store, t).await);
        assert!(store.lookup_accessor(&t.entry.accessor).await.unwrap().is_none());
    }
    assert!(alive(&store, &sibling).await);
    assert!(store.children(parent.entry.key()).await.unwrap().is_empty());
    assert!(store.view.list(PARENT_PREFIX).await.unwrap().is_empty(), "no index left");
}

#[tokio::test]
async fn a_deep_chain_is_revoked_without_recursion() {
    let (store, _) = store().await;
    let root = mint(&store, None).await;
    let mut last = root.clone();
    for _ in 0..300 {
        last = mint(&store, Some(&last)).await;
    }
    assert!(alive(&store, &last).await);
    store.revoke_tree(root.entry.key()).await.unwrap();
    assert!(!alive(&store, &last).await);
    assert!(store.view.list(ID_PREFIX).await.unwrap().is_empty());
}

#[tokio::test]
async fn revoke_orphan_keeps_the_children_as_orphans() {
    let (store, barrier) = store().await;
    let parent = mint(&store, None).await;
    let child = mint(&store, Some(&parent)).await;
    let grandchild = mint(&store, Some(&child)).await;
    store.revoke_orphan(parent.entry.key()).await.unwrap();
    assert!(!alive(&store, &parent).await);
    let c = store.lookup(&child.id).await.unwrap().unwrap();
    assert!(c.orphan && c.parent.is_none());
    assert!(alive(&store, &grandchild).await, "grandchildren keep their parent");
    let fresh = TokenStore::new(barrier, Default::default());
    fresh.load().await.unwrap();
    assert!(fresh.lookup(&child.id).await.unwrap().unwrap().orphan, "orphaning was persisted");
}

#[tokio::test]
async fn a_revoked_token_leaves_the_cache() {
    let (store, _) = store().await;
    let t = mint(&store, None).await;
    assert!(alive(&store, &t).await);
    store.revoke_tree(t.entry.key()).await.unwrap();
    assert!(!alive(&store, &t).await);
}

#[tokio::test]
async fn tidy_removes_dangling_indexes_and_expired_tokens() {
    let (store, _) = store().await;
    let keep = mint(&store, None).await;
    let expiring = store.create(spec(None, 60)).await.unwrap();
    let parent = mint(&store, None).await;
    let child = mint(&store, Some(&parent)).await;
    // Simulate interrupted work: a child index entry and an accessor entry without a token.
    store.view.delete(&id_key(child.entry.key())).await.unwrap();
    store.cache_remove(child.entry.key());
    store.advance_clock(61);
    let report = store.tidy().await.unwrap();
    assert_eq!(report.tokens_revoked, 1);
    assert_eq!(report.parent_entries_deleted, 1);
    assert_eq!(report.accessors_deleted, 1);
    assert!(alive(&store, &keep).await && alive(&store, &parent).await);
    assert!(store.load_key(expiring.entry.key()).await.unwrap().is_none());
    assert_eq!(store.tidy().await.unwrap().accessors_deleted, 0, "nothing left to do");
}

#[tokio::test]
async fn tidy_revokes_tokens_whose_parent_vanished() {
    let (store, _) = store().await;
    let parent = mint(&store, None).await;
    let child = mint(&store, Some(&parent)).await;
    store.view.delete(&id_key(parent.entry.key())).await.unwrap();
    store.cache_remove(parent.entry.key());
    assert!(!alive(&store, &child).await, "no parent: refused");
    store.tidy().await.unwrap();
    assert!(store.load_key(child.entry.key()).await.unwrap().is_none());
}

#[tokio::test]
async fn revocation_destroys_the_cubbyhole() {
    let (store, barrier) = super::store().await;
    let created = super::mint(&store, None).await;
    let key = created.entry.key().to_string();
    let cubby = crate::barrier::BarrierView::new(barrier.clone(), crate::wrapping::CUBBYHOLE_VIEW);
    cubby.put(&format!("{key}/a/b"), b"{}").await.unwrap();
    cubby.put("other/x", b"{}").await.unwrap();
    store.revoke_tree(&key).await.unwrap();
    assert_eq!(cubby.list_recursive("").await.unwrap(), vec!["other/x".to_string()]);
}
