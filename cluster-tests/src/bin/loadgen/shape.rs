//! The request shapes: what each test sends in its timed phase, what it sets up before it, and
//! which responses count as successes.

use std::time::Instant;

use clap::ValueEnum;
use reqwest::Method;
use serde_json::Value;

use crate::http::{new_client, send};
use crate::Args;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Test {
    #[value(name = "kvv2_read")]
    Kvv2Read,
    #[value(name = "kvv2_write")]
    Kvv2Write,
    /// kvv2_read with one file audit device enabled (`--audit-file`).
    #[value(name = "kvv2_read_audit")]
    Kvv2ReadAudit,
    #[value(name = "kvv2_write_audit")]
    Kvv2WriteAudit,
    #[value(name = "token_create_service")]
    TokenCreateService,
    #[value(name = "token_create_batch")]
    TokenCreateBatch,
    #[value(name = "token_lookup_self")]
    TokenLookupSelf,
    #[value(name = "approle_auth")]
    ApproleAuth,
    #[value(name = "userpass_auth")]
    UserpassAuth,
    #[value(name = "transit_encrypt")]
    TransitEncrypt,
    #[value(name = "transit_decrypt")]
    TransitDecrypt,
    #[value(name = "transit_sign")]
    TransitSign,
    #[value(name = "transit_verify")]
    TransitVerify,
    /// Not a closed-loop shape: the restart benchmark of module `startup`.
    #[value(name = "startup_leases")]
    StartupLeases,
}

impl Test {
    pub fn name(self) -> &'static str {
        match self {
            Test::Kvv2Read => "kvv2_read",
            Test::Kvv2Write => "kvv2_write",
            Test::Kvv2ReadAudit => "kvv2_read_audit",
            Test::Kvv2WriteAudit => "kvv2_write_audit",
            Test::TokenCreateService => "token_create_service",
            Test::TokenCreateBatch => "token_create_batch",
            Test::TokenLookupSelf => "token_lookup_self",
            Test::ApproleAuth => "approle_auth",
            Test::UserpassAuth => "userpass_auth",
            Test::TransitEncrypt => "transit_encrypt",
            Test::TransitDecrypt => "transit_decrypt",
            Test::TransitSign => "transit_sign",
            Test::TransitVerify => "transit_verify",
            Test::StartupLeases => "startup_leases",
        }
    }
}

const CREATE_SERVICE_BODY: &str = r#"{"policies":["default"],"ttl":"1h"}"#;
const CREATE_BATCH_BODY: &str = r#"{"policies":["default"],"ttl":"1h","type":"batch"}"#;
/// The token `token_lookup_self` looks itself up with: a service token holding only `default`,
/// outliving any run.
const LOOKUP_TOKEN_BODY: &str = r#"{"policies":["default"],"ttl":"24h","type":"service"}"#;

/// vault-benchmark's default role and user names (`target_auth_approle.go`, `target_auth_userpass.go`).
const APPROLE_ROLE: &str = "benchmark-role";
const USERPASS_USER: &str = "benchmark-user";

/// One test's timed-phase request, ready to send.
pub struct Shape {
    pub test: Test,
    pub method: Method,
    /// Each request goes to one of these, picked uniformly.
    pub urls: Vec<String>,
    pub body: Option<&'static str>,
    /// Sent as `X-Vault-Token`.
    pub token: String,
}

