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
mod paths;
mod role;
mod role_fields;
mod role_paths;
mod secret_id;
mod secret_id_paths;
mod tidy;

#[cfg(test)]
mod test_util;

use super::{EngineContext, MountSalt, SystemView};
use crate::barrier::{hmac_hex, BarrierView};
use crate::logical::{AuthRenewal, TokenRenewal};
use crate::sync::{Clock, Striped};
use crate::CoreError;
use chrono::{DateTime, Utc};
use fields::MAX_HMAC_INPUT;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tokio::sync::{Mutex, RwLock};
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
/// Lock stripes for roles and for secret IDs.
const ROLE_STRIPES: usize = 64;
const SECRET_ID_STRIPES: usize = 256;

/// One AppRole mount.
pub struct AppRole {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    view: BarrierView,
    salt: MountSalt,
    system: SystemView,
    role_locks: Striped<RwLock<()>>,
    secret_id_locks: Striped<RwLock<()>>,
    role_id_lock: Mutex<()>,
    tidying: AtomicBool,
    clock: Arc<Clock>,
}

impl AppRole {
    /// The mount's live max lease TTL (through the system view) caps secret ID TTLs and a
    /// role's `period`.
    pub fn new(ctx: EngineContext) -> Self {
        let inner = Arc::new(Inner {
            view: ctx.view,
            salt: ctx.salt,
            system: ctx.system,
            role_locks: Striped::new(ROLE_STRIPES),
            secret_id_locks: Striped::new(SECRET_ID_STRIPES),
            role_id_lock: Mutex::new(()),
            tidying: AtomicBool::new(false),
            clock: ctx.clock,
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
        self.clock.now()
    }

    #[cfg(test)]
    pub(crate) fn advance_clock(&self, secs: i64) {
        self.clock.advance(secs);
    }

    /// The salted form of a role_id or accessor: the only form either is indexed under.
    pub(crate) async fn salted(&self, value: &str) -> Result<String, CoreError> {
        self.salt.salted(value).await
    }

    pub(crate) fn role_lock(&self, name: &str) -> &RwLock<()> {
        self.role_locks.get(&name.to_lowercase())
    }

    pub(crate) fn secret_id_lock(&self, secret_id_hmac: &str) -> &RwLock<()> {
        self.secret_id_locks.get(secret_id_hmac)
    }
}

/// Vault's `createHMAC`: hex HMAC-SHA256 of `value` under a role's key.
pub(crate) fn create_hmac(key: &str, value: &str) -> Result<String, CoreError> {
    if key.is_empty() {
        return Err(fields::failure("invalid HMAC key"));
    }
    if value.len() > MAX_HMAC_INPUT {
        return Err(fields::failure(format!("value is longer than maximum of {MAX_HMAC_INPUT} bytes")));
    }
    hmac_hex(key.as_bytes(), value)
}

impl AppRole {
    /// Vault's `pathLoginRenew`: the role must still exist; its current token TTLs bound the
    /// renewal.
    async fn renew(&self, token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        let name = token.metadata.get("role_name").map(String::as_str).unwrap_or_default();
        let role = {
            let _guard = self.inner.role_lock(name).read().await;
            self.inner.load_role(name).await?
        };
        let role = role.ok_or_else(|| fields::failure(format!("role \"{name}\" does not exist during renewal")))?;
        Ok(Some(AuthRenewal {
            ttl: role.token.token_ttl,
            max_ttl: role.token.token_max_ttl,
            period: role.token.token_period,
        }))
    }
}
