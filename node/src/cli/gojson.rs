//! Go-compatible rendering of JSON values, so `-format=json` and table cells print byte for byte
//! what the Go `vault` binary prints: `encoding/json` (sorted map keys, struct fields in
//! declaration order, HTML-safe escapes) and `fmt`'s `%v` for decoded `interface{}` values.

use serde_json::Value;

/// A JSON value whose object keys keep the order they were built in: sorted for Go maps, field
/// order for Go structs.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's literal text (Go decodes with `UseNumber`, so literals survive).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// Converts a decoded value the way Go re-encodes a `map[string]interface{}`: keys sorted.
    pub fn from_value(v: &Value) -> Json {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Num(n.to_string()),
            Value::String(s) => Json::Str(s.clone()),
            Value::Array(a) => Json::Arr(a.iter().map(Json::from_value).collect()),
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Json::Obj(keys.into_iter().map(|k| (k.clone(), Json::from_value(&m[k]))).collect())
            }
        }
    }

    pub fn str(s: &str) -> Json {
        Json::Str(s.to_string())
    }

    pub fn int(i: i64) -> Json {
        Json::Num(i.to_string())
    }

    /// `json.MarshalIndent(v, "", "  ")`.
    pub fn to_indented(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out, Some(0));
        out
    }

    /// `json.Marshal(v)`.
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out, None);
        out
    }
}

/// A field of a Go struct as `encoding/json` sees it.
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub omitempty: bool,
}

/// The Go type of a struct field, which decides its zero value.
pub enum Kind {
    Str,
    Int,
    Bool,
    /// Maps, slices and interfaces: zero value `null`, contents kept as decoded.
    Any,
    /// A nested struct value (never null).
    Struct(&'static [Field]),
}

pub const fn field(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, omitempty: false }
}

pub const fn omit(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, omitempty: true }
}

/// Re-encodes `src` as the Go struct described by `fields`: declared order, zero values for
/// missing fields, `omitempty` honoured, unknown keys dropped (Go's decoder ignores them).
pub fn as_struct(src: Option<&Value>, fields: &[Field]) -> Json {
    let obj = src.and_then(Value::as_object);
    let mut out = Vec::new();
    for f in fields {
        let raw = obj.and_then(|o| o.get(f.name)).filter(|v| !v.is_null());
        let val = match (&f.kind, raw) {
            (Kind::Struct(inner), r) => as_struct(r, inner),
            (_, Some(r)) => Json::from_value(r),
            (Kind::Str, None) => Json::str(""),
            (Kind::Int, None) => Json::int(0),
            (Kind::Bool, None) => Json::Bool(false),
            (Kind::Any, None) => Json::Null,
        };
        if f.omitempty && is_empty(&val) {
            continue;
        }
        out.push((f.name.to_string(), val));
    }
    Json::Obj(out)
}

/// Go's `omitempty` test.
fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Bool(b) => !b,
        Json::Num(n) => n.parse::<f64>().map(|f| f == 0.0).unwrap_or(false),
        Json::Str(s) => s.is_empty(),
        Json::Arr(a) => a.is_empty(),
        Json::Obj(o) => o.is_empty(),
    }
}

fn write_json(v: &Json, out: &mut String, indent: Option<usize>) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => write_str(s, out),
        Json::Arr(items) if items.is_empty() => out.push_str("[]"),
        Json::Obj(items) if items.is_empty() => out.push_str("{}"),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|d| d + 1));
                write_json(item, out, indent.map(|d| d + 1));
            }
            newline(out, indent);
            out.push(']');
        }
        Json::Obj(items) => {
            out.push('{');
            for (i, (k, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|d| d + 1));
                write_str(k, out);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(item, out, indent.map(|d| d + 1));
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, depth: Option<usize>) {
    if let Some(d) = depth {
        out.push('\n');
        out.push_str(&"  ".repeat(d));
    }
}

/// Go's string encoder, including its HTML-safe escapes of `<`, `>` and `&`.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `fmt.Sprintf("%v", v)` for a value decoded by Go's JSON decoder into `interface{}`.
pub fn fmt_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(fmt_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys.into_iter().map(|k| format!("{}:{}", k, fmt_v(&m[k]))).collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%q` of a `[]string`, e.g. `["a" "b"]`.
pub fn fmt_q_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| Json::Str(s.clone()).to_compact()).collect();
    format!("[{}]", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marshal_indent_sorts_keys_and_escapes_html() {
        let v = json!({"b": [1, "x<y"], "a": {}, "c": []});
        let want = "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"x\\u003cy\"\n  ],\n  \"c\": []\n}";
        assert_eq!(Json::from_value(&v).to_indented(), want);
        assert_eq!(Json::from_value(&v).to_compact(), r#"{"a":{},"b":[1,"x\u003cy"],"c":[]}"#);
    }

    #[test]
    fn struct_order_zero_values_and_omitempty() {
        const F: &[Field] =
            &[field("z", Kind::Str), field("n", Kind::Int), omit("gone", Kind::Str), field("m", Kind::Any)];
        let v = json!({"n": 3, "extra": true});
        assert_eq!(as_struct(Some(&v), F).to_compact(), r#"{"z":"","n":3,"m":null}"#);
    }

    #[test]
    fn percent_v_matches_go() {
        let v = json!({"b": [1, true, null], "a": {"k": "v"}});
        assert_eq!(fmt_v(&v), "map[a:map[k:v] b:[1 true <nil>]]");
        assert_eq!(fmt_q_list(&["a".into(), "b".into()]), r#"["a" "b"]"#);
    }
}
