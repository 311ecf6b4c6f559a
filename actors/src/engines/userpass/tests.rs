use super::users::USER_PREFIX;
use super::*;
use crate::logical::{Backend, LogicalBackend};
use crate::test_support::{engine_context, unsealed_view};
use crate::{Operation, Request, Response};
use serde_json::{json, Map, Value};
use std::str::FromStr;

fn data(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn req(op: Operation, path: &str, body: Value) -> Request {
    let mut r = Request::new(op, format!("auth/userpass/{path}")).with_data(data(body));
    r.relative_path = path.to_string();
    r.remote_addr = "127.0.0.1".parse().ok();
    r
}

async fn call(up: &Backend<Userpass>, op: Operation, path: &str, body: Value) -> Result<Option<Response>, CoreError> {
    up.handle(&req(op, path, body)).await
}

async fn backend() -> Backend<Userpass> {
    Backend::new(Userpass::new(engine_context(unsealed_view().await))).unwrap()
}

#[test]
fn the_dummy_hash_costs_what_a_real_one_does() {
    // An unknown user's password is checked against it: it must be a valid cost-10 hash, or
    // the check would fail fast and tell unknown users apart.
    let parts = bcrypt::HashParts::from_str(super::login::DUMMY_HASH).unwrap();
    assert_eq!(parts.get_cost(), BCRYPT_COST);
    assert!(!bcrypt::verify("pw", super::login::DUMMY_HASH).unwrap());
}

#[actix_rt::test]
async fn paths_follow_vaults_patterns() {
    let up = backend().await;
    call(&up, Operation::Update, "users/alice", json!({"password": "pw"})).await.unwrap();
    for list in ["users", "users/"] {
        let keys = call(&up, Operation::List, list, json!({})).await.unwrap().unwrap();
        assert_eq!(keys.data.unwrap()["keys"], json!(["alice"]), "{list}");
    }
    for bad in ["users/alice/", "users/-a", "users/a/b", "login/", "login/a/b", "bogus", "login"] {
        let err = call(&up, Operation::Read, bad, json!({})).await.unwrap_err();
        assert_eq!((err.status(), err.to_string()), (404, "unsupported path".to_string()), "{bad}");
    }
    for (op, path) in [(Operation::Read, "login/alice"), (Operation::Delete, "users/alice/password")] {
        let err = call(&up, op, path, json!({})).await.unwrap_err();
        assert_eq!((err.status(), err.to_string()), (405, "unsupported operation".to_string()), "{path}");
    }
    // Go's ParseBool, as Vault's framework decodes every bool field.
    call(&up, Operation::Update, "users/alice", json!({"token_no_default_policy": "True"})).await.unwrap();
    let read = call(&up, Operation::Read, "users/alice", json!({})).await.unwrap().unwrap();
    assert_eq!(read.data.unwrap()["token_no_default_policy"], json!(true));
    let bad = call(&up, Operation::Update, "users/alice", json!({"token_num_uses": "1.5"})).await.unwrap_err();
    assert_eq!(
        (bad.status(), bad.to_string()),
        (
            400,
            "error converting input for field \"token_num_uses\": '' cannot parse value as 'int': strconv.ParseInt: invalid syntax"
                .to_string()
        )
    );
    let warned = call(&up, Operation::Update, "login/alice", json!({"password": "pw", "bogus": 1})).await.unwrap();
    assert_eq!(warned.unwrap().warnings, vec!["Endpoint ignored these unrecognized parameters: [bogus]"]);
}

#[actix_rt::test]
async fn users_are_stored_lower_cased_with_a_bcrypt_hash_and_never_read_back() {
    let up = backend().await;
    let body = json!({"password": "pw", "token_policies": "B,a", "token_ttl": "1h", "token_max_ttl": "2h"});
    call(&up, Operation::Update, "users/Alice", body).await.unwrap();
    let stored: Value = up.engine().view.get_json(&format!("{USER_PREFIX}alice")).await.unwrap().unwrap();
    let hash = stored["password_hash"].as_str().unwrap();
    assert!(hash.starts_with("$2b$10$"), "{hash}");
    assert!(!stored.to_string().contains("\"pw\""));

    let read = call(&up, Operation::Read, "users/ALICE", json!({})).await.unwrap().unwrap();
    let d = read.data.unwrap();
    assert!(!d.contains_key("password") && !d.contains_key("password_hash"));
    assert_eq!(d["token_policies"], json!(["B", "a"]));
    assert_eq!((d["token_ttl"].clone(), d["token_max_ttl"].clone()), (json!(3600), json!(7200)));
    assert_eq!(d["token_type"], json!("default"));
    assert!(!d.contains_key("policies") && !d.contains_key("ttl"));

    let list = call(&up, Operation::List, "users/", json!({})).await.unwrap().unwrap();
    assert_eq!(list.data.unwrap()["keys"], json!(["alice"]));
    assert!(matches!(call(&up, Operation::Read, "users/nobody", json!({})).await, Err(CoreError::NotFound)));
    assert!(up.exists(&req(Operation::Update, "users/alice", json!({}))).await.unwrap().unwrap());
    assert!(!up.exists(&req(Operation::Update, "users/bob", json!({}))).await.unwrap().unwrap());

    call(&up, Operation::Delete, "users/alice", json!({})).await.unwrap();
    assert!(matches!(call(&up, Operation::Read, "users/alice", json!({})).await, Err(CoreError::NotFound)));
}

#[actix_rt::test]
async fn writes_are_validated_as_vaults() {
    let up = backend().await;
    let err = |r: Result<Option<Response>, CoreError>| r.unwrap_err().to_string();
    assert_eq!(err(call(&up, Operation::Update, "users/carol", json!({})).await), "missing password");
    assert_eq!(err(call(&up, Operation::Update, "users/carol", json!({"password": ""})).await), "missing password");
    let bad = json!({"password": "x", "token_ttl": 10, "token_max_ttl": 5});
    assert_eq!(
        err(call(&up, Operation::Update, "users/carol", bad).await),
        "'token_ttl' cannot be greater than 'token_max_ttl'"
    );
    let e = call(&up, Operation::Update, "users/nobody/password", json!({"password": "x"})).await.unwrap_err();
    assert_eq!((e.status(), e.to_string()), (500, "1 error occurred:\n\t* username does not exist\n\n".to_string()));
    assert!(matches!(call(&up, Operation::Read, "login/x", json!({})).await, Err(CoreError::UnsupportedOperation)));
    assert!(matches!(call(&up, Operation::Read, "bogus", json!({})).await, Err(CoreError::UnsupportedPath)));
}

#[actix_rt::test]
async fn legacy_fields_and_the_policies_endpoint() {
    let up = backend().await;
    let body = json!({"password": "pw", "policies": "X,y", "ttl": 60, "max_ttl": "5m", "bound_cidrs": ["10.1.0.0/16"]});
    call(&up, Operation::Update, "users/bob", body).await.unwrap();
    let d = call(&up, Operation::Read, "users/bob", json!({})).await.unwrap().unwrap().data.unwrap();
    assert_eq!((d["policies"].clone(), d["token_policies"].clone()), (json!(["x", "y"]), json!(["x", "y"])));
    assert_eq!((d["ttl"].clone(), d["token_ttl"].clone(), d["max_ttl"].clone()), (json!(60), json!(60), json!(300)));
    assert_eq!(
        (d["bound_cidrs"].clone(), d["token_bound_cidrs"].clone()),
        (json!(["10.1.0.0/16"]), json!(["10.1.0.0/16"]))
    );

    call(&up, Operation::Update, "users/bob/policies", json!({"token_policies": "Q1"})).await.unwrap();
    let d = call(&up, Operation::Read, "users/bob", json!({})).await.unwrap().unwrap().data.unwrap();
    assert_eq!(d["token_policies"], json!(["q1"]));
    assert!(!d.contains_key("policies"));
}

#[actix_rt::test]
async fn login_decides_the_token_and_rejects_alike() {
    let up = backend().await;
    let body = json!({"password": "pw", "token_policies": "dev", "token_ttl": 600, "token_num_uses": 3,
        "token_bound_cidrs": "127.0.0.1"});
    call(&up, Operation::Update, "users/alice", body).await.unwrap();

    let resp = call(&up, Operation::Update, "login/ALICE", json!({"password": "pw"})).await.unwrap().unwrap();
    let login = resp.login.unwrap();
    assert_eq!(login.policies, vec!["dev"]);
    assert_eq!((login.ttl, login.num_uses, login.renewable), (600, 3, true));
    assert_eq!((login.display_name.as_str(), login.alias_name.as_str()), ("alice", "alice"));
    assert_eq!(login.metadata["username"], "alice");
    assert_eq!(login.bound_cidrs, vec!["127.0.0.1"]);
    assert!(resp.auth.is_none() && resp.data.is_none());

    let wrong = call(&up, Operation::Update, "login/alice", json!({"password": "nope"})).await.unwrap_err();
    let unknown = call(&up, Operation::Update, "login/nobody", json!({"password": "pw"})).await.unwrap_err();
    assert_eq!((wrong.status(), wrong.to_string()), (400, "invalid username or password".to_string()));
    assert_eq!((unknown.status(), unknown.to_string()), (wrong.status(), wrong.to_string()));

    let missing = call(&up, Operation::Update, "login/alice", json!({})).await.unwrap_err();
    assert_eq!((missing.status(), missing.to_string()), (500, "missing password".to_string()));

    let mut elsewhere = req(Operation::Update, "login/alice", json!({"password": "pw"}));
    elsewhere.remote_addr = "127.0.0.2".parse().ok();
    assert!(matches!(up.handle(&elsewhere).await, Err(CoreError::PermissionDenied)));
    assert_eq!(up.special_paths().unauthenticated, &["login/*"]);
}

#[actix_rt::test]
async fn a_new_password_replaces_the_old() {
    let up = backend().await;
    call(&up, Operation::Update, "users/dave", json!({"password": "one"})).await.unwrap();
    call(&up, Operation::Update, "users/dave/password", json!({"password": "two"})).await.unwrap();
    assert!(call(&up, Operation::Update, "login/dave", json!({"password": "one"})).await.is_err());
    assert!(call(&up, Operation::Update, "login/dave", json!({"password": "two"})).await.is_ok());
}
