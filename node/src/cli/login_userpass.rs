//! The userpass method's login handler (Vault's `userpass.CLIHandler`): `username=` and
//! `password=` (prompted for when missing), written to `auth/<mount>/login/<username>`.

use std::collections::BTreeMap;

use reqwest::Method;

use super::client::{Body, Client};
use super::gojson::Json;
use super::output::prompt_hidden;
use super::paths::join;
use super::secret::Secret;

pub fn auth(client: &Client, config: &BTreeMap<String, String>) -> Result<Secret, String> {
    let get = |k: &str| config.get(k).cloned().unwrap_or_default();
    let username = get("username");
    if username.is_empty() {
        return Err("'username' must be specified".into());
    }
    let mut password = get("password");
    if password.is_empty() {
        password = prompt_hidden(&mut std::io::stderr(), "Password (will be hidden): ")?;
    }
    let mount = match get("mount") {
        m if m.is_empty() => "userpass".to_string(),
        m => m,
    };
    let mut body = serde_json::Map::new();
    body.insert("password".into(), password.into());
    for key in ["method", "passcode"] {
        if let Some(v) = config.get(key).filter(|v| !v.is_empty()) {
            body.insert(key.into(), v.clone().into());
        }
    }
    // The Go client cleans the joined path, so `userpass/` + `/login` has one slash.
    let path = join(&["auth", &mount, "login", &username]);
    match client.write(Method::PUT, &path, Body::Json(Json::from_value(&body.into()))) {
        Ok(Some(secret)) => Ok(secret),
        Ok(None) => Err("empty response from credential provider".into()),
        Err(w) => Err(w.err.to_string()),
    }
}
