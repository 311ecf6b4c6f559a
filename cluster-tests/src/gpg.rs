//! A throwaway GnuPG home for tests: generates operators' keys with the real `gpg` and opens
//! what the server encrypted to them, so the server's OpenPGP output is checked by an
//! independent implementation.

use base64::Engine;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use tempfile::TempDir;

pub struct Gpg {
    home: TempDir,
}

impl Gpg {
    pub fn new() -> Gpg {
        // Under /tmp: gpg-agent's socket path must stay short.
        let home = tempfile::Builder::new().prefix("sbgpg").tempdir_in("/tmp").expect("temp GNUPGHOME");
        Gpg { home }
    }

    fn gpg(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let mut child = Command::new("gpg")
            .env("GNUPGHOME", self.home.path())
            .args(["--batch", "--quiet", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg runs");
        child.stdin.take().expect("stdin").write_all(stdin).expect("write to gpg");
        let out = child.wait_with_output().expect("gpg output");
        assert!(out.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// A new key for `uid`: `ecc` gives ed25519 + cv25519, otherwise RSA-3072 with an RSA
    /// encryption subkey. Returns its fingerprint.
    pub fn generate(&self, uid: &str, ecc: bool) -> String {
        if ecc {
            self.gpg(&["--quick-gen-key", uid, "ed25519", "cert", "never"], b"");
        } else {
            self.gpg(&["--quick-gen-key", uid, "rsa3072", "cert", "never"], b"");
        }
        let fpr = self.fingerprint(uid);
        let sub = if ecc { "cv25519" } else { "rsa3072" };
        self.gpg(&["--quick-add-key", &fpr, sub, "encr", "never"], b"");
        fpr
    }

    fn fingerprint(&self, uid: &str) -> String {
        let listing = String::from_utf8_lossy(&self.gpg(&["--with-colons", "--list-keys", uid], b"")).to_string();
        listing
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .expect("a fingerprint")
            .to_lowercase()
    }

    /// The public key as Vault's API takes it: base64 of the binary export.
    pub fn public_b64(&self, fpr: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.gpg(&["--export", fpr], b""))
    }

    /// Writes the ASCII-armored public key to `path` (what operators pass to `-pgp-keys`).
    pub fn export_armored(&self, fpr: &str, path: &Path) {
        std::fs::write(path, self.gpg(&["--armor", "--export", fpr], b"")).expect("write key file");
    }

    /// Opens a base64 PGP message with the secret keys of this home.
    pub fn decrypt_b64(&self, b64: &str) -> String {
        let msg = base64::engine::general_purpose::STANDARD.decode(b64).expect("base64 message");
        String::from_utf8(self.gpg(&["--decrypt"], &msg)).expect("UTF-8 plaintext")
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf").env("GNUPGHOME", self.home.path()).args(["--kill", "gpg-agent"]).status();
    }
}

impl Default for Gpg {
    fn default() -> Self {
        Gpg::new()
    }
}