impl Shape {
    /// Sets up what the test needs (unless `--no-seed`) and builds its request.
    pub async fn prepare(args: &Args) -> Result<Shape, String> {
        let shape =
            |method, urls, body, token: &str| Shape { test: args.test, method, urls, body, token: token.to_string() };
        let token_url = |endpoint: &str| vec![format!("{}/v1/auth/token/{endpoint}", base(args))];
        Ok(match args.test {
            test @ (Test::Kvv2Read | Test::Kvv2Write | Test::Kvv2ReadAudit | Test::Kvv2WriteAudit) => {
                if !args.no_seed {
                    if matches!(test, Test::Kvv2ReadAudit | Test::Kvv2WriteAudit) {
                        setup_audit(args).await?;
                    }
                    seed_secrets(args).await?;
                }
                let urls = (1..=args.numkvs).map(|n| secret_url(args, n)).collect();
                if matches!(test, Test::Kvv2Read | Test::Kvv2ReadAudit) {
                    shape(Method::GET, urls, None, &args.token)
                } else {
                    // vault-benchmark's write body: {"data": {"foo": "<kvsize a's>"}}.
                    let body = format!(r#"{{"data": {{"foo": "{}"}}}}"#, "a".repeat(args.kvsize));
                    shape(Method::POST, urls, Some(Box::leak(body.into_boxed_str())), &args.token)
                }
            }
            Test::TokenCreateService => {
                shape(Method::POST, token_url("create"), Some(CREATE_SERVICE_BODY), &args.token)
            }
            Test::TokenCreateBatch => shape(Method::POST, token_url("create"), Some(CREATE_BATCH_BODY), &args.token),
            Test::TokenLookupSelf => {
                let token = if args.no_seed { args.token.clone() } else { create_lookup_token(args).await? };
                shape(Method::GET, token_url("lookup-self"), None, &token)
            }
            Test::ApproleAuth => {
                let body = setup_approle(args).await?;
                let url = vec![format!("{}/v1/auth/approle/login", base(args))];
                shape(Method::POST, url, Some(body), &args.token)
            }
            Test::UserpassAuth => {
                let body = setup_userpass(args).await?;
                let url = vec![format!("{}/v1/auth/userpass/login/{USERPASS_USER}", base(args))];
                shape(Method::POST, url, Some(body), &args.token)
            }
            Test::TransitEncrypt | Test::TransitDecrypt | Test::TransitSign | Test::TransitVerify => {
                let (url, body) = crate::transit::prepare(args).await?;
                shape(Method::POST, vec![url], Some(body), &args.token)
            }
            Test::StartupLeases => return Err("startup_leases is not a closed-loop shape".into()),
        })
    }

    /// Whether a response is a success: 2xx for the KV shapes (as vault-benchmark counts them);
    /// 200 with the expected body for the token shapes.
    pub fn check(&self, status: u16, body: &[u8]) -> Result<(), String> {
        match self.test {
            Test::Kvv2Read | Test::Kvv2Write | Test::Kvv2ReadAudit | Test::Kvv2WriteAudit => {
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(http_error(status, body))
                }
            }
            Test::TokenCreateService => created_token(&json_200(status, body)?, "service").map(drop),
            Test::TokenCreateBatch => created_token(&json_200(status, body)?, "batch").map(drop),
            Test::TokenLookupSelf => {
                let found = json_200(status, body)?;
                match found["data"]["id"].as_str() {
                    Some(id) if id == self.token => Ok(()),
                    _ => Err("lookup-self did not return the caller's token".into()),
                }
            }
            Test::ApproleAuth | Test::UserpassAuth => login_token(&json_200(status, body)?).map(drop),
            test @ (Test::TransitEncrypt | Test::TransitDecrypt | Test::TransitSign | Test::TransitVerify) => {
                crate::transit::check(test, status, body)
            }
            Test::StartupLeases => Err("startup_leases has no closed-loop check".into()),
        }
    }
}

pub fn base(args: &Args) -> &str {
    args.addr.trim_end_matches('/')
}

fn secret_url(args: &Args, n: u32) -> String {
    let prefix = args.prefix.as_deref().unwrap_or(args.test.name());
    format!("{}/v1/{}/data/{}/secret-{}", base(args), args.mount, prefix, n)
}

