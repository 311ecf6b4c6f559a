//! `kv ...`: the command table plus what every KV subcommand shares. Each first asks
//! `sys/internal/ui/mounts/<path>` for the mount path and KV version (a 404 means KV v1), then
//! rewrites v2 paths (`secret/foo` → `secret/data/foo`).

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{ApiError, Client, WriteError};
use super::command::{Command, Fail, Opts, Run};
use super::flags::{flag, FlagKind, FlagSpec, Parsed};
use super::output::Ui;
use super::paths::{add_prefix_to_kv_path, join, sanitize_path};
use super::table::{header_for_keys, pad_equal_signs};
use super::{kv_read, kv_versions, kv_write};

const MOUNT_FLAG: FlagSpec = flag("mount", FlagKind::Str);
const VERSIONS_FLAG: FlagSpec = flag("versions", FlagKind::List);

pub const COMMANDS: &[Command] = &[
    Command::group("kv", "Interact with Vault's Key-Value storage"),
    Command {
        name: "kv delete",
        synopsis: "Deletes versions in the KV store",
        usage: "Usage: strongbox kv delete [options] PATH\n\n  Soft-deletes the latest version (or -versions) of PATH.",
        flags: &[VERSIONS_FLAG, MOUNT_FLAG],
        opts: Opts::FIELD,
        args: Some((1, 1)),
        run: Run::Api(kv_versions::delete),
    },
    Command {
        name: "kv destroy",
        synopsis: "Permanently removes one or more versions in the KV store",
        usage: "Usage: strongbox kv destroy [options] KEY\n\n  Permanently removes -versions of KEY (KV v2 only).",
        flags: &[VERSIONS_FLAG, MOUNT_FLAG],
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
        run: Run::Api(kv_versions::destroy),
    },
    Command {
        name: "kv get",
        synopsis: "Retrieves data from the KV store",
        usage: "Usage: strongbox kv get [options] KEY\n\n  Retrieves the value at KEY from the key-value store (-version for an older version).",
        flags: &[flag("version", FlagKind::Int), MOUNT_FLAG],
        opts: Opts::FIELD,
        args: Some((1, 1)),
        run: Run::Api(kv_read::get),
    },
    Command {
        name: "kv list",
        synopsis: "List data or secrets",
        usage: "Usage: strongbox kv list [options] PATH\n\n  Lists the keys at PATH in the key-value store.",
        flags: &[MOUNT_FLAG],
        opts: Opts::OUTPUT,
        // The path may be left out when `-mount` is given.
        args: None,
        run: Run::Api(kv_read::list),
    },
    Command::group("kv metadata", "Interact with Vault's Key-Value storage"),
    Command {
        name: "kv metadata delete",
        synopsis: "Deletes all versions and metadata for a key in the KV store",
        usage: "Usage: strongbox kv metadata delete [options] PATH\n\n  Deletes all versions and metadata of PATH (KV v2 only).",
        flags: &[MOUNT_FLAG],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(kv_versions::metadata_delete),
    },
    Command {
        name: "kv metadata get",
        synopsis: "Retrieves key metadata from the KV store",
        usage: "Usage: strongbox kv metadata get [options] KEY\n\n  Retrieves the metadata and version list of KEY (KV v2 only).",
        flags: &[MOUNT_FLAG],
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
        run: Run::Api(kv_read::metadata_get),
    },
    Command {
        name: "kv metadata put",
        synopsis: "Sets or updates key settings in the KV store",
        usage: "Usage: strongbox kv metadata put [options] KEY\n\n  Creates a blank key or updates its settings (KV v2 only).",
        flags: &[
            flag("max-versions", FlagKind::Int),
            flag("cas-required", FlagKind::Bool),
            flag("delete-version-after", FlagKind::Dur),
            flag("custom-metadata", FlagKind::Map),
            MOUNT_FLAG,
        ],
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
        run: Run::Api(kv_versions::metadata_put),
    },
    Command {
        name: "kv patch",
        synopsis: "Sets or updates data in the KV store without overwriting",
        usage: "Usage: strongbox kv patch [options] KEY [DATA]\n\n  Updates data at the given path without overwriting the rest (KV v2 only).",
        flags: &[
            flag("cas", FlagKind::Int),
            flag("method", FlagKind::Str),
            MOUNT_FLAG,
            flag("remove-data", FlagKind::List),
        ],
        opts: Opts::FIELD,
        // `kv patch` checks the count itself: `-remove-data` makes DATA optional.
        args: None,
        run: Run::Api(kv_write::patch),
    },
    Command {
        name: "kv put",
        synopsis: "Sets or updates data in the KV store",
        usage: "Usage: strongbox kv put [options] KEY [DATA]\n\n  Writes the data to the given path in the key-value store (k=v, k=@file, k=- or - for JSON on stdin).",
        flags: &[flag("cas", FlagKind::Int), MOUNT_FLAG],
        opts: Opts::FIELD,
        // `kv put` words a missing KEY or DATA itself.
        args: None,
        run: Run::Api(kv_write::put),
    },
    Command {
        name: "kv rollback",
        synopsis: "Rolls back to a previous version of data",
        usage: "Usage: strongbox kv rollback [options] KEY\n\n  Restores -version as the newest version of KEY (KV v2 only).",
        flags: &[flag("version", FlagKind::Int), MOUNT_FLAG],
        opts: Opts::OUTPUT,
        // `kv rollback` words a wrong count itself ("Invalid number of arguments").
        args: None,
        run: Run::Api(kv_write::rollback),
    },
    Command {
        name: "kv undelete",
        synopsis: "Undeletes versions in the KV store",
        usage: "Usage: strongbox kv undelete [options] KEY\n\n  Restores soft-deleted -versions of KEY (KV v2 only).",
        flags: &[VERSIONS_FLAG, MOUNT_FLAG],
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
        run: Run::Api(kv_versions::undelete),
    },
];

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
    /// Resolves `arg` as Vault's KV commands do; a failed preflight fails with its error alone.
    pub fn resolve(client: &Client, p: &Parsed, arg: &str) -> Result<Target, Fail> {
        Target::resolve_with(client, p, sanitize_path(arg))
    }

    pub fn resolve_with(client: &Client, p: &Parsed, partial: String) -> Result<Target, Fail> {
        let mount_flag = p.str("mount").filter(|m| !m.is_empty());
        let lookup = match mount_flag {
            Some(m) => sanitize_path(m),
            None => partial.clone(),
        };
        let (mount, v2) = preflight(client, &lookup).map_err(|e| Fail::api(e.to_string()))?;
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

/// `report` for a failed write or delete. It prints the error itself, since the secret that
/// came back follows it, so the `Fail` carries only the exit code.
pub fn write_failed(ui: &Ui, what: &str, path: &str, w: Box<WriteError>) -> Fail {
    Fail::reported(report(ui, what, path, &w.err, w.secret.as_ref()))
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
