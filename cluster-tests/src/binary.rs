//! Finds the `strongbox` executable the tests drive.

use std::path::PathBuf;

/// The environment variable that overrides where the binary is.
pub const BIN_ENV: &str = "STRONGBOX_BIN";

/// The `strongbox` binary: `$STRONGBOX_BIN`, else `<workspace>/target/debug/strongbox`.
///
/// The tests never build it themselves: run `cargo build -p strongbox-node` first.
pub fn must_find() -> PathBuf {
    let path = match std::env::var_os(BIN_ENV) {
        Some(p) => PathBuf::from(p),
        None => default_path(),
    };
    assert!(
        path.is_file(),
        "strongbox binary not found at {}: run `cargo build -p strongbox-node` before \
         `cargo test -p strongbox-cluster-tests`, or set {BIN_ENV} to the binary",
        path.display()
    );
    path
}

fn default_path() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { workspace.join(t) })
        .unwrap_or_else(|| workspace.join("target"));
    target.join("debug").join(format!("strongbox{}", std::env::consts::EXE_SUFFIX))
}
