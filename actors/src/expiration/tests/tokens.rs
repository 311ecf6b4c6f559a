//! Token leases: registered at creation, moved by renewals, revoking the token on expiry, and
//! a revoked token taking its secret leases with it.

use super::*;

async fn token_alive(f: &Fixture, t: &CreatedToken) -> bool {
    f.tokens.load_key(t.entry.key()).await.unwrap().is_some()
}

#[actix_rt::test]
async fn a_token_is_revoked_on_schedule_without_being_looked_up() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let t = f.token(30).await;
    let child = f
        .tokens
        .create(NewToken { parent: Some(t.entry.key().to_string()), ttl: 600, ..Default::default() })
        .await
        .unwrap();
    let id = token_lease_id("auth/token/create", t.entry.key());
    let le = f.exp.lookup(&id).await.unwrap().expect("the token has a lease");
    assert_eq!(le.auth.as_ref().map(|a| (a.renewable, a.ttl)), Some((true, 30)));
    assert_eq!(le.expire_time, t.entry.expire_time);

    f.exp.advance_clock(31);
    wait_for("the token's revocation", || async { !token_alive(&f, &t).await }).await;
    assert!(!token_alive(&f, &child).await, "its children go with it");
    assert!(f.exp.lookup(&id).await.unwrap().is_none(), "and so does its lease");
    let child_lease = token_lease_id("", child.entry.key());
    assert!(f.exp.lookup(&child_lease).await.unwrap().is_none());
    assert!(token_alive(&f, &f.root).await);
}

#[actix_rt::test]
async fn renewing_a_token_moves_its_lease() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let t = f.token(60).await;
    f.exp.advance_clock(30);
    let renewed = f.tokens.renew(t.entry.key(), 600, SYS, None).await.unwrap();
    let le = f.exp.lookup(&token_lease_id("auth/token/create", t.entry.key())).await.unwrap().unwrap();
    assert_eq!(le.expire_time, renewed.entry.expire_time);
    assert_eq!(le.last_renewal_time, renewed.entry.last_renewal_time);
    assert_eq!(le.issue_time, t.entry.issued_at(), "the issue time stays");
    f.exp.advance_clock(60);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(token_alive(&f, &t).await, "the old deadline no longer applies");
    f.exp.advance_clock(600);
    wait_for("the renewed token's revocation", || async { !token_alive(&f, &t).await }).await;
}

#[actix_rt::test]
async fn revoking_a_token_revokes_the_leases_it_holds() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let holder = f.token(3600).await;
    let a = f.issue(&holder, "creds/a", 600).await;
    let b = f.issue(&holder, "creds/b", 600).await;
    let kept = f.issue(&f.root, "creds/kept", 600).await;
    assert_eq!(f.exp.leases_of(holder.entry.key()).await.unwrap().len(), 2);

    f.tokens.revoke_tree(holder.entry.key()).await.unwrap();
    wait_for("both leases revoked", || async { f.engine.revoked().len() == 2 }).await;
    let mut revoked = f.engine.revoked();
    revoked.sort();
    let mut expected = vec![a.lease_id, b.lease_id];
    expected.sort();
    assert_eq!(revoked, expected);
    assert!(f.exp.lookup(&kept.lease_id).await.unwrap().is_some());
    assert!(f.exp.lookup(&token_lease_id("auth/token/create", holder.entry.key())).await.unwrap().is_none());
    assert!(f.exp.leases_of(holder.entry.key()).await.unwrap().is_empty());
}

#[actix_rt::test]
async fn revoking_a_token_lease_revokes_the_token() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let t = f.token(3600).await;
    let id = token_lease_id("auth/token/create", t.entry.key());
    assert_eq!(f.exp.list_prefix("auth/token/create").await.unwrap().len(), 2, "root's and this token's");
    f.exp.revoke(&id, false).await.unwrap();
    assert!(!token_alive(&f, &t).await);
    assert!(f.exp.lookup(&id).await.unwrap().is_none());
    let u = f.token(3600).await;
    f.exp.revoke_prefix("auth/token/create/", false, true).await.unwrap();
    assert!(!token_alive(&f, &u).await);
    assert!(!token_alive(&f, &f.root).await, "revoke-prefix spares no token, as in Vault");
}

#[actix_rt::test]
async fn a_lease_held_by_a_batch_token_ends_with_it() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let spec = NewToken {
        parent: Some(f.root.entry.key().to_string()),
        ttl: 100,
        token_type: crate::token_store::TokenType::Batch,
        ..Default::default()
    };
    let batch = f.tokens.create(spec).await.unwrap();
    let lease = f.issue(&batch, "creds/b", 3600).await;
    assert!(lease.ttl <= 100, "capped at the batch token's expiry: {}", lease.ttl);
    assert_eq!(
        f.exp.leases_of(f.root.entry.key()).await.unwrap(),
        vec![lease.lease_id.clone()],
        "indexed under the parent"
    );
    f.exp.advance_clock(101);
    wait_for("the batch-held lease to expire", || async { f.engine.revoked() == vec![lease.lease_id.clone()] }).await;
}
