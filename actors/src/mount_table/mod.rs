//! The mount table actor: owns the table of secret mounts (`core/mounts`) and the table of auth
//! methods (`core/auth`), persists them through the barrier and publishes an immutable
//! [`Router`] snapshot over both that the request path reads without waiting. Auth methods are
//! routed below `auth/`. Changes are copy-on-write: clone a table, change the copy, persist it,
//! then swap.

mod auth;
mod entry;
mod messages;
mod periodic;
mod router;

use crate::barrier::{Barrier, BarrierView};
use crate::engines::{create_backend, engine_type, EngineContext, LogicalBackend, SystemTtls, SystemView};
use crate::sync::Clock;
use crate::CoreError;
use actix::prelude::*;
use arc_swap::ArcSwap;
pub use auth::{DisableAuth, EnableAuth, ListAuth, TuneAuth};
use entry::StoredTable;
pub use entry::{
    normalize_path, MountConfig, MountEntry, AUTH_TABLE_PATH, CREDENTIAL_ROUTE_PREFIX, MOUNT_TABLE_PATH,
    PROTECTED_PREFIXES,
};
pub use messages::*;
pub(crate) use periodic::spawn_periodic;
pub use router::{Route, Router};
use std::collections::HashMap;
use std::sync::Arc;

pub struct MountTable {
    barrier: Arc<Barrier>,
    entries: Arc<Vec<MountEntry>>,
    /// Auth methods, `token/` included (the token store serves it; the entry is for listing and
    /// tuning).
    auth: Arc<Vec<MountEntry>>,
    router: Arc<ArcSwap<Router>>,
    /// The running engines by mount uuid: built when a mount appears, kept across every other
    /// table change (tune, remount, other mounts), cleaned up when it goes.
    live: HashMap<String, LiveMount>,
    sys: SystemTtls,
    /// The node's clock, handed to every engine.
    clock: Arc<Clock>,
}

/// A mounted engine and the entry its system view reads.
struct LiveMount {
    backend: Arc<dyn LogicalBackend>,
    entry: Arc<ArcSwap<MountEntry>>,
}

/// Which of the actor's two tables a change edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Mounts,
    Auth,
}

impl Table {
    fn storage_path(self) -> &'static str {
        match self {
            Table::Mounts => MOUNT_TABLE_PATH,
            Table::Auth => AUTH_TABLE_PATH,
        }
    }

    /// The `type` stored with the table, as Vault's `MountTable.Type`.
    fn kind(self) -> &'static str {
        match self {
            Table::Mounts => "mounts",
            Table::Auth => "auth",
        }
    }
}

impl MountTable {
    pub fn new(barrier: Arc<Barrier>, router: Arc<ArcSwap<Router>>, sys: SystemTtls, clock: Arc<Clock>) -> Self {
        MountTable {
            barrier,
            entries: Arc::new(Vec::new()),
            auth: Arc::new(Vec::new()),
            router,
            live: HashMap::new(),
            sys,
            clock,
        }
    }

    fn entries_of(&self, table: Table) -> &Arc<Vec<MountEntry>> {
        match table {
            Table::Mounts => &self.entries,
            Table::Auth => &self.auth,
        }
    }

    /// Replaces one table and publishes routes for both.
    fn publish(&mut self, table: Table, entries: Vec<MountEntry>) -> Result<(), CoreError> {
        match table {
            Table::Mounts => self.publish_all(entries, (*self.auth).clone()),
            Table::Auth => self.publish_all((*self.entries).clone(), entries),
        }
    }

    fn publish_all(&mut self, mounts: Vec<MountEntry>, auth: Vec<MountEntry>) -> Result<(), CoreError> {
        let router = self.build_router(&mounts, &auth)?;
        self.entries = Arc::new(mounts);
        self.auth = Arc::new(auth);
        self.router.store(Arc::new(router));
        Ok(())
    }

    /// Routes for every mount with an engine (the system backend and the token store are served
    /// before routing and get none). Engines already running keep running, with their entry
    /// updated in place; new mounts get a new engine; engines whose mount is gone are cleaned
    /// up.
    fn build_router(&mut self, mounts: &[MountEntry], auth: &[MountEntry]) -> Result<Router, CoreError> {
        let mut live = HashMap::new();
        let mut routes = HashMap::new();
        for e in mounts.iter().chain(auth).filter(|e| e.kind != "system" && e.kind != "token") {
            let mount = match self.live.remove(&e.uuid) {
                Some(m) => {
                    m.entry.store(Arc::new(e.clone()));
                    m
                }
                None => {
                    let entry = Arc::new(ArcSwap::from_pointee(e.clone()));
                    let ctx = EngineContext::new(
                        BarrierView::new(self.barrier.clone(), e.view_prefix()),
                        SystemView::new(entry.clone(), self.sys),
                        self.clock.clone(),
                    );
                    LiveMount { backend: create_backend(e, ctx)?, entry }
                }
            };
            routes.insert(e.api_path(), Route { entry: Arc::new(e.clone()), backend: mount.backend.clone() });
            live.insert(e.uuid.clone(), mount);
        }
        self.clean_up_all();
        self.live = live;
        Ok(Router::new(routes))
    }

