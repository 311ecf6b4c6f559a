//! Declared request fields (Vault's `framework.FieldSchema`) and the decoded values of one
//! request (`framework.FieldData`): one decoder for every engine, Vault's error texts, and the
//! unknown-parameter warning.

use super::decode;
use super::display::Display;
use crate::CoreError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Vault's field types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    /// A string, lower-cased.
    LowerCaseString,
    /// A string matching Vault's `GenericNameRegex`.
    Name,
    Int,
    /// Go's `ParseBool` for strings, 0/1 for numbers.
    Bool,
    /// A JSON object (`None` when sent as `null`).
    Map,
    /// A map of strings.
    KvPairs,
    /// Seconds, from an integer or a Go duration string; negative values are refused.
    Duration,
    /// Like `Duration` but negative values are allowed.
    SignedDuration,
    /// A list from an array or a comma-separated string, items trimmed.
    CommaStrings,
    /// A list from an array (one value is a one-item list).
    Strings,
    /// A list of integers, from an array, a single value or a "1,2,3" string.
    CommaInts,
    /// A list of any JSON values (Vault's `TypeSlice`; one value is a one-item list).
    Slice,
}

impl FieldType {
    /// The OpenAPI type Vault documents for it.
    pub fn openapi(self) -> (&'static str, Option<&'static str>) {
        match self {
            FieldType::String | FieldType::LowerCaseString | FieldType::Name => ("string", None),
            FieldType::Int => ("integer", None),
            FieldType::Bool => ("boolean", None),
            FieldType::Map | FieldType::KvPairs => ("object", None),
            FieldType::Duration | FieldType::SignedDuration => ("string", Some("duration")),
            FieldType::CommaStrings | FieldType::Strings => ("array", Some("string")),
            FieldType::CommaInts => ("array", Some("integer")),
            FieldType::Slice => ("array", Some("object")),
        }
    }

    fn decode(self, v: &Value) -> Result<FieldValue, String> {
        use FieldType as T;
        use FieldValue as V;
        Ok(match self {
            T::String => V::Str(decode::weak_string(v)?),
            T::LowerCaseString => V::Str(decode::weak_string(v)?.to_lowercase()),
            T::Name => V::Str(decode::name_string(v)?),
            T::Int => V::Int(decode::weak_int(v, "''")?),
            T::Bool => V::Bool(decode::weak_bool(v)?),
            T::Map => V::Map(decode::weak_map(v)?),
            T::KvPairs => V::Pairs(decode::kv_pairs(v)?),
            T::Duration => V::Int(decode::duration_seconds(v, false)?),
            T::SignedDuration => V::Int(decode::duration_seconds(v, true)?),
            T::CommaStrings => V::Strs(decode::comma_strings(v)?),
            T::Strings => V::Strs(decode::string_slice(v)?),
            T::CommaInts => V::Ints(decode::comma_ints(v)?),
            T::Slice => V::List(match v {
                Value::Array(items) => items.clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            }),
        })
    }
}

/// A field's default, used when the request does not send it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldDefault {
    None,
    Int(i64),
    Bool(bool),
    Str(&'static str),
}

/// One declared field of a path.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldType,
    pub description: &'static str,
    pub default: FieldDefault,
    /// Documented as required (OpenAPI); handlers still say what is missing in Vault's words.
    pub required: bool,
    /// Kept for old clients: help says "(DEPRECATED)", OpenAPI marks it.
    pub deprecated: bool,
    /// How a UI labels, groups or masks it.
    pub display: Display,
}

impl Field {
    pub const fn new(name: &'static str, kind: FieldType, description: &'static str) -> Self {
        Field {
            name,
            kind,
            description,
            default: FieldDefault::None,
            required: false,
            deprecated: false,
            display: Display::NONE,
        }
    }

    pub const fn default(mut self, default: FieldDefault) -> Self {
        self.default = default;
        self
    }

