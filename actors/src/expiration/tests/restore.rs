//! Restoring leases when a node becomes active: everything stored comes back on schedule, a
//! request can load a lease before the restore reaches it, and stopping drops the timers.

use super::*;

#[actix_rt::test]
async fn leases_come_back_after_a_restart_and_keep_expiring() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let t = f.token(100).await;
    let secret = f.issue(&f.root, "creds/a", 200).await;
    f.exp.stop();
    assert_eq!(f.exp.counts(), (0, 0), "a stopped node keeps no timers");

    // The same storage, a new manager (a restart, or another node taking over).
    let g = Fixture::over(f.barrier.clone(), f.router.clone(), f.engine.clone()).await;
    let report = g.activate().await;
    assert_eq!((report.found, report.failed), (4, 0), "two roots, a token and a secret: {report:?}");
    assert_eq!(g.exp.counts().0, 2, "the root tokens' leases have no timer");
    assert!(!g.exp.is_restoring());

    g.exp.advance_clock(150);
    wait_for("the token's revocation", || async { g.tokens.load_key(t.entry.key()).await.unwrap().is_none() }).await;
    assert!(f.engine.revoked().is_empty());
    g.exp.advance_clock(100);
    wait_for("the secret's revocation", || async { f.engine.revoked() == vec![secret.lease_id.clone()] }).await;
}

#[actix_rt::test]
async fn a_request_schedules_a_lease_the_restore_has_not_reached() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let lease = f.issue(&f.root, "creds/a", 100).await;
    f.exp.stop();
    let generation = f.exp.activate();
    assert!(f.exp.is_restoring() && !f.exp.is_known(&lease.lease_id));
    tokio::spawn(f.exp.clone().run_timers(generation));
    assert!(f.exp.lookup(&lease.lease_id).await.unwrap().is_some());
    assert!(f.exp.is_known(&lease.lease_id), "looking it up scheduled it");
    f.exp.advance_clock(101);
    wait_for("the expiry without a restore", || async { f.engine.revoked().len() == 1 }).await;
    let report = f.exp.clone().restore(generation).await.unwrap();
    assert_eq!(report.loaded, 1, "only the root token's lease was left to load: {report:?}");
}

/// 100,000 stored leases: activation answers at once, the restore runs beside requests and
/// every lease ends up scheduled. Timings are printed, not asserted.
#[actix_rt::test]
async fn a_hundred_thousand_leases_restore_in_the_background() {
    const N: usize = 100_000;
    let f = Fixture::new(0).await;
    let t0 = Instant::now();
    let now = f.exp.now();
    let mut writes = Vec::with_capacity(N);
    for i in 0..N {
        let le = LeaseEntry {
            lease_id: format!("dyn/creds/lease-{i:06}"),
            token_key: f.root.entry.key().to_string(),
            token_type: Default::default(),
            index_key: String::new(),
            path: "dyn/creds".into(),
            data: None,
            secret: Some(Secret { renewable: true, ttl: 3600, ..Default::default() }),
            auth: None,
            issue_time: now,
            expire_time: Some(now + chrono::Duration::seconds(3600 + (i % 600) as i64)),
            last_renewal_time: None,
            bound: None,
            version: 1,
            revoke_err: String::new(),
        };
        writes.push((format!("id/{}", le.lease_id), Some(serde_json::to_vec(&le).unwrap())));
    }
    for chunk in writes.chunks(4096) {
        f.exp.view.batch(chunk.to_vec()).await.unwrap();
    }
    eprintln!("wrote {N} leases in {:?}", t0.elapsed());

    let g = Fixture::over(f.barrier.clone(), f.router.clone(), f.engine.clone()).await;
    let t1 = Instant::now();
    let generation = g.exp.activate();
    tokio::spawn(g.exp.clone().run_timers(generation));
    let restore = tokio::spawn(g.exp.clone().restore(generation));
    let activated = t1.elapsed();
    // The node answers while the restore runs.
    let probe = g.exp.lookup("dyn/creds/lease-099999").await.unwrap();
    let first_answer = t1.elapsed();
    assert!(probe.is_some());
    let report = restore.await.unwrap().unwrap();
    let restored = t1.elapsed();
    eprintln!(
        "100k restore: activation {activated:?}, first lookup answered after {first_answer:?}, all scheduled after {restored:?} ({report:?})"
    );
    assert_eq!(report.found, N + 2, "the leases and the two root tokens'");
    assert_eq!(g.exp.counts().0, N);
}
