//! Go's formatting as Vault's texts show it: strconv's integer parsing, `%q` quoting,
//! go-multierror's rendering and the type names mapstructure reports.

use serde_json::Value;

/// The Go type name mapstructure reports for a JSON value (Vault decodes numbers as json.Number).
pub fn go_type(v: &Value) -> &'static str {
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
pub fn go_parse_int(s: &str) -> Result<i64, &'static str> {
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

/// go-multierror's rendering of a list of errors.
pub fn multierror(errors: &[String]) -> String {
    let head =
        if errors.len() == 1 { "1 error occurred:".to_string() } else { format!("{} errors occurred:", errors.len()) };
    let body: String = errors.iter().map(|e| format!("\n\t* {e}")).collect();
    format!("{head}{body}\n\n")
}

/// Go's `unicode.IsPrint`, closely enough: no controls, no separators other than the ASCII
/// space, no format characters, no private use.
pub fn is_printable(c: char) -> bool {
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
pub fn go_quote(s: &str) -> String {
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
