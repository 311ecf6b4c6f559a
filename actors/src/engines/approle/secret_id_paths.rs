//! `role/<name>/secret-id` (generate, LIST), `custom-secret-id`, `secret-id/lookup|destroy` and
//! `secret-id-accessor/lookup|destroy`, as Vault's handlers answer them.

use super::cidr::{validate_cidrs, verify_subset};
use super::fields::{bad, failure, parse_metadata};
use super::role::RoleEntry;
use super::secret_id::NewSecretId;
use super::Inner;
use crate::logical::FieldData;
use crate::{CoreError, Response};
use serde_json::{json, Map};

/// Vault's `handleRoleSecretIDCommon`; `custom` is the caller's secret ID for `custom-secret-id`.
pub(super) async fn generate(
    inner: &Inner,
    d: &FieldData,
    name: &str,
    custom: Option<String>,
) -> Result<Option<Response>, CoreError> {
    let secret_id = custom.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if secret_id.is_empty() {
        return Err(bad("missing secret_id"));
    }
    let _guard = inner.role_lock(name).read().await;
    let role = inner
        .load_role(name)
        .await?
        .ok_or_else(|| CoreError::NotFoundMessage(format!("role \"{name}\" does not exist")))?;
    if !role.bind_secret_id {
        return Err(bad("bind_secret_id is not set on the role"));
    }

    let cidr_list = d.strings("cidr_list").map(<[String]>::to_vec).unwrap_or_default();
    validate_cidrs(&cidr_list).map_err(|e| failure(format!("failed to validate CIDR blocks: {e}")))?;
    verify_subset(&cidr_list, role.bound_cidrs()).map_err(failure)?;
    let token_bound_cidrs = d.strings("token_bound_cidrs").map(<[String]>::to_vec).unwrap_or_default();
    validate_cidrs(&token_bound_cidrs).map_err(|e| failure(format!("failed to validate token CIDR blocks: {e}")))?;
    verify_subset(&token_bound_cidrs, &role.token.token_bound_cidrs).map_err(failure)?;

    let num_uses = match d.int("num_uses") {
        Some(n) if n < 0 => return Err(bad("num_uses cannot be negative")),
        Some(n) if role.secret_id_num_uses > 0 && (n == 0 || n > role.secret_id_num_uses) => {
            return Err(bad("num_uses cannot be higher than the role's secret_id_num_uses"))
        }
        Some(n) => n,
        None => role.secret_id_num_uses,
    };
    let ttl = match d.seconds("ttl") {
        Some(t) if role.secret_id_ttl > 0 && (t == 0 || t > role.secret_id_ttl) => {
            return Err(bad("ttl cannot be longer than the role's secret_id_ttl"))
        }
        Some(t) => t,
        None => role.secret_id_ttl,
    };
    let metadata = parse_metadata(d.str("metadata").unwrap_or_default())?;

    let new = NewSecretId { num_uses, ttl, metadata, cidr_list, token_bound_cidrs };
    let entry = inner.register_secret_id(&role, &secret_id, new).await?;
    let mut m = Map::new();
    m.insert("secret_id".into(), json!(secret_id));
    m.insert("secret_id_accessor".into(), json!(entry.secret_id_accessor));
    m.insert("secret_id_ttl".into(), json!(inner.derive_secret_id_ttl(entry.secret_id_ttl)));
    m.insert("secret_id_num_uses".into(), json!(entry.secret_id_num_uses));
    Ok(Some(Response::with_data(m)))
}

pub(super) async fn list(inner: &Inner, name: &str) -> Result<Option<Response>, CoreError> {
    let _guard = inner.role_lock(name).read().await;
    let role = inner.load_role(name).await?.ok_or_else(|| bad(format!("role \"{name}\" does not exist")))?;
    let keys = inner.list_accessors(&role).await?;
    if keys.is_empty() {
        return Err(CoreError::NotFound);
    }
    Ok(Some(Response::list(keys)))
}

/// A role the secret ID handlers need; Vault answers its absence with a plain Go error (500).
async fn must_role(inner: &Inner, name: &str) -> Result<RoleEntry, CoreError> {
    inner.load_role(name).await?.ok_or_else(|| failure(format!("role \"{name}\" does not exist")))
}

fn required(d: &FieldData, field: &str) -> Result<String, CoreError> {
    d.str(field).filter(|s| !s.is_empty()).map(str::to_string).ok_or_else(|| bad(format!("missing {field}")))
}

