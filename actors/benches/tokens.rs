//! What the token store itself costs, without HTTP: minting a service token (HMAC of ID and
//! accessor, three encrypted entries in one storage batch) against minting a batch token (one
//! AES-GCM seal, no storage), and looking a token up through the cache.
//!
//! `cargo bench -p strongbox-actors --bench tokens`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::sync::Arc;
use strongbox_actors::barrier::{random_key, Barrier};
use strongbox_actors::token_store::{NewToken, TokenStore, TokenType};
use strongbox_storage::InmemBackend;
use tokio::runtime::Runtime;

fn spec(token_type: TokenType) -> NewToken {
    NewToken {
        policies: vec!["default".into()],
        path: "auth/token/create".into(),
        display_name: "token".into(),
        ttl: 3600,
        renewable: token_type == TokenType::Service,
        token_type,
        ..Default::default()
    }
}

async fn store() -> Arc<TokenStore> {
    let barrier = Barrier::new(Arc::new(InmemBackend::new()));
    let root = random_key();
    barrier.initialize(root.clone()).await.expect("initialize");
    barrier.unlock(&root).await.expect("unlock");
    let store = Arc::new(TokenStore::new(barrier, Default::default()));
    store.load().await.expect("load");
    store
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let store = rt.block_on(store());
    c.bench_function("tokens/create_service", |b| {
        b.iter(|| rt.block_on(store.create(spec(TokenType::Service))).expect("create"))
    });
    c.bench_function("tokens/create_batch", |b| {
        b.iter(|| rt.block_on(store.create(spec(TokenType::Batch))).expect("create"))
    });
    let service = rt.block_on(store.create(spec(TokenType::Service))).expect("create").id;
    let batch = rt.block_on(store.create(spec(TokenType::Batch))).expect("create").id;
    c.bench_function("tokens/lookup_service", |b| {
        b.iter(|| rt.block_on(store.lookup(black_box(&service))).expect("lookup"))
    });
    c.bench_function("tokens/lookup_batch", |b| {
        b.iter(|| rt.block_on(store.lookup(black_box(&batch))).expect("lookup"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
