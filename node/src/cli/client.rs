//! The HTTP side of the CLI, shaped like Vault's Go `api` client: address, token and TLS from
//! `VAULT_*` variables and flags, `X-Vault-Token`/`X-Vault-Request` headers, and the same
//! read/list/write/delete semantics (a 404 on a read means "no value", not an error).

use std::fmt;
use std::time::Duration;

use reqwest::blocking::{Client as Http, RequestBuilder};
use reqwest::Method;

use super::flags::{flag, parse_bool, FlagKind, FlagSpec, Parsed};
use super::godur;
use super::gojson::Json;
use super::secret::{parse_secret, Secret};

const DEFAULT_ADDR: &str = "https://127.0.0.1:8200";
const TIMEOUT: Duration = Duration::from_secs(60);

/// Vault's "HTTP Options" flags, accepted by every command that talks to the server.
pub const HTTP_FLAGS: &[FlagSpec] = &[
    flag("address", FlagKind::Str),
    flag("ca-cert", FlagKind::Str),
    flag("ca-path", FlagKind::Str),
    flag("client-cert", FlagKind::Str),
    flag("client-key", FlagKind::Str),
    flag("tls-skip-verify", FlagKind::Bool),
    FlagSpec { name: "namespace", aliases: &["ns"], kind: FlagKind::Str },
    flag("header", FlagKind::Map),
    flag("wrap-ttl", FlagKind::Dur),
    flag("non-interactive", FlagKind::Bool),
];

/// An error as the Go client reports it.
#[derive(Debug)]
pub enum ApiError {
    /// A non-2xx/3xx status (`api.ResponseError`).
    Response { method: String, url: String, status: u16, errors: Vec<String>, raw: bool, namespace: String },
    /// No usable response (connection refused, TLS failure, bad body, ...).
    Other(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Response { status, .. } => Some(*status),
            ApiError::Other(_) => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Other(msg) => f.write_str(msg),
            ApiError::Response { method, url, status, errors, raw, namespace } => {
                write!(f, "Error making API request.\n\n")?;
                if !namespace.is_empty() && namespace != "root/" {
                    writeln!(f, "Namespace: {namespace}")?;
                }
                let kind = if *raw { "Raw Message" } else { "Errors" };
                write!(f, "URL: {method} {url}\nCode: {status}. {kind}:\n\n")?;
                if *raw && errors.len() == 1 {
                    f.write_str(&errors[0])
                } else {
                    // Go concatenates the bullets without separators; so do we.
                    errors.iter().try_for_each(|e| write!(f, "* {e}"))
                }
            }
        }
    }
}

/// A raw HTTP response.
pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
}

pub struct Client {
    http: Http,
    base: String,
    token: Option<String>,
    namespace: Option<String>,
    headers: Vec<(String, String)>,
    wrap_ttl: Option<String>,
    never_wrap: bool,
}

/// A request body: JSON (`Content-Type: application/json`) or a JSON merge patch.
pub enum Body {
    Json(Json),
    MergePatch(Json),
    /// A binary body (a raft snapshot).
    Bytes(Vec<u8>),
}

impl Client {
    /// Builds a client from `VAULT_*` variables, overridden by the parsed HTTP flags.
    pub fn from_flags(p: &Parsed) -> Result<Client, String> {
        let addr = p
            .str("address")
            .map(String::from)
            .or_else(|| env("VAULT_ADDR"))
            .unwrap_or_else(|| DEFAULT_ADDR.to_string());
        let url = reqwest::Url::parse(&addr).map_err(|e| format!("parse {addr:?}: {e}"))?;
        let host = url.host_str().unwrap_or_default();
        let base = match url.port() {
            Some(port) => format!("{}://{}:{}", url.scheme(), host, port),
            None => format!("{}://{}", url.scheme(), host),
        };

        let skip_verify = match p.bool("tls-skip-verify") {
            Some(b) => b,
            None => match env("VAULT_SKIP_VERIFY") {
                Some(v) => {
                    parse_bool(&v).map_err(|_| "failed to read environment: could not parse VAULT_SKIP_VERIFY")?
                }
                None => false,
            },
        };
        let mut builder = Http::builder().use_rustls_tls().timeout(TIMEOUT).danger_accept_invalid_certs(skip_verify);
        let ca_cert = p.str("ca-cert").map(String::from).or_else(|| env("VAULT_CACERT"));
        let ca_path = p.str("ca-path").map(String::from).or_else(|| env("VAULT_CAPATH"));
        let mut ca_files = Vec::new();
        if let Some(file) = ca_cert {
            ca_files.push(std::path::PathBuf::from(file));
        } else if let Some(dir) = ca_path {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{dir}: {e}"))?;
            ca_files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
        }
        if !ca_files.is_empty() {
            // A configured CA replaces the built-in roots, as in Vault.
            builder = builder.tls_built_in_root_certs(false);
        }
        for file in ca_files {
            let pem = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| format!("Error loading CA File: {e}"))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client_cert = p.str("client-cert").map(String::from).or_else(|| env("VAULT_CLIENT_CERT"));
        let client_key = p.str("client-key").map(String::from).or_else(|| env("VAULT_CLIENT_KEY"));
        if let (Some(cert), Some(key)) = (client_cert, client_key) {
            let mut pem = std::fs::read(&cert).map_err(|e| format!("{cert}: {e}"))?;
            pem.extend(std::fs::read(&key).map_err(|e| format!("{key}: {e}"))?);
            let id = reqwest::Identity::from_pem(&pem).map_err(|e| e.to_string())?;
            builder = builder.identity(id);
        }
        let http = builder.build().map_err(|e| e.to_string())?;

        let wrap_ttl = match p.dur("wrap-ttl") {
            Some(d) => Some(godur::go_string(d)),
            None => env("VAULT_WRAP_TTL"),
        };
        Ok(Client {
            http,
            base,
            token: env("VAULT_TOKEN").or_else(super::token_helper::get),
            namespace: p.str("namespace").map(String::from).or_else(|| env("VAULT_NAMESPACE")),
            headers: p.map("header").into_iter().collect(),
            wrap_ttl,
            never_wrap: false,
        })
    }

