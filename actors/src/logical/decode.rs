//! mapstructure's weak decoding and Vault's `parseutil` parsers, one function per field type,
//! each failing with the text Vault's `FieldData` reports.

use super::go::{go_parse_int, go_type};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn unconvertible(target: &str, v: &Value) -> String {
    format!("'' expected type '{target}', got unconvertible type '{}'", go_type(v))
}

/// mapstructure's weak decoding into an `int`; `label` names the element in the message.
pub fn weak_int(v: &Value, label: &str) -> Result<i64, String> {
    let parse_err = |e: &str| format!("{label} cannot parse value as 'int': {e}");
    match v {
        Value::Null => Ok(0),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.is_u64() {
                Err(parse_err("strconv.ParseInt: value out of range"))
            } else {
                Err(parse_err("strconv.ParseInt: invalid syntax"))
            }
        }
        // mapstructure reads an empty string as zero.
        Value::String(s) if s.is_empty() => Ok(0),
        Value::String(s) => go_parse_int(s).map_err(parse_err),
        other => Err(format!("{label} expected type 'int', got unconvertible type '{}'", go_type(other))),
    }
}

/// mapstructure's weak decoding into a `bool` (strings through `strconv.ParseBool`).
pub fn weak_bool(v: &Value) -> Result<bool, String> {
    const SYNTAX: &str = "'' cannot parse value as 'bool': strconv.ParseBool: invalid syntax";
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        // json.Number is a string to mapstructure: "1" and "0" parse, other numbers do not.
        Value::Number(n) => match n.as_i64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(SYNTAX.to_string()),
        },
        Value::String(s) => parse_bool(s).ok_or_else(|| SYNTAX.to_string()),
        other => Err(unconvertible("bool", other)),
    }
}

/// Go's `strconv.ParseBool`, plus mapstructure's empty string as false.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "" | "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        _ => None,
    }
}

/// mapstructure's weak decoding into a `string`: numbers keep their text, bools become 1 or 0.
pub fn weak_string(v: &Value) -> Result<String, String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(unconvertible("string", other)),
    }
}

/// `TypeMap`: an object; `None` for an explicit `null` (Go's nil map). An empty array is an
/// empty map to mapstructure.
pub fn weak_map(v: &Value) -> Result<Option<Map<String, Value>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m.clone())),
        Value::Array(a) if a.is_empty() => Ok(Some(Map::new())),
        other => Err(unconvertible("map[string]interface {}", other)),
    }
}

/// `TypeKVPairs`: an object of strings (values weakly decoded).
pub fn kv_pairs(v: &Value) -> Result<BTreeMap<String, String>, String> {
    match v {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| weak_string(v).map(|s| (k.clone(), s)).map_err(|_| unconvertible("string", v)))
            .collect(),
        Value::Array(a) if a.is_empty() => Ok(BTreeMap::new()),
        other => Err(unconvertible("map[string]string", other)),
    }
}

/// Vault's `ParseDurationSecond`: integer seconds or a Go duration string ("1h30m", "2d").
pub fn duration_seconds(v: &Value, signed: bool) -> Result<i64, String> {
    let secs = match v {
        Value::Null => 0,
        Value::Bool(_) => return Err("could not parse duration from input".into()),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(f)) if f.is_finite() && f.abs() < 9.2e18 => f as i64,
            _ => return Err("could not parse duration from input".into()),
        },
        Value::String(s) => {
            let t = s.trim();
            let (neg, body) = match t.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, t.strip_prefix('+').unwrap_or(t)),
            };
            let parsed =
                crate::duration::parse_duration(body).map_err(|_| format!("time: invalid duration \"{s}\""))?;
            let parsed = i64::try_from(parsed).map_err(|_| format!("time: invalid duration \"{s}\""))?;
            if neg {
                -parsed
            } else {
                parsed
            }
        }
        _ => return Err("could not parse duration from input".into()),
    };
    if secs < 0 && !signed {
        return Err(format!("cannot provide negative value '{secs}'"));
    }
    Ok(secs)
}

/// The items of a comma list: an array, one value, or a comma-separated string.
fn comma_items(v: &Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) if s.is_empty() => Vec::new(),
        Value::String(s) => s.split(',').map(|p| Value::String(p.to_string())).collect(),
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

fn decoding_failed(errors: Vec<String>) -> String {
    format!("decoding failed due to the following error(s):\n\n{}", errors.join("\n"))
}

/// `TypeCommaIntSlice`: an array, one value, or a comma-separated string of integers.
pub fn comma_ints(v: &Value) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in comma_items(v).iter().enumerate() {
        match weak_int(item, &format!("'[{i}]'")) {
            Ok(n) => out.push(n),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(decoding_failed(errors))
    }
}

/// `TypeCommaStringSlice` (`parseutil.ParseCommaStringSlice`): items trimmed, empties kept.
pub fn comma_strings(v: &Value) -> Result<Vec<String>, String> {
    strings(&comma_items(v)).map(|items| items.into_iter().map(|s| s.trim().to_string()).collect())
}

/// `TypeStringSlice`: an array of strings, or one value as a one-item list (no splitting).
pub fn string_slice(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => strings(a),
        one => strings(std::slice::from_ref(one)),
    }
}

fn strings(items: &[Value]) -> Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match weak_string(item) {
            Ok(s) => out.push(s),
            Err(_) => {
                errors.push(format!("'[{i}]' expected type 'string', got unconvertible type '{}'", go_type(item)))
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(decoding_failed(errors))
    }
}

/// Vault's `GenericNameRegex`: word characters, `-` and `.`, starting and ending with a word
/// character.
pub fn is_name(name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    name.starts_with(word) && name.ends_with(word) && name.chars().all(|c| word(c) || c == '-' || c == '.')
}

/// `TypeNameString`: a string matching [`is_name`].
pub fn name_string(v: &Value) -> Result<String, String> {
    let s = weak_string(v)?;
    if is_name(&s) {
        Ok(s)
    } else {
        Err("field does not match the formatting rules".into())
    }
}
