//! Failed revocations: retried with backoff, then irrevocable; forced revocation and tidy.

use super::*;
use crate::expiration::run::MAX_REVOKE_ATTEMPTS;

#[actix_rt::test]
async fn failing_revocations_are_retried_then_marked_irrevocable() {
    let f = Fixture::new(0).await;
    f.activate().await;
    f.engine.set_mode(Mode::Fail);
    let lease = f.issue(&f.root, "creds/a", 10).await;
    f.exp.advance_clock(11);
    wait_for("the lease to become irrevocable", || async { f.exp.counts() == (0, 1) }).await;
    assert!(f.engine.revoked().is_empty());
    assert_eq!(f.engine.attempts.load(Ordering::SeqCst), usize::from(MAX_REVOKE_ATTEMPTS), "Vault's six attempts");

    let le = f.exp.lookup(&lease.lease_id).await.unwrap().unwrap();
    assert_eq!(le.revoke_err, "out of retries: failed to revoke entry: database unreachable");
    assert_eq!(le.renewable(f.exp.now()), Err("lease is expired and has failed previous revocation attempts"));
    let (listed, warning) = f.exp.irrevocable(Some(10));
    assert_eq!(warning, None);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].lease_id.as_str(), listed[0].error.as_str()),
        (lease.lease_id.as_str(), le.revoke_err.as_str())
    );
    assert!(listed[0].mount_id.starts_with("dyn_"), "{}", listed[0].mount_id);
    let (total, counts) = f.exp.irrevocable_counts();
    assert_eq!((total, counts.values().copied().collect::<Vec<_>>()), (1, vec![1]));

    // A revoke that still fails is an error; a forced one deletes the lease anyway.
    let err = f.exp.revoke(&lease.lease_id, false).await.unwrap_err();
    assert_eq!(err.to_string(), "database unreachable");
    f.exp.revoke_prefix("dyn/creds", true, true).await.unwrap();
    assert!(f.exp.lookup(&lease.lease_id).await.unwrap().is_none());
    assert_eq!(f.exp.counts(), (0, 0));
}

#[actix_rt::test]
async fn an_unrecoverable_error_makes_a_lease_irrevocable_at_once_and_it_stays_so() {
    let f = Fixture::new(0).await;
    f.activate().await;
    f.engine.set_mode(Mode::Unsupported);
    let lease = f.issue(&f.root, "creds/a", 10).await;
    f.exp.advance_clock(11);
    wait_for("the lease to become irrevocable", || async { f.exp.counts() == (0, 1) }).await;
    assert_eq!(f.engine.attempts.load(Ordering::SeqCst), 1, "no retry can fix this");
    let le = f.exp.lookup(&lease.lease_id).await.unwrap().unwrap();
    assert_eq!(le.revoke_err, "failed to revoke entry: unsupported operation");

    // Another node (or this one after a restart) sees it irrevocable too.
    let g = Fixture::over(f.barrier.clone(), f.router.clone(), f.engine.clone()).await;
    g.activate().await;
    assert_eq!(g.exp.counts().1, 1);
    f.engine.set_mode(Mode::Ok);
    g.exp.revoke(&lease.lease_id, false).await.unwrap();
    assert_eq!(f.engine.revoked(), vec![lease.lease_id]);
    assert_eq!(g.exp.counts(), (0, 0));
}

#[actix_rt::test]
async fn tidy_revokes_leases_whose_token_is_gone() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let holder = f.token(3600).await;
    let orphaned = f.issue(&holder, "creds/a", 600).await;
    let kept = f.issue(&f.root, "creds/b", 600).await;
    // The token vanishes behind the store's back (a crash between two writes, say).
    f.tokens.set_lease_hook(std::sync::Weak::<Expiration>::new());
    f.tokens.revoke_tree(holder.entry.key()).await.unwrap();
    let report = f.exp.tidy().await.unwrap();
    assert_eq!((report.revoked, report.failed), (2, 0), "the secret and the token's own lease: {report:?}");
    assert_eq!(f.engine.revoked(), vec![orphaned.lease_id]);
    assert!(f.exp.lookup(&kept.lease_id).await.unwrap().is_some());
}
