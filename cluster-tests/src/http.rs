//! A tiny blocking JSON client for the node's `/v1/` API. No connection pooling: every request
//! opens a fresh connection, so killing and restarting a node never leaves a stale one behind.

use reqwest::blocking::Client as Http;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

/// How long one request may take on a loaded machine.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One response: status, headers, the body as text and, when it parses, as JSON
/// (`Value::Null` otherwise, e.g. for a 204).
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as received (binary bodies such as raft snapshots).
    pub body: Vec<u8>,
    /// The body as text (lossy for binary bodies).
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `errors` array of an error body, empty if there is none.
    pub fn errors(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e.as_str().map(String::from)).collect())
            .unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Client {
    http: Http,
    base: String,
    token: Option<String>,
    /// Overrides [`REQUEST_TIMEOUT`] for this client's requests.
    timeout: Option<Duration>,
}

impl Client {
    /// A client for `base` (`http://127.0.0.1:8200`), trusting `ca_pem` if given. Redirects are
    /// returned, not followed: a standby's 307 is something tests look at.
    pub fn new(base: &str, ca_pem: Option<&[u8]>) -> Client {
        let mut builder = Http::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = ca_pem {
            let cert = reqwest::Certificate::from_pem(pem).expect("the CA certificate is not valid PEM");
            builder = builder.add_root_certificate(cert);
        }
        Client {
            http: builder.build().expect("building the HTTP client"),
            base: base.trim_end_matches('/').to_string(),
            token: None,
            timeout: None,
        }
    }

    /// The same client sending `X-Vault-Token: token`.
    pub fn with_token(&self, token: &str) -> Client {
        Client { token: Some(token.to_string()), ..self.clone() }
    }

    /// The same client giving up on a request after `timeout` (a frozen node never answers).
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client { timeout: Some(timeout), ..self.clone() }
    }

    /// The same client sending no token.
    pub fn without_token(&self) -> Client {
        Client { token: None, ..self.clone() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `method` on `/v1/<path>` with raw headers and body; `Err` only when no HTTP response came.
    pub fn try_raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<Resp, String> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let url = format!("{}/v1/{}", self.base, path.trim_start_matches('/'));
        let mut req = self.http.request(method, &url);
        if let Some(t) = &self.token {
            req = req.header("X-Vault-Token", t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(t) = self.timeout {
            req = req.timeout(t);
        }
        if !body.is_empty() {
            req = req.body(body);
        }
        let resp = req.send().map_err(|e| format!("{url}: {e:?}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().map_err(|e| format!("{url}: reading the body: {e}"))?.to_vec();
        let text = String::from_utf8_lossy(&body).into_owned();
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(Resp { status, headers, body, text, json })
    }

    /// `method` on `/v1/<path>` with an optional JSON body.
    pub fn try_request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Resp, String> {
        match body {
            Some(b) => self.try_raw(method, path, &[("Content-Type", "application/json")], b.to_string().into_bytes()),
            None => self.try_raw(method, path, &[], Vec::new()),
        }
    }

    pub fn must_request(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        self.try_request(method, path, body).unwrap_or_else(|e| panic!("{method} {path}: no response: {e}"))
    }

    pub fn must_raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        self.try_raw(method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: no response: {e}"))
    }

    /// The lease IDs listed under `prefix` (`LIST sys/leases/lookup/<prefix>`; none on a 404).
    pub fn must_lease_ids(&self, prefix: &str) -> Vec<String> {
        let r = self.must_list(&format!("sys/leases/lookup/{prefix}"));
        if r.status == 404 {
            return Vec::new();
        }
        r.json["data"]["keys"]
            .as_array()
            .unwrap_or_else(|| panic!("no keys: {}", r.text))
            .iter()
            .filter_map(|k| k.as_str().map(|k| format!("{prefix}{k}")))
            .collect()
    }

    pub fn must_get(&self, path: &str) -> Resp {
        self.must_request("GET", path, None)
    }

    pub fn must_put(&self, path: &str, body: &Value) -> Resp {
        self.must_request("PUT", path, Some(body))
    }

    pub fn must_post(&self, path: &str, body: &Value) -> Resp {
        self.must_request("POST", path, Some(body))
    }

    pub fn must_delete(&self, path: &str) -> Resp {
        self.must_request("DELETE", path, None)
    }

    pub fn must_list(&self, path: &str) -> Resp {
        self.must_request("LIST", path, None)
    }

    /// `PATCH` with `Content-Type: application/merge-patch+json`.
    pub fn must_patch(&self, path: &str, body: &Value) -> Resp {
        self.must_raw("PATCH", path, &[("Content-Type", "application/merge-patch+json")], body.to_string().into_bytes())
    }

    /// Like [`Client::must_request`], and panics unless the status is `want`.
    pub fn must_status(&self, want: u16, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let r = self.must_request(method, path, body);
        assert_eq!(r.status, want, "{method} {path}: want {want}, got {}: {}", r.status, r.text);
        r
    }

    /// Like [`Client::must_request`], and panics unless the status is 2xx.
    pub fn must_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let r = self.must_request(method, path, body);
        assert!((200..300).contains(&r.status), "{method} {path}: want 2xx, got {}: {}", r.status, r.text);
        r
    }
}
