//! `transit import | import-version PATH KEY [K=V...]`: wraps key material on the client as
//! Vault's CLI does (a fresh AES-256 key wraps the material with AES-KWP, the mount's RSA-4096
//! `wrapping_key` wraps that key with OAEP-SHA-256) and posts it to `<mount>/keys/<name>/import`
//! or `import_version`. The crypto is aws-lc-rs's, as the server's.

use aws_lc_rs::key_wrap::{AesKek, KeyWrapPadded, AES_256};
use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA256_MGF1SHA256};
use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::Method;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::client::Body;
use super::command::{Command, Ctx, Fail, Opts, Outcome, Run};
use super::gojson::Json;
use super::kvargs::parse_data;

pub const COMMANDS: &[Command] = &[
    Command::group("transit", "Interact with a Vault's Transit Secrets Engine"),
    Command {
        name: "transit import",
        synopsis: "Import a key into the Transit secrets engines.",
        usage: "Usage: strongbox transit import PATH KEY [options...]\n\n  Using the Transit key wrapping system, imports key material from\n  the base64 encoded KEY (either directly on the CLI or via @path notation),\n  into a new key whose API path is PATH.  To import a new version into an\n  existing key, use import_version.  The remaining options after KEY (key=value\n  style) are passed on to the Transit create key endpoint.  If your\n  system or device natively supports the RSA AES key wrap mechanism (such as\n  the PKCS#11 mechanism CKM_RSA_AES_KEY_WRAP), you should use it directly\n  rather than this command.",
        flags: &[],
        opts: Opts::HTTP,
        args: None,
        run: Run::Api(import),
    },
    Command {
        name: "transit import-version",
        synopsis: "Import key material into a new key version in the Transit secrets engines.",
        usage: "Usage: strongbox transit import-version PATH KEY [...]\n\n  Using the Transit key wrapping system, imports key material from\n  the base64 encoded KEY (either directly on the CLI or via @path notation),\n  into a new key whose API path is PATH.  To import a new transit\n  key, use the import command instead.  The remaining options after KEY\n  (key=value style) are passed on to the Transit create key endpoint.\n  If your system or device natively supports the RSA AES key wrap mechanism\n  (such as the PKCS#11 mechanism CKM_RSA_AES_KEY_WRAP), you should use it directly\n  rather than this command.",
        flags: &[],
        opts: Opts::HTTP,
        args: None,
        run: Run::Api(import_version),
    },
];

fn import(ctx: Ctx) -> Outcome {
    import_as(ctx, "import")
}

fn import_version(ctx: Ctx) -> Outcome {
    import_as(ctx, "import_version")
}

/// `<mount>/keys/<name>` split as Vault's `^(.*)/keys/([^/]*)$`.
fn split_key_path(path: &str) -> Option<(&str, &str)> {
    let at = path.rfind("/keys/")?;
    let (mount, name) = (&path[..at], &path[at + "/keys/".len()..]);
    (!name.contains('/')).then_some((mount, name))
}

/// The mount's wrapping key, as an OAEP encryption key.
fn wrapping_key(ctx: &Ctx, mount: &str) -> Result<OaepPublicEncryptingKey, String> {
    let secret = ctx
        .client
        .read(&format!("{mount}/wrapping_key"), &[])
        .map_err(|e| format!("error fetching wrapping key: {e}"))?;
    let secret = secret.ok_or_else(|| format!("no mount found at {mount}: <nil>"))?;
    let pem = secret.data.as_ref().and_then(|d| d.get("public_key")).and_then(Value::as_str).unwrap_or_default();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).map_err(|e| format!("error parsing wrapping key: {e}"))?;
    let key = PublicEncryptingKey::from_der(&der).map_err(|e| format!("error parsing wrapping key: {e}"))?;
    OaepPublicEncryptingKey::new(key).map_err(|e| format!("error parsing wrapping key: {e}"))
}

fn import_as(ctx: Ctx, operation: &str) -> Outcome {
    if ctx.p.args.len() < 2 {
        return Err(Fail::usage(format!(
            "Incorrect argument count (expected 2+, got {}). Wanted PATH to import into and KEY material.",
            ctx.p.args.len()
        )));
    }
    let path = ctx.p.args[0].clone();
    let (mount, name) = split_key_path(&path)
        .ok_or_else(|| Fail::usage("expected transit path and key name in the form :path:/keys/:name:"))?;
    let material = match ctx.p.args[1].strip_prefix('@') {
        Some(file) => Zeroizing::new(
            std::fs::read_to_string(file).map_err(|e| Fail::usage(format!("error reading key material file: {e}")))?,
        ),
        None => Zeroizing::new(ctx.p.args[1].clone()),
    };
    let key = Zeroizing::new(
        STANDARD
            .decode(material.trim())
            .map_err(|e| Fail::usage(format!("error base64 decoding source key material: {e}")))?,
    );
    let mut ephemeral = Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut ephemeral[..])
        .map_err(|e| Fail::api(format!("failed to generate ephemeral key: {e}")))?;

    ctx.ui.out("Retrieving wrapping key.");
    let wrapping =
        wrapping_key(&ctx, mount).map_err(|e| Fail { code: 3, msg: format!("failed to fetch wrapping key: {e}") })?;
    ctx.ui.out("Wrapping source key with ephemeral key.");
    let kek = AesKek::new(&AES_256, &ephemeral[..])
        .map_err(|e| Fail::api(format!("failure building key wrapping key: {e}")))?;
    let mut wrapped_target = vec![0u8; key.len() + 16];
    let n = kek
        .wrap_with_padding(&key, &mut wrapped_target)
        .map_err(|e| Fail::api(format!("failure wrapping source key: {e}")))?
        .len();
    wrapped_target.truncate(n);
    ctx.ui.out("Encrypting ephemeral key with wrapping key.");
    let mut wrapped_key = vec![0u8; wrapping.ciphertext_size()];
    let n = wrapping
        .encrypt(&OAEP_SHA256_MGF1SHA256, &ephemeral[..], &mut wrapped_key, None)
        .map_err(|e| Fail::api(format!("failure encrypting wrapped key: {e}")))?
        .len();
    wrapped_key.truncate(n);

    let mut stdin: Box<dyn std::io::Read> = match ctx.p.bool("non-interactive").unwrap_or(false) {
        true => Box::new(std::io::empty()),
        false => Box::new(std::io::stdin()),
    };
    let mut data = parse_data(&mut stdin, &ctx.p.args[2..])
        .map_err(|e| Fail::usage(format!("Failed to parse extra K=V data: {e}")))?
        .unwrap_or_default();
    data.insert("ciphertext".into(), json!(STANDARD.encode([wrapped_key, wrapped_target].concat())));

    ctx.ui.out("Submitting wrapped key.");
    let body = Body::Json(Json::from_value(&Value::Object(data)));
    match ctx.client.write(Method::PUT, &format!("{mount}/keys/{name}/{operation}"), body) {
        Ok(_) => {
            ctx.ui.out("Success!");
            Ok(0)
        }
        Err(e) => Err(Fail { code: 3, msg: format!("failed to call import:{}", e.err) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_split_as_vaults() {
        assert_eq!(split_key_path("transit/keys/app"), Some(("transit", "app")));
        assert_eq!(split_key_path("team/transit/keys/app"), Some(("team/transit", "app")));
        assert_eq!(split_key_path("transit/keys/a/b"), None);
        assert_eq!(split_key_path("transit/app"), None);
    }
}
