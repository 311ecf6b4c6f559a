//! The `jsonx` audit format (Vault's, through `jefferai/jsonx`): the JSON entry as IBM
//! DataPower JSONx elements, object members sorted by name, without the XML header or the
//! root element (each entry is a sequence of members, one entry per line). Names and strings
//! are escaped as Go's `xml.EscapeText` does, so every entry is well-formed XML even where
//! jsonx itself would write a string raw.

use serde_json::Value;

/// The members of the entry object `v`, as Vault's `jsonx.EncodeJSONBytes` writes them.
pub fn encode(v: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(map) = v {
        members(&mut out, map);
    }
    out
}

fn members(out: &mut String, map: &serde_json::Map<String, Value>) {
    let mut names: Vec<&String> = map.keys().collect();
    names.sort();
    for name in names {
        element(out, Some(name), &map[name]);
    }
}

fn element(out: &mut String, name: Option<&str>, v: &Value) {
    let attr = name.map(|n| format!(" name=\"{}\"", escape(n))).unwrap_or_default();
    match v {
        Value::Null => out.push_str(&format!("<json:null{attr} />")),
        Value::Bool(b) => out.push_str(&format!("<json:boolean{attr}>{b}</json:boolean>")),
        Value::Number(n) => out.push_str(&format!("<json:number{attr}>{n}</json:number>")),
        Value::String(s) => out.push_str(&format!("<json:string{attr}>{}</json:string>", escape(s))),
        Value::Array(items) => {
            out.push_str(&format!("<json:array{attr}>"));
            for item in items {
                element(out, None, item);
            }
            out.push_str("</json:array>");
        }
        Value::Object(map) => {
            out.push_str(&format!("<json:object{attr}>"));
            members(out, map);
            out.push_str("</json:object>");
        }
    }
}

/// Go's `xml.EscapeText`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_sorted_nested_and_escaped() {
        let v = json!({"type": "request", "auth": {"policies": ["root"], "ttl": 0, "x": null, "ok": true},
            "error": "a<b & \"c\""});
        assert_eq!(
            encode(&v),
            "<json:object name=\"auth\"><json:boolean name=\"ok\">true</json:boolean>\
             <json:array name=\"policies\"><json:string>root</json:string></json:array>\
             <json:number name=\"ttl\">0</json:number><json:null name=\"x\" /></json:object>\
             <json:string name=\"error\">a&lt;b &amp; &#34;c&#34;</json:string>\
             <json:string name=\"type\">request</json:string>"
        );
    }
}
