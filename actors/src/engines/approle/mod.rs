//! The AppRole auth method (Vault's `builtin/credential/approle`): roles with a `role_id`,
//! secret IDs issued against them, and `login` trading the pair for a token.
//!
//! Layout inside the mount's barrier view (Vault's own key names):
//! - `salt`: random key; the role_id and accessor indexes are keyed by its HMAC of the value.
//! - `role/<lower-cased name>`: a [`role::RoleEntry`], including its own random HMAC key.
//! - `role_id/<salted role_id>`: which role a role_id names.
//! - `secret_id/<HMAC of role name>/<HMAC of secret ID>`: a [`secret_id::SecretIdEntry`]
//!   (`secret_id_local/` for roles with `local_secret_ids`). The secret ID itself is never stored.
//! - `accessor/<salted accessor>`: the accessor index (`accessor_local/` for local secret IDs).
//!
//! Locks: role changes hold the write half of the role's stripe (readers the read half); every
//! secret ID change (use counts, deletion) holds its stripe's write lock, so a use count is
//! spent exactly once however many logins race; role_id index changes are serialized by one
//! mutex so two roles can never claim the same role_id.

mod cidr;
mod fields;
mod login;
mod role;
mod role_fields;
mod role_paths;
mod secret_id;
mod secret_id_paths;
mod tidy;

#[cfg(test)]
mod test_util;

use super::{EngineContext, LogicalBackend, SystemView};
use crate::barrier::{random_key, BarrierView};
use crate::logical::{AuthRenewal, PathsSpecial, TokenRenewal};
use crate::{CoreError, Operation, Request, Response};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use fields::{is_name, MAX_HMAC_INPUT};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, OnceCell, RwLock};
use zeroize::Zeroizing;

/// Mount-wide salt for the role_id and accessor indexes.
const SALT_KEY: &str = "salt";
/// `role/<name>`: role entries.
const ROLE_PREFIX: &str = "role/";
/// `role_id/<salted role_id>`: role_id → role name.
const ROLE_ID_PREFIX: &str = "role_id/";
/// `secret_id/<role HMAC>/<secret ID HMAC>`: secret ID entries.
const SECRET_ID_PREFIX: &str = "secret_id/";
/// The same for roles whose secret IDs are cluster-local.
const SECRET_ID_LOCAL_PREFIX: &str = "secret_id_local/";
/// `accessor/<salted accessor>`: accessor → secret ID HMAC.
const ACCESSOR_PREFIX: &str = "accessor/";
/// The same for cluster-local secret IDs.
const ACCESSOR_LOCAL_PREFIX: &str = "accessor_local/";
/// Vault's system-wide max lease TTL (768h), used when the mount sets none.
const ROLE_STRIPES: usize = 64;
const SECRET_ID_STRIPES: usize = 256;

/// One AppRole mount.
pub struct AppRole {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    view: BarrierView,
    salt: OnceCell<Zeroizing<Vec<u8>>>,
    system: SystemView,
    role_locks: Vec<RwLock<()>>,
    secret_id_locks: Vec<RwLock<()>>,
    role_id_lock: Mutex<()>,
    tidying: AtomicBool,
    /// Seconds added to the wall clock: lets tests age secret IDs without sleeping.
    skew: AtomicI64,
}

impl AppRole {
    /// The mount's live max lease TTL (through the system view) caps secret ID TTLs and a
    /// role's `period`.
    pub fn new(ctx: EngineContext) -> Self {
        let inner = Arc::new(Inner {
            view: ctx.view,
            salt: OnceCell::new(),
            system: ctx.system,
            role_locks: (0..ROLE_STRIPES).map(|_| RwLock::new(())).collect(),
            secret_id_locks: (0..SECRET_ID_STRIPES).map(|_| RwLock::new(())).collect(),
            role_id_lock: Mutex::new(()),
            tidying: AtomicBool::new(false),
            skew: AtomicI64::new(0),
        });
        AppRole { inner }
    }

    #[cfg(test)]
    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }
}

