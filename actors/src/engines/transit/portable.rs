//! Keys leaving and entering the mount: `export/<type>/<name>[/<version>]` and
//! `backup/<name>` / `restore[/<name>]`. A backup is Vault's `KeyData` (the policy and its
//! archive) as base64 of JSON, so a key backed up from Vault restores here and the reverse.

use super::asym;
use super::policy::{Archive, KeyType, Policy, VersionTime};
use super::{store, Transit};
use crate::logical::go_base64;
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Request, Response};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Serialize, Deserialize)]
struct KeyData {
    policy: Policy,
    archived_keys: Option<Archive>,
}

fn listed(m: impl std::fmt::Display) -> CoreError {
    CoreError::internal(m).listed()
}

impl Transit {
    pub(super) async fn backup(&self, _: &Request, d: &FieldData) -> Reply {
        let name = d.str_or_default("name");
        let _guard = self.lock(&name).await;
        let mut p = store::load(&self.view, &name).await?.ok_or_else(|| listed(format!("key {name:?} not found")))?;
        if !p.exportable {
            return Err(listed("exporting is disallowed on the policy"));
        }
        if !p.allow_plaintext_backup {
            return Err(listed("plaintext backup is disallowed on the policy"));
        }
        let now = crate::token_store::rfc3339_nano(self.clock.now());
        p.backup_info = Some(VersionTime { time: now, version: p.latest_version });
        let p = self.save(p).await.map_err(|e| listed(format!("failed to persist policy with backup info: {e}")))?;
        let archive = store::load_archive(&self.view, &name).await?;
        let data = KeyData { policy: (*p).clone(), archived_keys: Some(archive) };
        // Go's json.Encoder ends the document with a newline, inside the base64.
        let mut text = zeroize::Zeroizing::new(serde_json::to_vec(&data)?);
        text.push(b'\n');
        let backup = STANDARD.encode(&text[..]);
        Ok(Some(Response::with_data(Map::from_iter([("backup".to_string(), json!(backup))]))))
    }

    pub(super) async fn restore(&self, _: &Request, d: &FieldData) -> Reply {
        let backup = d.str_or_default("backup");
        if backup.is_empty() {
            return Err(CoreError::invalid("'backup' must be supplied"));
        }
        let name = d.str_or_default("name");
        if name.contains('/') {
            return Err(listed("key names cannot be paths"));
        }
        let raw = zeroize::Zeroizing::new(go_base64::decode(&backup).map_err(listed)?);
        let mut data: KeyData = serde_json::from_slice(&raw).map_err(listed)?;
        if !name.is_empty() {
            data.policy.name = name;
        }
        let name = data.policy.name.clone();
        if name.is_empty() || name.contains('/') {
            return Err(listed("key names cannot be paths"));
        }
        let _guard = self.lock(&name).await;
        if !d.bool_or_default("force") && store::load(&self.view, &name).await?.is_some() {
            return Err(listed(format!("key {name:?} already exists")));
        }
        let mut p = data.policy;
        p.restore_info =
            Some(VersionTime { time: crate::token_store::rfc3339_nano(self.clock.now()), version: p.latest_version });
        if let Some(archive) = &data.archived_keys {
            store::store_archive(&self.view, &name, archive)
                .await
                .map_err(|e| listed(format!("failed to restore archived keys for key {name:?}: {e}")))?;
        }
        self.save(p).await.map_err(|e| listed(format!("failed to restore the policy {name:?}: {e}")))?;
        Ok(None)
    }

    pub(super) async fn export(&self, _: &Request, d: &FieldData) -> Reply {
        let kind = d.str_or_default("type");
        if !["encryption-key", "signing-key", "hmac-key", "public-key", "certificate-chain"].contains(&kind.as_str()) {
            return Err(CoreError::invalid(format!("invalid export type: {kind}")));
        }
        let Some(p) = self.policy(&d.str_or_default("name")).await? else {
            return Ok(None);
        };
        if !p.exportable && kind != "public-key" && kind != "certificate-chain" {
            return Err(CoreError::invalid("private key material is not exportable"));
        }
        match kind.as_str() {
            "encryption-key" if !p.kind.supports_encryption() => {
                return Err(CoreError::invalid("encryption not supported for the key"))
            }
            "signing-key" | "public-key" | "certificate-chain" if !p.kind.supports_signing() => {
                return Err(CoreError::invalid("signing not supported for the key"))
            }
            _ => {}
        }
        let material = |version: &str| -> Option<Result<String, CoreError>> {
            let entry = p.keys.get(version)?;
            if kind != "hmac-key" && !p.kind.is_aead() && p.kind != KeyType::Hmac {
                return Some(asym::export(p.kind, entry, &kind).map_err(|e| CoreError::internal(e.message()).listed()));
            }
            let bytes = if kind == "hmac-key" { entry.hmac_key.as_deref() } else { entry.key.as_deref() };
            Some(Ok(STANDARD.encode(bytes.unwrap_or_default())))
        };
        let mut keys = Map::new();
        match d.str("version").filter(|v| !v.is_empty()) {
            None => {
                for version in p.keys.keys() {
                    keys.insert(version.clone(), json!(material(version).transpose()?));
                }
            }
            Some(v) => {
                let n = if v == "latest" {
                    p.latest_version
                } else {
                    v.trim_start_matches('v').parse().map_err(|_| CoreError::invalid("invalid key version"))?
                };
                if n < p.min_decryption_version {
                    return Err(CoreError::invalid("version for export is below minimum decryption version"));
                }
                let key = material(&n.to_string())
                    .ok_or_else(|| CoreError::invalid("version does not exist or cannot be found"))??;
                keys.insert(n.to_string(), json!(key));
            }
        }
        let mut m = Map::new();
        m.insert("name".into(), json!(p.name));
        m.insert("type".into(), json!(p.kind.name()));
        m.insert("keys".into(), Value::Object(keys));
        Ok(Some(Response::with_data(m)))
    }
}