    /// Cleans up every engine still in `live` (their mounts are gone), in the background.
    fn clean_up_all(&mut self) {
        let gone: Vec<Arc<dyn LogicalBackend>> = self.live.drain().map(|(_, m)| m.backend).collect();
        if gone.is_empty() {
            return;
        }
        actix::spawn(async move {
            for backend in gone {
                backend.cleanup().await;
            }
        });
    }
}

/// Refuses a type the registry does not know, in Vault's words, before anything is stored.
fn check_type(entry: &MountEntry) -> Result<(), CoreError> {
    match engine_type(entry) {
        Some(_) => Ok(()),
        None => Err(CoreError::invalid(format!("plugin not found in the catalog: {}", entry.kind))),
    }
}

impl Actor for MountTable {
    type Context = Context<Self>;
}

async fn persist(barrier: &Barrier, table: Table, entries: &[MountEntry]) -> Result<(), CoreError> {
    let stored = StoredTable { kind: table.kind().into(), entries: entries.to_vec() };
    barrier.put(table.storage_path(), &serde_json::to_vec(&stored)?).await
}

/// Reads a stored table, or creates and persists `defaults` when there is none.
async fn load_table(
    barrier: &Barrier,
    table: Table,
    defaults: fn() -> Vec<MountEntry>,
) -> Result<Vec<MountEntry>, CoreError> {
    match barrier.get(table.storage_path()).await? {
        Some(bytes) => Ok(serde_json::from_slice::<StoredTable>(&bytes)?.entries),
        None => {
            let entries = defaults();
            persist(barrier, table, &entries).await?;
            Ok(entries)
        }
    }
}

/// Runs `work` on a copy of the table and, if it succeeds, persists and publishes the result.
/// `AtomicResponse` keeps other table messages out until this one is done.
fn change<F, Fut, T>(table: &MountTable, which: Table, work: F) -> AtomicResponse<MountTable, Result<T, CoreError>>
where
    F: FnOnce(Vec<MountEntry>, Arc<Barrier>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<MountEntry>, T), CoreError>> + 'static,
    T: 'static,
{
    let barrier = table.barrier.clone();
    let fut = work((**table.entries_of(which)).clone(), barrier.clone());
    let fut = async move {
        let (entries, out) = fut.await?;
        persist(&barrier, which, &entries).await?;
        Ok::<_, CoreError>((entries, out))
    };
    AtomicResponse::new(Box::pin(fut.into_actor(table).map(move |res, act: &mut MountTable, _| {
        let (entries, out) = res?;
        act.publish(which, entries)?;
        Ok(out)
    })))
}

impl Handler<LoadMounts> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: LoadMounts, _: &mut Context<Self>) -> Self::Result {
        let barrier = self.barrier.clone();
        let fut = async move {
            let mut entries = load_table(&barrier, Table::Mounts, MountEntry::defaults).await?;
            // Tables written before the cubbyhole engine existed gain its mount.
            if !entries.iter().any(|e| e.kind == "cubbyhole") {
                entries.push(MountEntry::cubbyhole());
                persist(&barrier, Table::Mounts, &entries).await?;
            }
            let auth = load_table(&barrier, Table::Auth, MountEntry::auth_defaults).await?;
            Ok::<_, CoreError>((entries, auth))
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut MountTable, _| {
            let (entries, auth) = res?;
            act.publish_all(entries, auth)
        })))
    }
}

impl Handler<ClearMounts> for MountTable {
    type Result = ();

    fn handle(&mut self, _: ClearMounts, _: &mut Context<Self>) {
        self.entries = Arc::new(Vec::new());
        self.auth = Arc::new(Vec::new());
        self.router.store(Arc::new(Router::default()));
        self.clean_up_all();
    }
}

impl Handler<ListMounts> for MountTable {
    type Result = Arc<Vec<MountEntry>>;

    fn handle(&mut self, _: ListMounts, _: &mut Context<Self>) -> Self::Result {
        self.entries.clone()
    }
}

