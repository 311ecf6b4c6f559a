use super::*;
use crate::test_support::NoopLifecycle;
use strongbox_storage::InmemBackend;

fn keeper() -> (Addr<SealKeeper>, Arc<Barrier>, Arc<ArcSwap<SealStatus>>) {
    let barrier = Barrier::new(Arc::new(InmemBackend::new()));
    let status = Arc::new(ArcSwap::from_pointee(SealStatus::uninitialized("inmem")));
    let addr = SealKeeper::new(barrier.clone(), Arc::new(NoopLifecycle), status.clone(), "inmem").start();
    (addr, barrier, status)
}

fn key(k: &Zeroizing<Vec<u8>>) -> SubmitUnsealKey {
    SubmitUnsealKey { key: Some(k.clone()), reset: false }
}

#[actix_rt::test]
async fn init_then_unseal_with_threshold_and_seal_again() {
    let (addr, barrier, status) = keeper();
    addr.send(LoadSealConfig).await.unwrap().unwrap();
    assert!(!status.load().initialized);
    let unseal_early = addr.send(key(&Zeroizing::new(vec![1; 33]))).await.unwrap();
    assert_eq!(unseal_early.unwrap_err().to_string(), "Vault is not initialized");

    let init = addr
        .send(Init {
            secret_shares: 5,
            secret_threshold: 3,
            root_token_id: None,
            pgp_keys: vec![],
            root_token_pgp_key: String::new(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(init.keys.len(), 5);
    assert!(barrier.is_sealed());
    let again = addr
        .send(Init {
            secret_shares: 1,
            secret_threshold: 1,
            root_token_id: None,
            pgp_keys: vec![],
            root_token_pgp_key: String::new(),
        })
        .await
        .unwrap();
    assert!(matches!(again, Err(CoreError::AlreadyInitialized)));

    let s = addr.send(key(&init.keys[0])).await.unwrap().unwrap();
    assert_eq!((s.sealed, s.progress, s.t, s.n), (true, 1, 3, 5));
    assert!(!s.nonce.is_empty());
    // The same part twice does not count.
    let s = addr.send(key(&init.keys[0])).await.unwrap().unwrap();
    assert_eq!(s.progress, 1);
    let s = addr.send(SubmitUnsealKey { key: None, reset: true }).await.unwrap().unwrap();
    assert_eq!((s.progress, s.nonce.as_str()), (0, ""));
    addr.send(key(&init.keys[3])).await.unwrap().unwrap();
    addr.send(key(&init.keys[1])).await.unwrap().unwrap();
    let s = addr.send(key(&init.keys[4])).await.unwrap().unwrap();
    assert!(!s.sealed);
    assert!(s.cluster_name.unwrap().starts_with("vault-cluster-"));
    assert!(!barrier.is_sealed());
    assert!(!status.load().sealed);

    addr.send(Seal).await.unwrap().unwrap();
    assert!(barrier.is_sealed());
    assert!(status.load().sealed);
}

#[actix_rt::test]
async fn wrong_parts_are_refused_and_progress_resets() {
    let (addr, barrier, _) = keeper();
    addr.send(Init {
        secret_shares: 3,
        secret_threshold: 2,
        root_token_id: None,
        pgp_keys: vec![],
        root_token_pgp_key: String::new(),
    })
    .await
    .unwrap()
    .unwrap();
    let bogus = Zeroizing::new(vec![7u8; 33]);
    let other = Zeroizing::new(vec![8u8; 33]);
    addr.send(key(&bogus)).await.unwrap().unwrap();
    let err = addr.send(key(&other)).await.unwrap().unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("message authentication failed"));
    assert!(barrier.is_sealed());
    let short = addr.send(key(&Zeroizing::new(vec![1u8; 4]))).await.unwrap().unwrap_err();
    assert_eq!(short.to_string(), "invalid key: key is shorter than minimum 16 bytes");
}

#[actix_rt::test]
async fn invalid_configs_are_refused() {
    let (addr, _, _) = keeper();
    for (n, t, msg) in [
        (5, 6, "threshold cannot be larger than shares"),
        (5, 0, "threshold must be at least one"),
        (3, 1, "threshold must be greater than one for multiple shares"),
    ] {
        let err = addr
            .send(Init {
                secret_shares: n,
                secret_threshold: t,
                root_token_id: None,
                pgp_keys: vec![],
                root_token_pgp_key: String::new(),
            })
            .await
            .unwrap();
        assert_eq!(err.unwrap_err().to_string(), format!("invalid seal configuration: {msg}"));
    }
}
