//! Vault's internal token helper: the token the CLI uses when `VAULT_TOKEN` is unset lives in
//! `~/.vault-token`, written by `login` with mode 0600 through a temporary file and a rename.

use std::io::Write;
use std::path::{Path, PathBuf};

const TOKEN_FILE: &str = ".vault-token";

/// `~/.vault-token`, or `None` without a `HOME`.
fn path() -> Option<PathBuf> {
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(TOKEN_FILE))
}

/// The stored token, trimmed; `None` when there is none.
pub fn get() -> Option<String> {
    read_at(&path()?)
}

/// Stores `token` (no trailing newline, as Vault writes it).
pub fn store(token: &str) -> Result<(), String> {
    let path = path().ok_or("error getting user's home directory: $HOME is not defined")?;
    write_at(&path, token)
}

fn read_at(path: &Path) -> Option<String> {
    let raw = std::fs::read_to_string(path).ok()?;
    Some(raw.trim().to_string()).filter(|t| !t.is_empty())
}

fn write_at(path: &Path, token: &str) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(token.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_then_get_round_trips_with_private_mode() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join(TOKEN_FILE);
        write_at(&file, "s.abc").unwrap();
        write_at(&file, "s.abc").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "s.abc");
        assert_eq!(read_at(&file).as_deref(), Some("s.abc"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&file, "  \n").unwrap();
        assert_eq!(read_at(&file), None);
    }
}
