//! Vault's output formatters (`format.go`): secrets, maps and lists as tables or JSON, raw
//! `-field` values, and server warnings.

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};

use super::flags::{flag, FlagKind, FlagSpec, Parsed};
use super::godur;
use super::gojson::{fmt_q_list, fmt_v, Json};
use super::secret::Secret;
use super::table::{table_output, wrap_at_length, HOPE_DELIM};

pub const FORMAT_FLAG: FlagSpec = flag("format", FlagKind::Str);
pub const FIELD_FLAG: FlagSpec = flag("field", FlagKind::Str);
pub const DETAILED_FLAG: FlagSpec = flag("detailed", FlagKind::Bool);

/// Prints a line on stdout. A closed pipe (`| head`) is not an error worth a panic.
pub fn out(s: &str) {
    let _ = writeln!(std::io::stdout(), "{s}");
}

/// Prints a line on stderr.
pub fn err(s: &str) {
    let _ = writeln!(std::io::stderr(), "{s}");
}

/// Reads a line from the terminal without echo, after writing `prompt` to `w`. Like Vault,
/// refuses when stdin is not a tty.
pub fn prompt_hidden(w: &mut dyn Write, prompt: &str) -> Result<String, String> {
    let _ = write!(w, "{prompt}");
    let _ = w.flush();
    if std::io::stdin().is_terminal() {
        // The terminal echoes the newline itself (rpassword keeps ECHONL on).
        return rpassword::read_password().map_err(|e| e.to_string());
    }
    let _ = writeln!(w);
    Err("file descriptor 0 is not a terminal".to_string())
}

/// Where output goes and how it is shaped (`-format`, `-field`, `-detailed`).
pub struct Ui {
    pub format: String,
    pub field: Option<String>,
    pub detailed: bool,
}

impl Ui {
    pub fn from_flags(p: &Parsed) -> Ui {
        let format = p
            .str("format")
            .map(String::from)
            .or_else(|| std::env::var("VAULT_FORMAT").ok().filter(|f| !f.is_empty()))
            .unwrap_or_else(|| "table".to_string());
        Ui {
            format: format.to_ascii_lowercase(),
            field: p.str("field").filter(|f| !f.is_empty()).map(String::from),
            detailed: p.bool("detailed").unwrap_or(false),
        }
    }

    pub fn is_table(&self) -> bool {
        self.format == "table"
    }

    pub fn out(&self, s: &str) {
        out(s);
    }

    pub fn err(&self, s: &str) {
        err(s);
    }

    /// Checks `-format` the way Vault does when it is about to print.
    fn check_format(&self) -> bool {
        if matches!(self.format.as_str(), "table" | "json") {
            return true;
        }
        self.err(&format!("Invalid output format: {}", self.format));
        false
    }

    /// `OutputSecret`.
    pub fn secret(&self, s: &Secret) -> i32 {
        if !self.check_format() {
            return 1;
        }
        if self.format == "json" {
            self.out(&s.to_json().to_indented());
        } else {
            self.print_warnings(s);
            let rows = secret_rows(s);
            if !rows.is_empty() {
                self.out(&kv_table(rows));
            }
        }
        0
    }

    /// The `-field` when one was asked for (`PrintRawField`), else the whole secret.
    pub fn secret_or_field(&self, s: &Secret) -> i32 {
        match &self.field {
            Some(f) => self.field(s, f),
            None => self.secret(s),
        }
    }

    /// `OutputData` for a map (table rows sorted by key) or any JSON value.
    pub fn data(&self, data: &Value) -> i32 {
        if !self.check_format() {
            return 1;
        }
        if self.format == "json" {
            self.out(&Json::from_value(data).to_indented());
            return 0;
        }
        match data {
            Value::Object(m) if !m.is_empty() => self.out(&kv_table(map_rows(m))),
            Value::Object(_) => {}
            Value::Array(items) => self.list_rows(items),
            _ => {
                self.err("Could not parse output: cannot use the table formatter for this type");
                return 1;
            }
        }
        0
    }

    /// `OutputData` for a pre-ordered value (a Go struct); tables are the caller's business.
    pub fn json(&self, j: &Json) -> i32 {
        if !self.check_format() {
            return 1;
        }
        self.out(&j.to_indented());
        0
    }

    /// `OutputList`: the secret's `keys`, sorted, under a `Keys` header.
    pub fn list(&self, s: &Secret) -> i32 {
        if !self.check_format() {
            return 1;
        }
        let keys = s.get("keys").cloned().unwrap_or(Value::Null);
        if self.format == "json" {
            let j = if self.detailed { s.to_json() } else { Json::from_value(&keys) };
            self.out(&j.to_indented());
            return 0;
        }
        self.print_warnings(s);
        let items = keys.as_array().cloned().unwrap_or_default();
        if self.detailed {
            if let Some(Value::Object(info)) = s.get("key_info") {
                if !info.is_empty() {
                    return self.detailed_list(&items, info);
                }
            }
        }
        self.list_rows(&items);
        0
    }

