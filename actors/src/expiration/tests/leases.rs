//! Secret leases: expiry in deadline order, renewal within the max TTL, lookup, revocation.

use super::*;

#[actix_rt::test]
async fn secret_leases_expire_in_deadline_order_through_their_engine() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let late = f.issue(&f.root, "creds/late", 300).await;
    let early = f.issue(&f.root, "creds/early", 100).await;
    let middle = f.issue(&f.root, "creds/middle", 200).await;
    assert!(early.lease_id.starts_with("dyn/creds/early/"), "{}", early.lease_id);
    assert_eq!(early.ttl, 100);

    f.exp.advance_clock(150);
    wait_for("the first expiry", || async { f.engine.revoked().len() == 1 }).await;
    f.exp.advance_clock(200);
    wait_for("all expiries", || async { f.engine.revoked().len() == 3 }).await;
    assert_eq!(f.engine.revoked(), vec![early.lease_id.clone(), middle.lease_id, late.lease_id]);
    assert!(f.exp.lookup(&early.lease_id).await.unwrap().is_none(), "the entry is deleted");
    assert!(f.exp.leases_of(f.root.entry.key()).await.unwrap().is_empty(), "and its index entry");
    assert_eq!(f.exp.counts(), (0, 0));
}

#[actix_rt::test]
async fn renewal_is_capped_by_the_mount_max_ttl_with_vaults_warning() {
    let f = Fixture::new(100).await;
    f.activate().await;
    let lease = f.issue(&f.root, "creds/a", 60).await;
    f.exp.advance_clock(50);

    let resp = f.exp.renew(&lease.lease_id, 100).await.unwrap().unwrap();
    assert_eq!(resp.lease, Some((true, 50)));
    assert_eq!(resp.lease_id.as_deref(), Some(lease.lease_id.as_str()));
    assert_eq!(
        resp.warnings,
        vec!["TTL of \"1m40s\" exceeded the effective max_ttl of \"50s\"; TTL value is capped accordingly"]
    );
    let user = resp.data.as_ref().and_then(|d| d["username"].as_str().map(str::to_string)).unwrap_or_default();
    assert!(user.starts_with("u-"), "the issued data comes back: {user}");
    let le = f.exp.lookup(&lease.lease_id).await.unwrap().unwrap();
    assert!(le.last_renewal_time.is_some());
    let left = le.lookup_data(f.exp.now())["ttl"].as_i64().unwrap_or(0);
    assert!((49..=50).contains(&left), "{left}");
    assert_eq!(f.engine.renewed.lock().unwrap()[0], (lease.lease_id.clone(), 100));

    f.exp.advance_clock(49);
    let past = f.exp.renew(&lease.lease_id, 0).await.unwrap().unwrap();
    assert_eq!(past.lease, Some((true, 1)), "{:?}", past.warnings);
    f.exp.advance_clock(5);
    wait_for("the capped lease to expire", || async { f.engine.revoked().len() == 1 }).await;
    let gone = f.exp.renew(&lease.lease_id, 0).await.unwrap_err();
    assert_eq!((gone.status(), gone.to_string()), (400, "lease not found".to_string()));
}

#[actix_rt::test]
async fn renewing_what_cannot_be_renewed_answers_as_vault() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let err = |e: CoreError| (e.status(), e.to_string());
    assert_eq!(err(f.exp.renew("dyn/nope", 0).await.unwrap_err()), (400, "lease not found".into()));
    let token_lease = token_lease_id("auth/token/create", f.token(600).await.entry.key());
    assert_eq!(
        err(f.exp.renew(&token_lease, 0).await.unwrap_err()),
        (400, "tokens cannot be renewed through this endpoint".into())
    );
    let root_lease = token_lease_id("auth/token/create", f.root.entry.key());
    assert_eq!(err(f.exp.renew(&root_lease, 0).await.unwrap_err()), (400, "lease is not renewable".into()));
    let root = f.exp.lookup(&root_lease).await.unwrap().unwrap();
    let data = root.lookup_data(f.exp.now());
    assert_eq!((data["expire_time"].clone(), data["ttl"].clone()), (json!(null), json!(0)));
    assert_eq!(data["renewable"], json!(false));
}

#[actix_rt::test]
async fn revoke_prefix_revokes_a_folder_or_one_named_lease() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let a = f.issue(&f.root, "creds/a", 600).await;
    let b = f.issue(&f.root, "creds/b", 600).await;
    let other = f.issue(&f.root, "other", 600).await;
    assert_eq!(f.exp.list_prefix("dyn").await.unwrap(), vec!["creds/", "other/"]);

    f.exp.revoke_prefix(&a.lease_id, false, true).await.unwrap();
    assert_eq!(f.engine.revoked(), vec![a.lease_id.clone()]);
    f.exp.revoke_prefix("dyn/creds", false, true).await.unwrap();
    assert_eq!(f.engine.revoked(), vec![a.lease_id, b.lease_id]);
    assert!(f.exp.list_prefix("dyn/creds/").await.unwrap().is_empty());

    // Not synchronous: marked expired, revoked by the timers.
    f.exp.revoke_prefix("dyn/", false, false).await.unwrap();
    wait_for("the lazy revocation", || async { f.engine.revoked().len() == 3 }).await;
    assert_eq!(f.engine.revoked()[2], other.lease_id);
    f.exp.revoke("dyn/never-existed", false).await.unwrap();
}

#[actix_rt::test]
async fn lookups_show_vaults_fields() {
    let f = Fixture::new(0).await;
    f.activate().await;
    let lease = f.issue(&f.root, "creds/a", 3600).await;
    let data = f.exp.lookup(&lease.lease_id).await.unwrap().unwrap().lookup_data(f.exp.now());
    assert_eq!(data["id"], json!(lease.lease_id));
    assert_eq!(data["renewable"], json!(true));
    assert!(data["ttl"].as_i64().is_some_and(|t| (3598..=3600).contains(&t)), "{data:?}");
    assert_eq!(data["last_renewal"], json!(null));
    assert_eq!(data["path"], json!("dyn/creds/a"));
    assert!(data["issue_time"].as_str().is_some_and(|t| t.ends_with('Z')));
}
