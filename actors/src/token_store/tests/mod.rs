//! Unit tests of the token store over an unsealed in-memory barrier: one behaviour each.

mod lifecycle;
mod revocation;
mod storage;

use super::*;
use crate::barrier::Barrier;
use crate::test_support::unsealed_barrier;

const SYS: SysTtls = SysTtls { default_ttl: 768 * 3600, max_ttl: 768 * 3600 };

async fn store() -> (Arc<TokenStore>, Arc<Barrier>) {
    let barrier = unsealed_barrier().await;
    let store = Arc::new(TokenStore::new(barrier.clone(), Default::default()));
    store.load().await.unwrap();
    (store, barrier)
}

fn spec(parent: Option<&CreatedToken>, ttl: u64) -> NewToken {
    NewToken {
        policies: vec!["default".into()],
        path: "auth/token/create".into(),
        display_name: "token".into(),
        parent: parent.map(|p| p.entry.key().to_string()),
        ttl,
        renewable: true,
        ..Default::default()
    }
}

async fn mint(store: &TokenStore, parent: Option<&CreatedToken>) -> CreatedToken {
    store.create(spec(parent, 3600)).await.unwrap()
}

async fn alive(store: &TokenStore, t: &CreatedToken) -> bool {
    store.lookup(&t.id).await.unwrap().is_some()
}
