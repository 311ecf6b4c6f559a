//! The auth table's messages (Vault's `enableCredential`, `disableCredential` and auth tuning):
//! auth methods are mount entries of their own table, stored at `core/auth`, routed below
//! `auth/` and keeping their data below `auth/<uuid>/`.

use super::messages::EntryEdit;
use super::{change, normalize_path, MountEntry, MountTable, Table};
use crate::barrier::BarrierView;
use crate::CoreError;
use actix::prelude::*;
use std::sync::Arc;

/// Every auth method, `token/` included.
#[derive(Message)]
#[rtype(result = "Arc<Vec<MountEntry>>")]
pub struct ListAuth;

/// Enables an auth method (the entry comes from [`MountEntry::new_auth`]).
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct EnableAuth(pub MountEntry);

/// Disables an auth method and deletes its data; a path with no method is a success.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct DisableAuth(pub String);

/// Changes an auth method's entry; `apply` validates and edits a copy.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct TuneAuth {
    pub path: String,
    pub apply: EntryEdit,
}

impl Handler<ListAuth> for MountTable {
    type Result = Arc<Vec<MountEntry>>;

    fn handle(&mut self, _: ListAuth, _: &mut Context<Self>) -> Self::Result {
        self.auth.clone()
    }
}

impl Handler<EnableAuth> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: EnableAuth, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Auth, move |mut entries, _| async move {
            let mut entry = msg.0;
            entry.path = normalize_path(&entry.path);
            if entry.path == "/" {
                return Err(CoreError::invalid("backend path must be specified"));
            }
            // The token store is a singleton.
            if entry.kind == "token" {
                return Err(CoreError::invalid("token credential backend cannot be instantiated"));
            }
            if let Some(e) = entries.iter().find(|e| e.path.starts_with(&entry.path) || entry.path.starts_with(&e.path))
            {
                return Err(CoreError::invalid(format!("path is already in use at {}", e.path)));
            }
            // Fails early (400) for unknown types.
            super::check_type(&entry)?;
            entries.push(entry);
            Ok((entries, ()))
        })
    }
}

impl Handler<DisableAuth> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: DisableAuth, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Auth, move |mut entries, barrier| async move {
            let path = normalize_path(&msg.0);
            if path == "token/" {
                return Err(CoreError::invalid("token credential backend cannot be disabled"));
            }
            // The tokens this method issued were revoked before (`sys/auth` disable revokes the
            // `auth/<path>` lease prefix first).
            if let Some(i) = entries.iter().position(|e| e.path == path) {
                let removed = entries.remove(i);
                BarrierView::new(barrier, removed.view_prefix()).clear().await?;
            }
            Ok((entries, ()))
        })
    }
}

impl Handler<TuneAuth> for MountTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: TuneAuth, _: &mut Context<Self>) -> Self::Result {
        change(self, Table::Auth, move |mut entries, _| async move {
            let path = normalize_path(&msg.path);
            let entry = entries
                .iter_mut()
                .find(|e| e.path == path)
                .ok_or_else(|| CoreError::invalid(format!("cannot fetch sysview for path \"auth/{path}\"")))?;
            (msg.apply)(entry)?;
            Ok((entries, ()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mount_table::{LoadMounts, Router};
    use crate::test_support::unsealed_barrier;
    use arc_swap::ArcSwap;

    async fn table(barrier: Arc<crate::barrier::Barrier>) -> (Addr<MountTable>, Arc<ArcSwap<Router>>) {
        let router = Arc::new(ArcSwap::from_pointee(Router::default()));
        let addr = MountTable::new(barrier, router.clone(), crate::mount_table::tests::test_ttls(), Default::default())
            .start();
        addr.send(LoadMounts).await.unwrap().unwrap();
        (addr, router)
    }

    #[actix_rt::test]
    async fn auth_methods_persist_route_below_auth_and_keep_their_data_apart() {
        let barrier = unsealed_barrier().await;
        let (addr, router) = table(barrier.clone()).await;
        let first = addr.send(ListAuth).await.unwrap();
        assert_eq!(first.len(), 1);
        let token = &first[0];
        assert_eq!((token.path.as_str(), token.kind.as_str(), token.is_auth()), ("token/", "token", true));
        assert!(token.accessor.starts_with("auth_token_"));

        addr.send(EnableAuth(MountEntry::new_auth("userpass", "userpass", "people"))).await.unwrap().unwrap();
        let (route, rest) = router.load().route("auth/userpass/login/alice").map(|(r, s)| (r.clone(), s)).unwrap();
        assert_eq!((route.entry.path.as_str(), rest.as_str()), ("userpass/", "login/alice"));
        assert_eq!(route.entry.api_path(), "auth/userpass/");
        assert!(route.entry.view_prefix().starts_with("auth/"));
        assert!(router.load().route("userpass/x").is_none(), "auth methods are only below auth/");
        assert!(router.load().route("auth/token/create").is_none(), "the token store is served before routing");

        let err = |r: Result<(), CoreError>| r.unwrap_err().to_string();
        let again = addr.send(EnableAuth(MountEntry::new_auth("userpass/sub", "userpass", ""))).await.unwrap();
        assert_eq!(err(again), "path is already in use at userpass/");
        let unknown = addr.send(EnableAuth(MountEntry::new_auth("x", "nope", ""))).await.unwrap();
        assert_eq!(err(unknown), "plugin not found in the catalog: nope");
        let secret_type = addr.send(EnableAuth(MountEntry::new_auth("kv", "kv", ""))).await.unwrap();
        assert_eq!(err(secret_type), "plugin not found in the catalog: kv");
        let token2 = addr.send(EnableAuth(MountEntry::new_auth("t2", "token", ""))).await.unwrap();
        assert_eq!(err(token2), "token credential backend cannot be instantiated");
        let disable_token = addr.send(DisableAuth("token".into())).await.unwrap();
        assert_eq!(err(disable_token), "token credential backend cannot be disabled");

        let apply: EntryEdit = Box::new(|e: &mut MountEntry| {
            e.config.default_lease_ttl = 60;
            Ok(())
        });
        addr.send(TuneAuth { path: "userpass/".into(), apply }).await.unwrap().unwrap();
        let noop: EntryEdit = Box::new(|_: &mut MountEntry| Ok(()));
        let missing = addr.send(TuneAuth { path: "nothere".into(), apply: noop }).await.unwrap();
        assert_eq!(err(missing), "cannot fetch sysview for path \"auth/nothere/\"");

        // Another actor over the same barrier loads the persisted auth table.
        let (addr2, router2) = table(barrier.clone()).await;
        let reloaded = addr2.send(ListAuth).await.unwrap();
        assert_eq!(reloaded.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), vec!["token/", "userpass/"]);
        assert_eq!(reloaded[1].config.default_lease_ttl, 60);
        assert_eq!(reloaded[0].uuid, token.uuid);
        assert!(router2.load().route("auth/userpass/login/x").is_some());

        // Disabling deletes the method's data.
        let view = BarrierView::new(barrier.clone(), route.entry.view_prefix());
        view.put("user/alice", b"{}").await.unwrap();
        addr.send(DisableAuth("userpass/".into())).await.unwrap().unwrap();
        assert!(view.get("user/alice").await.unwrap().is_none());
        assert!(router.load().route("auth/userpass/login/x").is_none());
        addr.send(DisableAuth("never-there".into())).await.unwrap().unwrap();
    }
}