    fn list_rows(&self, items: &[Value]) {
        if items.is_empty() {
            return;
        }
        let mut keys: Vec<String> = items.iter().map(fmt_v).collect();
        keys.sort();
        keys.insert(0, "Keys".to_string());
        self.out(&table_output(keys, HOPE_DELIM));
    }

    /// A `-detailed` list: one column per field seen in `key_info`.
    fn detailed_list(&self, items: &[Value], info: &Map<String, Value>) -> i32 {
        let mut keys: Vec<String> = items.iter().map(fmt_v).collect();
        keys.sort();
        let mut headers: Vec<String> = info
            .iter()
            .filter(|(k, _)| keys.contains(k))
            .filter_map(|(_, v)| v.as_object())
            .flat_map(|m| m.keys().cloned())
            .collect();
        headers.sort();
        headers.dedup();
        let mut rows = vec![std::iter::once("Keys".to_string())
            .chain(headers.iter().cloned())
            .collect::<Vec<_>>()
            .join(HOPE_DELIM)];
        for key in &keys {
            let mut cells = vec![key.clone()];
            if let Some(Value::Object(vals)) = info.get(key) {
                for h in &headers {
                    cells.push(match vals.get(h) {
                        Some(v) if godur::looks_like_duration(h) => godur::human_value(v).unwrap_or_else(|| fmt_v(v)),
                        Some(v) => fmt_v(v),
                        None => "n/a".to_string(),
                    });
                }
            }
            rows.push(cells.join(HOPE_DELIM));
        }
        self.out(&table_output(rows, HOPE_DELIM));
        0
    }

    /// `PrintRawField`: one field, with no trailing newline when piped.
    pub fn field(&self, s: &Secret, field: &str) -> i32 {
        let val = raw_field(s, field);
        self.field_value(val.as_ref(), field)
    }

    /// `PrintRawField` on a plain map.
    pub fn field_value(&self, val: Option<&Value>, field: &str) -> i32 {
        let Some(val) = val.filter(|v| !v.is_null()) else {
            self.err(&format!("Field {field:?} not present in secret"));
            return 1;
        };
        let text = match self.format.as_str() {
            "table" | "raw" | "" => fmt_v(val),
            "json" => Json::from_value(val).to_indented(),
            other => {
                self.err(&format!("Invalid output format: {other}"));
                return 1;
            }
        };
        let mut stdout = std::io::stdout();
        let result = if stdout.is_terminal() { writeln!(stdout, "{text}") } else { write!(stdout, "{text}") };
        i32::from(result.is_err())
    }

    /// `printWarnings`, on stderr.
    pub fn print_warnings(&self, s: &Secret) {
        let Some(warnings) = s.warnings.as_ref().filter(|w| !w.is_empty()) else {
            return;
        };
        self.err("WARNING! The following warnings were returned from Vault:\n");
        for w in warnings {
            self.err(&wrap_at_length(&format!("* {w}"), 2));
            self.err("");
        }
    }
}

/// Go's `time.Time.String()` for an RFC 3339 timestamp, e.g.
/// `2024-01-02 03:04:05.5 +0000 UTC`.
fn go_time_string(rfc3339: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(rfc3339) else {
        return "0001-01-01 00:00:00 +0000 UTC".to_string();
    };
    let nanos = t.timestamp_subsec_nanos();
    let frac = if nanos == 0 { String::new() } else { format!(".{nanos:09}").trim_end_matches('0').to_string() };
    let offset = t.format("%z").to_string();
    let zone = if t.offset().local_minus_utc() == 0 { "UTC".to_string() } else { offset.clone() };
    format!("{}{frac} {offset} {zone}", t.format("%Y-%m-%d %H:%M:%S"))
}

