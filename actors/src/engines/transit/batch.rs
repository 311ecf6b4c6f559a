//! `batch_input` as Vault decodes it (mapstructure onto its item struct, with its error texts)
//! and the batch answer: per-item results, and the status Vault picks when items failed.

use super::cipher::OpError;
use crate::logical::go::go_type;
use crate::{CoreError, Response};
use serde_json::{json, Map, Value};

/// One request item: a single request is a batch of one.
#[derive(Debug, Default, Clone)]
pub struct Item {
    /// `plaintext` or `ciphertext`, whichever the operation takes (`None`: not sent).
    pub input: Option<String>,
    pub context: String,
    pub key_version: i64,
    pub associated_data: String,
    pub reference: String,
}

fn string_field(i: usize, name: &str, v: &Value, errors: &mut Vec<String>) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => {
            errors.push(format!("'[{i}].{name}' expected type 'string', got unconvertible type '{}'", go_type(other)));
            String::new()
        }
    }
}

fn int_field(i: usize, name: &str, v: &Value, errors: &mut Vec<String>) -> i64 {
    match v {
        Value::Null => 0,
        Value::Number(n) => n.as_i64().unwrap_or_else(|| {
            errors.push(format!(
                "error decoding json.Number into [{i}].{name}: strconv.ParseInt: parsing \"{n}\": invalid syntax"
            ));
            0
        }),
        Value::String(s) => s.parse().unwrap_or_else(|_| {
            errors.push(format!(
                "error decoding json.Number into [{i}].{name}: strconv.ParseInt: parsing \"{s}\": invalid syntax"
            ));
            0
        }),
        other => {
            errors.push(format!("'[{i}].{name}' expected type 'int', got unconvertible type '{}'", go_type(other)));
            0
        }
    }
}

/// Decodes `batch_input`; `input` names the field each item must carry, `missing` is the text
/// when one does not.
pub fn decode(raw: &[Value], input: &str, missing: &str) -> Result<Vec<Item>, CoreError> {
    let mut errors = Vec::new();
    let mut items = Vec::with_capacity(raw.len());
    for (i, v) in raw.iter().enumerate() {
        let Value::Object(m) = v else {
            errors.push(format!("[{i}] expected a map, got '{}'", go_type(v)));
            continue;
        };
        let mut item = Item::default();
        match m.get(input) {
            None => errors.push(format!("'[{i}].{input}' {missing}")),
            Some(v) => item.input = Some(string_field(i, input, v, &mut errors)),
        }
        for (name, v) in m {
            match name.as_str() {
                "context" => item.context = string_field(i, name, v, &mut errors),
                "associated_data" => item.associated_data = string_field(i, name, v, &mut errors),
                "reference" => item.reference = string_field(i, name, v, &mut errors),
                "key_version" => item.key_version = int_field(i, name, v, &mut errors),
                _ => {}
            }
        }
        items.push(item);
    }
    if errors.is_empty() {
        return Ok(items);
    }
    errors.sort();
    let list: Vec<String> = errors.iter().map(|e| format!("* {e}")).collect();
    let text = format!("{} error(s) decoding:\n\n{}", errors.len(), list.join("\n"));
    Err(CoreError::internal(format!("failed to parse batch input: {text}")).listed())
}

/// Every item's context is set, or none is.
pub fn check_contexts(items: &[Item]) -> Result<(), CoreError> {
    let set = items.first().is_some_and(|i| !i.context.is_empty());
    if items.iter().any(|i| i.context.is_empty() == set) {
        return Err(CoreError::invalid("context should be set either in all the request blocks or in none"));
    }
    Ok(())
}

/// The outcome of one item: its result fields, or its error.
pub type Outcome = Result<Map<String, Value>, OpError>;

/// A single request's answer: its fields, or its error as Vault shapes it.
pub fn single(outcome: Outcome) -> Result<Option<Response>, CoreError> {
    match outcome {
        Ok(fields) => Ok(Some(Response::with_data(fields))),
        Err(OpError::User(m)) => Err(CoreError::invalid(m)),
        Err(OpError::Internal(m)) => Err(CoreError::internal(m).listed()),
    }
}

/// A batch's answer. `always_present` names a field every result carries (decrypt's
/// `plaintext`); `status_on_error` is false for rewrap, which answers 200 whatever failed.
pub fn respond(
    items: &[Item],
    outcomes: Vec<Outcome>,
    always_present: Option<&str>,
    partial_failure_code: Option<i64>,
    status_on_error: bool,
) -> Result<Option<Response>, CoreError> {
    let (mut user_error, mut internal_error, mut succeeded) = (false, false, false);
    let results: Vec<Value> = items
        .iter()
        .zip(outcomes)
        .map(|(item, outcome)| {
            let mut m = Map::new();
            if let Some(name) = always_present {
                m.insert(name.into(), json!(""));
            }
            match outcome {
                Ok(fields) => {
                    succeeded = true;
                    m.extend(fields);
                }
                Err(e) => {
                    match e {
                        OpError::User(_) => user_error = true,
                        OpError::Internal(_) => internal_error = true,
                    }
                    m.insert("error".into(), json!(e.message()));
                }
            }
            m.insert("reference".into(), json!(item.reference));
            Value::Object(m)
        })
        .collect();
    let mut data = Map::new();
    data.insert("batch_results".into(), Value::Array(results));
    let mut resp = Response::with_data(data);
    if !status_on_error || !(user_error || internal_error) {
        return Ok(Some(resp));
    }
    let mut status = if user_error { 400 } else { 500 };
    if let (Some(code), true) = (partial_failure_code, succeeded) {
        if (1..=599).contains(&code) {
            status = code as u16;
        } else {
            resp = resp.warn(format!(
                "invalid HTTP response code override from partial_failure_response_code, reverting to {status}"
            ));
        }
    }
    Err(CoreError::WithStatus(status, Box::new(resp)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_items_get_mapstructures_texts() {
        let raw = [json!({"plaintext": 5}), json!("x"), json!({"context": "c"})];
        let err = decode(&raw, "plaintext", "missing plaintext to encrypt").unwrap_err().to_string();
        assert!(err.contains("failed to parse batch input: 3 error(s) decoding:\n\n* '[0].plaintext' expected type 'string', got unconvertible type 'json.Number'\n* '[2].plaintext' missing plaintext to encrypt\n* [1] expected a map, got 'string'"), "{err}");
    }

    #[test]
    fn a_failed_item_makes_a_400_unless_partial_failure_is_asked_for() {
        let items = vec![Item::default(), Item { reference: "b".into(), ..Default::default() }];
        let outcomes = || vec![Ok(Map::new()), Err(OpError::User("bad".into()))];
        let Err(CoreError::WithStatus(400, resp)) = respond(&items, outcomes(), None, None, true) else { panic!() };
        assert_eq!(resp.data.unwrap()["batch_results"][1], json!({"error": "bad", "reference": "b"}));
        let Err(CoreError::WithStatus(207, _)) = respond(&items, outcomes(), None, Some(207), true) else { panic!() };
        assert!(respond(&items, outcomes(), None, None, false).is_ok());
    }
}
