//! Go's `time.Duration` text forms: the CLI sends durations the way the Go client does
//! (`1h0m0s`) and prints TTLs the way `vault` does (`768h`).

use serde_json::Value;

const SECOND: i128 = 1_000_000_000;

/// `time.Duration.String()` for a duration in nanoseconds.
pub fn go_string(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let mut out = if u < SECOND as u128 {
        let (unit, prec) = match u {
            n if n < 1_000 => ("ns", 0),
            n if n < 1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        format!("{}{}", frac(u, prec), unit)
    } else {
        let secs = u / SECOND as u128;
        let mut s = format!("{}s", frac(u % (60 * SECOND as u128), 9));
        let mins = secs / 60;
        if mins > 0 {
            s = format!("{}m{}", mins % 60, s);
            let hours = mins / 60;
            if hours > 0 {
                s = format!("{hours}h{s}");
            }
        }
        s
    };
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / 10^prec` with the fraction's trailing zeros (and a bare point) dropped.
fn frac(v: u128, prec: u32) -> String {
    let scale = 10u128.pow(prec);
    let (int, rem) = (v / scale, v % scale);
    if rem == 0 {
        return int.to_string();
    }
    let digits = format!("{:0width$}", rem, width = prec as usize);
    format!("{}.{}", int, digits.trim_end_matches('0'))
}

/// Vault's `humanDuration`: `Duration.String()` without the pesky zero minutes and seconds.
pub fn human(secs: i64) -> String {
    let mut s = go_string(secs as i128 * SECOND);
    if s == "0s" {
        return s;
    }
    if s.ends_with("m0s") {
        s.truncate(s.len() - 2);
    }
    if let Some(idx) = s.find("h0m") {
        if idx > 0 {
            s = format!("{}{}", &s[..idx + 1], &s[idx + 3..]);
        }
    }
    s
}

/// Vault's `humanDurationInt`: integers become durations, anything else is returned unchanged.
pub fn human_value(v: &Value) -> Option<String> {
    v.as_i64().map(human)
}

/// Vault's `looksLikeDuration`: keys whose integer values print as durations in tables.
pub fn looks_like_duration(k: &str) -> bool {
    k == "period"
        || k.ends_with("_period")
        || k == "ttl"
        || k.ends_with("_ttl")
        || k == "duration"
        || k.ends_with("_duration")
        || k == "lease_max"
        || k == "ttl_max"
}

/// `parseutil.ParseDurationSecond`: plain integers are seconds, `Nd` is days, anything else
/// goes through `time.ParseDuration`. Returns nanoseconds.
pub fn parse_duration_second(s: &str) -> Result<i128, String> {
    if s.is_empty() {
        return Ok(0);
    }
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs as i128 * SECOND);
    }
    if let Some(days) = s.strip_suffix('d') {
        let n: i64 = days.parse().map_err(|_| format!("strconv.ParseInt: parsing {}: invalid syntax", quote(days)))?;
        return Ok(n as i128 * 86_400 * SECOND);
    }
    parse_go_duration(s)
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// `time.ParseDuration`.
pub fn parse_go_duration(orig: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, &orig[1..]),
        Some(b'+') => (false, &orig[1..]),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let num_len = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
        let num = &s[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(invalid());
        }
        s = &s[num_len..];
        let unit_len = s.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", quote(orig)));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(format!("time: unknown unit {} in duration {}", quote(unit), quote(orig))),
        };
        let value: f64 = num.parse().map_err(|_| invalid())?;
        total += value * scale;
    }
    let nanos = total.round() as i128;
    Ok(if neg { -nanos } else { nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_strings_match_go() {
        assert_eq!(go_string(0), "0s");
        assert_eq!(go_string(3600 * SECOND), "1h0m0s");
        assert_eq!(go_string(90 * SECOND), "1m30s");
        assert_eq!(go_string(1_500_000_000), "1.5s");
        assert_eq!(go_string(1_500_000), "1.5ms");
        assert_eq!(go_string(-SECOND), "-1s");
    }

    #[test]
    fn human_durations_drop_zero_units() {
        assert_eq!(human(2_764_800), "768h");
        assert_eq!(human(1800), "30m");
        assert_eq!(human(5400), "1h30m");
        assert_eq!(human(3661), "1h1m1s");
        assert_eq!(human(45), "45s");
        assert_eq!(human(0), "0s");
    }

    #[test]
    fn parses_vault_flag_durations() {
        assert_eq!(parse_duration_second("30"), Ok(30 * SECOND));
        assert_eq!(parse_duration_second("1h30m"), Ok(5400 * SECOND));
        assert_eq!(parse_duration_second("2d"), Ok(172_800 * SECOND));
        assert_eq!(parse_duration_second("-1"), Ok(-SECOND));
        assert!(parse_duration_second("abc").is_err());
        assert!(parse_duration_second("1x").is_err());
    }
}