    pub const fn display(mut self, display: Display) -> Self {
        self.display = display;
        self
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
}

/// A decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Str(String),
    Int(i64),
    Bool(bool),
    Map(Option<Map<String, Value>>),
    Pairs(BTreeMap<String, String>),
    Strs(Vec<String>),
    Ints(Vec<i64>),
    List(Vec<Value>),
}

/// A path's declared fields, in groups (a path's own, plus shared ones such as the token
/// parameters every auth method takes).
pub type Schema = &'static [&'static [Field]];

fn lookup(schema: Schema, name: &str) -> Option<&'static Field> {
    schema.iter().flat_map(|g| g.iter()).find(|f| f.name == name)
}

/// The decoded fields of one request, the path's captures among them, plus the parameters the
/// path does not know.
#[derive(Debug, Default)]
pub struct FieldData {
    schema: Schema,
    values: BTreeMap<&'static str, FieldValue>,
    ignored: Vec<String>,
}

impl FieldData {
    /// Decodes every declared field present in `raw`; `captures` (from the URL) win over body
    /// values of the same name, as in Vault. `prefixed` selects Vault's "Field validation
    /// failed: " prefix, which every request gets except create/update on paths with an existence
    /// check, validated without it.
    pub fn parse(
        raw: &Map<String, Value>,
        captures: &[(&'static str, String)],
        schema: Schema,
        prefixed: bool,
    ) -> Result<Self, CoreError> {
        let mut out = FieldData { schema, ..Default::default() };
        for (name, value) in raw {
            let Some(field) = lookup(schema, name) else {
                out.ignored.push(name.clone());
                continue;
            };
            if captures.iter().any(|(n, _)| *n == field.name) {
                continue;
            }
            match field.kind.decode(value) {
                Ok(v) => {
                    out.values.insert(field.name, v);
                }
                Err(msg) => {
                    let prefix = if prefixed { "Field validation failed: " } else { "" };
                    return Err(CoreError::invalid(format!(
                        "{prefix}error converting input for field \"{name}\": {msg}"
                    )));
                }
            }
        }
        for (name, value) in captures {
            out.values.insert(name, FieldValue::Str(value.clone()));
        }
        out.ignored.sort();
        Ok(out)
    }

    /// Decodes `raw` against `schema` for handlers outside a path table (tests, token fields).
    pub fn decode(raw: &Map<String, Value>, schema: Schema) -> Result<Self, CoreError> {
        Self::parse(raw, &[], schema, true)
    }

    /// Whether the request sent the field (Vault's `GetOk`).
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn value(&self, name: &str) -> Option<&FieldValue> {
        self.values.get(name)
    }

    fn default_of(&self, name: &str) -> FieldDefault {
        lookup(self.schema, name).map_or(FieldDefault::None, |f| f.default)
    }

    /// A string field as sent, if sent.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(FieldValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A string field, its default, or "".
    pub fn str_or_default(&self, name: &str) -> String {
        match (self.str(name), self.default_of(name)) {
            (Some(s), _) => s.to_string(),
            (None, FieldDefault::Str(d)) => d.to_string(),
            _ => String::new(),
        }
    }

    /// An integer (or duration, in seconds) field as sent, if sent.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.values.get(name) {
            Some(FieldValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn int_or_default(&self, name: &str) -> i64 {
        match (self.int(name), self.default_of(name)) {
            (Some(i), _) => i,
            (None, FieldDefault::Int(d)) => d,
            _ => 0,
        }
    }

    /// A non-negative duration field in seconds, if sent.
    pub fn seconds(&self, name: &str) -> Option<u64> {
        self.int(name).map(|i| u64::try_from(i).unwrap_or(0))
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.values.get(name) {
            Some(FieldValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn bool_or_default(&self, name: &str) -> bool {
        match (self.bool(name), self.default_of(name)) {
            (Some(b), _) => b,
            (None, FieldDefault::Bool(d)) => d,
            _ => false,
        }
    }

    /// `Some(None)` when the field was sent as `null`.
    pub fn map(&self, name: &str) -> Option<Option<&Map<String, Value>>> {
        match self.values.get(name) {
            Some(FieldValue::Map(m)) => Some(m.as_ref()),
            _ => None,
        }
    }

    pub fn pairs(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        match self.values.get(name) {
            Some(FieldValue::Pairs(p)) => Some(p),
            _ => None,
        }
    }

    /// A list of strings, if sent.
    pub fn strings(&self, name: &str) -> Option<&[String]> {
        match self.values.get(name) {
            Some(FieldValue::Strs(v)) => Some(v),
            _ => None,
        }
    }

    /// A list of integers; empty when not sent.
    pub fn ints(&self, name: &str) -> Vec<i64> {
        match self.values.get(name) {
            Some(FieldValue::Ints(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// A list of JSON values, if sent.
    pub fn list(&self, name: &str) -> Option<&[Value]> {
        match self.values.get(name) {
            Some(FieldValue::List(v)) => Some(v),
            _ => None,
        }
    }

    /// The first of `names` that was sent, as a list (Vault's `GetFirst`).
    pub fn first_strings(&self, names: &[&str]) -> Option<&[String]> {
        names.iter().find_map(|n| self.strings(n))
    }

    /// The warning Vault's framework adds to responses with a body for unknown parameters.
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: &[Field] = &[
        Field::new("path", FieldType::String, ""),
        Field::new("n", FieldType::Int, "").default(FieldDefault::Int(7)),
        Field::new("b", FieldType::Bool, ""),
        Field::new("m", FieldType::Map, ""),
        Field::new("d", FieldType::Duration, ""),
        Field::new("sd", FieldType::SignedDuration, ""),
        Field::new("v", FieldType::CommaInts, ""),
        Field::new("s", FieldType::CommaStrings, ""),
        Field::new("l", FieldType::Strings, ""),
        Field::new("name", FieldType::Name, ""),
        Field::new("low", FieldType::LowerCaseString, ""),
        Field::new("kv", FieldType::KvPairs, ""),
    ];
    const SCHEMA: Schema = &[FIELDS];

    fn parse(v: Value) -> Result<FieldData, String> {
        let Value::Object(m) = v else { panic!("object") };
        FieldData::parse(&m, &[("path", "from-url".into())], SCHEMA, true).map_err(|e| e.to_string())
    }

    #[test]
    fn strings_lists_names_and_defaults() {
        let f = parse(json!({"s": " a, b ,,c", "l": "x,y", "name": "web-1", "low": "MiXed", "kv": {"a": 1, "b": true},
            "path": "from-body"}))
        .unwrap();
        assert_eq!(f.strings("s").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(f.strings("l").unwrap(), ["x,y"]);
        assert_eq!(f.str("name"), Some("web-1"));
        assert_eq!(f.str("low"), Some("mixed"));
        assert_eq!(f.pairs("kv").unwrap()["a"], "1");
        assert_eq!(f.pairs("kv").unwrap()["b"], "1");
        // The URL's capture wins over a body value of the same name.
        assert_eq!(f.str("path"), Some("from-url"));
        assert_eq!((f.int("n"), f.int_or_default("n")), (None, 7));
        assert!(f.ignored_warning().is_none());
        assert_eq!(parse(json!({"s": ["a", 1, true]})).unwrap().strings("s").unwrap(), ["a", "1", "1"]);
        assert_eq!(
            parse(json!({"name": "-x"})).unwrap_err(),
            "Field validation failed: error converting input for field \"name\": field does not match the formatting rules"
        );
        assert_eq!(
            parse(json!({"s": {"a": 1}})).unwrap_err(),
            "Field validation failed: error converting input for field \"s\": decoding failed due to the following error(s):\n\n'[0]' expected type 'string', got unconvertible type 'map[string]interface {}'"
        );
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
        assert_eq!(f.str("path"), Some("from-url"));
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
            FieldData::parse(&m, &[], SCHEMA, false).unwrap_err().to_string(),
            "error converting input for field \"n\": '' expected type 'int', got unconvertible type '[]interface {}'"
        );
    }
}
