//! `storage "raft" { retry_join { ... } }`: the leaders an uninitialized node keeps trying to
//! join at startup (Vault's auto-join by address). One block or several; each names a
//! `leader_api_addr` and optionally the files of the TLS material to reach it.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetryJoin {
    pub leader_api_addr: String,
    pub leader_ca_cert_file: Option<String>,
    pub leader_client_cert_file: Option<String>,
    pub leader_client_key_file: Option<String>,
    /// Accepted for Vault compatibility; the leader's certificate must match its address.
    pub leader_tls_servername: Option<String>,
    /// The storage stanza's `retry_join_as_non_voter`: join as a non-voter.
    pub non_voter: bool,
}

/// Parses the `retry_join` value (an object, or a list of them, as HCL blocks decode).
pub fn parse(v: &Value) -> Result<Vec<RetryJoin>, String> {
    let blocks: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    blocks.into_iter().map(block).collect()
}

fn block(v: &Value) -> Result<RetryJoin, String> {
    let obj = v.as_object().ok_or("retry_join must be a block")?;
    let text = |k: &str| -> Result<Option<String>, String> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("retry_join.{k} must be a string")),
        }
    };
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "leader_api_addr"
                | "leader_ca_cert_file"
                | "leader_client_cert_file"
                | "leader_client_key_file"
                | "leader_tls_servername"
                | "auto_join"
                | "auto_join_scheme"
                | "auto_join_port"
        ) {
            return Err(format!("retry_join: unknown option \"{k}\""));
        }
    }
    if obj.contains_key("auto_join") {
        return Err("retry_join: auto_join (cloud discovery) is not supported; give leader_api_addr".into());
    }
    Ok(RetryJoin {
        leader_api_addr: text("leader_api_addr")?.ok_or("retry_join: leader_api_addr is required")?,
        leader_ca_cert_file: text("leader_ca_cert_file")?,
        leader_client_cert_file: text("leader_client_cert_file")?,
        leader_client_key_file: text("leader_client_key_file")?,
        leader_tls_servername: text("leader_tls_servername")?,
        non_voter: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_or_many_blocks() {
        let one = parse(&json!({"leader_api_addr": "http://a:8200"})).unwrap();
        assert_eq!(one, vec![RetryJoin { leader_api_addr: "http://a:8200".into(), ..Default::default() }]);
        let many = parse(&json!([
            {"leader_api_addr": "http://a:8200"},
            {"leader_api_addr": "https://b:8200", "leader_ca_cert_file": "/ca.pem"}
        ]))
        .unwrap();
        assert_eq!(many.len(), 2);
        assert_eq!(many[1].leader_ca_cert_file.as_deref(), Some("/ca.pem"));
        assert!(parse(&json!({})).unwrap_err().contains("leader_api_addr"));
        assert!(parse(&json!({"leader_api_addr": "x", "bogus": 1})).unwrap_err().contains("bogus"));
    }
}