    /// The token sent with every request (`Client.Token()`).
    /// The server address (`VAULT_ADDR` or `-address`).
    pub fn address(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `Client.SetToken`.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// Turns response wrapping off for every later request (a wrapping lookup that says "").
    pub fn disable_wrapping(&mut self) {
        self.wrap_ttl = None;
        self.never_wrap = true;
    }

    /// Sends one request. `Ok` carries every response that arrived; the second element is the
    /// error Vault's client would report for its status code.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Body>,
    ) -> Result<(Resp, Option<ApiError>), ApiError> {
        let url = self.url(path, query);
        let mut req: RequestBuilder = self.http.request(method.clone(), &url).header("X-Vault-Request", "true");
        if let Some(token) = &self.token {
            req = req.header("X-Vault-Token", token);
        }
        if let Some(ns) = &self.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        if let Some(ttl) = self.wrap_ttl_for(&method, path) {
            req = req.header("X-Vault-Wrap-TTL", ttl);
        }
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        req = match body {
            Some(Body::Json(j)) => req.header("Content-Type", "application/json").body(j.to_compact()),
            Some(Body::MergePatch(j)) => {
                req.header("Content-Type", "application/merge-patch+json").body(j.to_compact())
            }
            Some(Body::Bytes(b)) => req.header("Content-Type", "application/octet-stream").body(b),
            None => req,
        };
        let resp = req.send().map_err(|e| ApiError::Other(transport_error(&method, &url, &e)))?;
        let status = resp.status().as_u16();
        let namespace =
            resp.headers().get("X-Vault-Namespace").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let body = resp.bytes().map_err(|e| ApiError::Other(transport_error(&method, &url, &e)))?.to_vec();
        let ok = (200..400).contains(&status) || (status == 429 && path == "sys/health");
        let err = (!ok).then(|| {
            let (errors, raw) = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) => (
                    v.get("errors")
                        .and_then(|e| e.as_array())
                        .map(|a| {
                            a.iter().map(|m| m.as_str().map(String::from).unwrap_or_else(|| m.to_string())).collect()
                        })
                        .unwrap_or_default(),
                    false,
                ),
                Err(_) => (vec![String::from_utf8_lossy(&body).into_owned()], true),
            };
            ApiError::Response { method: method.to_string(), url: url.clone(), status, errors, raw, namespace }
        });
        Ok((Resp { status, body }, err))
    }

    /// The CLI's wrapping lookup: `-wrap-ttl`, else `VAULT_WRAP_TTL`, else 5m for writes to
    /// `sys/wrapping/wrap` (which insists on wrapping). The KV preflight is never wrapped.
    fn wrap_ttl_for(&self, method: &Method, path: &str) -> Option<String> {
        if self.never_wrap || path.starts_with("sys/internal/ui/mounts/") {
            return None;
        }
        if self.wrap_ttl.is_some() {
            return self.wrap_ttl.clone();
        }
        let write = *method == Method::PUT || *method == Method::POST;
        (write && path == "sys/wrapping/wrap").then(|| "5m".to_string())
    }

    /// A raw request that fails on any error status (`client.RawRequest`).
    pub fn raw(&self, method: Method, path: &str, body: Option<Body>) -> Result<Resp, ApiError> {
        match self.send(method, path, &[], body)? {
            (_, Some(err)) => Err(err),
            (resp, None) => Ok(resp),
        }
    }

    /// `RawRequest` followed by `ParseSecret`, as the Go client's typed helpers
    /// (`Auth().Token()...`, `Sys()...`) do: any error status fails the call.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Body>,
    ) -> Result<Option<Secret>, ApiError> {
        match self.send(method, path, query, body)? {
            (_, Some(err)) => Err(err),
            (resp, None) => parse_secret(&resp.body).map_err(ApiError::Other),
        }
    }

    /// `Logical().ReadWithData`: `Ok(None)` when there is nothing at the path.
    pub fn read(&self, path: &str, query: &[(&str, String)]) -> Result<Option<Secret>, ApiError> {
        let (resp, err) = self.send(Method::GET, path, query, None)?;
        read_outcome(resp, err)
    }

    /// `Logical().List`.
    pub fn list(&self, path: &str) -> Result<Option<Secret>, ApiError> {
        let (resp, err) = self.send(Method::GET, path, &[("list", "true".into())], None)?;
        read_outcome(resp, err)
    }

    /// `Logical().Write` (and `JSONMergePatch`). On error, a 404 that still carried data or
    /// warnings hands that secret back alongside the error, as the Go client does.
    pub fn write(&self, method: Method, path: &str, body: Body) -> WriteResult {
        let (resp, err) = self.send(method, path, &[], Some(body)).map_err(WriteError::bare)?;
        write_outcome(resp, err)
    }

    /// `Logical().DeleteWithData`.
    pub fn delete(&self, path: &str, query: &[(&str, String)]) -> WriteResult {
        let (resp, err) = self.send(Method::DELETE, path, query, None).map_err(WriteError::bare)?;
        write_outcome(resp, err)
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = format!("{}/v1/{}", self.base, escape_path(path));
        if !query.is_empty() {
            let mut pairs: Vec<String> =
                query.iter().map(|(k, v)| format!("{}={}", escape_query(k), escape_query(v))).collect();
            pairs.sort();
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        url
    }
}

