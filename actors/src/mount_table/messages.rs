//! Messages of the mount table actor.

use super::MountEntry;
use crate::CoreError;
use actix::Message;
use std::sync::Arc;

/// post_unseal: read `core/mounts` (creating the defaults on first unseal) and publish routes.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct LoadMounts;

/// pre_seal: forget every mount and route.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ClearMounts;

#[derive(Message)]
#[rtype(result = "Arc<Vec<MountEntry>>")]
pub struct ListMounts;

#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Mount(pub MountEntry);

/// Removes a mount and deletes its data.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Unmount(pub String);

#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Remount {
    pub from: String,
    pub to: String,
}

/// Edits a copy of one mount entry; an error leaves the table unchanged.
pub type EntryEdit = Box<dyn FnOnce(&mut MountEntry) -> Result<(), CoreError> + Send>;

/// Changes a mount's config; `apply` validates and edits a copy of the entry.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Tune {
    pub path: String,
    pub apply: EntryEdit,
}