/// Writes secret-1 ..= secret-numkvs (`{"data": {"foo": 1}}`) with `clients` concurrent writers.
async fn seed_secrets(args: &Args) -> Result<(), String> {
    let body: &'static str = r#"{"data": {"foo": 1}}"#;
    let start = Instant::now();
    let writers = args.clients.max(1);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let args = args.clone();
        tasks.push(tokio::spawn(async move {
            let client = new_client().map_err(|e| e.to_string())?;
            let mut n = 1 + w as u32;
            while n <= args.numkvs {
                let url = secret_url(&args, n);
                let (status, resp) = send(&client, Method::POST, &url, &args.token, Some(body)).await?;
                if !(200..300).contains(&status) {
                    return Err(format!("seeding {url}: {}", http_error(status, resp.as_ref())));
                }
                n += writers as u32;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    eprintln!("loadgen: seeded {} secrets in {:.2}s", args.numkvs, start.elapsed().as_secs_f64());
    Ok(())
}

/// Creates, with `--token`, the service token `token_lookup_self` uses.
async fn create_lookup_token(args: &Args) -> Result<String, String> {
    let client = new_client().map_err(|e| e.to_string())?;
    let url = format!("{}/v1/auth/token/create", base(args));
    let (status, body) = send(&client, Method::POST, &url, &args.token, Some(LOOKUP_TOKEN_BODY)).await?;
    let created = json_200(status, body.as_ref()).map_err(|e| format!("creating the lookup token: {e}"))?;
    let token = created_token(&created, "service").map_err(|e| format!("creating the lookup token: {e}"))?;
    eprintln!("loadgen: created a service token holding only `default` for lookup-self");
    Ok(token.to_string())
}

/// One setup request as `--token`: Ok(the body as JSON, `null` when empty) when it answers 2xx.
pub async fn setup_call(
    client: &reqwest::Client,
    args: &Args,
    method: Method,
    path: &str,
    body: Option<&'static str>,
) -> Result<Value, String> {
    let url = format!("{}/v1/{path}", base(args));
    let (status, resp) = send(client, method.clone(), &url, &args.token, body).await?;
    let resp = resp.as_ref();
    if !(200..300).contains(&status) {
        return Err(format!("{method} {path}: {}", http_error(status, resp)));
    }
    if resp.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(resp).map_err(|e| format!("{method} {path}: the body is not JSON: {e}"))
}

/// The audit shapes' device: a file device at `bench/` writing to `--audit-file`. OpenBao
/// refuses API-created devices; there the bench script declares the same device in the
/// server's configuration, and this checks that one is enabled.
async fn setup_audit(args: &Args) -> Result<(), String> {
    let path = args.audit_file.as_ref().ok_or("the audit shapes need --audit-file")?;
    let client = new_client().map_err(|e| e.to_string())?;
    let body = serde_json::json!({"type": "file", "options": {"file_path": path}}).to_string();
    let body: &'static str = Box::leak(body.into_boxed_str());
    match setup_call(&client, args, Method::POST, "sys/audit/bench", Some(body)).await {
        Ok(_) => eprintln!("loadgen: enabled the file audit device bench/ ({})", path.display()),
        Err(e) if e.contains("via API") => {
            let listed = setup_call(&client, args, Method::GET, "sys/audit", None).await?;
            if listed["data"].as_object().is_none_or(|d| d.is_empty()) {
                return Err(format!("{e}; and no audit device is configured"));
            }
            eprintln!("loadgen: the server's configured audit device is enabled");
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// vault-benchmark's approle_auth setup: AppRole at `approle/`, the role `benchmark-role` with
/// the defaults (a bound secret ID, no use limit, no TTL), its role_id and one secret_id of
/// unlimited uses. Returns the login body `{"role_id": ..., "secret_id": ...}`.
async fn setup_approle(args: &Args) -> Result<&'static str, String> {
    let client = new_client().map_err(|e| e.to_string())?;
    setup_call(&client, args, Method::POST, "sys/auth/approle", Some(r#"{"type":"approle"}"#)).await?;
    let role = format!("auth/approle/role/{APPROLE_ROLE}");
    setup_call(&client, args, Method::POST, &role, Some("{}")).await?;
    let read = setup_call(&client, args, Method::GET, &format!("{role}/role-id"), None).await?;
    let role_id = read["data"]["role_id"].as_str().ok_or("no data.role_id in the role-id answer")?.to_string();
    let made = setup_call(&client, args, Method::POST, &format!("{role}/secret-id"), Some("{}")).await?;
    let secret_id = made["data"]["secret_id"].as_str().ok_or("no data.secret_id in the secret-id answer")?;
    eprintln!("loadgen: enabled approle/, created role {APPROLE_ROLE} and a secret ID of unlimited uses");
    Ok(leak(serde_json::json!({"role_id": role_id, "secret_id": secret_id}).to_string()))
}

/// vault-benchmark's userpass_auth setup: userpass at `userpass/` and the user `benchmark-user`
/// with a random 64-character password (bcrypt cost 10 on Vault, OpenBao and strongbox alike).
/// Returns the login body `{"password": ...}`.
async fn setup_userpass(args: &Args) -> Result<&'static str, String> {
    use rand::distributions::{Alphanumeric, DistString};
    let client = new_client().map_err(|e| e.to_string())?;
    setup_call(&client, args, Method::POST, "sys/auth/userpass", Some(r#"{"type":"userpass"}"#)).await?;
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 64);
    let body = leak(serde_json::json!({ "password": password }).to_string());
    setup_call(&client, args, Method::POST, &format!("auth/userpass/users/{USERPASS_USER}"), Some(body)).await?;
    eprintln!("loadgen: enabled userpass/ and created user {USERPASS_USER}");
    Ok(body)
}

/// A string that lives as long as the process (request bodies are `&'static str`).
pub fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The client token of a login response.
fn login_token(resp: &Value) -> Result<&str, String> {
    match resp["auth"]["client_token"].as_str() {
        Some(t) if !t.is_empty() => Ok(t),
        _ => Err("HTTP 200 without auth.client_token".into()),
    }
}

/// The body of a 200 response as JSON.
pub fn json_200(status: u16, body: &[u8]) -> Result<Value, String> {
    if status != 200 {
        return Err(http_error(status, body));
    }
    serde_json::from_slice(body).map_err(|e| format!("HTTP 200 but the body is not JSON: {e}"))
}

/// The new token of a token-create response, checked to be of `kind` ("service" or "batch").
pub fn created_token<'a>(created: &'a Value, kind: &str) -> Result<&'a str, String> {
    let auth = &created["auth"];
    let token = auth["client_token"].as_str().unwrap_or_default();
    let token_type = auth["token_type"].as_str().unwrap_or_default();
    // Vault 1.10+ and strongbox use hvs./hvb., OpenBao s./b.
    let prefixes = if kind == "batch" { ["hvb.", "b."] } else { ["hvs.", "s."] };
    if token_type == kind && prefixes.iter().any(|p| token.starts_with(p)) {
        return Ok(token);
    }
    let shown = token.get(..4).unwrap_or(token);
    Err(format!("expected a {kind} token, got token_type {token_type:?} and client_token {shown:?}..."))
}

/// "HTTP <status>: <start of the body>".
pub fn http_error(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    format!("HTTP {status}: {}", text.trim())
}
