//! Vault's duration inputs: an integer number of seconds, or a Go duration string ("1h30m",
//! "90s", "1.5h", "768h"); plus the `d` suffix Vault also accepts for days.

use serde_json::Value;

/// Parses seconds from a JSON value as Vault's `TypeDurationSecond` does.
pub fn parse_duration_value(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| format!("invalid duration {n}")),
        Value::String(s) => parse_duration(s),
        Value::Null => Ok(0),
        other => Err(format!("invalid duration {other}")),
    }
}

/// Parses a Go-style duration string (or bare seconds) into whole seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(secs);
    }
    let bad = || format!("time: invalid duration \"{s}\"");
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        if num_len == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(bad()),
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    Ok(total as u64)
}

/// Formats seconds as Go's `time.Duration.String()` does ("768h0m0s", "1m30s", "0s").
pub fn format_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_go_durations_and_seconds() {
        assert_eq!(parse_duration("90").unwrap(), 90);
        assert_eq!(parse_duration("1h30m").unwrap(), 5400);
        assert_eq!(parse_duration("768h").unwrap(), 2_764_800);
        assert_eq!(parse_duration("1.5h").unwrap(), 5400);
        assert_eq!(parse_duration("2d").unwrap(), 172_800);
        assert_eq!(parse_duration("500ms").unwrap(), 0);
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("10x").is_err());
        assert_eq!(parse_duration_value(&json!(30)).unwrap(), 30);
        assert_eq!(parse_duration_value(&json!("1m")).unwrap(), 60);
        assert!(parse_duration_value(&json!(true)).is_err());
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(90), "1m30s");
        assert_eq!(format_duration(2_764_800), "768h0m0s");
    }
}