pub(super) async fn lookup(inner: &Inner, d: &FieldData, name: &str) -> Result<Option<Response>, CoreError> {
    let secret_id = required(d, "secret_id")?;
    let _guard = inner.role_lock(name).read().await;
    let role = must_role(inner, name).await?;
    let key = inner.secret_id_key(&role, &secret_id)?;
    let _secret_guard = inner.secret_id_lock(&key.secret_id_hmac).write().await;
    let Some(entry) = inner.load_live_secret_id(&role, &key.path).await? else { return Ok(None) };
    if !inner.has_accessor(&role, &entry.secret_id_accessor).await? {
        inner.view.delete(&key.path).await?;
        return Err(bad("invalid secret id"));
    }
    Ok(Some(Response::with_data(entry.response_data())))
}

pub(super) async fn destroy(inner: &Inner, d: &FieldData, name: &str) -> Result<Option<Response>, CoreError> {
    let secret_id = required(d, "secret_id")?;
    let _guard = inner.role_lock(name).read().await;
    let role = must_role(inner, name).await?;
    let key = inner.secret_id_key(&role, &secret_id)?;
    let _secret_guard = inner.secret_id_lock(&key.secret_id_hmac).write().await;
    if let Some(entry) = inner.view.get_json::<super::secret_id::SecretIdEntry>(&key.path).await? {
        inner.delete_secret_id(&role, &key.path, &entry.secret_id_accessor).await?;
    }
    Ok(None)
}

pub(super) async fn accessor_lookup(inner: &Inner, d: &FieldData, name: &str) -> Result<Option<Response>, CoreError> {
    let accessor = required(d, "secret_id_accessor")?;
    let _guard = inner.role_lock(name).read().await;
    let role = must_role(inner, name).await?;
    let Some(index) = inner.accessor_entry(&role, &accessor).await? else {
        // Vault answers 404 with the error in the data (logical.RespondWithStatusCode).
        let mut m = Map::new();
        m.insert(
            "error".into(),
            json!(format!("failed to find accessor entry for secret_id_accessor: \"{accessor}\"")),
        );
        return Err(CoreError::NotFoundWith(Box::new(Response::with_data(m))));
    };
    let path = inner.entry_path(&role, &index.secret_id_hmac)?;
    let _secret_guard = inner.secret_id_lock(&index.secret_id_hmac).write().await;
    Ok(inner.load_live_secret_id(&role, &path).await?.map(|entry| Response::with_data(entry.response_data())))
}

