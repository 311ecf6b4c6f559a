//! `hmac/`, `verify/` (HMACs; signatures are `sign.rs`'s), `hash/`,
//! `random/` and `config/keys`, with Vault's fields, defaults and texts.

use super::batch::Outcome;
use super::cipher::{self, OpError};
use super::policy::Policy;
use super::Transit;
use crate::logical::go_base64;
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Request, Response};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Digest;

/// Vault's hash names, for `hash/` and HMACs (HMACs also take `sha1`).
fn digest(algorithm: &str, input: &[u8]) -> Option<Vec<u8>> {
    Some(match algorithm {
        "sha2-224" => sha2::Sha224::digest(input).to_vec(),
        "sha2-256" => sha2::Sha256::digest(input).to_vec(),
        "sha2-384" => sha2::Sha384::digest(input).to_vec(),
        "sha2-512" => sha2::Sha512::digest(input).to_vec(),
        "sha3-224" => sha3::Sha3_224::digest(input).to_vec(),
        "sha3-256" => sha3::Sha3_256::digest(input).to_vec(),
        "sha3-384" => sha3::Sha3_384::digest(input).to_vec(),
        "sha3-512" => sha3::Sha3_512::digest(input).to_vec(),
        _ => return None,
    })
}

fn mac(algorithm: &str, key: &[u8], input: &[u8]) -> Option<Vec<u8>> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
        let mut m =
            <M as hmac::digest::KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
        m.update(input);
        m.finalize().into_bytes().to_vec()
    }
    Some(match algorithm {
        "sha1" => run::<Hmac<sha1::Sha1>>(key, input),
        "sha2-224" => run::<Hmac<sha2::Sha224>>(key, input),
        "sha2-256" => run::<Hmac<sha2::Sha256>>(key, input),
        "sha2-384" => run::<Hmac<sha2::Sha384>>(key, input),
        "sha2-512" => run::<Hmac<sha2::Sha512>>(key, input),
        "sha3-224" => run::<Hmac<sha3::Sha3_224>>(key, input),
        "sha3-256" => run::<Hmac<sha3::Sha3_256>>(key, input),
        "sha3-384" => run::<Hmac<sha3::Sha3_384>>(key, input),
        "sha3-512" => run::<Hmac<sha3::Sha3_512>>(key, input),
        _ => return None,
    })
}

/// `urlalgorithm` wins over the body's `algorithm`.
fn algorithm(d: &FieldData, names: &[&str]) -> String {
    names.iter().find_map(|n| d.str(n).filter(|s| !s.is_empty())).map_or_else(|| "sha2-256".to_string(), str::to_string)
}

/// The version an HMAC is made with (0: the latest), checked as Vault's `pathHMACWrite`.
fn hmac_version(p: &Policy, requested: i64) -> Result<i64, OpError> {
    let version = if requested == 0 { p.latest_version } else { requested };
    if version != p.latest_version && p.min_encryption_version > 0 && version < p.min_encryption_version {
        return Err(OpError::User("cannot generate HMAC: version is too old (disallowed by policy)".into()));
    }
    Ok(version)
}

fn hmac_item(p: &Policy, algorithm: &str, version: i64, input: Option<&str>) -> Outcome {
    let input = input.ok_or_else(|| OpError::User("missing input for HMAC".into()))?;
    let input =
        go_base64::decode(input).map_err(|e| OpError::User(format!("unable to decode input as base64: {e}")))?;
    let key = cipher::version_hmac_key(p, version)?;
    let sum = mac(algorithm, key, &input).ok_or_else(|| OpError::User("unsupported algorithm '\\x00'".into()))?;
    let mut m = Map::new();
    m.insert("hmac".into(), json!(format!("vault:v{version}:{}", STANDARD.encode(sum))));
    Ok(m)
}

fn verify_item(p: &Policy, algorithm: &str, input: &str, hmac: Option<&str>) -> Outcome {
    let input =
        go_base64::decode(input).map_err(|e| OpError::User(format!("unable to decode input as base64: {e}")))?;
    let hmac = hmac.ok_or_else(|| OpError::User("missing hmac".into()))?;
    let rest = hmac.strip_prefix("vault:v").ok_or_else(|| OpError::User("invalid HMAC to verify: no prefix".into()))?;
    let (ver, body) =
        rest.split_once(':').ok_or_else(|| OpError::User("invalid HMAC: wrong number of fields".into()))?;
    let version: i64 =
        ver.parse().map_err(|_| OpError::User("invalid HMAC: version number could not be decoded".into()))?;
    let given = go_base64::decode(body)
        .map_err(|e| OpError::User(format!("unable to decode verification HMAC as base64: {e}")))?;
    if version > p.latest_version {
        return Err(OpError::User("invalid HMAC: version is too new".into()));
    }
    if p.min_decryption_version > 0 && version < p.min_decryption_version {
        return Err(OpError::User("cannot verify HMAC: version is too old (disallowed by policy)".into()));
    }
    let key = cipher::version_hmac_key(p, version)?;
    let sum = mac(algorithm, key, &input).ok_or_else(|| OpError::User("unsupported algorithm '\\x00'".into()))?;
    let valid: bool = subtle::ConstantTimeEq::ct_eq(&sum[..], &given[..]).into();
    let mut m = Map::new();
    if valid {
        m.insert("valid".into(), json!(true));
    }
    Ok(m)
}

