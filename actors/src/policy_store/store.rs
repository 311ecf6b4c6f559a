//! The policy store actor: owns the named ACL policies, persists them through the barrier at
//! `sys/policy/<name>` and publishes an immutable [`PolicySet`] snapshot that the request path
//! reads without waiting. Changes are copy-on-write, as in the mount table.

use super::messages::*;
use super::{
    Acl, Policy, PolicyError, DEFAULT_POLICY, DEFAULT_POLICY_NAME, RESPONSE_WRAPPING_POLICY,
    RESPONSE_WRAPPING_POLICY_NAME, ROOT_POLICY_NAME,
};
use crate::barrier::{Barrier, BarrierView};
use crate::CoreError;
use actix::prelude::*;
use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// Where policies live in the barrier (Vault's system view `sys/` + `policy/`).
pub const POLICY_PREFIX: &str = "sys/policy/";

/// Policies that can be neither written nor deleted through the API.
const IMMUTABLE: [&str; 2] = [ROOT_POLICY_NAME, RESPONSE_WRAPPING_POLICY_NAME];
/// Policies that exist but are not listed (they cannot be given to tokens).
const NON_ASSIGNABLE: [&str; 1] = [RESPONSE_WRAPPING_POLICY_NAME];

/// The stored form of a policy (Vault's `PolicyEntry`).
#[derive(Debug, Serialize, Deserialize)]
struct PolicyEntry {
    version: u32,
    raw: String,
    #[serde(rename = "type")]
    kind: String,
}

/// How many distinct policy-name sets keep a compiled ACL before the cache starts over.
const ACL_CACHE_LIMIT: usize = 4096;

/// An immutable snapshot of the compiled policies, keyed by lower-cased name. It also caches the
/// merged [`Acl`] per set of policy names, so the request path compiles a token's policies once
/// per snapshot; a change publishes a new snapshot with an empty cache.
#[derive(Debug, Default)]
pub struct PolicySet {
    policies: BTreeMap<String, Arc<Policy>>,
    acls: RwLock<HashMap<Vec<String>, Arc<Acl>>>,
}

impl Clone for PolicySet {
    /// A clone is the start of a changed snapshot: it shares the policies, not the ACL cache.
    fn clone(&self) -> Self {
        PolicySet { policies: self.policies.clone(), acls: RwLock::default() }
    }
}

impl PolicySet {
    /// A snapshot of exactly these policies (tests and benchmarks; the actor loads from storage).
    pub fn from_policies(policies: impl IntoIterator<Item = Policy>) -> Self {
        let policies = policies.into_iter().map(|p| (sanitize_name(&p.name), Arc::new(p))).collect();
        PolicySet { policies, acls: RwLock::default() }
    }

    /// A policy by name; `root` is always there.
    pub fn get(&self, name: &str) -> Option<Arc<Policy>> {
        let name = sanitize_name(name);
        if name == ROOT_POLICY_NAME {
            return Some(Arc::new(Policy::root()));
        }
        self.policies.get(&name).cloned()
    }

    /// Sorted names of the assignable stored policies (without `root`).
    pub fn names(&self) -> Vec<String> {
        self.policies.keys().filter(|n| !NON_ASSIGNABLE.contains(&n.as_str())).cloned().collect()
    }

    /// The ACL of a token holding `names`; unknown names grant nothing, as in Vault.
    pub fn acl(&self, names: &[String]) -> Result<Acl, PolicyError> {
        let policies: Vec<Policy> = names.iter().filter_map(|n| self.get(n)).map(|p| (*p).clone()).collect();
        Acl::new(&policies)
    }

    /// [`PolicySet::acl`], compiled once per distinct list of names in this snapshot.
    pub fn cached_acl(&self, names: &[String]) -> Result<Arc<Acl>, PolicyError> {
        if let Some(acl) = self.acls.read().unwrap_or_else(|p| p.into_inner()).get(names) {
            return Ok(acl.clone());
        }
        let acl = Arc::new(self.acl(names)?);
        let mut cache = self.acls.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= ACL_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(names.to_vec(), acl.clone());
        Ok(acl)
    }
}

