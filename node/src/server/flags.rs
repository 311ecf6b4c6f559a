//! Flags of `strongbox server`, Vault-style (`-dev`, `-config=FILE`, also with `--`).

use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct ServerFlags {
    pub dev: bool,
    pub dev_root_token_id: Option<String>,
    pub dev_listen_address: String,
    pub dev_no_store_token: bool,
    pub dev_kv_v1: bool,
    pub config: Vec<PathBuf>,
    pub log_level: Option<String>,
    pub log_format: Option<String>,
}

impl ServerFlags {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut f = ServerFlags { dev_listen_address: "127.0.0.1:8200".into(), ..Default::default() };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let flag = arg.trim_start_matches('-');
            if flag.len() == arg.len() {
                return Err(format!("Unexpected argument: {arg}\nUsage: strongbox server [-dev] [-config=FILE]"));
            }
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline
                    .clone()
                    .or_else(|| iter.next().cloned())
                    .ok_or_else(|| format!("flag needs an argument: -{name}"))
            };
            match name {
                "dev" => f.dev = inline.as_deref().map(|v| v != "false").unwrap_or(true),
                "dev-root-token-id" => f.dev_root_token_id = Some(value(name)?),
                "dev-listen-address" => f.dev_listen_address = value(name)?,
                "dev-no-store-token" => f.dev_no_store_token = true,
                "dev-kv-v1" => f.dev_kv_v1 = true,
                "config" => f.config.push(PathBuf::from(value(name)?)),
                "log-level" => f.log_level = Some(value(name)?),
                "log-format" => f.log_format = Some(value(name)?),
                other => return Err(format!("flag provided but not defined: -{other}")),
            }
        }
        if let Ok(id) = std::env::var("VAULT_DEV_ROOT_TOKEN_ID") {
            f.dev_root_token_id.get_or_insert(id);
        }
        if let Ok(addr) = std::env::var("VAULT_DEV_LISTEN_ADDRESS") {
            if !args.iter().any(|a| a.contains("dev-listen-address")) {
                f.dev_listen_address = addr;
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ServerFlags, String> {
        ServerFlags::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn vault_style_flags() {
        let f = parse(&["-dev", "-dev-root-token-id=root", "--dev-listen-address", "127.0.0.1:9"]).unwrap();
        assert!(f.dev);
        assert_eq!(f.dev_root_token_id.as_deref(), Some("root"));
        assert_eq!(f.dev_listen_address, "127.0.0.1:9");
        let f = parse(&["-config=a.hcl", "-config", "b.json"]).unwrap();
        assert_eq!(f.config.len(), 2);
        assert!(parse(&["-nope"]).is_err());
        assert!(parse(&["stray"]).is_err());
        assert!(parse(&["-config"]).is_err());
    }
}