/// One item of an HMAC or verify batch: its fields or its error, and its `reference`. These
/// batches answer 200 whatever failed, as Vault's do.
fn batch_result(item: &Value, outcome: Outcome) -> Value {
    let mut m = outcome.unwrap_or_else(|e| Map::from_iter([("error".to_string(), json!(e.message()))]));
    m.insert("reference".into(), json!(string_of(item, "reference").unwrap_or_default()));
    Value::Object(m)
}

fn batch_results(results: Vec<Value>) -> Response {
    Response::with_data(Map::from_iter([("batch_results".to_string(), Value::Array(results))]))
}

fn string_of(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_string)
}

impl Transit {
    pub(super) async fn hmac(&self, _: &Request, d: &FieldData) -> Reply {
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("encryption key not found"))?;
        let version = hmac_version(&p, d.int_or_default("key_version")).map_err(|e| CoreError::invalid(e.message()))?;
        let algorithm = algorithm(d, &["urlalgorithm", "algorithm"]);
        let Some(raw) = d.list("batch_input") else {
            return super::batch::single(hmac_item(&p, &algorithm, version, d.str("input")));
        };
        if raw.is_empty() {
            return Err(CoreError::invalid("missing batch input to process"));
        }
        let results: Vec<Value> = raw
            .iter()
            .map(|item| {
                batch_result(item, hmac_item(&p, &algorithm, version, item.get("input").and_then(Value::as_str)))
            })
            .collect();
        Ok(Some(batch_results(results)))
    }

    pub(super) async fn verify(&self, _: &Request, d: &FieldData) -> Reply {
        let algorithm = algorithm(d, &["urlalgorithm", "hash_algorithm", "algorithm"]);
        let raw: Vec<Value> = match d.list("batch_input") {
            Some(items) => items.to_vec(),
            None => {
                let mut item = Map::new();
                item.insert("input".into(), json!(d.str_or_default("input")));
                for f in ["signature", "hmac"] {
                    if let Some(v) = d.str(f) {
                        item.insert(f.into(), json!(v));
                    }
                }
                vec![Value::Object(item)]
            }
        };
        let signatures = raw.iter().filter(|i| i.get("signature").is_some()).count();
        let hmacs = raw.iter().filter(|i| i.get("hmac").is_some()).count();
        let refuse = |m: &str| Err(CoreError::invalid(m));
        match (signatures, hmacs) {
            (0, 0) if d.list("batch_input").is_none() => {
                return refuse("neither a 'signature' nor an 'hmac' were given to verify")
            }
            (0, 0) => return refuse("no batch_input elements have 'signature' or 'hmac'"),
            (s, h) if s > 0 && h > 0 => {
                return refuse("elements of batch_input must all provide 'signature' or all provide 'hmac'")
            }
            (s, _) if s > 0 && s < raw.len() => return refuse("some elements of batch_input are missing 'signature'"),
            (_, h) if h > 0 && h < raw.len() => return refuse("some elements of batch_input are missing 'hmac'"),
            _ => {}
        }
        if signatures > 0 {
            return self.verify_signatures(d).await;
        }
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("encryption key not found"))?;
        if mac(&algorithm, b"", b"").is_none() {
            return Err(CoreError::invalid("unsupported algorithm '\\x00'"));
        }
        let outcomes: Vec<Outcome> = raw
            .iter()
            .map(|item| match string_of(item, "input") {
                None => Err(OpError::User("missing input".into())),
                Some(input) => verify_item(&p, &algorithm, &input, item.get("hmac").and_then(Value::as_str)),
            })
            .collect();
        if d.list("batch_input").is_none() {
            let outcome = outcomes.into_iter().next().unwrap_or(Err(OpError::Internal("no result".into())));
            return super::batch::single(outcome.map(|mut m| {
                m.insert("valid".into(), json!(m.contains_key("valid")));
                m
            }));
        }
        let results: Vec<Value> = raw.iter().zip(outcomes).map(|(item, outcome)| batch_result(item, outcome)).collect();
        Ok(Some(batch_results(results)))
    }

    pub(super) async fn hash(&self, _: &Request, d: &FieldData) -> Reply {
        let input = d.str("input").ok_or_else(|| CoreError::invalid("input missing"))?;
        let input = go_base64::decode(input)
            .map_err(|e| CoreError::invalid(format!("unable to decode input as base64: {e}")))?;
        let format = d.str_or_default("format");
        if format != "hex" && format != "base64" {
            return Err(CoreError::invalid(format!(
                "unsupported encoding format {format}; must be \"hex\" or \"base64\""
            )));
        }
        let algorithm = algorithm(d, &["urlalgorithm", "algorithm"]);
        let sum = digest(&algorithm, &input)
            .ok_or_else(|| CoreError::invalid(format!("unsupported algorithm {algorithm}")))?;
        let sum = if format == "hex" { hex::encode(sum) } else { STANDARD.encode(sum) };
        Ok(Some(Response::with_data(Map::from_iter([("sum".to_string(), json!(sum))]))))
    }

    pub(super) async fn random(&self, _: &Request, d: &FieldData) -> Reply {
        let source_capture = d.str_or_default("source");
        let url_bytes = d.str_or_default("urlbytes");
        let valid_source = ["platform", "seal", "all"].contains(&source_capture.as_str());
        let (source, bytes) = if source_capture.is_empty() || (valid_source && url_bytes.is_empty()) {
            let source = if source_capture.is_empty() { "platform".to_string() } else { source_capture };
            (source, d.int_or_default("bytes"))
        } else if url_bytes.is_empty() {
            let n = source_capture.parse::<i64>().map_err(|_| {
                CoreError::invalid(format!(
                    "error parsing url-set byte count: strconv.Atoi: parsing \"{source_capture}\": invalid syntax"
                ))
            })?;
            ("platform".to_string(), n)
        } else {
            let n = url_bytes.parse::<i64>().map_err(|_| {
                CoreError::invalid(format!(
                    "error parsing url-set byte count: strconv.Atoi: parsing \"{url_bytes}\": invalid syntax"
                ))
            })?;
            (source_capture, n)
        };
        random_bytes(&source, bytes, &d.str_or_default("format"))
    }

    pub(super) async fn read_keys_config(&self, _: &Request, _: &FieldData) -> Reply {
        let disable = self.upsert_disabled().await?;
        Ok(Some(Response::with_data(Map::from_iter([("disable_upsert".to_string(), json!(disable))]))))
    }

    pub(super) async fn write_keys_config(&self, req: &Request, d: &FieldData) -> Reply {
        let disable = d.bool_or_default("disable_upsert");
        self.view.put_json("config/keys", &json!({ "disable_upsert": disable })).await?;
        self.read_keys_config(req, d).await
    }

    /// `config/cache`'s size (0: unlimited).
    pub(super) async fn stored_cache_size(&self) -> Result<usize, CoreError> {
        let v = self.view.get_json::<Value>("config/cache").await?;
        Ok(v.and_then(|v| v.get("size").and_then(Value::as_u64)).map_or(0, |n| usize::try_from(n).unwrap_or(0)))
    }

    pub(super) async fn read_cache_config(&self, _: &Request, _: &FieldData) -> Reply {
        let size = self.stored_cache_size().await?;
        if size != self.cache.limit() {
            self.cache.set_limit(size);
        }
        Ok(Some(Response::with_data(Map::from_iter([("size".to_string(), json!(size))]))))
    }

    /// Vault's minimum for a sized cache is 10 keys.
    pub(super) async fn write_cache_config(&self, _: &Request, d: &FieldData) -> Reply {
        let size = d.int_or_default("size");
        if size != 0 && size < 10 {
            return Err(CoreError::invalid("size must be 0 or a value greater or equal to 10"));
        }
        self.view.put_json("config/cache", &json!({ "size": size })).await?;
        self.cache.set_limit(usize::try_from(size).unwrap_or(0));
        Ok(Some(Response::with_data(Map::from_iter([("size".to_string(), json!(size))]))))
    }

    /// Whether `config/keys` turned encrypt's key creation off.
    pub(super) async fn upsert_disabled(&self) -> Result<bool, CoreError> {
        let v = self.view.get_json::<Value>("config/keys").await?;
        Ok(v.and_then(|v| v.get("disable_upsert").and_then(Value::as_bool)).unwrap_or(false))
    }
}