/// Vault's `sanitizeName`: policy names are trimmed and lower-cased.
pub fn sanitize_name(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Rejects names that would not map to a single storage key.
fn check_name(name: &str) -> Result<(), CoreError> {
    if name.is_empty() {
        return Err(CoreError::invalid("policy name must be provided in the URL"));
    }
    if name.contains('/') || name.contains("..") || name.chars().any(char::is_control) {
        return Err(CoreError::invalid(format!("policy name \"{name}\" contains invalid characters")));
    }
    Ok(())
}

pub struct PolicyStore {
    view: BarrierView,
    set: Arc<PolicySet>,
    published: Arc<ArcSwap<PolicySet>>,
}

impl PolicyStore {
    pub fn new(barrier: Arc<Barrier>, published: Arc<ArcSwap<PolicySet>>) -> Self {
        PolicyStore { view: BarrierView::new(barrier, POLICY_PREFIX), set: Arc::default(), published }
    }

    fn publish(&mut self, set: PolicySet) {
        let set = Arc::new(set);
        self.set = set.clone();
        self.published.store(set);
    }
}

impl Actor for PolicyStore {
    type Context = Context<Self>;
}

async fn persist(view: &BarrierView, name: &str, raw: &str) -> Result<(), CoreError> {
    view.put_json(name, &PolicyEntry { version: 2, raw: raw.to_string(), kind: "acl".into() }).await
}

/// Compiles stored text; text that no longer parses is kept (readable, deletable) but grants nothing.
fn compile_stored(name: &str, raw: String) -> Policy {
    match Policy::parse(name, raw.clone()) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(policy = name, error = %e, "stored policy does not parse; it grants nothing");
            Policy { name: name.to_string(), raw, paths: Vec::new(), templated: false }
        }
    }
}

async fn load_all(view: BarrierView) -> Result<PolicySet, CoreError> {
    let mut policies = BTreeMap::new();
    for key in view.list_recursive("").await? {
        if let Some(entry) = view.get_json::<PolicyEntry>(&key).await? {
            let name = sanitize_name(&key);
            policies.insert(name.clone(), Arc::new(compile_stored(&name, entry.raw)));
        }
    }
    // `default` is created once and may be edited; `response-wrapping` is always Vault's text.
    let builtins =
        [(DEFAULT_POLICY_NAME, DEFAULT_POLICY, false), (RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY, true)];
    for (name, text, fixed) in builtins {
        let current = policies.get(name).map(|p| p.raw.as_str());
        if current.is_none() || (fixed && current != Some(text)) {
            let policy = Policy::parse(name, text).map_err(CoreError::internal)?;
            persist(&view, name, text).await?;
            policies.insert(name.to_string(), Arc::new(policy));
        }
    }
    Ok(PolicySet { policies, acls: RwLock::default() })
}

impl Handler<LoadPolicies> for PolicyStore {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: LoadPolicies, _: &mut Context<Self>) -> Self::Result {
        let fut = load_all(self.view.clone());
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut PolicyStore, _| {
            act.publish(res?);
            Ok(())
        })))
    }
}

impl Handler<ClearPolicies> for PolicyStore {
    type Result = ();

    fn handle(&mut self, _: ClearPolicies, _: &mut Context<Self>) {
        self.publish(PolicySet::default());
    }
}

impl Handler<PutPolicy> for PolicyStore {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: PutPolicy, _: &mut Context<Self>) -> Self::Result {
        let name = sanitize_name(&msg.name);
        let checked = check_name(&name).and_then(|_| {
            if IMMUTABLE.contains(&name.as_str()) {
                return Err(CoreError::invalid(format!("cannot update \"{name}\" policy")));
            }
            Policy::parse(name.clone(), msg.raw).map_err(|e| CoreError::invalid(e.to_string()))
        });
        let view = self.view.clone();
        let fut = async move {
            let policy = checked?;
            persist(&view, &policy.name, &policy.raw).await?;
            Ok::<_, CoreError>(policy)
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut PolicyStore, _| {
            let policy = res?;
            let mut set = (*act.set).clone();
            set.policies.insert(policy.name.clone(), Arc::new(policy));
            act.publish(set);
            Ok(())
        })))
    }
}

impl Handler<GetPolicy> for PolicyStore {
    type Result = Result<Option<Arc<Policy>>, CoreError>;

    fn handle(&mut self, msg: GetPolicy, _: &mut Context<Self>) -> Self::Result {
        let name = sanitize_name(&msg.0);
        check_name(&name)?;
        Ok(self.set.get(&name))
    }
}

impl Handler<DeletePolicy> for PolicyStore {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: DeletePolicy, _: &mut Context<Self>) -> Self::Result {
        let name = sanitize_name(&msg.0);
        let checked = check_name(&name).and_then(|_| {
            if IMMUTABLE.contains(&name.as_str()) {
                return Err(CoreError::invalid(format!("cannot delete \"{name}\" policy")));
            }
            if name == DEFAULT_POLICY_NAME {
                return Err(CoreError::invalid("cannot delete default policy"));
            }
            Ok(())
        });
        let view = self.view.clone();
        let key = name.clone();
        let fut = async move {
            checked?;
            view.delete(&key).await
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act: &mut PolicyStore, _| {
            res?;
            if act.set.policies.contains_key(&name) {
                let mut set = (*act.set).clone();
                set.policies.remove(&name);
                act.publish(set);
            }
            Ok(())
        })))
    }
}

impl Handler<ListPolicies> for PolicyStore {
    type Result = Vec<String>;

    fn handle(&mut self, _: ListPolicies, _: &mut Context<Self>) -> Self::Result {
        self.set.names()
    }
}