/// Rows of `OutputSecret`'s table, before the `Key Value` header.
fn secret_rows(s: &Secret) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    if s.lease_duration > 0 {
        if !s.lease_id.is_empty() {
            rows.push(("lease_id".into(), s.lease_id.clone()));
            rows.push(("lease_duration".into(), godur::human(s.lease_duration)));
            rows.push(("lease_renewable".into(), s.renewable.to_string()));
        } else {
            // The generic backends "lease" without a lease ID: Vault shows a refresh interval.
            rows.push(("refresh_interval".into(), godur::human(s.lease_duration)));
        }
    }
    if let Some(auth) = &s.auth {
        let get = |k: &str| auth.get(k).cloned().unwrap_or(Value::Null);
        let s_of = |k: &str| get(k).as_str().unwrap_or_default().to_string();
        let list_of =
            |k: &str| -> Vec<String> { get(k).as_array().map(|a| a.iter().map(fmt_v).collect()).unwrap_or_default() };
        rows.push(("token".into(), s_of("client_token")));
        rows.push(("token_accessor".into(), s_of("accessor")));
        let dur = get("lease_duration").as_i64().unwrap_or(0);
        // A zero lease is most likely a root token: Vault prints infinity.
        let dur = if dur == 0 { "∞".into() } else { godur::human(dur) };
        rows.push(("token_duration".into(), dur));
        let renewable = get("renewable").as_bool().unwrap_or(false);
        rows.push(("token_renewable".into(), renewable.to_string()));
        rows.push(("token_policies".into(), fmt_q_list(&list_of("token_policies"))));
        rows.push(("identity_policies".into(), fmt_q_list(&list_of("identity_policies"))));
        rows.push(("policies".into(), fmt_q_list(&list_of("policies"))));
        if let Some(Value::Object(meta)) = auth.get("metadata") {
            for (k, v) in meta {
                rows.push((format!("token_meta_{k}"), fmt_v(v)));
            }
        }
    }
    if let Some(wrap) = &s.wrap_info {
        let get = |k: &str| wrap.get(k).map(fmt_v).unwrap_or_default();
        rows.push(("wrapping_token:".into(), get("token")));
        rows.push(("wrapping_accessor:".into(), get("accessor")));
        let ttl = wrap.get("ttl").and_then(Value::as_i64).unwrap_or(0);
        rows.push(("wrapping_token_ttl:".into(), godur::human(ttl)));
        let created = wrap.get("creation_time").and_then(Value::as_str).unwrap_or_default();
        rows.push(("wrapping_token_creation_time:".into(), go_time_string(created)));
        rows.push(("wrapping_token_creation_path:".into(), get("creation_path")));
        let wrapped = get("wrapped_accessor");
        if !wrapped.is_empty() {
            rows.push(("wrapped_accessor:".into(), wrapped));
        }
    }
    if let Some(data) = &s.data {
        rows.extend(map_rows(data));
    }
    rows
}

/// Sorted `key  value` rows of a map, with duration-looking integers humanised.
fn map_rows(m: &Map<String, Value>) -> Vec<(String, String)> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let v = &m[k];
            let text = if godur::looks_like_duration(k) {
                godur::human_value(v).unwrap_or_else(|| fmt_v(v))
            } else {
                fmt_v(v)
            };
            (k.clone(), text)
        })
        .collect()
}

/// A `Key  Value` table.
pub fn kv_table(rows: Vec<(String, String)>) -> String {
    let mut lines = vec![format!("Key{HOPE_DELIM}Value")];
    lines.extend(rows.into_iter().map(|(k, v)| format!("{k} {HOPE_DELIM} {v}")));
    table_output(lines, HOPE_DELIM)
}

/// Vault's `RawField`: envelope and auth fields by name, otherwise a key of `data`.
fn raw_field(s: &Secret, field: &str) -> Option<Value> {
    let data = |k: &str| s.get(k).cloned();
    if let Some(auth) = &s.auth {
        let a = |k: &str| auth.get(k).cloned();
        return match field {
            "token" => a("client_token"),
            "token_accessor" => a("accessor"),
            "token_duration" => a("lease_duration"),
            "token_renewable" => a("renewable"),
            "token_policies" => a("token_policies"),
            "identity_policies" => a("identity_policies"),
            "policies" => a("policies"),
            _ => data(field),
        };
    }
    if let Some(wrap) = &s.wrap_info {
        let w = |k: &str| wrap.get(k).cloned();
        return match field {
            "wrapping_token" => w("token"),
            "wrapping_accessor" => w("accessor"),
            "wrapping_token_ttl" => w("ttl"),
            "wrapping_token_creation_time" => w("creation_time"),
            "wrapping_token_creation_path" => w("creation_path"),
            "wrapped_accessor" => w("wrapped_accessor"),
            _ => data(field),
        };
    }
    match field {
        "lease_duration" | "refresh_interval" => Some(Value::from(s.lease_duration)),
        "lease_id" => Some(Value::from(s.lease_id.clone())),
        "request_id" => Some(Value::from(s.request_id.clone())),
        "renewable" => Some(Value::from(s.renewable)),
        "data" => data("data").or_else(|| s.data.clone().map(Value::Object)),
        _ => data(field),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::secret::parse_secret;

    #[test]
    fn generic_lease_prints_refresh_interval_and_na_for_empty() {
        let s = parse_secret(br#"{"lease_duration":2764800,"data":{"foo":"","ttl":3600}}"#).unwrap().unwrap();
        let want = "Key                 Value\n\
                    ---                 -----\n\
                    refresh_interval    768h\n\
                    foo                 n/a\n\
                    ttl                 1h";
        assert_eq!(kv_table(secret_rows(&s)), want);
    }

    #[test]
    fn raw_fields_prefer_envelope_names() {
        let s = parse_secret(br#"{"request_id":"r","data":{"data":{"a":1},"x":null}}"#).unwrap().unwrap();
        assert_eq!(raw_field(&s, "request_id"), Some(Value::from("r")));
        assert_eq!(raw_field(&s, "data"), Some(serde_json::json!({"a": 1})));
        assert_eq!(raw_field(&s, "x"), Some(Value::Null));
    }
}
