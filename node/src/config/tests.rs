use super::*;

fn from_text(text: &str, name: &str) -> Result<ServerConfig, ConfigError> {
    let mut cfg = ServerConfig::default();
    let v = parse_text(text, Path::new(name))?;
    apply(&mut cfg, &v, name)?;
    Ok(cfg)
}

#[test]
fn hcl_with_storage_listener_and_ttls() {
    let cfg = from_text(
        r#"
        ui = true
        api_addr = "http://127.0.0.1:8200"
        disable_mlock = true
        default_lease_ttl = "1h"
        max_lease_ttl = "768h"
        storage "rocksdb" { path = "/tmp/x" }
        listener "tcp" {
          address = "127.0.0.1:8300"
          tls_disable = "true"
          max_request_size = 1024
        }
        mystery = 1
        "#,
        "a.hcl",
    )
    .unwrap();
    let storage = cfg.storage.unwrap();
    assert_eq!(storage.kind, "rocksdb");
    assert_eq!(storage.options["path"], "/tmp/x");
    assert_eq!(cfg.listeners.len(), 1);
    assert!(cfg.listeners[0].tls_disable);
    assert_eq!(cfg.listeners[0].max_request_size, 1024);
    assert_eq!(cfg.default_lease_ttl, 3600);
    assert_eq!(cfg.max_lease_ttl, 768 * 3600);
    assert!(cfg.ui);
    assert_eq!(cfg.warnings.len(), 1);
    assert!(cfg.warnings[0].contains("mystery"));
}

#[test]
fn hvac_style_json_with_legacy_backend() {
    let cfg = from_text(
        r#"{"backend": {"inmem": {}}, "listener": {"tcp": {"tls_cert_file": "c.pem",
        "tls_key_file": "k.pem", "address": "127.0.0.1:44441"}}, "disable_mlock": true,
        "default_lease_ttl": "768h", "max_lease_ttl": "768h"}"#,
        "gen.json",
    )
    .unwrap();
    assert_eq!(cfg.storage.unwrap().kind, "inmem");
    assert_eq!(cfg.listeners[0].tls_cert_file.as_deref(), Some(Path::new("c.pem")));
    assert_eq!(cfg.max_lease_ttl, 2_764_800);
}

#[test]
fn errors_name_key_and_file() {
    let err = from_text(r#"default_lease_ttl = "banana""#, "bad.hcl").unwrap_err().to_string();
    assert!(err.contains("bad.hcl") && err.contains("default_lease_ttl"), "{err}");
    let err = from_text(r#"listener "tcp" { address = "nope" }"#, "l.hcl").unwrap_err().to_string();
    assert!(err.contains("listener.tcp.address"), "{err}");
    let err = from_text(r#"listener "tcp" { address = "127.0.0.1:1" }"#, "t.hcl").unwrap_err().to_string();
    assert!(err.contains("tls_cert_file"), "{err}");
    let err = from_text("storage {", "broken.hcl").unwrap_err().to_string();
    assert!(err.contains("broken.hcl"), "{err}");
}