/// Why `path` may not be mounted next to the `existing` mounts.
fn check_free(existing: &[MountEntry], path: &str) -> Result<(), CoreError> {
    if PROTECTED_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return Err(CoreError::invalid(format!("cannot mount under protected path \"{path}\"")));
    }
    if let Some(e) = existing.iter().find(|e| path.starts_with(&e.path) || e.path.starts_with(path)) {
        return Err(CoreError::invalid(format!("path is already in use at {}", e.path)));
    }
    Ok(())
}

impl Handler<Mount> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: Mount, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Mounts, move |mut entries, _| async move {
            let mut entry = msg.0;
            entry.path = normalize_path(&entry.path);
            if entry.path == "/" {
                return Err(CoreError::invalid("path cannot be empty"));
            }
            check_free(&entries, &entry.path)?;
            // Fails early (400) for unknown engine types.
            check_type(&entry)?;
            entries.push(entry);
            Ok((entries, ()))
        })
    }
}

impl Handler<Unmount> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: Unmount, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Mounts, move |mut entries, barrier| async move {
            let path = normalize_path(&msg.0);
            if PROTECTED_PREFIXES.iter().any(|p| path.starts_with(p)) {
                return Err(CoreError::invalid(format!("cannot unmount \"{path}\"")));
            }
            // Vault answers success for a path that is not mounted.
            if let Some(i) = entries.iter().position(|e| e.path == path) {
                let removed = entries.remove(i);
                BarrierView::new(barrier, removed.view_prefix()).clear().await?;
            }
            Ok((entries, ()))
        })
    }
}

impl Handler<Remount> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: Remount, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Mounts, move |mut entries, _| async move {
            let from = normalize_path(&msg.from);
            let to = normalize_path(&msg.to);
            for p in [&from, &to] {
                if PROTECTED_PREFIXES.iter().any(|pre| p.starts_with(pre)) {
                    return Err(CoreError::invalid(format!("cannot remount \"{p}\"")));
                }
            }
            let i = entries
                .iter()
                .position(|e| e.path == from)
                .ok_or_else(|| CoreError::invalid(format!("no matching mount at \"{from}\"")))?;
            let others: Vec<MountEntry> = entries.iter().filter(|e| e.path != from).cloned().collect();
            check_free(&others, &to)?;
            // The data stays under the mount's uuid, so moving is a rename of the entry.
            entries[i].path = to;
            Ok((entries, ()))
        })
    }
}

impl Handler<Tune> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: Tune, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Mounts, move |mut entries, _| async move {
            let path = normalize_path(&msg.path);
            let entry = entries
                .iter_mut()
                .find(|e| e.path == path)
                .ok_or_else(|| CoreError::invalid(format!("no mount entry found for path {path}")))?;
            (msg.apply)(entry)?;
            Ok((entries, ()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::unsealed_barrier;

    pub(super) fn test_ttls() -> SystemTtls {
        SystemTtls { default_ttl: 768 * 3600, max_ttl: 768 * 3600 }
    }

    async fn table() -> (Addr<MountTable>, Arc<ArcSwap<Router>>, Arc<Barrier>) {
        let barrier = unsealed_barrier().await;
        let router = Arc::new(ArcSwap::from_pointee(Router::default()));
        let addr = MountTable::new(barrier.clone(), router.clone(), test_ttls(), Default::default()).start();
        addr.send(LoadMounts).await.unwrap().unwrap();
        (addr, router, barrier)
    }

    #[actix_rt::test]
    async fn mount_route_remount_unmount_and_reload() {
        let (addr, router, barrier) = table().await;
        let kv = MountEntry::new("team", "kv", "d");
        addr.send(Mount(kv)).await.unwrap().unwrap();
        assert!(router.load().route("team/x").is_some());
        let dup = addr.send(Mount(MountEntry::new("team/sub", "kv", ""))).await.unwrap();
        assert_eq!(dup.unwrap_err().to_string(), "path is already in use at team/");
        let bad = addr.send(Mount(MountEntry::new("x", "nope", ""))).await.unwrap();
        assert_eq!(bad.unwrap_err().status(), 400);
        addr.send(Remount { from: "team".into(), to: "moved".into() }).await.unwrap().unwrap();
        assert!(router.load().route("team/x").is_none());
        assert!(router.load().route("moved/x").is_some());

        // A second actor over the same barrier loads what the first persisted.
        let router2 = Arc::new(ArcSwap::from_pointee(Router::default()));
        let addr2 = MountTable::new(barrier, router2.clone(), test_ttls(), Default::default()).start();
        addr2.send(LoadMounts).await.unwrap().unwrap();
        assert!(router2.load().route("moved/x").is_some());

        addr.send(Unmount("moved/".into())).await.unwrap().unwrap();
        assert!(router.load().route("moved/x").is_none());
        let sys = addr.send(Unmount("sys".into())).await.unwrap();
        assert_eq!(sys.unwrap_err().status(), 400);
    }
}
