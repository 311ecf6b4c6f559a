//! The `token_*` parameters an auth method keeps per user or role (Vault's
//! `sdk/helper/tokenutil`): parsed from a write, shown on a read, handed to the login step, plus
//! the upgrade rules for the deprecated `policies`, `ttl`, `max_ttl` and `bound_cidrs` names.

use crate::logical::{Display, Field, FieldData, FieldDefault, FieldType};
use crate::login::sanitize_policies;
use crate::Login;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// Vault's `tokenutil.TokenParams`, durations in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct TokenParams {
    /// Addresses or blocks, rendered as go-sockaddr renders them (`127.0.0.1`, `10.0.0.0/8`).
    #[serde(default)]
    pub token_bound_cidrs: Vec<String>,
    #[serde(default)]
    pub token_explicit_max_ttl: u64,
    #[serde(default)]
    pub token_max_ttl: u64,
    #[serde(default)]
    pub token_no_default_policy: bool,
    #[serde(default)]
    pub token_num_uses: i64,
    #[serde(default)]
    pub token_period: u64,
    #[serde(default)]
    pub token_policies: Vec<String>,
    /// `default` (stored empty), `service` or `batch`.
    #[serde(default)]
    pub token_type: String,
    #[serde(default)]
    pub token_ttl: u64,
}

/// The `token_*` fields every auth method declares (Vault's `tokenutil.AddTokenFields`).
pub(crate) const TOKEN_FIELDS: &[Field] = &[
    Field::new(
        "token_bound_cidrs",
        FieldType::CommaStrings,
        "Comma separated string or JSON list of CIDR blocks. If set, specifies the blocks of IP addresses which are allowed to use the generated token.",
    )
    .display(Display::named("Generated Token's Bound CIDRs", "Tokens").describe("A list of CIDR blocks. If set, specifies the blocks of IP addresses which are allowed to use the generated token.")),
    Field::new(
        "token_explicit_max_ttl",
        FieldType::Duration,
        "If set, tokens created via this role carry an explicit maximum TTL. During renewal, the current maximum TTL values of the role and the mount are not checked for changes, and any updates to these values will have no effect on the token being renewed.",
    )
    .display(Display::named("Generated Token's Explicit Maximum TTL", "Tokens")),
    Field::new("token_max_ttl", FieldType::Duration, "The maximum lifetime of the generated token")
    .display(Display::named("Generated Token's Maximum TTL", "Tokens")),
    Field::new(
        "token_no_default_policy",
        FieldType::Bool,
        "If true, the 'default' policy will not automatically be added to generated tokens",
    )
    .display(Display::named("Do Not Attach 'default' Policy To Generated Tokens", "Tokens")),
    Field::new("token_num_uses", FieldType::Int, "The maximum number of times a token may be used, a value of zero means unlimited")
    .display(Display::named("Maximum Uses of Generated Tokens", "Tokens")),
    Field::new(
        "token_period",
        FieldType::Duration,
        "If set, tokens created via this role will have no max lifetime; instead, their renewal period will be fixed to this value. This takes an integer number of seconds, or a string duration (e.g. \"24h\").",
    )
    .display(Display::named("Generated Token's Period", "Tokens")),
    Field::new("token_policies", FieldType::CommaStrings, "Comma-separated list of policies")
    .display(Display::named("Generated Token's Policies", "Tokens").describe("A list of policies that will apply to the generated token for this user.")),
    Field::new("token_type", FieldType::String, "The type of token to generate, service or batch")
    .display(Display::named("Generated Token's Type", "Tokens"))
        .default(FieldDefault::Str("default-service")),
    Field::new("token_ttl", FieldType::Duration, "The initial ttl of the token to generate")
    .display(Display::named("Generated Token's Initial TTL", "Tokens")),
];

/// `parseutil.ParseAddrs`: addresses or CIDR blocks; a single-host block loses its mask, as
/// go-sockaddr prints it.
pub(crate) fn parse_addrs(items: &[String]) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|raw| {
            let s = raw.trim();
            if let Ok(ip) = s.parse::<IpAddr>() {
                return Ok(ip.to_string());
            }
            let net = s.parse::<IpNet>().map_err(|_| {
                format!(
                    "error parsing address \"{raw}\": Unable to convert \"{raw}\" to an IPv4 or IPv6 address, or a UNIX Socket"
                )
            })?;
            Ok(if net.prefix_len() == net.max_prefix_len() { net.addr().to_string() } else { net.to_string() })
        })
        .collect()
}

impl TokenParams {
    /// Vault's `ParseTokenFields`: applies the `token_*` fields present in `data`.
    pub fn parse(&mut self, data: &FieldData) -> Result<(), String> {
        self.parse_with_type(data, data.str("token_type"))
    }

