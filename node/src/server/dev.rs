//! `-dev` mode: initialize with one key share, unseal, mount KV at `secret/`, print the keys
//! and save the root token to `~/.vault-token` as Vault's token helper does.

use super::flags::ServerFlags;
use crate::config::ServerConfig;
use anyhow::Context;
use serde_json::json;
use std::sync::Arc;
use strongbox_actors::{Core, Operation, Request};

pub async fn setup(core: &Arc<Core>, flags: &ServerFlags, _cfg: &ServerConfig) -> anyhow::Result<()> {
    let init = core.init(1, 1, flags.dev_root_token_id.clone()).await.context("dev init")?;
    let key = init.keys.first().context("dev init returned no key")?.clone();
    core.unseal(Some(key.clone()), false).await.context("dev unseal")?;
    let version = if flags.dev_kv_v1 { "1" } else { "2" };
    let body = json!({"type": "kv", "description": "key/value secret storage", "options": {"version": version}});
    let req = Request::new(Operation::Update, "sys/mounts/secret")
        .with_data(body.as_object().cloned().unwrap_or_default())
        .with_token(init.root_token.clone());
    core.handle_request(req).await.context("mounting secret/")?;
    if !flags.dev_no_store_token {
        if let Some(home) = std::env::var_os("HOME") {
            let path = std::path::Path::new(&home).join(".vault-token");
            if let Err(e) = std::fs::write(&path, &init.root_token) {
                tracing::warn!("could not save the root token to {}: {e}", path.display());
            }
        }
    }
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &key[..]);
    println!(
        "WARNING! dev mode is enabled! In this mode, Strongbox runs entirely in-memory\n\
         and starts unsealed with a single unseal key. The root token is already\n\
         authenticated to the CLI, so you can immediately begin using Strongbox.\n\n\
         You may need to set the following environment variables:\n\n    \
         $ export VAULT_ADDR='http://{addr}'\n\n\
         The unseal key and root token are displayed below in case you want to\n\
         seal/unseal the Vault or re-authenticate.\n\n\
         Unseal Key: {b64}\n\
         Root Token: {token}\n\n\
         Development mode should NOT be used in production installations!",
        addr = flags.dev_listen_address,
        token = init.root_token,
    );
    Ok(())
}
