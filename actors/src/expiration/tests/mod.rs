//! Unit tests of the expiration manager over an unsealed in-memory barrier, with a small
//! dynamic-secrets engine mounted at `dyn/` that records what it is asked to renew and revoke.

mod leases;
mod restore;
mod retry;
mod tokens;

use super::*;
use crate::barrier::Barrier;
use crate::engines::LogicalBackend;
use crate::mount_table::{MountEntry, Route, Router};
use crate::test_support::unsealed_barrier;
use crate::token_store::{CreatedToken, NewToken, SysTtls, TokenLeases, TokenStore};
use crate::{CoreError, Request, Response, Secret};
use arc_swap::ArcSwap;
use async_trait::async_trait;
use serde_json::{json, Map};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(super) const SYS: SysTtls = SysTtls { default_ttl: 768 * 3600, max_ttl: 768 * 3600 };

/// How the test engine answers revocations.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Mode {
    Ok = 0,
    /// A transient failure: retried with backoff.
    Fail = 1,
    /// An error no retry fixes: irrevocable at once.
    Unsupported = 2,
}

/// Issues `creds` with the TTL asked for (`ttl`, `max_ttl` in the request), renews by
/// granting `renew_ttl`, and records every revocation.
#[derive(Default)]
pub(super) struct DynEngine {
    pub revoked: Mutex<Vec<String>>,
    pub renewed: Mutex<Vec<(String, u64)>>,
    /// Revocation attempts, failed ones included.
    pub attempts: AtomicUsize,
    mode: AtomicU8,
}

impl DynEngine {
    pub fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    pub fn revoked(&self) -> Vec<String> {
        self.revoked.lock().unwrap().clone()
    }
}

#[async_trait]
impl LogicalBackend for DynEngine {
    fn special_paths(&self) -> &crate::logical::PathsSpecial {
        const NONE: crate::logical::PathsSpecial =
            crate::logical::PathsSpecial { unauthenticated: &[], root: &[], seal_wrap: &[] };
        &NONE
    }

    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let ttl = req.data.get("ttl").and_then(|v| v.as_u64()).unwrap_or(0);
        let max_ttl = req.data.get("max_ttl").and_then(|v| v.as_u64()).unwrap_or(0);
        let mut internal = Map::new();
        internal.insert("user".into(), json!(format!("u-{}", req.id)));
        let mut resp = Response::from_value(json!({ "username": format!("u-{}", req.id) }));
        resp.secret = Some(Secret { renewable: true, ttl, max_ttl, internal });
        Ok(Some(resp))
    }

    async fn renew_secret(&self, lease: &SecretLease) -> Result<Option<Response>, CoreError> {
        self.renewed.lock().unwrap().push((lease.lease_id.clone(), lease.increment));
        let mut resp = Response::with_data(lease.data.clone());
        resp.secret = Some(Secret { ttl: 60, ..lease.secret.clone() });
        Ok(Some(resp))
    }

    async fn revoke_secret(&self, lease: &SecretLease) -> Result<(), CoreError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        match self.mode.load(Ordering::SeqCst) {
            1 => Err(CoreError::internal("database unreachable")),
            2 => Err(CoreError::UnsupportedOperation),
            _ => {
                assert!(lease.secret.internal.contains_key("user"), "internal data comes back");
                self.revoked.lock().unwrap().push(lease.lease_id.clone());
                Ok(())
            }
        }
    }
}

pub(super) struct Fixture {
    pub barrier: Arc<Barrier>,
    pub tokens: Arc<TokenStore>,
    pub router: Arc<ArcSwap<Router>>,
    pub engine: Arc<DynEngine>,
    pub exp: Arc<Expiration>,
    pub root: CreatedToken,
}

impl Fixture {
    /// A fresh barrier with `dyn/` mounted (max TTL `mount_max`, 0 = the system's) and an
    /// active expiration manager whose timers run.
    pub async fn new(mount_max: u64) -> Fixture {
        let barrier = unsealed_barrier().await;
        let engine = Arc::new(DynEngine::default());
        let mut entry = MountEntry::new("dyn/", "dyn", "");
        entry.config.max_lease_ttl = mount_max;
        let routes = HashMap::from([("dyn/".to_string(), Route { entry: Arc::new(entry), backend: engine.clone() })]);
        let router = Arc::new(ArcSwap::from_pointee(Router::new(routes)));
        Fixture::over(barrier, router, engine).await
    }

    /// Another node (or a restart) over the same storage and mounts.
    pub async fn over(barrier: Arc<Barrier>, router: Arc<ArcSwap<Router>>, engine: Arc<DynEngine>) -> Fixture {
        // One clock, as in the node: advancing it ages tokens and leases together.
        let clock = Arc::new(crate::sync::Clock::default());
        let tokens = Arc::new(TokenStore::new(barrier.clone(), clock.clone()));
        tokens.load().await.unwrap();
        let exp = Arc::new(Expiration::new(barrier.clone(), tokens.clone(), router.clone(), SYS, clock));
        let hook: Arc<dyn TokenLeases> = exp.clone();
        tokens.set_lease_hook(Arc::downgrade(&hook));
        exp.set_retry_base(Duration::from_millis(5));
        let root = tokens
            .create(NewToken { policies: vec!["root".into()], path: "auth/token/create".into(), ..Default::default() })
            .await
            .unwrap();
        Fixture { barrier, tokens, router, engine, exp, root }
    }

    /// Activates this node: timers run and stored leases are restored.
    pub async fn activate(&self) -> RestoreReport {
        let generation = self.exp.activate();
        tokio::spawn(self.exp.clone().run_timers(generation));
        self.exp.clone().restore(generation).await.unwrap()
    }

    /// A child token of root with `ttl` seconds.
    pub async fn token(&self, ttl: u64) -> CreatedToken {
        let spec = NewToken {
            policies: vec!["default".into()],
            path: "auth/token/create".into(),
            parent: Some(self.root.entry.key().to_string()),
            ttl,
            renewable: true,
            ..Default::default()
        };
        self.tokens.create(spec).await.unwrap()
    }

    /// Issues a secret from `dyn/<path>` to `holder` and leases it, as step 7 does.
    pub async fn issue(&self, holder: &CreatedToken, path: &str, ttl: u64) -> Registered {
        let mut req = Request::new(crate::Operation::Read, format!("dyn/{path}"));
        req.data.insert("ttl".into(), json!(ttl));
        let mut resp = self.engine.handle(&req).await.unwrap().unwrap();
        let secret = resp.secret.take().unwrap();
        let lease = NewSecretLease { path: req.path.clone(), secret, data: resp.data };
        self.exp.register_secret(&holder.entry, lease).await.unwrap()
    }
}

/// Polls `cond` until it holds; panics with `what` after five seconds.
pub(super) async fn wait_for<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
