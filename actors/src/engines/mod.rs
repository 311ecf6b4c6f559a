//! Secret engines and auth methods, and the registry of the types this node can mount. Each
//! mount gets its own engine instance, built once when the mount appears and kept until it goes
//! away (see `mount_table`).

pub mod approle;
mod context;
pub mod cubbyhole;
pub mod kv_v1;
pub mod kv_v2;
mod salt;
pub mod transit;
pub mod userpass;

pub use crate::logical::LogicalBackend;
pub use context::{EngineContext, SystemTtls, SystemView};
pub use salt::MountSalt;

use crate::logical::Backend;
use crate::mount_table::MountEntry;
use crate::CoreError;
use std::sync::Arc;

/// Which table a type mounts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineClass {
    Secret,
    Auth,
}

/// Vault's `deprecation_status` of a builtin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deprecation {
    Supported,
    Deprecated,
    PendingRemoval,
}

impl Deprecation {
    pub fn as_str(self) -> &'static str {
        match self {
            Deprecation::Supported => "supported",
            Deprecation::Deprecated => "deprecated",
            Deprecation::PendingRemoval => "pending removal",
        }
    }
}

/// Builds a mount's backend.
pub type Constructor = fn(EngineContext) -> Result<Arc<dyn LogicalBackend>, CoreError>;

/// A mountable type.
pub struct EngineType {
    pub kind: &'static str,
    /// Other names `sys/mounts` accepts for it.
    pub aliases: &'static [&'static str],
    pub class: EngineClass,
    pub deprecation: Deprecation,
    pub build: Constructor,
}

impl EngineType {
    fn is(&self, kind: &str) -> bool {
        self.kind == kind || self.aliases.contains(&kind)
    }
}

fn framework<E: crate::logical::Engine>(engine: E) -> Result<Arc<dyn LogicalBackend>, CoreError> {
    Ok(Arc::new(Backend::new(engine)?))
}

/// Every type this node can mount. `system`, `token` and `identity` are served before routing
/// and are not here.
pub const ENGINE_TYPES: &[EngineType] = &[
    EngineType {
        kind: "kv",
        aliases: &["kv-v2", "generic"],
        class: EngineClass::Secret,
        deprecation: Deprecation::Supported,
        build: |ctx| {
            if kv_version(&ctx.system.mount()) == 2 {
                framework(kv_v2::KvV2::new(ctx))
            } else {
                framework(kv_v1::KvV1::new(ctx))
            }
        },
    },
    EngineType {
        kind: "cubbyhole",
        aliases: &[],
        class: EngineClass::Secret,
        deprecation: Deprecation::Supported,
        build: |ctx| framework(cubbyhole::Cubbyhole::new(ctx)),
    },
    EngineType {
        kind: "transit",
        aliases: &[],
        class: EngineClass::Secret,
        deprecation: Deprecation::Supported,
        build: |ctx| framework(transit::Transit::new(ctx)),
    },
    EngineType {
        kind: "userpass",
        aliases: &[],
        class: EngineClass::Auth,
        deprecation: Deprecation::Supported,
        build: |ctx| framework(userpass::Userpass::new(ctx)),
    },
    EngineType {
        kind: "approle",
        aliases: &[],
        class: EngineClass::Auth,
        deprecation: Deprecation::Supported,
        build: |ctx| framework(approle::AppRole::new(ctx)),
    },
];

/// The registered type `entry` names in its table, if any.
pub fn engine_type(entry: &MountEntry) -> Option<&'static EngineType> {
    let class = if entry.is_auth() { EngineClass::Auth } else { EngineClass::Secret };
    ENGINE_TYPES.iter().find(|t| t.class == class && t.is(&entry.kind))
}

/// Which KV version a mount entry asks for (`options.version`, or the `kv-v2` type).
pub fn kv_version(entry: &MountEntry) -> u8 {
    if entry.kind == "kv-v2" {
        return 2;
    }
    match entry.options.get("version").map(String::as_str) {
        Some("2") => 2,
        _ => 1,
    }
}

/// Whether `entry` is a KV mount (either version).
pub fn is_kv(entry: &MountEntry) -> bool {
    !entry.is_auth() && ENGINE_TYPES[0].is(&entry.kind)
}

/// Builds the engine for a mount entry, or explains (Vault's words) why its type is unknown.
pub fn create_backend(entry: &MountEntry, ctx: EngineContext) -> Result<Arc<dyn LogicalBackend>, CoreError> {
    let kind = engine_type(entry)
        .ok_or_else(|| CoreError::invalid(format!("plugin not found in the catalog: {}", entry.kind)))?;
    (kind.build)(ctx)
}