    /// [`TokenParams::parse`] with the `token_type` the method settled on (AppRole turns
    /// `default-service` into `service` first, with a warning).
    pub fn parse_with_type(&mut self, data: &FieldData, token_type: Option<&str>) -> Result<(), String> {
        if let Some(cidrs) = data.strings("token_bound_cidrs") {
            self.token_bound_cidrs = parse_addrs(cidrs)?;
        }
        if let Some(v) = data.seconds("token_explicit_max_ttl") {
            self.token_explicit_max_ttl = v;
        }
        if let Some(v) = data.seconds("token_max_ttl") {
            self.token_max_ttl = v;
        }
        if let Some(v) = data.bool("token_no_default_policy") {
            self.token_no_default_policy = v;
        }
        if let Some(v) = data.seconds("token_period") {
            self.token_period = v;
        }
        if let Some(v) = data.strings("token_policies") {
            self.token_policies = v.to_vec();
        }
        if let Some(t) = token_type {
            self.token_type = match t {
                "" | "default" | "default-service" => String::new(),
                "service" | "batch" => t.to_string(),
                other => return Err(format!("invalid 'token_type' value \"{other}\"")),
            };
        }
        if let Some(v) = data.int("token_num_uses") {
            self.token_num_uses = v;
        }
        if self.token_num_uses < 0 {
            return Err("'token_num_uses' cannot be negative".into());
        }
        if self.token_type == "batch" {
            if self.token_period != 0 {
                return Err(
                    "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens".into()
                );
            }
            if self.token_num_uses != 0 {
                return Err(
                    "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count"
                        .into(),
                );
            }
        }
        if let Some(v) = data.seconds("token_ttl") {
            self.token_ttl = v;
        }
        if self.token_ttl > 0 && self.token_max_ttl > 0 && self.token_ttl > self.token_max_ttl {
            return Err("'token_ttl' cannot be greater than 'token_max_ttl'".into());
        }
        Ok(())
    }

    /// Vault's `PopulateTokenData`: the fields a read shows.
    pub fn populate(&self, out: &mut Map<String, Value>) {
        let token_type = if self.token_type.is_empty() { "default" } else { &self.token_type };
        out.insert("token_bound_cidrs".into(), json!(self.token_bound_cidrs));
        out.insert("token_explicit_max_ttl".into(), json!(self.token_explicit_max_ttl));
        out.insert("token_max_ttl".into(), json!(self.token_max_ttl));
        out.insert("token_no_default_policy".into(), json!(self.token_no_default_policy));
        out.insert("token_num_uses".into(), json!(self.token_num_uses));
        out.insert("token_period".into(), json!(self.token_period));
        out.insert("token_policies".into(), json!(self.token_policies));
        out.insert("token_type".into(), json!(token_type));
        out.insert("token_ttl".into(), json!(self.token_ttl));
    }

    /// Vault's `PopulateTokenAuth`: what the login hands to the token it mints.
    pub fn login(&self) -> Login {
        Login {
            policies: self.token_policies.clone(),
            ttl: self.token_ttl,
            max_ttl: self.token_max_ttl,
            explicit_max_ttl: self.token_explicit_max_ttl,
            period: self.token_period,
            num_uses: self.token_num_uses,
            no_default_policy: self.token_no_default_policy,
            token_type: self.token_type.clone(),
            bound_cidrs: self.token_bound_cidrs.clone(),
            renewable: true,
            ..Default::default()
        }
    }

    /// Whether `addr` may use what these parameters bind (Vault's `cidrutil.RemoteAddrIsOk`):
    /// no bound CIDRs allow everyone; bound CIDRs need a known, matching address.
    pub fn allows(&self, addr: Option<IpAddr>) -> bool {
        crate::token_store::addr_in_cidrs(addr, &self.token_bound_cidrs)
    }
}

/// Which deprecated name pairs with which `token_*` field.
pub(crate) struct Legacy<'a> {
    pub policies: &'a mut Vec<String>,
    pub ttl: &'a mut u64,
    pub max_ttl: &'a mut u64,
    pub bound_cidrs: &'a mut Vec<String>,
}

