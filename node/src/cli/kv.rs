//! `kv ...`: dispatch plus what every KV subcommand shares. Each first asks
//! `sys/internal/ui/mounts/<path>` for the mount path and KV version (a 404 means KV v1), then
//! rewrites v2 paths (`secret/foo` → `secret/data/foo`).

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{ApiError, Client};
use super::flags::{flag, FlagKind, FlagSpec, Parsed};
use super::output::Ui;
use super::paths::{add_prefix_to_kv_path, join, sanitize_path};
use super::table::{header_for_keys, pad_equal_signs};
use super::{kv_read, kv_versions, kv_write};

pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("delete", "Deletes versions in the KV store"),
    ("destroy", "Permanently removes one or more versions in the KV store"),
    ("get", "Retrieves data from the KV store"),
    ("list", "List data or secrets"),
    ("metadata", "Interact with Vault's Key-Value storage"),
    ("patch", "Sets or updates data in the KV store without overwriting"),
    ("put", "Sets or updates data in the KV store"),
    ("rollback", "Rolls back to a previous version of data"),
    ("undelete", "Undeletes versions in the KV store"),
];

pub const METADATA_SUBCOMMANDS: &[(&str, &str)] = &[
    ("delete", "Deletes all versions and metadata for a key in the KV store"),
    ("get", "Retrieves key metadata from the KV store"),
    ("put", "Sets or updates key settings in the KV store"),
];

pub fn run(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "put" => kv_write::put(args),
        "patch" => kv_write::patch(args),
        "rollback" => kv_write::rollback(args),
        "get" => kv_read::get(args),
        "list" => kv_read::list(args),
        "delete" => kv_versions::delete(args),
        "undelete" => kv_versions::change_versions(args, "undelete"),
        "destroy" => kv_versions::change_versions(args, "destroy"),
        _ => return None,
    })
}

pub fn run_metadata(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "get" => kv_read::metadata_get(args),
        "put" => kv_versions::metadata_put(args),
        "delete" => kv_versions::metadata_delete(args),
        _ => return None,
    })
}

pub const MOUNT_FLAG: FlagSpec = flag("mount", FlagKind::Str);

/// `kvPreflightVersionRequest`: the mount path (may be empty) and whether the mount is KV v2.
pub fn preflight(client: &Client, path: &str) -> Result<(String, bool), ApiError> {
    let url = format!("sys/internal/ui/mounts/{path}");
    let resp = match client.raw(Method::GET, &url, None) {
        Ok(r) => r,
        // Servers without the endpoint: assume KV v1, as Vault does.
        Err(e) if e.status() == Some(404) => return Ok((String::new(), false)),
        Err(e) => return Err(e),
    };
    let secret = super::secret::parse_secret(&resp.body)
        .map_err(ApiError::Other)?
        .ok_or_else(|| ApiError::Other("nil response from pre-flight request".into()))?;
    let mount = secret.get("path").and_then(Value::as_str).unwrap_or_default().to_string();
    let version = secret.get("options").and_then(|o| o.get("version")).and_then(Value::as_str);
    Ok((mount, version == Some("2")))
}

/// Where a KV command operates, resolved from `-mount` and its path argument.
pub struct Target {
    /// The mount path as reported by the server (e.g. `secret/`).
    pub mount: String,
    /// The secret path including the mount for v2, e.g. `secret/foo`.
    pub partial: String,
    pub v2: bool,
    pub mount_flag: bool,
}

impl Target {
    /// Resolves `arg` as Vault's KV commands do; `Err` is the exit code, already reported.
    pub fn resolve(ui: &Ui, client: &Client, p: &Parsed, arg: &str) -> Result<Target, i32> {
        Target::resolve_with(ui, client, p, sanitize_path(arg))
    }

    pub fn resolve_with(ui: &Ui, client: &Client, p: &Parsed, partial: String) -> Result<Target, i32> {
        let mount_flag = p.str("mount").filter(|m| !m.is_empty());
        let lookup = match mount_flag {
            Some(m) => sanitize_path(m),
            None => partial.clone(),
        };
        let (mount, v2) = preflight(client, &lookup).map_err(|e| {
            ui.err(&e.to_string());
            2
        })?;
        let partial = if mount_flag.is_some() && v2 { join(&[&mount, &partial]) } else { partial };
        Ok(Target { mount, partial, v2, mount_flag: mount_flag.is_some() })
    }

    /// The API path: v2 gets `prefix` inserted; v1 is the mount plus the path.
    pub fn api_path(&self, prefix: &str) -> String {
        if self.v2 {
            add_prefix_to_kv_path(&self.partial, &self.mount, prefix, false)
        } else if self.mount_flag {
            join(&[&self.mount, &self.partial])
        } else {
            self.partial.clone()
        }
    }
}

/// Vault's `outputPath`: a `= Title =` header the width of the path, the path, a blank line.
pub fn output_path(ui: &Ui, path: &str, title: &str) {
    ui.out(&pad_equal_signs(title, path.len()));
    ui.out(path);
    ui.out("");
}

/// A `== Title ==` header sized for `map`, then the map as a `Key Value` table.
pub fn output_section(ui: &Ui, title: &str, map: &Map<String, Value>) {
    ui.out(&header_for_keys(title, map.keys()));
    ui.data(&Value::Object(map.clone()));
}

/// Reports a failed API call with the secret that may have come back with it.
pub fn report(ui: &Ui, what: &str, path: &str, err: &ApiError, secret: Option<&super::secret::Secret>) -> i32 {
    ui.err(&format!("{what} {path}: {err}"));
    if let Some(s) = secret {
        ui.secret(s);
    }
    2
}

/// `kvParseVersionsFlags`: every `-versions` value split on commas.
pub fn parse_versions(values: &[String]) -> Vec<String> {
    values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(mount: &str, partial: &str, v2: bool, mount_flag: bool) -> Target {
        Target { mount: mount.into(), partial: partial.into(), v2, mount_flag }
    }

    #[test]
    fn api_paths_for_v1_and_v2() {
        assert_eq!(target("secret/", "secret/foo", true, false).api_path("data"), "secret/data/foo");
        assert_eq!(target("secret/", "secret/foo", true, true).api_path("metadata"), "secret/metadata/foo");
        assert_eq!(target("kv1/", "kv1/foo", false, false).api_path("data"), "kv1/foo");
        assert_eq!(target("kv1/", "foo", false, true).api_path("data"), "kv1/foo");
    }

    #[test]
    fn versions_split_on_commas() {
        let got = parse_versions(&["1,2".into(), " 3 ".into(), "".into()]);
        assert_eq!(got, vec!["1", "2", "3"]);
    }
}
