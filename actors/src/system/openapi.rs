//! `sys/internal/specs/openapi`: the OpenAPI document of the backends built into the node
//! (`sys/`, `auth/token/`) and of the mounts the caller may see (the mounts
//! `sys/internal/ui/mounts` shows it), generated from their tables. Without a token it has no
//! paths, as Vault's.

use super::mounts::ui_visible;
use crate::builtin::Builtin;
use crate::core::Core;
use crate::logical::{openapi_document, FieldData};
use crate::{CoreError, Request, Response};
use serde_json::Map;

/// `generic_mount_paths` (query or body) shows every mount but the singletons (`sys/`,
/// `auth/token/`, `cubbyhole/`) under a mount-path parameter, as Vault does.
pub async fn read(core: &Core, req: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let generic = d.bool_or_default("generic_mount_paths");
    let mut paths = Map::new();
    if req.token_entry.is_some() {
        paths.extend(Builtin::openapi()?);
        let router = core.router.load_full();
        let mut routes: Vec<_> = router.routes().collect();
        routes.sort_by_key(|r| r.entry.api_path());
        for route in routes {
            if ui_visible(core, req, &route.entry)? {
                let generic = generic && route.entry.kind != "cubbyhole";
                paths.extend(route.backend.openapi(&route.entry.api_path(), &route.entry.kind, generic));
            }
        }
    }
    let doc = openapi_document(crate::VERSION, paths);
    Ok(Some(Response { raw: Some(doc), ..Default::default() }))
}
