//! Vault's request field handling (`framework.FieldData`): each path declares its fields and
//! their types; values are decoded weakly (numeric strings, "true"/"1", comma lists) and bad
//! ones are refused with the texts Vault's mapstructure/strconv errors produce.

use crate::CoreError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The framework field types this engine uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldType {
    /// Taken from the URL; a body value is accepted and ignored.
    Path,
    Int,
    Bool,
    Map,
    /// Seconds, from an integer or a Go duration string; negative values are refused.
    DurationSecond,
    /// Like `DurationSecond` but negative values are allowed.
    SignedDurationSecond,
    /// A list of integers, from an array, a single value or a "1,2,3" string.
    CommaIntSlice,
}

/// A decoded field value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum FieldValue {
    Int(i64),
    Bool(bool),
    /// `None` for an explicit JSON `null` (Vault's nil map).
    Map(Option<Map<String, Value>>),
    Ints(Vec<i64>),
}

pub(super) type Schema = &'static [(&'static str, FieldType)];

/// The decoded fields of one request plus the parameters the path does not know.
#[derive(Debug, Default)]
pub(super) struct FieldData {
    values: BTreeMap<&'static str, FieldValue>,
    ignored: Vec<String>,
}

impl FieldData {
    /// Decodes every known field present in `raw`. `prefixed` selects Vault's
    /// "Field validation failed: " prefix, which every request gets except create/update on
    /// paths with an existence check (`data/`, `metadata/`), validated without it.
    pub fn parse(raw: &Map<String, Value>, schema: Schema, prefixed: bool) -> Result<Self, CoreError> {
        let mut out = FieldData::default();
        for (name, value) in raw {
            let Some((field, kind)) = schema.iter().find(|(n, _)| n == name) else {
                out.ignored.push(name.clone());
                continue;
            };
            let decoded = match kind {
                FieldType::Path => continue,
                FieldType::Int => weak_int(value, "''").map(FieldValue::Int),
                FieldType::Bool => weak_bool(value).map(FieldValue::Bool),
                FieldType::Map => weak_map(value).map(FieldValue::Map),
                FieldType::DurationSecond => duration_seconds(value, false).map(FieldValue::Int),
                FieldType::SignedDurationSecond => duration_seconds(value, true).map(FieldValue::Int),
                FieldType::CommaIntSlice => comma_ints(value).map(FieldValue::Ints),
            };
            match decoded {
                Ok(v) => {
                    out.values.insert(field, v);
                }
                Err(msg) => {
                    let prefix = if prefixed { "Field validation failed: " } else { "" };
                    return Err(CoreError::invalid(format!(
                        "{prefix}error converting input for field \"{name}\": {msg}"
                    )));
                }
            }
        }
        out.ignored.sort();
        Ok(out)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.values.get(name) {
            Some(FieldValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.values.get(name) {
            Some(FieldValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// `Some(None)` when the field was sent as `null`.
    pub fn map(&self, name: &str) -> Option<Option<&Map<String, Value>>> {
        match self.values.get(name) {
            Some(FieldValue::Map(m)) => Some(m.as_ref()),
            _ => None,
        }
    }

    pub fn ints(&self, name: &str) -> Vec<i64> {
        match self.values.get(name) {
            Some(FieldValue::Ints(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// The warning Vault's framework adds to non-empty responses for unknown parameters.
    pub fn ignored_warning(&self) -> Option<String> {
        if self.ignored.is_empty() {
            None
        } else {
            Some(format!("Endpoint ignored these unrecognized parameters: [{}]", self.ignored.join(" ")))
        }
    }

    /// Drops a name from the ignored list (the HTTP layer's `list=true` switch, for one).
    pub fn forget(&mut self, name: &str) {
        self.ignored.retain(|n| n != name);
    }
}

/// The Go type name mapstructure reports for a JSON value (Vault decodes numbers as json.Number).
pub(super) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "json.Number",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, 0x/0o/0b prefixes, a leading 0 for octal.
pub(super) fn go_parse_int(s: &str) -> Result<i64, &'static str> {
    const SYNTAX: &str = "strconv.ParseInt: invalid syntax";
    const RANGE: &str = "strconv.ParseInt: value out of range";
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    // Go allows underscores between digits only with a base prefix; keep it simple and strict.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(SYNTAX);
    }
    let magnitude = u128::from_str_radix(&digits, radix).map_err(|_| RANGE)?;
    let value = if neg {
        -(i128::try_from(magnitude).map_err(|_| RANGE)?)
    } else {
        i128::try_from(magnitude).map_err(|_| RANGE)?
    };
    i64::try_from(value).map_err(|_| RANGE)
}

/// mapstructure's weak decoding into an `int`; `label` names the element in the message.
pub(super) fn weak_int(v: &Value, label: &str) -> Result<i64, String> {
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
pub(super) fn weak_bool(v: &Value) -> Result<bool, String> {
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
        Value::String(s) => match s.as_str() {
            "" | "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            _ => Err(SYNTAX.to_string()),
        },
        other => Err(format!("'' expected type 'bool', got unconvertible type '{}'", go_type(other))),
    }
}

fn weak_map(v: &Value) -> Result<Option<Map<String, Value>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m.clone())),
        other => {
            Err(format!("'' expected type 'map[string]interface {{}}', got unconvertible type '{}'", go_type(other)))
        }
    }
}

/// Vault's `ParseDurationSecond`: integer seconds or a Go duration string ("1h30m", "2d").
fn duration_seconds(v: &Value, signed: bool) -> Result<i64, String> {
    let secs = match v {
        Value::Null => 0,
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

/// `TypeCommaIntSlice`: an array, one value, or a comma-separated string of integers.
fn comma_ints(v: &Value) -> Result<Vec<i64>, String> {
    let items: Vec<Value> = match v {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.is_empty() => return Ok(Vec::new()),
        Value::String(s) => s.split(',').map(|p| Value::String(p.to_string())).collect(),
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match weak_int(item, &format!("'[{i}]'")) {
            Ok(n) => out.push(n),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(format!("decoding failed due to the following error(s):\n\n{}", errors.join("\n")))
    }
}

/// go-multierror's rendering of a list of errors.
pub(super) fn multierror(errors: &[String]) -> String {
    let head =
        if errors.len() == 1 { "1 error occurred:".to_string() } else { format!("{} errors occurred:", errors.len()) };
    let body: String = errors.iter().map(|e| format!("\n\t* {e}")).collect();
    format!("{head}{body}\n\n")
}

/// Go's `unicode.IsPrint`, closely enough: no controls, no separators other than the ASCII
/// space, no format characters, no private use.
pub(super) fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF
        | 0xF0000..=0x10FFFF | 0xE0001 | 0xE0020..=0xE007F)
}

/// Go's `%q`: a double-quoted string with Go escapes for non-printable characters.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: Schema = &[
        ("path", FieldType::Path),
        ("n", FieldType::Int),
        ("b", FieldType::Bool),
        ("m", FieldType::Map),
        ("d", FieldType::DurationSecond),
        ("sd", FieldType::SignedDurationSecond),
        ("v", FieldType::CommaIntSlice),
    ];

    fn parse(v: Value) -> Result<FieldData, String> {
        let Value::Object(m) = v else { panic!("object") };
        FieldData::parse(&m, SCHEMA, true).map_err(|e| e.to_string())
    }

    #[test]
    fn decodes_weakly_typed_values() {
        let f = parse(json!({"n": "42", "b": "true", "m": {"a": 1}, "d": "1h", "sd": "-5m", "v": "1,2", "path": 5}))
            .unwrap();
        assert_eq!(f.int("n"), Some(42));
        assert_eq!(f.bool("b"), Some(true));
        assert_eq!(f.map("m").unwrap().unwrap()["a"], json!(1));
        assert_eq!(f.int("d"), Some(3600));
        assert_eq!(f.int("sd"), Some(-300));
        assert_eq!(f.ints("v"), vec![1, 2]);
        assert!(f.int("path").is_none() && f.map("path").is_none());
        let f = parse(json!({"n": true, "b": 1, "m": null, "v": 3, "x": 1, "a": 2})).unwrap();
        assert_eq!(f.int("n"), Some(1));
        assert_eq!(f.bool("b"), Some(true));
        assert_eq!(f.map("m"), Some(None));
        assert_eq!(f.ints("v"), vec![3]);
        assert_eq!(f.ignored_warning().unwrap(), "Endpoint ignored these unrecognized parameters: [a x]");
        assert_eq!(parse(json!({"n": "0x10"})).unwrap().int("n"), Some(16));
        assert_eq!(parse(json!({"n": "-7"})).unwrap().int("n"), Some(-7));
        assert_eq!(parse(json!({"v": ["1", 2, true]})).unwrap().ints("v"), vec![1, 2, 1]);
        assert!(parse(json!({"v": ""})).unwrap().ints("v").is_empty());
    }

    #[test]
    fn refuses_with_vault_texts() {
        let pre = "Field validation failed: error converting input for field";
        assert_eq!(
            parse(json!({"n": "abc"})).unwrap_err(),
            format!("{pre} \"n\": '' cannot parse value as 'int': strconv.ParseInt: invalid syntax")
        );
        assert_eq!(
            parse(json!({"n": 1.5})).unwrap_err(),
            format!("{pre} \"n\": '' cannot parse value as 'int': strconv.ParseInt: invalid syntax")
        );
        assert_eq!(
            parse(json!({"n": "99999999999999999999"})).unwrap_err(),
            format!("{pre} \"n\": '' cannot parse value as 'int': strconv.ParseInt: value out of range")
        );
        assert_eq!(
            parse(json!({"b": "maybe"})).unwrap_err(),
            format!("{pre} \"b\": '' cannot parse value as 'bool': strconv.ParseBool: invalid syntax")
        );
        assert_eq!(
            parse(json!({"m": "x"})).unwrap_err(),
            format!("{pre} \"m\": '' expected type 'map[string]interface {{}}', got unconvertible type 'string'")
        );
        assert_eq!(parse(json!({"d": "abc"})).unwrap_err(), format!("{pre} \"d\": time: invalid duration \"abc\""));
        assert_eq!(
            parse(json!({"d": "-1h"})).unwrap_err(),
            format!("{pre} \"d\": cannot provide negative value '-3600'")
        );
        assert_eq!(parse(json!({"d": -5})).unwrap_err(), format!("{pre} \"d\": cannot provide negative value '-5'"));
        assert_eq!(
            parse(json!({"v": "1, 2"})).unwrap_err(),
            format!(
                "{pre} \"v\": decoding failed due to the following error(s):\n\n'[1]' cannot parse value as 'int': \
                 strconv.ParseInt: invalid syntax"
            )
        );
        assert_eq!(
            parse(json!({"v": {"a": 1}})).unwrap_err(),
            format!(
                "{pre} \"v\": decoding failed due to the following error(s):\n\n'[0]' expected type 'int', got \
                 unconvertible type 'map[string]interface {{}}'"
            )
        );
        let Value::Object(m) = json!({"n": []}) else { unreachable!() };
        assert_eq!(
            FieldData::parse(&m, SCHEMA, false).unwrap_err().to_string(),
            "error converting input for field \"n\": '' expected type 'int', got unconvertible type '[]interface {}'"
        );
    }

    #[test]
    fn go_formatting_helpers() {
        assert_eq!(go_quote("k\u{1}"), "\"k\\x01\"");
        assert_eq!(go_quote("a\"b\n"), "\"a\\\"b\\n\"");
        assert_eq!(go_quote("é\u{200b}"), "\"é\\u200b\"");
        assert_eq!(multierror(&["a".into()]), "1 error occurred:\n\t* a\n\n");
        assert_eq!(multierror(&["a".into(), "b".into()]), "2 errors occurred:\n\t* a\n\t* b\n\n");
        assert!(is_printable('é') && !is_printable('\u{7f}') && !is_printable('\u{a0}'));
        assert_eq!(go_parse_int("010"), Ok(8));
        assert_eq!(go_parse_int(""), Err("strconv.ParseInt: invalid syntax"));
        assert_eq!(go_parse_int(" 1"), Err("strconv.ParseInt: invalid syntax"));
    }
}
