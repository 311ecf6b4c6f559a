//! Pulling the logical request out of HTTP: token headers, the bounded JSON body, the query.

use actix_web::HttpRequest;
use futures::StreamExt;
use serde_json::{Map, Value};
use strongbox_actors::{CoreError, SecretString};

/// The client token from `X-Vault-Token` or `Authorization: Bearer`.
pub fn client_token(req: &HttpRequest) -> Option<SecretString> {
    if let Some(v) = req.headers().get("X-Vault-Token").and_then(|v| v.to_str().ok()) {
        return Some(v.trim()).filter(|t| !t.is_empty()).map(SecretString::from);
    }
    let auth = req.headers().get("Authorization")?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty()).map(SecretString::from)
}

pub enum BodyError {
    TooLarge,
    Read(String),
}

/// Reads the body, refusing anything over `limit` bytes (413) before buffering it all.
pub async fn read_body<S, B, E>(mut payload: S, limit: usize) -> Result<Vec<u8>, BodyError>
where
    S: futures::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        let chunk = chunk.as_ref();
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(chunk);
    }
    Ok(body)
}

/// Parses a JSON object body; an empty body is an empty object.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, CoreError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(CoreError::invalid("failed to parse JSON input: body must be a JSON object")),
        Err(e) => Err(CoreError::invalid(format!("failed to parse JSON input: {e}"))),
    }
}

/// Query parameters as request data (Vault passes them to reads, lists and deletes).
pub fn query_data(req: &HttpRequest) -> Map<String, Value> {
    let mut map = Map::new();
    for pair in req.query_string().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k);
        let v = percent_decode(v);
        map.insert(k, Value::String(v));
    }
    map
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("a%2Fb+c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%é1"), "%é1");
    }

    #[test]
    fn bodies() {
        assert!(parse_object(b"").unwrap().is_empty());
        assert!(parse_object(b"null").unwrap().is_empty());
        assert_eq!(parse_object(b"[1]").unwrap_err().status(), 400);
        assert_eq!(parse_object(b"{bad").unwrap_err().status(), 400);
        assert_eq!(parse_object(br#"{"a":1}"#).unwrap()["a"], 1);
    }
}
