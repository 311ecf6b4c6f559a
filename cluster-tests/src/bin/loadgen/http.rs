//! The HTTP side of the load generator: one keep-alive client per worker, one request at a time.

use std::time::Duration;

use reqwest::{Client, Method};

/// A client holding one keep-alive connection (each worker, and each seeding task, has its own).
pub fn new_client() -> reqwest::Result<Client> {
    Client::builder()
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(None)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
}

/// Sends one request with `X-Vault-Token: token` and reads the whole body: Ok((status, body)) or
/// a transport error.
pub async fn send(
    client: &Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&'static str>,
) -> Result<(u16, impl AsRef<[u8]>), String> {
    let mut req = client.request(method, url).header("X-Vault-Token", token);
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b);
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, bytes))
}