pub(super) async fn accessor_destroy(inner: &Inner, d: &FieldData, name: &str) -> Result<Option<Response>, CoreError> {
    let accessor = required(d, "secret_id_accessor")?;
    let _guard = inner.role_lock(name).read().await;
    let role = must_role(inner, name).await?;
    let index = inner
        .accessor_entry(&role, &accessor)
        .await?
        .ok_or_else(|| failure(format!("failed to find accessor entry for secret_id_accessor: \"{accessor}\"")))?;
    let path = inner.entry_path(&role, &index.secret_id_hmac)?;
    let _secret_guard = inner.secret_id_lock(&index.secret_id_hmac).write().await;
    if inner.view.get(&path).await?.is_none() {
        return Err(CoreError::Forbidden("invalid secret id accessor".into()));
    }
    inner.delete_secret_id(&role, &path, &accessor).await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use crate::Operation::{Delete, List, Update};
    use serde_json::{json, Value};

    #[tokio::test]
    async fn generate_lookup_list_destroy() {
        let e = must_engine().await;
        must_role(&e, "r", json!({})).await;
        assert_eq!(must_err(&e, List, "role/r/secret-id", json!({})).await.0, 404);
        let d = must_data(
            &e,
            Update,
            "role/r/secret-id",
            json!({"metadata": "{\"Foo\":\"Bar\"}", "num_uses": 2, "ttl": "5m", "cidr_list": "127.0.0.1/32"}),
        )
        .await;
        assert_eq!(d["secret_id_num_uses"], 2);
        assert_eq!(d["secret_id_ttl"], 300);
        let (sid, acc) =
            (d["secret_id"].as_str().unwrap().to_string(), d["secret_id_accessor"].as_str().unwrap().to_string());
        assert_eq!(must_data(&e, List, "role/r/secret-id/", json!({})).await["keys"], json!([acc]));

        let got = Value::Object(must_data(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": sid})).await);
        assert_eq!(got["metadata"], json!({"Foo": "Bar"}));
        assert_eq!(got["cidr_list"], json!(["127.0.0.1/32"]));
        assert_eq!(got["token_bound_cidrs"], json!([]));
        assert_eq!(got["secret_id_accessor"], acc.as_str());
        assert!(got["expiration_time"].as_str().unwrap().ends_with('Z'));
        let by_acc =
            must_data(&e, Update, "role/r/secret-id-accessor/lookup", json!({"secret_id_accessor": acc})).await;
        assert_eq!(Value::Object(by_acc), got);

        assert!(must_ok(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": "nope"})).await.is_none(), "204");
        assert!(must_ok(&e, Delete, "role/r/secret-id/destroy", json!({"secret_id": sid})).await.is_none());
        assert!(must_ok(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": sid})).await.is_none());
        assert!(must_ok(&e, Update, "role/r/secret-id/destroy", json!({"secret_id": "nope"})).await.is_none());
        let (status, _) =
            must_err(&e, Update, "role/r/secret-id-accessor/lookup", json!({"secret_id_accessor": acc})).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn accessor_destroy_and_custom_ids() {
        let e = must_engine().await;
        must_role(&e, "r", json!({})).await;
        let d = must_data(&e, Update, "role/r/custom-secret-id", json!({"secret_id": "mine"})).await;
        assert_eq!(d["secret_id"], "mine");
        let acc = d["secret_id_accessor"].as_str().unwrap().to_string();
        assert_eq!(must_err(&e, Update, "role/r/custom-secret-id", json!({"secret_id": "mine"})).await.0, 500);
        assert_eq!(must_err(&e, Update, "role/r/custom-secret-id", json!({})).await, (400, "missing secret_id".into()));
        assert!(must_ok(&e, Update, "role/r/secret-id-accessor/destroy", json!({"secret_id_accessor": acc}))
            .await
            .is_none());
        let (status, msg) =
            must_err(&e, Update, "role/r/secret-id-accessor/destroy", json!({"secret_id_accessor": acc})).await;
        assert_eq!(
            (status, msg),
            (
                500,
                format!("1 error occurred:\n\t* failed to find accessor entry for secret_id_accessor: \"{acc}\"\n\n")
            )
        );
        // The custom secret ID can be registered again once destroyed.
        must_data(&e, Update, "role/r/custom-secret-id", json!({"secret_id": "mine"})).await;
    }

    #[tokio::test]
    async fn generation_rules() {
        let e = must_engine().await;
        must_role(
            &e,
            "r",
            json!({"secret_id_num_uses": 3, "secret_id_ttl": 600, "secret_id_bound_cidrs": "127.0.0.1/32"}),
        )
        .await;
        let cases = [
            (json!({"num_uses": -1}), 400, "num_uses cannot be negative".to_string()),
            (json!({"num_uses": 4}), 400, "num_uses cannot be higher than the role's secret_id_num_uses".into()),
            (json!({"num_uses": 0}), 400, "num_uses cannot be higher than the role's secret_id_num_uses".into()),
            (json!({"ttl": "20m"}), 400, "ttl cannot be longer than the role's secret_id_ttl".into()),
            (json!({"ttl": 0}), 400, "ttl cannot be longer than the role's secret_id_ttl".into()),
            (json!({"metadata": "bad"}), 400, "failed to parse metadata: failed to parse the input: invalid <key,value> format".into()),
            (json!({"cidr_list": "bad"}), 500, "1 error occurred:\n\t* failed to validate CIDR blocks: invalid CIDR address: bad\n\n".into()),
            (json!({"cidr_list": "10.0.0.0/8"}), 500, "1 error occurred:\n\t* failed to verify subset relationship between CIDR blocks on the role [\"127.0.0.1/32\"] and CIDR blocks on the secret ID [\"10.0.0.0/8\"]: %!w(<nil>)\n\n".into()),
            (json!({"token_bound_cidrs": "bad"}), 500, "1 error occurred:\n\t* failed to validate token CIDR blocks: invalid CIDR address: bad\n\n".into()),
        ];
        for (body, status, msg) in cases {
            assert_eq!(must_err(&e, Update, "role/r/secret-id", body.clone()).await, (status, msg), "{body}");
        }
        let d = must_data(&e, Update, "role/r/secret-id", json!({})).await;
        assert_eq!((d["secret_id_num_uses"].clone(), d["secret_id_ttl"].clone()), (json!(3), json!(600)));

        assert_eq!(
            must_err(&e, Update, "role/nope/secret-id", json!({})).await,
            (404, "role \"nope\" does not exist".into())
        );
        assert_eq!(
            must_err(&e, List, "role/nope/secret-id", json!({})).await,
            (400, "role \"nope\" does not exist".into())
        );
        assert_eq!(must_err(&e, Update, "role/nope/secret-id/lookup", json!({"secret_id": "x"})).await.0, 500);
        assert_eq!(must_err(&e, Update, "role/r/secret-id/lookup", json!({})).await, (400, "missing secret_id".into()));
        assert_eq!(
            must_err(&e, Update, "role/r/secret-id-accessor/lookup", json!({})).await,
            (400, "missing secret_id_accessor".into())
        );

        must_role(&e, "unbound", json!({"bind_secret_id": false, "token_bound_cidrs": "127.0.0.1"})).await;
        assert_eq!(
            must_err(&e, Update, "role/unbound/secret-id", json!({})).await,
            (400, "bind_secret_id is not set on the role".into())
        );
    }
}
