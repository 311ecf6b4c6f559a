//! `k=v` positional data as Vault's `kvbuilder` reads it: `k=@file` loads a file, `k=-` reads
//! stdin, a bare `-` (or `@file`) merges a JSON object, and repeated keys become lists.

use std::io::Read;

use serde_json::{Map, Value};

/// Builds the data map from `args`. `None` when no argument was given (Go's nil map, which the
/// client sends as `null`).
pub fn parse_data(stdin: &mut dyn Read, args: &[String]) -> Result<Option<Map<String, Value>>, String> {
    let mut b = Builder { result: None, stdin_used: false };
    for a in args {
        b.add(stdin, a).map_err(|e| format!("invalid key/value pair {a:?}: {e}"))?;
    }
    Ok(b.result)
}

/// `parseArgsDataStringLists`: the data coerced to lists of strings (query parameters).
pub fn parse_string_lists(stdin: &mut dyn Read, args: &[String]) -> Result<Vec<(String, Vec<String>)>, String> {
    let map = parse_data(stdin, args)?.unwrap_or_default();
    map.into_iter()
        .map(|(k, v)| {
            let items = match v {
                Value::Array(a) => a.iter().map(weak_string).collect::<Result<Vec<_>, _>>()?,
                other => vec![weak_string(&other)?],
            };
            Ok((k, items))
        })
        .collect()
}

/// `parseArgsDataString`: the data with every value weakly converted to a string.
pub fn parse_strings(
    stdin: &mut dyn Read,
    args: &[String],
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let map = parse_data(stdin, args)?.unwrap_or_default();
    map.into_iter().map(|(k, v)| Ok((k, weak_string(&v)?))).collect()
}

/// `mapstructure.WeakDecode` of a scalar into a string.
fn weak_string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "1".into() } else { "0".into() }),
        Value::Null => Ok(String::new()),
        _ => Err("failed to convert values to strings".into()),
    }
}

struct Builder {
    result: Option<Map<String, Value>>,
    stdin_used: bool,
}

impl Builder {
    fn add(&mut self, stdin: &mut dyn Read, raw: &str) -> Result<(), String> {
        self.result.get_or_insert_with(Map::new);
        if raw.is_empty() {
            return Ok(());
        }
        let Some((key, value)) = raw.split_once('=') else {
            let text = if raw == "-" {
                self.take_stdin(stdin)?
            } else if let Some(file) = raw.strip_prefix('@') {
                std::fs::read_to_string(file).map_err(|e| go_open_error(file, &e))?
            } else {
                return Err("format must be key=value".into());
            };
            return merge_json(self.result.get_or_insert_with(Map::new), &text);
        };
        let value = if let Some(file) = value.strip_prefix('@') {
            std::fs::read_to_string(file).map_err(|e| format!("error reading file: {}", go_open_error(file, &e)))?
        } else if let Some(rest) = value.strip_prefix("\\@") {
            // An escaped literal "@".
            format!("@{rest}")
        } else if value == "-" {
            self.take_stdin(stdin)?
        } else {
            value.to_string()
        };
        let result = self.result.get_or_insert_with(Map::new);
        match result.remove(key) {
            Some(Value::Array(mut items)) => {
                items.push(Value::String(value));
                result.insert(key.to_string(), Value::Array(items));
            }
            Some(existing) => {
                result.insert(key.to_string(), Value::Array(vec![existing, Value::String(value)]));
            }
            None => {
                result.insert(key.to_string(), Value::String(value));
            }
        }
        Ok(())
    }

    fn take_stdin(&mut self, stdin: &mut dyn Read) -> Result<String, String> {
        if self.stdin_used {
            return Err("stdin already consumed".into());
        }
        self.stdin_used = true;
        let mut text = String::new();
        stdin.read_to_string(&mut text).map_err(|e| e.to_string())?;
        Ok(text)
    }
}

/// Decodes one JSON object and merges its keys over what is there (Go's `Decode` into a map).
fn merge_json(result: &mut Map<String, Value>, text: &str) -> Result<(), String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    match stream.next() {
        Some(Ok(Value::Object(obj))) => {
            result.extend(obj);
            Ok(())
        }
        Some(Ok(_)) => Err("json: cannot unmarshal non-object into Go value of type map[string]interface {}".into()),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("EOF".into()),
    }
}

fn go_open_error(file: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    format!("open {file}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pairs_files_stdin_and_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.txt");
        std::fs::write(&file, "from-file\n").unwrap();
        let at = format!("f=@{}", file.display());
        let mut stdin: &[u8] = b"piped";
        let got = parse_data(&mut stdin, &args(&["a=1", "b=x=y", &at, "s=-", "a=2", "e=\\@lit"])).unwrap().unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"a": ["1", "2"], "b": "x=y", "f": "from-file\n", "s": "piped", "e": "@lit"})
        );
    }

    #[test]
    fn dash_merges_json_from_stdin_once() {
        let mut stdin: &[u8] = br#"{"n": 1, "k": [true]}"#;
        let got = parse_data(&mut stdin, &args(&["x=y", "-"])).unwrap().unwrap();
        assert_eq!(Value::Object(got), json!({"x": "y", "n": 1, "k": [true]}));
        let mut stdin: &[u8] = b"{}";
        let err = parse_data(&mut stdin, &args(&["-", "a=-"])).unwrap_err();
        assert_eq!(err, "invalid key/value pair \"a=-\": stdin already consumed");
    }

    #[test]
    fn no_args_is_nil_and_bad_pairs_fail() {
        let mut stdin: &[u8] = b"";
        assert_eq!(parse_data(&mut stdin, &[]).unwrap(), None);
        assert_eq!(
            parse_data(&mut stdin, &args(&["nokey"])).unwrap_err(),
            "invalid key/value pair \"nokey\": format must be key=value"
        );
    }

    #[test]
    fn strings_for_login_parameters() {
        let mut stdin: &[u8] = b" s.tok\n";
        let got = parse_strings(&mut stdin, &args(&["token=-", "lookup=false"])).unwrap();
        assert_eq!(got.get("token").map(String::as_str), Some(" s.tok\n"));
        assert_eq!(got.get("lookup").map(String::as_str), Some("false"));
        assert!(parse_strings(&mut stdin, &args(&["a=1", "a=2"])).is_err());
    }

    #[test]
    fn string_lists_for_query_parameters() {
        let mut stdin: &[u8] = b"";
        let got = parse_string_lists(&mut stdin, &args(&["v=1", "v=2", "w=x"])).unwrap();
        assert_eq!(
            got,
            vec![("v".to_string(), vec!["1".to_string(), "2".to_string()]), ("w".to_string(), vec!["x".to_string()])]
        );
    }
}