impl Inner {
    /// The mount's max lease TTL as tuned now.
    pub(crate) fn max_lease_ttl(&self) -> u64 {
        self.system.max_lease_ttl()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.skew.load(Ordering::Relaxed))
    }

    #[cfg(test)]
    pub(crate) fn advance_clock(&self, secs: i64) {
        self.skew.fetch_add(secs, Ordering::Relaxed);
    }

    /// The mount salt, created on first use.
    async fn salt(&self) -> Result<&Zeroizing<Vec<u8>>, CoreError> {
        self.salt
            .get_or_try_init(|| async {
                if let Some(k) = self.view.get(SALT_KEY).await? {
                    return Ok(Zeroizing::new(k));
                }
                let k = random_key();
                self.view.put(SALT_KEY, &k).await?;
                Ok(k)
            })
            .await
    }

    /// The salted form of a role_id or accessor: the only form either is indexed under.
    pub(crate) async fn salted(&self, value: &str) -> Result<String, CoreError> {
        let salt = self.salt().await?;
        let mut mac = Hmac::<Sha256>::new_from_slice(salt).map_err(CoreError::internal)?;
        mac.update(value.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    pub(crate) fn role_lock(&self, name: &str) -> &RwLock<()> {
        &self.role_locks[stripe(&name.to_lowercase(), ROLE_STRIPES)]
    }

    pub(crate) fn secret_id_lock(&self, secret_id_hmac: &str) -> &RwLock<()> {
        &self.secret_id_locks[stripe(secret_id_hmac, SECRET_ID_STRIPES)]
    }
}

fn stripe(key: &str, stripes: usize) -> usize {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    // The modulo keeps the index below `stripes`, so the cast cannot truncate.
    (h.finish() % stripes as u64) as usize
}

/// Vault's `createHMAC`: hex HMAC-SHA256 of `value` under a role's key.
pub(crate) fn create_hmac(key: &str, value: &str) -> Result<String, CoreError> {
    if key.is_empty() {
        return Err(fields::failure("invalid HMAC key"));
    }
    if value.len() > MAX_HMAC_INPUT {
        return Err(fields::failure(format!("value is longer than maximum of {MAX_HMAC_INPUT} bytes")));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(CoreError::internal)?;
    mac.update(value.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Splits `role/<name>[/<rest>]` into the role name and the rest.
fn role_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(ROLE_PREFIX)?;
    let (name, sub) = rest.split_once('/').unwrap_or((rest, ""));
    is_name(name).then_some((name, sub))
}

#[async_trait]
impl LogicalBackend for AppRole {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let inner = &*self.inner;
        let path = req.relative_path.trim_start_matches('/');
        let op = req.operation;
        match (op, path) {
            (Operation::Update, "login") => return login::login(inner, req).await,
            (Operation::Update, "tidy/secret-id") => return Ok(Some(tidy::response(self.inner.clone().start_tidy()))),
            (Operation::List, "role" | "role/") => return role_paths::list(inner).await,
            (_, "login" | "tidy/secret-id" | "role" | "role/") => return Err(CoreError::UnsupportedOperation),
            _ => {}
        }
        let Some((name, sub)) = role_path(path) else { return Err(CoreError::UnsupportedPath) };
        let sub = if sub.ends_with('/') && sub.len() > 1 { &sub[..sub.len() - 1] } else { sub };
        match (op, sub) {
            (Operation::Read, "") => role_paths::read(inner, name).await,
            (Operation::Update, "") => role_paths::write(inner, req, name).await,
            (Operation::Delete, "") => role_paths::delete(inner, name).await,
            (Operation::Update, "secret-id") => secret_id_paths::generate(inner, req, name, None).await,
            (Operation::List, "secret-id") => secret_id_paths::list(inner, name).await,
            (Operation::Update, "custom-secret-id") => {
                let id = fields::string(&req.data, "secret_id")?.unwrap_or_default();
                secret_id_paths::generate(inner, req, name, Some(id)).await
            }
            (Operation::Update, "secret-id/lookup") => secret_id_paths::lookup(inner, req, name).await,
            (Operation::Update | Operation::Delete, "secret-id/destroy") => {
                secret_id_paths::destroy(inner, req, name).await
            }
            (Operation::Update, "secret-id-accessor/lookup") => {
                secret_id_paths::accessor_lookup(inner, req, name).await
            }
            (Operation::Update | Operation::Delete, "secret-id-accessor/destroy") => {
                secret_id_paths::accessor_destroy(inner, req, name).await
            }
            (op, field) if role_fields::is_field(field) => role_fields::handle(inner, req, op, name, field).await,
            (
                _,
                ""
                | "secret-id"
                | "custom-secret-id"
                | "secret-id/lookup"
                | "secret-id/destroy"
                | "secret-id-accessor/lookup"
                | "secret-id-accessor/destroy",
            ) => Err(CoreError::UnsupportedOperation),
            _ => Err(CoreError::UnsupportedPath),
        }
    }

    /// Vault's existence check on `role/<name>`: writing a missing role is a `create`.
    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        match role_path(req.relative_path.trim_start_matches('/')) {
            Some((name, "")) => {
                let _guard = self.inner.role_lock(name).read().await;
                Ok(Some(self.inner.load_role(name).await?.is_some()))
            }
            _ => Ok(None),
        }
    }

    fn special_paths(&self) -> &PathsSpecial {
        const SPECIAL: PathsSpecial = PathsSpecial { unauthenticated: &["login"], root: &[], seal_wrap: &[] };
        &SPECIAL
    }

    /// Vault's `pathLoginRenew`: the role must still exist; its current token TTLs bound the
    /// renewal.
    async fn renew_auth(&self, token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        let name = token.metadata.get("role_name").map(String::as_str).unwrap_or_default();
        let role = {
            let _guard = self.inner.role_lock(name).read().await;
            self.inner.load_role(name).await?
        };
        let role = role.ok_or_else(|| fields::failure(format!("role \"{name}\" does not exist during renewal")))?;
        Ok(Some(AuthRenewal { ttl: role.token_ttl, max_ttl: role.token_max_ttl, period: role.token_period }))
    }

    /// Vault tidies expired secret IDs once a minute, from the node's periodic scheduler.
    async fn periodic(&self) -> Result<(), CoreError> {
        self.inner.clone().start_tidy();
        Ok(())
    }
}
