//! What reaches storage: hashes only, batch tokens nothing, and a salt that survives restarts.

use super::*;
use crate::barrier::BarrierView;

/// Every key and every decrypted value of the token store's view.
async fn dump(barrier: &Arc<Barrier>) -> Vec<(String, Vec<u8>)> {
    let view = BarrierView::new(barrier.clone(), "sys/");
    let mut out = Vec::new();
    for key in view.list_recursive("").await.unwrap() {
        let value = view.get(&key).await.unwrap().unwrap_or_default();
        out.push((key, value));
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_token_id_is_stored_and_no_accessor_is_a_key() {
    let (store, barrier) = store().await;
    let root = store.create_root(None).await.unwrap();
    let parent = mint(&store, None).await;
    let child = mint(&store, Some(&parent)).await;
    store.put_role(&Role { name: "r".into(), ..Default::default() }).await.unwrap();
    for (key, value) in dump(&barrier).await {
        for t in [&root, &parent.id, &child.id] {
            assert!(!key.contains(t.as_str()) && !contains(&value, t), "token ID stored at {key}");
        }
        for a in [&parent.entry.accessor, &child.entry.accessor] {
            assert!(!key.contains(a.as_str()), "accessor in key {key}");
        }
    }
}

#[tokio::test]
async fn service_tokens_have_the_hvs_prefix_and_an_accessor_index() {
    let (store, _) = store().await;
    let t = mint(&store, None).await;
    assert!(t.id.starts_with("hvs.") && t.id.len() == 28);
    assert_eq!(t.entry.accessor.len(), 24);
    let index = store.lookup_accessor(&t.entry.accessor).await.unwrap().unwrap();
    assert_eq!(index.token_key, t.entry.key());
    assert_eq!(store.list_accessors().await.unwrap(), vec![t.entry.accessor.clone()]);
    assert!(store.lookup_accessor("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn batch_tokens_write_nothing() {
    let (store, barrier) = store().await;
    let parent = mint(&store, None).await;
    let before = dump(&barrier).await.len();
    let batch = store.create(NewToken { token_type: TokenType::Batch, ..spec(Some(&parent), 600) }).await.unwrap();
    assert!(batch.id.starts_with("hvb."));
    assert_eq!(dump(&barrier).await.len(), before);
    let entry = store.lookup(&batch.id).await.unwrap().unwrap();
    assert!(entry.is_batch() && entry.accessor.is_empty() && !entry.orphan);
}

#[tokio::test]
async fn a_fresh_store_finds_tokens_through_the_stored_salt() {
    let (store, barrier) = store().await;
    let t = mint(&store, None).await;
    let batch = store.create(NewToken { token_type: TokenType::Batch, ..spec(None, 600) }).await.unwrap();
    let again = TokenStore::new(barrier, Default::default());
    again.load().await.unwrap();
    assert!(again.lookup(&t.id).await.unwrap().is_some());
    assert!(again.lookup(&batch.id).await.unwrap().is_some(), "batch key persisted");
    assert!(again.lookup("").await.unwrap().is_none());
}

#[tokio::test]
async fn custom_ids_cannot_collide_and_parents_must_exist() {
    let (store, _) = store().await;
    let custom = NewToken { id: Some("my-token".into()), ..spec(None, 60) };
    store.create(custom.clone()).await.unwrap();
    let err = store.create(custom).await.unwrap_err();
    assert_eq!(err.to_string(), "cannot create a token with a duplicate ID");
    let orphaned = NewToken { parent: Some("00".repeat(32)), ..spec(None, 60) };
    assert_eq!(store.create(orphaned).await.unwrap_err().to_string(), "parent token not found");
}

#[tokio::test]
async fn sealed_store_refuses_lookups() {
    let (store, _) = store().await;
    let t = mint(&store, None).await;
    store.clear();
    assert!(matches!(store.lookup(&t.id).await, Err(CoreError::Sealed)));
}

#[tokio::test]
async fn roles_crud() {
    let (store, _) = store().await;
    assert!(store.list_roles().await.unwrap().is_empty());
    let role = Role { name: "ops".into(), allowed_policies: vec!["a".into()], renewable: true, ..Default::default() };
    store.put_role(&role).await.unwrap();
    assert_eq!(store.role("ops").await.unwrap(), Some(role));
    assert_eq!(store.list_roles().await.unwrap(), vec!["ops"]);
    store.delete_role("ops").await.unwrap();
    assert!(store.role("ops").await.unwrap().is_none());
}
