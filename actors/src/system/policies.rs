//! `sys/policy[/<name>]` (the legacy API: `rules`, list with `policies`) and
//! `sys/policies/acl[/<name>]` (`policy`), as Vault's `handlePolicies*`.

use crate::core::Core;
use crate::logical::FieldData;
use crate::policy_store::{DeletePolicy, GetPolicy, ListPolicies, PutPolicy, ROOT_POLICY_NAME};
use crate::{CoreError, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::json;

/// Which of the two APIs a request came through; they differ only in field names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `sys/policy`
    Legacy,
    /// `sys/policies/acl`
    Acl,
}

impl Api {
    fn text_field(self) -> &'static str {
        match self {
            Api::Legacy => "rules",
            Api::Acl => "policy",
        }
    }
}

/// The assignable policies plus `root` (Vault appends it in the root namespace).
pub async fn list(core: &Core, api: Api) -> Result<Option<Response>, CoreError> {
    let mut keys = core.policy_store.send(ListPolicies).await?;
    keys.push(ROOT_POLICY_NAME.to_string());
    let mut resp = Response::list(keys.clone());
    if api == Api::Legacy {
        if let Some(data) = resp.data.as_mut() {
            data.insert("policies".into(), json!(keys));
        }
    }
    Ok(Some(resp))
}

pub async fn read(core: &Core, api: Api, name: &str) -> Result<Option<Response>, CoreError> {
    let policy = core.policy_store.send(GetPolicy(name.to_string())).await??.ok_or(CoreError::NotFound)?;
    Ok(Some(Response::from_value(json!({ "name": policy.name, api.text_field(): policy.raw }))))
}

pub async fn write(core: &Core, api: Api, name: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let mut warning = None;
    let mut raw = d.str_or_default("policy");
    if raw.is_empty() && api == Api::Legacy {
        raw = d.str_or_default("rules");
        if d.has("rules") {
            warning = Some("'rules' is deprecated, please use 'policy' instead");
        }
    }
    if raw.is_empty() {
        return Err(CoreError::invalid("'policy' parameter not supplied or empty"));
    }
    let raw = decode_base64(raw);
    core.policy_store.send(PutPolicy { name: name.to_string(), raw }).await??;
    Ok(warning.map(|w| Response::default().warn(w)))
}

pub async fn delete(core: &Core, name: &str) -> Result<Option<Response>, CoreError> {
    core.policy_store.send(DeletePolicy(name.to_string())).await??;
    Ok(None)
}

/// Vault accepts the policy text base64-encoded: text that decodes (to UTF-8) is replaced by
/// its decoding. Like Go's decoder, line breaks inside the encoding are ignored.
fn decode_base64(raw: String) -> String {
    let compact: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    match B64.decode(compact.as_bytes()).ok().and_then(|b| String::from_utf8(b).ok()) {
        Some(decoded) => decoded,
        None => raw,
    }
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64_text_is_decoded_and_plain_text_kept() {
        let hcl = "path \"a\" { capabilities = [\"read\"] }";
        assert_eq!(decode_base64(base64::Engine::encode(&super::B64, hcl)), hcl);
        assert_eq!(decode_base64(hcl.to_string()), hcl);
    }
}