/// Vault's `tokenutil.UpgradeValue` for the four deprecated fields: a deprecated field given
/// alone sets both names; a `token_*` field given clears the old one unless both were given.
pub(crate) fn upgrade(data: &FieldData, params: &mut TokenParams, old: Legacy<'_>) -> Result<(), String> {
    let has = |k: &str| data.has(k);
    match (has("token_policies"), data.strings("policies")) {
        (false, Some(p)) => {
            *old.policies = sanitize_policies(p, false);
            params.token_policies = old.policies.clone();
        }
        (true, given) => *old.policies = if given.is_some() { params.token_policies.clone() } else { Vec::new() },
        (false, None) => {}
    }
    for (key, new_key, old_val, new_val) in [
        ("ttl", "token_ttl", &mut *old.ttl, &mut params.token_ttl),
        ("max_ttl", "token_max_ttl", &mut *old.max_ttl, &mut params.token_max_ttl),
    ] {
        match (has(new_key), data.seconds(key)) {
            (false, Some(v)) => {
                *old_val = v;
                *new_val = v;
            }
            (true, given) => *old_val = if given.is_some() { *new_val } else { 0 },
            (false, None) => {}
        }
    }
    match (has("token_bound_cidrs"), data.strings("bound_cidrs")) {
        (false, Some(c)) => {
            *old.bound_cidrs = parse_addrs(c)?;
            params.token_bound_cidrs = old.bound_cidrs.clone();
        }
        (true, given) => *old.bound_cidrs = if given.is_some() { params.token_bound_cidrs.clone() } else { Vec::new() },
        (false, None) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGACY: &[Field] = &[
        Field::new("policies", FieldType::CommaStrings, ""),
        Field::new("ttl", FieldType::Duration, ""),
        Field::new("max_ttl", FieldType::Duration, ""),
        Field::new("bound_cidrs", FieldType::CommaStrings, ""),
    ];

    fn data(v: Value) -> FieldData {
        FieldData::decode(&v.as_object().cloned().unwrap_or_default(), &[TOKEN_FIELDS, LEGACY]).unwrap()
    }

    #[test]
    fn parses_and_validates_like_tokenutil() {
        let mut p = TokenParams::default();
        let d = data(json!({"token_policies": "B, a", "token_ttl": "1h", "token_max_ttl": 7200,
            "token_bound_cidrs": "127.0.0.1/32, 10.0.0.0/8", "token_type": "batch"}));
        p.parse(&d).unwrap();
        assert_eq!(p.token_policies, vec!["B", "a"]);
        assert_eq!((p.token_ttl, p.token_max_ttl), (3600, 7200));
        assert_eq!(p.token_bound_cidrs, vec!["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(p.token_type, "batch");

        let err = |v: Value| TokenParams::default().parse(&data(v)).unwrap_err();
        let mut p = TokenParams::default();
        p.parse(&data(json!({"token_no_default_policy": "True"}))).unwrap();
        assert!(p.token_no_default_policy);
        assert_eq!(
            err(json!({"token_ttl": 10, "token_max_ttl": 5})),
            "'token_ttl' cannot be greater than 'token_max_ttl'"
        );
        assert_eq!(err(json!({"token_type": "x"})), "invalid 'token_type' value \"x\"");
        assert_eq!(err(json!({"token_num_uses": -1})), "'token_num_uses' cannot be negative");
        assert!(err(json!({"token_type": "batch", "token_period": 5})).contains("periodic tokens"));
        assert!(err(json!({"token_bound_cidrs": "nope"})).starts_with("error parsing address \"nope\""));
    }

    #[test]
    fn deprecated_names_upgrade_both_ways() {
        let (mut pol, mut ttl, mut max, mut cidrs) = (Vec::new(), 0, 0, Vec::new());
        let mut p = TokenParams::default();
        let d = data(json!({"policies": "X,y", "ttl": 60, "max_ttl": "5m", "bound_cidrs": ["10.1.0.0/16"]}));
        let legacy = Legacy { policies: &mut pol, ttl: &mut ttl, max_ttl: &mut max, bound_cidrs: &mut cidrs };
        upgrade(&d, &mut p, legacy).unwrap();
        assert_eq!(
            (pol.clone(), p.token_policies.clone()),
            (vec!["x".to_string(), "y".into()], vec!["x".into(), "y".into()])
        );
        assert_eq!((ttl, p.token_ttl, max, p.token_max_ttl), (60, 60, 300, 300));
        assert_eq!(p.token_bound_cidrs, vec!["10.1.0.0/16"]);

        // A token_* field alone clears the deprecated one.
        let d = data(json!({"token_policies": "q", "token_ttl": 5}));
        p.parse(&d).unwrap();
        let legacy = Legacy { policies: &mut pol, ttl: &mut ttl, max_ttl: &mut max, bound_cidrs: &mut cidrs };
        upgrade(&d, &mut p, legacy).unwrap();
        assert!(pol.is_empty());
        assert_eq!((ttl, max), (0, 300));
    }

    #[test]
    fn bound_cidrs_need_a_matching_address() {
        let mut p = TokenParams::default();
        assert!(p.allows(None));
        p.token_bound_cidrs = vec!["127.0.0.1".into(), "10.0.0.0/8".into()];
        assert!(p.allows(Some("127.0.0.1".parse().unwrap())));
        assert!(p.allows(Some("10.2.3.4".parse().unwrap())));
        assert!(!p.allows(Some("127.0.0.2".parse().unwrap())));
        assert!(!p.allows(None));
    }
}