pub type WriteResult = Result<Option<Secret>, Box<WriteError>>;

/// A failed write, with the secret a 404 may still have carried (data or warnings).
pub struct WriteError {
    pub err: ApiError,
    pub secret: Option<Secret>,
}

impl WriteError {
    fn bare(err: ApiError) -> Box<WriteError> {
        Box::new(WriteError { err, secret: None })
    }
}

fn read_outcome(resp: Resp, err: Option<ApiError>) -> Result<Option<Secret>, ApiError> {
    if resp.status == 404 {
        let secret = parse_secret(&resp.body).map_err(ApiError::Other)?;
        return Ok(secret.filter(Secret::has_data_or_warnings));
    }
    if let Some(err) = err {
        return Err(err);
    }
    parse_secret(&resp.body).map_err(ApiError::Other)
}

fn write_outcome(resp: Resp, err: Option<ApiError>) -> WriteResult {
    if resp.status == 404 {
        let secret = parse_secret(&resp.body).map_err(|e| WriteError::bare(ApiError::Other(e)))?;
        if let Some(s) = secret.filter(Secret::has_data_or_warnings) {
            return match err {
                Some(e) => Err(Box::new(WriteError { err: e, secret: Some(s) })),
                None => Ok(Some(s)),
            };
        }
    }
    if let Some(err) = err {
        return Err(WriteError::bare(err));
    }
    parse_secret(&resp.body).map_err(|e| WriteError::bare(ApiError::Other(e)))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Go's `url.Error` text: `Get "http://...": dial tcp 127.0.0.1:8200: connect: connection refused`.
fn transport_error(method: &Method, url: &str, err: &reqwest::Error) -> String {
    let m = method.as_str();
    let op = format!("{}{}", &m[..1], m[1..].to_ascii_lowercase());
    let mut cause: &dyn std::error::Error = err;
    let mut detail = err.to_string();
    while let Some(next) = cause.source() {
        if let Some(io) = next.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                let host = reqwest::Url::parse(url)
                    .ok()
                    .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
                    .unwrap_or_default();
                detail = format!("dial tcp {host}: connect: connection refused");
                break;
            }
        }
        detail = next.to_string();
        cause = next;
    }
    if err.is_timeout() {
        detail = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into();
    }
    format!("{op} {url:?}: {detail}")
}

/// Go's `url.EscapedPath` for API paths: unreserved characters and `$&+,/:;=@` stay as they are.
pub fn escape_path(p: &str) -> String {
    escape(p, |c| c.is_ascii_alphanumeric() || "-_.~$&+,/:;=@".contains(c))
}

/// Go's `url.QueryEscape` (spaces become `+`).
fn escape_query(s: &str) -> String {
    escape(s, |c| c.is_ascii_alphanumeric() || "-_.~".contains(c)).replace("%20", "+")
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if keep(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_matches_go_client() {
        let err = ApiError::Response {
            method: "GET".into(),
            url: "http://127.0.0.1:8200/v1/secret/data/foo".into(),
            status: 403,
            errors: vec!["permission denied".into()],
            raw: false,
            namespace: String::new(),
        };
        assert_eq!(
            err.to_string(),
            "Error making API request.\n\nURL: GET http://127.0.0.1:8200/v1/secret/data/foo\nCode: 403. Errors:\n\n* permission denied"
        );
    }

    #[test]
    fn paths_are_escaped_like_go() {
        assert_eq!(escape_path("secret/data/a b"), "secret/data/a%20b");
        assert_eq!(escape_path("sys/mounts/x@y:z"), "sys/mounts/x@y:z");
        assert_eq!(escape_path("a?b#c"), "a%3Fb%23c");
        assert_eq!(escape_query("a b&c"), "a+b%26c");
    }
}