/// `random/`: `bytes` from the platform's CSPRNG (this server has no seal entropy to mix in).
fn random_bytes(source: &str, bytes: i64, format: &str) -> Reply {
    if bytes < 1 {
        return Err(CoreError::invalid("\"bytes\" cannot be less than 1"));
    }
    if bytes > 128 * 1024 {
        return Err(CoreError::invalid("\"bytes\" should be less than 131072"));
    }
    if format != "hex" && format != "base64" {
        return Err(CoreError::invalid(format!(
            "unsupported encoding format \"{format}\"; must be \"hex\" or \"base64\""
        )));
    }
    if !["platform", "seal", "all"].contains(&source) {
        return Err(CoreError::invalid(format!(
            "unsupported entropy source \"{source}\"; must be \"platform\" or \"seal\", or \"all\""
        )));
    }
    let raw = zeroize::Zeroizing::new(super::policy::random_bytes(usize::try_from(bytes).unwrap_or(0)));
    let text = if format == "hex" { hex::encode(&raw[..]) } else { STANDARD.encode(&raw[..]) };
    let resp = Response::with_data(Map::from_iter([("random_bytes".to_string(), json!(text))]));
    Ok(Some(if source == "seal" {
        resp.warn("no seal/entropy augmentation available, using platform entropy source")
    } else {
        resp
    }))
}
