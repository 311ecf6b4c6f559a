//! Go `flag`-package parsing as Vault's CLI uses it: `-name=value`, `-name value` and `--name`
//! forms, boolean flags that take no separate argument, parsing that stops at the first
//! positional argument (or `--`), and Go's exact error messages.

use std::collections::HashMap;

use super::godur;

/// What a flag holds, which decides how its value is parsed.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum FlagKind {
    Str,
    Int,
    Bool,
    /// A duration accepted by `parseutil.ParseDurationSecond`; `system` means -1s.
    Dur,
    /// Repeatable; every occurrence is kept.
    List,
    /// Repeatable `key=value`.
    Map,
}

#[derive(Clone, Copy)]
pub struct FlagSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: FlagKind,
}

pub const fn flag(name: &'static str, kind: FlagKind) -> FlagSpec {
    FlagSpec { name, aliases: &[], kind }
}

/// Why parsing stopped early.
#[derive(Debug, PartialEq)]
pub enum ParseError {
    /// `-h`/`-help`: the caller prints help and exits 0.
    Help,
    /// A message for stderr; the command exits 1.
    Invalid(String),
}

/// The parsed flags (by canonical name, raw text of each occurrence) and the positional args.
#[derive(Debug, Default)]
pub struct Parsed {
    values: HashMap<&'static str, Vec<String>>,
    pub args: Vec<String>,
}

impl Parsed {
    pub fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.last()).map(String::as_str)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(|s| parse_int(s).ok())
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.str(name).and_then(|s| parse_bool(s).ok())
    }

    /// Nanoseconds.
    pub fn dur(&self, name: &str) -> Option<i128> {
        self.str(name).and_then(|s| parse_dur(s).ok())
    }

    pub fn list(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// Repeated `key=value` flags; later keys win, in sorted order.
    pub fn map(&self, name: &str) -> std::collections::BTreeMap<String, String> {
        self.list(name)
            .iter()
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect()
    }
}

/// Parses `args` against `specs`, Go style.
pub fn parse(specs: &[&FlagSpec], args: &[String]) -> Result<Parsed, ParseError> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let s = &args[i];
        if s.len() < 2 || !s.starts_with('-') {
            break;
        }
        let dashes = if s.starts_with("--") { 2 } else { 1 };
        if s == "--" {
            i += 1;
            break;
        }
        let body = &s[dashes..];
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(ParseError::Invalid(format!("bad flag syntax: {s}")));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(spec) = specs.iter().find(|f| f.name == name || f.aliases.contains(&name)) else {
            if name == "help" || name == "h" {
                return Err(ParseError::Help);
            }
            return Err(ParseError::Invalid(format!("flag provided but not defined: -{name}")));
        };
        i += 1;
        let value = if spec.kind == FlagKind::Bool {
            let v = inline.unwrap_or_else(|| "true".to_string());
            parse_bool(&v).map_err(|e| ParseError::Invalid(format!("invalid boolean value {v:?} for -{name}: {e}")))?;
            v
        } else {
            let v = match inline {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => return Err(ParseError::Invalid(format!("flag needs an argument: -{name}"))),
            };
            validate(spec.kind, &v)
                .map_err(|e| ParseError::Invalid(format!("invalid value {v:?} for flag -{name}: {e}")))?;
            v
        };
        parsed.values.entry(spec.name).or_default().push(value);
    }
    parsed.args = args[i..].to_vec();
    Ok(parsed)
}

fn validate(kind: FlagKind, v: &str) -> Result<(), String> {
    match kind {
        FlagKind::Int => parse_int(v).map(|_| ()),
        FlagKind::Dur => parse_dur(v).map(|_| ()),
        FlagKind::Map if !v.contains('=') => Err(format!("missing = in KV pair: {v:?}")),
        _ => Ok(()),
    }
}

/// `strconv.ParseInt(s, 0, 64)`, with Go's error text.
pub fn parse_int(s: &str) -> Result<i64, String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = digits.to_ascii_lowercase();
    let parsed = if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        i64::from_str_radix(bin, 2)
    } else if let Some(oct) = lower.strip_prefix("0o") {
        i64::from_str_radix(oct, 8)
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8)
    } else {
        digits.parse::<i64>()
    };
    match parsed {
        Ok(n) if !digits.starts_with(['+', '-']) => Ok(if neg { -n } else { n }),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
            Err(format!("strconv.ParseInt: parsing {s:?}: value out of range"))
        }
        _ => Err(format!("strconv.ParseInt: parsing {s:?}: invalid syntax")),
    }
}

/// `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {s:?}: invalid syntax")),
    }
}

fn parse_dur(s: &str) -> Result<i128, String> {
    // Vault keeps accepting "system" for "use the system default".
    godur::parse_duration_second(if s == "system" { "-1" } else { s })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNT: FlagSpec = flag("mount", FlagKind::Str);
    const VERSION: FlagSpec = flag("version", FlagKind::Int);
    const FORCE: FlagSpec = FlagSpec { name: "force", aliases: &["f"], kind: FlagKind::Bool };
    const SPECS: &[&FlagSpec] = &[&MOUNT, &VERSION, &FORCE];

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn single_and_double_dash_forms() {
        let p = parse(SPECS, &args("-mount=secret --version 3 -f foo a=b")).unwrap();
        assert_eq!(p.str("mount"), Some("secret"));
        assert_eq!(p.int("version"), Some(3));
        assert_eq!(p.bool("force"), Some(true));
        assert_eq!(p.args, args("foo a=b"));
    }

    #[test]
    fn flags_stop_at_first_positional_and_double_dash() {
        let p = parse(SPECS, &args("foo -mount=x")).unwrap();
        assert!(!p.is_set("mount"));
        assert_eq!(p.args, args("foo -mount=x"));
        let p = parse(SPECS, &args("-- -mount=x")).unwrap();
        assert_eq!(p.args, args("-mount=x"));
        let p = parse(SPECS, &args("- x")).unwrap();
        assert_eq!(p.args, args("- x"));
    }

    #[test]
    fn bool_flags_do_not_take_the_next_arg() {
        let p = parse(SPECS, &args("-force false")).unwrap();
        assert_eq!(p.bool("force"), Some(true));
        assert_eq!(p.args, args("false"));
        let p = parse(SPECS, &args("-force=false x")).unwrap();
        assert_eq!(p.bool("force"), Some(false));
    }

    #[test]
    fn go_error_messages() {
        let err = |s: &str| parse(SPECS, &args(s)).unwrap_err();
        assert_eq!(err("-nope x"), ParseError::Invalid("flag provided but not defined: -nope".into()));
        assert_eq!(err("-mount"), ParseError::Invalid("flag needs an argument: -mount".into()));
        assert_eq!(
            err("-version=abc"),
            ParseError::Invalid(
                "invalid value \"abc\" for flag -version: strconv.ParseInt: parsing \"abc\": invalid syntax".into()
            )
        );
        assert_eq!(err("---x"), ParseError::Invalid("bad flag syntax: ---x".into()));
        assert_eq!(err("-h"), ParseError::Help);
    }

    #[test]
    fn go_integer_syntax() {
        assert_eq!(parse_int("0x10"), Ok(16));
        assert_eq!(parse_int("-7"), Ok(-7));
        assert!(parse_int("--7").is_err());
        assert!(parse_int("").is_err());
    }
}
